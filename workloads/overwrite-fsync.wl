# Probes: overwriting allocated blocks in place, then fsync.  Only the data
# and the timestamps change: no allocation, no size change.
# ext4 guarantees: the new data and the new mtime/ctime survive fsync
# (fsync commits i_sync_tid, which the timestamp update moved).
creat /db
pwrite /db 0 16K seed=1
fsync /db
sleep 1
pwrite /db 4K 8K seed=2
fsync /db
