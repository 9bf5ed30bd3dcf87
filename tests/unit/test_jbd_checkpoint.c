/* test_jbd_checkpoint: in-place writes, the tail update, superseded copies,
 * wrap-around and the clean superblock at destroy. */
#include "jbd_testlib.h"
#include "jbd_int.h"

static void
read_sb (struct fpfs_bdev *bd, struct jbd_sb *sb)
{
  uint8_t blk[TBS];
  assert (fpfs_bdev_read (bd, blk, (uint64_t) TJ_FIRST * TBS, TBS) == 0);
  assert (jbd_sb_decode (blk, TBS, sb, NULL, 0) == 0);
}

/* Checkpoint: the buffers in place, then FLUSH, then the superblock FUA
 * with the new tail; the log space comes back. */
static void
test_checkpoint_shape (void)
{
  struct jbd_stats st0, st;
  struct jbd_sb sb0, sb;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  read_sb (e.mem, &sb0);
  jbd_get_stats (e.j, &st0);
  tmeta_tx (&e, TMETA, 3, 0x31);
  assert (jbd_force_commit (e.j) == 0);
  rec_clear (e.rec);
  e.ts->n = 0;
  assert (jbd_checkpoint (e.j, UINT64_MAX) == 0);
  assert (e.rec->n == 5);
  for (unsigned i = 0; i < 3; i++)
    assert (rec_blk (&e.rec->ops[i]) == TMETA + i
            && e.rec->ops[i].flags == 0);
  assert (e.rec->ops[3].type == REC_FLUSH);
  assert (rec_blk (&e.rec->ops[4]) == TJ_FIRST
          && e.rec->ops[4].flags == FPFS_BDEV_FUA);
  read_sb (e.mem, &sb);
  assert (sb.s_sequence == sb0.s_sequence + 1);
  assert (sb.s_start == sb0.s_start + 5);     /* desc + 3 + commit */
  jbd_get_stats (e.j, &st);
  assert (st.free_log_blocks == st0.free_log_blocks);
  assert (tsink_find (e.ts, 0, "jbd2_checkpoint_stats") != SIZE_MAX);
  assert (tsink_find (e.ts, 0, "jbd2_drop_transaction") != SIZE_MAX);
  assert (tsink_find (e.ts, 0, "jbd2_write_superblock") != SIZE_MAX);
  assert (tsink_find (e.ts, 0, "jbd2_update_log_tail") != SIZE_MAX);
  /* nothing left: a second checkpoint writes nothing */
  rec_clear (e.rec);
  assert (jbd_checkpoint (e.j, UINT64_MAX) == 0);
  assert (e.rec->n == 0);
  tenv_fini (&e);
}

/* A newer commit of the same buffer supersedes the older copy: the older
 * transaction is dropped during the commit, the block goes in place once. */
static void
test_checkpoint_superseded (void)
{
  struct tenv e;
  size_t commit_end, drop;
  unsigned inplace = 0;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 1);
  assert (jbd_force_commit (e.j) == 0);
  e.ts->n = 0;
  tmeta_tx (&e, TMETA, 1, 2);
  assert (jbd_force_commit (e.j) == 0);
  drop = tsink_find (e.ts, 0, "jbd2_drop_transaction");
  commit_end = tsink_find (e.ts, 0, "jbd2_end_commit");
  assert (drop != SIZE_MAX && drop < commit_end);
  rec_clear (e.rec);
  assert (jbd_checkpoint (e.j, UINT64_MAX) == 0);
  for (size_t i = 0; i < e.rec->n; i++)
    if (e.rec->ops[i].type == REC_WRITE && rec_blk (&e.rec->ops[i]) == TMETA)
      inplace++;
  assert (inplace == 1 && tdev_byte (e.mem, TMETA) == 2);
  tenv_fini (&e);
}

/* Checkpointing a buffer a running transaction changed since commits that
 * transaction first: the device never sees the uncommitted change before
 * its commit block. */
static void
test_checkpoint_forces_running_commit (void)
{
  struct jbd_handle *h;
  struct tenv e;
  size_t inplace = SIZE_MAX, commit = SIZE_MAX;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 1);
  assert (jbd_force_commit (e.j) == 0);
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  tmeta_set (&e, h, TMETA, 2);
  assert (jbd_journal_stop (h) == 0);
  rec_clear (e.rec);
  assert (jbd_checkpoint (e.j, UINT64_MAX) == 0);
  for (size_t i = 0; i < e.rec->n; i++) {
    if (e.rec->ops[i].flags == FPFS_BDEV_FUA && commit == SIZE_MAX)
      commit = i;
    if (e.rec->ops[i].type == REC_WRITE && rec_blk (&e.rec->ops[i]) == TMETA)
      inplace = i;
  }
  assert (commit != SIZE_MAX && inplace != SIZE_MAX && commit < inplace);
  assert (tdev_byte (e.mem, TMETA) == 2);
  tenv_fini (&e);
}

/* Buffers the flusher already wrote are only dropped: the checkpoint then
 * just moves the tail (FLUSH + superblock). */
static void
test_checkpoint_after_flusher (void)
{
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 2, 1);
  assert (jbd_force_commit (e.j) == 0);
  assert (buf_dirty_count (e.bc) == 2);
  assert (buf_write_dirty (e.bc, UINT64_MAX) == 0);
  rec_clear (e.rec);
  assert (jbd_checkpoint (e.j, UINT64_MAX) == 0);
  assert (e.rec->n == 2 && e.rec->ops[0].type == REC_FLUSH
          && rec_blk (&e.rec->ops[1]) == TJ_FIRST);
  tenv_fini (&e);
}

/* Many commits through a tiny log: handles wait for space by
 * checkpointing, the log wraps, nothing fails, the data is right. */
static void
test_checkpoint_wraparound (void)
{
  struct jbd_stats st;
  struct tenv e;

  tenv_init (&e, 32, true, 0);
  for (unsigned i = 0; i < 200; i++) {
    tmeta_tx (&e, TMETA + (i % 11), 1 + i % 3, (uint8_t) (i + 1));
    if (i % 2)
      assert (jbd_force_commit (e.j) == 0);
  }
  assert (jbd_force_commit (e.j) == 0);
  jbd_get_stats (e.j, &st);
  assert (st.log_blocks_written > 10 * 32);
  assert (st.checkpoints > 0 && !jbd_journal_aborted (e.j));
  tenv_crash (&e);
  tenv_mount (&e);
  /* block TMETA+k was last written by the largest i with i%11 == k, or
   * by the one before it through 1 + i%3 blocks */
  for (unsigned k = 0; k < 11; k++) {
    int last = -1;
    for (unsigned i = 0; i < 200; i++)
      if (TMETA + k >= TMETA + (i % 11) && TMETA + k < TMETA + (i % 11) + 1 + i % 3)
        last = (int) i;
    assert (tdev_byte (e.mem, TMETA + k) == (uint8_t) (last + 1));
  }
  tenv_fini (&e);
}

/* Destroy checkpoints everything and marks the journal clean: FLUSH, then
 * the superblock FUA with s_start = 0; the next mount replays nothing. */
static void
test_checkpoint_destroy_clean (void)
{
  struct jbd_sb sb;
  struct tenv e;
  size_t n;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 2, 9);
  rec_clear (e.rec);
  assert (jbd_journal_destroy (e.j) == 0);
  e.j = NULL;
  n = e.rec->n;
  assert (n == 1 + 2 + 2 + 2 + 2);    /* commit(desc,2,F,C), 2 in place, F, sb */
  assert (e.rec->ops[n - 2].type == REC_FLUSH);
  assert (rec_blk (&e.rec->ops[n - 1]) == TJ_FIRST
          && e.rec->ops[n - 1].flags == FPFS_BDEV_FUA);
  read_sb (e.mem, &sb);
  assert (sb.s_start == 0);
  assert (tdev_byte (e.mem, TMETA + 1) == 9);
  buf_cache_destroy (e.bc);
  tenv_mount (&e);
  assert (e.replayed == 0);
  tenv_fini (&e);
}

int
main (void)
{
  RUN (test_checkpoint_shape);
  RUN (test_checkpoint_superseded);
  RUN (test_checkpoint_forces_running_commit);
  RUN (test_checkpoint_after_flusher);
  RUN (test_checkpoint_wraparound);
  RUN (test_checkpoint_destroy_clean);
  return 0;
}
