# Probes: setting timestamps explicitly, then fsync.
# ext4 guarantees: fsync persists the given mtime (a timestamp-only inode
# change; bug fsync-skip-time-only breaks this).
creat /f
pwrite /f 0 4K seed=1
sync
utimes /f 1000.5 2000.25
persist /f
