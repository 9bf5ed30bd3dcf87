# opshape: append 4 KiB to a file, then fsync it, 64 rounds.
# tests/e2e/test_engine_opshape.py and bench/opshape.py count the
# device requests between each op's marks in the plugin's log.
open /f O_CREAT|O_RDWR 0644
mark rounds
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
append /f 4K
fsync /f
