# Probes: a hole punched in a synced file, then a sync call (xfstests
# generic/059: after punching a hole and fsync, a power failure must not
# bring the old data back).
# ext4 guarantees: ext4_punch_hole zeroes the partial blocks at the edges
# (ext4_zero_partial_blocks, ordered in data=ordered) and removes the whole
# blocks' extents in one handle; fsync and fdatasync commit it, so the
# range reads as zeroes and the rest keeps its data.
creat /foo
pwrite /foo 0 64K seed=1
sync
fallocate /foo 6K 20K punch_hole
persist /foo
