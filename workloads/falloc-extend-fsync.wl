# Probes: fallocate that grows the file (mode 0), then writes into the
# unwritten range, then a sync call (xfstests generic/468 without -k).
# ext4 guarantees: the new size (ext4_alloc_file_blocks updates i_disksize
# in its handle) and, after the writes, their data: a written block of an
# unwritten extent reads as data only once ext4_convert_unwritten_extents
# ran at I/O completion, and the blocks not written read as zeroes, never
# as stale bytes.
creat /foo
pwrite /foo 0 8K seed=1
sync
fallocate /foo 8K 56K
pwrite /foo 16K 8K seed=2
persist /foo
