# Probes: zero_range|keep_size far past the end of file, then fdatasync
# (CrashMonkey's new bug 2, f2fs: the recovered size was the end of the
# zeroed range, not the file's).
# ext4 guarantees: ext4_zero_range with FALLOC_FL_KEEP_SIZE leaves i_size;
# the size after a crash is 16 KiB and the data survives.
creat /foo
pwrite /foo 8K 8K seed=1
fsync /foo
fallocate /foo 4202496 8192 zero_range|keep_size
persist /foo
