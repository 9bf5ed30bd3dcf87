#!/usr/bin/python3
"""Run every bundled application (apps/README.md) under `flushpoint run
--exec` on the given backends (engine, ext4, xfs, btrfs), check every flush state with its
own check, and print the table of apps/README.md: consistent in every state,
or the first state that is not and what the check said.

    sudo apps/table.py [--fs engine,ext4,xfs,btrfs] [--build build]

Not deterministic: the kernel's flusher and journal (and the engine's,
whose clock follows the wall under FUSE) run on their own clocks, so a rerun can move the first failing state."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

APPS = Path(__file__).resolve().parent

CASES = [
    ("atomic-replace", "write, fsync, rename, fsync dir", "{b}/apps/atomic-replace", "{b}/apps/atomic-replace --check"),
    ("atomic-replace", "without the dir fsync", "{b}/apps/atomic-replace --broken", "{b}/apps/atomic-replace --check"),
] + [
    ("sqlite3", f"journal_mode={m} synchronous={s}", f"sh {APPS}/sqlite-commit.sh {m} {s}", f"sh {APPS}/sqlite-check.sh")
    for m in ("delete", "truncate", "wal") for s in ("off", "full", "extra")
] + [
    ("git", f"core.fsync={f}", f"sh {APPS}/git-commit.sh {f}", f"sh {APPS}/git-check.sh")
    for f in ("none", "committed", "all")
] + [
    ("git", f"core.fsync={f}, repository synced first", f"sh {APPS}/git-commit.sh {f} 3 sync-init",
     f"sh {APPS}/git-check.sh")
    for f in ("none", "committed", "all")
]


def run_case(fp, fs, exe, chk, work):
    log = work / "app.fpl"
    if log.exists():
        log.unlink()
    env = dict(os.environ, PATH=f"{fp.parent}:{os.environ['PATH']}")
    r = subprocess.run([str(fp), "run", "--exec", exe, "--fs", fs, "--start-nbdkit", "--log", str(log),
                        "--check-cmd", chk, "-q"], capture_output=True, text=True, env=env, timeout=600)
    if r.returncode != 0:
        return None, f"run failed: {r.stderr.strip()[-300:]}"
    j = work / "c.json"
    subprocess.run([str(fp), "check", str(log), "--json", str(j)], capture_output=True, text=True,
                   env=env, timeout=1200)
    rep = json.loads(j.read_text())
    app = rep["properties"]["app"]
    bad = [g for g in rep.get("groups", []) if g.get("property") == "app" and g.get("verdict") == "violated"]
    if not bad:
        return True, f"{app['held']} states checked"
    first = min(bad, key=lambda g: g.get("first_state", 0))
    msg = first.get("message", "")
    msg = msg.split(": ", 1)[-1].split("; the program's last calls")[0]
    msg = " ".join(msg.split())
    return False, f"state {first.get('first_state')}: {msg[:120]}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fs", default="ext4")
    ap.add_argument("--build", default=str(APPS.parent / "build"))
    ap.add_argument("--only", default="", help="rows whose application or mode contain this text")
    a = ap.parse_args()
    a.build = str(Path(a.build).resolve())  # the program runs in the mount
    fp = Path(a.build) / "flushpoint"
    print("| application | mode | backend | every state consistent? | first failure |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as t:
        for fs in a.fs.split(","):
            for app, mode, exe, chk in CASES:
                if a.only and a.only not in f"{app} {mode}":
                    continue
                ok, what = run_case(fp, fs, exe.format(b=a.build), chk.format(b=a.build), Path(t))
                word = "error" if ok is None else "yes" if ok else "**no**"
                print(f"| {app} | {mode} | {fs} | {word} | {'' if ok else what} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
