"""The operations of issue 14 end to end: each bundled workload that uses
them holds on the engine with barriers and on the kernel's ext4 (and xfs
for a few), and each new check can fail: the after-recovery section on a
state that cannot do what it asks, sync_file_range that promises nothing.

The kernel runs are not deterministic: they assert "no violation" (what
ext4 promises holds in every state), never exact counts.
"""
import json

import pytest

from cli_common import REPO, fp
from test_kernel_fs import _need, _wait_clean

WL = REPO / "workloads"
# Bundled workloads whose operations came with issue 14, and the file
# systems each is also run on through the kernel backend.
NEW = {
    "symlink-fsync-dir": ("ext4", "xfs"),
    "mknod-fsync-dir": ("ext4",),
    "after-recovery-rmdir": ("ext4",),
    "xattr-fsync": ("ext4", "xfs"),
    "falloc-keep-size-fsync": ("ext4", "xfs"),
    "falloc-extend-fsync": ("ext4",),
    "falloc-zero-range-keep-size": ("ext4",),
    "falloc-collapse-insert": ("ext4",),
    "punch-hole-fsync": ("ext4", "xfs"),
    "sync-file-range-wal": ("ext4",),
    "falloc-write-unwritten": ("ext4",),
    "rename-exchange-fsync": ("ext4", "xfs"),
    "tmpfile-linkat-fsync": ("ext4",),
    "odirect-writes": ("ext4",),
    "mmap-msync": ("ext4", "xfs"),
}


def _run(wl, log, *extra):
    r = fp("run", wl, "--start-nbdkit", "--log", log, *extra, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def _check(log, tmp_path, *extra):
    out = tmp_path / (log.stem + ".json")
    r = fp("check", log, "--json", out, *extra, timeout=900)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return r, json.loads(out.read_text())


@pytest.mark.parametrize("name", sorted(NEW))
def test_new_op_workload_holds_on_the_engine(name, tmp_path):
    log = tmp_path / f"{name}.fpl"
    _run(WL / f"{name}.wl", log)
    r, j = _check(log, tmp_path, "--states", "flush,write,epoch")
    assert r.returncode == 0 and j["violations"] == 0, r.stdout


@pytest.mark.parametrize("name,fs", [(n, f) for n, fss in sorted(NEW.items())
                                     for f in fss])
def test_new_op_workload_holds_on_the_kernel(name, fs, tmp_path):
    _need(fs)
    log = tmp_path / f"{name}-{fs}.fpl"
    _run(WL / f"{name}.wl", log, "--fs", fs)
    r, j = _check(log, tmp_path, "--states", "flush")
    assert r.returncode == 0 and j["violations"] == 0, r.stdout
    assert j["states"]["checked"] > 0
    assert _wait_clean() == []


def test_after_recovery_op_that_fails_is_a_violation(tmp_path):
    # /d/f exists in every state after the sync; filling the disk through
    # it fails with ENOSPC, which nothing in the state explains.
    wl = tmp_path / "full.wl"
    wl.write_text("mkdir /d\ncreat /d/f\nsync\nafter-recovery\n"
                  "pwrite /d/f 0 64M\n")
    log = tmp_path / "full.fpl"
    _run(wl, log)
    r, j = _check(log, tmp_path)
    assert r.returncode == 1, r.stdout
    assert "VIOLATION after /d/f" in r.stdout and "ENOSPC" in r.stdout
    assert j["properties"]["after"]["violated"] >= 1, j["properties"]


def test_after_recovery_failure_the_state_explains_holds(tmp_path):
    # Before the sync /d/f is not there (ENOENT), after it /d is not empty
    # (ENOTEMPTY): both explained, in every state.
    wl = tmp_path / "explained.wl"
    wl.write_text("mkdir /d\ncreat /d/f\nsync\nafter-recovery\n"
                  "unlink /d/g\nrmdir /d\n")
    log = tmp_path / "explained.fpl"
    _run(wl, log)
    r, j = _check(log, tmp_path)
    assert r.returncode == 0, r.stdout
    assert j["properties"]["after"]["held"] >= 1, j["properties"]


def test_sync_file_range_promises_nothing(tmp_path):
    # The after-mark of sync_file_range carries no "sync": no state, no
    # promise (its man page), whatever it wrote out.
    wl = tmp_path / "sfr.wl"
    wl.write_text("creat /f\nsync\nappend /f 8K\n"
                  "sync_file_range /f 0 0 wait_before|write|wait_after\n")
    log = tmp_path / "sfr.fpl"
    _run(wl, log)
    entries = [json.loads(l) for l in
               fp("log", "dump", "--json", log).stdout.splitlines()]
    marks = [json.loads(e["text"]) for e in entries
             if e.get("type") == "MARK" and e.get("text", "").startswith("{")]
    after = [m for m in marks if m.get("kind") == "after" and m.get("op") == 3]
    assert len(after) == 1, marks
    assert after[0]["ret"] == 0 and "sync" not in after[0], after[0]
    synced = [m for m in marks if m.get("kind") == "after" and "sync" in m]
    assert [m["op"] for m in synced] == [1], synced   # the `sync` only
    r, j = _check(log, tmp_path)
    assert r.returncode == 0, r.stdout


def test_read_catches_bytes_no_op_wrote(tmp_path):
    # punch-hole-no-zero leaves the old bytes in the edge blocks' pages:
    # `read` sees them at once, before any crash, and stops the run.
    wl = tmp_path / "rd.wl"
    wl.write_text("creat /f\npwrite /f 0 16K\n"
                  "fallocate /f 1000 8000 punch_hole\nread /f 0 16K\n")
    r = fp("run", wl, "--start-nbdkit", "--log", tmp_path / "a.fpl",
           timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = fp("run", wl, "--start-nbdkit", "--log", tmp_path / "b.fpl",
           "--mount", "bug=punch-hole-no-zero", timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "read /f 0 16K: byte 1000 of the file: engine returned" in r.stderr
    assert "the model says 0x00" in r.stderr


def _violations(wl, tmp_path, name, *mount):
    log = tmp_path / f"{name}.fpl"
    _run(wl, log, *mount)
    r = fp("check", log, "--states", "flush,write,epoch", timeout=900)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return r.stdout


@pytest.mark.parametrize("wl,switch,finding", [
    ("symlink-fsync-dir", "slow-symlink-unjournaled",
     "VIOLATION data /a/slow: symlink target"),
    ("xattr-fsync", "xattr-block-two-tx", "VIOLATION xattr /foo"),
    ("mmap-msync", "msync-no-wait", "made durable nor a value written since"),
])
def test_each_new_rule_names_its_switch(wl, switch, finding, tmp_path):
    # The rule of the operation itself catches the switch, not only fsck.
    out = _violations(WL / f"{wl}.wl", tmp_path, wl, "--mount", f"bug={switch}")
    assert finding in out, out


def test_msync_promises_its_mapped_blocks_only(tmp_path):
    # A block outside the mapping, overwritten but never synced, may hold
    # its old bytes after the msync: no promise covers it.  The msync's
    # state says which blocks it covered.
    wl = tmp_path / "pm.wl"
    wl.write_text("creat /f\npwrite /f 0 16K seed=1\nsync\nmmap /f 0 4K as m\n"
                  "pwrite /f 8K 4K seed=2\nmwrite m 0 4K seed=3\nmsync m\n")
    out = _violations(wl, tmp_path, "pm")
    assert "VIOLATION" not in out and "verdict: ok" in out, out
    dump = fp("log", "dump", "--json", tmp_path / "pm.fpl").stdout
    assert '\\"range\\":[0,1]' in dump


def test_after_recovery_expected_error_that_does_not_come_is_a_violation(
        tmp_path):
    wl = tmp_path / "ar.wl"
    wl.write_text("mkdir /d\nsync\nafter-recovery\nrmdir /d\n"
                  "expect ENOTEMPTY\n")
    out = _violations(wl, tmp_path, "ar")
    assert ("VIOLATION after /d: after recovery, line 4 `rmdir /d` succeeded, "
            "but the workload expects ENOTEMPTY") in out, out
