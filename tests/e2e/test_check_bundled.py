"""The checker's two headline claims, over every bundled workload:
the correct engine with barriers breaks no promise in any crash state
(flush, write, epoch with subsets up to 2, torn), and every engine bug
switch is caught by at least one bundled workload (the kill table).
These are the slowest tests of the suite (a few minutes under ASan)."""
import json

from cli_common import REPO, fp

WL = REPO / "workloads"
BUG_SWITCHES = {
    "no-commit-flush", "no-commit-fua", "no-ordered-data", "no-datasync-tid",
    "fsync-skip-time-only", "checkpoint-before-commit", "replay-uncommitted",
    "rename-two-tx", "nojournal-no-parent-sync", "no-revoke",
    "slow-symlink-unjournaled", "xattr-block-two-tx",
    "unwritten-convert-early", "punch-hole-no-zero",
    "exchange-two-tx", "tmpfile-no-orphan", "msync-no-wait",
}
# Switches no bundled workload can reach yet (a new switch whose operation
# has no workload goes here until one exists; none today).
NEEDS_WORKLOAD_OP = set()


def run_matrix(tmp_path, *args):
    out = tmp_path / "m"
    r = fp("matrix", "--out", out, "--jobs", "2",
           "--workloads", str(WL / "*.wl"), *args,
           timeout=1800)   # minutes under ASan
    return r, json.loads((out / "matrix.json").read_text())


def test_correct_engine_with_barriers_violates_nothing_in_any_bundled_workload(
        tmp_path):
    r, j = run_matrix(tmp_path, "--persist", "fsync,fdatasync,sync",
                      "--mount", "ordered", "--barrier", "on",
                      "--states", "flush,write,epoch,torn",
                      "--max-subset", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    workloads = {c["workload"] for c in j["cells"]}
    assert len(workloads) == len(list(WL.glob("*.wl")))
    assert j["states_checked"] > 10000
    bad = [(c["name"], p) for c in j["cells"]
           for p, v in c["properties"].items() if v["violated"]]
    assert bad == [], r.stdout


def test_every_bug_switch_is_caught_by_a_bundled_workload(tmp_path):
    # fsync alone is enough to catch every switch, and four times cheaper
    # than every persist choice (`flushpoint matrix --bugs all` does those).
    # The matrix fails a run with an uncaught switch, so the switches no
    # bundled workload can reach yet are left out of the list.
    want = BUG_SWITCHES - NEEDS_WORKLOAD_OP
    r, j = run_matrix(tmp_path, "--bugs", ",".join(sorted(want)),
                      "--persist", "fsync")
    assert r.returncode == 0, r.stdout + r.stderr
    assert set(j["kill"]) == want
    uncaught = [s for s, cells in j["kill"].items() if not cells]
    assert uncaught == [], r.stdout
    assert "kill table" in r.stdout
