# Probes: buffered writes into fallocated (unwritten) blocks that an
# earlier file's bytes still occupy on the device, then another file's
# commit before the writes reach the disk (the pattern of xfstests
# generic/311's preallocated files, and what unwritten extents exist for).
# ext4 guarantees: the extent stays unwritten until the data write has
# completed (ext4_convert_unwritten_extents from the I/O's end_io), so no
# commit -- not /bar's fsync, not the timer -- can make the old bytes
# readable through /foo: every block reads as zeroes or as written, never
# as /old's data; after persist the data and size survive.
#! disk 16M
creat /old
pwrite /old 0 10M seed=1
sync
unlink /old
sync
# Most of the free space: the allocator must give /foo /old's blocks.
creat /foo
fallocate /foo 0 10M
sync
pwrite /foo 0 64K seed=2
creat /bar
append /bar 4K seed=3
fsync /bar
persist /foo
