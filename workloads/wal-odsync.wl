# Probes: write-ahead-log style appends through an O_DSYNC|O_APPEND file.
# ext4 guarantees: each append is durable when it returns, like write +
# fdatasync: the data and the growing size (needed to read it); mtime need
# not be.  Each after-mark carries the expected state ("odsync").
mkdir /db
open /db/wal O_CREAT|O_WRONLY|O_APPEND|O_DSYNC 0644
write /db/wal 512 seed=1
write /db/wal 512 seed=2
write /db/wal 4K seed=3
write /db/wal 100 seed=4
write /db/wal 8K seed=5
close /db/wal
