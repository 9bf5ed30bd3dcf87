#!/bin/sh
# The application's check for sqlite-commit.sh: PRAGMA integrity_check is
# ok, and the table holds at least as many rows as commits were marked
# before the crash point.
want=$(grep -c '^committed' "$FLUSHPOINT_MARKS" || true)
if [ ! -e t.db ]; then
    [ "$want" -eq 0 ] && exit 0
    echo "t.db is missing, $want commits were marked"; exit 1
fi
ok=$(sqlite3 t.db "PRAGMA integrity_check;" 2>&1) || { echo "sqlite3: $ok"; exit 1; }
[ "$ok" = ok ] || { echo "integrity_check: $ok"; exit 1; }
have=$(sqlite3 t.db "SELECT count(*) FROM t;" 2>/dev/null || echo 0)
[ "$have" -ge "$want" ] || { echo "rows: $have, commits marked before the crash: $want"; exit 1; }
