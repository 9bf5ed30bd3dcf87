#!/bin/sh
# The main job: build everything, then run the default matrix -- the
# bundled workloads x {fsync, fdatasync, sync, none} x {ordered+barrier,
# ordered+nobarrier, writeback, journal, nojournal}, crash states flush,
# write and epoch (K=1), each cell on its own real nbdkit -- and print the
# tables, ending with the fsync-vs-fdatasync summary, property by property.
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

status=0
"$BUILD/flushpoint" matrix --jobs "$JOBS" --out "$OUT" || status=$?
echo
echo "HTML report: $OUT/index.html    JSON: $OUT/matrix.json"
# Exit 1 means a cell failed to run or a bug switch went uncaught; violations
# under nobarrier are results, not failures (see `flushpoint matrix --help`).
exit $status
