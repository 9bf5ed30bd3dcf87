#!/bin/sh
# The application's check for git-commit.sh: `git fsck` is clean and HEAD
# has at least as many commits as were marked before the crash point.
want=$(grep -c '^committed' "$FLUSHPOINT_MARKS" || true)
[ -d repo/.git ] || { [ "$want" -eq 0 ] && exit 0; echo "no repository, $want commits marked"; exit 1; }
cd repo
# Nothing committed yet: an empty (even unborn) repository is consistent.
[ "$want" -eq 0 ] && ! git rev-parse -q --verify HEAD >/dev/null && exit 0
out=$(git fsck --full 2>&1) || { echo "git fsck: $out" | head -5; exit 1; }
have=$(git rev-list --count HEAD 2>/dev/null || echo 0)
[ "$have" -ge "$want" ] || { echo "HEAD has $have commits, $want were marked before the crash"; exit 1; }
