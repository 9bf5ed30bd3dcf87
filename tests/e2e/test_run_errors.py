"""`flushpoint run` errors: usage (exit 2), a workload that does not parse
(exit 2, FILE:LINE:COL message), an op that does not behave as written
(exit 1, the log still ends with an end mark), --clean-umount."""
import json
import os
import subprocess

from cli_common import FLUSHPOINT, fp
import fplog_py


def test_usage_errors(tmp_path):
    wl = tmp_path / "w.wl"
    wl.write_text("sync\n")
    for args in ([], [wl], [wl, "--nbd", "x", "--start-nbdkit"],
                 [wl, "--start-nbdkit", "--persist", "sometimes"],
                 [wl, "--nbd", "nbd+unix:///?socket=/x", "--log", "l"]):
        r = fp("run", *args)
        assert r.returncode == 2, (args, r.stderr)
        assert "Try 'flushpoint run --help'" in r.stderr


def test_help():
    r = fp("run", "--help")
    assert r.returncode == 0 and "--persist" in r.stdout


def test_parse_error_is_reported_with_position(tmp_path):
    wl = tmp_path / "bad.wl"
    wl.write_text("mkdir /a\nopen /a/f O_CRAT\n")
    r = fp("run", wl, "--start-nbdkit")
    assert r.returncode == 2
    assert f"{wl}:2:11: expected open flags like O_CREAT|O_RDWR" in r.stderr


def test_unexpected_failure_stops_the_run(tmp_path):
    wl = tmp_path / "fail.wl"
    wl.write_text("mkdir /a\nrmdir /nope\nsync\n")
    log = tmp_path / "fail.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", log)
    assert r.returncode == 1
    assert "fail:2: rmdir /nope: failed with ENOENT" in r.stderr
    ms = [json.loads(e.payload) for e in fplog_py.parse(log).entries
          if e.type == fplog_py.MARK]
    assert ms[-1]["kind"] == "end" and ms[-1]["status"] == "failed"
    assert ms[-1]["failed_op"] == 1
    assert not any(m.get("text") == "sync" for m in ms)


def test_clean_umount(tmp_path):
    wl = tmp_path / "u.wl"
    wl.write_text("open /f O_CREAT|O_WRONLY\nwrite /f 4K\n")
    log = tmp_path / "u.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", log, "--clean-umount")
    assert r.returncode == 0, r.stderr
    assert "clean unmount" in r.stdout
    entries = fplog_py.parse(log).entries
    ms = [json.loads(e.payload) for e in entries if e.type == fplog_py.MARK]
    assert ms[-2]["kind"] == "end" and ms[-2]["then"] == "umount"
    assert ms[-1] == {"v": 1, "kind": "umounted", "ret": 0}
    # The unmount wrote and flushed after the end mark.
    end_at = max(i for i, e in enumerate(entries) if e.type == fplog_py.MARK
                 and json.loads(e.payload)["kind"] == "end")
    assert any(e.type == fplog_py.FLUSH for e in entries[end_at:])


def test_log_that_is_the_workload_is_refused(tmp_path):
    # Issue 12: `run X.wl --log X.wl` overwrote the workload with the log.
    wl = tmp_path / "w.wl"
    wl.write_text("sync\n")
    for log in (wl, tmp_path / "." / "w.wl"):
        r = fp("run", wl, "--start-nbdkit", "--log", log)
        assert r.returncode == 2, r.stderr
        assert f"--log {log} is the workload {wl} itself" in r.stderr
    assert wl.read_text() == "sync\n"


def test_missing_fp_plugin_names_the_path(tmp_path):
    # Issue 12: the message said to set FP_PLUGIN, which was set.
    wl = tmp_path / "w.wl"
    wl.write_text("sync\n")
    env = dict(os.environ, FP_PLUGIN="/nonexistent.so")
    r = subprocess.run([str(FLUSHPOINT), "run", str(wl), "--start-nbdkit",
                        "--log", str(tmp_path / "w.fpl")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1
    assert "FP_PLUGIN=/nonexistent.so: No such file or directory" in r.stderr


def test_oversized_workload_names_its_size(tmp_path):
    # Issue 12: a 2 MiB workload reported "got 1048577 bytes".
    wl = tmp_path / "big.wl"
    wl.write_bytes(b"\n" * (2 << 20))
    r = fp("run", wl, "--start-nbdkit")
    assert r.returncode == 2
    assert (f"{wl}: expected a workload of at most 1048576 bytes, got "
            "2097152 bytes") in r.stderr


def test_directory_workload_says_so(tmp_path):
    # Issue 12: a directory said only "read error".
    r = fp("run", tmp_path, "--start-nbdkit")
    assert r.returncode == 2
    assert f"{tmp_path}: is a directory, not a workload file" in r.stderr


def test_bad_mount_option_is_a_usage_error(tmp_path):
    # Issue 12: a bad mount option exited 1, a bad fault 2.
    wl = tmp_path / "w.wl"
    wl.write_text("sync\n")
    r = fp("run", wl, "--start-nbdkit", "--mount", "bogus=1")
    assert r.returncode == 2
    assert 'run: --mount: mount options: "bogus=1": unknown option' in r.stderr
    wl.write_text("#! mount data=bogus\nsync\n")
    r = fp("run", wl, "--start-nbdkit")
    assert r.returncode == 2
    assert f"{wl}: #! mount: mount options: \"data=bogus\"" in r.stderr
    assert not (tmp_path / "w.fpl").exists()
