"""`flushpoint run` over a real nbdkit with the recording plugin: every op
has well-formed before/after marks in the log, and the expected state that
the marks carry equals what this file computes independently from
workloads/LANGUAGE.md (the patterns) and what the engine reads back
(--verify-readback makes the runner compare every covered file with the
engine after each sync)."""
import json
import struct

import pytest

from cli_common import fp
import fplog_py

M64 = (1 << 64) - 1


def mix(x):
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def xorshift(seed, off, n):
    """Pattern bytes for file offsets off..off+n-1 (LANGUAGE.md)."""
    key = mix(seed & M64)
    w0, w1 = off // 8, (off + n + 7) // 8
    words = b"".join(struct.pack("<Q", mix((key + w) & M64)) for w in range(w0, w1))
    return words[off - 8 * w0: off - 8 * w0 + n]


def stamp(seed, off, n):
    r0, r1 = off // 32, (off + n + 31) // 32
    recs = b"".join(b"fp s=%08x o=%015x\n" % (seed & 0xFFFFFFFF, 32 * r)
                    for r in range(r0, r1))
    return recs[off - 32 * r0: off - 32 * r0 + n]


def block_entries(content):
    """The `blocks` encoding of ORACLE.md for a whole file."""
    out, zeros = [], 0
    for b in range(0, len(content), 4096):
        blk = content[b:b + 4096]
        if not any(blk):
            zeros += 1
            continue
        if zeros:
            out.append(zeros)
            zeros = 0
        out.append("%016x" % fplog_py.xxh3_64(blk))
    if zeros:
        out.append(zeros)
    return out


def marks(log_path):
    """(entry index, parsed JSON) of every MARK, in log order."""
    log = fplog_py.parse(log_path)
    assert log.tail == "clean"
    out = []
    for i, e in enumerate(log.entries):
        if e.type == fplog_py.MARK:
            out.append((i, json.loads(e.payload.decode("utf-8"))))
    return log, out


WORKLOAD = """\
# e2e: one of everything the oracle records
mkdir /d
open /d/f O_CREAT|O_RDWR 0644
pwrite /d/f 0 10000 seed=5
append /d/f 3000 pattern=stamp seed=9
truncate /d/f 12000
persist /d/f
link /d/f /d/g
fsync /d
unlink /nope
expect ENOENT
sleep 0.5
mark done writing
sync
"""


def expected_content():
    c = bytearray(xorshift(5, 0, 10000))
    c += stamp(9, 10000, 3000)
    return bytes(c[:12000])


@pytest.fixture
def recorded(flushpoint_server, tmp_path):
    srv = flushpoint_server(size="64M")
    wl = tmp_path / "oracle.wl"
    wl.write_text(WORKLOAD)
    r = fp("run", wl, "--nbd", srv.uri(), "--verify-readback")
    assert r.returncode == 0, r.stderr
    srv.stop()
    return marks(srv.log_path)


def test_every_op_has_before_and_after(recorded):
    log, ms = recorded
    kinds = [m["kind"] for _, m in ms]
    nops = 12
    assert kinds[0] == "run" and kinds[1] == "ready" and kinds[-1] == "end"
    ops = [(i, m) for i, m in ms if m["kind"] in ("before", "after")]
    assert len(ops) == 2 * nops
    vt = 0
    for k in range(nops):
        (ib, b), (ia, a) = ops[2 * k], ops[2 * k + 1]
        assert (b["kind"], a["kind"]) == ("before", "after")
        assert b["op"] == a["op"] == k and b["v"] == a["v"] == 1
        assert b["line"] == a["line"] and b["text"] == a["text"]
        assert vt <= b["vtime"] <= a["vtime"]
        vt = a["vtime"]
        assert "ret" in a and "errno" in a and "ret" not in b
        # Between an op's marks: only device requests (or state parts).
        for e in log.entries[ib + 1: ia]:
            if e.type == fplog_py.MARK:
                assert json.loads(e.payload)["kind"] == "state"
    assert ms[-1][1]["status"] == "ok" and ms[-1][1]["then"] == "crash"
    run = ms[0][1]
    assert run["workload"] == "oracle" and run["ops"] == nops
    assert run["text"] == WORKLOAD and run["persist"] == "fsync"


def after(ms, text):
    return next(m for _, m in ms if m["kind"] == "after" and m["text"] == text)


def test_write_effects_match_the_patterns(recorded):
    _, ms = recorded
    content = expected_content()
    full = bytes(xorshift(5, 0, 10000)) + stamp(9, 10000, 3000)
    a = after(ms, "pwrite /d/f 0 10000 seed=5")
    assert a["ret"] == 10000 and a["errno"] is None
    e = a["effect"]
    assert (e["off"], e["len"], e["size"], e["first_block"]) == (0, 10000, 10000, 0)
    assert e["blocks"] == block_entries(full[:10000])
    a = after(ms, "append /d/f 3000 pattern=stamp seed=9")
    e = a["effect"]
    assert (e["off"], e["len"], e["size"], e["first_block"]) == (10000, 3000, 13000, 2)
    assert e["blocks"] == block_entries(full)[2:]
    a = after(ms, "truncate /d/f 12000")
    e = a["effect"]
    assert e["size"] == 12000 and e["first_block"] == 2
    assert e["blocks"] == block_entries(content)[2:]


def test_fsync_state_matches(recorded):
    _, ms = recorded
    a = after(ms, "persist /d/f")
    assert a["sync"]["call"] == "fsync"
    [st] = a["sync"]["state"]
    assert st["type"] == "file" and st["path"] == "/d/f"
    assert st["size"] == 12000 and st["nlink"] == 1
    assert st["mode"] == 0o100644 and st["block_start"] == 0
    assert st["blocks"] == block_entries(expected_content())
    opened = after(ms, "open /d/f O_CREAT|O_RDWR 0644")["effect"]
    assert (st["ino"], st["gen"]) == (opened["ino"], opened["gen"])


def test_dir_fsync_state_has_entries(recorded):
    _, ms = recorded
    f = after(ms, "persist /d/f")["sync"]["state"][0]
    [st] = after(ms, "fsync /d")["sync"]["state"]
    assert st["type"] == "dir" and st["path"] == "/d"
    assert sorted(st["entries"]) == [["f", f["ino"], f["gen"]],
                                     ["g", f["ino"], f["gen"]]]
    assert after(ms, "link /d/f /d/g")["effect"]["nlink"] == 2


def test_sync_state_covers_the_tree(recorded):
    _, ms = recorded
    state = after(ms, "sync")["sync"]["state"]
    by_path = {o["path"]: o for o in state}
    assert by_path["/"]["type"] == "dir"
    assert "d" in [e[0] for e in by_path["/"]["entries"]]
    assert [e[0] for e in by_path["/d"]["entries"]] in (["f", "g"], ["g", "f"])
    files = [o for o in state if o["type"] == "file"]
    assert len(files) == 1             # two names, one inode, listed once
    assert files[0]["nlink"] == 2
    assert files[0]["blocks"] == block_entries(expected_content())


def test_failed_op_records_errno_and_no_state(recorded):
    _, ms = recorded
    b = next(m for _, m in ms if m["kind"] == "before" and m["text"] == "unlink /nope")
    assert b["expect"] == "ENOENT"
    a = after(ms, "unlink /nope")
    assert a["ret"] == -1 and a["errno"] == "ENOENT" and "sync" not in a


def test_marks_are_bounded(recorded):
    log, ms = recorded
    run = ms[0][1]
    for e in log.entries:
        if e.type == fplog_py.MARK:
            assert len(e.payload) <= run["mark_max"] <= 1 << 20
