"""`flushpoint log export|import --format dm-log-writes` (issue 16, part
2), checked against dmlw_py, an independent reader/replayer of the format
(the kernel's dm-log-writes module cannot be loaded here), and against
`flushpoint replay` itself."""
import hashlib
import json
import os

import pytest

from cli_common import REPO, fp
import dmlw_py as dm
import fplog_build as fb


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entries(log):
    r = fp("log", "dump", "--json", log)
    assert r.returncode == 0, r.stderr
    return [json.loads(l) for l in r.stdout.splitlines()
            if json.loads(l)["kind"] == "entry"]


def device_size(log):
    r = fp("log", "dump", "--json", log)
    return json.loads(r.stdout.splitlines()[0])["device_size"]


def replay_hash(log, seq, tmp_path):
    img = tmp_path / f"img-{seq}"
    r = fp("replay", log, "-o", img, "--to-entry", seq)
    assert r.returncode == 0, r.stderr
    h = sha(img)
    img.unlink()
    return h


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A real recording: a bundled workload run on the engine over nbdkit
    with the recording plugin."""
    d = tmp_path_factory.mktemp("rec")
    log = d / "run.fpl"
    r = fp("run", REPO / "workloads" / "append-fsync.wl", "--start-nbdkit",
           "--log", log)
    assert r.returncode == 0, r.stderr
    return log


def export(log, out, *args):
    return fp("log", "export", log, "--format", "dm-log-writes", "-o", out,
              *args)


def import_(src, out, *args):
    return fp("log", "import", src, "--format", "dm-log-writes", "-o", out,
              *args)


def points(log):
    """Seqs of every FLUSH and the last entry."""
    es = entries(log)
    return sorted({e["seq"] for e in es if e["type"] == "FLUSH"} |
                  {es[-1]["seq"]})


# ---- export ----

def test_export_replays_like_flushpoint_at_every_flush_point(recorded,
                                                             tmp_path):
    out = tmp_path / "run.dmlw"
    r = export(recorded, out)
    assert r.returncode == 0, r.stderr
    n = len(entries(recorded))
    ss, des = dm.read(out)
    assert len(des) == n                    # one entry for each entry
    size = device_size(recorded)
    seqs = points(recorded)
    assert len(seqs) > 2
    got = dm.replay_points(out, [s + 1 for s in seqs], size)
    for s in seqs:
        assert got[s + 1] == replay_hash(recorded, s, tmp_path), \
            f"replay-log --limit {s + 1} != flushpoint replay --to-entry {s}"


def test_export_maps_each_entry_type(tmp_path):
    b = fb.LogBuilder(device_size=1 << 20)
    b.write(4096, b"\x11" * 1024, fua=True)        # 0
    b.trim(4096, 512)                              # 1: over entry 0
    b.zero(4608, 512)                              # 2: over entry 0
    b.flush()                                      # 3
    b.mark("op 1 fsync /a")                        # 4
    b.fault("fired id=1 op=WRITE errno=EIO spec=write:EIO:next",
            offset=0, length=512)                  # 5
    log = b.save(tmp_path / "t.fpl")
    out = tmp_path / "t.dmlw"
    r = export(log, out)
    assert r.returncode == 0, r.stderr
    ss, es = dm.read(out)
    assert ss == 512 and len(es) == 6
    assert (es[0].sector, es[0].nr_sectors, es[0].flags) == (8, 2, dm.FUA)
    assert es[0].data == b"\x11" * 1024
    assert (es[1].sector, es[1].nr_sectors, es[1].flags) == (8, 1, dm.DISCARD)
    assert es[1].data == b""                       # no data follows a DISCARD
    assert (es[2].sector, es[2].nr_sectors, es[2].flags) == (9, 1, 0)
    assert es[2].data == bytes(512)                # ZERO: zeroed sectors
    assert (es[3].nr_sectors, es[3].flags) == (0, dm.FLUSH)
    assert (es[4].flags, es[4].text) == (dm.MARK, b"op 1 fsync /a")
    assert es[5].flags == dm.MARK
    assert es[5].text.startswith(b"flushpoint FAULT: fired id=1")
    # And each prefix replays to flushpoint's image (TRIM and ZERO over
    # written data included).
    for n in range(6):
        assert hashlib.sha256(dm.replay(out, n + 1, 1 << 20)).hexdigest() == \
            replay_hash(log, n, tmp_path), f"entry {n}"


def test_export_cuts_long_marks_with_a_warning(tmp_path):
    b = fb.LogBuilder(device_size=1 << 20)
    b.mark("x" * 2000)
    b.mark(b"ab\0cd")
    b.mark("short")
    log = b.save(tmp_path / "m.fpl")
    out = tmp_path / "m.dmlw"
    r = export(log, out)
    assert r.returncode == 0, r.stderr
    _ss, es = dm.read(out)
    assert es[0].text == b"x" * (512 - 33)          # log_mark(): sectorsize-33
    assert es[1].text == b"ab"                      # a C string: up to NUL
    assert es[2].text == b"short"
    assert "warning: 2 marks cut" in r.stderr
    assert "first: entry 0, 2000 bytes" in r.stderr


def test_export_refuses_an_unaligned_write(tmp_path):
    b = fb.LogBuilder(device_size=1 << 20)
    b.write(0, b"a" * 512)
    b.write(100, b"hello")
    log = b.save(tmp_path / "u.fpl")
    out = tmp_path / "u.dmlw"
    r = export(log, out)
    assert r.returncode == 2
    assert "entry 1 at byte" in r.stderr and "not whole 512-byte sectors" \
        in r.stderr
    assert not out.exists() and not list(tmp_path.glob("u.dmlw.tmp*"))


def test_export_leaves_out_a_truncated_tail_with_a_warning(tmp_path):
    b = fb.LogBuilder(device_size=1 << 20)
    b.write(0, b"a" * 512)
    b.flush()
    b.write(512, b"b" * 512)
    log = b.save(tmp_path / "t.fpl")
    log.write_bytes(log.read_bytes()[:-100])        # the last entry cut
    out = tmp_path / "t.dmlw"
    r = export(log, out)
    assert r.returncode == 0, r.stderr
    assert "warning:" in r.stderr and "truncated tail" in r.stderr
    assert "2 entries" in r.stdout and "truncated tail left out" in r.stdout
    assert len(dm.read(out)[1]) == 2


def test_export_of_a_log_over_a_base_image_warns(tmp_path):
    b = fb.LogBuilder(device_size=1 << 20, base=b"\x07" * 4096,
                      base_path="/srv/base.img")
    b.write(0, b"a" * 512)
    log = b.save(tmp_path / "b.fpl")
    r = export(log, tmp_path / "b.dmlw")
    assert r.returncode == 0, r.stderr
    assert "starts from the base image /srv/base.img" in r.stderr


def test_export_of_a_corrupt_log_exits_1(tmp_path):
    b = fb.LogBuilder(device_size=1 << 20)
    b.write(0, b"a" * 512)
    b.write(512, b"b" * 512)
    log = b.save(tmp_path / "c.fpl")
    data = bytearray(log.read_bytes())
    data[b.offsets()[0] + 60] ^= 0xff               # entry 0's data
    log.write_bytes(bytes(data))
    r = export(log, tmp_path / "c.dmlw")
    assert r.returncode == 1
    assert "checksum" in r.stderr


# ---- round trip and import ----

def test_round_trip_gives_the_same_image_at_every_flush_point(recorded,
                                                              tmp_path):
    out, back = tmp_path / "run.dmlw", tmp_path / "back.fpl"
    assert export(recorded, out).returncode == 0
    r = import_(out, back, "--size", device_size(recorded))
    assert r.returncode == 0, r.stderr
    assert fp("log", "verify", back).returncode == 0
    assert len(entries(back)) == len(entries(recorded))
    for s in points(recorded):
        assert replay_hash(back, s, tmp_path) == \
            replay_hash(recorded, s, tmp_path), f"entry {s}"


def hand_built():
    d = dm.DmLog(512)
    d.write(0, b"\xaa" * 1024)                      # 0: sectors 0-1
    d.write(8, b"\xbb" * 512, fua=True)             # 1
    d.flush()                                       # 2
    d.mark("mkfs")                                  # 3
    d.discard(1, 1)                                 # 4: sector 1 -> zeroes
    d.write(20, bytes(range(256)) * 2)              # 5: highest: sector 20
    d.entries.append(dm.Entry(0, 0, dm.FLUSH | dm.FUA))   # 6
    d.mark("")                                      # 7: empty text
    return d


def test_hand_built_file_imports_and_replays_to_the_expected_bytes(tmp_path):
    src = hand_built().save(tmp_path / "h.dmlw")
    log = tmp_path / "h.fpl"
    r = import_(src, log)
    assert r.returncode == 0, r.stderr
    assert "device 10752 bytes (the highest sector written)" in r.stdout
    assert "give --size the logged device's size" in r.stderr
    es = entries(log)
    assert [(e["type"], e["flags"]) for e in es] == [
        ("WRITE", []), ("WRITE", ["FUA"]), ("FLUSH", []), ("MARK", []),
        ("TRIM", []), ("WRITE", []), ("FLUSH", []), ("MARK", [])]
    assert es[3]["text"] == "mkfs" and es[7]["text"] == "\u0000"
    assert (es[4]["offset"], es[4]["length"]) == (512, 512)
    expect = bytearray(10752)
    expect[0:512] = b"\xaa" * 512                   # sector 1 discarded
    expect[4096:4608] = b"\xbb" * 512
    expect[10240:10752] = bytes(range(256)) * 2
    img = tmp_path / "h.img"
    assert fp("replay", log, "-o", img).returncode == 0
    assert img.read_bytes() == bytes(expect)
    for n in range(8):                              # each prefix, both ways
        assert replay_hash(log, n, tmp_path) == hashlib.sha256(
            dm.replay(src, n + 1, 10752)).hexdigest()


def test_import_is_deterministic(tmp_path):
    src = hand_built().save(tmp_path / "h.dmlw")
    a, b = tmp_path / "a.fpl", tmp_path / "b.fpl"
    assert import_(src, a).returncode == 0
    assert import_(src, b).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_import_size_option_sets_the_device(tmp_path):
    src = hand_built().save(tmp_path / "h.dmlw")
    log = tmp_path / "h.fpl"
    assert import_(src, log, "--size", 1 << 20).returncode == 0
    assert device_size(log) == 1 << 20


def test_import_flush_with_data_becomes_flush_then_write(tmp_path):
    d = dm.DmLog(512)
    d.write(0, b"a" * 512, flush=True)
    d.write(1, b"b" * 512)
    src = d.save(tmp_path / "f.dmlw")
    log = tmp_path / "f.fpl"
    r = import_(src, log)
    assert r.returncode == 0, r.stderr
    assert [e["type"] for e in entries(log)] == ["FLUSH", "WRITE", "WRITE"]
    assert "entry 0 at byte 512 is a FLUSH with 1 sectors" in r.stderr
    assert "entry index + 1" in r.stderr


# ---- malformed input: each error names the file, entry and byte ----

def malformed(kind):
    d = dm.DmLog(512)
    d.write(0, b"a" * 512)
    d.write(1, b"b" * 1024)
    if kind == "magic":
        return d.encode(magic=0x1234)
    if kind == "version":
        return d.encode(version=2)
    if kind == "truncated":
        return d.encode()[:-100]
    if kind == "nr_entries":
        return d.encode(nr_entries=99)
    if kind == "data_len":
        d.raw(5, 1, 0, 7, data=b"c" * 512)
    elif kind == "mark_sectors":
        d.raw(0, 3, dm.MARK, 2, body=b"hi")
    elif kind == "flags":
        d.raw(5, 1, 64, 0, data=b"c" * 512)
    elif kind == "padding":
        d.raw(5, 1, 0, 0, body=b"junk", data=b"c" * 512)
    elif kind == "no_sectors":
        d.raw(5, 0, dm.FUA, 0)
    return d.encode()


@pytest.mark.parametrize("kind,code,msg", [
    ("magic", 1, "byte 0: bad magic 0x1234"),
    ("version", 1, "byte 8: version 2, this reader knows version 1 only"),
    ("truncated", 1, "entry 1 at byte 1536: truncated entry: 1024 data "
                     "bytes, the file has 924 after the header"),
    ("nr_entries", 1, "byte 16: nr_entries 99 cannot fit"),
    ("data_len", 1, "entry 2 at byte 3072: data_len 7 on an entry that is "
                    "not a MARK (data_len and nr_sectors inconsistent)"),
    ("mark_sectors", 1, "entry 2 at byte 3072: a MARK with nr_sectors 3"),
    ("flags", 1, "entry 2 at byte 3072: unknown flags 0x40"),
    ("padding", 1, "entry 2 at byte 3072: non-zero bytes after the entry "
                   "header"),
    ("no_sectors", 1, "entry 2 at byte 3072: no sectors, and neither a "
                      "FLUSH nor a MARK"),
])
def test_import_refuses_malformed_input(tmp_path, kind, code, msg):
    src = tmp_path / "bad.dmlw"
    src.write_bytes(malformed(kind))
    out = tmp_path / "bad.fpl"
    r = import_(src, out)
    assert r.returncode == code, r.stderr
    assert f"flushpoint: log import: {src}: {msg}" in r.stderr
    assert not out.exists() and not list(tmp_path.glob("bad.fpl.tmp*"))


def test_import_refuses_a_sector_beyond_size(tmp_path):
    src = hand_built().save(tmp_path / "h.dmlw")
    r = import_(src, tmp_path / "h.fpl", "--size", 8192)
    assert r.returncode == 2
    assert "entry 5 at byte 4608: sectors 20..20 end at byte 10752, beyond " \
           "the device (--size 8192 bytes)" in r.stderr


def test_import_of_a_log_with_no_writes_needs_size(tmp_path):
    d = dm.DmLog(512)
    d.flush()
    src = d.save(tmp_path / "e.dmlw")
    r = import_(src, tmp_path / "e.fpl")
    assert r.returncode == 2 and "give --size" in r.stderr
    assert import_(src, tmp_path / "e.fpl", "--size", 4096).returncode == 0


# ---- output refusals, both commands ----

@pytest.fixture(params=["export", "import"])
def conv(request, tmp_path):
    if request.param == "export":
        b = fb.LogBuilder(device_size=1 << 20)
        b.write(0, b"a" * 512)
        src = b.save(tmp_path / "in.fpl")
        return export, src
    return import_, hand_built().save(tmp_path / "in.dmlw")


def test_output_may_not_be_the_input(conv, tmp_path):
    fn, src = conv
    before = src.read_bytes()
    r = fn(src, src, "--force")
    assert r.returncode == 2 and f"-o {src}: is the input" in r.stderr
    assert src.read_bytes() == before


def test_existing_output_needs_force(conv, tmp_path):
    fn, src = conv
    out = tmp_path / "out"
    out.write_bytes(b"keep me")
    r = fn(src, out)
    assert r.returncode == 2 and "exists (give --force" in r.stderr
    assert out.read_bytes() == b"keep me"
    r = fn(src, out, "--force")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() != b"keep me"
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_fifo_and_dev_null_are_refused(conv, tmp_path):
    fn, src = conv
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = fn(src, fifo, "--force")
    assert r.returncode == 2 and "is a FIFO, not a regular file" in r.stderr
    r = fn(src, "/dev/null", "--force")
    assert r.returncode == 2 and \
        "is a character device, not a regular file" in r.stderr


def test_format_is_required_and_checked(conv, tmp_path):
    fn, src = conv
    cmd = "export" if fn is export else "import"
    r = fp("log", cmd, src, "-o", tmp_path / "o")
    assert r.returncode == 2 and "missing --format dm-log-writes" in r.stderr
    r = fp("log", cmd, src, "--format", "qcow2", "-o", tmp_path / "o")
    assert r.returncode == 2 and "'qcow2' is not a format" in r.stderr


# ---- check on an imported log: fsck only ----

def test_check_of_an_imported_log_runs_fsck_at_every_flush_point(recorded,
                                                                 tmp_path):
    out, back = tmp_path / "run.dmlw", tmp_path / "back.fpl"
    assert export(recorded, out).returncode == 0
    assert import_(out, back, "--size", device_size(recorded)).returncode == 0
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    r = fp("check", back, "-q", "--html", html, "--json", js)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "oracle:    none (no oracle marks" in r.stdout
    assert "fsck only" in r.stdout
    j = json.loads(js.read_text())
    assert j["fsck_only"] is True
    # Every flush point (and the end) is a state, each recovered and
    # fsck'd: none before the file system, none violated.
    assert j["states"]["total"] == len(points(back)) == j["states"]["checked"]
    assert j["properties"]["fsck"]["held"] == j["states"]["checked"]
    assert j["properties"]["data"]["held"] == 0        # no promise checked
    assert "fsck only" in html.read_text() and "<svg" in html.read_text()


def test_fsck_only_check_skips_the_states_before_the_file_system(recorded,
                                                               tmp_path):
    # Write states start at the first write of mkfs: the early ones hold no
    # file system yet, and are skipped, not violations.
    out, back = tmp_path / "run.dmlw", tmp_path / "back.fpl"
    assert export(recorded, out).returncode == 0
    assert import_(out, back, "--size", device_size(recorded)).returncode == 0
    js = tmp_path / "w.json"
    r = fp("check", back, "-q", "--states", "flush,write", "--json", js)
    assert r.returncode == 0, r.stdout + r.stderr
    st = json.loads(js.read_text())["states"]
    assert st["skipped"] > 0 and st["checked"] > 0 and st["violated"] == 0
    assert st["skipped"] + st["checked"] == st["total"]


def test_fsck_only_check_finds_a_state_that_does_not_recover(recorded,
                                                             tmp_path):
    # After the file system exists, wipe its first 64 KiB and flush: that
    # flush state cannot be recovered, which is a violation, not "before
    # mkfs".
    out = tmp_path / "run.dmlw"
    assert export(recorded, out).returncode == 0
    ss, es = dm.read(out)
    d = dm.DmLog(ss)
    d.entries = es
    d.write(0, bytes(65536))
    d.flush()
    bad = d.save(tmp_path / "bad.dmlw")
    back = tmp_path / "bad.fpl"
    assert import_(bad, back, "--size", device_size(recorded)).returncode == 0
    r = fp("check", back, "-q")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "recovery failed" in r.stdout


def test_fsck_only_check_of_a_log_with_no_file_system_is_an_input_error(
        tmp_path):
    b = fb.LogBuilder(device_size=1 << 20)
    b.write(0, b"\1" * 512)
    b.flush()
    log = b.save(tmp_path / "plain.fpl")
    r = fp("check", log, "-q")
    assert r.returncode == 2
    assert "none of the 1 crash states holds a file system that the engine " \
           "can recover" in r.stderr


def test_import_without_size_can_be_too_small_for_the_file_system(
        recorded, tmp_path):
    # The highest sector written ends before the file system does: no state
    # mounts, and check says why it might be.
    out, back = tmp_path / "run.dmlw", tmp_path / "small.fpl"
    assert export(recorded, out).returncode == 0
    r = import_(out, back)
    assert r.returncode == 0 and "give --size" in r.stderr
    assert device_size(back) < device_size(recorded)
    r = fp("check", back, "-q")
    assert r.returncode == 2 and "`log import --size`" in r.stderr


def test_fs_option_is_refused_on_a_log_with_oracle_marks(recorded):
    r = fp("check", recorded, "-q", "--fs", "engine")
    assert r.returncode == 2
    assert "--fs and --mount are for logs without them" in r.stderr


def test_kernel_ext4_recording_round_trips_and_checks_fsck_only(tmp_path):
    # What a dm-log-writes user has: a recording of the kernel's ext4.  Here
    # it is made by `run --fs ext4`, exported, imported, and checked with
    # the kernel (loop + mount + e2fsck) at every flush point.
    r = fp("probe", "ext4", timeout=60)
    if r.returncode != 0:
        pytest.skip(r.stdout.strip())
    wl = tmp_path / "k.wl"
    wl.write_text("creat /log\nappend /log 8K seed=1\nfsync /log\n")
    log = tmp_path / "k.fpl"
    r = fp("run", wl, "--fs", "ext4", "--start-nbdkit", "--log", log)
    assert r.returncode == 0, r.stdout + r.stderr
    out, back = tmp_path / "k.dmlw", tmp_path / "back.fpl"
    assert export(log, out).returncode == 0
    assert import_(out, back, "--size", device_size(log)).returncode == 0
    for s in points(log):
        assert replay_hash(back, s, tmp_path) == replay_hash(log, s, tmp_path)
    js = tmp_path / "k.json"
    r = fp("check", back, "-q", "--fs", "ext4", "--json", js, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    j = json.loads(js.read_text())
    assert j["fs"] == "ext4" and j["fsck_only"] and j["fsck_ran"]
    assert j["states"]["checked"] > 0 and j["states"]["violated"] == 0
    # The same states do not hold an xfs: nothing recovers, and check says
    # which file system it tried.
    r = fp("check", back, "-q", "--fs", "xfs", timeout=600)
    assert r.returncode == 2 and "the kernel's xfs can recover" in r.stderr
