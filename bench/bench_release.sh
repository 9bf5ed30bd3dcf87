#!/bin/sh
# bench_release: the checker against a baseline binary, on a fixed set of
# logs, in one run.  For each log: its crash states, instructions per state
# under callgrind (repeatable whatever the machine is doing), and states
# per second of CPU time (user+sys, median of REPS alternating runs; '-'
# under 0.05 s), for the baseline and for this tree, and the ratios.
#
#   bench/bench_release.sh [BASE_REF]     (default: the newest tag, else
#                                          $FP_BASE_REF, else main)
#   REPS=5 NO_CALLGRIND=1 BUILD=build bench/bench_release.sh v0.3
#   CALLGRIND_LOGS='journal-wrap' bench/bench_release.sh c528e90
#
# The baseline is built from BASE_REF in a scratch git worktree under
# $TMPDIR; the logs are recorded once, with this tree's binary, and both
# binaries check the same files.  Nothing here asserts on time.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPS=${REPS:-3}
# callgrind runs about 50 times slower: only on these logs (others: 0)
CALLGRIND_LOGS=${CALLGRIND_LOGS:-journal-wrap fsync-seed-journal}
TMP=${TMPDIR:-/tmp}/fp-bench-release.$$
BASE=${1:-$(git describe --tags --abbrev=0 2>/dev/null || echo "${FP_BASE_REF:-main}")}
mkdir -p "$TMP"
trap 'git worktree remove --force "$TMP/base" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT

cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j2 --target flushpoint nbdkit-flushpoint-plugin >/dev/null
git worktree add --detach "$TMP/base" "$BASE" >/dev/null 2>&1
cmake -S "$TMP/base" -B "$TMP/base/build" -DCMAKE_BUILD_TYPE="$(sed -n \
    's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")" >/dev/null
cmake --build "$TMP/base/build" -j2 --target flushpoint >/dev/null
NEW=$BUILD/flushpoint
OLD=$TMP/base/build/flushpoint
echo "baseline: $BASE ($(git rev-parse --short "$BASE")), new: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty')"

# name workload mount persist states
LOGS="journal-wrap journal-wrap.wl data=ordered fsync flush,write,epoch
fsync-seed-journal fsync-seed.wl data=journal fsync flush,write,epoch
large-delalloc-journal large-file-delalloc.wl data=journal fsync flush,write,epoch"

cpu () {   # cpu BIN LOG STATES: user+sys seconds of one check
    /usr/bin/time -f '%U %S' "$1" check "$2" --states "$3" -q \
        2>&1 >/dev/null | tail -1 | awk '{ print $1 + $2 }'
}
median () { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-24s %7s  %12s %12s %6s  %9s %9s %6s\n' log states \
    "Ir/st base" "Ir/st new" ratio "st/s base" "st/s new" ratio
echo "$LOGS" | while read -r name wl mount persist states; do
    log=$TMP/$name.fpl
    FP_PLUGIN=$BUILD/nbdkit-flushpoint-plugin.so "$NEW" run "workloads/$wl" \
        --start-nbdkit --log "$log" --mount "$mount" --persist "$persist" -q
    n=$("$NEW" check "$log" --states "$states" --json - -q 2>/dev/null |
        sed -n 's/.*"checked": *\([0-9]*\).*/\1/p' | head -1)
    if [ -z "${NO_CALLGRIND:-}" ] && case " $CALLGRIND_LOGS " in
            *" $name "*) true ;; *) false ;; esac; then
        ir () { valgrind --tool=callgrind --callgrind-out-file=/dev/null \
                "$1" check "$log" --states "$states" -q 2>&1 >/dev/null |
                sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'; }
        io=$(ir "$OLD"); in=$(ir "$NEW")
    else
        io=0; in=0
    fi
    : > "$TMP/old.t"; : > "$TMP/new.t"
    i=0
    while [ $i -lt "$REPS" ]; do     # alternate: ABBA
        if [ $((i % 2)) = 0 ]; then
            cpu "$OLD" "$log" "$states" >> "$TMP/old.t"
            cpu "$NEW" "$log" "$states" >> "$TMP/new.t"
        else
            cpu "$NEW" "$log" "$states" >> "$TMP/new.t"
            cpu "$OLD" "$log" "$states" >> "$TMP/old.t"
        fi
        i=$((i + 1))
    done
    to=$(median < "$TMP/old.t"); tn=$(median < "$TMP/new.t")
    awk -v name="$name" -v n="$n" -v io="$io" -v in_="$in" -v to="$to" \
        -v tn="$tn" 'BEGIN {
        printf "%-24s %7d  %12.0f %12.0f %6.2f  ", name, n,
            io / n, in_ / n, (io > 0 ? in_ / io : 0);
        if (to < 0.05 || tn < 0.05)      # below the resolution of time(1)
            printf "%9s %9s %6s\n", "-", "-", "-";
        else
            printf "%9.0f %9.0f %6.2f\n", n / to, n / tn, to / tn }'
done
