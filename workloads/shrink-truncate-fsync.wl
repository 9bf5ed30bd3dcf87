# Probes: shrinking a file with truncate, then fsync.
# ext4 guarantees: the smaller size survives, and the freed blocks are not
# visible past the new end (the partial last block reads as zeroes past the
# size).  Blocks freed by the truncate may be reused only after it commits.
creat /f
pwrite /f 0 64K seed=1
fsync /f
truncate /f 10000
persist /f
