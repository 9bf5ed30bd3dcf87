# Probes: renaming a durable file without any sync afterwards.
# ext4 guarantees: nothing new is promised; the file is under the old name
# or the new one (rename is atomic), with its synced data, and never under
# both or neither.
mkdir /a
mkdir /b
creat /a/f
pwrite /a/f 0 8K seed=3
sync
rename /a/f /b/g
