"""`flushpoint run --trace FILE`: the engine's text trace over a real nbdkit
with the recording plugin, and the order of the fsync pipeline's
tracepoints (issue 3, "Tracepoints").

The trace of "open, write 4 KiB, fsync" must hold these events in this
order (as a subsequence: other events may come between them) between the
fsync's ext4_sync_file_enter and its ext4_sync_file_exit.  They are the
kernel's tracepoints along ext4_sync_file -> filemap_write_and_wait_range
-> ext4_writepages (delayed allocation: the extent is allocated here) ->
jbd2_complete_transaction -> jbd2_journal_commit_transaction; see
../shared/seeds/000 for the call graph.
"""
import json
import re

import pytest

import fplog_py
from cli_common import fp

FSYNC_ORDER = [
    "ext4_sync_file_enter", "ext4_writepages", "ext4_journal_start",
    "jbd2_handle_start", "ext4_da_write_pages", "ext4_da_write_pages_extent",
    "ext4_es_lookup_extent_enter", "ext4_es_lookup_extent_exit",
    "ext4_ext_map_blocks_enter", "ext4_request_blocks",
    "ext4_allocate_blocks", "ext4_mark_inode_dirty",
    "ext4_ext_map_blocks_exit", "ext4_es_insert_extent", "jbd2_handle_stats",
    "ext4_writepages_result", "jbd2_start_commit", "jbd2_commit_locking",
    "jbd2_commit_flushing", "jbd2_commit_logging", "jbd2_run_stats",
    "jbd2_end_commit", "ext4_sync_file_exit",
]

WORKLOAD = """\
open /f O_CREAT|O_RDWR 0644
write /f 4K
fsync /f
"""

# "  SEC.NSEC name: args" (engine/lib/trace.c)
LINE = re.compile(r"^  (\d+)\.(\d{9}) ([a-z0-9_]+): (.*)$")


def parse_trace(text):
    events = []
    for n, line in enumerate(text.splitlines(), 1):
        m = LINE.match(line)
        assert m, f"trace line {n} is not '  SEC.NSEC name: args': {line!r}"
        ns = int(m.group(1)) * 10**9 + int(m.group(2))
        events.append((ns, m.group(3), m.group(4)))
    return events


def args_of(text):
    """The "key value key value" text of an event as a dict (first value
    of each key)."""
    words = text.split()
    return {words[i]: words[i + 1] for i in range(0, len(words) - 1, 2)}


def is_subsequence(want, have):
    it = iter(have)
    return all(any(h == w for h in it) for w in want)


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    d = tmp_path_factory.mktemp("trace")
    wl = d / "write-fsync.wl"
    wl.write_text(WORKLOAD)
    log, trace = d / "run.fpl", d / "run.trace"
    r = fp("run", wl, "--start-nbdkit", "--log", log, "--trace", trace)
    assert r.returncode == 0, r.stderr
    assert f"trace:     {trace}" in r.stdout
    return log, parse_trace(trace.read_text())


def file_ino(log_path):
    for e in fplog_py.parse(log_path).entries:
        if e.type == fplog_py.MARK:
            m = json.loads(e.payload)
            if m["kind"] == "after" and m["text"].startswith("open /f"):
                return m["effect"]["ino"]
    raise AssertionError("no after-mark for the open")


def fsync_window(events, ino):
    """The events from the fsync's ext4_sync_file_enter to its exit."""
    enters = [i for i, (_, name, a) in enumerate(events)
              if name == "ext4_sync_file_enter" and args_of(a)["ino"] == str(ino)]
    assert len(enters) == 1, enters
    start = enters[0]
    end = next(i for i in range(start, len(events))
               if events[i][1] == "ext4_sync_file_exit")
    return events[start:end + 1]


def test_fsync_events_in_kernel_order(traced):
    log, events = traced
    window = fsync_window(events, file_ino(log))
    names = [name for _, name, _ in window]
    assert names[0] == "ext4_sync_file_enter"
    assert names[-1] == "ext4_sync_file_exit"
    missing = [w for w in FSYNC_ORDER if w not in names]
    assert not missing, f"not in the fsync's trace: {missing}"
    assert is_subsequence(FSYNC_ORDER, names), "\n".join(names)


def test_order_check_can_fail(traced):
    # The subsequence test rejects a swapped pair: it is not vacuous.
    log, events = traced
    names = [n for _, n, _ in fsync_window(events, file_ino(log))]
    swapped = list(FSYNC_ORDER)
    k = swapped.index("jbd2_start_commit")
    swapped[k], swapped[k + 1] = swapped[k + 1], swapped[k]
    assert not is_subsequence(swapped, names)


def test_fsync_exit_reports_success_and_one_commit(traced):
    log, events = traced
    window = fsync_window(events, file_ino(log))
    assert args_of(window[-1][2])["ret"] == "0"
    starts = [a for _, n, a in window if n == "jbd2_start_commit"]
    ends = [a for _, n, a in window if n == "jbd2_end_commit"]
    assert len(starts) == len(ends) == 1
    assert args_of(starts[0])["transaction"] == args_of(ends[0])["transaction"]
    # The block allocated at writeback is the one ext4_ext_map_blocks_exit
    # reports and ext4_es_insert_extent caches.
    alloc = [args_of(a) for _, n, a in window if n == "ext4_allocate_blocks"]
    assert len(alloc) == 1
    mapped = [args_of(a) for _, n, a in window
              if n == "ext4_ext_map_blocks_exit" and "CREATE" in a]
    assert [m["pblk"] for m in mapped] == [alloc[0]["block"]]


def test_trace_time_is_virtual_and_monotonic(traced):
    _, events = traced
    times = [t for t, _, _ in events]
    assert times == sorted(times)
    assert times[-1] < 10**9        # three ops: a few ms of virtual time


def test_same_run_same_trace(traced, tmp_path):
    # Deterministic: a second run traces the same text.
    wl = tmp_path / "write-fsync.wl"
    wl.write_text(WORKLOAD)
    trace = tmp_path / "again.trace"
    r = fp("run", wl, "--start-nbdkit", "--log", tmp_path / "again.fpl",
           "--trace", trace)
    assert r.returncode == 0, r.stderr
    assert parse_trace(trace.read_text()) == traced[1]


def test_trace_to_stdout(tmp_path):
    wl = tmp_path / "write-fsync.wl"
    wl.write_text(WORKLOAD)
    r = fp("run", wl, "--start-nbdkit", "--log", tmp_path / "r.fpl",
           "--trace", "-", "-q")
    assert r.returncode == 0, r.stderr
    names = [n for _, n, _ in parse_trace(r.stdout)]
    assert is_subsequence(FSYNC_ORDER, names)


def test_unwritable_trace_is_a_usage_error(tmp_path):
    wl = tmp_path / "write-fsync.wl"
    wl.write_text(WORKLOAD)
    bad = tmp_path / "no-such-dir" / "t.trace"
    r = fp("run", wl, "--start-nbdkit", "--log", tmp_path / "r.fpl",
           "--trace", bad)
    assert r.returncode == 2
    assert f"flushpoint: run: --trace: {bad}: No such file or directory" \
        in r.stderr
    assert not (tmp_path / "r.fpl").exists()


def test_help_documents_trace():
    r = fp("run", "--help")
    assert r.returncode == 0
    assert "--trace FILE" in r.stdout


def test_tracing_does_not_change_the_log(traced, tmp_path):
    log, _ = traced
    wl = tmp_path / "write-fsync.wl"
    wl.write_text(WORKLOAD)
    plain = tmp_path / "plain.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", plain)
    assert r.returncode == 0, r.stderr
    assert plain.read_bytes() == log.read_bytes()
