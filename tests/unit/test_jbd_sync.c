/* test_jbd_sync: commit requests as fsync uses them -- complete_transaction,
 * trans_will_send_data_barrier, wait_commit -- and the kjournald2 timer. */
#include "jbd_testlib.h"

static uint64_t
commits (struct tenv *e)
{
  struct jbd_stats st;
  jbd_get_stats (e->j, &st);
  return st.commits;
}

static void
test_will_send_data_barrier (void)
{
  struct tenv e;
  tid_t tid;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 1);
  tid = jbd_running_tid (e.j);
  /* running, not committing: its commit will send the flush */
  assert (jbd_trans_will_send_data_barrier (e.j, tid) == 1);
  assert (jbd_complete_transaction (e.j, tid) == 0);
  /* committed: fsync must flush itself */
  assert (jbd_trans_will_send_data_barrier (e.j, tid) == 0);
  tenv_fini (&e);
  /* without barriers: never */
  tenv_init (&e, 256, false, 0);
  tmeta_tx (&e, TMETA, 1, 1);
  assert (jbd_trans_will_send_data_barrier (e.j, jbd_running_tid (e.j)) == 0);
  tenv_fini (&e);
}

/* complete_transaction commits the running tid once; an already committed
 * tid or one with no transaction yet costs nothing. */
static void
test_complete_transaction (void)
{
  struct tenv e;
  tid_t tid;
  size_t n;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 1);
  tid = jbd_running_tid (e.j);
  assert (jbd_complete_transaction (e.j, tid) == 0);
  assert (commits (&e) == 1 && jbd_commit_sequence (e.j) == tid);
  n = e.rec->n;
  assert (jbd_complete_transaction (e.j, tid) == 0);      /* done already */
  assert (jbd_complete_transaction (e.j, tid - 1) == 0);
  assert (jbd_running_tid (e.j) == tid + 1);
  assert (jbd_complete_transaction (e.j, tid + 1) == 0);  /* no such tx */
  assert (e.rec->n == n && commits (&e) == 1);
  tenv_fini (&e);
}

/* wait_commit on the running tid commits it, as kjournald2 would. */
static void
test_wait_commit_commits (void)
{
  struct tenv e;
  tid_t tid;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 1);
  tid = jbd_running_tid (e.j);
  assert (jbd_log_wait_commit (e.j, tid) == 0);
  assert (jbd_commit_sequence (e.j) == tid);
  tenv_fini (&e);
}

/* A commit asked for while a handle is open runs when it stops. */
static void
test_start_commit_deferred_to_stop (void)
{
  struct jbd_handle *h;
  struct tenv e;
  tid_t tid;

  tenv_init (&e, 256, true, 0);
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  tid = jbd_handle_tid (h);
  tmeta_set (&e, h, TMETA, 1);
  assert (jbd_log_start_commit (e.j, tid) == 1);
  assert (commits (&e) == 0);
  assert (jbd_journal_stop (h) == 0);
  assert (commits (&e) == 1 && jbd_commit_sequence (e.j) == tid);
  tenv_fini (&e);
}

/* kjournald2 (Linux 4.10): jbd2_get_transaction() arms the commit timer
 * for the new transaction's t_expires (start + interval) rounded up to a
 * whole second; when it fires, a transaction with buffers that has expired
 * is committed, an empty one is left alone.  (Until issue 10's deviation 5
 * the engine ticked every interval from mount, so a transaction started
 * at 12.5 s committed at 22 s instead of 18 s.) */
static void
test_kjournald_timer (void)
{
  struct jbd_handle *h;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  assert (jbd_journal_start (e.j, 1, &h) == 0);   /* empty, expires at 5 s */
  assert (jbd_journal_stop (h) == 0);
  sched_advance (e.sched, 6 * FPFS_NSEC_PER_SEC);
  assert (commits (&e) == 0);
  sched_tick (e.sched, FPFS_NSEC_PER_SEC);        /* now 7 s */
  jbd_journal_drop (e.j);
  buf_cache_destroy (e.bc);
  tenv_mount (&e);
  tmeta_tx (&e, TMETA, 1, 1);                     /* starts at 7: due 12 s */
  sched_advance (e.sched, 5 * FPFS_NSEC_PER_SEC - 1);
  assert (commits (&e) == 0);
  sched_advance (e.sched, 500000001);             /* 12.5 s */
  assert (commits (&e) == 1);
  tmeta_tx (&e, TMETA, 1, 2);                     /* starts at 12.5 */
  sched_advance (e.sched, 5 * FPFS_NSEC_PER_SEC); /* 17.5: expired, but the */
  assert (commits (&e) == 1);                     /* timer is at 18 s */
  sched_advance (e.sched, 500000000);             /* 18 s */
  assert (commits (&e) == 2);
  /* one-shot: no transaction, nothing armed, nothing happens */
  sched_advance (e.sched, 60 * FPFS_NSEC_PER_SEC);
  assert (commits (&e) == 2);
  tenv_fini (&e);
}

int
main (void)
{
  RUN (test_will_send_data_barrier);
  RUN (test_complete_transaction);
  RUN (test_wait_commit_commits);
  RUN (test_start_commit_deferred_to_stop);
  RUN (test_kjournald_timer);
  return 0;
}
