"""kill -9 the recorder during a write storm: every write a client saw
acknowledged is in the log, and the log ends cleanly or in a truncated
tail, never in corruption."""

import random
import struct
import subprocess
import threading
import time

import pytest

import nbd

import fplog_py

SIZE = 64 << 20


def _payload(t, i, n):
    unit = struct.pack("<II", t, i)
    return (unit * (n // 8 + 1))[:n]


def _verify_with_cli(fp_build, log_path, tail):
    """`flushpoint log verify` must agree with the Python parser.  Skipped
    (not failed) while the CLI is not built yet."""
    if not fp_build.cli_exists:
        return "flushpoint CLI not built: log verify not checked"
    out = subprocess.run([str(fp_build.cli), "log", "verify", str(log_path)],
                         capture_output=True, text=True, timeout=300)
    text = (out.stdout + out.stderr).lower()
    assert out.returncode == 0, out.stdout + out.stderr
    if tail == "truncated":
        assert "truncat" in text, out.stdout + out.stderr
    else:
        assert "truncat" not in text, out.stdout + out.stderr
    return None


def test_plugin_kill9_during_write_storm_loses_no_acked_write(
        flushpoint_server, fp_build, seed):
    srv = flushpoint_server(size=SIZE)
    handles = [srv.connect() for _ in range(2)]
    acked = [[], []]
    stop = threading.Event()

    def storm(t):
        rnd = random.Random(seed * 2 + t)
        h = handles[t]
        i = 0
        while not stop.is_set():
            # Big writes make it likely that SIGKILL lands mid-append.
            n = rnd.choice([512, 4096, 65536, 1 << 20, 4 << 20])
            off = rnd.randrange(0, (SIZE - n) // 512 + 1) * 512
            try:
                h.pwrite(_payload(t, i, n), off,
                         nbd.CMD_FLAG_FUA if rnd.random() < 0.2 else 0)
            except nbd.Error:
                return
            acked[t].append((i, off, n))
            i += 1

    threads = [threading.Thread(target=storm, args=(t,)) for t in (0, 1)]
    for th in threads:
        th.start()
    # Let both connections get going (a loaded machine may be slow to),
    # then kill at a random moment of the storm.
    deadline = time.monotonic() + 60
    while min(len(acked[0]), len(acked[1])) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(random.Random(seed).uniform(0.05, 0.5))
    srv.kill9()
    stop.set()
    for th in threads:
        th.join(60)

    log = fplog_py.parse(srv.log_path)       # raises on corruption
    print(f"seed={seed}: {len(log.entries)} entries, tail={log.tail}, "
          f"acked={len(acked[0])}+{len(acked[1])}")
    assert log.tail in ("clean", "truncated")
    assert acked[0] and acked[1], f"seed={seed}: the storm did not run"
    logged = {(e.offset, e.payload): e.seq for e in log.entries
              if e.type == fplog_py.WRITE}
    for t in (0, 1):
        last = -1
        for i, off, n in acked[t]:
            seq = logged.get((off, _payload(t, i, n)))
            assert seq is not None, \
                f"seed={seed}: acknowledged write {t}.{i} ({n}@{off}) missing"
            assert seq > last, f"seed={seed}: write {t}.{i} out of order"
            last = seq
    note = _verify_with_cli(fp_build, srv.log_path, log.tail)
    if note:
        print(note)


def test_plugin_log_cut_anywhere_reads_as_truncated_tail(
        flushpoint_server, fp_build, tmp_path, seed):
    # What kill -9 can leave, made on purpose: the log cut at any byte
    # inside the last entry is a truncated tail, never corruption, and
    # keeps every entry before it.
    srv = flushpoint_server()
    h = srv.connect()
    for i in range(6):
        h.pwrite(bytes([i + 1]) * 3000, i * 4096)
    h.flush()
    srv.stop()
    data = srv.log_path.read_bytes()
    full = fplog_py.parse_bytes(data)
    last = full.entries[-2]                 # the last WRITE
    rnd = random.Random(seed)
    cuts = {last.file_offset + 1, last.file_offset + 55,
            last.file_offset + 56, last.file_offset + 56 + 2999,
            rnd.randrange(last.file_offset + 1, full.entries[-1].file_offset)}
    for cut in sorted(cuts):
        log = fplog_py.parse_bytes(data[:cut])
        assert log.tail == "truncated", f"cut at {cut}"
        assert [e.seq for e in log.entries] == list(range(5)), f"cut at {cut}"
        p = tmp_path / f"cut{cut}.fpl"
        p.write_bytes(data[:cut])
        _verify_with_cli(fp_build, p, "truncated")
    # At an entry boundary the log simply ends.
    log = fplog_py.parse_bytes(data[:last.file_offset])
    assert log.tail == "clean" and len(log.entries) == 5


def test_plugin_parser_reports_corruption_in_the_middle(flushpoint_server):
    # The Python parser must not mistake damage for a truncated tail, or
    # the tests above could not fail.
    srv = flushpoint_server()
    h = srv.connect()
    for i in range(4):
        h.pwrite(bytes([i + 1]) * 100, 0)
    srv.stop()
    data = bytearray(srv.log_path.read_bytes())
    e1 = fplog_py.parse_bytes(bytes(data)).entries[1]
    data[e1.file_offset + 60] ^= 0xff           # a payload byte of entry 1
    with pytest.raises(fplog_py.FormatError, match="entry seq 1 at byte"):
        fplog_py.parse_bytes(bytes(data))
