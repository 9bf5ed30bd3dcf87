#!/bin/sh
# Check the link direction between layer libraries: no layer may reference
# a symbol that only a layer it does not link defines (an upward call,
# even through a hand-written extern declaration, which no include
# directory would stop).
#   scripts/check-layers.sh NAME=ARCHIVE=ALLOWED,ALLOWED,... ...
# NAME is a layer, ARCHIVE its static library, ALLOWED the layers it links
# (directly or not).  Exits 1 and names each offending symbol.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for spec in "$@"; do
    name=${spec%%=*}
    rest=${spec#*=}
    archive=${rest%%=*}
    echo "$rest" > "$tmp/$name.spec"
    nm -g --defined-only "$archive" 2>/dev/null \
        | awk 'NF == 3 && $2 ~ /[TDBRVWC]/ { print $3 }' | sort -u > "$tmp/$name.def"
    nm -g --undefined-only "$archive" 2>/dev/null \
        | awk '$1 == "U" { print $2 }' | sort -u > "$tmp/$name.undef"
done

bad=0
for spec in "$@"; do
    name=${spec%%=*}
    rest=${spec#*=}
    allowed=",${rest#*=},"
    for def in "$tmp"/*.def; do
        other=$(basename "$def" .def)
        [ "$other" = "$name" ] && continue
        case "$allowed" in *",$other,"*) continue ;; esac
        for sym in $(comm -12 "$tmp/$name.undef" "$def"); do
            echo "check-layers: $name calls $sym, defined in $other," \
                 "which $name does not link" >&2
            bad=1
        done
    done
done
[ $bad = 0 ] && echo "check-layers: $# layers, no upward reference"
exit $bad
