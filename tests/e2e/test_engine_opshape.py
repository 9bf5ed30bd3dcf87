"""The engine's device-op shape per 4 KiB call, measured through the
recording plugin's log (issue 3, "The device-op shape").

`flushpoint run --start-nbdkit` runs each workload of tests/e2e/data/
opshape-*.wl (64 rounds of "4 KiB write, then fsync or fdatasync") with the
default mount options, and the runner brackets every op with a before- and
an after-MARK.  The device requests between the two marks of an op are what
that call sent to the disk.  After WARMUP rounds (the first commits also
write bitmaps and the directory) every round must have the shape:

    append+fsync         one journal commit
    append+fdatasync     one journal commit (the size changed)
    overwrite+fdatasync  the data write and one FLUSH, no commit, no FUA
    overwrite+fsync      one journal commit (mtime changed)

A journal commit is a FLUSH immediately followed by a FUA write whose
payload is a jbd2 commit block (magic 0xC03B3998, blocktype 2; see
engine/jbd2/FORMAT-journal.md), and it ends the call: nothing is written after
the commit block.  The file's data block is written before that FLUSH
(data=ordered).  Real ext4 issues about 4.7 writes and 2 flushes per
append+fsync; the engine must issue no more.

The measured table is printed (pytest -s shows it); bench/opshape.py prints
the same table for humans.
"""
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import fplog_py
from cli_common import fp
from test_run_marks import xorshift

DATA = Path(__file__).resolve().parent / "data"
SHAPES = ["append+fsync", "append+fdatasync", "overwrite+fdatasync",
          "overwrite+fsync"]
ROUNDS = 64
WARMUP = 8
JBD2_MAGIC = 0xC03B3998
JBD2_COMMIT_BLOCK = 2
EXT4_WRITES_PER_APPEND_FSYNC = 4.7
EXT4_FLUSHES_PER_APPEND_FSYNC = 2


@dataclass
class Op:
    index: int
    line: int
    text: str
    entries: list = field(default_factory=list)   # device requests only


def commit_tid(e):
    """The tid if e is a jbd2 commit block write, else None."""
    if e.type != fplog_py.WRITE or len(e.payload) < 12:
        return None
    magic, btype, tid = struct.unpack(">III", e.payload[:12])
    return tid if magic == JBD2_MAGIC and btype == JBD2_COMMIT_BLOCK else None


def ops_of(log):
    """Every op of the run with the device requests between its marks."""
    ops, cur = [], None
    for e in log.entries:
        if e.type == fplog_py.MARK:
            m = json.loads(e.payload)
            if m["kind"] == "before":
                cur = Op(m["op"], m["line"], m["text"])
                ops.append(cur)
            elif m["kind"] == "after":
                assert cur is not None and m["op"] == cur.index
                cur = None
            continue
        if cur is not None:
            cur.entries.append(e)
    return ops


def rounds_of(ops):
    """(write op, sync op) pairs after the `mark rounds` op."""
    start = next(i for i, op in enumerate(ops) if op.text == "mark rounds")
    body = ops[start + 1:]
    assert len(body) == 2 * ROUNDS
    return [(body[2 * r], body[2 * r + 1]) for r in range(ROUNDS)]


def counts(entries):
    writes = [e for e in entries if e.type == fplog_py.WRITE]
    return {
        "writes": len(writes),
        "flushes": sum(e.type == fplog_py.FLUSH for e in entries),
        "fua": sum(e.fua for e in writes),
        "commits": sum(commit_tid(e) is not None for e in writes),
    }


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """shape -> list of (write op, sync op) rounds, from one run each."""
    d = tmp_path_factory.mktemp("opshape")
    out = {}
    for shape in SHAPES:
        wl = DATA / f"opshape-{shape.replace('+', '-')}.wl"
        log = d / f"{wl.stem}.fpl"
        r = fp("run", wl, "--start-nbdkit", "--log", log, "-q")
        assert r.returncode == 0, r.stderr
        parsed = fplog_py.parse(log)
        assert parsed.tail == "clean"
        out[shape] = rounds_of(ops_of(parsed))
    return out


def steady(rounds):
    return rounds[WARMUP:]


def per_call(rounds):
    """Average counts per round (the write op and its sync op together)."""
    tot = {"writes": 0, "flushes": 0, "fua": 0, "commits": 0}
    for w, s in steady(rounds):
        for k, v in counts(w.entries + s.entries).items():
            tot[k] += v
    n = len(steady(rounds))
    return {k: v / n for k, v in tot.items()}


def expected_data(rounds, r):
    """The 4 KiB the round's write op put in the file, and its offset."""
    w = rounds[r][0]
    if w.text.startswith("append"):
        off = r * 4096
    else:
        off = int(w.text.split()[2].rstrip("K")) * 1024
    return xorshift(w.line, off, 4096)


def test_print_the_table(measured):
    lines = [f"device requests per 4 KiB call, steady state (rounds "
             f"{WARMUP}..{ROUNDS - 1}), default options:",
             f"  {'call':<22}{'writes':>8}{'flushes':>9}{'FUA':>6}{'commits':>9}"]
    for shape in SHAPES:
        c = per_call(measured[shape])
        lines.append(f"  {shape:<22}{c['writes']:>8.2f}{c['flushes']:>9.2f}"
                     f"{c['fua']:>6.2f}{c['commits']:>9.2f}")
    print("\n" + "\n".join(lines))


def test_the_write_op_itself_sends_nothing(measured):
    # Delayed allocation: a 4 KiB write only dirties the page cache, so the
    # whole call's requests are the sync's.
    for shape in SHAPES:
        for r, (w, _) in enumerate(steady(measured[shape]), WARMUP):
            assert w.entries == [], f"{shape} round {r}: {w.text}"


def assert_one_commit(shape, rounds, r, prev_tid):
    w, s = rounds[r]
    es = s.entries
    where = f"{shape} round {r} ({s.text}, line {s.line})"
    c = counts(es)
    assert c["flushes"] == 1, f"{where}: {c}"
    assert c["fua"] == 1, f"{where}: {c}"
    assert c["commits"] == 1, f"{where}: {c}"
    # The FLUSH, then the FUA commit block, is how the call ends.
    assert es[-2].type == fplog_py.FLUSH, where
    tid = commit_tid(es[-1])
    assert es[-1].fua and tid is not None, where
    assert prev_tid is None or tid == prev_tid + 1, f"{where}: tid {tid}"
    # data=ordered: the file's new block reaches the disk before the FLUSH
    # that orders the commit block after it.
    data = expected_data(rounds, r)
    assert any(e.type == fplog_py.WRITE and e.payload == data
               for e in es[:-2]), f"{where}: data block not written first"
    return tid


@pytest.mark.parametrize("shape", ["append+fsync", "append+fdatasync",
                                   "overwrite+fsync"])
def test_one_journal_commit_per_call(measured, shape):
    tid = None
    for r in range(WARMUP, ROUNDS):
        tid = assert_one_commit(shape, measured[shape], r, tid)


def test_overwrite_fdatasync_is_data_write_and_flush(measured):
    rounds = measured["overwrite+fdatasync"]
    for r in range(WARMUP, ROUNDS):
        _, s = rounds[r]
        where = f"overwrite+fdatasync round {r} (line {s.line})"
        kinds = [(e.type, e.fua) for e in s.entries]
        # Exactly: the data block written in place, then the cache flush
        # that makes it durable (blkdev_issue_flush); no journal activity.
        assert kinds == [(fplog_py.WRITE, False), (fplog_py.FLUSH, False)], \
            f"{where}: {[e.type_name for e in s.entries]}"
        assert s.entries[0].payload == expected_data(rounds, r), where
        assert commit_tid(s.entries[0]) is None, where


def test_overwrite_data_goes_to_the_same_block(measured):
    # Overwrites land where the first fsync allocated them: the file is
    # never reallocated, so fdatasync has no mapping to commit.
    rounds = measured["overwrite+fdatasync"]
    by_off = {}
    for r in range(WARMUP, ROUNDS):
        w, s = rounds[r]
        off = int(w.text.split()[2].rstrip("K")) * 1024
        by_off.setdefault(off, set()).add(s.entries[0].offset)
    assert all(len(v) == 1 for v in by_off.values()), by_off
    assert len({next(iter(v)) for v in by_off.values()}) == len(by_off)


def test_append_fsync_no_more_than_real_ext4(measured):
    c = per_call(measured["append+fsync"])
    assert c["writes"] <= EXT4_WRITES_PER_APPEND_FSYNC, c
    assert c["flushes"] <= EXT4_FLUSHES_PER_APPEND_FSYNC, c


@pytest.mark.parametrize("shape,bug", [
    ("append+fdatasync", "no-datasync-tid"),
    ("overwrite+fsync", "fsync-skip-time-only"),
    ("append+fsync", "no-commit-flush"),
])
def test_the_shape_checks_catch_a_bug_switch(tmp_path, shape, bug):
    # The same measurement over an engine with one rule broken
    # (engine/BUGS.md) must fail: these checks can tell.
    wl = DATA / f"opshape-{shape.replace('+', '-')}.wl"
    log = tmp_path / "bug.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", log, "--mount",
           f"bug={bug}", "-q")
    assert r.returncode == 0, r.stderr
    rounds = rounds_of(ops_of(fplog_py.parse(log)))
    with pytest.raises(AssertionError):
        tid = None
        for r in range(WARMUP, ROUNDS):
            tid = assert_one_commit(shape, rounds, r, tid)
