# Probes: enough small fsynced transactions to wrap the journal, so
# checkpointing must write metadata home and reuse journal space.
# ext4 guarantees: every fsync's state, across the wrap; recovery replays
# only committed transactions (bugs checkpoint-before-commit and
# replay-uncommitted break this).
creat /log
append /log 512 seed=1
fsync /log
append /log 512 seed=2
fsync /log
append /log 512 seed=3
fsync /log
append /log 512 seed=4
fsync /log
append /log 512 seed=5
fsync /log
append /log 512 seed=6
fsync /log
append /log 512 seed=7
fsync /log
append /log 512 seed=8
fsync /log
append /log 512 seed=9
fsync /log
append /log 512 seed=10
fsync /log
append /log 512 seed=11
fsync /log
append /log 512 seed=12
fsync /log
append /log 512 seed=13
fsync /log
append /log 512 seed=14
fsync /log
append /log 512 seed=15
fsync /log
append /log 512 seed=16
fsync /log
append /log 512 seed=17
fsync /log
append /log 512 seed=18
fsync /log
append /log 512 seed=19
fsync /log
append /log 512 seed=20
fsync /log
append /log 512 seed=21
fsync /log
append /log 512 seed=22
fsync /log
append /log 512 seed=23
fsync /log
append /log 512 seed=24
fsync /log
append /log 512 seed=25
fsync /log
append /log 512 seed=26
fsync /log
append /log 512 seed=27
fsync /log
append /log 512 seed=28
fsync /log
append /log 512 seed=29
fsync /log
append /log 512 seed=30
fsync /log
append /log 512 seed=31
fsync /log
append /log 512 seed=32
fsync /log
append /log 512 seed=33
fsync /log
append /log 512 seed=34
fsync /log
append /log 512 seed=35
fsync /log
append /log 512 seed=36
fsync /log
append /log 512 seed=37
fsync /log
append /log 512 seed=38
fsync /log
append /log 512 seed=39
fsync /log
append /log 512 seed=40
fsync /log
append /log 512 seed=41
fsync /log
append /log 512 seed=42
fsync /log
append /log 512 seed=43
fsync /log
append /log 512 seed=44
fsync /log
append /log 512 seed=45
fsync /log
append /log 512 seed=46
fsync /log
append /log 512 seed=47
fsync /log
append /log 512 seed=48
fsync /log
append /log 512 seed=49
fsync /log
append /log 512 seed=50
fsync /log
append /log 512 seed=51
fsync /log
append /log 512 seed=52
fsync /log
append /log 512 seed=53
fsync /log
append /log 512 seed=54
fsync /log
append /log 512 seed=55
fsync /log
append /log 512 seed=56
fsync /log
append /log 512 seed=57
fsync /log
append /log 512 seed=58
fsync /log
append /log 512 seed=59
fsync /log
append /log 512 seed=60
fsync /log
append /log 512 seed=61
fsync /log
append /log 512 seed=62
fsync /log
append /log 512 seed=63
fsync /log
append /log 512 seed=64
fsync /log
append /log 512 seed=65
fsync /log
append /log 512 seed=66
fsync /log
append /log 512 seed=67
fsync /log
append /log 512 seed=68
fsync /log
append /log 512 seed=69
fsync /log
append /log 512 seed=70
fsync /log
append /log 512 seed=71
fsync /log
append /log 512 seed=72
fsync /log
append /log 512 seed=73
fsync /log
append /log 512 seed=74
fsync /log
append /log 512 seed=75
fsync /log
append /log 512 seed=76
fsync /log
append /log 512 seed=77
fsync /log
append /log 512 seed=78
fsync /log
append /log 512 seed=79
fsync /log
append /log 512 seed=80
fsync /log
append /log 512 seed=81
fsync /log
append /log 512 seed=82
fsync /log
append /log 512 seed=83
fsync /log
append /log 512 seed=84
fsync /log
append /log 512 seed=85
fsync /log
append /log 512 seed=86
fsync /log
append /log 512 seed=87
fsync /log
append /log 512 seed=88
fsync /log
append /log 512 seed=89
fsync /log
append /log 512 seed=90
fsync /log
append /log 512 seed=91
fsync /log
append /log 512 seed=92
fsync /log
append /log 512 seed=93
fsync /log
append /log 512 seed=94
fsync /log
append /log 512 seed=95
fsync /log
append /log 512 seed=96
fsync /log
append /log 512 seed=97
fsync /log
append /log 512 seed=98
fsync /log
append /log 512 seed=99
fsync /log
append /log 512 seed=100
fsync /log
append /log 512 seed=101
fsync /log
append /log 512 seed=102
fsync /log
append /log 512 seed=103
fsync /log
append /log 512 seed=104
fsync /log
append /log 512 seed=105
fsync /log
append /log 512 seed=106
fsync /log
append /log 512 seed=107
fsync /log
append /log 512 seed=108
fsync /log
append /log 512 seed=109
fsync /log
append /log 512 seed=110
fsync /log
append /log 512 seed=111
fsync /log
append /log 512 seed=112
fsync /log
append /log 512 seed=113
fsync /log
append /log 512 seed=114
fsync /log
append /log 512 seed=115
fsync /log
append /log 512 seed=116
fsync /log
append /log 512 seed=117
fsync /log
append /log 512 seed=118
fsync /log
append /log 512 seed=119
fsync /log
append /log 512 seed=120
fsync /log
append /log 512 seed=121
fsync /log
append /log 512 seed=122
fsync /log
append /log 512 seed=123
fsync /log
append /log 512 seed=124
fsync /log
append /log 512 seed=125
fsync /log
append /log 512 seed=126
fsync /log
append /log 512 seed=127
fsync /log
append /log 512 seed=128
fsync /log
append /log 512 seed=129
fsync /log
append /log 512 seed=130
fsync /log
append /log 512 seed=131
fsync /log
append /log 512 seed=132
fsync /log
append /log 512 seed=133
fsync /log
append /log 512 seed=134
fsync /log
append /log 512 seed=135
fsync /log
append /log 512 seed=136
fsync /log
append /log 512 seed=137
fsync /log
append /log 512 seed=138
fsync /log
append /log 512 seed=139
fsync /log
append /log 512 seed=140
fsync /log
append /log 512 seed=141
fsync /log
append /log 512 seed=142
fsync /log
append /log 512 seed=143
fsync /log
append /log 512 seed=144
fsync /log
append /log 512 seed=145
fsync /log
append /log 512 seed=146
fsync /log
append /log 512 seed=147
fsync /log
append /log 512 seed=148
fsync /log
append /log 512 seed=149
fsync /log
append /log 512 seed=150
fsync /log
append /log 512 seed=151
fsync /log
append /log 512 seed=152
fsync /log
append /log 512 seed=153
fsync /log
append /log 512 seed=154
fsync /log
append /log 512 seed=155
fsync /log
append /log 512 seed=156
fsync /log
append /log 512 seed=157
fsync /log
append /log 512 seed=158
fsync /log
append /log 512 seed=159
fsync /log
append /log 512 seed=160
fsync /log
append /log 512 seed=161
fsync /log
append /log 512 seed=162
fsync /log
append /log 512 seed=163
fsync /log
append /log 512 seed=164
fsync /log
append /log 512 seed=165
fsync /log
append /log 512 seed=166
fsync /log
append /log 512 seed=167
fsync /log
append /log 512 seed=168
fsync /log
append /log 512 seed=169
fsync /log
append /log 512 seed=170
fsync /log
append /log 512 seed=171
fsync /log
append /log 512 seed=172
fsync /log
append /log 512 seed=173
fsync /log
append /log 512 seed=174
fsync /log
append /log 512 seed=175
fsync /log
append /log 512 seed=176
fsync /log
append /log 512 seed=177
fsync /log
append /log 512 seed=178
fsync /log
append /log 512 seed=179
fsync /log
append /log 512 seed=180
fsync /log
append /log 512 seed=181
fsync /log
append /log 512 seed=182
fsync /log
append /log 512 seed=183
fsync /log
append /log 512 seed=184
fsync /log
append /log 512 seed=185
fsync /log
append /log 512 seed=186
fsync /log
append /log 512 seed=187
fsync /log
append /log 512 seed=188
fsync /log
append /log 512 seed=189
fsync /log
append /log 512 seed=190
fsync /log
append /log 512 seed=191
fsync /log
append /log 512 seed=192
fsync /log
append /log 512 seed=193
fsync /log
append /log 512 seed=194
fsync /log
append /log 512 seed=195
fsync /log
append /log 512 seed=196
fsync /log
append /log 512 seed=197
fsync /log
append /log 512 seed=198
fsync /log
append /log 512 seed=199
fsync /log
append /log 512 seed=200
fsync /log
append /log 512 seed=201
fsync /log
append /log 512 seed=202
fsync /log
append /log 512 seed=203
fsync /log
append /log 512 seed=204
fsync /log
append /log 512 seed=205
fsync /log
append /log 512 seed=206
fsync /log
append /log 512 seed=207
fsync /log
append /log 512 seed=208
fsync /log
append /log 512 seed=209
fsync /log
append /log 512 seed=210
fsync /log
append /log 512 seed=211
fsync /log
append /log 512 seed=212
fsync /log
append /log 512 seed=213
fsync /log
append /log 512 seed=214
fsync /log
append /log 512 seed=215
fsync /log
append /log 512 seed=216
fsync /log
append /log 512 seed=217
fsync /log
append /log 512 seed=218
fsync /log
append /log 512 seed=219
fsync /log
append /log 512 seed=220
fsync /log
append /log 512 seed=221
fsync /log
append /log 512 seed=222
fsync /log
append /log 512 seed=223
fsync /log
append /log 512 seed=224
fsync /log
append /log 512 seed=225
fsync /log
append /log 512 seed=226
fsync /log
append /log 512 seed=227
fsync /log
append /log 512 seed=228
fsync /log
append /log 512 seed=229
fsync /log
append /log 512 seed=230
fsync /log
append /log 512 seed=231
fsync /log
append /log 512 seed=232
fsync /log
append /log 512 seed=233
fsync /log
append /log 512 seed=234
fsync /log
append /log 512 seed=235
fsync /log
append /log 512 seed=236
fsync /log
append /log 512 seed=237
fsync /log
append /log 512 seed=238
fsync /log
append /log 512 seed=239
fsync /log
append /log 512 seed=240
fsync /log
append /log 512 seed=241
fsync /log
append /log 512 seed=242
fsync /log
append /log 512 seed=243
fsync /log
append /log 512 seed=244
fsync /log
append /log 512 seed=245
fsync /log
append /log 512 seed=246
fsync /log
append /log 512 seed=247
fsync /log
append /log 512 seed=248
fsync /log
append /log 512 seed=249
fsync /log
append /log 512 seed=250
fsync /log
append /log 512 seed=251
fsync /log
append /log 512 seed=252
fsync /log
append /log 512 seed=253
fsync /log
append /log 512 seed=254
fsync /log
append /log 512 seed=255
fsync /log
append /log 512 seed=256
fsync /log
append /log 512 seed=257
fsync /log
append /log 512 seed=258
fsync /log
append /log 512 seed=259
fsync /log
append /log 512 seed=260
fsync /log
append /log 512 seed=261
fsync /log
append /log 512 seed=262
fsync /log
append /log 512 seed=263
fsync /log
append /log 512 seed=264
fsync /log
append /log 512 seed=265
fsync /log
append /log 512 seed=266
fsync /log
append /log 512 seed=267
fsync /log
append /log 512 seed=268
fsync /log
append /log 512 seed=269
fsync /log
append /log 512 seed=270
fsync /log
append /log 512 seed=271
fsync /log
append /log 512 seed=272
fsync /log
append /log 512 seed=273
fsync /log
append /log 512 seed=274
fsync /log
append /log 512 seed=275
fsync /log
append /log 512 seed=276
fsync /log
append /log 512 seed=277
fsync /log
append /log 512 seed=278
fsync /log
append /log 512 seed=279
fsync /log
append /log 512 seed=280
fsync /log
append /log 512 seed=281
fsync /log
append /log 512 seed=282
fsync /log
append /log 512 seed=283
fsync /log
append /log 512 seed=284
fsync /log
append /log 512 seed=285
fsync /log
append /log 512 seed=286
fsync /log
append /log 512 seed=287
fsync /log
append /log 512 seed=288
fsync /log
append /log 512 seed=289
fsync /log
append /log 512 seed=290
fsync /log
append /log 512 seed=291
fsync /log
append /log 512 seed=292
fsync /log
append /log 512 seed=293
fsync /log
append /log 512 seed=294
fsync /log
append /log 512 seed=295
fsync /log
append /log 512 seed=296
fsync /log
append /log 512 seed=297
fsync /log
append /log 512 seed=298
fsync /log
append /log 512 seed=299
fsync /log
append /log 512 seed=300
fsync /log
