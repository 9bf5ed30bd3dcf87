"""Single requests on the disk export and the entry each one leaves."""

import pytest

import nbd

import fplog_py


def _only_entry(srv):
    log = fplog_py.parse(srv.log_path)
    assert log.tail == "clean"
    [e] = log.entries
    return e


def test_plugin_unwritten_disk_reads_zeroes(flushpoint_server):
    h = flushpoint_server(size="4M").connect()
    assert bytes(h.pread(4 << 20, 0)) == bytes(4 << 20)


def test_plugin_unaligned_write_reads_back(flushpoint_server):
    h = flushpoint_server().connect()
    data = bytes(range(256)) * 40 + b"tail"
    h.pwrite(data, 4093)                    # crosses three page boundaries
    assert bytes(h.pread(len(data) + 20, 4083)) == \
        bytes(10) + data + bytes(10)


def test_plugin_write_is_logged_with_data(flushpoint_server):
    srv = flushpoint_server()
    data = b"hello, log" * 77
    srv.connect().pwrite(data, 1234)
    e = _only_entry(srv)
    assert (e.seq, e.type, e.flags, e.offset, e.length) == \
        (0, fplog_py.WRITE, 0, 1234, len(data))
    assert e.payload == data


def test_plugin_fua_write_is_logged_with_fua(flushpoint_server):
    srv = flushpoint_server()
    srv.connect().pwrite(b"z" * 512, 512, nbd.CMD_FLAG_FUA)
    e = _only_entry(srv)
    assert e.type == fplog_py.WRITE and e.flags == fplog_py.F_FUA


def test_plugin_flush_is_logged(flushpoint_server):
    srv = flushpoint_server()
    srv.connect().flush()
    e = _only_entry(srv)
    assert (e.type, e.flags, e.offset, e.length, e.payload) == \
        (fplog_py.FLUSH, 0, 0, 0, b"")


@pytest.mark.parametrize("flags,logged", [(0, 0),
                                          (nbd.CMD_FLAG_FUA, fplog_py.F_FUA)])
def test_plugin_trim_is_logged_and_reads_zero(flushpoint_server, flags, logged):
    srv = flushpoint_server()
    h = srv.connect()
    h.pwrite(b"\xff" * 16384, 0)
    h.trim(9000, 1000, flags)
    assert bytes(h.pread(16384, 0)) == \
        b"\xff" * 1000 + bytes(9000) + b"\xff" * 6384
    e = fplog_py.parse(srv.log_path).entries[1]
    assert (e.type, e.flags, e.offset, e.length) == \
        (fplog_py.TRIM, logged, 1000, 9000)


@pytest.mark.parametrize("flags,logged", [
    (0, 0),
    (nbd.CMD_FLAG_NO_HOLE, 0),
    (nbd.CMD_FLAG_FUA, fplog_py.F_FUA),
    (nbd.CMD_FLAG_FAST_ZERO, 0),
])
def test_plugin_zero_is_logged_and_reads_zero(flushpoint_server, flags, logged):
    srv = flushpoint_server()
    h = srv.connect()
    h.pwrite(b"\xee" * 16384, 0)
    h.zero(8192, 4096 + 7, flags)
    assert bytes(h.pread(16384, 0)) == \
        b"\xee" * 4103 + bytes(8192) + b"\xee" * (16384 - 4103 - 8192)
    e = fplog_py.parse(srv.log_path).entries[1]
    assert (e.type, e.flags, e.offset, e.length) == \
        (fplog_py.ZERO, logged, 4103, 8192)


def test_plugin_large_zero_over_unwritten_disk(flushpoint_server):
    srv = flushpoint_server(size="1G")
    h = srv.connect()
    h.pwrite(b"\x01" * 4096, 512 << 20)
    h.zero(1 << 30, 0)
    assert bytes(h.pread(4096, 512 << 20)) == bytes(4096)
    e = fplog_py.parse(srv.log_path).entries[1]
    assert (e.type, e.offset, e.length) == (fplog_py.ZERO, 0, 1 << 30)


def test_plugin_write_then_trim_then_write_reuses_pages(flushpoint_server):
    h = flushpoint_server().connect()
    for i in range(3):
        h.pwrite(bytes([i + 1]) * 65536, 0)
        h.trim(65536, 0)
        assert bytes(h.pread(65536, 0)) == bytes(65536)
    h.pwrite(b"\x09" * 100, 4000)           # fresh partial page is cleared
    assert bytes(h.pread(8192, 0)) == bytes(4000) + b"\x09" * 100 + bytes(4092)


def test_plugin_write_past_the_end_is_refused_and_not_logged(flushpoint_server):
    srv = flushpoint_server(size="64K")
    h = srv.connect()
    with pytest.raises(nbd.Error):
        h.pwrite(b"x" * 1024, 65536 - 512)
    assert fplog_py.parse(srv.log_path).entries == []


def test_plugin_entries_are_numbered_in_order(flushpoint_server):
    srv = flushpoint_server()
    h = srv.connect()
    for i in range(20):
        h.pwrite(bytes([i]) * (i + 1), i * 100)
    log = fplog_py.parse(srv.log_path)
    assert [e.seq for e in log.entries] == list(range(20))
    assert [e.payload for e in log.entries] == \
        [bytes([i]) * (i + 1) for i in range(20)]


def test_plugin_whole_pages_read_back_across_many_writes(flushpoint_server):
    # Whole pages are served from the log (fpdisk references): reads that
    # span several writes, holes and partly written pages must stitch them.
    srv = flushpoint_server()
    h = srv.connect()
    a, b, c = b"\xa1" * 16384, b"\xb2" * 8192, b"\xc3" * 100
    h.pwrite(a, 4096)            # pages 1-4, one run in the log
    h.pwrite(b, 12288)           # pages 3-4 again, a later run
    h.pwrite(c, 20000)           # part of page 4 (16384-20479), in memory
    want = bytearray(32768)
    want[4096:4096 + 16384] = a
    want[12288:12288 + 8192] = b
    want[20000:20100] = c
    assert bytes(h.pread(32768, 0)) == want
    assert bytes(h.pread(5000, 10000)) == want[10000:15000]


def test_plugin_partial_overwrite_of_a_logged_page(flushpoint_server):
    srv = flushpoint_server()
    h = srv.connect()
    h.pwrite(b"\x11" * 8192, 0)
    h.pwrite(b"\x22" * 10, 4090)         # straddles both pages
    h.zero(6, 100)
    h.trim(4000, 4196)
    want = bytearray(b"\x11" * 8192)
    want[4090:4100] = b"\x22" * 10
    want[100:106] = bytes(6)
    want[4196:8192] = bytes(3996)
    assert bytes(h.pread(8192, 0)) == want
    log = fplog_py.parse(srv.log_path)
    assert bytes(fplog_py.replay(log, len(log.entries)))[:8192] == want


def test_plugin_whole_page_overwrite_after_partial(flushpoint_server):
    srv = flushpoint_server()
    h = srv.connect()
    h.pwrite(b"\x01" * 100, 50)          # page 0 in memory
    h.pwrite(b"\x02" * 4096, 0)          # then wholly from the log
    h.pwrite(b"\x03" * 4096, 0)          # and again, a newer entry
    assert bytes(h.pread(4096, 0)) == b"\x03" * 4096
    h.trim(4096, 0)
    assert bytes(h.pread(4096, 0)) == bytes(4096)


def test_plugin_pipelined_requests_are_logged_in_send_order(flushpoint_server):
    # Requests sent back to back on one connection, without waiting, are
    # handled (and so logged) in the order they were sent: the plugin's
    # serialize_requests thread model.  Under nbdkit's parallel model they
    # could be logged in any order.
    srv = flushpoint_server(size="4M")
    h = srv.connect()
    cookies = []
    for i in range(64):
        buf = nbd.Buffer.from_bytearray(bytearray([i]) * (4096 * (1 + i % 4)))
        cookies.append(h.aio_pwrite(buf, (63 - i) * 65536))
    while h.aio_in_flight() > 0:
        h.poll(-1)
    for c in cookies:
        assert h.aio_command_completed(c)
    log = fplog_py.parse(srv.log_path)
    assert [e.offset for e in log.entries] == \
        [(63 - i) * 65536 for i in range(64)]
    assert [e.payload[0] for e in log.entries] == list(range(64))
