/* checkpoint: checkpoint lists, the log tail and log space
 * (fs/jbd2/checkpoint.c and the tail half of journal.c).
 *
 * After a commit each of its metadata buffers sits on the transaction's
 * checkpoint list with BUF_DIRTY: the log holds its newest committed copy,
 * the home location does not yet.  Checkpointing writes such buffers in
 * place (or finds them already written by the flusher's buf_write_dirty),
 * removes them from the list, and drops a transaction whose list empties
 * (jbd2_checkpoint_stats, jbd2_drop_transaction).  A later commit of the
 * same buffer also removes it from the older list: the newer log copy
 * supersedes the older one (commit.c).
 *
 * The log tail is the start of the oldest transaction still on a
 * checkpoint list (jbd_get_log_tail).  Moving it (jbd_cleanup_journal_tail)
 * takes, with barriers, a FLUSH -- which orders every in-place checkpoint
 * write before the tail update, since the log copies behind the old tail
 * are about to be overwritten -- then the journal superblock written FUA
 * with the new s_sequence / s_start (jbd2_update_log_tail).  Only then does
 * j_free grow, so no commit reuses log space the disk still points at.
 *
 * A buffer on an old checkpoint list that a running transaction has since
 * changed holds uncommitted data and must not go in place: the checkpoint
 * commits that transaction first (the kernel's cs_forced_to_close).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "jbd_int.h"
#include "trace.h"

/* __jbd2_journal_insert_checkpoint */
void
jbd_insert_checkpoint (struct jbd_head *jh, struct jbd_transaction *t)
{
  assert (jh->b_cp_transaction == NULL);
  jh->b_cp_transaction = t;
  if (t->t_checkpoint_list == NULL) {
    jh->b_cpnext = jh->b_cpprev = jh;
    t->t_checkpoint_list = jh;
  } else {
    struct jbd_head *first = t->t_checkpoint_list, *last = first->b_cpprev;
    jh->b_cpprev = last;
    jh->b_cpnext = first;
    last->b_cpnext = first->b_cpprev = jh;
  }
}

static void
cplist_del (struct jbd_transaction *t, struct jbd_head *jh)
{
  if (t->t_checkpoint_list == jh) {
    t->t_checkpoint_list = jh->b_cpnext;
    if (t->t_checkpoint_list == jh)
      t->t_checkpoint_list = NULL;
  }
  jh->b_cpprev->b_cpnext = jh->b_cpnext;
  jh->b_cpnext->b_cpprev = jh->b_cpprev;
  jh->b_cpnext = jh->b_cpprev = NULL;
  jh->b_cp_transaction = NULL;
}

static void
cpring_del (struct journal *j, struct jbd_transaction *t)
{
  if (t->t_cpnext == NULL)
    return;
  if (j->j_checkpoint_transactions == t) {
    j->j_checkpoint_transactions = t->t_cpnext;
    if (j->j_checkpoint_transactions == t)
      j->j_checkpoint_transactions = NULL;
  }
  t->t_cpprev->t_cpnext = t->t_cpnext;
  t->t_cpnext->t_cpprev = t->t_cpprev;
  t->t_cpnext = t->t_cpprev = NULL;
}

/* __jbd2_journal_drop_transaction: off the checkpoint ring; the caller
 * frees it. */
void
jbd_drop_transaction (struct journal *j, struct jbd_transaction *t)
{
  assert (t->t_state == T_FINISHED && t->t_checkpoint_list == NULL);
  assert (j->j_committing_transaction != t && j->j_running_transaction != t);
  cpring_del (j, t);
  jbd_trace (j, "jbd2_drop_transaction", "dev %s transaction %u sync %d",
             jbd_devname (j), t->t_tid, t->t_synchronous_commit);
}

/* __jbd2_journal_remove_checkpoint: 1 if the transaction was dropped. jh
 * may be freed. */
int
jbd_remove_checkpoint (struct jbd_head *jh)
{
  struct jbd_transaction *t = jh->b_cp_transaction;
  struct journal *j;

  assert (t != NULL);
  j = t->t_journal;
  cplist_del (t, jh);
  jbd_put_journal_head (jh);
  if (t->t_checkpoint_list != NULL || t->t_state != T_FINISHED)
    return 0;
  jbd_trace (j, "jbd2_checkpoint_stats",
             "dev %s tid %u chp_time %llu forced_to_close %u written %u "
             "dropped %u", jbd_devname (j), t->t_tid,
             (unsigned long long) ((jbd_now (j) - t->t_commit_ns) / 1000000),
             t->t_chp_stats.cs_forced_to_close, t->t_chp_stats.cs_written,
             t->t_chp_stats.cs_dropped);
  jbd_drop_transaction (j, t);
  jbd_free_transaction (t);
  return 1;
}

static uint32_t
jbd_log_len (const struct journal *j)
{
  return j->j_last - j->j_first;
}

static uint32_t
jbd_log_distance (const struct journal *j, uint32_t from, uint32_t to)
{
  return (to + jbd_log_len (j) - from) % jbd_log_len (j);
}

/* jbd2_journal_get_log_tail: true if the tail can move forward. */
static bool
jbd_get_log_tail (const struct journal *j, tid_t *tid, uint32_t *block)
{
  const struct jbd_transaction *t;

  if ((t = j->j_checkpoint_transactions) != NULL) {
    *tid = t->t_tid;
    *block = t->t_log_start;
  } else if ((t = j->j_committing_transaction) != NULL) {
    /* UNREACHABLE until commits interleave with the schedule: a commit
     * runs start to end and nothing asks for the tail meanwhile. */
    *tid = t->t_tid;
    *block = t->t_log_start;
  } else if ((t = j->j_running_transaction) != NULL) {
    *tid = t->t_tid;
    *block = j->j_head;
  } else {
    *tid = j->j_transaction_sequence;
    *block = j->j_head;
  }
  return tid_gt (*tid, j->j_tail_sequence);
}

/* j_free once the tail catches up with what was dropped. */
static uint32_t
jbd_projected_free (const struct journal *j)
{
  tid_t tid;
  uint32_t block;

  if (!jbd_get_log_tail (j, &tid, &block))
    return j->j_free;
  return j->j_free + jbd_log_distance (j, j->j_tail, block);
}

/* jbd2_cleanup_journal_tail: 0 if the tail moved, 1 if it had nowhere to
 * go, < 0 on error. */
int
jbd_cleanup_journal_tail (struct journal *j)
{
  tid_t tid;
  uint32_t block, freed;
  int ret = 0;

  if (jbd_is_aborted (j))
    return -EIO;
  if (!jbd_get_log_tail (j, &tid, &block))
    return 1;
  /* FLUSH: the checkpoint's in-place writes must be durable before the
   * superblock stops pointing at the log copies they replace. */
  if (j->j_flags & JBD_BARRIER)
    ret = jbd_dev_flush (j);
  /* FUA: the new tail is durable before the log space it frees is
   * reused by a commit. */
  if (ret == 0)
    ret = jbd_update_sb_log_tail (j, tid, block, FPFS_BDEV_FUA);
  if (ret < 0)
    return ret;
  freed = jbd_log_distance (j, j->j_tail, block);
  jbd_trace (j, "jbd2_update_log_tail",
             "dev %s from %u to %u offset %u freed %u", jbd_devname (j),
             j->j_tail_sequence, tid, block, freed);
  j->j_free += freed;
  assert (j->j_free <= jbd_log_len (j));
  j->j_tail_sequence = tid;
  j->j_tail = block;
  return 0;
}

/* Checkpoint one transaction: 1 if it was dropped, 0 if a commit ran first
 * (the lists changed: look again), < 0 on error. */
static int
jbd_checkpoint_one (struct journal *j, struct jbd_transaction *t)
{
  for (;;) {
    struct jbd_head *jh = t->t_checkpoint_list;
    struct buf *b;
    int ret;

    assert (jh != NULL);
    b = jh->b_bh;
    if (jh->b_transaction) {
      struct jbd_transaction *rt = j->j_running_transaction;
      /* j_committing_transaction: UNREACHABLE until commits interleave
       * with the schedule (no checkpoint runs inside a commit). */
      if (jh->b_transaction != rt || j->j_handle.h_ref > 0
          || j->j_committing_transaction)
        return -EBUSY;
      t->t_chp_stats.cs_forced_to_close++;
      jbd_log_start_commit (j, rt->t_tid);
      return jbd_is_aborted (j) ? -EIO : 0;
    }
    if (b->b_state & BUF_DIRTY) {
      /* In place; the FLUSH in jbd_cleanup_journal_tail orders it. */
      ret = buf_write (b, 0);
      if (ret < 0) {
        jbd_journal_abort (j, ret);
        return ret;
      }
      t->t_chp_stats.cs_written++;
    }
    if (jbd_remove_checkpoint (jh))
      return 1;
  }
}

/* jbd2_log_do_checkpoint, generalised: checkpoint from the oldest
 * transaction on, until j_free would reach want_free (if non-zero), or
 * while transactions committed at or before older_than_ns remain.  Then
 * move the tail if update_tail.  Returns the transactions dropped. */
int
jbd_log_do_checkpoint (struct journal *j, uint32_t want_free,
                       uint64_t older_than_ns, bool update_tail)
{
  struct jbd_transaction *t;
  int dropped = 0, ret = 0, r;
  bool worked = false;

  if (jbd_is_aborted (j))
    return -EIO;
  while ((t = j->j_checkpoint_transactions) != NULL) {
    if (want_free ? jbd_projected_free (j) >= want_free
                  : t->t_commit_ns > older_than_ns)
      break;
    worked = true;
    r = jbd_checkpoint_one (j, t);
    if (r == -EBUSY && want_free == 0)
      break;      /* a handle is open: the rest waits for the next call */
    if (r < 0) {
      ret = r;
      break;
    }
    dropped += r;
  }
  j->j_stats.checkpoints += (uint64_t) dropped;
  if (worked)
    jbd_trace (j, "jbd2_checkpoint", "dev %s result %d", jbd_devname (j),
               ret);
  if (ret == 0 && update_tail) {
    r = jbd_cleanup_journal_tail (j);
    if (r < 0)
      ret = r;
  }
  return ret < 0 ? ret : dropped;
}

/* jbd2_space_needed: room for the largest commit -- a full transaction,
 * its descriptors, a revoke block beyond what start_this_handle counted,
 * the commit block, and one block kept free so that head never meets
 * tail.  The kernel's n + n/32 assumes journals of 1024 blocks or more;
 * this bound also holds for the small journals of tests. */
uint32_t
jbd_space_needed (const struct journal *j)
{
  uint32_t n = (uint32_t) j->j_max_transaction_buffers;
  uint32_t per = 1 + (j->j_blocksize - JBD_HEADER_SIZE - JBD_TAG_SIZE
                      - JBD_UUID_SIZE) / JBD_TAG_SIZE;
  return n + (n + per - 1) / per + 3;
}

/* jbd2_log_space_left: free log blocks, less the slack and what the
 * committing transaction may still write. */
uint32_t
jbd_log_space_left (const struct journal *j)
{
  uint32_t free = j->j_free > j->j_reserved_blocks
                  ? j->j_free - j->j_reserved_blocks : 0;
  const struct jbd_transaction *t = j->j_committing_transaction;

  if (t) {
    /* UNREACHABLE until commits interleave with the schedule: no handle
     * starts while a commit runs. */
    uint32_t c = (uint32_t) t->t_outstanding_credits;
    c += c >> 5;
    free = free > c ? free - c : 0;
  }
  return free;
}

/* __jbd2_log_wait_for_space: checkpoint until j_free >= want_free. */
int
jbd_log_wait_for_space (struct journal *j, uint32_t want_free)
{
  while (j->j_free < want_free) {
    uint32_t before = j->j_free;
    int ret;

    if (jbd_is_aborted (j))
      return -EIO;
    if (j->j_checkpoint_transactions)
      ret = jbd_log_do_checkpoint (j, want_free, UINT64_MAX, true);
    else
      ret = jbd_cleanup_journal_tail (j);
    if (ret < 0)
      return ret;
    if (j->j_free == before && j->j_checkpoint_transactions == NULL) {
      /* "needed %d blocks and only had %d space available" */
      jbd_journal_abort (j, -ENOSPC);
      return -ENOSPC;
    }
  }
  return 0;
}

int
jbd_checkpoint (struct journal *j, uint64_t older_than_ns)
{
  int ret;

  if (jbd_is_aborted (j))
    return -EIO;
  ret = jbd_log_do_checkpoint (j, 0, older_than_ns, true);
  return ret < 0 ? ret : 0;
}

/* Free every transaction without writing (drop and destroy).  The fs's
 * jbd_inodes still linked are unlinked, so they must outlive this call. */
void
jbd_checkpoint_release_all (struct journal *j)
{
  static const enum jbd_jlist lists[] = { BJ_Reserved, BJ_Forget,
                                          BJ_Metadata };
  struct jbd_transaction *ts[2] = { j->j_running_transaction,
                                    j->j_committing_transaction };
  struct jbd_transaction *t;
  struct jbd_head *jh;
  struct jbd_inode *ji;

  for (int k = 0; k < 2; k++) {
    if ((t = ts[k]) == NULL)
      continue;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
      while ((jh = *jbd_tlist (t, lists[i])) != NULL) {
        jh->b_jbddirty = false;   /* uncommitted: never BUF_DIRTY */
        jbd_unfile_buffer (jh);
      }
    while ((ji = t->t_inode_list) != NULL) {
      jbd_ilist_del (&t->t_inode_list, ji);
      ji->i_transaction = NULL;
      ji->i_next_transaction = NULL;
    }
    jbd_free_transaction (t);
  }
  j->j_running_transaction = j->j_committing_transaction = NULL;
  while ((t = j->j_checkpoint_transactions) != NULL) {
    while ((jh = t->t_checkpoint_list) != NULL) {
      cplist_del (t, jh);
      jbd_put_journal_head (jh);
    }
    cpring_del (j, t);
    jbd_free_transaction (t);
  }
}
