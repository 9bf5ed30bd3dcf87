# errseq: a writeback error is reported once to every open file that has
# not seen it, and to a file opened after it as long as nobody has seen it
# (Linux >= 4.17); a file opened after it was seen gets 0.
#
# lazytime keeps the overwrite's mtime in memory, so the background
# flusher's data write is the first write to the data area after the
# fault is armed (the default 64 MiB disk's data area starts at byte
# 5255168: engine/FORMAT.md).
#! mount lazytime
open /f O_CREAT|O_RDWR 0644 as a
open /f O_RDWR as b
pwrite a 0 4K seed=1
fsync a
pwrite a 0 4K seed=2
fault write EIO range 5255168-64M once
sleep 35                             # the flusher writes back: it fails
open /f O_RDONLY as late             # opened after the error, unseen
fsync late
expect EIO
fsync a
expect EIO
fsync a                              # seen by a: 0
fsync b
expect EIO
open /f O_RDONLY as later            # opened after it was seen
fsync later
