# Probes: the replace idiom without the final directory fsync.
# ext4 guarantees: nothing about which name wins, only atomicity: /d/cfg is
# always the old file or the new one, never missing.  After the temp file's
# fsync its contents are durable, whichever name it ends up under.
mkdir /d
creat /d/cfg
pwrite /d/cfg 0 4K seed=1
sync
creat /d/cfg.new
pwrite /d/cfg.new 0 5K seed=2
persist /d/cfg.new
rename /d/cfg.new /d/cfg
