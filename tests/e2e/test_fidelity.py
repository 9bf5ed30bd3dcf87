"""Engine fidelity against the kernel (issue 10): each test pins one place
where the engine must do what Linux ext4 does, checked on the engine and,
where this machine can run it, on the running kernel's ext4 through the
same recording stack."""
import json

import pytest

from cli_common import REPO, fp

WL = REPO / "workloads" / "fdatasync-dir.wl"


def _between(log, op):
    """The device requests between op's before and after marks."""
    entries = [json.loads(l) for l in
               fp("log", "dump", "--json", log).stdout.splitlines()]
    out, inside = [], False
    for e in entries:
        text = e.get("text", e.get("payload", "")) or ""
        if e.get("type") == "MARK" and f'"op":{op},' in text:
            if '"kind":"before"' in text:
                inside = True
                continue
            if '"kind":"after"' in text:
                break
        if inside and e.get("type") in ("WRITE", "FLUSH", "TRIM", "ZERO"):
            out.append(e)
    return out


@pytest.mark.parametrize("fs", ["engine", "ext4"])
def test_fdatasync_of_a_directory_commits(fs, tmp_path):
    """ext4_sync_file() forces a commit for a directory (ext4_inode_journal_mode
    puts every non-regular inode in journal-data mode), so fdatasync(dir)
    writes a transaction, and the name created after the last commit is in
    every later crash state."""
    if fs != "engine":
        r = fp("probe", fs, timeout=60)
        if r.returncode != 0:
            pytest.skip(r.stdout.strip())
    log = tmp_path / f"{fs}.fpl"
    r = fp("run", WL, "--persist", "fdatasync", "--fs", fs, "--start-nbdkit",
           "--log", log, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    reqs = _between(log, 6)                 # op 6: persist /d -> fdatasync
    writes = [e for e in reqs if e["type"] == "WRITE"]
    assert len(writes) >= 2, f"fdatasync(dir) wrote no transaction: {reqs}"
    r = fp("check", log, "--states", "flush,write", timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    # the ext4 profile promises the entries: losing /d/g is a violation
    assert "profile ext4" in r.stdout, r.stdout


@pytest.mark.parametrize("fs", ["engine", "ext4"])
def test_fdatasync_of_a_new_empty_file_commits_its_creation(fs, tmp_path):
    """__ext4_new_inode() starts i_sync_tid and i_datasync_tid at the
    creating handle's transaction, so fdatasync of a new empty file waits
    for that transaction: the file is in every later crash state."""
    if fs != "engine":
        r = fp("probe", fs, timeout=60)
        if r.returncode != 0:
            pytest.skip(r.stdout.strip())
    wl = tmp_path / "new-empty.wl"
    wl.write_text("mkdir /d\nsync\ncreat /d/e\nfdatasync /d/e\n")
    log = tmp_path / f"{fs}.fpl"
    r = fp("run", wl, "--fs", fs, "--start-nbdkit", "--log", log, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    writes = [e for e in _between(log, 3) if e["type"] == "WRITE"]
    assert len(writes) >= 2, "fdatasync of a new file wrote no transaction"
    r = fp("check", log, "--states", "flush,write", "--show-lost", timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "/d/e is gone" not in r.stdout, r.stdout
