#!/bin/sh
# sqlite-commit.sh MODE SYNC [N]: N transactions (default 3) on ./t.db in
# journal_mode MODE (delete, truncate, wal) with synchronous SYNC (off,
# normal, full, extra), each committed by its own sqlite3 process, then
# `flushpoint mark "committed I"` once the commit returned.
set -eu
mode=$1 sync=$2 n=${3:-3}
sqlite3 t.db "PRAGMA journal_mode=$mode;" "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);" >/dev/null
i=1
while [ "$i" -le "$n" ]; do
    sqlite3 t.db "PRAGMA journal_mode=$mode;" "PRAGMA synchronous=$sync;" \
        "INSERT INTO t(v) VALUES (printf('%.3000c', 'x'));" >/dev/null
    flushpoint mark "committed $i"
    i=$((i + 1))
done
