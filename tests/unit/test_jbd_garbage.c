/* test_jbd_garbage: garbage journal superblocks and logs never crash
 * jbd_journal_load, and recovery never writes outside the device's
 * non-journal blocks.  Seeded; FP_JBD_GARBAGE_SEED=N reruns one seed.
 */
#include <signal.h>
#include <unistd.h>

#include "jbd_testlib.h"
#include "jbd_int.h"

#define JBLOCKS 64u

static uint64_t rs;
static volatile uint64_t current_seed;
static const char *volatile current_kind = "garbage";

static void
on_abort (int sig)
{
  char msg[128];
  int n = snprintf (msg, sizeof msg, "failing %s case, seed %llu\n",
                    current_kind, (unsigned long long) current_seed);
  (void) !write (2, msg, (size_t) n);
  signal (sig, SIG_DFL);
  raise (sig);
}

static uint64_t
rnd (void)
{
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return rs;
}

static void
fill_random (uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t) rnd ();
}

/* A plausible-looking log block: right magic, a sequence near seq. */
static void
make_log_block (uint8_t *blk, tid_t seq, const uint8_t *uuid)
{
  unsigned kind = (unsigned) (rnd () % 6);
  tid_t s = seq + (tid_t) (rnd () % 4);

  fill_random (blk, TBS);
  if (rnd () % 3 == 0)
    memset (blk + 64 + rnd () % 1000, 0, 2000);
  switch (kind) {
  case 0:                               /* noise */
    break;
  case 1: {                             /* a descriptor with random tags */
    uint32_t off = 0, n = 1 + (uint32_t) (rnd () % 400);
    jbd_header_encode (blk, JBD_DESCRIPTOR_BLOCK, s);
    for (uint32_t i = 0; i < n && off + 28 <= TBS; i++) {
      struct jbd_tag t = { rnd () % (TDEV_BLOCKS + 100), 0 };
      t.flags = (uint32_t) (rnd () % 16);
      if (i == n - 1 && rnd () % 2)
        t.flags |= JBD_FLAG_LAST_TAG;
      jbd_tag_put (blk, &off, &t, rnd () % 4 ? uuid : blk + 100);
    }
    break;
  }
  case 2:                               /* a revoke block */
    jbd_header_encode (blk, JBD_REVOKE_BLOCK, s);
    jbd_put_be32 (blk + 12, (uint32_t) (rnd () % (TBS + 64)));
    break;
  case 3:                               /* a well-formed commit block */
    jbd_commit_block_encode (blk, TBS, s, rnd (), rnd () % 4 ? rnd () : 0);
    break;
  case 4:                               /* a commit header on noise */
    jbd_header_encode (blk, JBD_COMMIT_BLOCK, s);
    break;
  default:                              /* unknown type */
    jbd_header_encode (blk, (uint32_t) (rnd () % 9), s);
    break;
  }
}

static void
one_case (uint64_t seed)
{
  struct fpfs_bdev *mem, *dev;
  struct rec_dev *rd;
  struct buf_cache *bc;
  struct journal *j = NULL;
  struct jbd_config cfg = { 0 };
  uint8_t blk[TBS], uuid[16];
  char err[256];
  int ret;

  current_seed = seed;
  current_kind = "garbage (FP_JBD_GARBAGE_SEED reruns it)";
  rs = seed * 0x9E3779B97F4A7C15ull + 7;
  fill_random (uuid, 16);
  assert (fpfs_bdev_mem_open ((uint64_t) TDEV_BLOCKS * TBS, 512, &mem) == 0);
  /* the superblock: noise, or encoded with random fields */
  if (rnd () % 4 == 0) {
    fill_random (blk, TBS);
    if (rnd () % 2)
      jbd_put_be32 (blk, JBD_MAGIC);
  } else {
    struct jbd_sb sb = {
      .s_blocksize = rnd () % 8 ? TBS : (uint32_t) rnd (),
      .s_maxlen = rnd () % 8 ? JBLOCKS : (uint32_t) rnd () % 200,
      .s_first = rnd () % 8 ? 1 : (uint32_t) rnd () % 100,
      .s_sequence = (tid_t) rnd (),
      .s_start = (uint32_t) (rnd () % 8 ? 1 + rnd () % (JBLOCKS - 1)
                                        : rnd () % 100),
      .s_feature_compat = JBD_FEATURE_COMPAT_CHECKSUM,
      .s_feature_incompat = rnd () % 8 ? JBD_KNOWN_INCOMPAT
                                       : (uint32_t) rnd (),
    };
    memcpy (sb.s_uuid, uuid, 16);
    jbd_sb_encode (&sb, blk, TBS);
    if (rnd () % 16 == 0)
      blk[rnd () % 1024] ^= 1;
    /* the log: plausible blocks around the expected sequence */
    for (uint32_t b = 1; b < JBLOCKS; b++) {
      uint8_t lb[TBS];
      make_log_block (lb, sb.s_sequence, uuid);
      assert (fpfs_bdev_write (mem, lb, (uint64_t) (TJ_FIRST + b) * TBS,
                               TBS, 0) == 0);
    }
  }
  assert (fpfs_bdev_write (mem, blk, (uint64_t) TJ_FIRST * TBS, TBS, 0) == 0);

  dev = rec_open (mem, &rd);
  assert (buf_cache_create (dev, TBS, 64, &bc) == 0);
  cfg.bc = bc;
  cfg.first_block = TJ_FIRST;
  cfg.nblocks = JBLOCKS;
  cfg.barrier = rnd () % 2;
  ret = jbd_journal_load (&cfg, &j, NULL, err, sizeof err);
  assert (ret <= 0);
  for (size_t i = 0; i < rd->n; i++) {
    uint64_t b = rec_blk (&rd->ops[i]);
    if (rd->ops[i].type != REC_WRITE)
      continue;
    if (b == TJ_FIRST)
      continue;                         /* the superblock */
    if (b > TJ_FIRST && b < TJ_FIRST + JBLOCKS) {
      fprintf (stderr, "seed %llu: recovery wrote log block %llu\n",
               (unsigned long long) seed, (unsigned long long) b);
      abort ();
    }
  }
  if (ret == 0) {
    /* a usable journal afterwards */
    struct jbd_handle *h;
    struct buf *b;
    assert (jbd_journal_start (j, 1, &h) == 0);
    assert (buf_read (bc, TMETA, &b) == 0);
    assert (jbd_get_write_access (h, b) == 0);
    b->b_data[0] ^= 1;
    assert (jbd_dirty_metadata (h, b) == 0);
    buf_put (b);
    assert (jbd_journal_stop (h) == 0);
    assert (jbd_journal_destroy (j) == 0);
  } else {
    assert (err[0] != '\0');
  }
  buf_cache_destroy (bc);
  fpfs_bdev_close (dev);
  fpfs_bdev_close (mem);
}

static void
test_garbage_never_crashes (void)
{
  const char *s = getenv ("FP_JBD_GARBAGE_SEED");
  unsigned ok = 0;

  signal (SIGABRT, on_abort);
  if (s) {
    one_case (strtoull (s, NULL, 0));
    return;
  }
  for (uint64_t seed = 1; seed <= 1500; seed++) {
    one_case (seed);
    ok++;
  }
  printf ("  %u seeds (FP_JBD_GARBAGE_SEED=N reruns one)\n", ok);
}

/* A real log of a few transactions, then random damage: bytes flipped,
 * blocks swapped or zeroed.  Load must not crash, must not replay into the
 * log, and must replay a prefix of the transactions or fail cleanly. */
static void
damaged_case (uint64_t seed)
{
  struct tenv e;
  unsigned n;
  struct buf_cache *bc;
  struct journal *j;
  struct jbd_config cfg;
  char err[256];
  int ret;

  current_seed = seed;
  current_kind = "damaged";
  rs = seed * 0x9E3779B97F4A7C15ull + 11;
  n = 1 + (unsigned) (rnd () % 6);
  tenv_init (&e, JBLOCKS, true, 0);
  for (unsigned t = 0; t < n; t++) {
    tmeta_tx (&e, TMETA + rnd () % 8, 1 + (unsigned) (rnd () % 5),
              (uint8_t) (t + 1));
    assert (jbd_force_commit (e.j) == 0);
  }
  tenv_crash (&e);
  for (unsigned d = 1 + (unsigned) (rnd () % 4); d > 0; d--) {
    uint64_t b = TJ_FIRST + rnd () % (JBLOCKS + 1);
    uint8_t blk[TBS];
    assert (fpfs_bdev_read (e.mem, blk, b * TBS, TBS) == 0);
    switch (rnd () % 3) {
    case 0:
      blk[rnd () % TBS] ^= (uint8_t) (1 + rnd () % 255);
      break;
    case 1:
      memset (blk + (rnd () % 8) * 512, 0, 512);
      break;
    default:
      assert (fpfs_bdev_read (e.mem, blk,
                              (TJ_FIRST + 1 + rnd () % (JBLOCKS - 1)) * TBS,
                              TBS) == 0);
    }
    assert (fpfs_bdev_write (e.mem, blk, b * TBS, TBS, 0) == 0);
  }
  rec_clear (e.rec);
  assert (buf_cache_create (e.dev, TBS, 64, &bc) == 0);
  cfg = e.cfg;
  cfg.bc = bc;
  ret = jbd_journal_load (&cfg, &j, &e.replayed, err, sizeof err);
  assert (ret <= 0);
  if (ret == 0) {
    assert (e.replayed <= n);
    jbd_journal_drop (j);
  }
  for (size_t i = 0; i < e.rec->n; i++) {
    uint64_t b = rec_blk (&e.rec->ops[i]);
    assert (e.rec->ops[i].type != REC_WRITE
            || b == TJ_FIRST || b < TJ_FIRST || b >= TJ_FIRST + JBLOCKS);
  }
  buf_cache_destroy (bc);
  tenv_fini (&e);
}

static void
test_damaged_log_never_crashes (void)
{
  signal (SIGABRT, on_abort);
  for (uint64_t seed = 1; seed <= 300; seed++)
    damaged_case (seed);
  printf ("  300 seeds\n");
}

/* Superblock fields that must be refused, one by one. */
static void
test_garbage_sb_fields (void)
{
  static const struct { uint32_t bs, maxlen, first, start, incompat; } bad[] = {
    { 512, JBLOCKS, 1, 0, JBD_KNOWN_INCOMPAT },          /* block size */
    { TBS, JBLOCKS + 1, 1, 0, JBD_KNOWN_INCOMPAT },      /* maxlen != fs */
    { TBS, JBLOCKS, 0, 0, JBD_KNOWN_INCOMPAT },          /* first 0 */
    { TBS, JBLOCKS, JBLOCKS + 5, 0, JBD_KNOWN_INCOMPAT },/* first > maxlen */
    { TBS, JBLOCKS, 40, 0, JBD_KNOWN_INCOMPAT },         /* log too short */
    { TBS, JBLOCKS, 1, JBLOCKS, JBD_KNOWN_INCOMPAT },    /* start past end */
    { TBS, JBLOCKS, 1, 0, JBD_KNOWN_INCOMPAT | 0x40 },   /* unknown feature */
    { TBS, JBLOCKS, 1, 0, JBD_FEATURE_INCOMPAT_64BIT },  /* no xxh3 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct jbd_sb sb = {
      .s_blocksize = bad[i].bs, .s_maxlen = bad[i].maxlen,
      .s_first = bad[i].first, .s_sequence = 5, .s_start = bad[i].start,
      .s_feature_incompat = bad[i].incompat,
    };
    struct fpfs_bdev *mem;
    struct buf_cache *bc;
    struct journal *j;
    struct jbd_config cfg = { 0 };
    uint8_t blk[TBS];
    char err[256] = "";

    assert (fpfs_bdev_mem_open ((uint64_t) TDEV_BLOCKS * TBS, 512, &mem) == 0);
    jbd_sb_encode (&sb, blk, TBS);
    assert (fpfs_bdev_write (mem, blk, (uint64_t) TJ_FIRST * TBS, TBS, 0) == 0);
    assert (buf_cache_create (mem, TBS, 16, &bc) == 0);
    cfg.bc = bc;
    cfg.first_block = TJ_FIRST;
    cfg.nblocks = JBLOCKS;
    assert (jbd_journal_load (&cfg, &j, NULL, err, sizeof err) == -EINVAL);
    assert (strncmp (err, "journal superblock: ", 20) == 0);
    buf_cache_destroy (bc);
    fpfs_bdev_close (mem);
  }
}

int
main (void)
{
  RUN (test_garbage_sb_fields);
  RUN (test_garbage_never_crashes);
  RUN (test_damaged_log_never_crashes);
  return 0;
}
