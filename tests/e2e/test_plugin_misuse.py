"""Misuse of log= and base= (issue 12): every mistake gets a clear error
at startup and a non-zero exit, never a wrong log or a damaged file."""

import os
import nbd
import pytest

import fplog_py
from cli_common import fp
from conftest import run_nbdkit_expect_failure


def _refused(fp_build, tmp_path, args):
    rc, err = run_nbdkit_expect_failure(fp_build, args, tmp_path)
    assert rc != 0, err
    return err


def test_second_server_on_a_live_log_is_refused(flushpoint_server, tmp_path):
    # Bug 1: the second server used to truncate the first one's live log,
    # which then lost an acknowledged, flushed write.
    first = flushpoint_server()
    h = first.connect()
    h.pwrite(b"A" * 4096, 0)
    h.flush()
    msg = _refused(first.build, tmp_path, ["size=1M", f"log={first.log_path}"])
    assert f"lock: {first.log_path}: the log is in use by process " \
           f"{first.proc.pid} (nbdkit)" in msg
    assert "another flushpoint server is recording into it" in msg
    # The first server is untouched: its data, and its log.
    assert bytes(h.pread(4096, 0)) == b"A" * 4096
    h.pwrite(b"B" * 512, 8192)
    log = fplog_py.parse(first.log_path)
    assert [e.type_name for e in log.entries] == ["WRITE", "FLUSH", "WRITE"]
    assert log.entries[0].payload == b"A" * 4096


def test_cli_reads_a_locked_log(flushpoint_server):
    srv = flushpoint_server()
    h = srv.connect()
    h.pwrite(b"x" * 512, 0)
    h.flush()
    r = fp("log", "verify", srv.log_path)
    assert r.returncode == 0, r.stderr
    assert "entries:   2" in r.stdout
    r = fp("log", "dump", srv.log_path)
    assert r.returncode == 0 and "FLUSH" in r.stdout, r.stderr


def test_log_dev_null_is_refused(fp_build, tmp_path):
    # Bug 2: writes were acknowledged and nothing recorded.
    err = _refused(fp_build, tmp_path, ["size=1M", "log=/dev/null"])
    assert "open: /dev/null: is a character device, not a regular file" in err


def test_log_fifo_is_refused(fp_build, tmp_path):
    # Bug 3: startup hung forever with no message.
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    err = _refused(fp_build, tmp_path, ["size=1M", f"log={fifo}"])
    assert f"open: {fifo}: is a FIFO, not a regular file" in err


def test_base_fifo_is_refused(fp_build, tmp_path):
    fifo = tmp_path / "base.fifo"
    os.mkfifo(fifo)
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", f"base={fifo}"])
    assert f"base: {fifo}: not a regular file or block device (a FIFO)" in err


@pytest.mark.parametrize("how", ["same", "hardlink", "symlink"])
def test_log_that_is_the_base_is_refused(fp_build, tmp_path, how):
    # Bug 4: base=X log=X replaced the base image, which is never written.
    base = tmp_path / "base.img"
    content = bytes(range(256)) * 16
    base.write_bytes(content)
    log = base
    if how == "hardlink":
        log = tmp_path / "link.fpl"
        os.link(base, log)
    elif how == "symlink":
        log = tmp_path / "sym.fpl"
        log.symlink_to(base)
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={log}", f"base={base}"])
    assert f"log={log} is the base image base={base} (the same file)" in err
    assert base.read_bytes() == content


def test_existing_file_that_is_not_a_log_is_kept(fp_build, tmp_path):
    # Bug 4: an existing file was truncated whatever it was.
    keep = tmp_path / "notes.txt"
    keep.write_text("precious\n")
    err = _refused(fp_build, tmp_path, ["size=1M", f"log={keep}"])
    assert f"open: {keep}: exists (9 bytes) and is not a flushpoint log" in err
    assert "give log-overwrite=true to replace it" in err
    assert keep.read_text() == "precious\n"


def test_log_overwrite_true_replaces_a_file(flushpoint_server, tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("not a log\n")
    srv = flushpoint_server(log=f, **{"log-overwrite": "true"})
    srv.connect().pwrite(b"z" * 512, 0)
    srv.stop()
    assert len(fplog_py.parse(f).entries) == 1


def test_relative_base_is_recorded_absolute(flushpoint_server, tmp_path):
    # LOG-FORMAT.md: base_path is absolute however base= was given.
    base = tmp_path / "rel.img"
    base.write_bytes(b"\1" * 4096)
    rel = os.path.relpath(base)       # nbdkit runs in our directory
    assert not rel.startswith("/")
    srv = flushpoint_server(base=rel)
    srv.stop()
    path = fplog_py.parse(srv.log_path).header.base_path
    assert path.startswith("/") and os.path.normpath(path) == str(base)


def test_durable_log_records_as_usual(flushpoint_server):
    # durable=true changes when the log reaches the disk, not what it holds
    # (the fdatasync calls are counted in tests/unit/test_fplog_writer_open).
    srv = flushpoint_server(durable="true")
    h = srv.connect()
    h.pwrite(b"d" * 4096, 0, nbd.CMD_FLAG_FUA)
    h.pwrite(b"e" * 4096, 4096)
    h.flush()
    assert bytes(h.pread(8192, 0)) == b"d" * 4096 + b"e" * 4096
    srv.stop()
    log = fplog_py.parse(srv.log_path)
    assert [(e.type_name, e.fua) for e in log.entries] == \
        [("WRITE", True), ("WRITE", False), ("FLUSH", False)]


def test_bad_durable_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", "durable=perhaps"])
    assert "durable=perhaps: not a boolean" in err
