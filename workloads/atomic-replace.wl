# Probes: the atomic replace idiom -- write a temporary file, fsync it,
# rename it over the old one, fsync the directory.
# ext4 guarantees: at every crash point /dir/config is the old file or the
# new one, complete (never missing, never empty); after the directory fsync
# it is the new one.  rename is one transaction (bug rename-two-tx breaks
# that).
mkdir /dir
creat /dir/config
pwrite /dir/config 0 6K seed=1
fsync /dir/config
fsync /dir
open /dir/config.tmp O_CREAT|O_WRONLY|O_TRUNC 0644
pwrite /dir/config.tmp 0 7K seed=2
persist /dir/config.tmp
close /dir/config.tmp
rename /dir/config.tmp /dir/config
fsync /dir
