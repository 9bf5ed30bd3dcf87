"""Unmodified programs under test: `flushpoint run --exec` on the running
kernel's ext4 (a tracer records their durability calls as the oracle) and
`flushpoint check` with the program's own check in every recovered state
(property "app").  The bundled applications are in apps/.

Needs root, /dev/fuse and loop devices, as the kernel backend does; the
kernel is not deterministic, so the assertions are about promises and about
losses the program's own pattern makes possible, never about exact logs.
"""
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import fplog_py
from cli_common import BUILD, FLUSHPOINT, REPO, fp

APPS = REPO / "apps"
ATOMIC = BUILD / "apps" / "atomic-replace"
DUMP = BUILD / "trace" / "fptrace-dump"


def _need_ext4():
    r = fp("probe", "ext4", timeout=60)
    if r.returncode == 2 and "cannot run it" in r.stdout:
        if os.geteuid() == 0 and Path("/dev/fuse").exists():
            pytest.fail(f"root with /dev/fuse, yet: {r.stdout}")
        pytest.skip(r.stdout.strip())


def _need(fs):
    if fs == "engine":
        if not Path("/dev/fuse").exists():
            if os.geteuid() == 0:
                pytest.fail("root without /dev/fuse")
            pytest.skip("no /dev/fuse")
    else:
        _need_ext4()


BACKENDS = ["engine", "ext4"]


def _env():
    return dict(os.environ, PATH=f"{BUILD}:{os.environ['PATH']}")


def _run(tmp_path, exe, check=None, extra=(), timeout=600, fs="ext4"):
    log = tmp_path / "app.fpl"
    log.unlink(missing_ok=True)
    args = [str(FLUSHPOINT), "run", "--exec", exe, "--fs", fs,
            "--start-nbdkit", "--log", str(log), *extra]
    if check:
        args += ["--check-cmd", check]
    r = subprocess.run(args, capture_output=True, text=True, env=_env(),
                       timeout=timeout, cwd=tmp_path)
    return r, log


def _check(tmp_path, log, *extra):
    j = tmp_path / "check.json"
    r = subprocess.run([str(FLUSHPOINT), "check", str(log), "--json", str(j),
                        *extra], capture_output=True, text=True, env=_env(),
                       timeout=1200)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return r, json.loads(j.read_text())


def _marks(log):
    out = []
    for e in fplog_py.parse(log).entries:
        if e.type == fplog_py.MARK:
            try:
                out.append(json.loads(e.payload))
            except ValueError:
                pass
    return out


def _app_groups(rep, verdict="violated"):
    return [g for g in rep["groups"]
            if g["property"] == "app" and g["verdict"] == verdict]


def _no_stack_left():
    mounts = [l for l in Path("/proc/mounts").read_text().splitlines()
              if "/kfs-" in l or "/flushpoint-exec-" in l
              or "/flushpoint-state-" in l]
    assert mounts == [], mounts
    left = [p for p in Path("/tmp").glob("flushpoint-exec-*")] + \
        [p for p in Path("/tmp").glob("flushpoint-state-*")]
    assert left == [], left


def test_tracer_sees_threads_children_dups_and_appends(tmp_path):
    """The tracer alone: every call of a program with a thread, a child, a
    dup and an O_APPEND descriptor, the bytes and the offsets; a pipe and
    /dev/null are outside the tree and not reported."""
    src = tmp_path / "p.c"
    src.write_text(r'''
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
static void *th (void *a) { int fd = open ("thr", O_CREAT|O_WRONLY, 0600);
  write (fd, "thread", 6); fsync (fd); close (fd); return a; }
int main (void) {
  int fd = open ("a", O_CREAT|O_RDWR|O_TRUNC, 0644);
  write (fd, "hello", 5); pwrite (fd, "XY", 2, 4096);
  struct iovec v[2] = {{"ab", 2}, {"cd", 2}}; writev (fd, v, 2);
  int d = dup (fd); write (d, "dup", 3); close (d);
  int g = open ("b", O_CREAT|O_WRONLY|O_APPEND, 0600);
  write (g, "app", 3); write (g, "end", 3);
  int nul = open ("/dev/null", O_WRONLY); write (nul, "x", 1);
  int p[2]; pipe (p); write (p[1], "y", 1);
  rename ("b", "c"); mkdir ("dd", 0700);
  if (fork () == 0) { write (fd, "child", 5); fsync (fd); _exit (0); }
  wait (0);
  pthread_t t; pthread_create (&t, 0, th, 0); pthread_join (t, 0);
  sync (); return 3; }
''')
    root = tmp_path / "root"
    root.mkdir()
    for static in (False, True):
        exe = tmp_path / ("ps" if static else "p")
        r = subprocess.run(["cc", "-O1", "-pthread", *(["-static"] if static
                            else []), str(src), "-o", str(exe)],
                           capture_output=True, text=True)
        if static and r.returncode != 0:
            continue                      # no static libc here
        assert r.returncode == 0, r.stderr
        for f in root.iterdir():
            subprocess.run(["rm", "-rf", str(f)])
        r = subprocess.run([str(DUMP), "-C", str(root), "-u", str(root),
                            str(exe)], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        ex = [l for l in r.stdout.splitlines() if l.startswith("exit ")]
        text = "\n".join(ex)
        assert f"path={root}/a" in text
        assert "/dev/null" not in text and "pipe" not in text
        writes = [l for l in ex if " write" in l or "pwrite" in l]
        datas = [l.split("data=")[1] for l in writes if "data=" in l]
        assert datas == ["hello", "XY", "abcd", "dup", "app", "end",
                         "child", "thread"], datas
        offs = [int(l.split(" off=")[1].split()[0]) for l in writes]
        assert offs == [0, 4096, 5, 9, 0, 3, 12, 0], offs
        assert any(f"rename" in l and f"path2={root}/c" in l for l in ex)
        assert any(" sync " in l for l in ex)
        assert r.stdout.strip().endswith("status exit 3")


def test_tracer_timeout_kills_the_whole_tree(tmp_path):
    r = subprocess.run([str(DUMP), "-t", "1", "/bin/sh", "-c",
                        "sleep 97 & sleep 97"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1 and "timed out" in r.stderr, r.stderr
    time.sleep(0.3)
    left = subprocess.run(["pgrep", "-f", "sleep 97"], capture_output=True,
                          text=True).stdout
    assert left == "", left


def test_exec_usage_errors():
    r = fp("run", "--exec", "true")
    assert r.returncode == 2 and "--start-nbdkit" in r.stderr, r.stderr
    r = fp("run", "--exec", "true", "--fs", "ext5", "--start-nbdkit")
    assert r.returncode == 2 and "not one of engine, ext4" in r.stderr, \
        r.stderr
    r = fp("run", "--exec", "true", "--start-nbdkit", "--mount", "data=odd")
    assert r.returncode == 2 and "data=odd" in r.stderr, r.stderr
    r = fp("run", "--exec", "true", "--fs", "ext4", "--start-nbdkit", "extra")
    assert r.returncode == 2 and "unexpected 'extra'" in r.stderr, r.stderr
    r = subprocess.run([str(FLUSHPOINT), "mark", "x"], capture_output=True,
                       text=True, env={k: v for k, v in os.environ.items()
                                       if k != "FLUSHPOINT_CONTROL"})
    assert r.returncode == 2 and "FLUSHPOINT_CONTROL" in r.stderr, r.stderr


@pytest.mark.parametrize("fs", BACKENDS)
def test_exec_records_the_programs_calls_and_checks_them(tmp_path, fs):
    """write-temp, fsync, rename, fsync-dir: every call is an op in the
    log, each fsync promises its state, and the program's own check holds
    in every recovered state."""
    _need(fs)
    r, log = _run(tmp_path, str(ATOMIC), f"{ATOMIC} --check", fs=fs)
    assert r.returncode == 0, r.stdout + r.stderr
    marks = _marks(log)
    run = marks[0]
    assert run["kind"] == "run" and run["source"] == "exec"
    assert run["check_cmd"] == f"{ATOMIC} --check"
    texts = [m["text"] for m in marks if m["kind"] == "before"]
    assert "rename /data.tmp /data" in texts, texts
    assert any(t.startswith("open /data.tmp O_WRONLY|O_CREAT|O_TRUNC")
               for t in texts), texts
    assert any(t.startswith("write h") and "pattern=recorded" in t
               for t in texts), texts
    assert [m["text"] for m in marks if m["kind"] == "app"] == \
        ["committed 1", "committed 2", "committed 3"]
    data = [m for m in marks if m["kind"] == "data"]
    assert data and all(m["data"] for m in data)
    end = [m for m in marks if m["kind"] == "end"][0]
    assert end["status"] == "ok" and end["exit_status"] == 0
    c, rep = _check(tmp_path, log)
    assert c.returncode == 0, c.stdout
    assert rep["properties"]["data"]["held"] > 0
    assert rep["properties"]["dirent"]["held"] > 0
    assert rep["properties"]["app"]["held"] > 0
    assert rep["properties"]["app"]["violated"] == 0
    # The check can fail: a check that always fails fails in every state
    # that holds a file system.
    c, rep = _check(tmp_path, log, "--check-cmd", "echo nope; exit 4")
    assert c.returncode == 1
    g = _app_groups(rep)
    assert g and "exited with status 4: nope" in g[0]["message"], g
    assert "the program's last calls before the crash" in g[0]["message"]
    _no_stack_left()


@pytest.mark.parametrize("fs", BACKENDS)
def test_exec_without_the_directory_fsync_loses_a_commit(tmp_path, fs):
    """The broken variant: rename(2) returns before the new name is
    durable, so some crash state holds an older generation than the
    program said it committed -- an "app" finding."""
    _need(fs)
    r, log = _run(tmp_path, f"{ATOMIC} --broken 4", f"{ATOMIC} --check", fs=fs)
    assert r.returncode == 0, r.stdout + r.stderr
    c, rep = _check(tmp_path, log)
    g = _app_groups(rep)
    assert c.returncode == 1 and g, c.stdout
    assert "but" in g[0]["message"] and "was committed" in g[0]["message"]


@pytest.mark.parametrize("fs", BACKENDS)
def test_exec_sqlite_full_loses_the_last_commit_extra_does_not(tmp_path, fs):
    """SQLite documents that synchronous=FULL in DELETE mode does not sync
    the directory after it unlinks the journal (EXTRA does): on ext4 a
    crash then brings the journal back and rolls back a transaction whose
    commit had returned."""
    _need(fs)
    chk = f"sh {APPS}/sqlite-check.sh"
    r, log = _run(tmp_path, f"sh {APPS}/sqlite-commit.sh delete full", chk, fs=fs)
    assert r.returncode == 0, r.stdout + r.stderr
    c, rep = _check(tmp_path, log)
    g = _app_groups(rep)
    assert g and "commits marked before the crash" in g[0]["message"], \
        c.stdout
    assert "unlink /t.db-journal" in c.stdout or "pwrite" in c.stdout
    r, log = _run(tmp_path, f"sh {APPS}/sqlite-commit.sh delete extra", chk, fs=fs)
    assert r.returncode == 0, r.stdout + r.stderr
    c, rep = _check(tmp_path, log)
    assert rep["properties"]["app"]["held"] > 0
    assert not _app_groups(rep), c.stdout
    # The recorder's promises hold on healthy ext4 either way.
    assert rep["properties"]["data"]["violated"] == 0


@pytest.mark.parametrize("fs", BACKENDS)
def test_exec_program_that_fails_is_an_error_not_a_finding(tmp_path, fs):
    _need(fs)
    r, log = _run(tmp_path, "echo broken >&2; exit 3", fs=fs)
    assert r.returncode == 1
    assert "exited with status 3 on the healthy stack" in r.stderr, r.stderr
    assert "broken" in r.stderr
    end = [m for m in _marks(log) if m["kind"] == "end"][0]
    assert end["status"] == "failed" and "broken" in end["output"]
    _no_stack_left()


@pytest.mark.parametrize("fs", BACKENDS)
def test_exec_program_that_hangs_is_killed(tmp_path, fs):
    _need(fs)
    r, log = _run(tmp_path, "sleep 98", extra=("--timeout", "1"), fs=fs)
    assert r.returncode == 1 and "did not finish in 1 s" in r.stderr, \
        r.stderr
    time.sleep(0.3)
    left = subprocess.run(["pgrep", "-f", "sleep 98"], capture_output=True,
                          text=True).stdout
    assert left == ""
    _no_stack_left()


def test_program_workload_directives_are_checked(tmp_path):
    """`#! exec` / `#! check`: a program's workload has no ops, a check
    needs a program, and the command is not empty."""
    cases = {
        "ops.wl": ("#! exec true\nopen /a O_CREAT as h\n",
                   "no operations in a program's workload"),
        "nocmd.wl": ("#! check true\n", "a check without a program"),
        "empty.wl": ("#! exec   \n", "a shell command"),
        "twice.wl": ("#! exec true\n#! exec false\n", "one such directive"),
    }
    for name, (text, want) in cases.items():
        f = tmp_path / name
        f.write_text(text)
        r = fp("run", f, "--start-nbdkit", "--log", tmp_path / "x.fpl")
        assert r.returncode == 2 and want in r.stderr, (name, r.stderr)
        assert not (tmp_path / "x.fpl").exists()


def test_matrix_runs_programs_as_rows(tmp_path):
    """`matrix --workloads build/apps/wl`-style rows: each program runs
    once per column (first persist table), the others are n/a, and THE
    ANSWER names the program whose own check failed without counting it
    as a verdict on fsync."""
    _need("engine")
    wl = tmp_path / "wl"
    wl.mkdir()
    for name, extra in (("ok", ""), ("broken", "--broken ")):
        (wl / f"{name}.wl").write_text(
            f"#! exec PATH={BUILD}:$PATH {ATOMIC} {extra}3\n"
            f"#! check {ATOMIC} --check\n")
    out = tmp_path / "mx"
    r = subprocess.run([str(FLUSHPOINT), "matrix", "--workloads", str(wl),
                        "--persist", "fsync,fdatasync", "--mount", "ordered",
                        "--barrier", "on", "--states", "flush,write",
                        "--out", str(out)], capture_output=True, text=True,
                       env=_env(), timeout=1200)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "their own check failed in 1 of 2 cells: broken--fsync" in \
        r.stdout, r.stdout
    assert "fsync BROKE" not in r.stdout, r.stdout
    cells = json.loads((out / "matrix.json").read_text())["cells"]
    prog = {(c["workload"], c["persist"]): c for c in cells}
    assert prog[("broken", "fdatasync")]["not_run"]
    assert prog[("broken", "fsync")]["program"]
    assert prog[("broken", "fsync")]["properties"]["app"]["verdict"] == \
        "violated"
    assert prog[("ok", "fsync")]["properties"]["app"]["verdict"] == "held"
    # The report validates against its schema, program cells and all.
    import jsonschema
    schema = json.loads((REPO / "docs/schema/matrix-report-v1.json")
                        .read_text())
    jsonschema.validate(json.loads((out / "matrix.json").read_text()),
                        schema)
    _no_stack_left()


@pytest.mark.parametrize("fs", BACKENDS)
def test_exec_sqlite_off_loses_committed_transactions(tmp_path, fs):
    """synchronous=OFF never syncs: some crash state lacks transactions
    whose commit had returned, and the finding says how many."""
    _need(fs)
    r, log = _run(tmp_path, f"sh {APPS}/sqlite-commit.sh delete off",
                  f"sh {APPS}/sqlite-check.sh", fs=fs)
    assert r.returncode == 0, r.stdout + r.stderr
    c, rep = _check(tmp_path, log)
    g = _app_groups(rep)
    assert c.returncode == 1 and g, c.stdout
    assert any("commits marked before the crash" in x["message"] for x in g)


@pytest.mark.parametrize("fs", BACKENDS)
def test_exec_git_fsync_none_loses_commits_committed_at_most_the_last(
        tmp_path, fs):
    """git 2.39 on a repository made durable first (sync-init): with
    core.fsync=none a crash loses commits; with core.fsync=committed the
    objects are fsynced and git fsck stays clean in every state, but the
    branch's ref moves by a rename no directory fsync follows, so a state
    can lack the last commit -- never more than that one."""
    _need(fs)
    chk = f"sh {APPS}/git-check.sh"
    r, log = _run(tmp_path, f"sh {APPS}/git-commit.sh none 3 sync-init", chk,
                  fs=fs)
    assert r.returncode == 0, r.stdout + r.stderr
    c, rep = _check(tmp_path, log)
    assert c.returncode == 1 and _app_groups(rep), c.stdout
    r, log = _run(tmp_path, f"sh {APPS}/git-commit.sh committed 3 sync-init",
                  chk, fs=fs)
    assert r.returncode == 0, r.stdout + r.stderr
    c, rep = _check(tmp_path, log)
    assert rep["properties"]["app"]["held"] > 0
    import re
    for g in _app_groups(rep):
        m = re.search(r"HEAD has (\d+) commits, (\d+) were marked", g["message"])
        assert m and int(m.group(2)) - int(m.group(1)) == 1, g["message"]
