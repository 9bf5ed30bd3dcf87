/* dmlw_write: the dm-log-writes writer (format in dmlw.h).
 *
 * It lays entries out as the kernel's log_one_block() does: the entry
 * header (and a mark's text) in one sector written by write_metadata(),
 * zero-padded, then the data sectors (write_inline_data() / the bio's
 * pages), and the next entry on the next sector.  The super block
 * (log_super()) goes to sector 0 last, when the entry count is known: a
 * reader of a half-written file finds nr_entries 0 (or no magic) rather
 * than entries that are not there.
 *
 * Invariants: w_pos is the byte after the last whole entry; an append
 * that fails leaves the writer broken (sticky), and the caller removes
 * the file.  Data is written as given: the writer does not know what a
 * device is, only sectors.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmlw.h"

#define WR_ZERO_CHUNK (1u << 20)

struct dmlw_writer {
  int w_fd;
  const char *w_path;
  uint32_t w_ss;
  uint64_t w_pos;
  uint64_t w_entries;
  int w_broken;
  uint8_t *w_sec;              /* one sector, for headers and the super */
  uint8_t *w_zero;             /* WR_ZERO_CHUNK zero bytes, on first use */
};

static void
put_le64 (uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static void
put_le32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static int
wr_all (struct dmlw_writer *w, const void *buf, size_t len, uint64_t off,
        char *errbuf, size_t errlen)
{
  size_t done = 0;

  while (done < len) {
    ssize_t n = pwrite (w->w_fd, (const uint8_t *) buf + done, len - done,
                        (off_t) (off + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      snprintf (errbuf, errlen, "%s: write at byte %" PRIu64 ": %s",
                w->w_path, off + done, strerror (err));
      w->w_broken = err;
      return -err;
    }
    done += (size_t) n;
  }
  return 0;
}

int
dmlw_writer_open (int fd, const char *path, uint32_t sectorsize,
                  struct dmlw_writer **out, char *errbuf, size_t errlen)
{
  struct dmlw_writer *w = calloc (1, sizeof *w);

  assert (sectorsize >= 512 && sectorsize <= 4096 &&
          !(sectorsize & (sectorsize - 1)));
  *out = NULL;
  if (w)
    w->w_sec = calloc (1, sectorsize);
  if (!w || !w->w_sec) {
    free (w);
    snprintf (errbuf, errlen, "%s: out of memory", path);
    return -ENOMEM;
  }
  w->w_fd = fd;
  w->w_path = path;
  w->w_ss = sectorsize;
  w->w_pos = sectorsize;       /* sector 0 waits for the super */
  *out = w;
  return 0;
}

static int
wr_zeroes (struct dmlw_writer *w, uint64_t len, uint64_t off, char *errbuf,
           size_t errlen)
{
  int err = 0;

  if (!w->w_zero && !(w->w_zero = calloc (1, WR_ZERO_CHUNK))) {
    snprintf (errbuf, errlen, "%s: out of memory", w->w_path);
    return -ENOMEM;
  }
  while (len && !err) {
    size_t n = len < WR_ZERO_CHUNK ? (size_t) len : WR_ZERO_CHUNK;
    err = wr_all (w, w->w_zero, n, off, errbuf, errlen);
    len -= n;
    off += n;
  }
  return err;
}

int
dmlw_append (struct dmlw_writer *w, uint64_t sector, uint64_t nr_sectors,
             uint64_t flags, const void *data, uint64_t data_len,
             bool zero, char *errbuf, size_t errlen)
{
  uint64_t bytes = (flags & DMLW_DISCARD) ? 0 : nr_sectors * w->w_ss;
  int err;

  assert (!(flags & ~(uint64_t) DMLW_KNOWN));
  /* A mark's text shares the header's sector (log_mark() keeps it under
   * sectorsize - sizeof (struct log_write_entry)). */
  assert ((flags & DMLW_MARK) ? !nr_sectors &&
          data_len <= w->w_ss - DMLW_ENTRY_LEN : !data_len);
  assert (!bytes || data || zero);
  /* replay-log's log_entry_valid() takes flags 0 with no sectors for the
   * zeroes past the end of a log: never write one. */
  assert (flags || nr_sectors);
  if (w->w_broken) {
    snprintf (errbuf, errlen, "%s: not writing entry %" PRIu64 ": an "
              "earlier write failed (%s)", w->w_path, w->w_entries,
              strerror (w->w_broken));
    return -EIO;
  }
  memset (w->w_sec, 0, w->w_ss);
  put_le64 (w->w_sec, sector);
  put_le64 (w->w_sec + 8, nr_sectors);
  put_le64 (w->w_sec + 16, flags);
  put_le64 (w->w_sec + 24, data_len);
  if (data_len)
    memcpy (w->w_sec + DMLW_ENTRY_LEN, data, (size_t) data_len);
  err = wr_all (w, w->w_sec, w->w_ss, w->w_pos, errbuf, errlen);
  if (!err && bytes)
    err = zero ? wr_zeroes (w, bytes, w->w_pos + w->w_ss, errbuf, errlen)
               : wr_all (w, data, (size_t) bytes, w->w_pos + w->w_ss,
                         errbuf, errlen);
  if (err)
    return err;
  w->w_pos += w->w_ss + bytes;
  w->w_entries++;
  return 0;
}

int
dmlw_writer_finish (struct dmlw_writer *w, char *errbuf, size_t errlen)
{
  int err = -EIO;

  if (w->w_broken)
    snprintf (errbuf, errlen, "%s: not finishing: an earlier write failed",
              w->w_path);
  else {
    /* The super: log_write_super, zero-padded to one sector. */
    memset (w->w_sec, 0, w->w_ss);
    put_le64 (w->w_sec, DMLW_MAGIC);
    put_le64 (w->w_sec + 8, DMLW_VERSION);
    put_le64 (w->w_sec + 16, w->w_entries);
    put_le32 (w->w_sec + 24, w->w_ss);
    err = wr_all (w, w->w_sec, w->w_ss, 0, errbuf, errlen);
  }
  dmlw_writer_abort (w);
  return err;
}

void
dmlw_writer_abort (struct dmlw_writer *w)
{
  if (!w)
    return;
  free (w->w_sec);
  free (w->w_zero);
  free (w);
}
