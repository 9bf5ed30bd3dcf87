# Probes: the O_TMPFILE pattern of atomic file creation: write an unnamed
# file, fsync it, then give it a name with linkat and fsync the directory.
# A second tmpfile is never linked.
# ext4 guarantees: ext4_tmpfile puts the new inode on the orphan list, so
# after a crash before the link it is gone (orphan cleanup at mount); the
# linked file, after fsync of the file and of its directory, is there with
# its data; the unlinked one never appears.
mkdir /d
sync
open /d O_TMPFILE|O_RDWR 0644 as t
pwrite t 0 12K seed=1
fsync t
linkat t /d/final
fsync /d
open /d O_TMPFILE|O_RDWR 0600 as u
pwrite u 0 4K seed=2
fsync u
