/* test_jbd_abort: a failed log write aborts the journal, for good. */
#include "jbd_testlib.h"

static void
test_abort_on_log_write_error (void)
{
  struct jbd_handle *h;
  struct tenv e;
  tid_t tid;
  size_t n;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 3, 1);
  tid = jbd_running_tid (e.j);
  e.rec->fail_writes_after = 2;             /* descriptor, one copy, then EIO */
  assert (jbd_complete_transaction (e.j, tid) == -EIO);
  assert (jbd_journal_aborted (e.j));
  assert (jbd_journal_errno (e.j) == -EIO);
  e.rec->fail_writes_after = -1;
  n = e.rec->n;
  /* sticky: no handle, no commit, no checkpoint, nothing written */
  assert (jbd_journal_start (e.j, 1, &h) == -EROFS);
  assert (jbd_log_wait_commit (e.j, tid) == -EIO);
  assert (jbd_force_commit (e.j) == 0);      /* nothing left to commit */
  assert (jbd_checkpoint (e.j, UINT64_MAX) == -EIO);
  assert (buf_dirty_count (e.bc) == 0);      /* never in place */
  assert (jbd_journal_destroy (e.j) == -EIO);
  e.j = NULL;
  assert (e.rec->n == n);
  assert (tdev_byte (e.mem, TMETA) == 0);
  tenv_fini (&e);
}

/* A failed FLUSH before the commit block aborts too: no commit block. */
static void
test_abort_on_flush_error (void)
{
  struct tenv e;
  tid_t tid;

  tenv_init (&e, 256, true, 0);
  tmeta_tx (&e, TMETA, 1, 1);
  tid = jbd_running_tid (e.j);
  e.rec->fail_flush = true;
  rec_clear (e.rec);
  assert (jbd_complete_transaction (e.j, tid) == -EIO);
  assert (jbd_journal_aborted (e.j));
  assert (e.rec->n == 2);                    /* descriptor + copy only */
  tenv_fini (&e);
}

/* An open handle sees the abort: -EROFS on changes, -EIO at stop. */
static void
test_abort_open_handle (void)
{
  struct jbd_handle *h;
  struct buf *b;
  struct tenv e;

  tenv_init (&e, 256, true, 0);
  assert (jbd_journal_start (e.j, 2, &h) == 0);
  tmeta_set (&e, h, TMETA, 1);
  jbd_journal_abort (e.j, -EIO);
  assert (buf_read (e.bc, TMETA + 1, &b) == 0);
  assert (jbd_get_write_access (h, b) == -EROFS);
  buf_put (b);
  assert (jbd_journal_stop (h) == -EIO);
  assert (jbd_journal_start (e.j, 1, &h) == -EROFS);
  tenv_fini (&e);
}

int
main (void)
{
  RUN (test_abort_on_log_write_error);
  RUN (test_abort_on_flush_error);
  RUN (test_abort_open_handle);
  return 0;
}
