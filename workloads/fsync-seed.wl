# Probes: the seed case -- create a file, write it, make it durable.
# ext4 guarantees: after fsync returns, the file's data, size, mode, nlink
# and mtime survive any crash; in the ext4 profile its directory entry too
# (the create is in the same or an earlier journal transaction).  With
# --persist fdatasync the data and size survive, mtime may not; with none,
# nothing is promised.
mkdir /a
open /a/foo O_CREAT|O_RDWR 0644
pwrite /a/foo 0 8K pattern=xorshift seed=7
persist /a/foo
