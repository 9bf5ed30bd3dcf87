# Probes: adding a hard link, then fsync of the file.
# ext4 guarantees: fsync commits the transaction holding the inode change
# (nlink 2, ctime), which also holds the new entry /b/link: after it both
# names survive with nlink 2 (the ext4 profile; POSIX would want fsync /b).
mkdir /a
mkdir /b
creat /a/f
pwrite /a/f 0 4K seed=1
sync
link /a/f /b/link
persist /a/f
