/* test_jbd_bugs: each journal bug switch changes what reaches the disk.
 * Every test runs the same scenario with the switch off and on. */
#include "jbd_testlib.h"

/* Commit one transaction of one buffer; return the recorded ops from the
 * commit on (in e->rec). */
static void
commit_one (struct tenv *e, uint64_t bugs)
{
  tenv_init (e, 256, true, bugs);
  tmeta_tx (e, TMETA, 1, 1);
  rec_clear (e->rec);
  assert (jbd_force_commit (e->j) == 0);
}

static size_t
count (const struct rec_dev *rd, enum rec_type type, unsigned flags)
{
  size_t n = 0;
  for (size_t i = 0; i < rd->n; i++)
    if (rd->ops[i].type == type && rd->ops[i].flags == flags)
      n++;
  return n;
}

static void
test_bug_no_commit_flush (void)
{
  struct tenv e;

  commit_one (&e, 0);
  assert (count (e.rec, REC_FLUSH, 0) == 1);
  tenv_fini (&e);
  commit_one (&e, FPFS_BUG_NO_COMMIT_FLUSH);
  assert (count (e.rec, REC_FLUSH, 0) == 0);
  assert (count (e.rec, REC_WRITE, FPFS_BDEV_FUA) == 1);
  tenv_fini (&e);
}

static void
test_bug_no_commit_fua (void)
{
  struct tenv e;

  commit_one (&e, 0);
  assert (count (e.rec, REC_WRITE, FPFS_BDEV_FUA) == 1);
  tenv_fini (&e);
  commit_one (&e, FPFS_BUG_NO_COMMIT_FUA);
  assert (count (e.rec, REC_WRITE, FPFS_BDEV_FUA) == 0);
  assert (count (e.rec, REC_FLUSH, 0) == 1);
  tenv_fini (&e);
}

/* The metadata reaches its home block before the commit block. */
static void
test_bug_checkpoint_before_commit (void)
{
  struct tenv e;

  commit_one (&e, 0);
  for (size_t i = 0; i < e.rec->n; i++)
    assert (e.rec->ops[i].type != REC_WRITE || rec_blk (&e.rec->ops[i]) != TMETA);
  tenv_fini (&e);
  commit_one (&e, FPFS_BUG_CHECKPOINT_BEFORE_COMMIT);
  assert (e.rec->n == 5);
  assert (rec_blk (&e.rec->ops[2]) == TMETA);           /* before FLUSH */
  assert (e.rec->ops[4].flags == FPFS_BDEV_FUA);        /* commit last */
  tenv_fini (&e);
}

/* A transaction without its commit block is replayed. */
static void
test_bug_replay_uncommitted (void)
{
  for (int bug = 0; bug < 2; bug++) {
    struct tenv e;
    tenv_init (&e, 256, true, bug ? FPFS_BUG_REPLAY_UNCOMMITTED : 0);
    tmeta_tx (&e, TMETA, 1, 1);
    e.rec->fail_flush = true;              /* the commit dies at the flush */
    assert (jbd_force_commit (e.j) == -EIO);
    e.rec->fail_flush = false;
    tenv_crash (&e);
    tenv_mount (&e);
    assert (e.replayed == (unsigned) bug);
    assert (tdev_byte (e.mem, TMETA) == (bug ? 1 : 0));
    tenv_fini (&e);
  }
}

/* No revoke record: a block freed and reused as data is overwritten by
 * its old logged copy at recovery. */
static void
test_bug_no_revoke (void)
{
  for (int bug = 0; bug < 2; bug++) {
    struct jbd_handle *h;
    struct buf *b;
    struct tenv e;
    size_t revokes = 0, base;

    tenv_init (&e, 256, true, bug ? FPFS_BUG_NO_REVOKE : 0);
    tmeta_tx (&e, TMETA, 1, 1);
    assert (jbd_force_commit (e.j) == 0);
    tmeta_tx (&e, TMETA + 1, 1, 1);        /* tx 2 also changes another */
    assert (jbd_journal_start (e.j, 1, &h) == 0);
    assert (buf_read (e.bc, TMETA, &b) == 0);
    assert (jbd_forget (h, b) == 0);
    buf_put (b);
    assert (jbd_journal_stop (h) == 0);
    base = e.rec->n;
    assert (jbd_force_commit (e.j) == 0);
    for (size_t i = base; i < e.rec->n; i++)
      if (e.rec->ops[i].type == REC_WRITE
          && memcmp (e.rec->ops[i].data, "\xC0\x3B\x39\x98\0\0\0\x05", 8) == 0)
        revokes++;
    assert (revokes == (bug ? 0 : 1));
    tdev_fill (e.dev, TMETA, 0x77);        /* reused as file data */
    tenv_crash (&e);
    tenv_mount (&e);
    assert (tdev_byte (e.mem, TMETA) == (bug ? 1 : 0x77));
    tenv_fini (&e);
  }
}

/* Ordered data goes out after the commit block instead of before it. */
struct od {
  struct tenv *e;
  size_t at;
};

static int
od_submit (void *ctx, struct jbd_inode *ji)
{
  struct od *od = ctx;
  (void) ji;
  od->at = od->e->rec->n;
  return 0;
}

static void
test_bug_no_ordered_data (void)
{
  static const struct jbd_fs_ops ops = { od_submit, NULL };

  for (int bug = 0; bug < 2; bug++) {
    struct jbd_inode ji = { 0 };
    struct jbd_handle *h;
    struct od od;
    struct tenv e;

    tenv_init (&e, 256, true, bug ? FPFS_BUG_NO_ORDERED_DATA : 0);
    od.e = &e;
    od.at = SIZE_MAX;
    jbd_journal_drop (e.j);
    buf_cache_destroy (e.bc);
    e.cfg.ops = &ops;
    e.cfg.fs_ctx = &od;
    tenv_mount (&e);
    rec_clear (e.rec);
    assert (jbd_journal_start (e.j, 1, &h) == 0);
    tmeta_set (&e, h, TMETA, 1);
    assert (jbd_file_inode (h, &ji) == 0);
    assert (jbd_journal_stop (h) == 0);
    assert (jbd_force_commit (e.j) == 0);
    /* ops: descriptor, copy, FLUSH, commit */
    assert (od.at == (bug ? 4u : 0u));
    tenv_fini (&e);
  }
}

int
main (void)
{
  RUN (test_bug_no_commit_flush);
  RUN (test_bug_no_commit_fua);
  RUN (test_bug_checkpoint_before_commit);
  RUN (test_bug_replay_uncommitted);
  RUN (test_bug_no_revoke);
  RUN (test_bug_no_ordered_data);
  return 0;
}
