# Probes: renameat2's flags: an atomic exchange of two synced files, a
# rename that must not replace, and a whiteout, then fsync of the
# directory.
# ext4 guarantees: ext4_rename2 with RENAME_EXCHANGE is ext4_cross_rename,
# one handle for both entries: after any crash each name holds either its
# old or its new file, never nothing and never the same file twice; after
# fsync of the directory, the new ones.  RENAME_NOREPLACE onto an existing
# name fails with EEXIST and changes nothing; RENAME_WHITEOUT leaves a
# character device 0:0 under the old name in the same handle.
mkdir /d
creat /d/a
pwrite /d/a 0 4K seed=1
creat /d/b
pwrite /d/b 0 8K seed=2
sync
rename /d/a /d/b exchange
rename /d/b /d/a noreplace
expect EEXIST
rename /d/a /d/c whiteout
fsync /d
