"""The control export: writes become MARK entries, reads return counters."""

import pytest

import nbd

import fplog_py
from conftest import read_control

KEY_ORDER = ["uuid", "next_seq", "writes", "trims", "zeros", "flushes",
             "marks", "bytes_written", "faults_fired", "power", "faults"]
COUNTERS = KEY_ORDER[1:-3]


def test_plugin_control_read_starts_at_zero(flushpoint_server):
    c = flushpoint_server().control()
    ctl = read_control(c)
    assert ctl["version"] == 1
    assert list(ctl)[1:] == KEY_ORDER
    assert all(ctl[k] == 0 for k in COUNTERS + ["faults_fired"]), ctl
    assert (ctl["power"], ctl["faults"]) == ("on", ""), ctl


def test_plugin_control_read_counts_each_request_type(flushpoint_server):
    srv = flushpoint_server(size="1M")
    h, c = srv.connect(), srv.control()
    h.pwrite(b"a" * 1000, 10)
    h.pwrite(b"b" * 4096, 8192, nbd.CMD_FLAG_FUA)
    h.trim(4096, 0)
    h.zero(512, 65536)
    h.zero(512, 65536 * 2, nbd.CMD_FLAG_NO_HOLE)
    h.flush()
    c.pwrite(b"mark", 0)
    ctl = read_control(c)
    assert ctl["writes"] == 2
    assert ctl["bytes_written"] == 5096
    assert ctl["trims"] == 1
    assert ctl["zeros"] == 2
    assert ctl["flushes"] == 1
    assert ctl["marks"] == 1
    assert ctl["next_seq"] == 7


def test_plugin_control_next_seq_and_uuid_match_the_log(flushpoint_server):
    srv = flushpoint_server()
    h, c = srv.connect(), srv.control()
    for i in range(5):
        h.pwrite(bytes([i]) * 100, i * 100)
    h.flush()
    ctl = read_control(c)
    log = fplog_py.parse(srv.log_path)
    assert ctl["next_seq"] == len(log.entries) == 6
    assert ctl["uuid"] == str(log.header.uuid)


def test_plugin_control_beyond_first_block_reads_zeroes(flushpoint_server):
    c = flushpoint_server().control()
    assert bytes(c.pread(8192, 4000))[96:] == bytes(8192 - 96)
    assert bytes(c.pread(4096, 1024 * 1024 - 4096)) == bytes(4096)


def test_plugin_control_unaligned_read_is_a_slice_of_the_block(flushpoint_server):
    c = flushpoint_server(uuid="12345678-1234-5678-9abc-def012345678").control()
    whole = bytes(c.pread(4096, 0))
    assert bytes(c.pread(10, 21)) == whole[21:31] == b"uuid=12345"


def test_plugin_mark_payload_is_exactly_the_written_bytes(flushpoint_server):
    srv = flushpoint_server()
    c = srv.control()
    payload = b"before fsync(\"/a\")\0\xff binary ok"
    c.pwrite(payload, 0)
    [e] = fplog_py.parse(srv.log_path).entries
    assert e.type == fplog_py.MARK
    assert e.payload == payload
    assert (e.offset, e.length) == (0, len(payload))


def test_plugin_mark_offset_is_ignored(flushpoint_server):
    srv = flushpoint_server()
    c = srv.control()
    c.pwrite(b"at 12345", 12345)
    [e] = fplog_py.parse(srv.log_path).entries
    assert (e.type, e.offset, e.payload) == (fplog_py.MARK, 0, b"at 12345")


def test_plugin_mark_does_not_change_the_disk(flushpoint_server):
    srv = flushpoint_server(size="64K")
    h, c = srv.connect(), srv.control()
    c.pwrite(b"\xff" * 4096, 0)
    assert bytes(h.pread(65536, 0)) == bytes(65536)


def test_plugin_mark_of_one_mebibyte_is_logged(flushpoint_server):
    srv = flushpoint_server()
    c = srv.control()
    payload = bytes(range(256)) * 4096
    c.pwrite(payload, 0)
    [e] = fplog_py.parse(srv.log_path).entries
    assert e.payload == payload


def test_plugin_control_zero_is_refused_and_not_logged(flushpoint_server):
    srv = flushpoint_server()
    c = srv.control()
    with pytest.raises(nbd.Error) as ei:
        c.zero(512, 0)
    assert ei.value.errno == "EINVAL"
    assert fplog_py.parse(srv.log_path).entries == []
    assert read_control(c)["marks"] == 0
