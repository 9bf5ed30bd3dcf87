/* kjournald: asking for commits and waiting for them, and the
 * kjournald2 timer (fs/jbd2/journal.c's commit requests and kjournald2).
 *
 * The kernel's kjournald2 thread commits j_commit_request once no handle
 * is open, and waiters sleep until j_commit_sequence reaches their tid.
 * With no threads, "kjournald2 wakes up" is jbd_kjournald_run: it commits
 * the requested running transaction at once if no handle is open, or
 * leaves the request for jbd_journal_stop to honour when the last handle
 * stops.  Waiting (jbd_log_wait_commit) for a running transaction commits
 * it: the waiter would otherwise sleep until kjournald2 did exactly that.
 * jbd_complete_transaction and jbd_trans_will_send_data_barrier follow
 * Linux 4.10's fs/jbd2/journal.c line by line; the journal and the file
 * system share one device, so only T_COMMIT_JFLUSH matters for the latter.
 *
 * The kjournald2 timer is armed when a transaction starts, for its
 * t_expires (start + commit interval) rounded up to a whole second, as
 * jbd2_get_transaction() does; when it fires it commits the running
 * transaction if that has anything to log and has expired.
 */
#include <assert.h>
#include <errno.h>

#include "jbd_int.h"
#include "trace.h"

int
jbd_kjournald_run (struct journal *j)
{
  struct jbd_transaction *t = j->j_running_transaction;

  /* j_committing_transaction: UNREACHABLE until commits interleave with
   * the schedule (the timer never fires inside a commit). */
  if (t == NULL || j->j_committing_transaction || j->j_handle.h_ref > 0)
    return 0;
  if (j->j_commit_request != t->t_tid)
    return 0;
  return jbd_journal_commit_transaction (j);
}

/* __jbd2_log_start_commit: 1 if tid is the running transaction and a
 * commit of it was requested (and run, if no handle is open). */
int
jbd_log_start_commit (struct journal *j, tid_t tid)
{
  struct jbd_transaction *t = j->j_running_transaction;

  if (t == NULL || t->t_tid != tid)
    return 0;
  j->j_commit_request = tid;
  jbd_kjournald_run (j);
  return 1;
}

/* jbd2_log_wait_commit */
int
jbd_log_wait_commit (struct journal *j, tid_t tid)
{
  while (tid_gt (tid, j->j_commit_sequence) && !jbd_is_aborted (j)) {
    struct jbd_transaction *t = j->j_running_transaction;
    int ret;

    /* Nothing will ever commit a tid no transaction has yet. */
    if (t == NULL || tid_gt (tid, t->t_tid))
      break;
    /* The kernel would deadlock: a handle of t is held by the waiter. */
    assert (j->j_handle.h_ref == 0);
    if (j->j_handle.h_ref > 0)
      return -EDEADLK;
    j->j_commit_request = t->t_tid;
    ret = jbd_journal_commit_transaction (j);
    if (ret < 0)
      break;
  }
  return jbd_is_aborted (j) ? -EIO : 0;
}

/* jbd2_complete_transaction (fs/jbd2/journal.c). */
int
jbd_complete_transaction (struct journal *j, tid_t tid)
{
  int need_to_wait = 1;

  if (j->j_running_transaction && j->j_running_transaction->t_tid == tid) {
    if (j->j_commit_request != tid) {
      /* transaction not yet started, so request it */
      jbd_log_start_commit (j, tid);
      goto wait_commit;
    }
  } else if (!(j->j_committing_transaction
               && j->j_committing_transaction->t_tid == tid))
    need_to_wait = 0;
  /* else tid is committing: UNREACHABLE until commits interleave with the
   * schedule (fsync never runs inside a commit). */
  if (!need_to_wait)
    return 0;
wait_commit:
  return jbd_log_wait_commit (j, tid);
}

/* jbd2_trans_will_send_data_barrier (fs/jbd2/journal.c): 1 if the
 * commit of tid is still to send the FLUSH that also covers the data
 * written so far, so fsync need not send its own. */
int
jbd_trans_will_send_data_barrier (struct journal *j, tid_t tid)
{
  struct jbd_transaction *commit_trans;

  if (!(j->j_flags & JBD_BARRIER))
    return 0;
  /* Transaction already committed? */
  if (tid_geq (j->j_commit_sequence, tid))
    return 0;
  commit_trans = j->j_committing_transaction;
  if (!commit_trans || commit_trans->t_tid != tid)
    return 1;
  /* Being committed: has it already sent the flush before the commit
   * block?  (j_fs_dev == j_dev: only the journal flush counts.)  The
   * engine does not get here until commits interleave with the schedule;
   * only a commit callback can (tests/unit/test_jbd_commit.c does). */
  if (commit_trans->t_state >= T_COMMIT_JFLUSH)
    return 0;
  return 1;
}

/* __jbd2_journal_force_commit / ext4_force_commit */
int
jbd_force_commit (struct journal *j)
{
  struct jbd_transaction *t;
  tid_t tid;

  assert (j->j_handle.h_ref == 0);
  if ((t = j->j_running_transaction) != NULL) {
    tid = t->t_tid;
    if (!tid_geq (j->j_commit_request, tid))
      jbd_log_start_commit (j, tid);
  } else if ((t = j->j_committing_transaction) != NULL)
    tid = t->t_tid;   /* UNREACHABLE until commits interleave with the schedule */
  else
    return 0;                   /* nothing to commit */
  return jbd_log_wait_commit (j, tid);
}

/* ---- the kjournald2 timer ---- */

static bool
jbd_has_log_work (const struct jbd_transaction *t)
{
  return t->t_nr_buffers > 0 || t->t_forget != NULL
         || t->t_revoke.rt_count > 0;
}

/* commit_timeout + kjournald2's wake-up check (fs/jbd2/journal.c, 4.10):
 * the timer only wakes the thread, which asks for a commit of the running
 * transaction once jiffies reach its t_expires.  The timer is one-shot:
 * jbd2_get_transaction() arms it for each new transaction
 * (jbd_arm_commit_timer), so nothing re-arms it here.  Unlike 4.10, a
 * transaction with nothing to log is left alone (issue 10, deviation 12). */
static void
jbd_commit_timer_fn (void *arg)
{
  struct journal *j = arg;
  struct jbd_transaction *t = j->j_running_transaction;

  j->j_timer_armed = false;
  if (jbd_is_aborted (j))
    return;
  if (t && jbd_has_log_work (t) && jbd_now (j) >= t->t_expires_ns)
    jbd_log_start_commit (j, t->t_tid);
}

void
jbd_start_commit_timer (struct journal *j)
{
  if (j->j_cfg.sched == NULL || j->j_commit_interval_ns == 0)
    return;
  sched_timer_init (&j->j_commit_timer, "kjournald2", jbd_commit_timer_fn, j);
  j->j_timer_ready = true;
}

/* jbd2_get_transaction: j_commit_timer.expires =
 * round_jiffies_up(t->t_expires), a whole second of the clock (CPU 0's
 * skew is none). */
void
jbd_arm_commit_timer (struct journal *j, const struct jbd_transaction *t)
{
  const uint64_t sec = 1000000000ull;
  uint64_t at;

  if (!j->j_timer_ready)
    return;
  at = t->t_expires_ns % sec ? sched_after (t->t_expires_ns,
                                            sec - t->t_expires_ns % sec)
                             : t->t_expires_ns;
  sched_timer_arm (j->j_cfg.sched, &j->j_commit_timer, at);
  j->j_timer_armed = true;
}

void
jbd_stop_commit_timer (struct journal *j)
{
  if (!j->j_timer_armed)
    return;
  sched_timer_cancel (j->j_cfg.sched, &j->j_commit_timer);
  j->j_timer_armed = false;
}
