"""`flushpoint mount`: the engine served through FUSE (fuse/).  Ordinary
system calls on the mount must do what the engine's own calls do: each
test makes changes through the mount, unmounts, and reads the image back
with the engine alone (`flushpoint ls`, `cat`, `fsck`), which is the model
the mount has to agree with.

Needs root and /dev/fuse.
"""
import errno
import fcntl
import hashlib
import os
import signal
import struct
import subprocess
import time
from pathlib import Path

import pytest

from cli_common import FLUSHPOINT, fp

FS_IOC_GETVERSION = 0x80087601


@pytest.fixture(autouse=True)
def _need_fuse():
    if not Path("/dev/fuse").exists() or os.geteuid() != 0:
        if os.geteuid() == 0:
            pytest.fail("root without /dev/fuse")
        pytest.skip("needs root and /dev/fuse")


def _image(tmp_path, size="64M"):
    img = tmp_path / "img.fpfs"
    r = fp("mkfs", img, "--size", size)
    assert r.returncode == 0, r.stderr
    return img


class Mount:
    def __init__(self, tmp_path, src, *extra):
        self.dir = tmp_path / "mnt"
        self.dir.mkdir(exist_ok=True)
        ready = tmp_path / "ready"
        ready.unlink(missing_ok=True)
        self.p = subprocess.Popen(
            [str(FLUSHPOINT), "mount", *map(str, src), str(self.dir),
             "--ready-file", str(ready), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(200):
            if ready.exists() or self.p.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), self.p.communicate(timeout=10)

    def umount(self):
        subprocess.run(["umount", str(self.dir)], check=True)
        out, err = self.p.communicate(timeout=30)
        assert self.p.returncode == 0, err
        _not_mounted(self.dir)
        return err


def _not_mounted(d):
    assert str(d) not in Path("/proc/mounts").read_text()


def _ls(img):
    r = fp("ls", img, "-R", "-l")
    assert r.returncode == 0, r.stderr
    return r.stdout


def _cat(img, path):
    r = subprocess.run([str(FLUSHPOINT), "cat", str(img), path],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _fsck_clean(img):
    r = fp("fsck", img)
    assert r.returncode == 0 and "clean" in r.stdout, r.stdout + r.stderr


def test_posix_calls_reach_the_engine(tmp_path):
    """create, write, read, rename, link, unlink, truncate, fsync,
    fdatasync, mkdir, rmdir, symlink, chmod, utimens, xattrs, fallocate,
    readdir: the engine alone finds exactly what the mount did."""
    img = _image(tmp_path)
    m = Mount(tmp_path, [img])
    d = m.dir
    data = os.urandom(20000)
    fd = os.open(d / "a", os.O_CREAT | os.O_WRONLY, 0o640)
    assert os.write(fd, data) == len(data)
    os.fsync(fd)
    os.fdatasync(fd)
    os.close(fd)
    assert (d / "a").read_bytes() == data
    os.mkdir(d / "sub")
    os.rename(d / "a", d / "sub" / "b")
    os.link(d / "sub" / "b", d / "c")
    assert os.stat(d / "c").st_nlink == 2
    assert os.stat(d / "c").st_ino == os.stat(d / "sub" / "b").st_ino
    os.truncate(d / "c", 5000)
    (d / "gone").write_bytes(b"x")
    os.unlink(d / "gone")
    os.mkdir(d / "empty")
    os.rmdir(d / "empty")
    os.symlink("sub/b", d / "s")
    assert os.readlink(d / "s") == "sub/b"
    os.chmod(d / "c", 0o600)
    os.utime(d / "c", ns=(1_000_000_000, 2_000_000_123))
    os.setxattr(d / "c", "user.k", b"value")
    assert os.getxattr(d / "c", "user.k") == b"value"
    assert "user.k" in os.listxattr(d / "c")
    fd = os.open(d / "f", os.O_CREAT | os.O_RDWR, 0o644)
    os.posix_fallocate(fd, 0, 8192)
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(dfd)                               # fsyncdir
    os.close(dfd)
    os.close(fd)
    assert sorted(os.listdir(d)) == ["c", "f", "s", "sub"]
    st = os.stat(d / "c")
    assert st.st_size == 5000 and st.st_mode & 0o777 == 0o600
    assert st.st_mtime_ns == 2_000_000_123
    m.umount()
    text = _ls(img)
    assert "/sub/b" in text and "/c" in text and "/gone" not in text
    assert "/empty" not in text
    assert _cat(img, "/c") == data[:5000]
    assert _cat(img, "/sub/b") == data[:5000]
    assert _cat(img, "/f") == b"\0" * 8192
    _fsck_clean(img)


def test_inode_identity_is_the_engines(tmp_path):
    """st_ino and FS_IOC_GETVERSION are the engine's (ino, generation): a
    file removed and made again under its name has another identity."""
    img = _image(tmp_path)
    m = Mount(tmp_path, [img])
    p = m.dir / "x"
    p.write_bytes(b"1")

    def ident():
        fd = os.open(p, os.O_RDONLY)
        try:
            gen = struct.unpack("l", fcntl.ioctl(fd, FS_IOC_GETVERSION,
                                                 b"\0" * 8))[0]
            return os.fstat(fd).st_ino, gen & 0xffffffff
        finally:
            os.close(fd)
    first = ident()
    assert first[0] > 2
    os.unlink(p)
    p.write_bytes(b"2")
    second = ident()
    assert second != first
    m.umount()


def test_unlinked_open_file_stays_usable(tmp_path):
    """An open file that loses its last name is still read and written
    through its descriptor (the engine keeps it as an orphan), and is gone
    after the close."""
    img = _image(tmp_path)
    m = Mount(tmp_path, [img])
    fd = os.open(m.dir / "t", os.O_CREAT | os.O_RDWR, 0o644)
    os.unlink(m.dir / "t")
    assert os.pwrite(fd, b"still here", 0) == 10
    assert os.pread(fd, 10, 0) == b"still here"
    os.fsync(fd)
    os.close(fd)
    assert os.listdir(m.dir) == []
    m.umount()
    _fsck_clean(img)


def test_readonly_mount_changes_nothing(tmp_path):
    img = _image(tmp_path)
    m = Mount(tmp_path, [img])
    (m.dir / "keep").write_bytes(b"k" * 100)
    m.umount()
    before = hashlib.sha256(img.read_bytes()).hexdigest()
    m = Mount(tmp_path, [img], "--ro")
    assert (m.dir / "keep").read_bytes() == b"k" * 100
    with pytest.raises(OSError) as e:
        (m.dir / "new").write_bytes(b"n")
    assert e.value.errno == errno.EROFS
    m.umount()
    assert hashlib.sha256(img.read_bytes()).hexdigest() == before


def test_sigterm_unmounts_cleanly(tmp_path):
    img = _image(tmp_path)
    m = Mount(tmp_path, [img])
    (m.dir / "z").write_bytes(b"z" * 5000)
    m.p.send_signal(signal.SIGTERM)
    out, err = m.p.communicate(timeout=30)
    assert m.p.returncode == 0, err
    _not_mounted(m.dir)
    assert _cat(img, "/z") == b"z" * 5000
    _fsck_clean(img)


def test_sqlite_runs_on_the_mount(tmp_path):
    """An unmodified program: sqlite3 in WAL mode, which maps its -shm
    file shared and writable (fpfuse_opts.mapped_suffixes)."""
    img = _image(tmp_path)
    m = Mount(tmp_path, [img])
    db = m.dir / "t.db"
    r = subprocess.run(["sqlite3", str(db), "PRAGMA journal_mode=wal;",
                        "CREATE TABLE t(v);", "INSERT INTO t VALUES (42);",
                        "SELECT v FROM t;"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stdout.split() == ["wal", "42"], \
        r.stdout + r.stderr
    m.umount()
    _fsck_clean(img)


def test_mount_usage_errors(tmp_path):
    img = _image(tmp_path)
    r = fp("mount", img)
    assert r.returncode == 2 and "want IMAGE and DIR" in r.stderr
    r = fp("mount", img, tmp_path / "nodir")
    assert r.returncode == 2 and "nodir" in r.stderr
    r = fp("mount", img, img)
    assert r.returncode == 2 and "not a directory" in r.stderr
    (tmp_path / "d").mkdir()
    r = fp("mount", tmp_path / "missing.img", tmp_path / "d")
    assert r.returncode == 2 and "missing.img" in r.stderr
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"\1" * (1 << 20))
    r = fp("mount", junk, tmp_path / "d", timeout=60)
    assert r.returncode == 1 and "the engine's mount" in r.stderr, r.stderr
    r = fp("mount", img, tmp_path / "d", "--mount", "data=odd")
    assert r.returncode == 2 and "data=odd" in r.stderr
    _not_mounted(tmp_path / "d")
