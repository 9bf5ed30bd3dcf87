#!/bin/sh
# Build everything and run every test: C unit tests (ctest) and end-to-end
# tests (pytest over a real nbdkit).
#   scripts/test.sh [BUILD_DIR]        (default: build)
#   FP_SANITIZE=1 scripts/test.sh build-asan
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SAN=OFF
[ "${FP_SANITIZE:-0}" = 1 ] && SAN=ON

cmake -S . -B "$BUILD" -DFP_SANITIZE=$SAN -DFP_WERROR=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

if [ "$SAN" = ON ]; then
    # nbdkit is not built with ASan: preload the runtime into it.
    FP_ASAN_LIB=$(gcc -print-file-name=libasan.so)
    export FP_ASAN_LIB
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)"

# pytest exit status 5 (no tests collected) is a failure too: set -e sees it.
case "$BUILD" in /*) ABS=$BUILD ;; *) ABS=$PWD/$BUILD ;; esac
FP_BUILD_DIR="$ABS" FP_SANITIZE=${FP_SANITIZE:-0} \
    /usr/bin/python3 -m pytest -q tests/e2e
