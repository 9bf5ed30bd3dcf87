#!/bin/sh
# The main job: build everything, then run the default matrix -- the
# bundled workloads x {fsync, fdatasync, sync, O_SYNC, O_DSYNC, none} x
# {ordered+barrier,
# ordered+nobarrier, writeback, journal, nojournal}, crash states flush,
# write and epoch (K=1), each cell on its own real nbdkit -- and print the
# tables, ending with the fsync-vs-fdatasync summary, property by property,
# and -- where the machine can run it -- real ext4 beside the engine
# (ordered+barrier, fsync and fdatasync) with the agreement line.
# Reports: OUT/index.html (timeline per cell), OUT/matrix.json.
#   scripts/main-job.sh             (OUT defaults to flushpoint-report)
#   OUT=DIR JOBS=N scripts/main-job.sh
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${OUT:-flushpoint-report}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

# The running kernel's ext4 beside the engine, for ordered+barrier under
# fsync and fdatasync (flush states only: recovery by the kernel
# costs a mount per state), when this machine can run it: root, FUSE,
# loop devices.  Otherwise say why, and run the engine alone.
FS=""
if why=$("$BUILD/flushpoint" probe ext4); then
    FS="--fs engine,ext4 --fs-mount ordered+barrier --fs-persist fsync,fdatasync --fs-states flush"
else
    echo "main job: no ext4 column: $why"
fi

status=0
# shellcheck disable=SC2086
"$BUILD/flushpoint" matrix --jobs "$JOBS" --out "$OUT" \
    --persist fsync,fdatasync,sync,osync,odsync,none $FS || status=$?
echo
echo "HTML report: $OUT/index.html    JSON: $OUT/matrix.json"
# Exit 1 means a cell failed to run or a bug switch went uncaught; violations
# under nobarrier are results, not failures (see `flushpoint matrix --help`).
exit $status
