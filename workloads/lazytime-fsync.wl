#! mount lazytime
# Probes: with lazytime, an in-place overwrite only marks the inode
# I_DIRTY_TIME; fsync promotes that to a real inode update.
# ext4 guarantees: data and the new mtime survive fsync.
creat /f
pwrite /f 0 8K seed=1
fsync /f
sleep 2
pwrite /f 0 4K seed=2
fsync /f
