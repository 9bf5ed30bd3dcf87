"""The log header the plugin writes, read back by the independent Python
parser (fplog_py, written from LOG-FORMAT.md)."""

import time
import uuid as uuidlib

import nbd

import fplog_py

UUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def test_plugin_header_records_size_sector_uuid(flushpoint_server):
    srv = flushpoint_server(size="8M", sector=4096, uuid=UUID)
    log = fplog_py.parse(srv.log_path)
    h = log.header
    assert (h.version, h.device_size, h.sector_size) == (1, 8 << 20, 4096)
    assert h.uuid == uuidlib.UUID(UUID)
    assert h.flags == 0 and h.base_path == "" and h.base_size == 0
    assert h.base_checksum == 0
    assert h.header_len == 96
    assert log.entries == [] and log.tail == "clean"


def test_plugin_header_default_sector_is_512(flushpoint_server):
    srv = flushpoint_server()
    assert fplog_py.parse(srv.log_path).header.sector_size == 512


def test_plugin_header_uuid_is_random_by_default(flushpoint_server):
    a = fplog_py.parse(flushpoint_server().log_path).header.uuid
    b = fplog_py.parse(flushpoint_server().log_path).header.uuid
    assert a != b and a.int != 0


def test_plugin_header_and_entries_carry_realtime_timestamps(flushpoint_server):
    before = time.time_ns()
    srv = flushpoint_server()
    srv.connect().pwrite(b"x" * 512, 0)
    after = time.time_ns()
    log = fplog_py.parse(srv.log_path)
    assert before <= log.header.created_ns <= after
    assert log.header.created_ns <= log.entries[0].timestamp_ns <= after


def test_plugin_deterministic_zeroes_every_timestamp(flushpoint_server):
    srv = flushpoint_server(deterministic="true")
    h = srv.connect()
    h.pwrite(b"x" * 512, 0)
    h.flush()
    log = fplog_py.parse(srv.log_path)
    assert log.header.created_ns == 0
    assert [e.timestamp_ns for e in log.entries] == [0, 0]


def _record(flushpoint_server):
    srv = flushpoint_server(size="1M", uuid=UUID, deterministic="true")
    h, c = srv.connect(), srv.control()
    c.pwrite(b"start", 0)
    h.pwrite(b"y" * 3000, 777, nbd.CMD_FLAG_FUA)
    h.trim(4096, 8192)
    h.zero(100, 5)
    h.flush()
    srv.stop()
    return srv.log_path.read_bytes()


def test_plugin_deterministic_runs_give_identical_logs(flushpoint_server):
    a = _record(flushpoint_server)
    b = _record(flushpoint_server)
    assert a == b
    assert len(fplog_py.parse_bytes(a).entries) == 5


def test_plugin_existing_log_is_truncated(flushpoint_server, tmp_path):
    log = tmp_path / "old.fpl"
    srv = flushpoint_server(log=log)
    srv.connect().pwrite(b"old data", 0)
    srv.stop()
    assert len(fplog_py.parse(log).entries) == 1
    srv = flushpoint_server(log=log)
    parsed = fplog_py.parse(log)
    assert parsed.entries == [] and parsed.tail == "clean"
    assert parsed.file_size == 96
    assert srv.log_path == log
