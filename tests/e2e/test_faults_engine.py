"""The engine's error semantics over a real nbdkit, driven by workloads with
`fault` lines (flushpoint run --start-nbdkit): errseq with two descriptors
and with a descriptor opened after the error, journal abort -> EROFS ->
remount and recovery, ENOSPC, a device that says ENOSPC, the fsyncgate
sequence, a power cut, and bad fault specifications in workloads and on the
command line.

Addresses: the default 64 MiB disk has its journal at blocks 1..1024 (bytes
4K-4100K) and its data area from block 1283 (byte 5255168) on
(engine/ext4/FORMAT.md: journal 1024 blocks, bitmaps of one block each, 4096
inodes in 256 inode-table blocks)."""

import json
import subprocess

import pytest

from cli_common import FLUSHPOINT, fp
import fplog_py

JOURNAL = "4K-4100K"
DATA = "5255168-64M"


def run(tmp_path, name, text, *args, rc=0):
    wl = tmp_path / f"{name}.wl"
    wl.write_text(text)
    log = tmp_path / f"{name}.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", log, *args)
    assert r.returncode == rc, r.stdout + r.stderr
    return log, r


def marks(log):
    return [json.loads(e.payload) for e in fplog_py.parse(log).entries
            if e.type == fplog_py.MARK]


def afters(log):
    return {m["op"]: m for m in marks(log) if m["kind"] == "after"}


def fired(log):
    return [e for e in fplog_py.parse(log).entries
            if e.type == fplog_py.FAULT and e.flags & fplog_py.F_FAILED]


def replay(tmp_path, log, name="img"):
    """The disk as the log leaves it: what a remount after the run sees."""
    img = tmp_path / f"{name}.img"
    r = fp("replay", log, "-o", img)
    assert r.returncode == 0, r.stderr
    return img


def cat_bytes(img, path):
    """The file's bytes after journal recovery (flushpoint cat)."""
    r = subprocess.run([str(FLUSHPOINT), "cat", str(img), path],
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


# ---- errseq ----

def test_errseq_each_descriptor_sees_the_error_once(tmp_path):
    log, _ = run(tmp_path, "two", """\
open /f O_CREAT|O_RDWR 0644 as a
open /f O_RDWR as b
pwrite a 0 4K
fault write EIO next     # the data write of the fsync below
fsync a
expect EIO
fsync a                  # seen: 0
fsync b
expect EIO
fsync b
open /f O_RDONLY as c    # opened after it was seen
fsync c
""")
    a = afters(log)
    assert [a[i]["errno"] for i in (4, 5, 6, 7, 9)] == \
        ["EIO", None, "EIO", None, None]
    assert a[4]["sync_failed"] == "fsync" and "sync" not in a[4]
    [e] = fired(log)
    assert b"op=WRITE errno=EIO" in e.payload


def test_errseq_descriptor_opened_after_an_unseen_error_gets_it(tmp_path):
    # lazytime: the overwrite dirties no metadata, so the flusher's data
    # write is the first write to the data area after the fault is armed.
    log, _ = run(tmp_path, "late", f"""\
#! mount lazytime
open /f O_CREAT|O_RDWR 0644 as a
pwrite a 0 4K seed=1
fsync a
pwrite a 0 4K seed=2
close a                          # nobody has the file open
fault write EIO range {DATA} once
sleep 35                         # the flusher writes it back: fails
open /f O_RDONLY as late
fsync late                       # nobody had seen it: Linux >= 4.17
expect EIO
fsync late
open /f O_RDONLY as later        # opened after it was seen
fsync later
""")
    a = afters(log)
    assert (a[8]["errno"], a[9]["errno"], a[11]["errno"]) == ("EIO", None,
                                                              None)
    assert len(fired(log)) == 1
    # fsync 9 returned 0 but the block's writeback had failed: unknown.
    [f] = [o for o in a[9]["sync"]["state"] if o["type"] == "file"]
    assert f["unknown"] == [[0, 1]]


# ---- journal abort ----

@pytest.mark.parametrize("fault", [f"write EIO range {JOURNAL}",
                                   "flush EIO next"])
def test_journal_abort_then_erofs_then_recovery(tmp_path, fault):
    log, _ = run(tmp_path, "abort", f"""\
creat /f
pwrite /f 0 4K seed=1
fsync /f
append /f 4K
fault {fault}
fsync /f                 # the commit fails: the journal aborts
expect EIO
fault clear
append /f 4K
expect EROFS
mkdir /d
expect EROFS
fsync /f
expect EROFS
sync
expect EROFS
""")
    a = afters(log)
    assert a[5]["errno"] == "EIO"
    assert all(a[i]["errno"] == "EROFS" for i in (7, 8, 9, 10))
    # Remount (journal recovery on the disk as the log left it): the
    # committed state, a clean fsck, no /d, /f as the first fsync left it.
    img = replay(tmp_path, log)
    r = fp("fsck", img)
    assert r.returncode == 0 and "clean" in r.stdout, r.stdout + r.stderr
    r = fp("ls", img)
    assert r.returncode == 0 and r.stdout.split() == ["f"], r.stdout
    first = a[1]["effect"]["blocks"]
    got = cat_bytes(img, "/f")
    assert len(got) == 4096 and "%016x" % fplog_py.xxh3_64(got) == first[0]


def test_journal_abort_recovery_keeps_exactly_the_committed_size(tmp_path):
    log, _ = run(tmp_path, "abort2", f"""\
creat /f
pwrite /f 0 8K
fsync /f
append /f 4K
fault write EIO range {JOURNAL}
fsync /f
expect EIO
""")
    assert len(cat_bytes(replay(tmp_path, log), "/f")) == 8192


# ---- ENOSPC ----

def test_enospc_at_reservation_is_returned_by_write(tmp_path):
    log, _ = run(tmp_path, "nospc", """\
#! disk 16M
creat /f
append /f 4M
append /f 4M
append /f 4M
append /f 4M             # runs out part way: a short write
append /f 4K
expect ENOSPC
fsync /f                 # what was accepted is written back: no error
""", "--disk-size", "16M")
    a = afters(log)
    assert a[4]["ret"] < 4 << 20 and a[4]["errno"] is None
    assert a[5]["errno"] == "ENOSPC" and a[6]["errno"] is None
    size = a[6]["sync"]["state"][0]["size"]
    assert size == 3 * (4 << 20) + a[4]["ret"]
    # Never lost at writeback: all of it is on the disk.
    assert len(cat_bytes(replay(tmp_path, log), "/f")) == size


def test_device_enospc_is_eio_to_fsync(tmp_path):
    log, _ = run(tmp_path, "devnospc", f"""\
creat /f
pwrite /f 0 4K
fault write ENOSPC range {DATA} once   # a thin device out of space
fsync /f
expect EIO
""")
    [e] = fired(log)
    assert b"errno=ENOSPC" in e.payload


# ---- fsyncgate ----

def test_fsyncgate_marks_and_lost_data(tmp_path):
    log, _ = run(tmp_path, "gate", """\
open /f O_CREAT|O_RDWR 0644
pwrite /f 0 4K seed=1
fsync /f
pwrite /f 0 4K seed=2
fault write EIO next
fsync /f
expect EIO
fsync /f                 # 0: the failed page is clean, nothing to write
""")
    a = afters(log)
    assert a[5]["sync_failed"] == "fsync"
    assert a[6]["errno"] is None
    assert a[6]["sync"]["state"][0]["unknown"] == [[0, 1]]
    # After the power cut the disk has the old block, not the new one,
    # although the last fsync returned 0.
    got = cat_bytes(replay(tmp_path, log), "/f")
    new = a[3]["effect"]["blocks"][0]
    old = a[1]["effect"]["blocks"][0]
    assert "%016x" % fplog_py.xxh3_64(got) == old != new


# ---- power cut ----

def test_powercut_every_later_op_fails_and_the_log_is_whole(tmp_path):
    log, r = run(tmp_path, "cut", """\
creat /f
pwrite /f 0 4K
fsync /f
fault powercut at 3
pwrite /f 4K 4K
fsync /f
mkdir /d
sync
""", "--keep-going")
    a = afters(log)
    assert a[5]["errno"] in ("EIO", "EROFS")
    assert a[6]["errno"] in ("EIO", "EROFS")
    assert a[7]["errno"] in ("EIO", "EROFS")
    end = [m for m in marks(log) if m["kind"] == "end"][0]
    assert end["unexpected"] >= 3 and end["faults_fired"] == len(fired(log))
    assert all(b"power=" in e.payload for e in fired(log))
    assert fp("log", "verify", log).returncode == 0
    # The committed state before the cut survives a remount.
    img = replay(tmp_path, log)
    assert fp("fsck", img).returncode == 0


# ---- --fault and bad specifications ----

def test_fault_flag_arms_after_the_mount(tmp_path):
    log, r = run(tmp_path, "flag", "creat /f\npwrite /f 0 4K\nfsync /f\n",
                 "--fault", "flush EIO next", "--keep-going")
    a = afters(log)
    assert a[2]["errno"] == "EIO" and a[2]["unexpected"] is True
    run_mark = marks(log)[0]
    assert run_mark["faults"] == ["flush EIO next"]
    assert "1 requests failed by injected faults" in r.stdout


def test_fault_flag_without_keep_going_stops_at_the_failure(tmp_path):
    log, r = run(tmp_path, "stop", "creat /f\npwrite /f 0 4K\nfsync /f\n",
                 "--fault", "flush:EIO:next", rc=1)
    assert "stop:3: fsync /f: failed with EIO" in r.stderr


@pytest.mark.parametrize("spec,message", [
    ("write EIO at x", 'word 4 "x": expected a count >= 1 after "at"'),
    ("flsh EIO", 'word 1 "flsh": expected an operation'),
    ("write EIO range 9-3", 'word 4 "9-3": the range is empty'),
])
def test_bad_fault_line_is_a_parse_error(tmp_path, spec, message):
    wl = tmp_path / "bad.wl"
    wl.write_text(f"creat /f\nfault {spec}\n")
    r = fp("run", wl, "--start-nbdkit")
    assert r.returncode == 2
    assert f"{wl}:2:7: fault spec 1 \"{spec}\": {message}" in r.stderr


def test_bad_fault_flag_is_a_usage_error(tmp_path):
    wl = tmp_path / "w.wl"
    wl.write_text("sync\n")
    r = fp("run", wl, "--start-nbdkit", "--fault", "write EIO sometimes")
    assert r.returncode == 2
    assert ('--fault: fault spec 1 "write EIO sometimes": word 3 "sometimes"'
            in r.stderr)


def test_fault_the_disk_refuses_fails_with_einval(tmp_path):
    log, _ = run(tmp_path, "refused", """\
fault write EIO range 1G-2G
expect EINVAL
""")
    assert afters(log)[0]["errno"] == "EINVAL"
