# Probes: fsync/fdatasync of a directory after a new name in it.
# ext4 guarantees: the entries survive both (ext4_sync_file()
# forces a commit for every inode ext4_should_journal_data() is true for,
# and ext4_inode_journal_mode() makes that every non-regular inode, so
# /d/g (created after the last commit) is in every state after the
# fdatasync.  Real ext4 writes a transaction for it; an engine that decides
# data=journal per file system sends only a FLUSH and loses /d/g.
mkdir /d
sync
creat /d/f
pwrite /d/f 0 4K seed=1
fsync /d/f
creat /d/g
persist /d
