# Probes: RocksDB's write-ahead log pattern: appends pushed out early with
# sync_file_range(SYNC_FILE_RANGE_WRITE), then fdatasync for durability.
# ext4 guarantees: nothing from sync_file_range itself (it writes pages,
# no metadata and no FLUSH: the man page says there are no guarantees);
# after the final sync call the whole log's data and size survive.
creat /wal
sync
append /wal 8K seed=1
sync_file_range /wal 0 8K write
append /wal 8K seed=2
sync_file_range /wal 8K 8K write
append /wal 4K seed=3
persist /wal
