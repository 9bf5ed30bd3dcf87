#!/usr/bin/env python3
"""opshape: print the engine's device requests per 4 KiB call.

    bench/opshape.py [--build DIR] [--warmup N] [--mount OPTS] [--keep DIR]

For each of the four shapes of issue 3 (append+fsync, append+fdatasync,
overwrite+fdatasync, overwrite+fsync) it runs tests/e2e/data/opshape-*.wl
with `flushpoint run --start-nbdkit` (a real nbdkit with the recording
plugin), reads the log back with `flushpoint log dump --json`, and counts the
WRITE, FLUSH and FUA requests between the before- and after-marks of each
round's two ops (the 4 KiB write and its sync call).  Rounds before --warmup
(default 8) are left out: the first commits also write bitmaps and the
directory.  A commit is a WRITE whose data is a jbd2 commit block; `log dump
--json` gives only a hash of the data, so commits are counted as what
precedes them: a FUA write right after a FLUSH.  The last column is the
request sequence of the last round: w = WRITE, U = FUA WRITE, F = FLUSH.

This is the human-readable twin of tests/e2e/test_engine_opshape.py, which
asserts the shapes with its own log parser (tests/e2e/fplog_py.py).  Real
ext4 issues about 4.7 writes and 2 flushes per append+fsync.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHAPES = ["append+fsync", "append+fdatasync", "overwrite+fdatasync",
          "overwrite+fsync"]


def run_shape(flushpoint, shape, workdir, mount):
    wl = REPO / "tests" / "e2e" / "data" / f"opshape-{shape.replace('+', '-')}.wl"
    log = Path(workdir) / f"{wl.stem}.fpl"
    cmd = [flushpoint, "run", str(wl), "--start-nbdkit", "--log", str(log), "-q"]
    if mount:
        cmd += ["--mount", mount]
    subprocess.run(cmd, check=True)
    dump = subprocess.run([flushpoint, "log", "dump", str(log), "--json"],
                          check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in dump.splitlines()]


def rounds(objs):
    """[(write op requests, sync op requests)] after the `mark rounds` op."""
    ops, cur = [], None
    for o in objs:
        if o["kind"] != "entry":
            continue
        if o["type"] == "MARK":
            m = json.loads(o["text"])
            if m["kind"] == "before":
                cur = (m["text"], [])
                ops.append(cur)
            elif m["kind"] == "after":
                cur = None
        elif cur is not None:
            cur[1].append(o)
    start = next(i for i, (text, _) in enumerate(ops) if text == "mark rounds")
    body = [reqs for _, reqs in ops[start + 1:]]
    return [(body[i], body[i + 1]) for i in range(0, len(body) - 1, 2)]


def letters(reqs):
    out = []
    for o in reqs:
        if o["type"] == "FLUSH":
            out.append("F")
        elif o["type"] == "WRITE":
            out.append("U" if "FUA" in o["flags"] else "w")
        else:
            out.append(o["type"][0].lower())
    return "".join(out)


def count(reqs):
    w = f = u = c = 0
    prev = None
    for o in reqs:
        if o["type"] == "WRITE":
            w += 1
            fua = "FUA" in o["flags"]
            u += fua
            c += fua and prev == "FLUSH"
        f += o["type"] == "FLUSH"
        prev = o["type"]
    return w, f, u, c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--build", default=str(REPO / "build"),
                    help="build directory holding flushpoint (default build/)")
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--mount", default="", help="extra mount options")
    ap.add_argument("--keep", help="keep the logs in this directory")
    a = ap.parse_args()
    flushpoint = str(Path(a.build) / "flushpoint")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = a.keep or tmp
        Path(workdir).mkdir(parents=True, exist_ok=True)
        print(f"device requests per 4 KiB call (write + sync), rounds "
              f"{a.warmup}.., mount: {a.mount or 'defaults'}")
        print(f"  {'call':<22}{'rounds':>7}{'writes':>8}{'flushes':>9}"
              f"{'FUA':>6}{'commits*':>9}   last round")
        for shape in SHAPES:
            rs = rounds(run_shape(flushpoint, shape, workdir, a.mount))
            rs = rs[a.warmup:]
            tot = [0, 0, 0, 0]
            for w, s in rs:
                for k, v in enumerate(count(w + s)):
                    tot[k] += v
            n = len(rs) or 1
            w, f, u, c = (t / n for t in tot)
            print(f"  {shape:<22}{len(rs):>7}{w:>8.2f}{f:>9.2f}{u:>6.2f}"
                  f"{c:>9.2f}   {letters(rs[-1][0] + rs[-1][1]) if rs else ''}")
        print("  * a FUA write right after a FLUSH: a commit with barriers")
        print("  (real ext4: about 4.7 writes and 2 flushes per append+fsync)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
