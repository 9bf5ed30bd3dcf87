# Probes: removing a file, then fsync of its directory.
# ext4 guarantees: after the directory fsync the entry is gone and, with no
# other link, the inode is freed; a crash before it may keep the file,
# whole.
mkdir /d
creat /d/keep
creat /d/gone
pwrite /d/gone 0 8K seed=2
sync
unlink /d/gone
persist /d
