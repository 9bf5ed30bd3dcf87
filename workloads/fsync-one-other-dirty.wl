#! mount commit=60
# Probes: one file fsynced while another file's blocks were just allocated
# by the flusher in the still-running transaction (commit=60 keeps
# kjournald2 from committing it first).
# ext4 guarantees: /a's data and metadata.  /b is not promised, but its
# allocation rides in the transaction fsync(/a) commits, and data=ordered
# writes /b's data before that commit block: no crash state may show /b's
# new blocks with stale contents (bug no-ordered-data breaks this).
creat /b
write /b 24K seed=2
sleep 36
creat /a
write /a 8K seed=1
persist /a
