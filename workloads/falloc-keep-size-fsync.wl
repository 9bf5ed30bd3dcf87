# Probes: preallocation past the end of file that keeps the size, then a
# sync call (CrashMonkey's new bug 1, btrfs: the blocks fallocate
# allocated past EOF were lost although fsync followed; xfstests
# generic/468 with -k).
# ext4 guarantees: ext4_fallocate -> ext4_alloc_file_blocks allocates
# unwritten extents in a journalled handle and updates i_sync_tid and
# i_datasync_tid (ext4_update_inode_fsync_trans), so fsync and fdatasync
# both commit it; the size stays 16 KiB and the data before it survives.
creat /foo
pwrite /foo 0 16K seed=1
fsync /foo
sync
fallocate /foo 16K 4K keep_size
persist /foo
