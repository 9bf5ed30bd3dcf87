# Probes: extended attributes set and removed, then a sync call (xfstests
# generic/066: after setxattr/removexattr and fsync, a power failure must
# leave exactly the attributes fsync saw).
# ext4 guarantees: ext4_xattr_set_handle changes the in-inode area or the
# xattr block in one journalled handle and dirties the inode (I_DIRTY_SYNC
# only); fsync commits i_sync_tid, so the attributes survive fsync and sync.
# fdatasync promises nothing about them (the matrix shows it).
creat /foo
pwrite /foo 0 4K seed=1
setxattr /foo user.gone 16
sync
setxattr /foo user.small 16 seed=2
setxattr /foo user.big 3000 seed=3
removexattr /foo user.gone
persist /foo
