/* test_dmlw: the dm-log-writes writer and reader (nbd-plugin/dmlw.h), and
 * import on damaged files: whatever the bytes, dmlw_import returns 0 and
 * writes a log that reads back cleanly, or returns an error naming the
 * file -- it never crashes (run under ASan/UBSan in CI).  The seed is
 * printed; FP_SEED=N repeats a run. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dmlw.h"
#include "fplog.h"

static char in_path[64], out_path[80];

/* A small log with every kind of entry, made by the writer. */
static size_t
make_log (uint8_t **out)
{
  uint8_t data[1024];
  struct dmlw_writer *w;
  char msg[256];
  int fd;
  off_t len;

  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t) (i * 7 + 1);
  snprintf (in_path, sizeof in_path, "/tmp/dmlw-test-XXXXXX");
  fd = mkstemp (in_path);
  assert (fd >= 0);
  assert (dmlw_writer_open (fd, in_path, 512, &w, msg, sizeof msg) == 0);
  assert (dmlw_append (w, 0, 2, 0, data, 0, false, msg, sizeof msg) == 0);
  assert (dmlw_append (w, 8, 1, DMLW_FUA, data, 0, false, msg,
                       sizeof msg) == 0);
  assert (dmlw_append (w, 0, 0, DMLW_FLUSH, NULL, 0, false, msg,
                       sizeof msg) == 0);
  assert (dmlw_append (w, 0, 0, DMLW_MARK, "mkfs", 4, false, msg,
                       sizeof msg) == 0);
  assert (dmlw_append (w, 1, 1, DMLW_DISCARD, NULL, 0, false, msg,
                       sizeof msg) == 0);
  assert (dmlw_append (w, 16, 2, 0, NULL, 0, true, msg, sizeof msg) == 0);
  assert (dmlw_writer_finish (w, msg, sizeof msg) == 0);
  len = lseek (fd, 0, SEEK_END);
  *out = malloc ((size_t) len);
  assert (*out && pread (fd, *out, (size_t) len, 0) == len);
  close (fd);
  return (size_t) len;
}

static void
put_file (const uint8_t *d, size_t len)
{
  int fd = open (in_path, O_WRONLY | O_TRUNC);

  assert (fd >= 0);
  assert (len == 0 || write (fd, d, len) == (ssize_t) len);
  close (fd);
}

static void
test_writer_output_reads_back (void)
{
  static const uint64_t flags[] = { 0, DMLW_FUA, DMLW_FLUSH, DMLW_MARK,
                                    DMLW_DISCARD, 0 };
  static const uint64_t sectors[] = { 0, 8, 0, 0, 1, 16 };
  uint8_t *d;
  size_t len = make_log (&d);
  struct dmlw_reader *r;
  struct dmlw_entry e;
  char msg[256];
  uint64_t n = 0;
  int rc;

  /* super + 6 header sectors + 2 + 1 + 2 data sectors */
  assert (len == 512 * (1 + 6 + 5));
  assert (dmlw_reader_open (in_path, &r, msg, sizeof msg) == 0);
  assert (dmlw_reader_sectorsize (r) == 512);
  assert (dmlw_reader_nr_entries (r) == 6);
  while ((rc = dmlw_next (r, &e, msg, sizeof msg)) == 1) {
    assert (e.index == n);
    assert (e.flags == flags[n] && e.sector == sectors[n]);
    if (n == 1)
      assert (e.data && e.data[0] == 1 && e.data[511] == (uint8_t) (511 * 7 + 1));
    if (n == 3)
      assert (e.data_len == 4 && memcmp (e.data, "mkfs", 4) == 0);
    if (n == 4)
      assert (!e.data);                  /* DISCARD: no data sectors */
    if (n == 5)
      assert (e.data && e.data[0] == 0 && e.data[1023] == 0);
    n++;
  }
  assert (rc == 0 && n == 6);
  dmlw_reader_rewind (r);
  assert (dmlw_next (r, &e, msg, sizeof msg) == 1 && e.index == 0);
  dmlw_reader_close (r);
  free (d);
  unlink (in_path);
}

/* Import the bytes; check the outcome is one of the two allowed. */
static int
import_bytes (const uint8_t *d, size_t len, uint64_t size)
{
  struct dmlw_import_opts o = { .in_path = in_path, .out_path = out_path,
                                .size = size };
  struct dmlw_import_result res;
  struct fplog_reader *r;
  struct fplog_entry e;
  char msg[1024] = "";
  int err, rc;
  uint64_t n = 0;

  put_file (d, len);
  unlink (out_path);
  err = dmlw_import (&o, &res, msg, sizeof msg);
  if (err) {
    assert (err < 0);
    assert (msg[0]);
    if (err == -EBADMSG)                 /* a bad input names the file */
      assert (strncmp (msg, in_path, strlen (in_path)) == 0);
    assert (access (out_path, F_OK) != 0 || err != -EBADMSG);
    return err;
  }
  assert (fplog_reader_open (out_path, &r, msg, sizeof msg) == 0);
  while ((rc = fplog_next (r, &e, msg, sizeof msg)) == FPLOG_NEXT_ENTRY)
    n++;
  assert (rc == FPLOG_NEXT_END);
  assert (n == res.fp_entries && n >= res.entries);
  fplog_reader_close (r);
  return 0;
}

static void
test_damaged_files_never_crash_import (void)
{
  unsigned seed = getenv ("FP_SEED") ? (unsigned) atoi (getenv ("FP_SEED"))
                                     : (unsigned) time (NULL);
  uint8_t *d, *m;
  size_t len = make_log (&d);
  unsigned ok = 0, bad = 0;

  printf ("  seed %u (FP_SEED=%u to repeat)\n", seed, seed);
  srand (seed);
  snprintf (out_path, sizeof out_path, "%s.fpl", in_path);
  assert (import_bytes (d, len, 0) == 0);              /* the intact file */
  m = malloc (len);
  assert (m);
  for (int i = 0; i < 3000; i++) {
    size_t mlen = len;

    memcpy (m, d, len);
    switch (rand () % 4) {
    case 0:                              /* cut anywhere */
      mlen = (size_t) rand () % len;
      break;
    case 1:                              /* flip bits in the headers */
      for (int k = 0; k < 1 + rand () % 3; k++) {
        size_t sec = (size_t) rand () % (len / 512);
        m[sec * 512 + (size_t) rand () % 40] ^= (uint8_t) (1 + rand () % 255);
      }
      break;
    case 2:                              /* a huge field */
      memset (m + 512 * (1 + (size_t) rand () % 6) + 8 * (size_t) (rand () % 4),
              0xff, 8);
      break;
    default:                             /* anywhere at all */
      m[(size_t) rand () % len] ^= (uint8_t) (1 + rand () % 255);
    }
    if (import_bytes (m, mlen, rand () % 2 ? 0 : 1 << 20) == 0)
      ok++;
    else
      bad++;
  }
  printf ("  %u imported, %u refused\n", ok, bad);
  assert (ok > 0 && bad > 0);
  free (m);
  free (d);
  unlink (in_path);
  unlink (out_path);
}

int
main (void)
{
  test_writer_output_reads_back ();
  test_damaged_files_never_crash_import ();
  printf ("test_dmlw: ok\n");
  return 0;
}
