"""`flushpoint replay`: the image at each point of a hand-made log must equal
the reference model in fplog_build.LogBuilder.image()."""
import os

import pytest

from cli_common import fp
import fplog_build as fb

DEV = 1 << 20


def pattern(n, seed):
    return bytes((i * 31 + seed * 7 + (i >> 8)) & 0xFF for i in range(n))


def sample(base=None):
    """W W F M W(FUA) T Z F M W F M -- with overwrites, unaligned writes,
    and trims and zeroes over written data."""
    b = fb.LogBuilder(device_size=DEV, base=base)
    b.write(0, pattern(8192, 1))                  # 0
    b.write(4096 + 3, pattern(1000, 2))           # 1 unaligned overwrite
    b.flush()                                     # 2 flush #1
    b.mark("before fsync /a")                     # 3
    b.write(DEV - 4096, pattern(4096, 3), fua=True)  # 4
    b.trim(0, 4096)                               # 5
    b.zero(4096 + 512, 512)                       # 6
    b.flush()                                     # 7 flush #2
    b.mark("after fsync /a")                      # 8
    b.write(100, pattern(50, 4))                  # 9
    b.flush()                                     # 10 flush #3
    b.mark("the end")                             # 11
    return b


@pytest.fixture
def log(tmp_path):
    b = sample()
    return b, b.save(tmp_path / "run.fpl")


def replay(tmp_path, logpath, *args, out="out.img", cwd=None):
    r = fp("replay", logpath, "-o", tmp_path / out, *args, cwd=cwd)
    return r, tmp_path / out


def test_whole_log(tmp_path, log):
    b, path = log
    r, img = replay(tmp_path, path)
    assert r.returncode == 0, r.stderr
    assert img.read_bytes() == b.image()
    assert "entries:   0..11 applied (3 FLUSH" in r.stdout


def test_image_is_sparse_and_device_sized(tmp_path, log):
    _b, path = log
    _r, img = replay(tmp_path, path)
    st = os.stat(img)
    assert st.st_size == DEV
    assert st.st_blocks * 512 < DEV // 2


@pytest.mark.parametrize("n", range(12))
def test_to_entry(tmp_path, log, n):
    b, path = log
    r, img = replay(tmp_path, path, "--to-entry", n)
    assert r.returncode == 0, r.stderr
    assert img.read_bytes() == b.image(upto=n)


@pytest.mark.parametrize("k,upto", [(0, -1), (1, 2), (2, 7), (3, 10)])
def test_to_flush(tmp_path, log, k, upto):
    b, path = log
    r, img = replay(tmp_path, path, "--to-flush", k)
    assert r.returncode == 0, r.stderr
    assert img.read_bytes() == b.image(upto=upto)


def test_to_flush_zero_is_the_base_alone(tmp_path):
    base = pattern(65536, 9)
    b = sample(base=base)
    path = b.save(tmp_path / "b.fpl")
    (tmp_path / "base.img").write_bytes(base)
    r, img = replay(tmp_path, path, "--to-flush", 0)
    assert r.returncode == 0, r.stderr
    assert img.read_bytes() == base + bytes(DEV - len(base))
    assert "entries:   none applied" in r.stdout


@pytest.mark.parametrize("text,upto", [("fsync /a", 3), ("after", 8),
                                       ("the end", 11), ("before fsync /a", 3)])
def test_to_mark_first_substring_match(tmp_path, log, text, upto):
    b, path = log
    r, img = replay(tmp_path, path, "--to-mark", text)
    assert r.returncode == 0, r.stderr
    assert img.read_bytes() == b.image(upto=upto)
    assert f"MARK at entry {upto}" in r.stdout


def test_stop_point_not_in_log_leaves_no_image(tmp_path, log):
    _b, path = log
    for args, msg in [(["--to-entry", 12], "--to-entry 12: the log has only 12"),
                      (["--to-flush", 4], "--to-flush 4: the log has only 3 FLUSH"),
                      (["--to-mark", "nope"], '--to-mark: no MARK entry contains "nope"')]:
        r, img = replay(tmp_path, path, *args)
        assert r.returncode == 2
        assert f"flushpoint: replay: {path}: {msg}" in r.stderr
        assert not img.exists()


def test_truncated_tail_is_skipped_with_a_warning(tmp_path, log):
    b, path = log
    offs = b.offsets()
    path.write_bytes(path.read_bytes()[:offs[10] + 7])   # cut in flush #3
    r, img = replay(tmp_path, path)
    assert r.returncode == 0, r.stderr
    assert "warning" in r.stderr and "truncated tail after entry 9" in r.stderr
    assert img.read_bytes() == b.image(upto=9)
    r, img = replay(tmp_path, path, "--to-flush", 3)
    assert r.returncode == 2
    assert "truncated tail" in r.stderr


def test_corruption_before_the_stop_point_fails(tmp_path, log):
    b, path = log
    data = bytearray(path.read_bytes())
    data[b.offsets()[4] + 56 + 10] ^= 0xFF            # data of entry 4
    path.write_bytes(bytes(data))
    r, img = replay(tmp_path, path)
    assert r.returncode == 1
    assert f"log entry 4 at byte {b.offsets()[4]}: checksum mismatch" in r.stderr
    assert not img.exists()
    # A stop point before the damage is still reachable.
    r, img = replay(tmp_path, path, "--to-entry", 3)
    assert r.returncode == 0
    assert img.read_bytes() == b.image(upto=3)


def test_base_image_beside_the_log(tmp_path):
    base = pattern(65536, 5)
    b = sample(base=base)                     # header names "base.img"
    logdir = tmp_path / "logs"
    logdir.mkdir()
    path = b.save(logdir / "b.fpl")
    (logdir / "base.img").write_bytes(base)
    r, img = replay(tmp_path, path, "--to-flush", 1, cwd="/")
    assert r.returncode == 0, r.stderr
    assert img.read_bytes() == b.image(upto=2)
    assert img.read_bytes()[8192:65536] == base[8192:]


def test_base_option_overrides_header(tmp_path):
    base = pattern(65536, 5)
    b = sample(base=base)
    path = b.save(tmp_path / "b.fpl")
    (tmp_path / "moved.img").write_bytes(base)
    r, img = replay(tmp_path, path, "--base", tmp_path / "moved.img")
    assert r.returncode == 0, r.stderr
    assert img.read_bytes() == b.image()


def test_missing_base_says_so(tmp_path):
    b = sample(base=pattern(4096, 1))
    path = b.save(tmp_path / "b.fpl")
    r, img = replay(tmp_path, path)
    assert r.returncode == 2
    assert "base image base.img: open: No such file or directory" in r.stderr
    assert not img.exists()


def test_base_with_wrong_checksum_fails(tmp_path):
    base = pattern(65536, 5)
    b = sample(base=base)
    path = b.save(tmp_path / "b.fpl")
    wrong = bytearray(base)
    wrong[40000] ^= 1
    (tmp_path / "wrong.img").write_bytes(bytes(wrong))
    r, img = replay(tmp_path, path, "--base", tmp_path / "wrong.img")
    assert r.returncode == 2
    assert "wrong.img: checksum" in r.stderr and "not the same image" in r.stderr
    assert not img.exists()


def test_base_with_wrong_size_fails(tmp_path):
    base = pattern(65536, 5)
    path = sample(base=base).save(tmp_path / "b.fpl")
    (tmp_path / "short.img").write_bytes(base[:4096])
    r, img = replay(tmp_path, path, "--base", tmp_path / "short.img")
    assert r.returncode == 2
    assert "size 4096 bytes, but the log was recorded over a base of 65536" in r.stderr
    assert not img.exists()


def test_base_option_on_a_zeroes_log_fails(tmp_path, log):
    _b, path = log
    (tmp_path / "x.img").write_bytes(b"x" * 512)
    r, _img = replay(tmp_path, path, "--base", tmp_path / "x.img")
    assert r.returncode == 2
    assert "the log starts from zeroes" in r.stderr


def test_output_may_not_be_the_log(tmp_path, log):
    _b, path = log
    before = path.read_bytes()
    r = fp("replay", path, "-o", path)
    assert r.returncode == 2
    assert "the output is the log itself" in r.stderr
    assert path.read_bytes() == before


def test_existing_output_is_replaced(tmp_path, log):
    b, path = log
    (tmp_path / "out.img").write_bytes(b"\xff" * (2 * DEV))
    r, img = replay(tmp_path, path, "--to-entry", 0)
    assert r.returncode == 0
    assert img.read_bytes() == b.image(upto=0)


@pytest.mark.parametrize("args,msg", [
    (["--to-entry", "1", "--to-flush", "1"], "at most one of"),
    (["--to-entry", "x"], "--to-entry: 'x' is not a number"),
    (["--to-flush", "-1"], "--to-flush: '-1' is not a number"),
    (["--to-mark", ""], "--to-mark: empty text"),
])
def test_usage_errors(tmp_path, log, args, msg):
    _b, path = log
    r, img = replay(tmp_path, path, *args)
    assert r.returncode == 2
    assert msg in r.stderr
    assert not img.exists()


def test_missing_output_option(log):
    r = fp("replay", log[1])
    assert r.returncode == 2
    assert "missing -o IMAGE" in r.stderr


def test_not_a_log(tmp_path):
    p = tmp_path / "junk"
    p.write_bytes(b"junk" * 100)
    r, img = replay(tmp_path, p)
    assert r.returncode == 2
    assert "not a flushpoint log" in r.stderr
    assert not img.exists()


def test_output_that_is_not_a_regular_file_is_refused_and_kept(tmp_path, log):
    _b, path = log
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = fp("replay", path, "-o", fifo)
    assert r.returncode == 2
    assert f"flushpoint: replay: {fifo}: " in r.stderr
    assert fifo.exists()


def test_log_that_is_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = fp("log", "verify", fifo)
    assert r.returncode == 2
    assert f"{fifo}: not a regular file" in r.stderr
