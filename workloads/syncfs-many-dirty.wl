# Probes: several dirty files in several directories, then syncfs.
# ext4 guarantees: after syncfs every file and directory as it was at the
# call: data, sizes, entries.
mkdir /a
mkdir /b
creat /a/1
write /a/1 10K seed=1
creat /a/2
write /a/2 1K seed=2
creat /b/3
write /b/3 33K seed=3
truncate /a/1 5000
syncfs
