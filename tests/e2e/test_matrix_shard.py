"""`flushpoint matrix --shard I/N`, `flushpoint merge`, `--resume` and
`--workloads DIR` (issue 16, part 1).  A small matrix: two workloads x
fsync, fdatasync x ordered with and without barriers = 8 cells."""
import json
import re
import shutil
import signal
import subprocess
import time

import pytest

from cli_common import FLUSHPOINT, REPO, fp

WL = REPO / "workloads"
ARGS = ["--persist", "fsync,fdatasync", "--mount", "ordered",
        "--barrier", "on,off", "-j", "2"]
NCELLS = 8


def wl_dir(base, names=("fsync-seed", "append-fsync")):
    d = base / "wl"
    d.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copy(WL / f"{n}.wl", d / f"{n}.wl")
    return d


def untimed_text(s):
    # The header line's timing and the job count are the only run-dependent
    # parts of the text report.
    return re.sub(r"checked in [0-9.]+ s \([^)]*\)", "checked in T", s)


def untimed_json(path):
    j = json.loads(path.read_text())
    del j["seconds"]
    return j


def untimed_html(path):
    s = re.sub(r"<section class='timing'>.*?</section>", "", path.read_text(),
               flags=re.S)
    return re.sub(r"checked in [0-9.]+ s", "checked in T", s)


def record(d):
    lines = (d / "cells.jsonl").read_text().splitlines()
    return json.loads(lines[0]), [json.loads(l) for l in lines[1:]
                                  if json.loads(l)["kind"] == "cell"]


def same_report(a, b, a_out, b_out):
    """Two runs' outputs (stdout and OUT dirs) are the same, timing aside."""
    assert untimed_text(a_out) == untimed_text(b_out)
    assert untimed_json(a / "matrix.json") == untimed_json(b / "matrix.json")
    assert untimed_html(a / "index.html") == untimed_html(b / "index.html")
    pages = sorted(p.name for p in (a / "cells").iterdir())
    assert pages == sorted(p.name for p in (b / "cells").iterdir())
    for p in pages:
        assert (a / "cells" / p).read_bytes() == (b / "cells" / p).read_bytes()
    assert sorted(p.name for p in (a / "logs").iterdir()) == \
        sorted(p.name for p in (b / "logs").iterdir())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One unsharded run in full/m and its three shards in sh/s0..s2; both
    work in a directory of their own with relative paths, so that the
    reports name the same paths (m/logs/...)."""
    base = tmp_path_factory.mktemp("shard")
    wl = wl_dir(base)
    full, sh = base / "full", base / "sh"
    full.mkdir()
    sh.mkdir()
    r = fp("matrix", "--workloads", wl, *ARGS, "--out", "m", cwd=full)
    assert r.returncode == 0, r.stdout + r.stderr
    shards = []
    for i in range(3):
        s = fp("matrix", "--workloads", wl, *ARGS, "--out", f"s{i}",
               "--shard", f"{i}/3", cwd=sh)
        assert s.returncode == 0, s.stdout + s.stderr
        shards.append(s)
    return dict(base=base, wl=wl, full=full, sh=sh, full_run=r, shards=shards)


def test_merge_of_three_shards_equals_the_unsharded_run(runs):
    m = fp("merge", "m", "s0", "s1", "s2", cwd=runs["sh"])
    assert m.returncode == 0, m.stdout + m.stderr
    same_report(runs["full"] / "m", runs["sh"] / "m",
                runs["full_run"].stdout, m.stdout)
    # The merged report is the real thing: tables, and a violation.
    assert "persist fdatasync" in m.stdout
    assert json.loads((runs["sh"] / "m" / "matrix.json").read_text())["cells"]


def test_a_merged_directory_is_a_record_of_the_whole_matrix(runs):
    sh = runs["sh"]
    if not (sh / "m" / "cells.jsonl").exists():
        assert fp("merge", "m", "s0", "s1", "s2", cwd=sh).returncode == 0
    h, cells = record(sh / "m")
    assert h["shard"] == {"index": 0, "count": 1}
    assert sorted(c["index"] for c in cells) == list(range(NCELLS))
    # ... so it merges (or is judged) again like any run's directory.
    r = fp("merge", "again", "m", cwd=sh)
    assert r.returncode == 0, r.stdout + r.stderr
    j = untimed_json(sh / "again" / "matrix.json")
    assert json.loads(json.dumps(j).replace("again/logs/", "m/logs/")) == \
        untimed_json(runs["full"] / "m" / "matrix.json")


def test_shards_split_the_cells_evenly_and_by_number(runs):
    seen = []
    for i in range(3):
        h, cells = record(runs["sh"] / f"s{i}")
        assert h["shard"] == {"index": i, "count": 3}
        assert h["cells_total"] == NCELLS
        assert sorted(c["index"] for c in cells) == list(range(i, NCELLS, 3))
        seen += [c["index"] for c in cells]
        assert h["version"] and h["workloads"]["count"] == 2
        assert all(len(c["workload_hash"]) == 16 for c in cells)
    assert sorted(seen) == list(range(NCELLS))
    # The unsharded run is shard 0/1 of the same numbering.
    h, cells = record(runs["full"] / "m")
    assert h["shard"] == {"index": 0, "count": 1}
    assert sorted(c["index"] for c in cells) == list(range(NCELLS))


@pytest.mark.parametrize("arg", ["0/0", "3/2", "x", "1/", "/2", "-1/2",
                                 "2/2"])
def test_bad_shard_argument_is_a_usage_error(tmp_path, arg):
    r = fp("matrix", "--shard", arg, "--out", tmp_path / "m",
           "--workloads", WL / "fsync-seed.wl")
    assert r.returncode == 2
    assert f"--shard: '{arg}' is not I/N" in r.stderr


def merge_error(cwd, *dirs):
    r = fp("merge", "out", *dirs, cwd=cwd)
    assert r.returncode == 2, r.stdout + r.stderr
    assert not (cwd / "out" / "matrix.json").exists()
    return r.stderr


def test_merge_refuses_a_missing_shard(runs):
    assert "shard 1/3 is missing" in merge_error(runs["sh"], "s0", "s2")


def test_merge_refuses_a_shard_given_twice(runs):
    assert "s1 and s1 are both shard 1/3" in \
        merge_error(runs["sh"], "s0", "s1", "s1", "s2")


def test_merge_refuses_shards_cut_another_way(runs, tmp_path):
    r = fp("matrix", "--workloads", runs["wl"], *ARGS, "--out", "q",
           "--shard", "1/4", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    shutil.copytree(runs["sh"] / "s0", tmp_path / "s0")
    err = merge_error(tmp_path, "s0", "q")
    assert "q is shard 1/4 but s0 is 0/3" in err


def test_merge_refuses_other_options(runs, tmp_path):
    args = [a if a != "on,off" else "on" for a in ARGS]
    r = fp("matrix", "--workloads", runs["wl"], *args, "--out", "s1",
           "--shard", "1/3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for i in (0, 2):
        shutil.copytree(runs["sh"] / f"s{i}", tmp_path / f"s{i}")
    err = merge_error(tmp_path, "s0", "s1", "s2")
    assert "s0 and s1 are not shards of one matrix" in err
    assert "option columns is" in err or "number of cells is" in err


def test_merge_refuses_another_version(runs, tmp_path):
    for i in range(3):
        shutil.copytree(runs["sh"] / f"s{i}", tmp_path / f"s{i}")
    rec = tmp_path / "s2" / "cells.jsonl"
    lines = rec.read_text().splitlines(keepends=True)
    h = json.loads(lines[0])
    h["version"] = "0.0.1+gdeadbeef"
    rec.write_text(json.dumps(h) + "\n" + "".join(lines[1:]))
    err = merge_error(tmp_path, "s0", "s1", "s2")
    assert "flushpoint version is" in err and "0.0.1+gdeadbeef" in err


def test_merge_refuses_a_workload_whose_text_changed(runs, tmp_path):
    # Same names, same options; shard 1 ran an edited fsync-seed.wl.
    wl = wl_dir(tmp_path)
    (wl / "fsync-seed.wl").write_text((wl / "fsync-seed.wl").read_text()
                                      + "# edited\n")
    r = fp("matrix", "--workloads", wl, *ARGS, "--out", "s1",
           "--shard", "1/3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for i in (0, 2):
        shutil.copytree(runs["sh"] / f"s{i}", tmp_path / f"s{i}")
    err = merge_error(tmp_path, "s0", "s1", "s2")
    assert "workload fsync-seed: its text differs from the one s0 ran" in err


def test_merge_refuses_an_unfinished_shard(runs, tmp_path):
    for i in range(3):
        shutil.copytree(runs["sh"] / f"s{i}", tmp_path / f"s{i}")
    rec = tmp_path / "s0" / "cells.jsonl"
    lines = rec.read_text().splitlines(keepends=True)
    rec.write_text("".join(lines[:2]) + lines[2][:40])   # a torn last line
    err = merge_error(tmp_path, "s0", "s1", "s2")
    assert "s0: shard 0/3 is incomplete: 1 of 3 cells" in err


def test_resume_after_a_kill_equals_an_uninterrupted_run(runs, tmp_path):
    # The third cell hangs (test hook) before it starts anything, and with
    # one job nothing else runs: the kill finds two cells recorded and no
    # nbdkit starting (one killed mid-start could outlive its parent).
    env = dict(__import__("os").environ,
               FP_TEST_CELL_SLEEP="append-fsync--fdatasync--ordered+barrier")
    cmd = [str(FLUSHPOINT), "matrix", "--workloads", str(runs["wl"]), *ARGS,
           "-j", "1", "--out", "m"]
    p = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    rec = tmp_path / "m" / "cells.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if rec.exists() and len(rec.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.communicate()
    done = len(rec.read_text().splitlines()) - 1
    assert done == 2
    r = fp("matrix", "--workloads", runs["wl"], *ARGS, "--out", "m",
           "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"resumed: {done} of {NCELLS} cells taken from m/cells.jsonl, " \
           f"{NCELLS - done} run" in r.stderr
    same_report(runs["full"] / "m", tmp_path / "m", runs["full_run"].stdout,
                r.stdout)


def test_resume_refuses_another_matrix(runs, tmp_path):
    shutil.copytree(runs["full"] / "m", tmp_path / "m")
    r = fp("matrix", "--workloads", runs["wl"], *ARGS, "--persist", "fsync",
           "--out", "m", "--resume", cwd=tmp_path)
    assert r.returncode == 2
    assert "cannot resume: this run is another matrix: option persist is" \
        in r.stderr


def test_workloads_dir_reads_only_what_the_shard_runs(tmp_path):
    # A generated set plus a broken file that sorts last: a shard without
    # its cell never reads it; the shard with it stops, naming it.
    gen = tmp_path / "gen"
    r = fp("generate", "--length", "1", "-o", gen)
    assert r.returncode == 0, r.stderr
    (gen / "zz-broken.wl").write_text("frobnicate /a\n")
    total = len(list(gen.glob("*.wl")))
    args = ["--workloads", gen, "--persist", "fsync", "--mount", "ordered",
            "--barrier", "on"]
    r = fp("matrix", *args, "--shard", f"3/{total}", "--out", "s3",
           cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    h, cells = record(tmp_path / "s3")
    assert h["workloads"]["count"] == total and h["cells_total"] == total
    assert [c["index"] for c in cells] == [3]
    r = fp("matrix", *args, "--shard", f"{total - 1}/{total}", "--out", "sb",
           cwd=tmp_path)
    assert r.returncode == 2
    assert "zz-broken.wl" in r.stderr


def test_sharded_matrix_through_gnu_parallel(runs, tmp_path):
    par = shutil.which("parallel")
    if not par:
        pytest.skip("GNU parallel is not installed (scripts/install-deps.sh)")
    r = subprocess.run(
        [par, "--will-cite", "--halt", "now,fail=1", "-j", "2",
         str(FLUSHPOINT), "matrix", "--workloads", str(runs["wl"]), *ARGS,
         "--shard", "{}/3", "--out", "shard-{}", ":::", "0", "1", "2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    m = fp("merge", "m", "shard-0", "shard-1", "shard-2", cwd=tmp_path)
    assert m.returncode == 0, m.stdout + m.stderr
    same_report(runs["full"] / "m", tmp_path / "m", runs["full_run"].stdout,
                m.stdout)


def test_bug_switch_matrix_merges_to_the_same_kill_table(tmp_path):
    # With --bugs the numbering has the switch cells first, then the
    # baseline; the kill table pairs cells that land in different shards.
    args = ["--workloads", WL / "fsync-seed.wl", "--persist", "fsync,sync",
            "--bugs", "no-commit-flush,nojournal-no-parent-sync", "-j", "2"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    full = fp("matrix", *args, "--out", "m", cwd=tmp_path / "a")
    assert full.returncode in (0, 1), full.stdout + full.stderr
    assert "kill table" in full.stdout
    for i in range(3):
        s = fp("matrix", *args, "--shard", f"{i}/3", "--out", f"s{i}",
               cwd=tmp_path / "b")
        assert s.returncode == 0, s.stdout + s.stderr
    m = fp("merge", "m", "s0", "s1", "s2", cwd=tmp_path / "b")
    assert m.returncode == full.returncode, m.stdout + m.stderr
    same_report(tmp_path / "a" / "m", tmp_path / "b" / "m", full.stdout,
                m.stdout)
