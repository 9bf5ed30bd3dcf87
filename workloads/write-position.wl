# Probes: sequential writes at the descriptor's position, and O_APPEND.
# ext4 guarantees: after fsync, the file holds the three writes back to
# back and the appended tail after them.
open /seq O_CREAT|O_WRONLY 0644
write /seq 3000 seed=1
write /seq 3000 seed=2
write /seq 3000 seed=3
persist /seq
close /seq
open /seq O_WRONLY|O_APPEND as app
write app 1000 seed=4
persist app
