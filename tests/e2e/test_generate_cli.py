"""`flushpoint generate`: the counts for --length 1 and 2 (the formula in
workloads/LANGUAGE.md: sum of 96^k), determinism, and that generated
workloads run unchanged under `flushpoint run`."""
import hashlib

import pytest

from cli_common import fp

O, P = 12, 8


def tree_hash(d):
    h = hashlib.sha256()
    for p in sorted(d.iterdir()):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("n", [1, 2])
def test_counts(tmp_path, n):
    out = tmp_path / "gen"
    r = fp("generate", "--length", n, "--seed", 3, "-o", out)
    assert r.returncode == 0, r.stderr
    want = sum((O * P) ** k for k in range(1, n + 1))
    assert r.stdout == f"wrote {want} workloads to {out}\n"
    assert len(list(out.glob("*.wl"))) == want


def test_deterministic(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d, s in ((a, 1), (b, 1), (c, 2)):
        assert fp("generate", "-n", 1, "-s", s, "-o", d).returncode == 0
    assert tree_hash(a) == tree_hash(b) != tree_hash(c)


def test_bad_length(tmp_path):
    r = fp("generate", "--length", 4, "-o", tmp_path)
    assert r.returncode == 2 and "--length: '4' is not 1 to 3" in r.stderr


def test_generated_workloads_run(tmp_path):
    out = tmp_path / "gen"
    assert fp("generate", "--length", 2, "-o", out).returncode == 0
    # A spread of them, including ones with expected failures.
    picks = sorted(out.glob("gen-1-*.wl"))[::12] + [
        out / "gen-2-007272.wl", out / "gen-2-004664.wl",
        out / "gen-2-009215.wl"]
    assert "expect ENOENT" in (out / "gen-2-007272.wl").read_text()
    for wl in picks:
        r = fp("run", wl, "--start-nbdkit", "--log", tmp_path / "g.fpl",
               "--verify-readback", "-q")
        assert r.returncode == 0, (wl.name, r.stderr)
