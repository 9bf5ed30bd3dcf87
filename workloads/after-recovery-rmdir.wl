# Probes: a directory emptied and synced must still be usable after any
# crash (xfstests generic/034 and generic/039: after log replay btrfs left
# directories that could not be removed because their size was wrong).
# ext4 guarantees: recovery replays whole transactions, so every recovered
# state's namespace is consistent: each after-recovery operation below
# succeeds, or fails only as the recovered state explains (the name is
# not there yet, the directory still holds a file).
mkdir /d
creat /d/a
creat /d/b
pwrite /d/b 0 8K
sync
link /d/b /d/c
unlink /d/a
fsync /d
unlink /d/b
unlink /d/c
persist /d
after-recovery
unlink /d/a
unlink /d/b
unlink /d/c
rmdir /d
mkdir /d
creat /d/new
