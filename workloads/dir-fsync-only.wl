# Probes: creating and writing a file, then fsyncing only its directory.
# ext4 guarantees: the entry /d/f survives; the file's data does not have
# to (delayed allocation has not allocated it).  The file may come back
# empty, but never with stale data under data=ordered.
mkdir /d
fsync /
creat /d/f
write /d/f 8K seed=9
fsync /d
