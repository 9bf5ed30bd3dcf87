# fsyncgate (PostgreSQL, 2018): write, fsync fails with EIO, fsync again
# returns 0 -- and after a power cut the data is gone.
#
# What Linux guarantees: a failed writeback leaves its pages clean and
# reports the error once per open file (errseq, Linux >= 4.13); the second
# fsync finds nothing dirty, sends nothing and returns 0.  Its success
# covers what was still dirty when it was called -- not the page whose
# write failed.  `flushpoint check` shows the lost block as Linux
# behaviour (checker/CHECKER.md, "Errors"), not as an engine bug.
mkdir /pg
open /pg/data O_CREAT|O_RDWR 0600
pwrite /pg/data 0 8K seed=1
fsync /pg/data
pwrite /pg/data 0 8K seed=2          # the checkpoint's new pages
fault write EIO next                 # the disk fails the data write
fsync /pg/data
expect EIO
fsync /pg/data                       # the retry: 0, and nothing written
mark checkpoint believed durable
