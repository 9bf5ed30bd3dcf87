# A failed FLUSH before a commit block is a failed commit: jbd2 aborts the
# journal, the fsync waiting for the commit gets EIO, and from then on
# every change and every sync call gets EROFS.  Mounting again recovers
# the last committed transaction (the first fsync's), which every crash
# state of this run must show.
creat /f
pwrite /f 0 4K
fsync /f
append /f 4K
fault flush EIO next
fsync /f
expect EIO
fault clear
append /f 4K
expect EROFS
mkdir /d
expect EROFS
fsync /f
expect EROFS
sync
expect EROFS
