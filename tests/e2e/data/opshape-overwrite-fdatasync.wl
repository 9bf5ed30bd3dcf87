# opshape: overwrite 4 KiB inside a file, then fdatasync it (the size does not change), 64 rounds.
# tests/e2e/test_engine_opshape.py and bench/opshape.py count the
# device requests between each op's marks in the plugin's log.
open /f O_CREAT|O_RDWR 0644
# the file to overwrite, allocated and on disk
pwrite /f 0 256K
fsync /f
mark rounds
pwrite /f 0K 4K
fdatasync /f
pwrite /f 28K 4K
fdatasync /f
pwrite /f 56K 4K
fdatasync /f
pwrite /f 84K 4K
fdatasync /f
pwrite /f 112K 4K
fdatasync /f
pwrite /f 140K 4K
fdatasync /f
pwrite /f 168K 4K
fdatasync /f
pwrite /f 196K 4K
fdatasync /f
pwrite /f 224K 4K
fdatasync /f
pwrite /f 252K 4K
fdatasync /f
pwrite /f 24K 4K
fdatasync /f
pwrite /f 52K 4K
fdatasync /f
pwrite /f 80K 4K
fdatasync /f
pwrite /f 108K 4K
fdatasync /f
pwrite /f 136K 4K
fdatasync /f
pwrite /f 164K 4K
fdatasync /f
pwrite /f 192K 4K
fdatasync /f
pwrite /f 220K 4K
fdatasync /f
pwrite /f 248K 4K
fdatasync /f
pwrite /f 20K 4K
fdatasync /f
pwrite /f 48K 4K
fdatasync /f
pwrite /f 76K 4K
fdatasync /f
pwrite /f 104K 4K
fdatasync /f
pwrite /f 132K 4K
fdatasync /f
pwrite /f 160K 4K
fdatasync /f
pwrite /f 188K 4K
fdatasync /f
pwrite /f 216K 4K
fdatasync /f
pwrite /f 244K 4K
fdatasync /f
pwrite /f 16K 4K
fdatasync /f
pwrite /f 44K 4K
fdatasync /f
pwrite /f 72K 4K
fdatasync /f
pwrite /f 100K 4K
fdatasync /f
pwrite /f 128K 4K
fdatasync /f
pwrite /f 156K 4K
fdatasync /f
pwrite /f 184K 4K
fdatasync /f
pwrite /f 212K 4K
fdatasync /f
pwrite /f 240K 4K
fdatasync /f
pwrite /f 12K 4K
fdatasync /f
pwrite /f 40K 4K
fdatasync /f
pwrite /f 68K 4K
fdatasync /f
pwrite /f 96K 4K
fdatasync /f
pwrite /f 124K 4K
fdatasync /f
pwrite /f 152K 4K
fdatasync /f
pwrite /f 180K 4K
fdatasync /f
pwrite /f 208K 4K
fdatasync /f
pwrite /f 236K 4K
fdatasync /f
pwrite /f 8K 4K
fdatasync /f
pwrite /f 36K 4K
fdatasync /f
pwrite /f 64K 4K
fdatasync /f
pwrite /f 92K 4K
fdatasync /f
pwrite /f 120K 4K
fdatasync /f
pwrite /f 148K 4K
fdatasync /f
pwrite /f 176K 4K
fdatasync /f
pwrite /f 204K 4K
fdatasync /f
pwrite /f 232K 4K
fdatasync /f
pwrite /f 4K 4K
fdatasync /f
pwrite /f 32K 4K
fdatasync /f
pwrite /f 60K 4K
fdatasync /f
pwrite /f 88K 4K
fdatasync /f
pwrite /f 116K 4K
fdatasync /f
pwrite /f 144K 4K
fdatasync /f
pwrite /f 172K 4K
fdatasync /f
pwrite /f 200K 4K
fdatasync /f
pwrite /f 228K 4K
fdatasync /f
