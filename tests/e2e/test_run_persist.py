"""`persist PATH` becomes what --persist says; the marks say so (ORACLE.md):
the persist op's after-mark carries the sync state for fsync, fdatasync and
sync; osync/odsync make the write before it synchronous instead."""
import json

import pytest

from cli_common import fp
import fplog_py

WORKLOAD = """\
open /f O_CREAT|O_WRONLY 0644
pwrite /f 0 5000 seed=1
persist /f
pwrite /f 0 100 seed=2
"""


def run_marks(tmp_path, persist):
    wl = tmp_path / "p.wl"
    wl.write_text(WORKLOAD)
    log = tmp_path / "p.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", log, "--persist", persist,
           "--verify-readback")
    assert r.returncode == 0, r.stderr
    assert f"persist:   {persist}" in r.stdout
    return [json.loads(e.payload) for e in fplog_py.parse(log).entries
            if e.type == fplog_py.MARK]


def op_marks(ms, kind, op):
    return next(m for m in ms if m["kind"] == kind and m.get("op") == op)


@pytest.mark.parametrize("persist,call", [("fsync", "fsync"),
                                          ("fdatasync", "fdatasync"),
                                          ("sync", "sync")])
def test_persist_becomes_a_sync_call(tmp_path, persist, call):
    ms = run_marks(tmp_path, persist)
    assert ms[0]["persist"] == persist
    assert op_marks(ms, "before", 2)["persist"] == persist
    a = op_marks(ms, "after", 2)
    assert a["sync"]["call"] == call
    f = [o for o in a["sync"]["state"] if o["type"] == "file"]
    assert f and f[0]["size"] == 5000
    assert "sync" not in op_marks(ms, "after", 1)


@pytest.mark.parametrize("persist", ["osync", "odsync"])
def test_osync_makes_the_covered_write_synchronous(tmp_path, persist):
    ms = run_marks(tmp_path, persist)
    assert op_marks(ms, "before", 1)["sync_write"] == persist
    a = op_marks(ms, "after", 1)
    assert a["sync"]["call"] == persist
    assert a["sync"]["state"][0]["size"] == 5000
    assert "sync" not in op_marks(ms, "after", 2)      # persist: nothing
    # The write after the last persist is not covered.
    assert "sync_write" not in op_marks(ms, "before", 3)
    assert "sync" not in op_marks(ms, "after", 3)


def test_none_makes_nothing_synchronous(tmp_path):
    ms = run_marks(tmp_path, "none")
    assert not any("sync" in m for m in ms)
