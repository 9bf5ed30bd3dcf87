#!/bin/sh
# git-commit.sh FSYNC [N] [INIT]: git init, then N commits (default 3) of a
# new file each, with core.fsync=FSYNC (none, or e.g. committed), each
# followed by `flushpoint mark "committed I"`.  INIT "sync-init" makes the
# new repository durable with sync(1) before the first commit (git 2.39
# fsyncs no directory `git init` makes), so that only the commits' own
# durability is under test.
set -eu
fsync=$1 n=${2:-3} init=${3:-}
export GIT_AUTHOR_NAME=fp GIT_AUTHOR_EMAIL=fp@example.org
export GIT_COMMITTER_NAME=fp GIT_COMMITTER_EMAIL=fp@example.org
git init -q repo
cd repo
git config core.fsync "$fsync"
git config core.fsyncMethod fsync
git config gc.auto 0
[ "$init" = sync-init ] && sync
i=1
while [ "$i" -le "$n" ]; do
    head -c 5000 /dev/zero | tr '\0' "$i" > "f$i"
    git add "f$i"
    git commit -q -m "commit $i"
    flushpoint mark "committed $i"
    i=$((i + 1))
done
