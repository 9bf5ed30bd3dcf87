/* test_fplog_writer_open: what the log writer refuses to open, the lock
 * that keeps one writer per log, and durable appends (issue 12).
 *
 * fdatasync is interposed: this executable's definition wins over libc's
 * for the writer linked in from libfplog.a, so the test counts the calls
 * and can make one fail. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fplog.h"
#include "testlog.h"

static int syncs;               /* fdatasync calls so far */
static int sync_fail;           /* fail the next fdatasync with this errno */

int
fdatasync (int fd)
{
  (void) fd;
  syncs++;
  if (sync_fail) {
    errno = sync_fail;
    sync_fail = 0;
    return -1;
  }
  return 0;
}

static char dir[] = "/tmp/fplog-open-XXXXXX";
static char path[256];

static struct fplog_writer_opts
opts (const char *p)
{
  struct fplog_writer_opts o = {
    .path = p, .device_size = 1 << 20, .sector_size = 512,
  };
  return o;
}

static void
put_file (const char *p, const char *text)
{
  FILE *f = fopen (p, "w");
  assert (f && fputs (text, f) >= 0 && fclose (f) == 0);
}

static off_t
file_size (const char *p)
{
  struct stat st;
  assert (stat (p, &st) == 0);
  return st.st_size;
}

/* Issue 12, bug 2: /dev/null swallowed the log and acknowledged writes. */
static void
test_dev_null_is_refused (void)
{
  struct fplog_writer_opts o = opts ("/dev/null");
  struct fplog_writer *w;
  char msg[512];

  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == -EINVAL && !w);
  assert (tl_has (msg, "open: /dev/null: is a character device, not a regular "
               "file"));
}

/* Issue 12, bug 3: a FIFO hung the open forever. */
static void
test_fifo_is_refused_at_once (void)
{
  struct fplog_writer_opts o = opts (path);
  struct fplog_writer *w;
  char msg[512];

  snprintf (path, sizeof path, "%s/fifo", dir);
  assert (mkfifo (path, 0600) == 0);
  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == -EINVAL);
  assert (tl_has (msg, "is a FIFO, not a regular file"));
  unlink (path);
}

static void
test_directory_is_refused (void)
{
  struct fplog_writer_opts o = opts (dir);
  struct fplog_writer *w;
  char msg[512];

  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == -EINVAL);
  assert (tl_has (msg, "is a directory, not a regular file"));
}

/* Issue 12, bug 4: a file that is not a log is not truncated unless asked. */
static void
test_existing_non_log_is_kept_unless_overwrite (void)
{
  struct fplog_writer_opts o = opts (path);
  struct fplog_writer *w;
  char msg[512];

  snprintf (path, sizeof path, "%s/notes.txt", dir);
  put_file (path, "precious\n");
  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == -EEXIST);
  assert (tl_has (msg, "exists (9 bytes) and is not a flushpoint log") &&
          tl_has (msg, "log-overwrite=true"));
  assert (file_size (path) == 9);
  o.overwrite = true;
  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == 0);
  assert (file_size (path) == FPLOG_HDR_FIXED);
  assert (fplog_writer_close (w) == 0);
  unlink (path);
}

/* An old log, or an empty file, is replaced without asking. */
static void
test_existing_log_and_empty_file_are_replaced (void)
{
  struct fplog_writer_opts o = opts (path);
  struct fplog_writer *w;
  char msg[512];

  snprintf (path, sizeof path, "%s/old.fpl", dir);
  put_file (path, "");
  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == 0);
  assert (fplog_append (w, FPLOG_MARK, 0, 0, 3, "old", 3, NULL, msg,
                        sizeof msg) == 0);
  assert (fplog_writer_close (w) == 0);
  assert (file_size (path) > FPLOG_HDR_FIXED);
  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == 0);
  assert (file_size (path) == FPLOG_HDR_FIXED);
  assert (fplog_writer_close (w) == 0);
  unlink (path);
}

/* Issue 12, bug 1: a second writer on a live log must change nothing. */
static void
test_second_writer_is_refused_and_changes_nothing (void)
{
  struct fplog_writer_opts o = opts (path);
  struct fplog_writer *w1, *w2;
  struct fplog_reader *r;
  struct fplog_entry e;
  char msg[512], want[64];
  off_t size;

  snprintf (path, sizeof path, "%s/live.fpl", dir);
  assert (fplog_writer_open (&o, &w1, msg, sizeof msg) == 0);
  assert (fplog_append (w1, FPLOG_WRITE, 0, 0, 5, "hello", 5, NULL, msg,
                        sizeof msg) == 0);
  assert (fplog_append (w1, FPLOG_FLUSH, 0, 0, 0, NULL, 0, NULL, msg,
                        sizeof msg) == 0);
  size = file_size (path);
  o.overwrite = true;           /* not even this lets it in */
  assert (fplog_writer_open (&o, &w2, msg, sizeof msg) == -EBUSY && !w2);
  snprintf (want, sizeof want, "in use by process %ld", (long) getpid ());
  assert (tl_has (msg, path) && tl_has (msg, want));
  assert (file_size (path) == size);
  /* Readers take no lock. */
  assert (fplog_reader_open (path, &r, msg, sizeof msg) == 0);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY &&
          e.type == FPLOG_FLUSH);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_END);
  fplog_reader_close (r);
  /* The lock goes with the writer. */
  assert (fplog_writer_close (w1) == 0);
  assert (fplog_writer_open (&o, &w2, msg, sizeof msg) == 0);
  assert (fplog_writer_close (w2) == 0);
  unlink (path);
}

/* durable=true: FLUSH and FUA entries are fdatasync'd before the append
 * returns; nothing else is. */
static void
test_durable_syncs_flush_and_fua_only (void)
{
  struct fplog_writer_opts o = opts (path);
  struct fplog_writer *w;
  char msg[512];
  static const char fired[] = "fired id=1 op=WRITE errno=EIO spec=x";
  int base;

  snprintf (path, sizeof path, "%s/durable.fpl", dir);
  syncs = 0;
  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == 0);
  assert (fplog_append (w, FPLOG_FLUSH, 0, 0, 0, NULL, 0, NULL, msg,
                        sizeof msg) == 0);
  assert (fplog_writer_close (w) == 0);
  assert (syncs == 0);          /* not durable: never synced */

  o.durable = true;
  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == 0);
  assert (syncs == 1);          /* the header */
  base = syncs;
  assert (fplog_append (w, FPLOG_WRITE, 0, 0, 5, "hello", 5, NULL, msg,
                        sizeof msg) == 0 && syncs == base);
  assert (fplog_append (w, FPLOG_MARK, 0, 0, 1, "m", 1, NULL, msg,
                        sizeof msg) == 0 && syncs == base);
  assert (fplog_append (w, FPLOG_FAULT, FPLOG_F_FAILED | FPLOG_F_FUA, 0, 5,
                        fired, sizeof fired - 1, NULL, msg, sizeof msg) == 0
          && syncs == base);
  assert (fplog_append (w, FPLOG_FLUSH, 0, 0, 0, NULL, 0, NULL, msg,
                        sizeof msg) == 0 && syncs == base + 1);
  assert (fplog_append (w, FPLOG_WRITE, FPLOG_F_FUA, 0, 5, "hello", 5, NULL,
                        msg, sizeof msg) == 0 && syncs == base + 2);
  assert (fplog_append (w, FPLOG_TRIM, FPLOG_F_FUA, 0, 512, NULL, 0, NULL,
                        msg, sizeof msg) == 0 && syncs == base + 3);
  assert (fplog_append (w, FPLOG_ZERO, FPLOG_F_FUA, 0, 512, NULL, 0, NULL,
                        msg, sizeof msg) == 0 && syncs == base + 4);
  assert (fplog_writer_close (w) == 0);
  assert (syncs == base + 5);   /* and the clean close */
  unlink (path);
}

/* A failed fdatasync fails the request, takes its entry back out of the
 * file, and breaks the writer for good (the page cache may have dropped
 * earlier pages: no later request can be called durable). */
static void
test_durable_sync_failure_fails_and_breaks (void)
{
  struct fplog_writer_opts o = opts (path);
  struct fplog_writer *w;
  struct fplog_reader *r;
  struct fplog_entry e;
  char msg[512];
  off_t before;

  snprintf (path, sizeof path, "%s/broken.fpl", dir);
  o.durable = true;
  assert (fplog_writer_open (&o, &w, msg, sizeof msg) == 0);
  assert (fplog_append (w, FPLOG_WRITE, 0, 0, 5, "hello", 5, NULL, msg,
                        sizeof msg) == 0);
  before = file_size (path);
  sync_fail = EIO;
  assert (fplog_append (w, FPLOG_FLUSH, 0, 0, 0, NULL, 0, NULL, msg,
                        sizeof msg) == -EIO);
  assert (tl_has (msg, "append FLUSH seq 1") && tl_has (msg, "fdatasync: "));
  assert (file_size (path) == before);
  assert (fplog_append (w, FPLOG_WRITE, 0, 0, 5, "hello", 5, NULL, msg,
                        sizeof msg) == -EIO);
  assert (tl_has (msg, "damaged by an earlier failure"));
  assert (fplog_writer_close (w) == 0);
  assert (fplog_reader_open (path, &r, msg, sizeof msg) == 0);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_END);
  fplog_reader_close (r);
  unlink (path);
}

int
main (void)
{
  static const struct { const char *name; void (*fn) (void); } tests[] = {
#define T(f) { #f, f }
    T (test_dev_null_is_refused),
    T (test_fifo_is_refused_at_once),
    T (test_directory_is_refused),
    T (test_existing_non_log_is_kept_unless_overwrite),
    T (test_existing_log_and_empty_file_are_replaced),
    T (test_second_writer_is_refused_and_changes_nothing),
    T (test_durable_syncs_flush_and_fua_only),
    T (test_durable_sync_failure_fails_and_breaks),
#undef T
  };

  assert (mkdtemp (dir));
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    printf ("%s\n", tests[i].name);
    fflush (stdout);
    tests[i].fn ();
  }
  rmdir (dir);
  printf ("all %zu tests passed\n", sizeof tests / sizeof tests[0]);
  return 0;
}
