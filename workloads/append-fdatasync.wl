# Probes: appending then fdatasync.
# ext4 guarantees: fdatasync must persist the new size because it is needed
# to read the data back: the size change updates i_datasync_tid, so the
# transaction is committed (bug switch no-datasync-tid breaks exactly this).
creat /log
append /log 4K seed=1
fdatasync /log
append /log 4K seed=2
append /log 1000 seed=3
fdatasync /log
