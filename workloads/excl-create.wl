# Probes: O_CREAT|O_EXCL on an existing name fails with EEXIST and changes
# nothing; errors in the language.
# ext4 guarantees: the first file's data after its fsync; the failed open
# and the failed unlink leave no trace.
open /lock O_CREAT|O_EXCL|O_WRONLY 0600
write /lock 100 seed=1
persist /lock
close /lock
open /lock O_CREAT|O_EXCL|O_WRONLY 0600
expect EEXIST
unlink /missing
expect ENOENT
rmdir /lock
expect ENOTDIR
