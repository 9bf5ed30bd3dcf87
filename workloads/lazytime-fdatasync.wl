#! mount lazytime
# Probes: with lazytime, an in-place overwrite then fdatasync.  fdatasync
# does not promote I_DIRTY_TIME.
# ext4 guarantees: the data survives; the new mtime is usually lost (it
# lives only in memory until the inode is written for another reason).
creat /f
pwrite /f 0 8K seed=1
fsync /f
sleep 2
pwrite /f 0 4K seed=2
fdatasync /f
