"""The kernel's own file systems under test: `flushpoint run --fs ext4|xfs|
btrfs` over the real stack (nbdkit with the recording plugin <- nbdfuse <- a
loop device <- mkfs + mount) and `flushpoint check` recovering every state
with the kernel (loop + mount, then the file system's own fsck).

These need root, /dev/fuse and loop devices.  CI runs as root on a machine
that has them, so here they run; a machine without them skips with the
reason `flushpoint run --fs` itself gives (which another test checks).

The kernel is not deterministic: the assertions are about promises (fsync's
data is in every flush state) and about losses that nobarrier makes
possible in *some* state, never about exact logs.
"""
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cli_common import BUILD, FLUSHPOINT, REPO, fp

FS = ("ext4", "xfs", "btrfs")
FSCK = {"ext4": ["e2fsck", "-fn"], "xfs": ["xfs_repair", "-n"],
        "btrfs": ["btrfs", "check", "--readonly"]}

APPEND = """\
# fsync after appends: the bytes and the size survive (every fs here).
creat /log
append /log 8K seed=1
fsync /log
mkdir /d
creat /d/f
pwrite /d/f 0 12K seed=2
fsync /d/f
fsync /d
append /log 4K seed=3
fsync /log
"""


def _can_run(fs):
    """None, or why this machine cannot run fs (`flushpoint probe`)."""
    r = fp("probe", fs, timeout=60)
    if r.returncode == 2 and "cannot run it" in r.stdout:
        return r.stdout.strip()
    assert r.returncode == 0, r.stdout + r.stderr
    return None


def _need(fs):
    why = _can_run(fs)
    if why and os.geteuid() == 0 and Path("/dev/fuse").exists():
        pytest.fail(f"root with /dev/fuse, yet: {why}")
    if why:
        pytest.skip(why)


def _wl(tmp_path, text, name="k.wl"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _run(fs, wl, log, *extra, timeout=300):
    return fp("run", wl, "--fs", fs, "--start-nbdkit", "--log", log, *extra,
              timeout=timeout)


def _check_json(log, tmp_path, *extra):
    out = tmp_path / (Path(log).stem + ".json")
    r = fp("check", log, "--json", out, *extra, timeout=900)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return r, json.loads(out.read_text())


def _leftovers():
    """What a kernel run may leave behind: mounts, loop devices, FUSE
    mounts, processes."""
    ours = re.compile(r"kfs-stack-|kfs-recover-|flushpoint-state-")
    left = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        if ours.search(line):
            left.append("mount: " + line)
    for lo in Path("/sys/block").glob("loop*"):
        bf = lo / "loop" / "backing_file"
        if bf.exists() and ours.search(bf.read_text()):
            left.append(f"{lo.name}: {bf.read_text().strip()}")
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True,
                        text=True).stdout
    for line in ps.splitlines():
        if re.search(r"\bnbdfuse\b.*kfs-stack-|nbdkit .*flushpoint-run-", line):
            left.append("process: " + line.strip())
    return left


def _wait_clean(timeout=15.0):
    end = time.monotonic() + timeout
    while True:
        left = _leftovers()
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.2)


@pytest.mark.parametrize("fs", FS)
def test_fsync_keeps_data_in_every_flush_state(fs, tmp_path):
    _need(fs)
    log = tmp_path / f"{fs}.fpl"
    r = _run(fs, _wl(tmp_path, APPEND), log)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"fs:        {fs}" in r.stdout
    assert "readback:" in r.stdout
    r, j = _check_json(log, tmp_path, "--states", "flush")
    assert r.returncode == 0, r.stdout + r.stderr
    assert j["states"]["checked"] > 0, j["states"]
    assert j["fs"] == fs and j["deterministic"] is False
    assert j["violations"] == 0, r.stdout
    assert "VIOLATION " not in r.stdout, r.stdout
    assert _wait_clean() == []


@pytest.mark.parametrize("fs", FS)
def test_nobarrier_loses_fsynced_data(fs, tmp_path):
    """Without flushes the device's volatile cache may drop what fsync
    returned for: some crash state must lose it, and check must say so."""
    _need(fs)
    log = tmp_path / f"{fs}-nb.fpl"
    r = _run(fs, _wl(tmp_path, APPEND), log, "--mount", "nobarrier")
    assert r.returncode == 0, r.stdout + r.stderr
    entries = [json.loads(l) for l in
               fp("log", "dump", "--json", log).stdout.splitlines()]
    ready = [i for i, e in enumerate(entries) if e.get("type") == "MARK"
             and '"kind":"ready"' in e.get("text", e.get("payload", ""))]
    assert ready, "no ready mark"
    text = entries[ready[0]].get("text", entries[ready[0]].get("payload"))
    # Linux removed xfs's nobarrier (4.19): it is emulated by a
    # write-through recording device, and the ready mark says so.
    want = "write through" if fs == "xfs" else "write back"
    assert f'"write_cache":"{want}"' in text.replace(" :", ":"), text
    if fs == "xfs":
        # not even mkfs's flushes get through (the one before the run mark
        # is the runner's own, on its NBD connection)
        run = [i for i, e in enumerate(entries) if e.get("type") == "MARK"
               and '"kind":"run"' in e.get("text", e.get("payload", ""))]
        assert not any(e.get("type") == "FLUSH" for e in entries[run[0]:]), \
            "a write-through device still passed a FLUSH"
    after = [e for e in entries[ready[0]:] if e.get("type") == "FLUSH"]
    assert after == [], "nobarrier still sent FLUSH requests after mount"
    r, j = _check_json(log, tmp_path, "--states", "flush,write,epoch")
    assert r.returncode == 1, r.stdout + r.stderr
    lost = {p: j["properties"][p]["violated"] for p in ("data", "size")}
    assert sum(lost.values()) > 0, j["properties"]
    assert "flushpoint replay" in r.stdout
    assert "inspect (as root, after the rebuild):" in r.stdout, r.stdout
    _inspect_a_lost_state(j, tmp_path)
    assert _wait_clean() == []
    assert _write_through_left(tmp_path) == []


def _inspect_a_lost_state(j, tmp_path):
    """A finding's rebuild and inspect commands work as printed: the image
    rebuilds, mounts, lists, unmounts, and the fsck line runs."""
    good = [s for s in j["results"] if s["status"] == "checked"
            and s["verdicts"].get("fsck") != "violated"
            and "violated" in (s["verdicts"].get("data"),
                               s["verdicts"].get("size"))]
    assert good, "no state that lost data yet mounts"
    s = good[0]
    assert "inspect" in s, s
    r = subprocess.run(s["replay"], shell=True, cwd=tmp_path,
                       capture_output=True, text=True,
                       env={**os.environ, "PATH": f"{BUILD}:{os.environ['PATH']}"})
    assert r.returncode == 0, r.stdout + r.stderr
    lines = s["inspect"].splitlines()
    mount_part = "set -e\n" + "\n".join(lines[:-1]) + "\n"
    r = subprocess.run(["bash", "-c", mount_part], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, s["inspect"] + r.stdout + r.stderr
    assert "lost+found" in r.stdout or "log" in r.stdout, r.stdout
    r = subprocess.run(["bash", "-c", lines[-1]], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 1, 4), lines[-1] + r.stdout + r.stderr


def _write_through_left(tmp_path):
    """The free loop devices that would come up "write through" when bound
    again: that setting outlives a binding (Linux 6.18), and an unbound
    device reads "write through" whatever it holds, so bind each to a
    scratch file and look."""
    img = tmp_path / "wc-probe.img"
    with open(img, "wb") as f:
        f.truncate(1 << 20)
    left = []
    for lo in sorted(Path("/sys/block").glob("loop*")):
        bf = lo / "loop" / "backing_file"
        if bf.exists():
            continue                      # bound: someone's, leave it
        dev = "/dev/" + lo.name
        if subprocess.run(["losetup", dev, str(img)],
                          capture_output=True).returncode != 0:
            continue                      # taken meanwhile
        try:
            wc = (lo / "queue" / "write_cache").read_text().strip()
        finally:
            subprocess.run(["losetup", "-d", dev], capture_output=True)
        if wc != "write back":
            left.append(f"{lo.name}: {wc}")
    return left


@pytest.mark.parametrize("fs", FS)
def test_log_verifies_and_replays_to_a_clean_fs(fs, tmp_path):
    _need(fs)
    log = tmp_path / f"{fs}.fpl"
    r = _run(fs, _wl(tmp_path, APPEND), log)
    assert r.returncode == 0, r.stdout + r.stderr
    v = fp("log", "verify", "--strict", log)
    assert v.returncode == 0, v.stdout + v.stderr
    first = fp("log", "dump", "--json", log).stdout.splitlines()
    run = [json.loads(l) for l in first[:8] if '"MARK"' in l][0]
    assert '\\"backend\\":\\"%s\\"' % fs in json.dumps(run) or fs in str(run)
    img = tmp_path / "whole.img"
    r = fp("replay", log, "-o", img)
    assert r.returncode == 0, r.stdout + r.stderr
    # A power cut's image: the kernel replays its journal at mount
    # (kfs_tool recover mounts, lists, unmounts), then its checker passes.
    tool = BUILD / "tests" / "kfs_tool"
    rec = subprocess.run([str(tool), "recover", fs, "", str(img)],
                         capture_output=True, text=True, timeout=120)
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert re.search(r"^f /log 12288 ", rec.stdout, re.M), rec.stdout
    assert re.search(r"^f /d/f 12288 ", rec.stdout, re.M), rec.stdout
    fsck = subprocess.run(FSCK[fs] + [str(img)], capture_output=True,
                          text=True, timeout=120)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    # The last state (the whole log) holds every file as the marks say.
    r = fp("check", log, "--states", "write", timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr


def test_teardown_after_run_failure_and_kill(tmp_path):
    _need("ext4")
    assert _wait_clean() == [], "left over from an earlier test"
    # A run that ends well.
    r = _run("ext4", _wl(tmp_path, APPEND), tmp_path / "ok.fpl")
    assert r.returncode == 0, r.stderr
    assert _wait_clean() == []
    # A run whose op fails (no such file): exit 1, nothing left.
    bad = _wl(tmp_path, "creat /a\nfsync /nope\n", "bad.wl")
    r = _run("ext4", bad, tmp_path / "bad.fpl")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "fsync /nope" in r.stderr or "ENOENT" in r.stderr, r.stderr
    assert _wait_clean() == []
    # A run killed in the middle (SIGKILL: no handler runs).
    slow = _wl(tmp_path, "creat /a\nappend /a 4K\nsleep 30\nfsync /a\n",
               "slow.wl")
    p = subprocess.Popen([str(FLUSHPOINT), "run", str(slow), "--fs", "ext4",
                          "--start-nbdkit", "--log", str(tmp_path / "k.fpl")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.monotonic() + 60
    while not _leftovers() and time.monotonic() < end:
        time.sleep(0.1)
    assert _leftovers(), "the stack never came up"
    time.sleep(0.5)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert _wait_clean(30.0) == []
    # SIGTERM and SIGINT too.
    for sig in (signal.SIGTERM, signal.SIGINT):
        p = subprocess.Popen([str(FLUSHPOINT), "run", str(slow), "--fs",
                              "ext4", "--start-nbdkit", "--log",
                              str(tmp_path / "t.fpl")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        end = time.monotonic() + 60
        while not _leftovers() and time.monotonic() < end:
            time.sleep(0.1)
        time.sleep(0.5)
        p.send_signal(sig)
        p.wait(timeout=60)
        assert p.returncode != 0
        assert _wait_clean(30.0) == [], sig


def test_without_root_says_what_is_missing(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to drop privileges")
    wl = tmp_path / "a.wl"
    wl.write_text(APPEND)
    os.chmod(tmp_path, 0o755)
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                        "--clear-groups", str(FLUSHPOINT), "run", str(wl),
                        "--fs", "ext4", "--start-nbdkit", "--log",
                        "/tmp/never-written.fpl"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "root" in r.stderr, r.stderr
    assert "cannot run it" in r.stderr
    assert not Path("/tmp/never-written.fpl").exists()


def test_option_the_fs_lacks_is_named(tmp_path):
    _need("xfs")
    r = _run("xfs", _wl(tmp_path, APPEND), tmp_path / "x.fpl", "--mount",
             "data=journal")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "data=journal" in r.stderr and "xfs" in r.stderr, r.stderr
    assert not (tmp_path / "x.fpl").exists()
    r = _run("ext4", _wl(tmp_path, APPEND), tmp_path / "b.fpl", "--mount",
             "bug=no-commit-flush")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "bug=" in r.stderr, r.stderr


def test_probe_says_what_is_missing_without_root(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to drop privileges")
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                        "--clear-groups", str(FLUSHPOINT), "probe", "ext4",
                        "engine"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "ext4: cannot run it: " in r.stdout and "root" in r.stdout
    assert "engine: ok" in r.stdout
