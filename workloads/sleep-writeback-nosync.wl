# Probes: writes followed by 35 s of virtual time and no sync call.
# ext4 guarantees: nothing (no sync call was made).  In practice the
# flusher writes pages dirty for longer than dirty_expire (30 s) and
# kjournald2 commits every 5 s, so the late crash states keep the data: the
# report shows it, without calling it a promise.
mkdir /d
creat /d/a
write /d/a 20K seed=1
creat /d/b
write /d/b 3K seed=2
sleep 35
mark slept
