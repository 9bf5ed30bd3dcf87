# Probes: overwriting allocated blocks in place, then fdatasync.  Only the
# data and the timestamps change.
# ext4 guarantees: the new data survives; the new mtime need not --
# fdatasync only waits for i_datasync_tid, which a timestamp-only change
# does not move.  The checker shows crash states with new data, old mtime.
creat /db
pwrite /db 0 16K seed=1
fsync /db
sleep 1
pwrite /db 4K 8K seed=2
fdatasync /db
