# Probes: creating a file, fsyncing it and then its directory.
# ext4 guarantees (both profiles): the file's data and metadata after the
# first fsync, and the directory entry /d/new -> the file after fsync of /d.
mkdir /d
fsync /
open /d/new O_CREAT|O_WRONLY 0644
write /d/new 12K seed=5
persist /d/new
fsync /d
