# Probes: stores through a shared mapping, then msync(MS_SYNC) (Ace's
# mmap + msync; how LMDB and many embedded databases commit).
# ext4 guarantees: a store dirties the page (ext4_page_mkwrite: the
# block's reservation or allocation, file_update_time); msync(MS_SYNC) is
# vfs_fsync_range over the mapping with datasync, so the mapped blocks'
# data survives it; MS_ASYNC promises nothing.  Blocks outside the
# mapping are not covered by its msync.
creat /db
pwrite /db 0 32K seed=1
sync
mmap /db 0 16K as m
mwrite m 0 4K seed=2
mwrite m 8K 8K seed=3
msync m MS_ASYNC
msync m
pwrite /db 24K 4K seed=4
mwrite m 4K 4K seed=5
persist /db
munmap m
