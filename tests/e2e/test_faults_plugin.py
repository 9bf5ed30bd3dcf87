"""Fault injection in the recording plugin, over a real nbdkit: each fault
kind on each request type, power cuts, latency, the control export's fault
commands and read-back, and the FAULT entries in the log."""

import subprocess
import time

import pytest

import nbd

import fplog_py
from conftest import fault_command, read_control

OPS = ["read", "write", "flush", "trim", "zero"]
RANGED = ["read", "write", "trim", "zero"]
NBD_ERRNOS = ["EPERM", "EIO", "ENOMEM", "EINVAL", "ENOSPC", "ESHUTDOWN",
              "EOVERFLOW", "ENOTSUP"]
OP_TYPE = {"write": "WRITE", "flush": "FLUSH", "trim": "TRIM",
           "zero": "ZERO", "read": "READ"}


def do(h, op, off=0, length=512, fua=False):
    """One request of type op; returns None or the errno name it failed
    with."""
    flags = nbd.CMD_FLAG_FUA if fua else 0
    try:
        if op == "read":
            h.pread(length, off)
        elif op == "write":
            h.pwrite(bytes([0x5a]) * length, off, flags)
        elif op == "flush":
            h.flush()
        elif op == "trim":
            h.trim(length, off, flags)
        elif op == "zero":
            h.zero(length, off, flags)
    except nbd.Error as e:
        return e.errno
    return None


def faults(log_path):
    return [e for e in fplog_py.parse(log_path).entries
            if e.type == fplog_py.FAULT]


def fired(log_path):
    return [e for e in faults(log_path) if e.flags & fplog_py.F_FAILED]


def start(flushpoint_server):
    srv = flushpoint_server(size="1M")
    return srv, srv.connect(), srv.control()


# ---- each kind of error fault on each request type ----

@pytest.mark.parametrize("op", OPS)
def test_fault_next_fails_only_the_next_request(flushpoint_server, op):
    srv, h, c = start(flushpoint_server)
    fault_command(c, f"{op} EIO next")
    assert [do(h, op) for _ in range(3)] == ["EIO", None, None]
    [e] = fired(srv.log_path)
    assert f"op={OP_TYPE[op]} errno=EIO" in e.payload.decode()


@pytest.mark.parametrize("op", OPS)
def test_fault_at_n_fails_the_nth_request_of_that_type(flushpoint_server, op):
    srv, h, c = start(flushpoint_server)
    other = "write" if op != "write" else "flush"
    fault_command(c, f"{op} ENOSPC at 3")
    got = []
    for _ in range(5):
        assert do(h, other) is None          # other types do not count
        got.append(do(h, op))
    assert got == [None, None, "ENOSPC", None, None]
    assert read_control(c)["faults_fired"] == 1


@pytest.mark.parametrize("op", RANGED)
def test_fault_range_fails_only_overlapping_requests(flushpoint_server, op):
    srv, h, c = start(flushpoint_server)
    fault_command(c, f"{op} EIO range 4K-8K")
    assert do(h, op, 0, 4096) is None
    assert do(h, op, 8192, 4096) is None
    assert do(h, op, 4096 - 512, 1024) == "EIO"     # overlaps the start
    assert do(h, op, 8192 - 512, 512) == "EIO"      # the last sector
    assert do(h, op, 4096, 512) == "EIO"            # until cleared
    fault_command(c, "clear")
    assert do(h, op, 4096, 512) is None
    offs = [(e.offset, e.length) for e in fired(srv.log_path)]
    assert offs == [(3584, 1024), (7680, 512), (4096, 512)]


@pytest.mark.parametrize("op", OPS)
def test_fault_times_n_fires_n_times(flushpoint_server, op):
    srv, h, c = start(flushpoint_server)
    fault_command(c, f"{op} EIO at 2 times 3")
    assert [do(h, op) for _ in range(6)] == [None, "EIO", "EIO", "EIO",
                                              None, None]


@pytest.mark.parametrize("op", OPS)
def test_fault_always_fires_until_cleared(flushpoint_server, op):
    srv, h, c = start(flushpoint_server)
    fault_command(c, f"{op} EIO")
    assert [do(h, op) for _ in range(3)] == ["EIO"] * 3
    assert read_control(c)["faults"] == f"{op}:EIO:at:1:always"
    fault_command(c, f"clear {op}")
    assert do(h, op) is None
    assert read_control(c)["faults"] == ""


@pytest.mark.parametrize("op", OPS)
def test_fault_rate_is_seeded_and_repeatable(flushpoint_server, op):
    runs = []
    for _ in range(2):
        srv, h, c = start(flushpoint_server)
        fault_command(c, f"{op} EIO rate 0.25 seed 7")
        runs.append([do(h, op) for _ in range(80)])
    assert runs[0] == runs[1]
    n = runs[0].count("EIO")
    assert 5 <= n <= 40, n                # 20 expected; bounds are wide


def test_fault_rate_seeds_differ(flushpoint_server):
    runs = []
    for seed in (1, 2):
        srv, h, c = start(flushpoint_server)
        fault_command(c, f"write EIO rate 50% seed {seed}")
        runs.append([do(h, "write") for _ in range(64)])
    assert runs[0] != runs[1]


@pytest.mark.parametrize("err", NBD_ERRNOS)
def test_fault_errno_reaches_the_client(flushpoint_server, err):
    srv, h, c = start(flushpoint_server)
    fault_command(c, f"write {err} next")
    # nbdkit sends EOVERFLOW and ENOTSUP only where the protocol allows
    # them (a DF read, a fast zero); anywhere else the client sees EINVAL.
    assert do(h, "write") == ("EINVAL" if err in ("EOVERFLOW", "ENOTSUP")
                              else err)
    [e] = fired(srv.log_path)
    assert f"errno={err}" in e.payload.decode()


def test_fault_enotsup_on_fast_zero_reaches_the_client(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "zero ENOTSUP next")
    with pytest.raises(nbd.Error) as ei:
        h.zero(512, 0, nbd.CMD_FLAG_FAST_ZERO)
    assert ei.value.errno == "ENOTSUP"


# ---- what a failed request does (and does not do) ----

@pytest.mark.parametrize("op", ["write", "trim", "zero"])
def test_failed_request_leaves_the_disk_unchanged(flushpoint_server, op):
    srv, h, c = start(flushpoint_server)
    h.pwrite(b"\x11" * 8192, 0)
    fault_command(c, f"{op} EIO next")
    assert do(h, op, 0, 8192) == "EIO"
    assert bytes(h.pread(8192, 0)) == b"\x11" * 8192
    types = [e.type for e in fplog_py.parse(srv.log_path).entries]
    assert types == [fplog_py.WRITE, fplog_py.FAULT, fplog_py.FAULT]


def test_failed_fua_write_is_a_fault_entry_with_fua_and_failed(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "write EIO next")
    assert do(h, "write", 4096, 1024, fua=True) == "EIO"
    [arm, e] = faults(srv.log_path)
    assert arm.flags == 0 and arm.payload.startswith(b"armed id=1 ")
    assert e.flags == fplog_py.F_FAILED | fplog_py.F_FUA
    assert (e.offset, e.length) == (4096, 1024)
    assert e.payload == (b"fired id=1 op=WRITE errno=EIO "
                         b"spec=write:EIO:at:1:times:1")


def test_failed_flush_has_no_flush_entry(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    h.pwrite(b"a" * 512, 0)
    fault_command(c, "flush EIO next")
    assert do(h, "flush") == "EIO"
    assert do(h, "flush") is None
    types = [e.type for e in fplog_py.parse(srv.log_path).entries]
    assert types == [fplog_py.WRITE, fplog_py.FAULT, fplog_py.FAULT,
                     fplog_py.FLUSH]
    ctl = read_control(c)
    assert (ctl["flushes"], ctl["faults_fired"]) == (1, 1)


def test_failed_read_is_logged_and_served_reads_are_not(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "read EIO at 2")
    assert [do(h, "read", 512 * i) for i in range(3)] == [None, "EIO", None]
    [e] = fired(srv.log_path)
    assert (e.offset, e.length) == (512, 512)


def test_failed_requests_are_not_counted_as_served(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "write EIO; trim EIO; zero EIO")
    for op in ("write", "trim", "zero"):
        assert do(h, op) == "EIO"
    ctl = read_control(c)
    assert (ctl["writes"], ctl["trims"], ctl["zeros"]) == (0, 0, 0)
    assert ctl["faults_fired"] == 3


def test_first_armed_fault_gives_the_errno_and_both_count(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "write ENOSPC at 2; any EIO at 2")
    assert do(h, "write") is None
    assert do(h, "write") == "ENOSPC"
    assert read_control(c)["faults"] == ""     # both fired once, retired


# ---- power cut ----

def test_powercut_fails_every_request_from_the_nth_on(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "powercut at 3")
    assert do(h, "write") is None
    assert do(h, "read") is None
    assert do(h, "write") == "EIO"              # the 3rd request of any type
    assert [do(h, op) for op in OPS] == ["EIO"] * 5
    ctl = read_control(c)
    assert ctl["power"] == "off" and ctl["faults_fired"] == 6
    c.pwrite(b"marks still work", 0)            # the recorder is not the disk
    fault_command(c, "clear")                   # clear does not restore power
    assert do(h, "read") == "EIO"
    entries = fplog_py.parse(srv.log_path).entries
    texts = [e.payload.decode() for e in entries
             if e.type == fplog_py.FAULT and e.flags & fplog_py.F_FAILED]
    assert texts[0].endswith("power=cut")
    assert all(t.endswith("power=off") for t in texts[1:])
    assert any(e.type == fplog_py.MARK for e in entries)


def test_powercut_on_an_op_type_and_with_eshutdown(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "powercut flush at 2 ESHUTDOWN")
    assert do(h, "flush") is None
    assert do(h, "write") is None
    assert do(h, "flush") == "ESHUTDOWN"
    assert do(h, "read") == "ESHUTDOWN"


def test_powercut_from_a_startup_parameter(flushpoint_server):
    srv = flushpoint_server(size="1M", fault="powercut:write:at:2")
    h = srv.connect()
    assert do(h, "write") is None
    assert do(h, "write") == "EIO"
    assert do(h, "read") == "EIO"


# ---- latency ----

def test_latency_delays_only_its_op_type(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "latency write 200ms")
    assert read_control(c)["faults"] == "latency:write:200ms"
    t0 = time.monotonic()
    assert do(h, "write") is None
    assert time.monotonic() - t0 >= 0.2         # a lower bound: sleep is sleep
    fault_command(c, "latency write 0")
    assert read_control(c)["faults"] == ""
    assert not fired(srv.log_path)


# ---- startup parameters ----

def test_startup_faults_repeat_and_are_logged_first(nbdkit_server, fp_build,
                                                    tmp_path):
    log = tmp_path / "r.fpl"
    srv = nbdkit_server(fp_build.plugin, "size=1M", f"log={log}",
                        "fault=write:EIO:at:2", "fault=flush EIO next; "
                        "latency read 1ms")
    h = srv.connect()
    assert [do(h, "write") for _ in range(3)] == [None, "EIO", None]
    assert do(h, "flush") == "EIO"
    first = fplog_py.parse(log).entries[0]
    assert first.type == fplog_py.FAULT and first.flags == 0
    assert first.payload.decode().splitlines() == [
        "armed id=1 spec=write:EIO:at:2:times:1",
        "armed id=2 spec=flush:EIO:at:1:times:1",
        "latency spec=latency:read:1ms"]


def test_no_faults_no_fault_entries(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    for op in OPS:
        assert do(h, op) is None
    assert faults(srv.log_path) == []


# ---- control commands ----

def test_control_command_is_not_a_mark(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "write EIO next")
    ctl = read_control(c)
    assert ctl["marks"] == 0 and ctl["faults"] == "write:EIO:at:1:times:1"
    [e] = fplog_py.parse(srv.log_path).entries
    assert e.type == fplog_py.FAULT


def test_control_command_stops_at_nul(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    c.pwrite(b"trim EIO next\0\0garbage", 512 * 1024)
    assert read_control(c)["faults"] == "trim:EIO:at:1:times:1"


def test_bad_control_command_is_einval_and_arms_nothing(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    with pytest.raises(nbd.Error) as ei:
        fault_command(c, "write EIO next; flush EXYZ next")
    assert ei.value.errno == "EINVAL"
    assert read_control(c)["faults"] == ""
    assert fplog_py.parse(srv.log_path).entries == []
    assert ('fault spec 2 "flush EXYZ next": word 2 "EXYZ": not an errno'
            in srv.stderr)


def test_control_command_range_past_the_disk_is_refused(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    with pytest.raises(nbd.Error) as ei:
        fault_command(c, "write EIO range 2M-3M")
    assert ei.value.errno == "EINVAL"
    assert "past the end of the 1048576-byte disk" in srv.stderr


def test_control_too_many_faults_is_refused_whole(flushpoint_server):
    srv, h, c = start(flushpoint_server)
    fault_command(c, "; ".join(["write EIO at 1000"] * 30))
    with pytest.raises(nbd.Error):
        fault_command(c, "read EIO; read EIO; read EIO")
    assert "32 faults are armed already" in srv.stderr
    assert read_control(c)["faults"].count(";") == 29
    fault_command(c, "clear write; read EIO; read EIO; read EIO")
    assert read_control(c)["faults"].count("read:EIO") == 3


def test_long_fault_command_is_logged_whole(flushpoint_server, fp_build):
    # Issue 12: the FAULT text of one command was cut at 4 KiB, which could
    # leave a line the FAULT grammar (LOG-FORMAT.md) refuses.  32 specs as
    # long as they get, then 32 latencies: over 5 KiB of text.
    srv, h, c = start(flushpoint_server)
    big = 18446744073709551615
    spec = (f"zero EOVERFLOW at {big} range 0-1M rate 0.123456 seed {big} "
            f"times {big}")
    lat = [f"latency {op} {n}ms" for op in ("read", "write", "flush", "trim")
           for n in range(1, 9)]
    fault_command(c, "; ".join([spec] * 32 + lat))
    srv.stop()
    text = faults(srv.log_path)[-1].payload.decode()
    assert len(text) > 4096
    assert text.count("armed id=") == 32 and text.count("latency ") == 32
    assert text.splitlines()[-1] == "latency spec=latency:trim:8ms"
    r = subprocess.run([str(fp_build.cli), "log", "verify", str(srv.log_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
