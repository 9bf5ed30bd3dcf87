# Probes: extending a file with truncate (no data written), then fdatasync.
# ext4 guarantees: the new size survives -- it is metadata needed to read
# the file, so fdatasync commits it (i_datasync_tid moves with i_disksize).
# The extension reads as zeroes.
creat /f
pwrite /f 0 6000 seed=1
fsync /f
truncate /f 1M
fdatasync /f
