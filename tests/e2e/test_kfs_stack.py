"""The kernel backend (kernel/, through build/tests/kfs_tool) on real
kernel file systems: the recording stack over our nbdkit plugin, recovery
of the recorded images, the file systems' own fsck, and teardown after a
normal stop, a failing mkfs and kill -9 of the driver.

Needs root, /dev/fuse, loop devices, nbdfuse and the file systems' tools;
a test skips (naming what is missing) only when `kfs_tool probe` says
something is missing.  Every directory the stack makes is under the test's
tmp_path (TMPDIR), so "nothing left" is checked under tmp_path: no mount,
no loop device backed by a file there, no process (nbdfuse, the command)
naming the stack's directories (tmp_path/kfs-*) or working in them.
"""

import glob
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cli_common import fp

SIZES = {"ext4": "64M", "xfs": "320M", "btrfs": "128M"}   # their minimums
UUID = "6b667374-6573-7400-8000-000000000001"
FSES = list(SIZES)
BAD_MKFS = {"ext4": "-O no_such_feature", "xfs": "-m no_such_option=1",
            "btrfs": "-O no_such_feature"}


def kfs_tool(fp_build) -> Path:
    return fp_build.dir / "tests" / "kfs_tool"


def run_tool(fp_build, tmp_path, *args, timeout=120):
    env = dict(fp_build.tool_env, TMPDIR=str(tmp_path))
    return subprocess.run([str(kfs_tool(fp_build)), *map(str, args)],
                          capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.fixture
def probed(fp_build, tmp_path):
    """probed(fs): skip unless this machine can run fs under test."""
    def check(fs):
        r = run_tool(fp_build, tmp_path, "probe", fs)
        if r.returncode == 2:
            pytest.skip(f"kfs_tool probe {fs}: {r.stderr.strip()}")
        assert r.returncode == 0, r.stderr
    return check


def residue(root: Path) -> list:
    """Mounts and loop devices under root, processes naming or working in
    the stack's directories (root/kfs-*: not the test's nbdkit)."""
    p = str(root)
    kfs = f"{p}/kfs-"
    left = []
    with open("/proc/self/mountinfo") as f:
        left += [f"mount {line.split()[4]}" for line in f
                 if line.split()[4].startswith(p)]
    for bf in glob.glob("/sys/block/loop*/loop/backing_file"):
        try:
            backing = Path(bf).read_text().strip()
        except OSError:
            continue            # detached meanwhile
        if backing.startswith(p):
            left.append(f"loop {bf.split('/')[3]} -> {backing}")
    for d in glob.glob("/proc/[0-9]*"):
        try:
            cmd = Path(d, "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(Path(d, "cwd"))
            state = Path(d, "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (kfs in cmd or cwd.startswith(kfs)) \
                and int(Path(d).name) != os.getpid():
            left.append(f"process {Path(d).name}: {cmd.strip()} (cwd {cwd})")
    left += [f"dir {d}" for d in glob.glob(f"{p}/kfs-*")]
    return left


def assert_clean_within(root: Path, seconds: float):
    deadline = time.monotonic() + seconds
    while residue(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert residue(root) == []


def record(fp_build, tmp_path, srv, fs, cmd, *extra):
    return run_tool(fp_build, tmp_path, "stack", srv.sock, SIZES[fs], fs, "",
                    UUID, cmd, *extra)


def replay(srv, tmp_path) -> Path:
    r = fp("log", "verify", srv.log_path)
    assert r.returncode == 0 and "result:    ok" in r.stdout, r.stdout + r.stderr
    img = tmp_path / "replayed.img"
    r = fp("replay", srv.log_path, "-o", img)
    assert r.returncode == 0, r.stdout + r.stderr
    return img


@pytest.mark.parametrize("fs", FSES)
def test_kfs_fsync_then_stop_replays_clean_with_the_file(
        fs, fp_build, flushpoint_server, tmp_path, probed):
    probed(fs)
    srv = flushpoint_server(size=SIZES[fs])
    r = record(fp_build, tmp_path, srv, fs,
               "printf hello-kernel > f && sync f")
    assert r.returncode == 0, r.stderr
    desc = json.loads(r.stdout.split("describe: ", 1)[1].splitlines()[0])
    assert desc["fs"] == fs and desc["write_cache"] == "write back"
    assert desc["kernel"] == os.uname().release
    assert f"-U {UUID}" in desc["mkfs"] or f"uuid={UUID}" in desc["mkfs"]
    assert desc["mounted"].startswith("rw")
    assert_clean_within(tmp_path, 5)
    assert srv.stop() == 0, srv.stderr
    img = replay(srv, tmp_path)
    r = run_tool(fp_build, tmp_path, "fsck", fs, img)
    assert r.returncode == 0 and r.stdout.strip() == "clean", r.stdout
    r = run_tool(fp_build, tmp_path, "recover", fs, "", img)
    assert r.returncode == 0, r.stderr
    assert "f /f 12 hello-kernel\n" in r.stdout
    assert_clean_within(tmp_path, 5)


@pytest.mark.parametrize("fs", FSES)
def test_kfs_power_cut_after_fsync_recovery_replays_the_journal(
        fs, fp_build, flushpoint_server, tmp_path, probed):
    """nbdkit killed right after fsync: the log ends at the crash; the
    stack's stop then runs against a dead server and must still tear
    down; mounting the replayed image replays the journal and the file is
    there."""
    probed(fs)
    srv = flushpoint_server(size=SIZES[fs])
    srv.killed = True
    r = record(fp_build, tmp_path, srv, fs,
               f"printf crash-safe > f && sync f && kill -9 $(cat {srv.pidfile})")
    assert r.returncode == 0, r.stderr    # nbdfuse's complaints are no error
    srv.proc.wait(10)
    assert_clean_within(tmp_path, 10)
    img = replay(srv, tmp_path)
    r = run_tool(fp_build, tmp_path, "recover", fs, "", img)
    assert r.returncode == 0, r.stderr
    assert "f /f 10 crash-safe\n" in r.stdout
    r = run_tool(fp_build, tmp_path, "fsck", fs, img)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("fs", FSES)
def test_kfs_failing_mkfs_leaves_nothing(fs, fp_build, flushpoint_server,
                                         tmp_path, probed):
    probed(fs)
    srv = flushpoint_server(size=SIZES[fs])
    r = record(fp_build, tmp_path, srv, fs, "true", "--mkfs-extra", BAD_MKFS[fs])
    assert r.returncode == 1
    assert f"kfs_tool: mkfs: /usr/sbin/mkfs.{fs} " in r.stderr, r.stderr
    assert BAD_MKFS[fs].split()[-1].split("=")[0] in r.stderr, r.stderr
    assert_clean_within(tmp_path, 5)


@pytest.mark.parametrize("fs", FSES)
def test_kfs_kill9_of_the_driver_mid_run_leaves_nothing(
        fs, fp_build, flushpoint_server, tmp_path, probed):
    """The reaper tears down the stack, and kills the command still
    running in the mount point, once the driver is SIGKILLed."""
    probed(fs)
    srv = flushpoint_server(size=SIZES[fs])
    env = dict(fp_build.tool_env, TMPDIR=str(tmp_path))
    p = subprocess.Popen([str(kfs_tool(fp_build)), "stack", str(srv.sock),
                          SIZES[fs], fs, "", UUID,
                          "echo data > f && touch started && exec sleep 60"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    line = p.stdout.readline()
    assert line.startswith("dir: "), line + p.stderr.read()
    started = Path(line[5:].strip()) / "started"
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert started.exists(), p.stderr.read()
    assert residue(tmp_path)            # a check that cannot see would pass
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    p.stdout.close()
    p.stderr.close()
    assert_clean_within(tmp_path, 10)


def test_kfs_recover_one_loop_device_many_images_no_stale_data(
        fp_build, tmp_path, probed):
    """One kfs_recover mounts A, B, A: the loop device is reused, and what
    each mount shows is that image, not the previous one's cache."""
    probed("ext4")
    a, b = tmp_path / "a.img", tmp_path / "b.img"
    for img in (a, b):
        with open(img, "wb") as f:
            f.truncate(64 << 20)
        r = run_tool(fp_build, tmp_path, "mkfs", "ext4", "", UUID, img)
        assert r.returncode == 0, r.stderr
    src = tmp_path / "marker"
    src.write_text("only-in-b")
    r = subprocess.run(["/usr/sbin/debugfs", "-w", "-R",
                        f"write {src} marker", str(b)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = run_tool(fp_build, tmp_path, "recover", "ext4", "", a, b, a)
    assert r.returncode == 0, r.stderr
    listings = r.stdout.split("image: ")[1:]
    assert len(listings) == 3
    assert "f /marker 9 only-in-b" not in listings[0]
    assert "f /marker 9 only-in-b" in listings[1]
    assert "f /marker 9 only-in-b" not in listings[2]
    assert_clean_within(tmp_path, 5)


def test_kfs_recover_of_garbage_says_what_the_kernel_said(
        fp_build, tmp_path, probed):
    probed("ext4")
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"\xa5" * (8 << 20))
    r = run_tool(fp_build, tmp_path, "recover", "ext4", "", junk)
    assert r.returncode == 1
    assert "mount /dev/loop" in r.stderr and "-t ext4" in r.stderr, r.stderr
    assert "EXT4-fs (loop" in r.stderr, r.stderr      # dmesg, not strerror only
    assert_clean_within(tmp_path, 5)


def test_kfs_fsck_finds_damage(fp_build, tmp_path, probed):
    probed("ext4")
    img = tmp_path / "damaged.img"
    with open(img, "wb") as f:
        f.truncate(64 << 20)
    assert run_tool(fp_build, tmp_path, "mkfs", "ext4", "", UUID,
                    img).returncode == 0
    r = subprocess.run(["/usr/sbin/debugfs", "-w", "-R", "sif <2> links_count 7",
                        str(img)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = run_tool(fp_build, tmp_path, "fsck", "ext4", img)
    assert r.returncode == 1, r.stdout
    assert "problems: " in r.stdout and "e2fsck -fn" in r.stdout, r.stdout


def test_kfs_probe_as_nobody_says_not_root(fp_build, tmp_path):
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                        "--clear-groups", str(kfs_tool(fp_build)), "probe",
                        "ext4"],
                       capture_output=True, text=True, env=fp_build.tool_env,
                       timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "not root (uid 65534)" in r.stderr, r.stderr


ACCEPTED = [("ext4", o) for o in ("", "data=writeback", "data=journal",
                                  "nobarrier", "lazytime", "commit=7",
                                  "nojournal", "nojournal,nobarrier", "ro")] \
    + [("xfs", o) for o in ("", "nobarrier", "lazytime", "ro")] \
    + [("btrfs", o) for o in ("", "nobarrier", "commit=7", "lazytime", "ro")]


@pytest.mark.parametrize("fs,opts", ACCEPTED)
def test_kfs_every_mapped_option_mkfs_and_mounts(fs, opts, fp_build,
                                                 tmp_path, probed):
    """What kfs_opts_parse makes of an option this kernel takes: mkfs with
    its mkfs arguments, mount(2) with its data and flags."""
    probed(fs)
    img = tmp_path / "opt.img"
    with open(img, "wb") as f:
        f.truncate(int(SIZES[fs][:-1]) << 20)
    r = run_tool(fp_build, tmp_path, "mkfs", fs, opts, UUID, img)
    assert r.returncode == 0, r.stderr
    r = run_tool(fp_build, tmp_path, "recover", fs, opts, img)
    assert r.returncode == 0, r.stderr
    assert_clean_within(tmp_path, 5)


@pytest.mark.parametrize("fs", FSES)
def test_kfs_recover_while_the_same_uuid_is_mounted(
        fs, fp_build, flushpoint_server, tmp_path, probed):
    """A crash state mounts while another mount of the same file system
    (same uuid) is live, as parallel workers need (xfs: nouuid)."""
    probed(fs)
    img = tmp_path / "same-uuid.img"
    with open(img, "wb") as f:
        f.truncate(int(SIZES[fs][:-1]) << 20)
    assert run_tool(fp_build, tmp_path, "mkfs", fs, "", UUID, img).returncode == 0
    srv = flushpoint_server(size=SIZES[fs])
    r = record(fp_build, tmp_path, srv, fs,
               f"{kfs_tool(fp_build)} recover {fs} '' {img}")
    assert r.returncode == 0, r.stderr
    assert f"image: {img}" in r.stdout
    assert_clean_within(tmp_path, 5)
