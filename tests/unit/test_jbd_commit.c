/* test_jbd_commit: the device-op shape and the state order of one commit. */
#include "jbd_testlib.h"

/* One commit of N buffers with barriers: descriptor, N copies, FLUSH,
 * FUA commit block; nothing else, nothing in place. */
static void
test_commit_shape_barrier (void)
{
  struct tenv e;
  const unsigned N = 5;

  tenv_init (&e, 256, true, 0);
  rec_clear (e.rec);
  tmeta_tx (&e, TMETA, N, 0x11);
  assert (e.rec->n == 0);                  /* nothing before the commit */
  assert (jbd_force_commit (e.j) == 0);
  assert (e.rec->n == 1 + N + 2);
  for (unsigned i = 0; i < 1 + N; i++) {
    assert (e.rec->ops[i].type == REC_WRITE && e.rec->ops[i].flags == 0);
    assert (rec_blk (&e.rec->ops[i]) > TJ_FIRST
            && rec_blk (&e.rec->ops[i]) < TJ_FIRST + 256);
  }
  assert (e.rec->ops[N + 1].type == REC_FLUSH);
  assert (e.rec->ops[N + 2].type == REC_WRITE
          && e.rec->ops[N + 2].flags == FPFS_BDEV_FUA);
  for (unsigned i = 0; i < N; i++)
    assert (tdev_byte (e.mem, TMETA + i) == 0);  /* not in place yet */
  tenv_fini (&e);
}

/* nobarrier: the same writes, no FLUSH, no FUA. */
static void
test_commit_shape_nobarrier (void)
{
  struct tenv e;

  tenv_init (&e, 256, false, 0);
  rec_clear (e.rec);
  tmeta_tx (&e, TMETA, 3, 0x22);
  assert (jbd_force_commit (e.j) == 0);
  assert (e.rec->n == 1 + 3 + 1);
  for (size_t i = 0; i < e.rec->n; i++)
    assert (e.rec->ops[i].type == REC_WRITE && e.rec->ops[i].flags == 0);
  tenv_fini (&e);
}

/* More tags than one descriptor holds: a second descriptor. */
static void
test_commit_two_descriptors (void)
{
  struct tenv e;
  const unsigned N = 340;             /* 339 tags fit in one descriptor */

  tenv_init (&e, 1500, true, 0);
  rec_clear (e.rec);
  tmeta_tx (&e, 1520, N, 0x33);
  assert (jbd_force_commit (e.j) == 0);
  assert (e.rec->n == 2 + N + 2);
  /* descriptor, 339 copies, descriptor, 1 copy */
  assert (memcmp (e.rec->ops[0].data, "\xC0\x3B\x39\x98", 4) == 0);
  assert (memcmp (e.rec->ops[340].data, "\xC0\x3B\x39\x98", 4) == 0);
  tenv_fini (&e);
}

/* Commit events in the kernel's order, with handle events around. */
static void
test_commit_event_order (void)
{
  static const char *order[] = {
    "jbd2_handle_start", "jbd2_handle_stats", "jbd2_start_commit",
    "jbd2_commit_locking", "jbd2_commit_flushing", "jbd2_commit_logging",
    "jbd2_run_stats", "jbd2_end_commit",
  };
  struct tenv e;
  size_t at = 0;

  tenv_init (&e, 256, true, 0);
  e.ts->n = 0;
  tmeta_tx (&e, TMETA, 2, 0x44);
  assert (jbd_force_commit (e.j) == 0);
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    at = tsink_find (e.ts, at, order[i]);
    assert (at != SIZE_MAX);
  }
  /* exactly one of each commit event */
  for (size_t i = 2; i < sizeof order / sizeof order[0]; i++)
    assert (tsink_find (e.ts, tsink_find (e.ts, 0, order[i]) + 1, order[i])
            == SIZE_MAX);
  tenv_fini (&e);
}

/* Ordered data: submit_inode_data runs in T_FLUSH, before any log write,
 * and sees the transaction in that state. */
struct odata {
  struct tenv *e;
  size_t ops_at_submit;
  int will_barrier;
  unsigned calls;
  tid_t cb_tid;
};

static int
odata_submit (void *ctx, struct jbd_inode *ji)
{
  struct odata *od = ctx;
  (void) ji;
  od->calls++;
  od->ops_at_submit = od->e->rec->n;
  tdev_fill (od->e->dev, 1500, 0xDA);      /* the inode's data block */
  /* the commit that is running will still send its flush */
  od->will_barrier = jbd_trans_will_send_data_barrier (od->e->j,
                                                       jbd_running_tid (od->e->j) - 1);
  return 0;
}

static void
odata_callback (void *ctx, tid_t tid)
{
  struct odata *od = ctx;
  od->cb_tid = tid;
}

static void
test_commit_ordered_data_first (void)
{
  static const struct jbd_fs_ops ops = { odata_submit, odata_callback };
  struct odata od = { 0 };
  struct jbd_inode ji = { 0 };
  struct jbd_handle *h;
  struct tenv e;
  tid_t tid;

  tenv_init (&e, 256, true, 0);
  od.e = &e;
  jbd_journal_drop (e.j);
  e.cfg.ops = &ops;
  e.cfg.fs_ctx = &od;
  buf_cache_destroy (e.bc);
  tenv_mount (&e);
  rec_clear (e.rec);
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  tid = jbd_handle_tid (h);
  tmeta_set (&e, h, TMETA, 1);
  assert (jbd_file_inode (h, &ji) == 0);
  assert (ji.i_transaction != NULL);
  assert (jbd_journal_stop (h) == 0);
  assert (jbd_complete_transaction (e.j, tid) == 0);
  assert (od.calls == 1 && od.ops_at_submit == 0);
  assert (od.will_barrier == 1);
  assert (od.cb_tid == tid);
  assert (rec_blk (&e.rec->ops[0]) == 1500);       /* data first */
  assert (e.rec->ops[e.rec->n - 2].type == REC_FLUSH);
  assert (ji.i_transaction == NULL);               /* released by commit */
  jbd_release_jbd_inode (e.j, &ji);
  tenv_fini (&e);
}

/* An escaped block (starting with the magic) is logged with the magic
 * zeroed and the ESCAPE flag, and replays intact. */
static void
test_commit_escape (void)
{
  struct jbd_handle *h;
  struct buf *b;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  rec_clear (e.rec);
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  assert (buf_read (e.bc, TMETA, &b) == 0);
  assert (jbd_get_write_access (h, b) == 0);
  memset (b->b_data, 0x5A, TBS);
  memcpy (b->b_data, "\xC0\x3B\x39\x98", 4);
  assert (jbd_dirty_metadata (h, b) == 0);
  buf_put (b);
  assert (jbd_journal_stop (h) == 0);
  assert (jbd_force_commit (e.j) == 0);
  /* the copy in the log has the magic zeroed */
  assert (memcmp (e.rec->ops[1].data, "\0\0\0\0\x5A", 5) == 0);
  /* descriptor tag flags: ESCAPE | LAST_TAG at offset 12 + 6 */
  assert ((e.rec->ops[0].data[12 + 7] & 0x9) == 0x9);
  tenv_crash (&e);
  tenv_mount (&e);
  assert (e.replayed == 1);
  {
    uint8_t buf[TBS];
    assert (fpfs_bdev_read (e.mem, buf, (uint64_t) TMETA * TBS, TBS) == 0);
    assert (memcmp (buf, "\xC0\x3B\x39\x98\x5A", 5) == 0);
  }
  tenv_fini (&e);
}

/* A clean mount (journal_reset with s_start 0 on disk: JBD2_FLUSHED,
 * Linux 4.10) writes nothing; the first commit starts with the journal
 * superblock, a plain write holding the live tail (made durable by the
 * commit block's PREFLUSH), and later commits do not write it. */
static void
test_first_commit_after_clean_mount (void)
{
  struct jbd_sb sb;
  struct tenv e;
  size_t n0, sbw = 0;

  tenv_init_clean (&e, 256, true, 0);
  n0 = e.rec->n;
  for (size_t i = 0; i < n0; i++)
    sbw += e.rec->ops[i].type == REC_WRITE
           && rec_blk (&e.rec->ops[i]) == TJ_FIRST;
  assert (sbw == 1);                            /* the format's, no more */
  assert (rec_blk (&e.rec->ops[n0 - 1]) == TJ_FIRST);
  tmeta_tx (&e, TMETA, 2, 0x44);
  assert (jbd_force_commit (e.j) == 0);
  assert (e.rec->n == n0 + 1 + 1 + 2 + 2);
  assert (e.rec->ops[n0].type == REC_WRITE
          && rec_blk (&e.rec->ops[n0]) == TJ_FIRST
          && e.rec->ops[n0].flags == 0);
  assert (jbd_sb_decode (e.rec->ops[n0].data, TBS, &sb, NULL, 0) == 0);
  assert (sb.s_start != 0 && sb.s_start == e.j->j_first);
  assert (e.rec->ops[n0 + 4].type == REC_FLUSH);
  assert (e.rec->ops[n0 + 5].flags == FPFS_BDEV_FUA);
  rec_clear (e.rec);
  tmeta_tx (&e, TMETA + 5, 1, 0x45);
  assert (jbd_force_commit (e.j) == 0);
  for (size_t i = 0; i < e.rec->n; i++)
    assert (e.rec->ops[i].type != REC_WRITE
            || rec_blk (&e.rec->ops[i]) != TJ_FIRST);
  tenv_fini (&e);
}

int
main (void)
{
  RUN (test_commit_shape_barrier);
  RUN (test_first_commit_after_clean_mount);
  RUN (test_commit_shape_nobarrier);
  RUN (test_commit_two_descriptors);
  RUN (test_commit_event_order);
  RUN (test_commit_ordered_data_first);
  RUN (test_commit_escape);
  return 0;
}
