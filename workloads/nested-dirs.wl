# Probes: a deep directory chain, a file at the bottom, fsync of the file
# and then of every directory from the bottom up.
# ext4 guarantees: after each directory fsync, that directory's entries;
# after all of them the whole path resolves.  (In the ext4 profile the
# file's fsync already commits everything created before it.)
mkdir /a
mkdir /a/b
mkdir /a/b/c
mkdir /a/b/c/d
open /a/b/c/d/leaf O_CREAT|O_WRONLY 0600
write /a/b/c/d/leaf 5000 seed=1
persist /a/b/c/d/leaf
fsync /a/b/c/d
fsync /a/b/c
fsync /a/b
fsync /a
fsync /
