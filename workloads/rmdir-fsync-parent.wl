# Probes: creating and removing a directory, with fsync of the parent.
# ext4 guarantees: after the first fsync of / the directory exists, after
# the second it is gone; / has the right nlink in both.
mkdir /p
mkdir /p/child
fsync /p
rmdir /p/child
persist /p
