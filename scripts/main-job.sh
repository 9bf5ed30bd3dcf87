#!/bin/sh
# The main job: build everything, then run the default matrix (bundled
# workloads x {fsync, fdatasync, sync, none} x mount options) and print the
# fsync-vs-fdatasync table.  Until the matrix lands, a record-then-replay
# demo: record a short session through the plugin, dump the log, rebuild the
# image at a flush point and compare it with what the disk served.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
FP="$BUILD/flushpoint"

if "$FP" matrix --help >/dev/null 2>&1; then
    exec "$FP" matrix --out "${OUT:-flushpoint-report}"
fi

work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
echo "== record: nbdkit flushpoint plugin, 16 MiB disk, log $work/run.fpl"
nbdkit -f --exit-with-parent -U "$work/sock" -P "$work/pid" \
    "$BUILD/nbdkit-flushpoint-plugin.so" size=16M log="$work/run.fpl" &
i=0; while [ ! -s "$work/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done

PATH=/usr/bin:$PATH /usr/bin/python3 - "$work" <<'PY'
import sys, nbd
work = sys.argv[1]
disk = nbd.NBD(); disk.connect_unix(f"{work}/sock")
ctl = nbd.NBD(); ctl.set_export_name("control"); ctl.connect_unix(f"{work}/sock")
ctl.pwrite(b"demo: first batch", 0)
disk.pwrite(b"A" * 4096, 0)
disk.pwrite(b"B" * 4096, 8192, nbd.CMD_FLAG_FUA)
disk.flush()
open(f"{work}/served-at-flush1.img", "wb").write(disk.pread(16 << 20, 0))
ctl.pwrite(b"demo: second batch (never flushed)", 0)
disk.pwrite(b"C" * 4096, 0)
disk.trim(4096, 8192)
disk.shutdown(); ctl.shutdown()
PY
kill "$(cat "$work/pid")"; sleep 0.2

echo "== the log"
"$FP" log dump "$work/run.fpl"
"$FP" log verify "$work/run.fpl"
echo "== replay to the first flush point and compare with what the disk served then"
"$FP" replay "$work/run.fpl" -o "$work/flush1.img" --to-flush 1
cmp "$work/flush1.img" "$work/served-at-flush1.img" && echo "identical: the log rebuilds the disk exactly"
