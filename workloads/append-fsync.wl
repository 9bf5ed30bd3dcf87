# Probes: appending to a file that is already durable, then fsync.
# ext4 guarantees: the appended bytes and the new size survive fsync (the
# size change is journaled in the transaction fsync commits; with
# data=ordered the data blocks are written before the commit block).
creat /log
append /log 4K seed=1
fsync /log
append /log 4K seed=2
append /log 1000 seed=3
fsync /log
