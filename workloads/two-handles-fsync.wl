# Probes: two descriptors on one file; writes through one, fsync through
# the other.
# ext4 guarantees: fsync works on the inode, not the descriptor: the data
# written through w is durable after fsync through r.
creat /f
open /f O_WRONLY as w
open /f O_RDONLY as r
pwrite w 0 8K seed=1
fsync r
pwrite w 8K 4K seed=2
fdatasync r
close w
close r
