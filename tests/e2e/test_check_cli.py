"""`flushpoint check`: record a workload over a real nbdkit with the
recording plugin (`flushpoint run --start-nbdkit`), then check every crash
state of the log.  One behaviour per test (checker/CHECKER.md)."""
import json
import shlex
import subprocess

import pytest

from cli_common import REPO, fp
from fplog_build import LogBuilder

WORKLOADS = REPO / "workloads"
STATES = "flush,write,epoch"

# Blocks freed by one file must be reused by the next: the disk is small.
REUSE = """\
#! disk 10M
creat /old
write /old 5M seed=1
fsync /old
unlink /old
fsync /
creat /new
write /new 5M seed=2
sleep 35
"""


def record(tmp_path, workload, *args, name="r"):
    """Run a bundled workload (name) or workload text; return the log."""
    if "\n" in workload:
        wl = tmp_path / f"{name}.wl"
        wl.write_text(workload)
    else:
        wl = WORKLOADS / f"{workload}.wl"
    log = tmp_path / f"{name}.fpl"
    r = fp("run", wl, "--start-nbdkit", "--log", log, *args)
    assert r.returncode == 0, r.stderr
    return log


def check(log, *args):
    return fp("check", log, "-q", *args, cwd=log.parent)


def check_json(log, *args):
    out = log.parent / (log.stem + ".json")
    r = check(log, "--json", out, *args)
    assert r.returncode in (0, 1), r.stderr
    return r, json.loads(out.read_text())


def test_correct_engine_with_barriers_violates_nothing(tmp_path):
    log = record(tmp_path, "fsync-seed")
    r = check(log, "--states", STATES, "--max-subset", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verdict: ok" in r.stdout
    assert "data " in r.stdout and "VIOLATION" not in r.stdout


def test_nobarrier_loses_synced_data_and_says_how_to_rebuild(tmp_path):
    log = record(tmp_path, "fsync-seed", "--mount", "nobarrier")
    r = check(log, "--states", STATES)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "VIOLATION data /a/foo" in r.stdout
    assert "promised by op 3 `persist /a/foo`" in r.stdout
    # The exact command that rebuilds the violating state's image.
    cmd = next(line.split("rebuild: ", 1)[1] for line in r.stdout.splitlines()
               if "rebuild: flushpoint replay" in line)
    assert "--drop" in cmd
    argv = shlex.split(cmd)
    assert argv[0] == "flushpoint"
    rr = fp(*argv[1:], cwd=tmp_path)
    assert rr.returncode == 0, rr.stderr
    image = tmp_path / argv[argv.index("-o") + 1]
    assert image.stat().st_size == 64 << 20


def test_fdatasync_keeps_data_and_may_lose_mtime_fsync_keeps_both(tmp_path):
    log = record(tmp_path, "overwrite-fdatasync", name="fdatasync")
    r, j = check_json(log, "--states", STATES, "--show-lost")
    assert r.returncode == 0, r.stdout
    assert j["properties"]["data"]["violated"] == 0
    assert j["properties"]["data"]["held"] > 0
    assert j["properties"]["mtime"]["lost"] > 0
    assert "lost mtime /db" in r.stdout
    log = record(tmp_path, "overwrite-fsync", name="fsync")
    r, j = check_json(log, "--states", STATES)
    assert r.returncode == 0, r.stdout
    assert j["properties"]["mtime"]["lost"] == 0
    assert j["properties"]["mtime"]["held"] > 0


@pytest.mark.parametrize("mount,verdict", [
    ("data=writeback,nobarrier", "lost"),
    ("data=ordered,nobarrier", "violated"),
])
def test_stale_data_allowed_under_writeback_not_under_ordered(tmp_path, mount,
                                                              verdict):
    log = record(tmp_path, REUSE, "--mount", mount)
    r, j = check_json(log, "--states", STATES)
    stale = j["properties"]["stale"]
    assert stale[verdict] > 0, r.stdout
    other = "violated" if verdict == "lost" else "lost"
    assert stale[other] == 0
    assert j["stale_allowed"] == (verdict == "lost")


def test_json_names_every_violation_with_recipe_and_replay(tmp_path):
    log = record(tmp_path, "fsync-seed", "--mount", "nobarrier")
    r, j = check_json(log, "--states", STATES)
    assert r.returncode == 1
    assert j["version"] == 1 and j["violations"] > 0
    bad = [s for s in j["results"] if any(f["verdict"] == "violated"
                                          for f in s["findings"])]
    assert bad
    for s in bad:
        assert s["recipe"]["uuid"] == j["uuid"]
        assert s["replay"].startswith("flushpoint replay ")
        assert f"--to-entry {s['recipe']['end']}" in s["replay"]
        for f in s["findings"]:
            assert f["path"] and f["message"]


def test_output_does_not_depend_on_jobs(tmp_path):
    log = record(tmp_path, "atomic-replace", "--mount", "nobarrier")
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}.json"
        r = check(log, "--states", STATES, "--jobs", jobs, "--json", out)
        assert r.returncode in (0, 1)
        j = json.loads(out.read_text())
        del j["states"]["seconds"]
        outs.append(j)
    assert outs[0] == outs[1]


def test_html_report_has_a_timeline(tmp_path):
    log = record(tmp_path, "fsync-seed", "--mount", "nobarrier")
    html = tmp_path / "r.html"
    r = check(log, "--states", STATES, "--html", html)
    assert r.returncode == 1
    text = html.read_text()
    assert "<svg" in text and "Timeline" in text and "VIOLATION" in text


def test_log_without_oracle_marks_and_no_file_system_is_an_input_error(
        tmp_path):
    # A disk recording with a hand-written mark, but no runner: checked
    # fsck-only (issue 16), and no state holds a file system.
    log = tmp_path / "plain.fpl"
    b = LogBuilder(device_size=1 << 20)
    b.write(0, b"\1" * 512)
    b.flush()
    b.mark("hello, not oracle JSON")
    b.save(log)
    r = check(log)
    assert r.returncode == 2
    assert "no oracle marks, so fsck only" in r.stderr


def test_corrupt_log_is_an_input_error(tmp_path):
    log = record(tmp_path, "fsync-seed")
    data = bytearray(log.read_bytes())
    data[200] ^= 0xff                       # inside the first entry
    log.write_bytes(bytes(data))
    r = check(log)
    assert r.returncode == 2
    assert "flushpoint: check:" in r.stderr


@pytest.mark.parametrize("args", [[], ["--states", "bogus"],
                                  ["--max-subset", "0"],
                                  ["--profile", "bsd"]])
def test_usage_errors_exit_2(tmp_path, args):
    r = fp("check", *args) if not args else fp("check", tmp_path / "x.fpl",
                                                 *args)
    assert r.returncode == 2


@pytest.mark.parametrize("opt", ["--json", "--html"])
def test_output_paths_are_checked_before_the_work(tmp_path, opt):
    # Issue 12: `check LOG --json nodir/x.json` ran the whole check, then
    # failed.  This log would fail the check itself (no oracle marks): the
    # output path must be refused first.
    log = tmp_path / "plain.fpl"
    b = LogBuilder(device_size=1 << 20)
    b.write(0, b"\1" * 512)
    b.save(log)
    r = check(log, opt, tmp_path / "nodir" / "x.out")
    assert r.returncode == 2
    assert f"{opt} {tmp_path}/nodir/x.out: directory {tmp_path}/nodir: " \
           "No such file or directory" in r.stderr
    assert "no oracle marks" not in r.stderr
    r = check(log, opt, tmp_path)
    assert r.returncode == 2 and f"{opt} {tmp_path}: is a directory" in r.stderr


def test_default_profile_is_ext4_and_the_header_names_it(tmp_path):
    # Issue 11, guarantee 6: one default profile, ext4, in every command.
    log = record(tmp_path, "fsync-seed")
    r, rep = check_json(log, "--states", "flush")
    assert rep["profile"] == "ext4"
    assert "profile ext4" in r.stdout
    r, rep = check_json(log, "--states", "flush", "--profile", "posix")
    assert rep["profile"] == "posix"
    assert "profile posix" in r.stdout


def test_nojournal_rename_over_a_synced_name_is_lost_not_violated(tmp_path):
    # Issue 11, false alarm 2: without a journal ext4_rename() is not
    # atomic across a crash (separate dirty buffers, written back in any
    # order), so a state where the replaced inode was freed on disk but the
    # directory block still names it -- the name then reads as gone -- is
    # what real ext4 nojournal leaves.  Lost, never VIOLATED.  (With a
    # journal the same promise is still enforced: the kill table's
    # rename-two-tx, test_check_bundled.py.)
    log = record(tmp_path, "atomic-replace", "--mount", "nojournal")
    r, j = check_json(log, "--states", STATES)
    assert r.returncode == 0, r.stdout + r.stderr
    dirent = j["properties"]["dirent"]
    assert dirent["violated"] == 0 and dirent["lost"] >= 1, dirent
    msgs = [f["message"] for s in j["results"] for f in s["findings"]
            if f["property"] == "dirent"]
    assert any("not atomic across a crash" in m for m in msgs), msgs
