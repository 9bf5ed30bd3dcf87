"""The plugin's two exports: the disk ("") and "control"."""

import json
import subprocess

import pytest

import nbd


def _nbdinfo_list(srv):
    out = subprocess.run(["nbdinfo", "--list", "--json", srv.uri()],
                         capture_output=True, text=True, timeout=60,
                         env=srv.build.tool_env)
    assert out.returncode == 0, out.stderr
    return {e["export-name"]: e for e in json.loads(out.stdout)["exports"]}


def test_plugin_nbdinfo_list_shows_disk_and_control(flushpoint_server):
    srv = flushpoint_server(size="2M")
    exports = _nbdinfo_list(srv)
    assert set(exports) == {"", "control"}
    assert exports[""]["export-size"] == 2 * 1024 * 1024
    assert exports["control"]["export-size"] == 1024 * 1024


def test_plugin_disk_advertises_fua_flush_trim_zero_multiconn(flushpoint_server):
    h = flushpoint_server().connect()
    assert h.can_fua() and h.can_flush() and h.can_trim()
    assert h.can_zero() and h.can_fast_zero() and h.can_multi_conn()
    assert not h.is_read_only()


def test_plugin_control_has_no_flush_trim_or_fua(flushpoint_server):
    c = flushpoint_server().control()
    assert not c.can_flush() and not c.can_trim() and not c.can_fua()
    assert not c.is_read_only()


def test_plugin_default_export_is_the_disk(flushpoint_server):
    srv = flushpoint_server(size="3M")
    h = nbd.NBD()
    h.connect_uri(srv.uri())        # no export name at all
    srv.clients.append(h)
    assert h.get_size() == 3 * 1024 * 1024


def test_plugin_unknown_export_is_refused(flushpoint_server):
    srv = flushpoint_server()
    with pytest.raises(nbd.Error):
        srv.connect("nosuch")
    assert "unknown export 'nosuch'" in srv.stderr
