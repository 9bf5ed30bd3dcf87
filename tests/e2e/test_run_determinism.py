"""`flushpoint run --start-nbdkit`: the same workload, seed and options
twice give byte-identical logs; another seed or persist choice does not."""
import hashlib
import os
from pathlib import Path

from cli_common import fp, REPO

SEED_CASE = REPO / "workloads" / "fsync-seed.wl"


def sha256(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def run(tmp_path, name, *args):
    log = tmp_path / f"{name}.fpl"
    r = fp("run", SEED_CASE, "--start-nbdkit", "--log", log, *args)
    assert r.returncode == 0, r.stderr
    assert f"log:       {log}" in r.stdout
    return log


def test_same_run_twice_same_log_sha256(tmp_path):
    a = run(tmp_path, "a", "--seed", "7")
    b = run(tmp_path, "b", "--seed", "7")
    assert os.path.getsize(a) > 0
    assert sha256(a) == sha256(b)


def test_other_seed_or_persist_other_log(tmp_path):
    a = run(tmp_path, "a", "--seed", "7")
    b = run(tmp_path, "b", "--seed", "8")
    c = run(tmp_path, "c", "--seed", "7", "--persist", "fdatasync")
    assert len({sha256(a), sha256(b), sha256(c)}) == 3


def test_default_log_name_in_cwd(tmp_path):
    r = fp("run", SEED_CASE, "--start-nbdkit", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "fsync-seed.fpl").is_file()
