"""`flushpoint matrix` in a CI pipeline (issue 16, part 4): --expect and
the exit status, the summary line, --junit, --quiet.  One small matrix:
fsync-seed x fsync, fdatasync x ordered with and without barriers; the
nobarrier cells violate (synced data lost), the barrier cells do not."""
import shlex
import subprocess
import xml.etree.ElementTree as ET

import pytest

from cli_common import FLUSHPOINT, REPO, fp

WL = REPO / "workloads" / "fsync-seed.wl"
ARGS = ["--workloads", WL, "--persist", "fsync,fdatasync", "--mount",
        "ordered", "--barrier", "on,off", "-j", "2"]
NOBARRIER = ["fsync-seed--fsync--ordered+nobarrier",
             "fsync-seed--fdatasync--ordered+nobarrier"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("ci")
    r = fp("matrix", *ARGS, "--out", "m", cwd=d)
    return d, r


def merge(d, *args):
    """Judge the fixture's matrix again through merge (a 0/1 shard)."""
    out = f"out{len(list(d.glob('out*')))}"
    return fp("merge", *args, out, "m", cwd=d), d / out


def expect(d, text):
    f = d / f"expect{len(list(d.glob('expect*')))}.txt"
    f.write_text(text)
    return f


def last_line(r):
    return r.stdout.rstrip("\n").splitlines()[-1]


def test_without_expect_violations_exit_0_and_the_summary_says_so(run):
    d, r = run
    assert r.returncode == 0, r.stdout + r.stderr
    assert last_line(r) == (
        "result: 4 cells: 2 ok, 0 lost only, 2 VIOLATED, 0 ERR, 0 n/a; "
        "violations do not fail the run without --expect; exit 0")


def test_expected_column_passes(run):
    d, _ = run
    r, _ = merge(d, "--expect", expect(d, "# nobarrier loses data\n"
                                          "ordered+nobarrier\n"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 VIOLATED (2 expected, 0 unexpected)" in last_line(r)
    assert last_line(r).endswith("; 1 of 1 expectations met; exit 0")


def test_matrix_itself_fails_on_an_unexpected_violation(tmp_path):
    e = tmp_path / "e.txt"
    e.write_text("fsync ordered+nobarrier\n")
    r = fp("matrix", *ARGS, "--out", "m", "--expect", e, cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"UNEXPECTED VIOLATION {NOBARRIER[1]}: VIOL data" in r.stdout
    assert NOBARRIER[0] not in r.stdout.split("reports:")[1]
    assert last_line(r).endswith("exit 1 (1 unexpected violations)")


def test_expected_violation_gone_fails(run):
    d, _ = run
    f = expect(d, "ordered+nobarrier\n\n* sync ordered+barrier  # none\n")
    r, _ = merge(d, "--expect", f)
    assert r.returncode == 1, r.stdout + r.stderr
    assert (f"EXPECTED VIOLATION GONE {f}:3 '* sync ordered+barrier': "
            "0 cells matched, none violated") in r.stdout
    f = expect(d, "ordered+nobarrier\nordered+barrier\n")
    r, _ = merge(d, "--expect", f)
    assert r.returncode == 1
    assert (f"EXPECTED VIOLATION GONE {f}:2 'ordered+barrier': 2 cells "
            "matched, none violated") in r.stdout
    assert last_line(r).endswith("; 1 of 2 expectations met; exit 1 "
                                 "(1 expected violations gone)")


@pytest.mark.parametrize("text, why", [
    ("a b c d\n", ":1: a rule is COLUMN, PERSIST COLUMN or WORKLOAD"),
    ("# ok\nfsink ordered+barrier\n", ":2: 'fsink' is not a persist choice"),
])
def test_bad_expectations_file_is_a_usage_error(tmp_path, text, why):
    e = tmp_path / "e.txt"
    e.write_text(text)
    r = fp("matrix", *ARGS, "--out", tmp_path / "m", "--expect", e)
    assert r.returncode == 2
    assert f"--expect: {e}{why}" in r.stderr
    assert not (tmp_path / "m").exists()     # refused before any cell ran


def test_shard_refuses_expect_and_junit(tmp_path):
    for opt in ("--expect", "--junit"):
        r = fp("matrix", *ARGS, "--out", tmp_path / "m", "--shard", "0/2",
               opt, tmp_path / "x")
        assert r.returncode == 2
        assert "give them to flushpoint merge" in r.stderr


def test_junit_is_well_formed_and_carries_rebuild_commands(run):
    d, _ = run
    j = d / "junit.xml"
    rules = expect(d, "fsync ordered+nobarrier\nordered+barrier\n")
    r, out = merge(d, "--junit", j, "--expect", rules)
    assert r.returncode == 1
    root = ET.parse(j).getroot()
    assert root.tag == "testsuites"
    for a in ("name", "tests", "failures", "errors", "time"):
        assert a in root.attrib, a
    suites = root.findall("testsuite")
    assert len(suites) == 1
    s = suites[0]
    for a in ("name", "tests", "failures", "errors", "time"):
        assert a in s.attrib, a
    float(s.get("time"))
    cases = s.findall("testcase")
    assert len(cases) == int(s.get("tests")) == int(root.get("tests")) == 4 + 2
    for c in cases:
        for a in ("classname", "name", "time"):
            assert a in c.attrib, a
        float(c.get("time"))
        assert len([e for e in c if e.tag in ("failure", "error",
                                              "skipped")]) <= 1
    failed = [c for c in cases if c.find("failure") is not None]
    assert int(s.get("failures")) == int(root.get("failures")) == len(failed)
    assert int(s.get("errors")) == 0
    # The unexpected one (fdatasync, nobarrier) and the rule with no
    # violation left (ordered+barrier); the expected one passes.
    names = {(c.get("classname"), c.get("name")) for c in failed}
    assert names == {("flushpoint.matrix.fdatasync.ordered+nobarrier",
                      "fsync-seed"),
                     ("flushpoint.expect", f"{rules}:2 ordered+barrier")}
    cell = next(c for c in failed if c.get("classname").endswith("nobarrier"))
    f = cell.find("failure")
    assert f.get("message") == "unexpected VIOL data"
    cmds = [l.split("rebuild: ", 1)[1] for l in f.text.splitlines()
            if "rebuild: " in l]
    assert len(cmds) == 1                     # data (fsck holds since the
    # engine stopped writing the journal superblock at a clean mount)
    # The rebuild command works: it writes the violating state's image.
    argv = shlex.split(cmds[0])
    assert argv[:2] == ["flushpoint", "replay"]
    rr = subprocess.run([str(FLUSHPOINT), *argv[1:]], cwd=d,
                        capture_output=True, text=True, timeout=120)
    assert rr.returncode == 0, rr.stderr
    assert (d / argv[argv.index("-o") + 1]).stat().st_size > 0
    expected = next(c for c in cases if c.get("classname")
                    == "flushpoint.matrix.fsync.ordered+nobarrier")
    assert expected.find("failure") is None
    assert "expected" in expected.find("system-out").text


def test_quiet_prints_a_line_per_cell_and_the_counts(tmp_path):
    r = fp("matrix", *ARGS, "--out", "m", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 5
    cells = sorted(lines[:4])
    assert cells == sorted([
        "cell 1/4 fsync-seed--fsync--ordered+barrier: ok",
        "cell 2/4 fsync-seed--fsync--ordered+nobarrier: VIOL data,dirent",
        "cell 3/4 fsync-seed--fdatasync--ordered+barrier: ok",
        "cell 4/4 fsync-seed--fdatasync--ordered+nobarrier: VIOL data"])
    assert lines[4].startswith("result: 4 cells: 2 ok")
    assert (tmp_path / "m" / "matrix.json").exists()   # reports still written
