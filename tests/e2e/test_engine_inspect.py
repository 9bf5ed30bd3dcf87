"""`flushpoint ls`, `cat` and `fsck` (cli/cmd_inspect.c) on images rebuilt
from a real recording: what they print, their exit statuses, and that they
never modify the image."""
import hashlib
import json
import subprocess

import pytest

import fplog_py
from cli_common import FLUSHPOINT, fp
from test_run_marks import xorshift

WORKLOAD = """\
mkdir /a
mkdir /a/b 0700
open /a/f O_CREAT|O_RDWR 0600
pwrite /a/f 0 5000 seed=3
fsync /a/f
creat /a/b/e
link /a/f /g
open /a/late O_CREAT|O_RDWR 0644
pwrite /a/late 0 4096 seed=4
fsync /a/late
"""


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """(log, crash image, clean image) of WORKLOAD."""
    d = tmp_path_factory.mktemp("inspect")
    wl = d / "w.wl"
    wl.write_text(WORKLOAD)
    out = []
    for name, extra in (("crash", ()), ("clean", ("--clean-umount",))):
        log = d / f"{name}.fpl"
        r = fp("run", wl, "--start-nbdkit", "--log", log, *extra)
        assert r.returncode == 0, r.stderr
        img = d / f"{name}.img"
        assert fp("replay", log, "-o", img).returncode == 0
        out.append(img)
    return out[0], out[1], d


def sha256(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def cat_bytes(*args):
    p = subprocess.run([str(FLUSHPOINT), "cat", *map(str, args)],
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode()


@pytest.mark.parametrize("name", ["ls", "cat", "fsck"])
def test_help(name):
    r = fp(name, "--help")
    assert r.returncode == 0
    assert r.stdout.startswith(f"Usage: flushpoint {name} IMAGE")
    assert "never modified" in r.stdout and "Exit status:" in r.stdout
    assert f"  {name} " in fp("--help").stdout


def test_ls_sorted_names(images):
    crash, _, _ = images
    r = fp("ls", crash)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "a\ng\n"
    assert fp("ls", crash, "/a").stdout == "b\nf\nlate\n"


def test_ls_recursive_long_hash(images):
    crash, _, _ = images
    r = fp("ls", crash, "-R", "-l", "--hash")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [ln.split()[-1] for ln in lines] == \
        ["/a", "/a/b", "/a/b/e", "/a/f", "/a/late", "/g"]
    f = next(ln for ln in lines if ln.endswith(" /a/f")).split()
    assert f[0] == "-rw-------" and f[1] == "2" and f[2] == "5000"
    assert f[3] == "%016x" % fplog_py.xxh3_64(xorshift(3, 0, 5000))
    b = next(ln for ln in lines if ln.endswith(" /a/b")).split()
    assert b[0] == "drwx------" and b[3] == "-"


def test_ls_json(images):
    crash, _, _ = images
    r = fp("ls", crash, "/a/f", "--json")
    [o] = [json.loads(x) for x in r.stdout.splitlines()]
    assert o["path"] == "/a/f" and o["type"] == "file"
    assert o["size"] == 5000 and o["nlink"] == 2 and o["mode"] == 0o100600
    assert "xxh3" not in o
    assert len(o["mtime"]) == 2


def test_cat_concatenates(images):
    crash, _, _ = images
    rc, out, err = cat_bytes(crash, "/a/f", "/a/late", "/a/b/e")
    assert rc == 0, err
    assert out == xorshift(3, 0, 5000) + xorshift(4, 0, 4096)


def test_cat_missing_file_fails_but_writes_the_rest(images):
    crash, _, _ = images
    rc, out, err = cat_bytes(crash, "/nope", "/a/late")
    assert rc == 1
    assert f"flushpoint: cat: {crash}: /nope: No such file or directory" in err
    assert out == xorshift(4, 0, 4096)


def test_fsck_after_recovery_is_clean(images):
    crash, clean, _ = images
    for img in (crash, clean):
        r = fp("fsck", img)
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout == f"{img}: clean (after recovery)\n"


def test_fsck_without_recovery_sees_the_journal(images):
    crash, clean, _ = images
    r = fp("fsck", crash, "--no-recover")
    assert r.returncode == 1
    assert "journal" in r.stdout and "not replayed" in r.stdout
    r = fp("fsck", clean, "--no-recover")
    assert r.returncode == 0, r.stdout
    assert r.stdout == f"{clean}: clean\n"


def test_inspection_leaves_the_image_alone(images):
    crash, _, _ = images
    before = sha256(crash)
    fp("ls", crash, "-R", "--hash")
    cat_bytes(crash, "/a/f")
    fp("fsck", crash)
    fp("fsck", crash, "--no-recover")
    assert sha256(crash) == before
    # ...so recovery still has work to do on it.
    assert fp("fsck", crash, "--no-recover").returncode == 1


def test_garbage_image(images):
    _, _, d = images
    junk = d / "junk.img"
    junk.write_bytes(bytes(range(256)) * 4096)
    r = fp("ls", junk)
    assert r.returncode == 1
    assert "mount (journal recovery) failed" in r.stderr
    assert fp("fsck", junk).returncode == 1
    r = fp("fsck", junk, "--no-recover")
    assert r.returncode == 2 and "fsck could not run" in r.stderr


def test_usage_errors(images):
    crash, _, d = images
    assert fp("ls").returncode == 2
    assert fp("ls", crash, "rel").returncode == 2
    assert fp("ls", crash, "-l", "--json").returncode == 2
    assert fp("ls", crash, "--mount", "bogus").returncode == 2
    assert fp("cat", crash).returncode == 2
    assert fp("fsck", crash, crash).returncode == 2
    r = fp("ls", d / "missing.img")
    assert r.returncode == 2 and "missing.img" in r.stderr


def test_ls_lists_every_entry_and_marks_unreadable_ones(images, tmp_path):
    # Issue 11 (diagnostics): ls stopped at the first unreadable entry.
    # Inode 13 (/a/f, /g) is overwritten with 0xff: its stat fails.
    _, clean, _ = images
    d = bytearray(clean.read_bytes())
    assert d[0:4] == b"FPFS"
    itable = int.from_bytes(d[64:72], "little")        # s_itable_start
    ino = json.loads(fp("ls", clean, "/a/f", "--json").stdout)["ino"]
    off = itable * 4096 + (ino - 1) * 256
    d[off:off + 256] = b"\xff" * 256
    bad = tmp_path / "bad.img"
    bad.write_bytes(bytes(d))
    r = fp("ls", bad, "/a")
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        "b", "f (unreadable: Structure needs cleaning)", "late"]
    assert "/a/f: stat: Structure needs cleaning" in r.stderr
    r = fp("ls", bad, "-R", "--json")
    assert r.returncode == 1
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["path"] for x in rows] == ["/a", "/a/b", "/a/b/e", "/a/f",
                                         "/a/late", "/g"]
    assert "error" in rows[3] and "error" in rows[5]
    assert rows[4]["type"] == "file"
