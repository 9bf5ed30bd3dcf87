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
}
# Switches whose operations (fallocate, punch hole) the workload language
# does not have yet: the bundled workloads cannot catch them until it does
# (tests/unit/test_fs_bugs.c shows each one's crash state meanwhile).
PENDING_SWITCHES = {"unwritten-convert-early", "punch-hole-no-zero"}


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
    # The pending switches are left out (matrix exits 1 on an uncaught one).
    r, j = run_matrix(tmp_path, "--bugs", ",".join(sorted(BUG_SWITCHES)),
                      "--persist", "fsync")
    assert r.returncode == 0, r.stdout + r.stderr
    assert set(j["kill"]) == BUG_SWITCHES
    uncaught = [s for s, cells in j["kill"].items() if not cells]
    assert uncaught == [], r.stdout
    assert "kill table" in r.stdout
