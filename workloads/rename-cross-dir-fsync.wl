# Probes: moving a file between directories, then fsyncing both.
# ext4 guarantees: after fsync of the target directory the new entry
# survives, and since rename is one transaction the old entry is gone in
# every state that has the new one.
mkdir /a
mkdir /b
creat /a/f
pwrite /a/f 0 4K seed=4
sync
rename /a/f /b/f
persist /b
fsync /a
