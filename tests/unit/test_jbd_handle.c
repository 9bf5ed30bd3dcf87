/* test_jbd_handle: handles, credits and the running transaction. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jbd_testlib.h"

/* Dirtying more distinct buffers than the handle's credits asserts. */
static void
test_handle_credits_asserted (void)
{
  pid_t pid;
  int status;

  fflush (stdout);
  pid = fork ();
  assert (pid >= 0);
  if (pid == 0) {
    struct tenv e;
    struct jbd_handle *h;
    /* keep the expected abort quiet */
    (void) !freopen ("/dev/null", "w", stderr);
    tenv_init (&e, 256, true, 0);
    assert (jbd_journal_start (e.j, 1, &h) == 0);
    tmeta_set (&e, h, TMETA, 1);
    tmeta_set (&e, h, TMETA + 1, 1);     /* second credit: must assert */
    _exit (0);
  }
  assert (waitpid (pid, &status, 0) == pid);
  assert (WIFSIGNALED (status) && WTERMSIG (status) == SIGABRT);
}

/* The same buffer dirtied twice uses one credit; forget returns it. */
static void
test_handle_credit_per_distinct_buffer (void)
{
  struct jbd_handle *h;
  struct buf *b;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  assert (jbd_journal_start (e.j, 2, &h) == 0);
  tmeta_set (&e, h, TMETA, 1);
  tmeta_set (&e, h, TMETA, 2);
  tmeta_set (&e, h, TMETA + 1, 3);         /* the second credit */
  assert (buf_read (e.bc, TMETA + 1, &b) == 0);
  assert (jbd_forget (h, b) == 0);         /* gives it back */
  buf_put (b);
  tmeta_set (&e, h, TMETA + 2, 4);
  assert (jbd_journal_stop (h) == 0);
  tenv_fini (&e);
}

/* A start inside a handle nests: same handle, same transaction. */
static void
test_handle_nesting (void)
{
  struct jbd_handle *h1, *h2;
  struct tenv e;
  tid_t tid;

  tenv_init (&e, 256, true, 0);
  assert (jbd_journal_start (e.j, 2, &h1) == 0);
  tid = jbd_handle_tid (h1);
  assert (jbd_journal_start (e.j, 1, &h2) == 0);
  assert (h1 == h2);
  assert (jbd_journal_stop (h2) == 0);
  tmeta_set (&e, h1, TMETA, 1);            /* still open */
  assert (jbd_journal_stop (h1) == 0);
  assert (jbd_running_tid (e.j) == tid);
  tenv_fini (&e);
}

static void
test_handle_too_many_credits (void)
{
  struct jbd_handle *h;
  struct tenv e;

  tenv_init (&e, 256, true, 0);          /* max 255/4 = 63 per transaction */
  assert (jbd_journal_start (e.j, 64, &h) == -ENOSPC);
  assert (jbd_journal_start (e.j, 63, &h) == 0);
  assert (jbd_journal_stop (h) == 0);
  tenv_fini (&e);
}

/* A handle that would push the transaction past j_max_transaction_buffers
 * (log/4) commits it first and joins a new one. */
static void
test_handle_full_transaction_commits (void)
{
  struct jbd_handle *h;
  struct jbd_stats st;
  struct tenv e;
  tid_t t1;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 40, 1);
  t1 = jbd_running_tid (e.j);
  assert (jbd_journal_start (e.j, 30, &h) == 0);   /* 40 + 30 > 63 */
  assert (jbd_handle_tid (h) == t1 + 1);
  assert (jbd_commit_sequence (e.j) == t1);
  assert (jbd_journal_stop (h) == 0);
  jbd_get_stats (e.j, &st);
  assert (st.commits == 1);
  tenv_fini (&e);
}

/* A sync handle (O_SYNC) is committed by its stop. */
static void
test_handle_sync_commits_at_stop (void)
{
  struct jbd_handle *h;
  struct tenv e;
  tid_t tid;

  tenv_init (&e, 256, true, 0);
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  tid = jbd_handle_tid (h);
  tmeta_set (&e, h, TMETA, 1);
  jbd_handle_set_sync (h);
  assert (jbd_journal_stop (h) == 0);
  assert (jbd_commit_sequence (e.j) == tid);
  tenv_fini (&e);
}

/* Write access to a buffer waiting on an older checkpoint list takes it
 * off BUF_DIRTY: nothing may write the uncommitted change in place. */
static void
test_handle_write_access_clears_dirty (void)
{
  struct jbd_handle *h;
  struct buf *b;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 1);
  assert (jbd_force_commit (e.j) == 0);
  assert (buf_read (e.bc, TMETA, &b) == 0);
  assert (b->b_state & BUF_DIRTY);          /* on the checkpoint list */
  assert (jbd_journal_start (e.j, 1, &h) == 0);
  assert (jbd_get_write_access (h, b) == 0);
  assert (!(b->b_state & BUF_DIRTY));
  memset (b->b_data, 2, TBS);
  assert (jbd_dirty_metadata (h, b) == 0);
  assert (jbd_journal_stop (h) == 0);
  /* the flusher finds nothing to write */
  assert (buf_dirty_count (e.bc) == 0);
  assert (buf_write_dirty (e.bc, UINT64_MAX) == 0);
  assert (tdev_byte (e.mem, TMETA) == 0);
  buf_put (b);
  tenv_fini (&e);
}

int
main (void)
{
  RUN (test_handle_credits_asserted);
  RUN (test_handle_credit_per_distinct_buffer);
  RUN (test_handle_nesting);
  RUN (test_handle_too_many_credits);
  RUN (test_handle_full_transaction_commits);
  RUN (test_handle_sync_commits_at_stop);
  RUN (test_handle_write_access_clears_dirty);
  return 0;
}
