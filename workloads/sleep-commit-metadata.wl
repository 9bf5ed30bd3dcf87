# Probes: namespace changes followed by 6 s of virtual time, no sync.
# ext4 guarantees: nothing; kjournald2's commit timer (commit=5) commits
# the running transaction, so later crash states keep the new directories.
mkdir /x
mkdir /x/y
creat /x/y/z
sleep 6
mark committed by the timer
