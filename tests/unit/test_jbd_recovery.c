/* test_jbd_recovery: recovery replays committed transactions only. */
#include "jbd_testlib.h"

/* Remount on a device rebuilt from the first nops recorded ops. */
static struct tenv *
remount_prefix (struct tenv *e, size_t nops, void (*mangle) (struct fpfs_bdev *,
                                                              const struct rec_dev *))
{
  struct tenv *r = calloc (1, sizeof *r);
  *r = *e;
  r->mem = rec_rebuild (e->rec, nops);
  if (mangle)
    mangle (r->mem, e->rec);
  r->dev = r->mem;
  r->rec = NULL;
  r->j = NULL;
  r->ts = calloc (1, sizeof *r->ts);
  r->sink.ctx = r->ts;
  tenv_cfg (r, e->cfg.nblocks, e->cfg.barrier, e->cfg.bugs);
  tenv_mount (r);
  return r;
}

static void
remount_free (struct tenv *r)
{
  jbd_journal_drop (r->j);
  buf_cache_destroy (r->bc);
  fpfs_bdev_close (r->mem);
  free (r->ts);
  free (r);
}

static void
test_recovery_committed_only (void)
{
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 2, 0x01);
  assert (jbd_force_commit (e.j) == 0);
  tmeta_tx (&e, TMETA + 1, 2, 0x02);     /* running, never committed */
  tenv_crash (&e);
  tenv_mount (&e);
  assert (e.replayed == 1);
  assert (tdev_byte (e.mem, TMETA) == 0x01);
  assert (tdev_byte (e.mem, TMETA + 1) == 0x01);
  assert (tdev_byte (e.mem, TMETA + 2) == 0x00);
  /* recovery's own shape: in-place writes, FLUSH, FUA superblock */
  {
    struct rec_dev *rd = e.rec;
    size_t n = rd->n;
    assert (rd->ops[n - 1].type == REC_WRITE
            && rd->ops[n - 1].flags == FPFS_BDEV_FUA
            && rec_blk (&rd->ops[n - 1]) == TJ_FIRST);
    assert (rd->ops[n - 2].type == REC_FLUSH);
    assert (rec_blk (&rd->ops[n - 3]) == TMETA + 1
            && rec_blk (&rd->ops[n - 4]) == TMETA);
  }
  /* the journal is empty now: a second crash replays nothing */
  tenv_crash (&e);
  tenv_mount (&e);
  assert (e.replayed == 0);
  assert (tdev_byte (e.mem, TMETA) == 0x01);
  tenv_fini (&e);
}

/* The newest committed copy wins. */
static void
test_recovery_replays_in_order (void)
{
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  for (uint8_t v = 1; v <= 5; v++) {
    tmeta_tx (&e, TMETA, 1, v);
    assert (jbd_force_commit (e.j) == 0);
  }
  tenv_crash (&e);
  tenv_mount (&e);
  assert (e.replayed == 5);
  assert (tdev_byte (e.mem, TMETA) == 5);
  tenv_fini (&e);
}

/* Descriptor and copies on disk, commit block missing: not replayed. */
static void
test_recovery_missing_commit (void)
{
  struct tenv e, *r;

  size_t base;

  tenv_init (&e, 256, true, 0);
  base = e.rec->n;
  tmeta_tx (&e, TMETA, 3, 0x07);
  assert (jbd_force_commit (e.j) == 0);
  assert (e.rec->n == base + 6);
  r = remount_prefix (&e, base + 4, NULL);   /* all but FLUSH + commit */
  assert (r->replayed == 0);
  assert (tdev_byte (r->mem, TMETA) == 0);
  remount_free (r);
  r = remount_prefix (&e, base + 6, NULL);
  assert (r->replayed == 1);
  assert (tdev_byte (r->mem, TMETA) == 0x07);
  remount_free (r);
  tenv_fini (&e);
}

static const struct rec_dev *mangle_rd;

/* Tear the commit block: only its first sector reached the disk, the
 * other sectors keep what the block held before (here: 0xEE). */
static void
mangle_torn (struct fpfs_bdev *bd, const struct rec_dev *rd)
{
  const struct rec_op *c = &rd->ops[rd->n - 1];
  uint8_t blk[TBS];
  assert (c->flags == FPFS_BDEV_FUA);
  memset (blk, 0xEE, TBS);
  memcpy (blk, c->data, 512);
  assert (fpfs_bdev_write (bd, blk, c->off, TBS, 0) == 0);
}

/* Flip one byte of the checksum recorded in the commit block. */
static void
mangle_garble (struct fpfs_bdev *bd, const struct rec_dev *rd)
{
  const struct rec_op *c = &rd->ops[rd->n - 1];
  uint8_t blk[TBS];
  memcpy (blk, c->data, TBS);
  blk[0x10] ^= 0x40;
  assert (fpfs_bdev_write (bd, blk, c->off, TBS, 0) == 0);
}

/* Flip one byte of a logged copy: the transaction checksum fails. */
static void
mangle_copy (struct fpfs_bdev *bd, const struct rec_dev *rd)
{
  const struct rec_op *c = &rd->ops[rd->n - 4];   /* second tx's copy */
  uint8_t blk[TBS];
  memcpy (blk, c->data, TBS);
  blk[100] ^= 1;
  assert (fpfs_bdev_write (bd, blk, c->off, TBS, 0) == 0);
}

static void
test_recovery_torn_or_garbled_commit (void)
{
  void (*mangles[]) (struct fpfs_bdev *, const struct rec_dev *) = {
    mangle_torn, mangle_garble, mangle_copy,
  };
  struct tenv e, *r;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 0x01);
  assert (jbd_force_commit (e.j) == 0);
  tmeta_tx (&e, TMETA, 2, 0x02);
  assert (jbd_force_commit (e.j) == 0);
  mangle_rd = e.rec;
  for (size_t i = 0; i < sizeof mangles / sizeof mangles[0]; i++) {
    r = remount_prefix (&e, e.rec->n, mangles[i]);
    assert (r->replayed == 1);               /* only the first */
    assert (tdev_byte (r->mem, TMETA) == 0x01);
    assert (tdev_byte (r->mem, TMETA + 1) == 0x00);
    remount_free (r);
  }
  tenv_fini (&e);
}

/* A block freed (jbd_forget) in a later committed transaction and then
 * reused for data is not overwritten by the old logged copy. */
static void
test_recovery_revoke_blocks_old_copy (void)
{
  struct jbd_handle *h;
  struct buf *b;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 0x01);
  assert (jbd_force_commit (e.j) == 0);
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  assert (buf_read (e.bc, TMETA, &b) == 0);
  assert (jbd_forget (h, b) == 0);
  buf_put (b);
  assert (jbd_journal_stop (h) == 0);
  assert (jbd_force_commit (e.j) == 0);
  /* the freed block was never checkpointed over... */
  assert (jbd_checkpoint (e.j, UINT64_MAX) == 0);
  assert (tdev_byte (e.mem, TMETA) == 0x00);
  /* ...and now holds file data, written in place */
  tdev_fill (e.dev, TMETA, 0x77);
  tenv_crash (&e);
  tenv_mount (&e);
  assert (tdev_byte (e.mem, TMETA) == 0x77);
  tenv_fini (&e);
}

/* The same, crash before any checkpoint: the revoke record is what keeps
 * transaction 1's copy out. */
static void
test_recovery_revoke_in_log (void)
{
  struct jbd_handle *h;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 2, 0x01);
  assert (jbd_force_commit (e.j) == 0);
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  assert (jbd_revoke (h, TMETA) == 0);
  assert (jbd_journal_stop (h) == 0);
  assert (jbd_force_commit (e.j) == 0);
  tdev_fill (e.dev, TMETA, 0x77);
  tenv_crash (&e);
  tenv_mount (&e);
  assert (e.replayed == 2);
  assert (tdev_byte (e.mem, TMETA) == 0x77);       /* revoked */
  assert (tdev_byte (e.mem, TMETA + 1) == 0x01);   /* not revoked */
  tenv_fini (&e);
}

/* Revoked and journaled again in the same transaction: the revoke is
 * cancelled and the new copy replays. */
static void
test_recovery_revoke_cancelled (void)
{
  struct jbd_handle *h;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 0x01);
  assert (jbd_force_commit (e.j) == 0);
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  assert (jbd_revoke (h, TMETA) == 0);
  tmeta_set (&e, h, TMETA, 0x02);
  assert (jbd_journal_stop (h) == 0);
  assert (jbd_force_commit (e.j) == 0);
  tenv_crash (&e);
  tenv_mount (&e);
  assert (tdev_byte (e.mem, TMETA) == 0x02);
  tenv_fini (&e);
}

/* Put back the superblock as the format wrote it (the first WRITE to
 * TJ_FIRST): the first commit's superblock write did not reach the disk. */
static void
undo_first_sb_write (struct fpfs_bdev *bd, const struct rec_dev *rd)
{
  for (size_t i = 0; i < rd->n; i++)
    if (rd->ops[i].type == REC_WRITE && rec_blk (&rd->ops[i]) == TJ_FIRST) {
      assert (fpfs_bdev_write (bd, rd->ops[i].data, rd->ops[i].off,
                               rd->ops[i].len, 0) == 0);
      return;
    }
  assert (!"no superblock write");
}

/* After a clean mount the first commit writes the superblock without FUA
 * (JBD2_FLUSHED).  Where that write is lost and the commit block is not
 * (nobarrier, or a device that reorders within the epoch), the journal
 * reads as clean and the committed transaction is not replayed: the crash
 * state real ext4 produces.  With it, the transaction is replayed. */
static void
test_recovery_first_commit_superblock_lost (void)
{
  struct tenv e, *r;
  size_t base;

  tenv_init_clean (&e, 256, false, 0);
  base = e.rec->n;
  tmeta_tx (&e, TMETA, 1, 0x09);
  assert (jbd_force_commit (e.j) == 0);
  assert (e.rec->n == base + 1 + 1 + 1 + 1);   /* sb, desc, copy, commit */
  r = remount_prefix (&e, e.rec->n, NULL);
  assert (r->replayed == 1 && tdev_byte (r->mem, TMETA) == 0x09);
  remount_free (r);
  r = remount_prefix (&e, e.rec->n, undo_first_sb_write);
  assert (r->replayed == 0 && tdev_byte (r->mem, TMETA) == 0);
  remount_free (r);
  tenv_fini (&e);
}

int
main (void)
{
  RUN (test_recovery_first_commit_superblock_lost);
  RUN (test_recovery_committed_only);
  RUN (test_recovery_replays_in_order);
  RUN (test_recovery_missing_commit);
  RUN (test_recovery_torn_or_garbled_commit);
  RUN (test_recovery_revoke_blocks_old_copy);
  RUN (test_recovery_revoke_in_log);
  RUN (test_recovery_revoke_cancelled);
  return 0;
}
