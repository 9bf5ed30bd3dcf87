# Probes: a fast and a slow symlink, then fsync of their directory
# (xfstests generic/348: a symlink created and its parent fsynced must
# exist after a power failure, with its target).
# ext4 guarantees: ext4_symlink creates the inode and its entry in
# journalled handles (a fast symlink's target in i_block, a slow one's in
# a data block written through the page cache and ordered in
# data=ordered); fsync of a directory forces a commit (ext4_sync_file,
# the directory is not a regular file), so both names and targets survive.
mkdir /a
sync
symlink /a/target-that-fits-in-the-inode /a/fast
symlink ../a-target-of-more-than-sixty-bytes/so/that/ext4/needs/a/block/for/it /a/slow
fsync /a
