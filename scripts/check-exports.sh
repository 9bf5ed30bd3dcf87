#!/bin/sh
# Check that a library exports fpfs.h's API and nothing else: every global
# symbol it defines is declared in fpfs.h (and so starts with fpfs_).
#   scripts/check-exports.sh LIBRARY FPFS_H
set -eu
lib=$1
hdr=$2
syms=$(nm -g --defined-only "$lib" | awk 'NF == 3 && $2 ~ /[TDBRVWC]/ { print $3 }' | sort -u)
[ -n "$syms" ] || { echo "check-exports: $lib defines no global symbol" >&2; exit 1; }
bad=0
n=0
for s in $syms; do
    n=$((n + 1))
    if ! grep -Eq "(^|[^A-Za-z0-9_])$s \(" "$hdr"; then
        echo "check-exports: $lib exports $s, which fpfs.h does not declare" >&2
        bad=1
    fi
done
[ $bad = 0 ] && echo "check-exports: $n symbols, all declared in fpfs.h"
exit $bad
