# Probes: overwrites and an extension through an O_SYNC descriptor.
# ext4 guarantees: each write is durable when it returns, like write +
# fsync: data, size and mtime.
creat /data
pwrite /data 0 16K seed=1
sync
open /data O_RDWR|O_SYNC
pwrite /data 0 4K seed=2
pwrite /data 8K 4K seed=3
pwrite /data 16K 4K seed=4
close /data
