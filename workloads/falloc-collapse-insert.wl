# Probes: collapse_range and insert_range shift a file's blocks, then a
# sync call.
# ext4 guarantees: ext4_collapse_range and ext4_insert_range write out
# the dirty pages, then shift the extents and change i_size in one handle
# (collapse also ext4_force_commit's first); after fsync the file reads as
# shifted, with the inserted hole as zeroes.
creat /foo
pwrite /foo 0 32K seed=1
sync
fallocate /foo 4K 8K collapse_range
fallocate /foo 8K 4K insert_range
persist /foo
