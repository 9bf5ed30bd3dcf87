"""The matrix across file systems and its safety net:

- `--fs engine,ext4` adds kernel columns and the agreement table, on at
  least 10 bundled workloads; the test asserts it is produced and well
  formed (not that it is 100 %: the engine's fidelity is its own issue);
- one cell that aborts (a test hook standing in for an engine assertion)
  or that runs past --cell-timeout is an ERR cell with its rebuild
  commands, and every other cell finishes and is reported.
"""
import json
import os
import subprocess

import pytest

from cli_common import BUILD, FLUSHPOINT, REPO, fp

TEN = ["append-fsync", "append-fdatasync", "overwrite-fsync",
       "overwrite-fdatasync", "create-fsync-file", "create-fsync-dir",
       "rename-cross-dir-fsync", "hardlink-fsync", "unlink-fsync-dir",
       "shrink-truncate-fsync", "extend-truncate-fdatasync", "chmod-fsync"]


def _wl_glob(names):
    return str(REPO / "workloads" / ("{%s}.wl" % ",".join(names)))


def _matrix(tmp_path, *args, env=None, timeout=1800):
    out = tmp_path / "mx"
    r = subprocess.run([str(FLUSHPOINT), "matrix", "--out", str(out),
                        *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=env)
    return r, out


def _kernel_ok():
    r = fp("probe", "ext4", timeout=60)
    return r.returncode == 0, r.stdout + r.stderr


def _need_kernel():
    """Skip where the kernel cannot be reached; fail where it should be
    (root with /dev/fuse) but the probe says no."""
    ok, why = _kernel_ok()
    if not ok:
        if os.geteuid() == 0 and os.path.exists("/dev/fuse"):
            pytest.fail(why)
        pytest.skip(why)


def test_agreement_table_engine_vs_ext4(tmp_path):
    _need_kernel()
    # glob braces are not expanded by glob(3) without GLOB_BRACE: pass a
    # directory of links instead.
    d = tmp_path / "wl"
    d.mkdir()
    for n in TEN:
        (d / f"{n}.wl").symlink_to(REPO / "workloads" / f"{n}.wl")
    r, out = _matrix(tmp_path, "--workloads", d / "*.wl", "--persist",
                     "fsync,fdatasync", "--mount", "ordered", "--barrier",
                     "on", "--fs", "engine,ext4", "--states", "flush,write",
                     "-j", "2")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "agreement engine vs ext4: " in r.stdout, r.stdout
    line = [l for l in r.stdout.splitlines()
            if l.startswith("agreement engine vs ext4: ")][0]
    n, m = line.split(": ")[1].split(" verdicts")[0].split(" of ")
    assert int(m) >= 10 * 2 * 8 and 0 <= int(n) <= int(m), line
    j = json.loads((out / "matrix.json").read_text())
    assert "agreement" in j and isinstance(j["agreement"], list)
    s = j["agreement_summary"]["ext4"]
    assert s["verdicts"] == int(m) and s["agree"] == int(n)
    assert len(j["agreement"]) == int(m) - int(n)
    keys = {"fs", "workload", "persist", "mount", "property", "engine",
            "kernel", "engine_state", "kernel_state", "unsafe"}
    for row in j["agreement"]:
        assert keys <= set(row), row
        assert row["engine"] != row["kernel"]
        assert row["unsafe"] == (row["engine"] == "held" and
                                 row["kernel"] in ("lost", "violated"))
    unsafe = [x["unsafe"] for x in j["agreement"]]
    assert unsafe == sorted(unsafe, reverse=True), "unsafe rows come first"
    fs_cells = [c for c in j["cells"] if c["fs"] == "ext4"]
    assert len(fs_cells) == len(TEN) * 2
    assert all(c["column"] == "ext4.ordered+barrier" for c in fs_cells)
    html = (out / "index.html").read_text()
    assert "Agreement: engine vs ext4" in html


def test_an_aborting_cell_is_err_and_the_rest_finish(tmp_path):
    env = dict(os.environ, FP_TEST_CELL_ABORT="append-fsync--fsync--journal")
    r, out = _matrix(tmp_path, "--workloads",
                     REPO / "workloads" / "append-f*.wl", "--persist",
                     "fsync,fdatasync", "-j", "2", env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "ERROR append-fsync--fsync--journal: the cell died of signal 6" \
        in r.stdout, r.stdout
    assert "flushpoint check" in r.stdout
    j = json.loads((out / "matrix.json").read_text())
    errs = [c["name"] for c in j["cells"] if "error" in c]
    assert errs == ["append-fsync--fsync--journal"], errs
    assert len(j["cells"]) == 2 * 2 * 5
    assert all(c["checked"] > 0 for c in j["cells"] if "error" not in c)


def test_cell_timeout_kills_only_that_cell(tmp_path):
    """A cell that hangs (a test hook) is killed at --cell-timeout and is
    an ERR cell saying so; the other cells finish."""
    wl = tmp_path / "wl"
    wl.mkdir()
    (wl / "hangs.wl").symlink_to(REPO / "workloads" / "append-fsync.wl")
    (wl / "fine.wl").symlink_to(REPO / "workloads" / "append-fdatasync.wl")
    r, out = _matrix(tmp_path, "--workloads", wl / "*.wl", "--persist",
                     "fsync", "--mount", "ordered", "--barrier", "on",
                     "--cell-timeout", "20", "-j", "2",
                     env=dict(os.environ, FP_TEST_CELL_SLEEP="hangs--"))
    assert r.returncode == 1, r.stdout + r.stderr
    j = json.loads((out / "matrix.json").read_text())
    by = {c["name"]: c for c in j["cells"]}
    assert "ran past --cell-timeout 20s" in by[
        "hangs--fsync--ordered+barrier"]["error"]
    assert "error" not in by["fine--fsync--ordered+barrier"]
    assert by["fine--fsync--ordered+barrier"]["checked"] > 0


def test_a_sleeping_kernel_cell_does_not_hold_a_job(tmp_path):
    """A kernel cell in a real-time `sleep` needs no CPU: with --jobs 1 the
    matrix starts the next cell beside it (ck_matrix.c, mx_supervise).
    Sampled structurally -- the matrix process's children -- not timed."""
    _need_kernel()
    import time
    wl = tmp_path / "nap.wl"
    wl.write_text("creat /a\nwrite /a 4K seed=1\nsleep 4\npersist /a\n")
    p = subprocess.Popen(
        [str(FLUSHPOINT), "matrix", "--out", str(tmp_path / "mx"),
         "--workloads", str(wl), "--persist", "fsync,fdatasync",
         "--mount", "ordered", "--barrier", "on", "--fs", "ext4",
         "--states", "flush", "-j", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    most = 0
    while p.poll() is None:
        try:
            kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read()
            most = max(most, len(kids.split()))
        except OSError:
            pass
        time.sleep(0.05)
    out, err = p.communicate(timeout=600)
    assert p.returncode in (0, 1), out.decode() + err.decode()
    j = json.loads((tmp_path / "mx" / "matrix.json").read_text())
    kernel = [c for c in j["cells"] if c["fs"] == "ext4"]
    assert len(kernel) == 2 and len(j["cells"]) == 4
    assert all("error" not in c and c["checked"] > 0 for c in j["cells"]), \
        j["cells"]
    # Cells ran at once: the next started while a kernel cell slept.
    assert most >= 2, f"at most {most} cell children at once with -j 1"
