# Probes: sparse writes far apart, with holes between, then fsync.
# ext4 guarantees: written ranges survive, holes read as zeroes, the size is
# the end of the last write; no block of another file shows through a hole.
creat /sparse
pwrite /sparse 0 4K seed=1
pwrite /sparse 1M 4K seed=2
pwrite /sparse 100M 6000 seed=3
pwrite /sparse 8200 100 seed=4
persist /sparse
truncate /sparse 200M
persist /sparse
