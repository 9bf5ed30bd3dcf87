"""Starting from a base image: served, identified in the header, and never
modified."""

import hashlib
import os
import random

import fplog_py


def _image(tmp_path, size, seed=1):
    rnd = random.Random(seed)
    data = bytearray(rnd.randbytes(size))
    data[8192:16384] = bytes(8192)          # an all-zero stretch stays sparse
    p = tmp_path / "base.img"
    p.write_bytes(data)
    return p, bytes(data)


def test_plugin_serves_base_image_then_zeroes(flushpoint_server, tmp_path):
    base, data = _image(tmp_path, 300_000)      # not a multiple of 4096
    srv = flushpoint_server(size="1M", base=base)
    disk = bytes(srv.connect().pread(1 << 20, 0))
    assert disk[:len(data)] == data
    assert disk[len(data):] == bytes((1 << 20) - len(data))


def test_plugin_base_of_exactly_size_is_accepted(flushpoint_server, tmp_path):
    base, data = _image(tmp_path, 1 << 20)
    srv = flushpoint_server(size="1M", base=base)
    assert bytes(srv.connect().pread(1 << 20, 0)) == data


def test_plugin_header_identifies_base(flushpoint_server, tmp_path):
    base, data = _image(tmp_path, 123_456)
    srv = flushpoint_server(size="1M", base=base)
    h = fplog_py.parse(srv.log_path).header
    assert h.flags & fplog_py.H_BASE_IMAGE
    assert h.base_path == str(base)
    assert h.base_size == len(data)
    assert h.base_checksum == fplog_py.xxh3_64(data)


def test_plugin_relative_base_path_is_recorded_absolute(flushpoint_server,
                                                        tmp_path, monkeypatch):
    base, _ = _image(tmp_path, 4096)
    monkeypatch.chdir(tmp_path)
    srv = flushpoint_server(size="1M", base="base.img")
    assert fplog_py.parse(srv.log_path).header.base_path == str(base)


def test_plugin_base_file_is_never_modified(flushpoint_server, tmp_path):
    base, data = _image(tmp_path, 65536)
    before = (hashlib.sha256(base.read_bytes()).hexdigest(),
              os.stat(base).st_mtime_ns)
    srv = flushpoint_server(size="1M", base=base)
    h = srv.connect()
    h.pwrite(b"\xaa" * 20000, 100)
    h.trim(8192, 32768)
    h.zero(4096, 0)
    h.flush()
    srv.stop()
    after = (hashlib.sha256(base.read_bytes()).hexdigest(),
             os.stat(base).st_mtime_ns)
    assert before == after


def test_plugin_trim_over_base_reads_zeroes(flushpoint_server, tmp_path):
    base, data = _image(tmp_path, 65536)
    srv = flushpoint_server(size="1M", base=base)
    h = srv.connect()
    h.trim(10000, 1000)             # partial pages at both ends
    disk = bytes(h.pread(65536, 0))
    assert disk[:1000] == data[:1000]
    assert disk[1000:11000] == bytes(10000)
    assert disk[11000:] == data[11000:]


def test_plugin_replay_from_base_matches_disk(flushpoint_server, tmp_path):
    base, data = _image(tmp_path, 200_000)
    srv = flushpoint_server(size="1M", base=base)
    h = srv.connect()
    h.pwrite(b"\x11" * 5000, 150_000)
    h.zero(3000, 10)
    h.flush()
    disk = bytes(h.pread(1 << 20, 0))
    log = fplog_py.parse(srv.log_path)
    assert bytes(fplog_py.replay(log, len(log.entries))) == disk
