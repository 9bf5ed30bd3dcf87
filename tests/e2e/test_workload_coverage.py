"""What the bundled workloads must reach on the engine's log, so that a
mutant of that mechanism has something to break (issue 11, coverage)."""
import struct

import fplog_py
from cli_common import REPO, fp

WL = REPO / "workloads"
BLOCK = 4096


def record(tmp_path, name):
    log = tmp_path / f"{name}.fpl"
    r = fp("run", WL / f"{name}.wl", "--start-nbdkit", "--log", log)
    assert r.returncode == 0, r.stderr
    return fplog_py.parse(log)


def journal_log_blocks(log):
    """Journal-relative numbers of the log blocks written, in order (the
    journal superblock, relative block 0, left out)."""
    start = nblocks = None
    out = []
    for e in log.entries:
        if e.type_name != "WRITE":
            continue
        if start is None and e.offset == 0:
            # FORMAT.md: s_journal_blocks at 36, s_journal_start at 40.
            assert e.payload[0:4] == b"FPFS"
            nblocks = struct.unpack_from("<I", e.payload, 36)[0]
            start = struct.unpack_from("<Q", e.payload, 40)[0]
        if start is None:
            continue
        for b in range(e.offset // BLOCK, (e.offset + e.length) // BLOCK):
            if start < b < start + nblocks:
                out.append(b - start)
    return out, nblocks


def test_journal_wrap_wraps_the_journal_at_least_twice(tmp_path):
    blocks, nblocks = journal_log_blocks(record(tmp_path, "journal-wrap"))
    assert nblocks and blocks
    # A wrap: the next log block is far behind the previous one.
    wraps = sum(1 for a, b in zip(blocks, blocks[1:]) if b < a - nblocks // 2)
    assert max(blocks) == nblocks - 1
    assert wraps >= 2, (wraps, max(blocks), nblocks)
