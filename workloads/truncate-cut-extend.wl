# Probes: cutting a file inside a block (truncate to a size that is not a
# multiple of 4 KiB), growing it again within that block, then a commit
# by the timer before the sync.
# ext4 guarantees: in data=ordered the bytes past the cut read as zeroes
# once the new size is on disk: ext4_block_truncate_page() zeroes the
# block's tail and ties the block to the truncate's transaction
# (ext4_jbd2_inode_add_write), so the commit writes it first.  Under
# data=writeback and nojournal nothing orders it: the commit (or the
# inode's write) may reach the disk before the zeroed block, and the old
# bytes come back up to the new size -- stale data, which those modes
# allow (checker/CHECKER.md, "stale").
# sleep 11: two commit intervals, so kjournald2 commits the cut and the
# extension without an fsync (the kernel arms its timer when the
# transaction starts, the engine every commit= seconds from the mount).
creat /f
pwrite /f 0 16K seed=1
fsync /f
truncate /f 5000
pwrite /f 6000 100 seed=2
sleep 11
persist /f
