# Probes: unlinking a file that is still open, then fsync through its
# descriptor (an orphan inode).
# ext4 guarantees: the name is gone once the unlink commits; after a crash
# the orphan is freed by recovery and its blocks are free in fsck.
creat /keep
open /tmpfile O_CREAT|O_RDWR 0600
write /tmpfile 16K seed=1
fsync /tmpfile
unlink /tmpfile
pwrite /tmpfile 0 4K seed=2
fsync /tmpfile
fsync /
