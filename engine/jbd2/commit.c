/* commit: jbd2_journal_commit_transaction (fs/jbd2/commit.c), one
 * static function per phase, each asserting the state it leaves:
 *
 *   jbd_commit_lock        T_RUNNING -> T_LOCKED        jbd2_commit_locking
 *   jbd_commit_flush       T_LOCKED -> T_FLUSH          jbd2_commit_flushing
 *                          ordered data, then the revoke blocks
 *   jbd_commit_log         T_FLUSH -> T_COMMIT          jbd2_commit_logging
 *                          descriptor blocks and metadata copies
 *   jbd_commit_wait_io     T_COMMIT -> T_COMMIT_DFLUSH
 *   jbd_commit_record      T_COMMIT_DFLUSH -> T_COMMIT_JFLUSH
 *                          FLUSH, then the commit block FUA
 *   jbd_commit_finish      T_COMMIT_JFLUSH -> T_FINISHED
 *                          checkpoint lists, jbd2_run_stats, the fs
 *                          callback, jbd2_end_commit
 *
 * Device-op shape of one commit with N metadata buffers, R revoke records
 * and barriers: ceil(R/510) revoke blocks, ceil(N/339) descriptors, N
 * copies, one FLUSH, one FUA commit block; nothing else (the journal
 * superblock is not written; the ordered data of the transaction's inodes
 * is the file system's, written before any of these).  Nothing is written
 * in place before the commit block completes: the buffers only become
 * BUF_DIRTY (checkpointable) in jbd_commit_finish.
 *
 * The transaction checksum (XXH3-64, seeded with the tid and the journal
 * uuid) covers every revoke, descriptor and data block as written, in log
 * order; the commit block stores it, plus a checksum of itself, so that
 * recovery rejects a transaction whose commit block is missing or torn.
 *
 * A write error aborts the journal; the transaction is then torn down
 * without touching the disk again, and waiters see -EIO.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "bugs.h"
#include "jbd_int.h"
#include "trace.h"

static void
jbd_set_state (struct jbd_transaction *t, enum jbd_tstate from,
               enum jbd_tstate to)
{
  assert (t->t_state == from);
  assert (to == from + 1);
  t->t_state = to;
}

/* Tags one descriptor block holds: the first carries the uuid. */
static uint32_t
jbd_tags_per_desc (const struct journal *j)
{
  return 1 + (j->j_blocksize - JBD_HEADER_SIZE - JBD_TAG_SIZE
              - JBD_UUID_SIZE) / JBD_TAG_SIZE;
}

static uint32_t
jbd_commit_blocks_needed (const struct journal *j,
                          const struct jbd_transaction *t)
{
  uint32_t per = jbd_tags_per_desc (j);
  uint32_t nbuf = (uint32_t) t->t_nr_buffers;

  return jbd_revoke_blocks_needed (j, t->t_revoke.rt_count)
         + (nbuf + per - 1) / per + nbuf + 1;
}

static void
jbd_submit_inode_data (struct journal *j, struct jbd_transaction *t)
{
  const struct jbd_fs_ops *ops = j->j_cfg.ops;
  struct jbd_inode *ji = t->t_inode_list;

  if (ji == NULL || ops == NULL || ops->submit_inode_data == NULL)
    return;
  do {
    /* journal_submit_data_buffers.  A data error is the file's (errseq,
     * reported by fsync), not the journal's: the kernel aborts only with
     * data_err=abort, which flushpoint does not offer. */
    (void) ops->submit_inode_data (j->j_cfg.fs_ctx, ji);
    ji = ji->i_next;
  } while (ji != t->t_inode_list);
}

/* Phase 1: no new handle joins; buffers reserved but never dirtied leave
 * (with no handle open there is nothing to wait for). */
static int
jbd_commit_lock (struct journal *j, struct jbd_transaction *t)
{
  struct jbd_head *jh;
  uint32_t need;

  assert (j->j_committing_transaction == NULL && t->t_updates == 0);
  jbd_set_state (t, T_RUNNING, T_LOCKED);
  j->j_committing_transaction = t;
  j->j_running_transaction = NULL;
  t->t_locked_ns = jbd_now (j);
  jbd_trace (j, "jbd2_commit_locking", "dev %s transaction %u sync %d",
             jbd_devname (j), t->t_tid, t->t_synchronous_commit);
  while ((jh = t->t_reserved_list) != NULL)
    jbd_refile_buffer (j, jh);
  /* Checkpointing writes no log block: j_head stays where t starts. */
  t->t_log_start = j->j_head;
  /* Room for the whole commit; handles reserved it at start, so only an
   * unusual number of revoke records gets here with too little. */
  need = jbd_commit_blocks_needed (j, t);
  if (j->j_free < need + 1) {
    int ret = jbd_log_wait_for_space (j, need + 1);
    if (ret < 0)
      return ret;
  }
  assert (t->t_log_start == j->j_head);
  return 0;
}

/* Phase 2: ordered data, then revoke records. */
static int
jbd_commit_flush (struct journal *j, struct jbd_transaction *t,
                  struct jbd_commit_csum *cs)
{
  jbd_set_state (t, T_LOCKED, T_FLUSH);
  t->t_flushing_ns = jbd_now (j);
  jbd_trace (j, "jbd2_commit_flushing", "dev %s transaction %u sync %d",
             jbd_devname (j), t->t_tid, t->t_synchronous_commit);
  /* data=ordered: the inodes' data goes out before any log block of the
   * transaction; the commit block's FLUSH makes it durable first. */
  if (!(j->j_cfg.bugs & FPFS_BUG_NO_ORDERED_DATA))
    jbd_submit_inode_data (j, t);
  return jbd_journal_write_revoke_records (j, t, cs);
}

/* Write the data copies for the tags of one descriptor. */
static int
jbd_commit_log_copies (struct journal *j, struct jbd_transaction *t,
                       struct jbd_head *first, uint32_t n,
                       struct jbd_commit_csum *cs)
{
  struct jbd_head *jh = first;
  int ret = 0;

  for (uint32_t i = 0; i < n && ret == 0; i++, jh = jh->b_tnext) {
    const uint8_t *data = jh->b_bh->b_data;
    uint32_t logblk;

    if (jbd_get_be32 (data) == JBD_MAGIC) {
      /* Escape: the log copy must not look like a journal block. */
      memcpy (j->j_scratch2, data, j->j_blocksize);
      memset (j->j_scratch2, 0, 4);
      data = j->j_scratch2;
    }
    jbd_next_log_block (j, &logblk);
    jbd_csum_add (cs, data, j->j_blocksize);
    ret = jbd_log_write (j, logblk, data, 0);
    t->t_blocks_logged++;
  }
  return ret;
}

/* Phase 3: descriptor blocks, each followed by its metadata copies. */
static int
jbd_commit_log (struct journal *j, struct jbd_transaction *t,
                struct jbd_commit_csum *cs)
{
  uint32_t per = jbd_tags_per_desc (j);
  uint32_t left = (uint32_t) t->t_nr_buffers;
  struct jbd_head *jh = t->t_buffers;
  int ret = 0;

  jbd_set_state (t, T_FLUSH, T_COMMIT);
  t->t_logging_ns = jbd_now (j);
  jbd_trace (j, "jbd2_commit_logging", "dev %s transaction %u sync %d",
             jbd_devname (j), t->t_tid, t->t_synchronous_commit);
  while (left > 0 && ret == 0) {
    uint8_t *desc = j->j_scratch;
    struct jbd_head *first = jh;
    uint32_t n = left < per ? left : per, off = 0, logblk;

    memset (desc, 0, j->j_blocksize);
    jbd_header_encode (desc, JBD_DESCRIPTOR_BLOCK, t->t_tid);
    for (uint32_t i = 0; i < n; i++, jh = jh->b_tnext) {
      struct jbd_tag tag = { .blocknr = jh->b_bh->b_blocknr };
      if (jbd_get_be32 (jh->b_bh->b_data) == JBD_MAGIC)
        tag.flags |= JBD_FLAG_ESCAPE;
      if (i == n - 1)
        tag.flags |= JBD_FLAG_LAST_TAG;
      assert (off + jbd_tag_space (off) <= j->j_blocksize);
      jbd_tag_put (desc, &off, &tag, j->j_uuid);
    }
    jbd_next_log_block (j, &logblk);
    jbd_csum_add (cs, desc, j->j_blocksize);
    ret = jbd_log_write (j, logblk, desc, 0);
    t->t_blocks_logged++;
    if (ret == 0)
      ret = jbd_commit_log_copies (j, t, first, n, cs);
    left -= n;
  }
  if (ret == 0 && (j->j_cfg.bugs & FPFS_BUG_CHECKPOINT_BEFORE_COMMIT)
      && t->t_buffers) {
    /* The bug: metadata goes in place before the commit block, so a crash
     * now leaves uncommitted metadata on disk. */
    jh = t->t_buffers;
    do {
      int err = buf_write (jh->b_bh, 0);
      if (err && !ret)
        ret = err;
      jh = jh->b_tnext;
    } while (jh != t->t_buffers);
  }
  return ret;
}

/* Phase 4: the kernel waits here for the data and log writes; ours are
 * synchronous and complete already. */
static void
jbd_commit_wait_io (struct journal *j, struct jbd_transaction *t)
{
  (void) j;
  jbd_set_state (t, T_COMMIT, T_COMMIT_DFLUSH);
}

/* Phase 5: journal_submit_commit_record. */
static int
jbd_commit_record (struct journal *j, struct jbd_transaction *t,
                   struct jbd_commit_csum *cs)
{
  unsigned flags = 0;
  uint32_t logblk;
  int ret = 0;

  jbd_set_state (t, T_COMMIT_DFLUSH, T_COMMIT_JFLUSH);
  jbd_commit_block_encode (j->j_scratch, j->j_blocksize, t->t_tid,
                           jbd_now (j), jbd_csum_end (cs));
  if (j->j_flags & JBD_BARRIER) {
    /* REQ_PREFLUSH: every ordered-data write and every log block of this
     * transaction is durable before the commit block can be. */
    if (!(j->j_cfg.bugs & FPFS_BUG_NO_COMMIT_FLUSH))
      ret = jbd_dev_flush (j);
    /* REQ_FUA: the commit block is durable when its write completes, so
     * the transaction survives a crash once this returns. */
    if (!(j->j_cfg.bugs & FPFS_BUG_NO_COMMIT_FUA))
      flags = FPFS_BDEV_FUA;
  }
  if (ret < 0)
    return ret;
  jbd_next_log_block (j, &logblk);
  ret = jbd_log_write (j, logblk, j->j_scratch, flags);
  t->t_blocks_logged++;
  /* ---- the real commit: from here on recovery replays t ---- */
  return ret;
}

/* Hand the inodes to their next transaction, or free them. */
static void
jbd_commit_release_inodes (struct jbd_transaction *t)
{
  struct jbd_inode *ji;

  while ((ji = t->t_inode_list) != NULL) {
    jbd_ilist_del (&t->t_inode_list, ji);
    ji->i_transaction = NULL;
    if (ji->i_next_transaction) {
      struct jbd_transaction *next = ji->i_next_transaction;
      ji->i_next_transaction = NULL;
      ji->i_transaction = next;
      /* next's list: the same insertion jbd_file_inode does. */
      if (next->t_inode_list == NULL) {
        ji->i_next = ji->i_prev = ji;
        next->t_inode_list = ji;
      } else {
        struct jbd_inode *first = next->t_inode_list, *last = first->i_prev;
        ji->i_prev = last;
        ji->i_next = first;
        last->i_next = first->i_prev = ji;
      }
    }
  }
}

/* Move the transaction's buffers to its checkpoint list (phase 6). */
static void
jbd_commit_checkpoint_lists (struct journal *j, struct jbd_transaction *t,
                             struct jbd_head **list)
{
  struct jbd_head *jh;

  while ((jh = *list) != NULL) {
    /* The copy just committed supersedes the one an older transaction
     * still holds for checkpointing: drop it there. */
    if (jh->b_cp_transaction)
      jbd_remove_checkpoint (jh);
    if (jh->b_jbddirty && !jbd_is_aborted (j))
      jbd_insert_checkpoint (jh, t);
    jbd_unfile_buffer (jh);      /* b_jbddirty becomes BUF_DIRTY */
  }
}

static void
jbd_commit_finish (struct journal *j, struct jbd_transaction *t)
{
  const struct jbd_fs_ops *ops = j->j_cfg.ops;
  uint64_t now = jbd_now (j);
  int nbuf = t->t_nr_buffers;

  if (j->j_cfg.bugs & FPFS_BUG_NO_ORDERED_DATA)
    jbd_submit_inode_data (j, t);   /* the bug: data after the commit */
  jbd_commit_release_inodes (t);
  jbd_commit_checkpoint_lists (j, t, &t->t_forget);
  jbd_commit_checkpoint_lists (j, t, &t->t_buffers);
  jbd_rt_free (&t->t_revoke);
  jbd_trace (j, "jbd2_run_stats",
             "dev %s tid %u wait 0 request_delay 0 running %llu locked %llu "
             "flushing %llu logging %llu handle_count %d blocks %d "
             "blocks_logged %u", jbd_devname (j), t->t_tid,
             (unsigned long long) ((t->t_locked_ns - t->t_start_ns) / 1000000),
             (unsigned long long) ((t->t_flushing_ns - t->t_locked_ns) / 1000000),
             (unsigned long long) ((t->t_logging_ns - t->t_flushing_ns) / 1000000),
             (unsigned long long) ((now - t->t_logging_ns) / 1000000),
             t->t_handle_count, nbuf, t->t_blocks_logged);
  t->t_commit_ns = now;
  j->j_commit_sequence = t->t_tid;
  j->j_committing_transaction = NULL;
  j->j_stats.commits++;
  if (ops && ops->commit_callback)
    ops->commit_callback (j->j_cfg.fs_ctx, t->t_tid);
  jbd_trace (j, "jbd2_end_commit", "dev %s transaction %u sync %d head %u",
             jbd_devname (j), t->t_tid, t->t_synchronous_commit,
             j->j_tail_sequence);
  jbd_set_state (t, T_COMMIT_JFLUSH, T_FINISHED);
  if (t->t_checkpoint_list == NULL) {
    jbd_drop_transaction (j, t);
    jbd_free_transaction (t);
  } else if (j->j_checkpoint_transactions == NULL) {
    t->t_cpnext = t->t_cpprev = t;
    j->j_checkpoint_transactions = t;
  } else {
    struct jbd_transaction *first = j->j_checkpoint_transactions;
    t->t_cpprev = first->t_cpprev;
    t->t_cpnext = first;
    first->t_cpprev->t_cpnext = t;
    first->t_cpprev = t;
  }
}

/* An aborted journal: unhook everything without another write.  Buffers
 * stay on older checkpoint lists (nothing is checkpointed after an abort)
 * and never become BUF_DIRTY (jbd_temp_unlink_buffer). */
static void
jbd_commit_discard (struct journal *j, struct jbd_transaction *t)
{
  static const enum jbd_jlist lists[] = { BJ_Reserved, BJ_Forget,
                                          BJ_Metadata };
  struct jbd_head *jh;

  assert (jbd_is_aborted (j));
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
    while ((jh = *jbd_tlist (t, lists[i])) != NULL)
      jbd_unfile_buffer (jh);
  jbd_commit_release_inodes (t);
  j->j_commit_sequence = t->t_tid;
  if (j->j_committing_transaction == t)
    j->j_committing_transaction = NULL;
  if (j->j_running_transaction == t)
    j->j_running_transaction = NULL;
  jbd_free_transaction (t);
}

int
jbd_journal_commit_transaction (struct journal *j)
{
  struct jbd_transaction *t = j->j_running_transaction;
  struct jbd_commit_csum cs = { NULL };
  int ret;

  assert (t != NULL && j->j_handle.h_ref == 0);
  assert (j->j_committing_transaction == NULL);
  if (jbd_is_aborted (j)) {
    jbd_commit_discard (j, t);
    return -EIO;
  }
  t->t_requested_ns = jbd_now (j);
  /* "Do we need to erase the effects of a prior jbd2_journal_flush?"  The
   * superblock says clean since mount: record the live tail first, a plain
   * write (REQ_SYNC), made durable by the commit block's PREFLUSH. */
  ret = (j->j_flags & JBD_FLUSHED)
        ? jbd_update_sb_log_tail (j, j->j_tail_sequence, j->j_tail, 0) : 0;
  jbd_trace (j, "jbd2_start_commit", "dev %s transaction %u sync %d",
             jbd_devname (j), t->t_tid, t->t_synchronous_commit);
  if (ret == 0)
    ret = jbd_commit_lock (j, t);
  if (ret == 0)
    ret = jbd_csum_begin (&cs, t->t_tid, j->j_uuid);
  if (ret == 0)
    ret = jbd_commit_flush (j, t, &cs);
  if (ret == 0)
    ret = jbd_commit_log (j, t, &cs);
  if (ret == 0) {
    jbd_commit_wait_io (j, t);
    ret = jbd_commit_record (j, t, &cs);
  }
  if (cs.state)
    jbd_csum_free (&cs);
  if (ret < 0) {
    jbd_journal_abort (j, ret);
    jbd_commit_discard (j, t);
    return -EIO;
  }
  jbd_commit_finish (j, t);
  return 0;
}
