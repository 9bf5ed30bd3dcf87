"""`flushpoint log dump` and `flushpoint log verify` on hand-made logs
(built by fplog_build.py from the format, not by the plugin)."""
import json
import struct

import pytest

from cli_common import fp
import fplog_build as fb

T0 = 1732217000123456789          # 2024-11-21T19:23:20.123456789Z


def sample():
    b = fb.LogBuilder(device_size=1 << 20, created_ns=T0)
    b.write(4096, bytes(range(256)) * 16, fua=True)
    b.write(100, b"hello")
    b.flush()
    b.mark("op 1 fsync /a")
    b.trim(0, 8192)
    b.zero(8192, 512, fua=True)
    b.mark(b'bin\x00\xff\n"\\')
    b.flush()
    return b


@pytest.fixture
def log(tmp_path):
    b = sample()
    path = tmp_path / "run.fpl"
    b.save(path, timestamp_ns=T0)
    return b, path


def cut(path, nbytes):
    data = path.read_bytes()
    path.write_bytes(data[:nbytes])


def flip(path, offset, mask=0x01):
    data = bytearray(path.read_bytes())
    data[offset] ^= mask
    path.write_bytes(bytes(data))


# ---- dump ----

def test_dump_prints_the_header(log):
    _b, path = log
    r = fp("log", "dump", path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "version:      1" in lines
    assert "uuid:         00010203-0405-0607-0809-0a0b0c0d0e0f" in lines
    assert "device size:  1048576 bytes" in lines
    assert "sector size:  512 bytes" in lines
    assert "base:         zeroes" in lines
    assert "created:      2024-11-21T19:23:20.123456789Z" in lines


def test_dump_prints_one_line_per_entry(log):
    b, path = log
    out = fp("log", "dump", path).stdout.splitlines()
    first = next(i for i, l in enumerate(out) if l.split()[:2] == ["seq", "type"])
    rows = out[first + 1:-1]
    assert len(rows) == len(b.entries)
    f = [row.split() for row in rows]
    assert f[0][:5] == ["0", "WRITE", "FUA", "4096", "4096"]
    assert f[0][5] == "2024-11-21T19:23:20.123456789Z"
    assert f[0][6:] == ["xxh3", "%016x" % fb.xxh3(bytes(range(256)) * 16)]
    assert f[1][:5] == ["1", "WRITE", "-", "100", "5"]
    assert f[2][:5] == ["2", "FLUSH", "-", "0", "0"]
    assert rows[3].endswith('"op 1 fsync /a"')
    assert f[4][:5] == ["4", "TRIM", "-", "0", "8192"]
    assert f[5][:5] == ["5", "ZERO", "FUA", "8192", "512"]
    assert rows[6].endswith(r'"bin\x00\xff\n\"\\"')
    assert out[-1] == "end: clean, 8 entries"


def test_dump_shows_base_image(tmp_path):
    base = bytes(range(256)) * 64
    b = fb.LogBuilder(device_size=1 << 20, base=base, base_path="/srv/base.img")
    b.flush()
    r = fp("log", "dump", b.save(tmp_path / "b.fpl"))
    assert r.returncode == 0
    assert ("base:         image /srv/base.img (16384 bytes, xxh3 %016x)"
            % fb.xxh3(base)) in r.stdout.splitlines()
    assert "created:      - (deterministic log)" in r.stdout


def test_dump_json_lines(log):
    b, path = log
    r = fp("log", "dump", "--json", path)
    assert r.returncode == 0, r.stderr
    objs = [json.loads(l) for l in r.stdout.splitlines()]
    h, entries, end = objs[0], objs[1:-1], objs[-1]
    assert h["kind"] == "header" and h["version"] == 1
    assert h["device_size"] == 1 << 20 and h["sector_size"] == 512
    assert h["base"] == {"kind": "zeroes"}
    assert h["created"] == "2024-11-21T19:23:20.123456789Z"
    assert h["uuid"] == "00010203-0405-0607-0809-0a0b0c0d0e0f"
    offs = b.offsets()
    assert [e["seq"] for e in entries] == list(range(len(b.entries)))
    for e, (t, flags, off, length, payload), foff in zip(entries, b.entries, offs):
        assert e["kind"] == "entry"
        assert e["type"] == ["?", "WRITE", "TRIM", "ZERO", "FLUSH", "MARK"][t]
        assert e["flags"] == (["FUA"] if flags & fb.F_FUA else [])
        assert (e["offset"], e["length"]) == (off, length)
        assert e["file_offset"] == foff and e["timestamp_ns"] == T0
    assert entries[0]["data_xxh3"] == "%016x" % fb.xxh3(b.entries[0][4])
    assert entries[3]["text"] == "op 1 fsync /a"
    assert entries[6]["payload_hex"] == b'bin\x00\xff\n"\\'.hex()
    assert end == {"kind": "end", "state": "clean", "entries": 8,
                   "last_seq": 7, "offset": offs[-1]}


def test_dump_truncated_tail_warns(log):
    b, path = log
    cut(path, b.offsets()[-2] + 30)
    r = fp("log", "dump", path)
    assert r.returncode == 0
    assert "flushpoint: log dump: warning: " in r.stderr
    assert "truncated tail after entry 6" in r.stdout.splitlines()[-1]
    r = fp("log", "dump", "--json", path)
    end = json.loads(r.stdout.splitlines()[-1])
    assert end["state"] == "truncated" and end["last_seq"] == 6
    assert end["offset"] == b.offsets()[-2]
    assert fp("log", "dump", "--strict", path).returncode == 1


def test_dump_corrupt_entry_fails(log):
    b, path = log
    flip(path, b.offsets()[3] + 60)
    r = fp("log", "dump", "--json", path)
    assert r.returncode == 1
    assert (f"flushpoint: log dump: {path}: log entry 3 at byte {b.offsets()[3]}: "
            "checksum mismatch") in r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1 + 3 + 1          # header, entries 0..2, end
    assert json.loads(lines[-1])["state"] == "corrupt"


# ---- verify ----

def test_verify_clean_log_summary(log):
    b, path = log
    r = fp("log", "verify", path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout.splitlines()
    assert ("entries:   8 (WRITE 2, TRIM 1, ZERO 1, FLUSH 2, MARK 2, FAULT 0)"
            in out)
    assert "bytes:     WRITE 4101, TRIM 8192, ZERO 512" in out
    assert "last seq:  7" in out
    assert f"end:       clean end at byte {b.offsets()[-1]}" in out
    assert out[-1] == "result:    ok"


@pytest.mark.parametrize("into", [1, 8, 20, 48, 55])
def test_verify_truncated_tail_is_a_warning(log, into):
    b, path = log
    last = b.offsets()[-2]              # the final FLUSH starts here
    cut(path, last + into)
    r = fp("log", "verify", path)
    assert r.returncode == 0
    want = f"truncated tail after entry 6 (byte {last})"
    assert want in r.stdout
    assert f"flushpoint: log verify: warning: {path}: {want}" in r.stderr
    assert "last seq:  6" in r.stdout.splitlines()
    assert r.stdout.splitlines()[-1] == "result:    ok, with a truncated tail"


def test_verify_strict_fails_on_truncated_tail(log):
    b, path = log
    cut(path, b.offsets()[-2] + 10)
    r = fp("log", "verify", "--strict", path)
    assert r.returncode == 1
    assert "(--strict)" in r.stderr
    assert r.stdout.splitlines()[-1] == "result:    FAILED"


def test_verify_strict_passes_clean_log(log):
    assert fp("log", "verify", "--strict", log[1]).returncode == 0


def test_verify_corrupt_middle_entry_names_it(log):
    b, path = log
    off = b.offsets()[4]
    flip(path, off + 20)                 # seq field of entry 4
    r = fp("log", "verify", path)
    assert r.returncode == 1
    assert (f"flushpoint: log verify: {path}: log entry 4 at byte {off}: "
            "checksum mismatch") in r.stderr
    assert "last seq:  3" in r.stdout.splitlines()
    assert r.stdout.splitlines()[-1] == "result:    FAILED"


def test_verify_wrong_seq_with_good_checksum(tmp_path):
    data = (fb.header(1 << 20) + fb.entry(0, fb.FLUSH) + fb.entry(5, fb.FLUSH)
            + fb.entry(2, fb.FLUSH))
    path = tmp_path / "seq.fpl"
    path.write_bytes(data)
    r = fp("log", "verify", path)
    assert r.returncode == 1
    assert "log entry 1 at byte 152: seq 5, expected 1" in r.stderr


def test_verify_range_past_device_end(tmp_path):
    path = tmp_path / "range.fpl"
    path.write_bytes(fb.header(1 << 20) + fb.entry(0, fb.TRIM, (1 << 20) - 512, 1024))
    r = fp("log", "verify", path)
    assert r.returncode == 1
    assert "runs past the device end" in r.stderr


def test_verify_bad_header_checksum_is_a_failed_check(tmp_path):
    h = bytearray(fb.header(1 << 20))
    h[30] ^= 1
    path = tmp_path / "h.fpl"
    path.write_bytes(bytes(h))
    r = fp("log", "verify", path)
    assert r.returncode == 1
    assert f"{path}: header checksum mismatch" in r.stderr


@pytest.mark.parametrize("content,msg", [
    (b"", "empty file, not a flushpoint log"),
    (b"hello, this is not a log at all\n" * 4, "not a flushpoint log (bad magic)"),
    (fb.header(1 << 20, version=2), "unsupported log version 2"),
])
def test_verify_unusable_input_exits_2(tmp_path, content, msg):
    path = tmp_path / "x.fpl"
    path.write_bytes(content)
    r = fp("log", "verify", path)
    assert r.returncode == 2
    assert f"flushpoint: log verify: {path}: {msg}" in r.stderr


def test_verify_missing_file_exits_2(tmp_path):
    r = fp("log", "verify", tmp_path / "nope.fpl")
    assert r.returncode == 2
    assert "nope.fpl: open: No such file or directory" in r.stderr


def test_verify_header_only_log(tmp_path):
    path = tmp_path / "empty.fpl"
    path.write_bytes(fb.header(1 << 20))
    r = fp("log", "verify", path)
    assert r.returncode == 0
    assert "entries:   0 (" in r.stdout and "last seq:  none" in r.stdout


def test_verify_huge_payload_len_in_middle(log):
    b, path = log
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, b.offsets()[2] + 8, 0xFFFFFFFF)
    path.write_bytes(bytes(data))
    r = fp("log", "verify", path)
    assert r.returncode == 1
    assert "log entry 2 at byte" in r.stderr and "exceeds the maximum" in r.stderr


def test_dump_fault_entry_shows_failed_flag_and_text(tmp_path):
    b = fb.LogBuilder(device_size=1 << 20)
    b.fault("fired id=1 op=WRITE errno=EIO spec=x", 4096, 512)
    path = b.save(tmp_path / "f.fpl")
    rows = fp("log", "dump", path).stdout.splitlines()
    row = next(l for l in rows if l.split()[:1] == ["0"])
    assert row.split()[:5] == ["0", "FAULT", "FAILED", "4096", "512"]
    assert row.endswith('"fired id=1 op=WRITE errno=EIO spec=x"')
    e = json.loads(fp("log", "dump", "--json", path).stdout.splitlines()[1])
    assert e["flags"] == ["FAILED"] and e["text"] == "fired id=1 op=WRITE errno=EIO spec=x"


def test_dump_json_mark_with_nul_in_utf8_is_text(tmp_path):
    # Issue 12: a NUL inside valid UTF-8 printed as payload_hex, while the
    # help says a UTF-8 payload prints as text.
    b = fb.LogBuilder(device_size=1 << 20)
    b.mark("caf\u00e9\0end")
    path = b.save(tmp_path / "m.fpl")
    r = fp("log", "dump", "--json", path)
    assert r.returncode == 0, r.stderr
    e = json.loads(r.stdout.splitlines()[1])
    assert e["text"] == "caf\u00e9\0end" and "payload_hex" not in e
    assert "\\u0000" in r.stdout.splitlines()[1]
