"""Every bundled workload (workloads/*.wl) runs without error on the default
mount options over a real nbdkit, with --verify-readback (the expected state
of every sync matches a read-back through the engine), and ends with an
"ok" end mark.  The 64 MiB workload runs here once and nowhere else in the
suite."""
import json

import pytest

from cli_common import fp, REPO
import fplog_py

WORKLOADS = sorted((REPO / "workloads").glob("*.wl"))


def test_there_are_at_least_30():
    assert len(WORKLOADS) >= 30


@pytest.mark.parametrize("wl", WORKLOADS, ids=lambda p: p.stem)
def test_bundled_workload_runs(wl, tmp_path):
    log = tmp_path / "run.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", log, "--verify-readback", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    head = wl.read_text().splitlines()[:3]
    assert any(l.startswith("# Probes:") for l in head), "header comment"
    parsed = fplog_py.parse(log)
    assert parsed.tail == "clean"
    ms = [json.loads(e.payload) for e in parsed.entries
          if e.type == fplog_py.MARK]
    assert ms[0]["kind"] == "run" and ms[0]["workload"] == wl.stem
    assert ms[-1]["kind"] == "end" and ms[-1]["status"] == "ok"
    assert sum(m["kind"] == "after" for m in ms) == ms[0]["ops"]
