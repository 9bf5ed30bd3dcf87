/* transaction: handles and the running transaction
 * (fs/jbd2/transaction.c).
 *
 * A handle joins the running transaction, created lazily by
 * jbd_start_this_handle.  Before a handle joins, two limits are enforced as
 * the kernel's add_transaction_credits does: if the transaction would grow
 * past j_max_transaction_buffers (a quarter of the log) it is committed
 * first; if the log lacks room for a full transaction, old transactions are
 * checkpointed first (jbd_log_wait_for_space).  With no threads, at most
 * one handle is open at a time; a start while one is open nests into it.
 *
 * Buffer protocol: jbd_get_write_access (or _create_access) files the
 * buffer on the transaction's reserved list; jbd_dirty_metadata moves it to
 * the metadata list and, the first time in this transaction, uses one of
 * the handle's credits (asserted: a handle never dirties more distinct
 * buffers than it asked for).  A buffer that was BUF_DIRTY because it sits
 * on an older transaction's checkpoint list loses BUF_DIRTY on joining: its
 * b_data is about to hold uncommitted changes and must not go in place.
 * The older checkpoint list keeps it until this transaction commits, which
 * then removes it there: the newer logged copy supersedes the older one.
 *
 * A commit runs to completion with no handle open, so a handle never meets
 * a buffer owned by the committing transaction: the kernel's frozen copies
 * and b_next_transaction are not needed (asserted).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "jbd_int.h"
#include "trace.h"

/* ---- the transaction lists (circular, as the kernel's b_tnext) ---- */

struct jbd_head **
jbd_tlist (struct jbd_transaction *t, enum jbd_jlist l)
{
  switch (l) {
  case BJ_Metadata: return &t->t_buffers;
  case BJ_Forget: return &t->t_forget;
  case BJ_Reserved: return &t->t_reserved_list;
  case BJ_None: break;
  }
  assert (!"no such transaction list");
  return NULL;
}

static void
blist_add (struct jbd_head **list, struct jbd_head *jh)
{
  if (*list == NULL) {
    jh->b_tnext = jh->b_tprev = jh;
    *list = jh;
  } else {
    struct jbd_head *first = *list, *last = first->b_tprev;
    jh->b_tprev = last;
    jh->b_tnext = first;
    last->b_tnext = first->b_tprev = jh;
  }
}

static void
blist_del (struct jbd_head **list, struct jbd_head *jh)
{
  if (*list == jh) {
    *list = jh->b_tnext;
    if (*list == jh)
      *list = NULL;
  }
  jh->b_tprev->b_tnext = jh->b_tnext;
  jh->b_tnext->b_tprev = jh->b_tprev;
  jh->b_tnext = jh->b_tprev = NULL;
}

/* jbd2_journal_add_journal_head: the head holds a buffer reference. */
struct jbd_head *
jbd_add_journal_head (struct buf *b)
{
  struct jbd_head *jh = b->b_jh;

  if (jh)
    return jh;
  jh = calloc (1, sizeof *jh);
  if (jh == NULL)
    return NULL;
  jh->b_bh = b;
  b->b_count++;
  b->b_jh = jh;
  return jh;
}

/* jbd2_journal_put_journal_head: free the head once no list holds it. */
void
jbd_put_journal_head (struct jbd_head *jh)
{
  struct buf *b = jh->b_bh;

  if (jh->b_transaction || jh->b_cp_transaction)
    return;
  assert (jh->b_jlist == BJ_None && jh->b_next_transaction == NULL);
  b->b_jh = NULL;
  free (jh);
  buf_put (b);
}

/* __jbd2_journal_temp_unlink_buffer: off the transaction's list; what the
 * buffer owes the disk (b_jbddirty) becomes BUF_DIRTY, unless aborted. */
void
jbd_temp_unlink_buffer (struct jbd_head *jh)
{
  struct jbd_transaction *t = jh->b_transaction;
  struct journal *j = t->t_journal;

  assert (jh->b_jlist != BJ_None);
  if (jh->b_jlist == BJ_Metadata)
    t->t_nr_buffers--;
  blist_del (jbd_tlist (t, jh->b_jlist), jh);
  jh->b_jlist = BJ_None;
  if (jbd_is_aborted (j))
    jh->b_jbddirty = false;
  else if (jh->b_jbddirty) {
    jh->b_jbddirty = false;
    buf_mark_dirty (jh->b_bh, jbd_now (j));
  }
}

/* __jbd2_journal_file_buffer */
void
jbd_file_buffer (struct jbd_head *jh, struct jbd_transaction *t,
                 enum jbd_jlist jlist)
{
  struct buf *b = jh->b_bh;
  bool was_dirty;

  assert (jlist != BJ_None);
  assert (jh->b_transaction == NULL || jh->b_transaction == t);
  if (jh->b_transaction && jh->b_jlist == jlist)
    return;
  /* A buffer joining a transaction must not be written in place any more:
   * whatever it owed the disk is now owed through the transaction. */
  was_dirty = (b->b_state & BUF_DIRTY) || jh->b_jbddirty;
  buf_clear_dirty (b);
  jh->b_jbddirty = false;
  if (jh->b_transaction)
    jbd_temp_unlink_buffer (jh);
  jh->b_transaction = t;
  jh->b_jlist = jlist;
  blist_add (jbd_tlist (t, jlist), jh);
  if (jlist == BJ_Metadata)
    t->t_nr_buffers++;
  if (was_dirty)
    jh->b_jbddirty = true;
}

/* __jbd2_journal_unfile_buffer; jh may be freed. */
void
jbd_unfile_buffer (struct jbd_head *jh)
{
  jbd_temp_unlink_buffer (jh);
  jh->b_transaction = NULL;
  jbd_put_journal_head (jh);
}

/* __jbd2_journal_refile_buffer.  With no b_next_transaction (see the top
 * comment) refiling is unfiling. */
void
jbd_refile_buffer (struct journal *j, struct jbd_head *jh)
{
  (void) j;
  assert (jh->b_next_transaction == NULL);
  jbd_unfile_buffer (jh);
}

/* ---- handles ---- */

static struct journal *
handle_journal (const struct jbd_handle *h)
{
  return h->h_transaction->t_journal;
}

static bool
is_handle_aborted (const struct jbd_handle *h)
{
  return h->h_transaction == NULL || jbd_is_aborted (handle_journal (h));
}

/* jbd2_get_transaction */
static int
jbd_get_transaction (struct journal *j)
{
  struct jbd_transaction *t = calloc (1, sizeof *t);

  if (t == NULL)
    return -ENOMEM;
  t->t_journal = j;
  t->t_state = T_RUNNING;
  t->t_tid = j->j_transaction_sequence++;
  t->t_start_ns = jbd_now (j);
  t->t_expires_ns = sched_after (t->t_start_ns, j->j_commit_interval_ns);
  j->j_running_transaction = t;
  jbd_arm_commit_timer (j, t);
  return 0;
}

static bool
jbd_transaction_empty (const struct jbd_transaction *t)
{
  return t->t_outstanding_credits == 0 && t->t_revoke.rt_count == 0
         && t->t_forget == NULL && t->t_inode_list == NULL;
}

/* start_this_handle with add_transaction_credits folded in. */
static int
jbd_start_this_handle (struct journal *j, struct jbd_handle *h, int blocks)
{
  struct jbd_transaction *t;
  int ret;

  /* Each pass either joins, or commits / checkpoints, which makes
   * progress; the bound only guards against a broken invariant. */
  for (int pass = 0; pass < 64; pass++) {
    if (jbd_is_aborted (j))
      return -EROFS;
    if (j->j_running_transaction == NULL) {
      ret = jbd_get_transaction (j);
      if (ret < 0)
        return ret;
    }
    t = j->j_running_transaction;
    assert (t->t_state == T_RUNNING && t->t_updates == 0);
    if (t->t_outstanding_credits + blocks
        + (int) jbd_revoke_blocks_needed (j, t->t_revoke.rt_count)
        > j->j_max_transaction_buffers
        && !jbd_transaction_empty (t)) {
      /* Full: commit it and start the handle in a new one. */
      jbd_log_start_commit (j, t->t_tid);
      continue;
    }
    if (jbd_log_space_left (j) < jbd_space_needed (j)) {
      ret = jbd_log_wait_for_space (j, jbd_space_needed (j)
                                       + j->j_reserved_blocks);
      if (ret < 0)
        return jbd_is_aborted (j) ? -EROFS : ret;
      continue;
    }
    t->t_outstanding_credits += blocks;
    t->t_updates++;
    t->t_handle_count++;
    *h = (struct jbd_handle) {
      .h_transaction = t, .h_buffer_credits = blocks,
      .h_requested_credits = blocks, .h_ref = 1,
      .h_start_ns = jbd_now (j),
    };
    return 0;
  }
  jbd_journal_abort (j, -EIO);
  return -EROFS;
}

/* jbd2__journal_start */
int
jbd_journal_start (struct journal *j, int credits, struct jbd_handle **out)
{
  struct jbd_handle *h = &j->j_handle;
  int ret;

  *out = NULL;
  if (h->h_ref > 0) {            /* nested: current->journal_info */
    h->h_ref++;
    *out = h;
    return 0;
  }
  assert (!(j->j_flags & JBD_UNMOUNT));
  if (jbd_is_aborted (j))
    return -EROFS;
  if (credits < 0 || credits > j->j_max_transaction_buffers)
    return -ENOSPC;              /* "wants too many credits" */
  ret = jbd_start_this_handle (j, h, credits);
  if (ret < 0)
    return ret;
  j->j_stats.handles++;
  jbd_trace (j, "jbd2_handle_start", "dev %s tid %u requested_blocks %d",
             jbd_devname (j), h->h_transaction->t_tid, credits);
  *out = h;
  return 0;
}

/* jbd2_journal_stop */
int
jbd_journal_stop (struct jbd_handle *h)
{
  struct jbd_transaction *t = h->h_transaction;
  struct journal *j;
  bool wait_for_commit = false;
  uint64_t now;
  tid_t tid;
  int err = 0;

  assert (t != NULL && h->h_ref > 0);
  j = t->t_journal;
  if (is_handle_aborted (h))
    err = -EIO;
  if (--h->h_ref > 0)
    return err;
  now = jbd_now (j);
  tid = t->t_tid;
  jbd_trace (j, "jbd2_handle_stats",
             "dev %s tid %u interval %llu sync %d requested_blocks %d "
             "dirtied_blocks %d", jbd_devname (j), tid,
             (unsigned long long) ((now - h->h_start_ns) / 1000000ull),
             h->h_sync, h->h_requested_credits, h->h_dirtied);
  if (h->h_sync)
    t->t_synchronous_commit = true;
  t->t_outstanding_credits -= h->h_buffer_credits;
  assert (t->t_updates == 1);
  t->t_updates--;
  h->h_transaction = NULL;
  /* As the kernel: a sync handle, an over-full transaction or one older
   * than the commit interval is committed now. */
  if (h->h_sync || t->t_outstanding_credits > j->j_max_transaction_buffers
      || (j->j_commit_interval_ns && now >= t->t_expires_ns)) {
    jbd_log_start_commit (j, tid);
    wait_for_commit = h->h_sync;
  } else if (j->j_commit_request == tid) {
    /* A commit asked for while the handle was open runs now that the
     * last handle stopped (kjournald2 was waiting on t_updates). */
    jbd_kjournald_run (j);
  }
  if (wait_for_commit) {
    int r = jbd_log_wait_commit (j, tid);
    if (!err)
      err = r;
  }
  return err;
}

tid_t
jbd_handle_tid (const struct jbd_handle *h)
{
  assert (h->h_transaction != NULL);
  return h->h_transaction->t_tid;
}

void
jbd_handle_set_sync (struct jbd_handle *h)
{
  h->h_sync = true;
}

/* ---- buffers ---- */

/* do_get_write_access */
int
jbd_get_write_access (struct jbd_handle *h, struct buf *b)
{
  struct jbd_transaction *t = h->h_transaction;
  struct jbd_head *jh;

  assert (b->b_count > 0 && (b->b_state & BUF_UPTODATE));
  if (is_handle_aborted (h))
    return -EROFS;
  jh = jbd_add_journal_head (b);
  if (jh == NULL)
    return -ENOMEM;
  if (jh->b_transaction != t) {
    /* No handle is open during a commit: the buffer is free, or only on
     * an older transaction's checkpoint list. */
    assert (jh->b_transaction == NULL);
    jh->b_modified = false;
    jbd_file_buffer (jh, t, BJ_Reserved);
  }
  jbd_cancel_revoke (h, jh);
  return 0;
}

/* jbd2_journal_get_create_access */
int
jbd_get_create_access (struct jbd_handle *h, struct buf *b)
{
  struct jbd_transaction *t = h->h_transaction;
  struct jbd_head *jh;

  assert (b->b_count > 0 && (b->b_state & BUF_UPTODATE));
  if (is_handle_aborted (h))
    return -EROFS;
  jh = jbd_add_journal_head (b);
  if (jh == NULL)
    return -ENOMEM;
  assert (jh->b_transaction == t || jh->b_transaction == NULL);
  if (jh->b_transaction == NULL) {
    /* New contents: whatever older copy was owed to the disk is void. */
    buf_clear_dirty (b);
    jh->b_jbddirty = false;
    jh->b_modified = false;
    jbd_file_buffer (jh, t, BJ_Reserved);
  }
  jbd_cancel_revoke (h, jh);
  return 0;
}

/* jbd2_journal_dirty_metadata */
int
jbd_dirty_metadata (struct jbd_handle *h, struct buf *b)
{
  struct jbd_transaction *t = h->h_transaction;
  struct jbd_head *jh = b->b_jh;

  if (is_handle_aborted (h))
    return -EROFS;
  assert (jh != NULL && jh->b_transaction == t
          && "jbd_dirty_metadata without jbd_get_write_access");
  if (!jh->b_modified) {
    /* A credit per distinct buffer: the handle promised no more. */
    assert (h->h_buffer_credits > 0 && "handle ran out of credits");
    if (h->h_buffer_credits <= 0)
      return -ENOSPC;
    jh->b_modified = true;
    h->h_buffer_credits--;
    h->h_dirtied++;
  }
  if (jh->b_jlist != BJ_Metadata)
    jbd_file_buffer (jh, t, BJ_Metadata);
  jh->b_jbddirty = true;
  return 0;
}

/* jbd2_journal_forget, without the revoke record (jbd_forget adds it). */
static void
jbd_journal_forget (struct jbd_handle *h, struct buf *b)
{
  struct jbd_transaction *t = h->h_transaction;
  struct jbd_head *jh = b->b_jh;
  bool was_modified;

  if (jh == NULL)
    return;
  was_modified = jh->b_modified;
  jh->b_modified = false;
  if (jh->b_transaction == t) {
    /* Part of this transaction: drop it.  If an older transaction's
     * checkpoint list still holds it, keep it on our forget list so that
     * our commit removes it from there. */
    jh->b_jbddirty = false;
    if (was_modified)
      h->h_buffer_credits++;
    if (jh->b_cp_transaction)
      jbd_file_buffer (jh, t, BJ_Forget);
    else
      jbd_unfile_buffer (jh);
  } else {
    assert (jh->b_transaction == NULL && jh->b_cp_transaction != NULL);
    /* Only on an older checkpoint list: its committed copy must never be
     * written in place over a block that is free now (and may hold file
     * data soon).  Linux 4.10 leaves it dirty and relies on
     * clean_bdev_aliases at reallocation; here our forget list holds it
     * until our commit, which carries the revoke, drops it from the old
     * checkpoint list.  Until then recovery may still replay the old copy,
     * which is right: the block is still allocated on disk. */
    jbd_file_buffer (jh, t, BJ_Forget);
    jh->b_jbddirty = false;
  }
}

static int
jbd_insert_revoke (struct jbd_handle *h, uint64_t blocknr)
{
  struct journal *j = handle_journal (h);

  if (blocknr >= j->j_dev_blocks)
    return -EINVAL;
  return jbd_rt_set (&h->h_transaction->t_revoke, blocknr,
                     h->h_transaction->t_tid, false);
}

int
jbd_forget (struct jbd_handle *h, struct buf *b)
{
  if (is_handle_aborted (h))
    return -EROFS;
  jbd_journal_forget (h, b);
  return jbd_insert_revoke (h, b->b_blocknr);
}

int
jbd_forget_norevoke (struct jbd_handle *h, struct buf *b)
{
  if (is_handle_aborted (h))
    return -EROFS;
  jbd_journal_forget (h, b);
  return 0;
}

/* jbd2_journal_revoke: a cached, journaled copy is forgotten too, so that
 * it is neither logged nor checkpointed over the freed block. */
int
jbd_revoke (struct jbd_handle *h, uint64_t blocknr)
{
  struct journal *j;
  struct buf *b;

  if (is_handle_aborted (h))
    return -EROFS;
  j = handle_journal (h);
  if (blocknr >= j->j_dev_blocks)
    return -EINVAL;
  b = buf_lookup (j->j_bc, blocknr);
  if (b) {
    jbd_journal_forget (h, b);
    buf_put (b);
  }
  return jbd_insert_revoke (h, blocknr);
}

/* ---- ordered-data inodes (jbd2_journal_inode_add_write) ---- */

static void
ilist_add (struct jbd_inode **list, struct jbd_inode *ji)
{
  if (*list == NULL) {
    ji->i_next = ji->i_prev = ji;
    *list = ji;
  } else {
    struct jbd_inode *first = *list, *last = first->i_prev;
    ji->i_prev = last;
    ji->i_next = first;
    last->i_next = first->i_prev = ji;
  }
}

void
jbd_ilist_del (struct jbd_inode **list, struct jbd_inode *ji)
{
  if (*list == ji) {
    *list = ji->i_next;
    if (*list == ji)
      *list = NULL;
  }
  ji->i_prev->i_next = ji->i_next;
  ji->i_next->i_prev = ji->i_prev;
  ji->i_next = ji->i_prev = NULL;
}

int
jbd_file_inode (struct jbd_handle *h, struct jbd_inode *ji)
{
  struct jbd_transaction *t = h->h_transaction;

  if (is_handle_aborted (h))
    return -EROFS;
  if (ji->i_transaction == t || ji->i_next_transaction == t)
    return 0;
  if (ji->i_transaction) {
    /* On the committing transaction: the next one writes it again.
     * UNREACHABLE until commits interleave with the schedule: no handle
     * runs during a commit. */
    assert (ji->i_next_transaction == NULL);
    assert (ji->i_transaction == t->t_journal->j_committing_transaction);
    ji->i_next_transaction = t;
    return 0;
  }
  assert (ji->i_next_transaction == NULL);
  ji->i_transaction = t;
  ilist_add (&t->t_inode_list, ji);
  return 0;
}

void
jbd_release_jbd_inode (struct journal *j, struct jbd_inode *ji)
{
  /* The kernel waits for a commit writing this inode's data; commits are
   * synchronous here, so only a callback could get here mid-commit. */
  assert (j->j_committing_transaction == NULL
          || ji->i_transaction != j->j_committing_transaction);
  if (ji->i_transaction) {
    jbd_ilist_del (&ji->i_transaction->t_inode_list, ji);
    ji->i_transaction = NULL;
  }
  ji->i_next_transaction = NULL;
}
