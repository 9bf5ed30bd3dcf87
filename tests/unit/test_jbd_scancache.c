/* test_jbd_scancache: recovery's PASS_SCAN cache (engine/jbd2/scancache.c)
 * skips the checksum of a transaction only when every byte of it equals
 * one it verified before; any other log is scanned as without a cache. */
#include "jbd_testlib.h"

static const struct rec_dev *mangle_rd;

/* Flip one byte of the second transaction's logged copy. */
static void
mangle_copy (struct fpfs_bdev *bd)
{
  const struct rec_op *c = &mangle_rd->ops[mangle_rd->n - 4];
  uint8_t blk[TBS];
  memcpy (blk, c->data, TBS);
  blk[100] ^= 1;
  assert (fpfs_bdev_write (bd, blk, c->off, TBS, 0) == 0);
}

/* Flip one byte of the second transaction's commit block (not its
 * checksum field: a byte the commit block's own checksum covers). */
static void
mangle_commit (struct fpfs_bdev *bd)
{
  const struct rec_op *c = &mangle_rd->ops[mangle_rd->n - 1];
  uint8_t blk[TBS];
  memcpy (blk, c->data, TBS);
  blk[TBS - 1] ^= 1;
  assert (fpfs_bdev_write (bd, blk, c->off, TBS, 0) == 0);
}

/* Recover a copy of everything e recorded (mangled), with cache c. */
static unsigned
recover_copy (struct tenv *e, struct fpfs_scan_cache *c,
              void (*mangle) (struct fpfs_bdev *), uint8_t *b0, uint8_t *b1)
{
  struct tenv r = *e;
  unsigned replayed;

  r.mem = rec_rebuild (e->rec, e->rec->n);
  if (mangle)
    mangle (r.mem);
  r.dev = r.mem;
  r.rec = NULL;
  r.j = NULL;
  r.ts = calloc (1, sizeof *r.ts);
  r.sink.ctx = r.ts;
  tenv_cfg (&r, e->cfg.nblocks, e->cfg.barrier, e->cfg.bugs);
  r.cfg.scan_cache = c;
  tenv_mount (&r);
  replayed = r.replayed;
  *b0 = tdev_byte (r.mem, TMETA);
  *b1 = tdev_byte (r.mem, TMETA + 1);
  jbd_journal_drop (r.j);
  buf_cache_destroy (r.bc);
  fpfs_bdev_close (r.mem);
  free (r.ts);
  return replayed;
}

static void
setup (struct tenv *e)
{
  tenv_init (e, 256, true, 0);
  tmeta_tx (e, TMETA, 1, 0x01);
  assert (jbd_force_commit (e->j) == 0);
  tmeta_tx (e, TMETA, 2, 0x02);
  assert (jbd_force_commit (e->j) == 0);
  mangle_rd = e->rec;
}

/* The second recovery of the same log verifies both transactions from
 * the cache, and replays the same. */
static void
test_scancache_hits_on_the_same_log (void)
{
  struct fpfs_scan_cache *c;
  uint64_t hits, misses;
  uint8_t b0, b1;
  struct tenv e;

  setup (&e);
  assert (fpfs_scan_cache_new (&c) == 0);
  assert (recover_copy (&e, c, NULL, &b0, &b1) == 2);
  fpfs_scan_cache_stats (c, &hits, &misses);
  assert (hits == 0 && misses == 2);
  assert (recover_copy (&e, c, NULL, &b0, &b1) == 2);
  assert (b0 == 0x02 && b1 == 0x02);
  fpfs_scan_cache_stats (c, &hits, &misses);
  assert (hits == 2 && misses == 2);
  fpfs_scan_cache_free (c);
  tenv_fini (&e);
}

/* A warm cache does not make a changed transaction committed: a flipped
 * byte in a logged copy or in the commit block ends the log there, as
 * without a cache. */
static void
test_scancache_changed_block_is_checksummed (void)
{
  void (*mangles[]) (struct fpfs_bdev *) = { mangle_copy, mangle_commit };
  struct fpfs_scan_cache *c;
  uint8_t b0, b1, n0, n1;
  struct tenv e;

  setup (&e);
  for (size_t i = 0; i < sizeof mangles / sizeof mangles[0]; i++) {
    assert (fpfs_scan_cache_new (&c) == 0);
    assert (recover_copy (&e, c, NULL, &b0, &b1) == 2);   /* warm */
    assert (recover_copy (&e, NULL, mangles[i], &n0, &n1) == 1);
    assert (recover_copy (&e, c, mangles[i], &b0, &b1) == 1);
    assert (b0 == n0 && b1 == n1 && b0 == 0x01 && b1 == 0x00);
    /* and the cache still knows the unchanged log */
    assert (recover_copy (&e, c, NULL, &b0, &b1) == 2);
    assert (b0 == 0x02 && b1 == 0x02);
    fpfs_scan_cache_free (c);
  }
  tenv_fini (&e);
}

int
main (void)
{
  RUN (test_scancache_hits_on_the_same_log);
  RUN (test_scancache_changed_block_is_checksummed);
  return 0;
}
