# Probes: creating a file and fsyncing only the file, not its directory.
# ext4 guarantees: the file's data and metadata, and -- in the ext4 profile
# -- its directory entry, because ext4 journals the new entry in the same
# transaction as the inode.  POSIX promises the entry only after an fsync
# of the directory (the posix profile does not count it).
mkdir /d
fsync /
open /d/new O_CREAT|O_WRONLY 0644
write /d/new 12K seed=5
persist /d/new
