/* dmlw_read: the dm-log-writes reader (format and rules in dmlw.h and
 * DM-LOG-WRITES.md).
 *
 * It walks the file as xfstests' log_replay_next_entry() and
 * log_seek_next_entry() do -- the super in sector 0, entries from sector
 * 1, each entry's header in a sector of its own, then its data sectors
 * unless it is a DISCARD -- and reads exactly the super's nr_entries
 * entries: the kernel rewrites the super (log_super()) as it logs, and a
 * log device is usually larger than its log, so bytes after the last
 * counted entry are not part of the log.
 *
 * It trusts nothing: every length is bounded (by DMLW_MAX_DATA and by the
 * file's size) before it sizes an allocation, and every rule is checked
 * before the entry is handed out.  Where replay-log is lax (it looks only
 * at the first padding byte, log_entry_valid()), this reader is strict, so
 * that a flushpoint log made from it says no more than the file does.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmlw.h"

struct dmlw_reader {
  int r_fd;
  char *r_path;
  uint64_t r_file_size;
  uint32_t r_ss;               /* sectorsize */
  uint64_t r_nr_entries;
  uint64_t r_index;            /* the next entry's index */
  uint64_t r_pos;              /* its byte offset */
  uint8_t *r_sec;              /* one sector: the entry header */
  uint8_t *r_buf;              /* the entry's data */
  size_t r_buf_cap;
};

static uint64_t
get_le64 (const uint8_t *p)
{
  uint64_t v = 0;

  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static uint32_t
get_le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
         (uint32_t) p[3] << 24;
}

/* Read len bytes at off; -EIO on a short read (the caller has checked the
 * file is long enough, so a short read is the file changing under us). */
static int
rd_pread (struct dmlw_reader *r, void *buf, size_t len, uint64_t off,
          char *errbuf, size_t errlen)
{
  size_t done = 0;

  while (done < len) {
    ssize_t n = pread (r->r_fd, (uint8_t *) buf + done, len - done,
                       (off_t) (off + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      snprintf (errbuf, errlen, "%s: read at byte %" PRIu64 ": %s",
                r->r_path, off + done, n < 0 ? strerror (err)
                : "the file ended early (changed while being read?)");
      return -err;
    }
    done += (size_t) n;
  }
  return 0;
}

static bool
all_zero (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

/* Check the super block (log_write_super, as log_open() does) and set up
 * the reader. */
static int
rd_super (struct dmlw_reader *r, char *errbuf, size_t errlen)
{
  uint8_t sb[DMLW_SUPER_LEN];
  uint64_t magic, version;
  int err;

  if (r->r_file_size < DMLW_SUPER_LEN) {
    snprintf (errbuf, errlen, "%s: %" PRIu64 " bytes: too short for a "
              "dm-log-writes super block (%u bytes)", r->r_path,
              r->r_file_size, DMLW_SUPER_LEN);
    return -EBADMSG;
  }
  if ((err = rd_pread (r, sb, sizeof sb, 0, errbuf, errlen)) < 0)
    return err;
  magic = get_le64 (sb);
  version = get_le64 (sb + 8);
  r->r_nr_entries = get_le64 (sb + 16);
  r->r_ss = get_le32 (sb + 24);
  if (magic != DMLW_MAGIC) {
    snprintf (errbuf, errlen, "%s: byte 0: bad magic 0x%" PRIx64 " (a "
              "dm-log-writes log starts with 0x%" PRIx64 ")", r->r_path,
              magic, DMLW_MAGIC);
    return -EBADMSG;
  }
  if (version != DMLW_VERSION) {
    snprintf (errbuf, errlen, "%s: byte 8: version %" PRIu64 ", this reader "
              "knows version %u only", r->r_path, version, DMLW_VERSION);
    return -EBADMSG;
  }
  if (r->r_ss < 512 || r->r_ss > 4096 || (r->r_ss & (r->r_ss - 1))) {
    snprintf (errbuf, errlen, "%s: byte 24: sectorsize %" PRIu32 " is not a "
              "power of two from 512 to 4096", r->r_path, r->r_ss);
    return -EBADMSG;
  }
  /* Every entry takes at least one sector after the super's. */
  if (r->r_nr_entries > r->r_file_size / r->r_ss) {
    snprintf (errbuf, errlen, "%s: byte 16: nr_entries %" PRIu64 " cannot "
              "fit in %" PRIu64 " bytes: the log is truncated", r->r_path,
              r->r_nr_entries, r->r_file_size);
    return -EBADMSG;
  }
  r->r_sec = malloc (r->r_ss);
  if (!r->r_sec)
    return -ENOMEM;
  r->r_pos = r->r_ss;
  return 0;
}

int
dmlw_reader_open (const char *path, struct dmlw_reader **out, char *errbuf,
                  size_t errlen)
{
  struct dmlw_reader *r = calloc (1, sizeof *r);
  struct stat st;
  int err;

  *out = NULL;
  if (!r || !(r->r_path = strdup (path))) {
    free (r);
    snprintf (errbuf, errlen, "%s: out of memory", path);
    return -ENOMEM;
  }
  /* O_NONBLOCK: a FIFO given as input must not hang the open. */
  r->r_fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (r->r_fd < 0) {
    err = -errno;
    snprintf (errbuf, errlen, "%s: %s", path, strerror (-err));
    goto fail;
  }
  if (fstat (r->r_fd, &st) < 0 || !S_ISREG (st.st_mode)) {
    err = -EINVAL;
    snprintf (errbuf, errlen, "%s: not a regular file", path);
    goto fail;
  }
  r->r_file_size = (uint64_t) st.st_size;
  if ((err = rd_super (r, errbuf, errlen)) < 0)
    goto fail;
  *out = r;
  return 0;
 fail:
  dmlw_reader_close (r);
  return err;
}

uint32_t
dmlw_reader_sectorsize (const struct dmlw_reader *r)
{
  return r->r_ss;
}

uint64_t
dmlw_reader_nr_entries (const struct dmlw_reader *r)
{
  return r->r_nr_entries;
}

void
dmlw_reader_rewind (struct dmlw_reader *r)
{
  r->r_index = 0;
  r->r_pos = r->r_ss;
}

static int
rd_bad (struct dmlw_reader *r, char *errbuf, size_t errlen, const char *why)
{
  snprintf (errbuf, errlen, "%s: entry %" PRIu64 " at byte %" PRIu64 ": %s",
            r->r_path, r->r_index, r->r_pos, why);
  return -EBADMSG;
}

/* The rules of one entry header (dmlw.h); why is filled on a breach. */
static bool
rd_rules (const struct dmlw_reader *r, const struct dmlw_entry *e,
          char *why, size_t len)
{
  uint64_t f = e->flags;

  if (f & ~(uint64_t) DMLW_KNOWN)
    snprintf (why, len, "unknown flags 0x%" PRIx64, f & ~(uint64_t) DMLW_KNOWN);
  else if ((f & DMLW_MARK) && f != DMLW_MARK)
    snprintf (why, len, "a MARK with other flags (0x%" PRIx64 ")", f);
  else if ((f & DMLW_MARK) && e->nr_sectors)
    snprintf (why, len, "a MARK with nr_sectors %" PRIu64 " (data_len and "
              "nr_sectors inconsistent)", e->nr_sectors);
  else if ((f & DMLW_MARK) && e->data_len > r->r_ss - DMLW_ENTRY_LEN)
    snprintf (why, len, "a MARK with data_len %" PRIu64 ": more than fits "
              "in its %" PRIu32 "-byte sector", e->data_len, r->r_ss);
  else if (!(f & DMLW_MARK) && e->data_len)
    snprintf (why, len, "data_len %" PRIu64 " on an entry that is not a "
              "MARK (data_len and nr_sectors inconsistent)", e->data_len);
  else if (!(f & (DMLW_MARK | DMLW_FLUSH)) && !e->nr_sectors)
    snprintf (why, len, "no sectors, and neither a FLUSH nor a MARK "
              "(flags 0x%" PRIx64 ")", f);
  else if (!(f & DMLW_DISCARD) &&
           e->nr_sectors > DMLW_MAX_DATA / r->r_ss)
    snprintf (why, len, "nr_sectors %" PRIu64 ": more than %u MiB of data "
              "in one entry", e->nr_sectors, DMLW_MAX_DATA >> 20);
  else if (e->nr_sectors > UINT64_MAX / r->r_ss ||
           e->sector > UINT64_MAX / r->r_ss - e->nr_sectors)
    snprintf (why, len, "sector %" PRIu64 " + nr_sectors %" PRIu64
              " is beyond any device", e->sector, e->nr_sectors);
  else
    return true;
  return false;
}

int
dmlw_next (struct dmlw_reader *r, struct dmlw_entry *e, char *errbuf,
           size_t errlen)
{
  uint64_t left, data_bytes;
  size_t used;
  char why[256];
  int err;

  if (r->r_index >= r->r_nr_entries)
    return 0;
  left = r->r_file_size > r->r_pos ? r->r_file_size - r->r_pos : 0;
  if (left < r->r_ss)
    return rd_bad (r, errbuf, errlen, "truncated entry: the file ends "
                   "inside its header sector");
  if ((err = rd_pread (r, r->r_sec, r->r_ss, r->r_pos, errbuf, errlen)) < 0)
    return err;
  memset (e, 0, sizeof *e);
  e->index = r->r_index;
  e->file_offset = r->r_pos;
  e->sector = get_le64 (r->r_sec);
  e->nr_sectors = get_le64 (r->r_sec + 8);
  e->flags = get_le64 (r->r_sec + 16);
  e->data_len = get_le64 (r->r_sec + 24);
  if (!rd_rules (r, e, why, sizeof why))
    return rd_bad (r, errbuf, errlen, why);
  /* The kernel zeroes the rest of the sector (write_metadata()). */
  used = DMLW_ENTRY_LEN + (size_t) e->data_len;
  if (!all_zero (r->r_sec + used, r->r_ss - used))
    return rd_bad (r, errbuf, errlen, "non-zero bytes after the entry "
                   "header in its sector");
  data_bytes = e->flags & DMLW_DISCARD ? 0 : e->nr_sectors * r->r_ss;
  if (data_bytes > left - r->r_ss) {
    snprintf (why, sizeof why, "truncated entry: %" PRIu64 " data bytes, "
              "the file has %" PRIu64 " after the header", data_bytes,
              left - r->r_ss);
    return rd_bad (r, errbuf, errlen, why);
  }
  if (e->flags & DMLW_MARK)
    e->data = r->r_sec + DMLW_ENTRY_LEN;
  else if (data_bytes) {
    if (data_bytes > r->r_buf_cap) {
      uint8_t *nb = realloc (r->r_buf, data_bytes);
      if (!nb) {
        snprintf (errbuf, errlen, "%s: entry %" PRIu64 ": out of memory for "
                  "%" PRIu64 " bytes", r->r_path, r->r_index, data_bytes);
        return -ENOMEM;
      }
      r->r_buf = nb;
      r->r_buf_cap = data_bytes;
    }
    if ((err = rd_pread (r, r->r_buf, data_bytes, r->r_pos + r->r_ss,
                         errbuf, errlen)) < 0)
      return err;
    e->data = r->r_buf;
  }
  r->r_pos += r->r_ss + data_bytes;
  r->r_index++;
  return 1;
}

void
dmlw_reader_close (struct dmlw_reader *r)
{
  if (!r)
    return;
  if (r->r_fd >= 0)
    close (r->r_fd);
  free (r->r_path);
  free (r->r_sec);
  free (r->r_buf);
  free (r);
}
