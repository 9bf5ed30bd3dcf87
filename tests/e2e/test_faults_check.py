"""The checker on runs with injected faults (checker/CHECKER.md section
6a), over a real nbdkit: a failed sync promises nothing; the fsyncgate
sequence is shown as LOST AFTER ERROR, not hidden and not a violation; the
runner and the log must agree on the faults that fired; and the matrix
with seeded random faults keeps every promise a successful sync made."""

import json
from pathlib import Path

import pytest

from cli_common import REPO, fp
import fplog_build
import fplog_py

FAULT_WL = REPO / "workloads" / "faults"


def run(tmp_path, wl, *args):
    log = tmp_path / f"{Path(wl).stem}.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", log, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return log


def check(log, *args, rc=0):
    r = fp("check", log, "--states", "flush,write,epoch", *args)
    assert r.returncode == rc, r.stdout + r.stderr
    return r


def test_fsyncgate_is_shown_as_lost_after_error_not_violated(tmp_path):
    log = run(tmp_path, FAULT_WL / "fsyncgate.wl")
    r = check(log, "--json", tmp_path / "c.json")
    out = r.stdout
    assert "LOST AFTER ERROR data /pg/data: block 0" in out
    assert "is lost although op 7 (`fsync /pg/data`) returned 0" in out
    assert "op 6 `fsync /pg/data` got EIO" in out
    assert "fsyncgate: Linux behaviour" in out
    assert "verdict: ok" in out and "note:" in out
    assert "1 request failed by injected faults (as the runner counted)" in out
    j = json.loads((tmp_path / "c.json").read_text())
    found = [f for s in j["results"] for f in s["findings"]]
    assert found and all(f["after_error"] and f["verdict"] == "lost"
                         for f in found)
    assert j["faults"] == {"failed_requests": 1, "runner_counted": 1,
                           "agree": True, "failed_syncs": 1,
                           "doubt_blocks": 2}


def test_the_same_loss_without_the_runners_doubt_is_a_violation(tmp_path):
    # The checker's rule, not the runner's word: drop the "unknown" ranges
    # from the marks and the lost blocks are a broken promise again.
    log = run(tmp_path, FAULT_WL / "fsyncgate.wl")
    src = fplog_py.parse(log)
    h = src.header
    out = bytearray(fplog_build.header(h.device_size, h.sector_size,
                                       uuid=h.uuid.bytes))
    for e in src.entries:
        payload = e.payload
        if e.type == fplog_py.MARK and b'"unknown"' in payload:
            m = json.loads(payload)
            for o in m["sync"]["state"]:
                o.pop("unknown", None)
            payload = json.dumps(m, separators=(",", ":")).encode()
        out += fplog_build.entry(e.seq, e.type, e.offset,
                                 len(payload) if e.type == fplog_py.MARK
                                 else e.length, payload, e.flags)
    bad = tmp_path / "no-doubt.fpl"
    bad.write_bytes(bytes(out))
    r = check(bad, rc=1)
    assert "VIOLATION data /pg/data: block 0" in r.stdout


def test_a_failed_sync_promises_nothing(tmp_path):
    wl = tmp_path / "failed.wl"
    wl.write_text("""\
creat /f
pwrite /f 0 4K
fault flush EIO next
fsync /f                 # the commit's FLUSH fails: EIO, journal aborted
expect EIO
""")
    log = run(tmp_path, wl)
    after = [json.loads(e.payload) for e in fplog_py.parse(log).entries
             if e.type == fplog_py.MARK and b'"after"' in e.payload][-1]
    assert after["sync_failed"] == "fsync" and "sync" not in after
    r = check(log)
    assert "verdict: ok" in r.stdout


def test_errseq_and_journal_abort_workloads_check_clean(tmp_path):
    for name in ("errseq", "journal-abort"):
        r = check(run(tmp_path, FAULT_WL / f"{name}.wl"))
        assert "verdict: ok" in r.stdout, r.stdout


def test_runner_and_log_disagreeing_on_faults_fails_the_check(tmp_path):
    log = run(tmp_path, FAULT_WL / "fsyncgate.wl")
    src = fplog_py.parse(log)
    h = src.header
    out = bytearray(fplog_build.header(h.device_size, h.sector_size,
                                       uuid=h.uuid.bytes))
    for e in src.entries:
        payload = e.payload
        if e.type == fplog_py.MARK and b'"kind":"end"' in payload:
            m = json.loads(payload)
            m["faults_fired"] += 1
            payload = json.dumps(m, separators=(",", ":")).encode()
        out += fplog_build.entry(e.seq, e.type, e.offset,
                                 len(payload) if e.type == fplog_py.MARK
                                 else e.length, payload, e.flags)
    bad = tmp_path / "disagree.fpl"
    bad.write_bytes(bytes(out))
    r = check(bad, rc=1)
    assert "FAULTS DISAGREE" in r.stdout
    assert "fault counts disagree" in r.stdout


@pytest.mark.parametrize("seed", [7])
def test_matrix_with_random_faults_keeps_every_promise(tmp_path, seed):
    out, wdir = tmp_path / "m", tmp_path / "wl"
    wdir.mkdir()
    for name in ("fsync-seed", "append-fsync", "atomic-replace",
                 "rename-cross-dir-fsync", "many-small-files-sync"):
        (wdir / f"{name}.wl").symlink_to(REPO / "workloads" / f"{name}.wl")
    r = fp("matrix", "--workloads", str(wdir / "*.wl"),
           "--persist", "fsync,fdatasync,sync", "--mount", "ordered,journal",
           "--barrier", "on", "--states", "flush,write", "--faults",
           "random", "--fault-seed", seed, "--out", out, "-j", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    j = json.loads((out / "matrix.json").read_text())
    assert j["fault_seed"] == seed
    cells = j["cells"]
    assert all(c["faults"]["agree"] for c in cells)
    assert sum(c["faults"]["failed_requests"] > 0 for c in cells) >= len(cells) // 2
    assert all(c["violated"] == 0 for c in cells), \
        [c["name"] for c in cells if c["violated"]]
    assert "faults (seed 7" in r.stdout
