"""`flushpoint matrix`: every cell records over its own real nbdkit (the
recording plugin, started by the runner) and is checked.  Small matrices
only: one or two workloads."""
import json

from cli_common import FLUSHPOINT, REPO, fp

WL = REPO / "workloads"


def matrix(tmp_path, *args):
    out = tmp_path / "m"
    r = fp("matrix", "--out", out, "--jobs", "2", *args)
    return r, out


def test_matrix_table_json_and_html(tmp_path):
    r, out = matrix(tmp_path, "--workloads", WL / "fsync-seed.wl",
                    "--persist", "fsync,fdatasync")
    assert r.returncode == 0, r.stdout + r.stderr
    j = json.loads((out / "matrix.json").read_text())
    cells = {(c["persist"], c["mount"]): c for c in j["cells"]}
    assert len(cells) == 2 * 5
    # Barriers keep every promise; nobarrier loses synced data.
    good = cells[("fsync", "data=ordered,barrier")]
    assert good["violated"] == 0 and good["checked"] > 0
    bad = cells[("fsync", "data=ordered,nobarrier")]
    assert bad["violated"] > 0
    assert bad["properties"]["data"]["verdict"] == "violated"
    # The terminal table and the fsync/fdatasync summary.
    assert "persist fsync" in r.stdout and "persist fdatasync" in r.stdout
    assert "summary, ordered+barrier" in r.stdout
    assert (out / "index.html").read_text().count("cells/") >= 10
    for c in j["cells"]:
        assert (out / "cells" / f"{c['name']}.html").exists()
    # Logs: a violated cell's stays (its report has replay commands); a
    # passing cell's is removed, and its JSON "log" is null.
    assert (out / "logs" / f"{bad['name']}.fpl").exists()
    assert bad["log"] == str(out / "logs" / f"{bad['name']}.fpl")
    assert not (out / "logs" / f"{good['name']}.fpl").exists()
    assert good["log"] is None


def test_matrix_keep_logs_keeps_every_log(tmp_path):
    r, out = matrix(tmp_path, "--workloads", WL / "fsync-seed.wl",
                    "--persist", "fsync", "--keep-logs")
    assert r.returncode == 0, r.stdout + r.stderr
    j = json.loads((out / "matrix.json").read_text())
    assert len(j["cells"]) == 5
    for c in j["cells"]:
        assert c["log"] == str(out / "logs" / f"{c['name']}.fpl")
        assert (out / "logs" / f"{c['name']}.fpl").exists()


def test_matrix_columns_from_mount_and_barrier(tmp_path):
    r, out = matrix(tmp_path, "--workloads", WL / "fsync-seed.wl",
                    "--persist", "fsync", "--mount", "ordered,writeback",
                    "--barrier", "on")
    assert r.returncode == 0, r.stderr
    j = json.loads((out / "matrix.json").read_text())
    assert sorted(c["mount"] for c in j["cells"]) == [
        "data=ordered,barrier", "data=writeback,barrier"]
    # One default profile, ext4, as `check` has, named in the header.
    assert j["profile"] == "ext4"
    assert r.stdout.splitlines()[0].endswith("; profile ext4")


def test_fdatasync_loses_mtime_where_fsync_keeps_it(tmp_path):
    r, out = matrix(tmp_path, "--workloads", WL / "overwrite-fdatasync.wl",
                    "--persist", "fsync", "--mount", "ordered",
                    "--barrier", "on")
    assert r.returncode == 0, r.stderr
    j = json.loads((out / "matrix.json").read_text())
    assert j["cells"][0]["properties"]["mtime"]["verdict"] == "lost"
    assert j["cells"][0]["properties"]["data"]["verdict"] == "held"


def test_kill_table_catches_a_bug_switch(tmp_path):
    r, out = matrix(tmp_path, "--workloads", WL / "fsync-seed.wl",
                    "--persist", "fsync", "--bugs", "no-commit-flush")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "kill table" in r.stdout
    j = json.loads((out / "matrix.json").read_text())
    assert j["kill"]["no-commit-flush"] == [
        "fsync-seed--fsync--ordered+barrier--bug-no-commit-flush"]


def test_uncaught_bug_switch_fails_the_matrix(tmp_path):
    # A workload with no sync call cannot catch a commit bug.
    wl = tmp_path / "nosync.wl"
    wl.write_text("creat /f\npwrite /f 0 4K seed=1\n")
    r, out = matrix(tmp_path, "--workloads", wl, "--persist", "none",
                    "--bugs", "no-commit-fua")
    assert r.returncode == 1
    assert "NOT CAUGHT" in r.stdout


def test_matrix_usage_errors(tmp_path):
    for args in (["--persist", "never"], ["--mount", "ext2"],
                 ["--bugs", "no-such-bug"],
                 ["--workloads", str(tmp_path / "none-*.wl")]):
        r, _ = matrix(tmp_path, *args)
        assert r.returncode == 2, args


def test_matrix_out_dir_is_checked_first(tmp_path):
    # Issue 12: the output directory is checked before any cell runs.
    f = tmp_path / "file"
    f.write_text("x")
    for out, why in ((f, f"{f} is not a directory"),
                     (tmp_path / "no" / "sub",
                      f"directory {tmp_path}/no: No such file or directory")):
        r = fp("matrix", "--out", out, "--workloads", tmp_path / "none-*.wl")
        assert r.returncode == 2
        assert f"matrix: --out {out}: {why}" in r.stderr


def test_matrix_supervisor_never_has_a_second_thread(tmp_path):
    """The matrix process forks every cell.  A fork from a process with
    other threads can copy a lock another thread holds into the child
    (ASan's allocator lock did: CI stop 20 hung a cell child in calloc), so
    the supervisor must stay single-threaded for its whole life.  Sample
    its thread count while the cells run."""
    import subprocess
    import time

    p = subprocess.Popen(
        [str(FLUSHPOINT), "matrix", "--out", str(tmp_path / "m"),
         "--jobs", "2", "--workloads", str(WL / "fsync-seed.wl"),
         "--persist", "fsync,fdatasync"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    most, samples = 0, 0
    task = f"/proc/{p.pid}/task"
    children = 0
    while p.poll() is None:
        try:
            import os
            most = max(most, len(os.listdir(task)))
            kids = open(f"{task}/{p.pid}/children").read().split()
            children = max(children, len(kids))
            samples += 1
        except OSError:
            pass
        time.sleep(0.02)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, out.decode() + err.decode()
    assert samples > 0
    assert children >= 1          # it did fork cells while sampled
    assert most == 1, f"the matrix process had {most} threads"


def test_a_big_violated_engine_log_is_removed_and_rebuilt_byte_for_byte(
        tmp_path):
    """A violated engine cell's log over 128 KiB is removed at the end
    (journal-wrap's is ~14 MiB) unless --keep-logs; its JSON names the
    command that records it again, its page says so, and that command
    gives the same bytes as the log --keep-logs kept."""
    import shlex
    import subprocess
    args = ("--workloads", WL / "journal-wrap.wl", "--persist", "fsync",
            "--mount", "ordered", "--barrier", "off")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    r, kept = matrix(tmp_path / "a", *args, "--keep-logs")
    assert r.returncode == 0, r.stdout + r.stderr
    r, out = matrix(tmp_path / "b", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    (a,) = json.loads((kept / "matrix.json").read_text())["cells"]
    (c,) = json.loads((out / "matrix.json").read_text())["cells"]
    assert c["violated"] > 0 and a["violated"] == c["violated"]
    big = kept / "logs" / f"{c['name']}.fpl"
    assert big.stat().st_size > 128 << 10
    assert "rebuild" not in a and a["log"] == str(big)
    assert c["log"] is None and not (out / "logs" / f"{c['name']}.fpl").exists()
    page = (out / "cells" / f"{c['name']}.html").read_text()
    assert "records it again, byte for byte" in page
    argv = shlex.split(c["rebuild"])
    assert argv[:2] == ["flushpoint", "run"]
    subprocess.run([str(FLUSHPOINT), *argv[1:]], check=True,
                   capture_output=True, timeout=300)
    rebuilt = out / "logs" / f"{c['name']}.fpl"
    assert rebuilt.read_bytes() == big.read_bytes()
