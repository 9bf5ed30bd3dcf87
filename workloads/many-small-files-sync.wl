# Probes: many small files in a few directories, then one sync.
# ext4 guarantees: after sync every file's data, size and entry.  Before
# it, some may survive (background commits), never with stale data under
# data=ordered.
mkdir /d0
mkdir /d1
mkdir /d2
mkdir /d3
creat /d0/f0
write /d0/f0 512 seed=1
creat /d1/f1
write /d1/f1 609 seed=2
creat /d2/f2
write /d2/f2 706 seed=3
creat /d3/f3
write /d3/f3 803 seed=4
creat /d0/f4
write /d0/f4 900 seed=5
creat /d1/f5
write /d1/f5 997 seed=6
creat /d2/f6
write /d2/f6 1094 seed=7
creat /d3/f7
write /d3/f7 1191 seed=8
creat /d0/f8
write /d0/f8 1288 seed=9
creat /d1/f9
write /d1/f9 1385 seed=10
creat /d2/f10
write /d2/f10 1482 seed=11
creat /d3/f11
write /d3/f11 1579 seed=12
creat /d0/f12
write /d0/f12 1676 seed=13
creat /d1/f13
write /d1/f13 1773 seed=14
creat /d2/f14
write /d2/f14 1870 seed=15
creat /d3/f15
write /d3/f15 1967 seed=16
creat /d0/f16
write /d0/f16 2064 seed=17
creat /d1/f17
write /d1/f17 2161 seed=18
creat /d2/f18
write /d2/f18 2258 seed=19
creat /d3/f19
write /d3/f19 2355 seed=20
creat /d0/f20
write /d0/f20 2452 seed=21
creat /d1/f21
write /d1/f21 2549 seed=22
creat /d2/f22
write /d2/f22 2646 seed=23
creat /d3/f23
write /d3/f23 2743 seed=24
creat /d0/f24
write /d0/f24 2840 seed=25
creat /d1/f25
write /d1/f25 2937 seed=26
creat /d2/f26
write /d2/f26 3034 seed=27
creat /d3/f27
write /d3/f27 3131 seed=28
creat /d0/f28
write /d0/f28 3228 seed=29
creat /d1/f29
write /d1/f29 3325 seed=30
creat /d2/f30
write /d2/f30 3422 seed=31
creat /d3/f31
write /d3/f31 3519 seed=32
creat /d0/f32
write /d0/f32 3616 seed=33
creat /d1/f33
write /d1/f33 3713 seed=34
creat /d2/f34
write /d2/f34 3810 seed=35
creat /d3/f35
write /d3/f35 3907 seed=36
creat /d0/f36
write /d0/f36 4004 seed=37
creat /d1/f37
write /d1/f37 4101 seed=38
creat /d2/f38
write /d2/f38 4198 seed=39
creat /d3/f39
write /d3/f39 4295 seed=40
creat /d0/f40
write /d0/f40 4392 seed=41
creat /d1/f41
write /d1/f41 4489 seed=42
creat /d2/f42
write /d2/f42 4586 seed=43
creat /d3/f43
write /d3/f43 4683 seed=44
creat /d0/f44
write /d0/f44 4780 seed=45
creat /d1/f45
write /d1/f45 4877 seed=46
creat /d2/f46
write /d2/f46 4974 seed=47
creat /d3/f47
write /d3/f47 5071 seed=48
creat /d0/f48
write /d0/f48 5168 seed=49
creat /d1/f49
write /d1/f49 5265 seed=50
creat /d2/f50
write /d2/f50 5362 seed=51
creat /d3/f51
write /d3/f51 5459 seed=52
creat /d0/f52
write /d0/f52 5556 seed=53
creat /d1/f53
write /d1/f53 5653 seed=54
creat /d2/f54
write /d2/f54 5750 seed=55
creat /d3/f55
write /d3/f55 5847 seed=56
creat /d0/f56
write /d0/f56 5944 seed=57
creat /d1/f57
write /d1/f57 6041 seed=58
creat /d2/f58
write /d2/f58 6138 seed=59
creat /d3/f59
write /d3/f59 6235 seed=60
creat /d0/f60
write /d0/f60 6332 seed=61
creat /d1/f61
write /d1/f61 6429 seed=62
creat /d2/f62
write /d2/f62 6526 seed=63
creat /d3/f63
write /d3/f63 6623 seed=64
creat /d0/f64
write /d0/f64 6720 seed=65
creat /d1/f65
write /d1/f65 6817 seed=66
creat /d2/f66
write /d2/f66 6914 seed=67
creat /d3/f67
write /d3/f67 7011 seed=68
creat /d0/f68
write /d0/f68 7108 seed=69
creat /d1/f69
write /d1/f69 7205 seed=70
creat /d2/f70
write /d2/f70 7302 seed=71
creat /d3/f71
write /d3/f71 7399 seed=72
creat /d0/f72
write /d0/f72 7496 seed=73
creat /d1/f73
write /d1/f73 7593 seed=74
creat /d2/f74
write /d2/f74 7690 seed=75
creat /d3/f75
write /d3/f75 7787 seed=76
creat /d0/f76
write /d0/f76 7884 seed=77
creat /d1/f77
write /d1/f77 7981 seed=78
creat /d2/f78
write /d2/f78 8078 seed=79
creat /d3/f79
write /d3/f79 8175 seed=80
creat /d0/f80
write /d0/f80 8272 seed=81
creat /d1/f81
write /d1/f81 8369 seed=82
creat /d2/f82
write /d2/f82 8466 seed=83
creat /d3/f83
write /d3/f83 8563 seed=84
creat /d0/f84
write /d0/f84 8660 seed=85
creat /d1/f85
write /d1/f85 8757 seed=86
creat /d2/f86
write /d2/f86 8854 seed=87
creat /d3/f87
write /d3/f87 8951 seed=88
creat /d0/f88
write /d0/f88 9048 seed=89
creat /d1/f89
write /d1/f89 9145 seed=90
creat /d2/f90
write /d2/f90 9242 seed=91
creat /d3/f91
write /d3/f91 9339 seed=92
creat /d0/f92
write /d0/f92 9436 seed=93
creat /d1/f93
write /d1/f93 9533 seed=94
creat /d2/f94
write /d2/f94 9630 seed=95
creat /d3/f95
write /d3/f95 9727 seed=96
creat /d0/f96
write /d0/f96 9824 seed=97
creat /d1/f97
write /d1/f97 9921 seed=98
creat /d2/f98
write /d2/f98 10018 seed=99
creat /d3/f99
write /d3/f99 10115 seed=100
creat /d0/f100
write /d0/f100 10212 seed=101
creat /d1/f101
write /d1/f101 10309 seed=102
creat /d2/f102
write /d2/f102 10406 seed=103
creat /d3/f103
write /d3/f103 10503 seed=104
creat /d0/f104
write /d0/f104 10600 seed=105
creat /d1/f105
write /d1/f105 10697 seed=106
creat /d2/f106
write /d2/f106 10794 seed=107
creat /d3/f107
write /d3/f107 10891 seed=108
creat /d0/f108
write /d0/f108 10988 seed=109
creat /d1/f109
write /d1/f109 11085 seed=110
creat /d2/f110
write /d2/f110 11182 seed=111
creat /d3/f111
write /d3/f111 11279 seed=112
creat /d0/f112
write /d0/f112 11376 seed=113
creat /d1/f113
write /d1/f113 11473 seed=114
creat /d2/f114
write /d2/f114 11570 seed=115
creat /d3/f115
write /d3/f115 11667 seed=116
creat /d0/f116
write /d0/f116 11764 seed=117
creat /d1/f117
write /d1/f117 11861 seed=118
creat /d2/f118
write /d2/f118 11958 seed=119
creat /d3/f119
write /d3/f119 12055 seed=120
creat /d0/f120
write /d0/f120 12152 seed=121
creat /d1/f121
write /d1/f121 12249 seed=122
creat /d2/f122
write /d2/f122 12346 seed=123
creat /d3/f123
write /d3/f123 12443 seed=124
creat /d0/f124
write /d0/f124 12540 seed=125
creat /d1/f125
write /d1/f125 12637 seed=126
creat /d2/f126
write /d2/f126 12734 seed=127
creat /d3/f127
write /d3/f127 12831 seed=128
sync
