# Probes: enough small fsynced transactions to wrap the journal at least
# twice on the default disk (64 MiB, a 1024-block journal: 750 fsyncs
# write about 2400 log blocks), so checkpointing must write metadata home
# and the log head must go back to the first log block after the journal
# superblock (jbd2_journal_next_log_block, fs/jbd2/journal.c) and reuse
# journal space (tests/e2e/test_workload_coverage.py asserts two wraps).
# ext4 guarantees: every fsync's state, across the wraps; recovery replays
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
append /log 512 seed=301
fsync /log
append /log 512 seed=302
fsync /log
append /log 512 seed=303
fsync /log
append /log 512 seed=304
fsync /log
append /log 512 seed=305
fsync /log
append /log 512 seed=306
fsync /log
append /log 512 seed=307
fsync /log
append /log 512 seed=308
fsync /log
append /log 512 seed=309
fsync /log
append /log 512 seed=310
fsync /log
append /log 512 seed=311
fsync /log
append /log 512 seed=312
fsync /log
append /log 512 seed=313
fsync /log
append /log 512 seed=314
fsync /log
append /log 512 seed=315
fsync /log
append /log 512 seed=316
fsync /log
append /log 512 seed=317
fsync /log
append /log 512 seed=318
fsync /log
append /log 512 seed=319
fsync /log
append /log 512 seed=320
fsync /log
append /log 512 seed=321
fsync /log
append /log 512 seed=322
fsync /log
append /log 512 seed=323
fsync /log
append /log 512 seed=324
fsync /log
append /log 512 seed=325
fsync /log
append /log 512 seed=326
fsync /log
append /log 512 seed=327
fsync /log
append /log 512 seed=328
fsync /log
append /log 512 seed=329
fsync /log
append /log 512 seed=330
fsync /log
append /log 512 seed=331
fsync /log
append /log 512 seed=332
fsync /log
append /log 512 seed=333
fsync /log
append /log 512 seed=334
fsync /log
append /log 512 seed=335
fsync /log
append /log 512 seed=336
fsync /log
append /log 512 seed=337
fsync /log
append /log 512 seed=338
fsync /log
append /log 512 seed=339
fsync /log
append /log 512 seed=340
fsync /log
append /log 512 seed=341
fsync /log
append /log 512 seed=342
fsync /log
append /log 512 seed=343
fsync /log
append /log 512 seed=344
fsync /log
append /log 512 seed=345
fsync /log
append /log 512 seed=346
fsync /log
append /log 512 seed=347
fsync /log
append /log 512 seed=348
fsync /log
append /log 512 seed=349
fsync /log
append /log 512 seed=350
fsync /log
append /log 512 seed=351
fsync /log
append /log 512 seed=352
fsync /log
append /log 512 seed=353
fsync /log
append /log 512 seed=354
fsync /log
append /log 512 seed=355
fsync /log
append /log 512 seed=356
fsync /log
append /log 512 seed=357
fsync /log
append /log 512 seed=358
fsync /log
append /log 512 seed=359
fsync /log
append /log 512 seed=360
fsync /log
append /log 512 seed=361
fsync /log
append /log 512 seed=362
fsync /log
append /log 512 seed=363
fsync /log
append /log 512 seed=364
fsync /log
append /log 512 seed=365
fsync /log
append /log 512 seed=366
fsync /log
append /log 512 seed=367
fsync /log
append /log 512 seed=368
fsync /log
append /log 512 seed=369
fsync /log
append /log 512 seed=370
fsync /log
append /log 512 seed=371
fsync /log
append /log 512 seed=372
fsync /log
append /log 512 seed=373
fsync /log
append /log 512 seed=374
fsync /log
append /log 512 seed=375
fsync /log
append /log 512 seed=376
fsync /log
append /log 512 seed=377
fsync /log
append /log 512 seed=378
fsync /log
append /log 512 seed=379
fsync /log
append /log 512 seed=380
fsync /log
append /log 512 seed=381
fsync /log
append /log 512 seed=382
fsync /log
append /log 512 seed=383
fsync /log
append /log 512 seed=384
fsync /log
append /log 512 seed=385
fsync /log
append /log 512 seed=386
fsync /log
append /log 512 seed=387
fsync /log
append /log 512 seed=388
fsync /log
append /log 512 seed=389
fsync /log
append /log 512 seed=390
fsync /log
append /log 512 seed=391
fsync /log
append /log 512 seed=392
fsync /log
append /log 512 seed=393
fsync /log
append /log 512 seed=394
fsync /log
append /log 512 seed=395
fsync /log
append /log 512 seed=396
fsync /log
append /log 512 seed=397
fsync /log
append /log 512 seed=398
fsync /log
append /log 512 seed=399
fsync /log
append /log 512 seed=400
fsync /log
append /log 512 seed=401
fsync /log
append /log 512 seed=402
fsync /log
append /log 512 seed=403
fsync /log
append /log 512 seed=404
fsync /log
append /log 512 seed=405
fsync /log
append /log 512 seed=406
fsync /log
append /log 512 seed=407
fsync /log
append /log 512 seed=408
fsync /log
append /log 512 seed=409
fsync /log
append /log 512 seed=410
fsync /log
append /log 512 seed=411
fsync /log
append /log 512 seed=412
fsync /log
append /log 512 seed=413
fsync /log
append /log 512 seed=414
fsync /log
append /log 512 seed=415
fsync /log
append /log 512 seed=416
fsync /log
append /log 512 seed=417
fsync /log
append /log 512 seed=418
fsync /log
append /log 512 seed=419
fsync /log
append /log 512 seed=420
fsync /log
append /log 512 seed=421
fsync /log
append /log 512 seed=422
fsync /log
append /log 512 seed=423
fsync /log
append /log 512 seed=424
fsync /log
append /log 512 seed=425
fsync /log
append /log 512 seed=426
fsync /log
append /log 512 seed=427
fsync /log
append /log 512 seed=428
fsync /log
append /log 512 seed=429
fsync /log
append /log 512 seed=430
fsync /log
append /log 512 seed=431
fsync /log
append /log 512 seed=432
fsync /log
append /log 512 seed=433
fsync /log
append /log 512 seed=434
fsync /log
append /log 512 seed=435
fsync /log
append /log 512 seed=436
fsync /log
append /log 512 seed=437
fsync /log
append /log 512 seed=438
fsync /log
append /log 512 seed=439
fsync /log
append /log 512 seed=440
fsync /log
append /log 512 seed=441
fsync /log
append /log 512 seed=442
fsync /log
append /log 512 seed=443
fsync /log
append /log 512 seed=444
fsync /log
append /log 512 seed=445
fsync /log
append /log 512 seed=446
fsync /log
append /log 512 seed=447
fsync /log
append /log 512 seed=448
fsync /log
append /log 512 seed=449
fsync /log
append /log 512 seed=450
fsync /log
append /log 512 seed=451
fsync /log
append /log 512 seed=452
fsync /log
append /log 512 seed=453
fsync /log
append /log 512 seed=454
fsync /log
append /log 512 seed=455
fsync /log
append /log 512 seed=456
fsync /log
append /log 512 seed=457
fsync /log
append /log 512 seed=458
fsync /log
append /log 512 seed=459
fsync /log
append /log 512 seed=460
fsync /log
append /log 512 seed=461
fsync /log
append /log 512 seed=462
fsync /log
append /log 512 seed=463
fsync /log
append /log 512 seed=464
fsync /log
append /log 512 seed=465
fsync /log
append /log 512 seed=466
fsync /log
append /log 512 seed=467
fsync /log
append /log 512 seed=468
fsync /log
append /log 512 seed=469
fsync /log
append /log 512 seed=470
fsync /log
append /log 512 seed=471
fsync /log
append /log 512 seed=472
fsync /log
append /log 512 seed=473
fsync /log
append /log 512 seed=474
fsync /log
append /log 512 seed=475
fsync /log
append /log 512 seed=476
fsync /log
append /log 512 seed=477
fsync /log
append /log 512 seed=478
fsync /log
append /log 512 seed=479
fsync /log
append /log 512 seed=480
fsync /log
append /log 512 seed=481
fsync /log
append /log 512 seed=482
fsync /log
append /log 512 seed=483
fsync /log
append /log 512 seed=484
fsync /log
append /log 512 seed=485
fsync /log
append /log 512 seed=486
fsync /log
append /log 512 seed=487
fsync /log
append /log 512 seed=488
fsync /log
append /log 512 seed=489
fsync /log
append /log 512 seed=490
fsync /log
append /log 512 seed=491
fsync /log
append /log 512 seed=492
fsync /log
append /log 512 seed=493
fsync /log
append /log 512 seed=494
fsync /log
append /log 512 seed=495
fsync /log
append /log 512 seed=496
fsync /log
append /log 512 seed=497
fsync /log
append /log 512 seed=498
fsync /log
append /log 512 seed=499
fsync /log
append /log 512 seed=500
fsync /log
append /log 512 seed=501
fsync /log
append /log 512 seed=502
fsync /log
append /log 512 seed=503
fsync /log
append /log 512 seed=504
fsync /log
append /log 512 seed=505
fsync /log
append /log 512 seed=506
fsync /log
append /log 512 seed=507
fsync /log
append /log 512 seed=508
fsync /log
append /log 512 seed=509
fsync /log
append /log 512 seed=510
fsync /log
append /log 512 seed=511
fsync /log
append /log 512 seed=512
fsync /log
append /log 512 seed=513
fsync /log
append /log 512 seed=514
fsync /log
append /log 512 seed=515
fsync /log
append /log 512 seed=516
fsync /log
append /log 512 seed=517
fsync /log
append /log 512 seed=518
fsync /log
append /log 512 seed=519
fsync /log
append /log 512 seed=520
fsync /log
append /log 512 seed=521
fsync /log
append /log 512 seed=522
fsync /log
append /log 512 seed=523
fsync /log
append /log 512 seed=524
fsync /log
append /log 512 seed=525
fsync /log
append /log 512 seed=526
fsync /log
append /log 512 seed=527
fsync /log
append /log 512 seed=528
fsync /log
append /log 512 seed=529
fsync /log
append /log 512 seed=530
fsync /log
append /log 512 seed=531
fsync /log
append /log 512 seed=532
fsync /log
append /log 512 seed=533
fsync /log
append /log 512 seed=534
fsync /log
append /log 512 seed=535
fsync /log
append /log 512 seed=536
fsync /log
append /log 512 seed=537
fsync /log
append /log 512 seed=538
fsync /log
append /log 512 seed=539
fsync /log
append /log 512 seed=540
fsync /log
append /log 512 seed=541
fsync /log
append /log 512 seed=542
fsync /log
append /log 512 seed=543
fsync /log
append /log 512 seed=544
fsync /log
append /log 512 seed=545
fsync /log
append /log 512 seed=546
fsync /log
append /log 512 seed=547
fsync /log
append /log 512 seed=548
fsync /log
append /log 512 seed=549
fsync /log
append /log 512 seed=550
fsync /log
append /log 512 seed=551
fsync /log
append /log 512 seed=552
fsync /log
append /log 512 seed=553
fsync /log
append /log 512 seed=554
fsync /log
append /log 512 seed=555
fsync /log
append /log 512 seed=556
fsync /log
append /log 512 seed=557
fsync /log
append /log 512 seed=558
fsync /log
append /log 512 seed=559
fsync /log
append /log 512 seed=560
fsync /log
append /log 512 seed=561
fsync /log
append /log 512 seed=562
fsync /log
append /log 512 seed=563
fsync /log
append /log 512 seed=564
fsync /log
append /log 512 seed=565
fsync /log
append /log 512 seed=566
fsync /log
append /log 512 seed=567
fsync /log
append /log 512 seed=568
fsync /log
append /log 512 seed=569
fsync /log
append /log 512 seed=570
fsync /log
append /log 512 seed=571
fsync /log
append /log 512 seed=572
fsync /log
append /log 512 seed=573
fsync /log
append /log 512 seed=574
fsync /log
append /log 512 seed=575
fsync /log
append /log 512 seed=576
fsync /log
append /log 512 seed=577
fsync /log
append /log 512 seed=578
fsync /log
append /log 512 seed=579
fsync /log
append /log 512 seed=580
fsync /log
append /log 512 seed=581
fsync /log
append /log 512 seed=582
fsync /log
append /log 512 seed=583
fsync /log
append /log 512 seed=584
fsync /log
append /log 512 seed=585
fsync /log
append /log 512 seed=586
fsync /log
append /log 512 seed=587
fsync /log
append /log 512 seed=588
fsync /log
append /log 512 seed=589
fsync /log
append /log 512 seed=590
fsync /log
append /log 512 seed=591
fsync /log
append /log 512 seed=592
fsync /log
append /log 512 seed=593
fsync /log
append /log 512 seed=594
fsync /log
append /log 512 seed=595
fsync /log
append /log 512 seed=596
fsync /log
append /log 512 seed=597
fsync /log
append /log 512 seed=598
fsync /log
append /log 512 seed=599
fsync /log
append /log 512 seed=600
fsync /log
append /log 512 seed=601
fsync /log
append /log 512 seed=602
fsync /log
append /log 512 seed=603
fsync /log
append /log 512 seed=604
fsync /log
append /log 512 seed=605
fsync /log
append /log 512 seed=606
fsync /log
append /log 512 seed=607
fsync /log
append /log 512 seed=608
fsync /log
append /log 512 seed=609
fsync /log
append /log 512 seed=610
fsync /log
append /log 512 seed=611
fsync /log
append /log 512 seed=612
fsync /log
append /log 512 seed=613
fsync /log
append /log 512 seed=614
fsync /log
append /log 512 seed=615
fsync /log
append /log 512 seed=616
fsync /log
append /log 512 seed=617
fsync /log
append /log 512 seed=618
fsync /log
append /log 512 seed=619
fsync /log
append /log 512 seed=620
fsync /log
append /log 512 seed=621
fsync /log
append /log 512 seed=622
fsync /log
append /log 512 seed=623
fsync /log
append /log 512 seed=624
fsync /log
append /log 512 seed=625
fsync /log
append /log 512 seed=626
fsync /log
append /log 512 seed=627
fsync /log
append /log 512 seed=628
fsync /log
append /log 512 seed=629
fsync /log
append /log 512 seed=630
fsync /log
append /log 512 seed=631
fsync /log
append /log 512 seed=632
fsync /log
append /log 512 seed=633
fsync /log
append /log 512 seed=634
fsync /log
append /log 512 seed=635
fsync /log
append /log 512 seed=636
fsync /log
append /log 512 seed=637
fsync /log
append /log 512 seed=638
fsync /log
append /log 512 seed=639
fsync /log
append /log 512 seed=640
fsync /log
append /log 512 seed=641
fsync /log
append /log 512 seed=642
fsync /log
append /log 512 seed=643
fsync /log
append /log 512 seed=644
fsync /log
append /log 512 seed=645
fsync /log
append /log 512 seed=646
fsync /log
append /log 512 seed=647
fsync /log
append /log 512 seed=648
fsync /log
append /log 512 seed=649
fsync /log
append /log 512 seed=650
fsync /log
append /log 512 seed=651
fsync /log
append /log 512 seed=652
fsync /log
append /log 512 seed=653
fsync /log
append /log 512 seed=654
fsync /log
append /log 512 seed=655
fsync /log
append /log 512 seed=656
fsync /log
append /log 512 seed=657
fsync /log
append /log 512 seed=658
fsync /log
append /log 512 seed=659
fsync /log
append /log 512 seed=660
fsync /log
append /log 512 seed=661
fsync /log
append /log 512 seed=662
fsync /log
append /log 512 seed=663
fsync /log
append /log 512 seed=664
fsync /log
append /log 512 seed=665
fsync /log
append /log 512 seed=666
fsync /log
append /log 512 seed=667
fsync /log
append /log 512 seed=668
fsync /log
append /log 512 seed=669
fsync /log
append /log 512 seed=670
fsync /log
append /log 512 seed=671
fsync /log
append /log 512 seed=672
fsync /log
append /log 512 seed=673
fsync /log
append /log 512 seed=674
fsync /log
append /log 512 seed=675
fsync /log
append /log 512 seed=676
fsync /log
append /log 512 seed=677
fsync /log
append /log 512 seed=678
fsync /log
append /log 512 seed=679
fsync /log
append /log 512 seed=680
fsync /log
append /log 512 seed=681
fsync /log
append /log 512 seed=682
fsync /log
append /log 512 seed=683
fsync /log
append /log 512 seed=684
fsync /log
append /log 512 seed=685
fsync /log
append /log 512 seed=686
fsync /log
append /log 512 seed=687
fsync /log
append /log 512 seed=688
fsync /log
append /log 512 seed=689
fsync /log
append /log 512 seed=690
fsync /log
append /log 512 seed=691
fsync /log
append /log 512 seed=692
fsync /log
append /log 512 seed=693
fsync /log
append /log 512 seed=694
fsync /log
append /log 512 seed=695
fsync /log
append /log 512 seed=696
fsync /log
append /log 512 seed=697
fsync /log
append /log 512 seed=698
fsync /log
append /log 512 seed=699
fsync /log
append /log 512 seed=700
fsync /log
append /log 512 seed=701
fsync /log
append /log 512 seed=702
fsync /log
append /log 512 seed=703
fsync /log
append /log 512 seed=704
fsync /log
append /log 512 seed=705
fsync /log
append /log 512 seed=706
fsync /log
append /log 512 seed=707
fsync /log
append /log 512 seed=708
fsync /log
append /log 512 seed=709
fsync /log
append /log 512 seed=710
fsync /log
append /log 512 seed=711
fsync /log
append /log 512 seed=712
fsync /log
append /log 512 seed=713
fsync /log
append /log 512 seed=714
fsync /log
append /log 512 seed=715
fsync /log
append /log 512 seed=716
fsync /log
append /log 512 seed=717
fsync /log
append /log 512 seed=718
fsync /log
append /log 512 seed=719
fsync /log
append /log 512 seed=720
fsync /log
append /log 512 seed=721
fsync /log
append /log 512 seed=722
fsync /log
append /log 512 seed=723
fsync /log
append /log 512 seed=724
fsync /log
append /log 512 seed=725
fsync /log
append /log 512 seed=726
fsync /log
append /log 512 seed=727
fsync /log
append /log 512 seed=728
fsync /log
append /log 512 seed=729
fsync /log
append /log 512 seed=730
fsync /log
append /log 512 seed=731
fsync /log
append /log 512 seed=732
fsync /log
append /log 512 seed=733
fsync /log
append /log 512 seed=734
fsync /log
append /log 512 seed=735
fsync /log
append /log 512 seed=736
fsync /log
append /log 512 seed=737
fsync /log
append /log 512 seed=738
fsync /log
append /log 512 seed=739
fsync /log
append /log 512 seed=740
fsync /log
append /log 512 seed=741
fsync /log
append /log 512 seed=742
fsync /log
append /log 512 seed=743
fsync /log
append /log 512 seed=744
fsync /log
append /log 512 seed=745
fsync /log
append /log 512 seed=746
fsync /log
append /log 512 seed=747
fsync /log
append /log 512 seed=748
fsync /log
append /log 512 seed=749
fsync /log
append /log 512 seed=750
fsync /log
