# Probes: special files (a FIFO and a character device) created, renamed,
# and their directory fsynced (the btrfs rename-of-special-files bugs).
# ext4 guarantees: ext4_mknod creates the inode and entry in one handle
# and ext4_rename is one handle; fsync of the directory commits them, so
# the names and the identities survive.
mkdir /d
sync
mknod /d/fifo fifo
mknod /d/null char 0600 dev=1:3
rename /d/fifo /d/pipe
fsync /d
