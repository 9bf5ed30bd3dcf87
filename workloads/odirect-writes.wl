# Probes: O_DIRECT: an overwrite of allocated blocks and an extending
# append, each then fdatasync.  (An unaligned O_DIRECT write is EINVAL,
# except under data=journal, where ext4 falls back to buffered I/O before
# the alignment check: tests/unit/test_fs_direct.c, not a matrix row.)
# ext4 guarantees: ext4_direct_IO writes the blocks straight to the device
# (an overwrite of allocated blocks needs no journal commit); fdatasync
# then flushes the device cache and, for the extension, commits the new
# size (ext4_direct_IO_write updates i_disksize after the I/O): data and
# size survive.
creat /db
pwrite /db 0 16K seed=1
sync
open /db O_RDWR|O_DIRECT as d
pwrite d 4K 4K seed=2
fdatasync d
pwrite d 16K 8K seed=3
persist d
