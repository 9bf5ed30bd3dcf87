/* fuzz_fplog_read: libFuzzer target for the write-log reader.
 *
 * Build (clang only):  CC=clang cmake -B build-fuzz -DFP_FUZZ=ON
 *                      cmake --build build-fuzz --target fuzz_fplog_read
 * Run:                 build-fuzz/tests/fuzz/fuzz_fplog_read -max_total_time=60
 *                      (no corpus is needed: see flag bit 1)
 *
 * Input: one flag byte, then the file.  Flag bit 0 asks the target to fix
 * up the header and entry checksums before reading, so the fuzzer gets
 * past the checksum wall and reaches the field checks behind it; without
 * it, the raw bytes are read as they are.  Flag bit 1 makes the rest of
 * the input a list of edits to a built-in good log (testlog.h's sample,
 * every entry type): 3-byte groups (offset lo, offset hi, byte) each set
 * one byte, and an offset just past the end cuts the file instead, so an
 * empty corpus starts from a valid log, not from a magic number to guess.
 * Bits 2-7: the entry to seek to afterwards.  The reader must answer every
 * input with an entry, an end, a truncated tail or a negative errno, in
 * work linear in the input's size, and never read out of bounds (ASan and
 * UBSan watch that).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fplog.h"
#include "../unit/testlog.h"

static int memfd = -1;
static char path[64];

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct fplog_reader *r;
  struct fplog_entry e;
  char msg[512];
  uint8_t *d;
  size_t len;
  int ret;

  if (size < 1)
    return 0;
  if (memfd < 0) {
    memfd = memfd_create ("fplog-fuzz", 0);
    assert (memfd >= 0);
    snprintf (path, sizeof path, "/proc/self/fd/%d", memfd);
  }
  if (data[0] & 2) {
    struct testlog t;

    tl_sample (&t);
    d = t.d;
    len = t.len;
    for (size_t i = 1; i + 3 <= size; i += 3) {
      size_t off = (data[i] | (size_t) data[i + 1] << 8) % (len + 1);
      if (off == len)
        len = len ? (size_t) data[i + 2] * 31 % len : 0;
      else
        d[off] = data[i + 2];
    }
  } else {
    len = size - 1;
    d = malloc (size);
    assert (d);
    memcpy (d, data + 1, len);
  }
  if (data[0] & 1)
    tl_fix_all (d, len);
  assert (ftruncate (memfd, 0) == 0);
  assert (len == 0 || pwrite (memfd, d, len, 0) == (ssize_t) len);
  free (d);

  if (fplog_reader_open (path, &r, msg, sizeof msg) != 0)
    return 0;
  while ((ret = fplog_next (r, &e, msg, sizeof msg)) == FPLOG_NEXT_ENTRY)
    assert (e.payload_len <= FPLOG_MAX_PAYLOAD &&
            (e.payload_len == 0 || e.payload != NULL));
  assert (ret == FPLOG_NEXT_END || ret == FPLOG_NEXT_TRUNCATED || ret < 0);
  /* Linear time (issue 12): reading and verifying the whole file costs at
   * most a few times its size, whatever it holds. */
  assert (fplog_reader_bytes_examined (r) <= 4 * (uint64_t) len + 4096);
  ret = fplog_reader_seek (r, data[0] >> 2, msg, sizeof msg);
  assert (ret <= 0);
  if (ret == 0)
    (void) fplog_next (r, &e, msg, sizeof msg);
  fplog_reader_close (r);
  return 0;
}
