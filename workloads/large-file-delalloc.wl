#! disk 256M
# Probes: a 64 MiB file written under delayed allocation, then fsync.
# ext4 guarantees: fsync writes back every dirty page (allocating extents
# at writeback), commits the allocation and size, and flushes: all 64 MiB
# and the size survive.  Under data=ordered no crash state shows blocks the
# file did not write (stale data).
mkdir /big
open /big/file O_CREAT|O_WRONLY 0644
write /big/file 16M seed=1
write /big/file 16M seed=2
write /big/file 16M seed=3
write /big/file 16M seed=4
persist /big/file
