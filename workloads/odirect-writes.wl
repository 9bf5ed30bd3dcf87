# Probes: O_DIRECT: an overwrite of allocated blocks and an extending
# append, each then fdatasync; an unaligned write is refused.
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
pwrite d 100 512 seed=4
expect EINVAL
