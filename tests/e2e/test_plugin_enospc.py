"""The log on a small file system that fills up: the request that cannot be
logged fails with EIO and leaves no trace (not on the disk, not as a
partial entry); nothing acknowledged is missing; freeing space lets the
recording go on."""

import errno
import random
import subprocess

import pytest

import nbd

import fplog_py


@pytest.fixture
def small_fs(tmp_path):
    """A 1 MiB tmpfs.  Listed before flushpoint_server in a test's
    arguments, so that nbdkit is stopped before it is unmounted."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs",
                        str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (root needed): {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill_until_eio(h, rnd, model):
    acked = []
    for i in range(10000):
        n = rnd.randint(1, 65536)
        off = rnd.randrange(0, len(model) - n + 1)
        data = rnd.randbytes(n)
        try:
            h.pwrite(data, off, nbd.CMD_FLAG_FUA if i % 3 == 0 else 0)
        except nbd.Error as ex:
            return acked, (off, n, ex)
        model[off:off + n] = data
        acked.append((off, data))
    pytest.fail("the 1 MiB file system never filled up")


def test_plugin_full_log_fs_fails_write_with_eio(small_fs, flushpoint_server,
                                                  seed):
    rnd = random.Random(seed)
    srv = flushpoint_server(size="4M", log=small_fs / "run.fpl")
    h = srv.connect()
    model = bytearray(4 << 20)
    acked, (off, n, ex) = _fill_until_eio(h, rnd, model)
    assert ex.errnum == errno.EIO, f"seed={seed}: {ex}"
    assert "No space left on device" in srv.stderr
    assert "cannot log it" in srv.stderr

    # The failed write is not visible, the acknowledged ones all are.
    assert bytes(h.pread(n, off)) == model[off:off + n], f"seed={seed}"
    assert bytes(h.pread(len(model), 0)) == model, f"seed={seed}"

    # The log holds exactly the acknowledged writes and no partial entry.
    log = fplog_py.parse(srv.log_path)
    assert log.tail == "clean", f"seed={seed}: partial entry left behind"
    assert [(e.offset, e.payload) for e in log.entries] == acked
    assert log.file_size == srv.log_path.stat().st_size


def test_plugin_recording_resumes_after_space_is_freed(small_fs,
                                                       flushpoint_server,
                                                       seed):
    rnd = random.Random(seed)
    filler = small_fs / "filler"
    filler.write_bytes(b"\x01" * (512 * 1024))
    srv = flushpoint_server(size="4M", log=small_fs / "run.fpl")
    h = srv.connect()
    model = bytearray(4 << 20)
    acked, (off, n, ex) = _fill_until_eio(h, rnd, model)
    assert ex.errnum == errno.EIO

    filler.unlink()
    h.pwrite(b"after the storm", 100)
    h.flush()
    log = fplog_py.parse(srv.log_path)
    assert log.tail == "clean"
    assert [(e.type, e.offset, e.payload) for e in log.entries[-2:]] == \
        [(fplog_py.WRITE, 100, b"after the storm"), (fplog_py.FLUSH, 0, b"")]
    assert len(log.entries) == len(acked) + 2
    assert [e.seq for e in log.entries] == list(range(len(log.entries)))
