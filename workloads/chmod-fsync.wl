# Probes: a metadata-only change (mode) to a durable file.
# ext4 guarantees: fsync persists the new mode; fdatasync does not have to
# (mode is not needed to read the data).
creat /f 0644
pwrite /f 0 4K seed=1
sync
chmod /f 0600
persist /f
