/* fplog_read: the write-log reader, shared by the CLI and the checker.
 *
 * The format is in fplog.h (and LOG-FORMAT.md).  The reader trusts nothing
 * in the file: every field is checked before it is used, and no length read
 * from the file is used to size an allocation before it has been bounded
 * (payload_len <= FPLOG_MAX_PAYLOAD and the entry fits in the file).
 *
 * Reading.  The file is read through one window buffer with pread(2)
 * (1 MiB, grown to the largest entry met), so a log of many GB is walked in
 * constant memory and an entry costs no syscall of its own.  The file size
 * is taken once, at open: a log still being appended to is read up to that
 * size.
 *
 * Verdicts.  fplog_next() looks at the entry at the current position:
 * - structural problems (header cut short, bad magic, payload_len too big,
 *   entry runs past the end of the file, checksum mismatch) mean either a
 *   truncated tail or corruption.  To tell them apart the reader scans
 *   forward from the bad entry, 8 bytes at a time (entries are 8-aligned),
 *   for any position holding a valid entry (entry magic, fits in the file,
 *   checksum ok).  None: the server died mid-append, FPLOG_NEXT_TRUNCATED.
 *   One: something damaged the middle of the log, -EBADMSG naming the bad
 *   entry's seq and byte offset.  (A WRITE whose data happens to contain a
 *   whole valid log entry, cut short at the tail, would read as corruption:
 *   the safe side, since the other mistake would drop good entries.)
 * - semantic problems in an entry whose checksum is good (wrong seq, unknown
 *   type or flags, nonzero reserved bytes or padding, range past the device,
 *   WRITE length != payload_len, ...) are always corruption: a complete,
 *   checksummed entry cannot come from a torn append.
 * The first terminal result (end, truncated tail or error) is kept and
 * returned again by later calls until a seek.
 *
 * Seeking.  Entries are variable-sized, so seq -> offset needs an index.  It
 * is built as a side effect of reading in order: every entry verified for
 * the first time extends the "frontier", and the offset of every
 * RD_INDEX_STRIDE-th entry is remembered.  A seek behind the frontier jumps
 * to the nearest indexed entry and steps over entry headers; a seek past it
 * reads (and verifies) forward.  Seeking to seq == the number of entries is
 * allowed (the next read says how the log ends); beyond that is -ENOENT.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "fplog.h"

#define RD_WINDOW       (1u << 20)
#define RD_INDEX_STRIDE 64u

struct fplog_reader {
  int r_fd;
  char *r_path;
  uint64_t r_file_size;
  struct fplog_header r_hdr;

  /* Window: r_buf holds file bytes [r_buf_off, r_buf_off + r_buf_len). */
  uint8_t *r_buf;
  size_t r_buf_cap;
  uint64_t r_buf_off;
  size_t r_buf_len;

  /* Position: the next entry must have seq r_seq and start at r_pos. */
  uint64_t r_pos;
  uint64_t r_seq;

  /* Sticky terminal result at r_pos (valid when r_term_set), its message. */
  int r_term;
  bool r_term_set;
  char r_term_msg[512];

  /* Frontier: entries [0, r_known) are verified and end at r_known_end;
   * r_index[i] is the offset of entry i * RD_INDEX_STRIDE. */
  uint64_t r_known;
  uint64_t r_known_end;
  uint64_t *r_index;
  size_t r_index_len, r_index_cap;
};

static uint32_t get32 (const uint8_t *p) {
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
         (uint32_t) p[3] << 24;
}
static uint64_t get64 (const uint8_t *p) {
  return (uint64_t) get32 (p) | (uint64_t) get32 (p + 4) << 32;
}
static uint64_t pad8 (uint64_t n) { return (n + 7) & ~(uint64_t) 7; }

static void
rd_msg (const struct fplog_reader *r, char *errbuf, size_t errlen,
        const char *fmt, ...)
{
  va_list ap;
  int n;

  if (!errbuf || !errlen)
    return;
  n = snprintf (errbuf, errlen, "%s: ", r->r_path);
  if (n < 0 || (size_t) n >= errlen)
    return;
  va_start (ap, fmt);
  vsnprintf (errbuf + n, errlen - n, fmt, ap);
  va_end (ap);
}

/* Make file bytes [off, off+len) available; the caller has checked that
 * off + len <= file size.  *out stays valid until the next call. */
static int
rd_window (struct fplog_reader *r, uint64_t off, size_t len,
           const uint8_t **out)
{
  size_t want, got = 0;

  if (off >= r->r_buf_off && off + len <= r->r_buf_off + r->r_buf_len) {
    *out = r->r_buf + (off - r->r_buf_off);
    return 0;
  }
  if (off > r->r_file_size || len > r->r_file_size - off)
    return -EIO;
  want = len > RD_WINDOW ? len : RD_WINDOW;
  if (want > r->r_file_size - off)
    want = r->r_file_size - off;
  r->r_buf_len = 0;
  if (want > r->r_buf_cap) {
    uint8_t *nb = realloc (r->r_buf, want);
    if (!nb)
      return -ENOMEM;
    r->r_buf = nb;
    r->r_buf_cap = want;
  }
  while (got < want) {
    ssize_t n = pread (r->r_fd, r->r_buf + got, want - got, off + got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    if (n == 0)
      break;
    got += n;
  }
  r->r_buf_off = off;
  r->r_buf_len = got;
  if (got < len)
    return -EIO;                /* the file shrank under us */
  *out = r->r_buf;
  return 0;
}

/* ---- header ---- */

static int
rd_header (struct fplog_reader *r, char *errbuf, size_t errlen)
{
  struct fplog_header *h = &r->r_hdr;
  const uint8_t *p;
  uint8_t copy[FPLOG_HDR_FIXED + FPLOG_MAX_PATH + 8];
  uint64_t stored, computed, base_end;
  uint32_t path_len, reserved;
  int err;

  if (r->r_file_size == 0) {
    rd_msg (r, errbuf, errlen, "empty file, not a flushpoint log");
    return -EINVAL;
  }
  err = rd_window (r, 0, r->r_file_size < FPLOG_HDR_FIXED ?
                   r->r_file_size : FPLOG_HDR_FIXED, &p);
  if (err) {
    rd_msg (r, errbuf, errlen, "read header: %s", strerror (-err));
    return err;
  }
  if (r->r_file_size < 8 || memcmp (p, FPLOG_MAGIC, 8) != 0) {
    rd_msg (r, errbuf, errlen, "not a flushpoint log (bad magic)");
    return -EINVAL;
  }
  if (r->r_file_size < FPLOG_HDR_FIXED) {
    rd_msg (r, errbuf, errlen, "header cut short (%" PRIu64 " of %u bytes)",
            r->r_file_size, FPLOG_HDR_FIXED);
    return -EBADMSG;
  }
  h->version = get32 (p + 8);
  if (h->version != FPLOG_VERSION) {
    rd_msg (r, errbuf, errlen,
            "unsupported log version %" PRIu32 " (this flushpoint reads "
            "version %u)", h->version, FPLOG_VERSION);
    return -ENOTSUP;
  }
  h->header_len = get32 (p + 12);
  path_len = get32 (p + 72);
  if (path_len >= FPLOG_MAX_PATH) {
    rd_msg (r, errbuf, errlen, "header: base_path_len %" PRIu32
            " exceeds the maximum %u", path_len, FPLOG_MAX_PATH - 1);
    return -EBADMSG;
  }
  if (h->header_len != pad8 (FPLOG_HDR_FIXED + path_len)) {
    rd_msg (r, errbuf, errlen, "header: header_len %" PRIu32 " does not "
            "match base_path_len %" PRIu32 " (expected %" PRIu64 ")",
            h->header_len, path_len, pad8 (FPLOG_HDR_FIXED + path_len));
    return -EBADMSG;
  }
  if (h->header_len > r->r_file_size) {
    rd_msg (r, errbuf, errlen, "header cut short (%" PRIu64 " of %" PRIu32
            " bytes)", r->r_file_size, h->header_len);
    return -EBADMSG;
  }
  err = rd_window (r, 0, h->header_len, &p);
  if (err) {
    rd_msg (r, errbuf, errlen, "read header: %s", strerror (-err));
    return err;
  }

  /* The checksum covers header_len bytes with its own field zeroed. */
  stored = get64 (p + 80);
  memcpy (copy, p, h->header_len);
  memset (copy + 80, 0, 8);
  computed = XXH3_64bits (copy, h->header_len);
  if (stored != computed) {
    rd_msg (r, errbuf, errlen, "header checksum mismatch (stored %016"
            PRIx64 ", computed %016" PRIx64 ")", stored, computed);
    return -EBADMSG;
  }

  h->flags = get32 (p + 16);
  h->sector_size = get32 (p + 20);
  memcpy (h->uuid, p + 24, 16);
  h->device_size = get64 (p + 40);
  h->created_ns = get64 (p + 48);
  h->base_size = get64 (p + 56);
  h->base_checksum = get64 (p + 64);
  reserved = get32 (p + 76);
  if (reserved != 0 || get64 (p + 88) != 0) {
    rd_msg (r, errbuf, errlen, "header: reserved field is not zero");
    return -EBADMSG;
  }
  if (h->flags & ~(uint32_t) FPLOG_H_BASE_IMAGE) {
    rd_msg (r, errbuf, errlen, "header: unknown flags 0x%" PRIx32, h->flags);
    return -EBADMSG;
  }
  if (h->sector_size < 512 || h->sector_size > 4096 ||
      (h->sector_size & (h->sector_size - 1))) {
    rd_msg (r, errbuf, errlen, "header: sector size %" PRIu32 " is not a "
            "power of two from 512 to 4096", h->sector_size);
    return -EBADMSG;
  }
  if (h->device_size % h->sector_size) {
    rd_msg (r, errbuf, errlen, "header: device size %" PRIu64 " is not a "
            "multiple of the sector size %" PRIu32, h->device_size,
            h->sector_size);
    return -EBADMSG;
  }
  if (memchr (p + FPLOG_HDR_FIXED, 0, path_len)) {
    rd_msg (r, errbuf, errlen, "header: base path contains a NUL byte");
    return -EBADMSG;
  }
  base_end = FPLOG_HDR_FIXED + path_len;
  for (uint64_t i = base_end; i < h->header_len; i++)
    if (p[i]) {
      rd_msg (r, errbuf, errlen, "header: padding after the base path is "
              "not zero");
      return -EBADMSG;
    }
  memcpy (h->base_path, p + FPLOG_HDR_FIXED, path_len);
  h->base_path[path_len] = '\0';
  if (h->flags & FPLOG_H_BASE_IMAGE) {
    if (path_len == 0) {
      rd_msg (r, errbuf, errlen, "header: base image flag set but no base "
              "path");
      return -EBADMSG;
    }
    if (h->base_size > h->device_size) {
      rd_msg (r, errbuf, errlen, "header: base size %" PRIu64 " exceeds the "
              "device size %" PRIu64, h->base_size, h->device_size);
      return -EBADMSG;
    }
  }
  else if (path_len || h->base_size || h->base_checksum) {
    rd_msg (r, errbuf, errlen, "header: base path, size or checksum set "
            "without the base image flag");
    return -EBADMSG;
  }
  return 0;
}

/* ---- entries ---- */

/* What is wrong with the entry at off, or NULL if it is structurally whole:
 * complete in the file, magic right, checksum right.  On success *hdr points
 * at the entry header followed by its payload (valid until the next window
 * call) and *ext is its extent in the file, padding included. */
static const char *
rd_whole (struct fplog_reader *r, uint64_t off, const uint8_t **hdr,
          uint64_t *ext, char *why, size_t whylen, int *ioerr)
{
  const uint8_t *p;
  uint64_t left = r->r_file_size - off, stored, computed;
  uint32_t magic, plen;
  int err;

  *ioerr = 0;
  if (left < FPLOG_ENTRY_HDR) {
    snprintf (why, whylen, "entry header cut short (%" PRIu64 " of %u "
              "bytes)", left, FPLOG_ENTRY_HDR);
    return why;
  }
  if ((err = rd_window (r, off, FPLOG_ENTRY_HDR, &p)) != 0)
    goto io;
  magic = get32 (p);
  if (magic != FPLOG_ENTRY_MAGIC) {
    snprintf (why, whylen, "bad entry magic 0x%08" PRIx32, magic);
    return why;
  }
  plen = get32 (p + 8);
  if (plen > FPLOG_MAX_PAYLOAD) {
    snprintf (why, whylen, "payload_len %" PRIu32 " exceeds the maximum %u",
              plen, FPLOG_MAX_PAYLOAD);
    return why;
  }
  *ext = FPLOG_ENTRY_HDR + pad8 (plen);
  if (*ext > left) {
    snprintf (why, whylen, "entry cut short (%" PRIu64 " of %" PRIu64
              " bytes)", left, *ext);
    return why;
  }
  if ((err = rd_window (r, off, *ext, &p)) != 0)
    goto io;
  stored = get64 (p + 48);
  computed = fplog_entry_checksum (p, p + FPLOG_ENTRY_HDR, plen);
  if (stored != computed) {
    snprintf (why, whylen, "checksum mismatch (stored %016" PRIx64
              ", computed %016" PRIx64 ")", stored, computed);
    return why;
  }
  *hdr = p;
  return NULL;

 io:
  *ioerr = err;
  snprintf (why, whylen, "read: %s", strerror (-err));
  return why;
}

/* Is there a structurally whole entry anywhere at an 8-aligned offset in
 * (off, file end)?  Returns its offset, or 0 for none (offset 0 is the file
 * header, never an entry), or a negative errno. */
static int64_t
rd_find_valid_after (struct fplog_reader *r, uint64_t off)
{
  char why[160];
  uint8_t want[4] = { FPLOG_ENTRY_MAGIC & 0xff, (FPLOG_ENTRY_MAGIC >> 8) & 0xff,
                      (FPLOG_ENTRY_MAGIC >> 16) & 0xff, FPLOG_ENTRY_MAGIC >> 24 };

  for (uint64_t p = off + 8; p + FPLOG_ENTRY_HDR <= r->r_file_size; p += 8) {
    const uint8_t *q, *hdr;
    uint64_t ext;
    int ioerr, err;

    if ((err = rd_window (r, p, 4, &q)) != 0)
      return err;
    if (memcmp (q, want, 4) != 0)
      continue;
    if (!rd_whole (r, p, &hdr, &ext, why, sizeof why, &ioerr))
      return (int64_t) p;
    if (ioerr)
      return ioerr;
  }
  return 0;
}

/* Semantic checks on an entry whose checksum is good.  NULL if fine. */
static const char *
rd_check_fields (const struct fplog_reader *r, const struct fplog_entry *e,
                 const uint8_t *p, char *why, size_t whylen)
{
  const uint64_t dev = r->r_hdr.device_size;
  const uint64_t padded = pad8 (e->payload_len);

  if (get32 (p + 12) != 0 || p[6] != 0 || p[7] != 0) {
    snprintf (why, whylen, "reserved field is not zero");
    return why;
  }
  for (uint64_t i = e->payload_len; i < padded; i++)
    if (p[FPLOG_ENTRY_HDR + i]) {
      snprintf (why, whylen, "payload padding is not zero");
      return why;
    }
  if (e->seq != r->r_seq) {
    snprintf (why, whylen, "seq %" PRIu64 ", expected %" PRIu64,
              e->seq, r->r_seq);
    return why;
  }
  if (e->type < FPLOG_WRITE || e->type > FPLOG_FAULT) {
    snprintf (why, whylen, "unknown type %u", e->type);
    return why;
  }
  if (e->flags & ~(FPLOG_F_FUA | FPLOG_F_FAILED)) {
    snprintf (why, whylen, "unknown flags 0x%02x", e->flags);
    return why;
  }
  if ((e->flags & FPLOG_F_FAILED) && e->type != FPLOG_FAULT) {
    snprintf (why, whylen, "FAILED flag on a %s entry",
              fplog_type_name (e->type));
    return why;
  }
  switch (e->type) {
  case FPLOG_WRITE:
  case FPLOG_TRIM:
  case FPLOG_ZERO:
    if (e->length > dev || e->offset > dev - e->length) {
      snprintf (why, whylen, "%s range %" PRIu64 "+%" PRIu64 " runs past "
                "the device end (%" PRIu64 ")", fplog_type_name (e->type),
                e->offset, e->length, dev);
      return why;
    }
    if (e->type == FPLOG_WRITE && e->length != e->payload_len) {
      snprintf (why, whylen, "WRITE length %" PRIu64 " != payload_len %"
                PRIu32, e->length, e->payload_len);
      return why;
    }
    if (e->type != FPLOG_WRITE && e->payload_len) {
      snprintf (why, whylen, "%s with a payload", fplog_type_name (e->type));
      return why;
    }
    break;
  case FPLOG_FLUSH:
    if (e->offset || e->length || e->payload_len) {
      snprintf (why, whylen, "FLUSH with nonzero offset, length or payload");
      return why;
    }
    break;
  case FPLOG_MARK:
    if (e->offset || e->length != e->payload_len) {
      snprintf (why, whylen, "MARK offset must be 0 and length == "
                "payload_len");
      return why;
    }
    break;
  case FPLOG_FAULT:
    break;                      /* offset/length describe the failed request */
  }
  return NULL;
}

static int
rd_terminal (struct fplog_reader *r, int result, const char *msg)
{
  r->r_term = result;
  r->r_term_set = true;
  snprintf (r->r_term_msg, sizeof r->r_term_msg, "%s", msg);
  return result;
}

static int
rd_index_add (struct fplog_reader *r, uint64_t off)
{
  if (r->r_index_len == r->r_index_cap) {
    size_t cap = r->r_index_cap ? 2 * r->r_index_cap : 64;
    uint64_t *ni = realloc (r->r_index, cap * sizeof *ni);
    if (!ni)
      return -ENOMEM;
    r->r_index = ni;
    r->r_index_cap = cap;
  }
  r->r_index[r->r_index_len++] = off;
  return 0;
}

int
fplog_next (struct fplog_reader *r, struct fplog_entry *e,
            char *errbuf, size_t errlen)
{
  char why[200];
  const char *bad;
  const uint8_t *p;
  uint64_t ext;
  int64_t next_valid;
  char local[512];
  int ioerr, err;

  /* Messages are always formatted, so that a sticky result keeps its text. */
  if (!errbuf || !errlen) {
    errbuf = local;
    errlen = sizeof local;
  }
  if (r->r_term_set) {
    snprintf (errbuf, errlen, "%s", r->r_term_msg);
    return r->r_term;
  }
  if (r->r_pos == r->r_file_size) {
    errbuf[0] = '\0';
    return rd_terminal (r, FPLOG_NEXT_END, errbuf);
  }

  bad = rd_whole (r, r->r_pos, &p, &ext, why, sizeof why, &ioerr);
  if (ioerr) {
    rd_msg (r, errbuf, errlen, "log entry %" PRIu64 " at byte %" PRIu64
            ": %s", r->r_seq, r->r_pos, why);
    return rd_terminal (r, ioerr, errbuf);
  }
  if (bad) {
    next_valid = rd_find_valid_after (r, r->r_pos);
    if (next_valid < 0) {
      rd_msg (r, errbuf, errlen, "log entry %" PRIu64 " at byte %" PRIu64
              ": read: %s", r->r_seq, r->r_pos, strerror ((int) -next_valid));
      return rd_terminal (r, (int) next_valid, errbuf);
    }
    if (next_valid > 0) {
      rd_msg (r, errbuf, errlen, "log entry %" PRIu64 " at byte %" PRIu64
              ": %s; a valid entry follows at byte %" PRId64,
              r->r_seq, r->r_pos, bad, next_valid);
      return rd_terminal (r, -EBADMSG, errbuf);
    }
    if (r->r_seq)
      rd_msg (r, errbuf, errlen, "truncated tail after entry %" PRIu64
              " (byte %" PRIu64 "): %s", r->r_seq - 1, r->r_pos, bad);
    else
      rd_msg (r, errbuf, errlen, "truncated tail after the header (byte %"
              PRIu64 "): %s", r->r_pos, bad);
    return rd_terminal (r, FPLOG_NEXT_TRUNCATED, errbuf);
  }

  memset (e, 0, sizeof *e);
  e->type = p[4];
  e->flags = p[5];
  e->payload_len = get32 (p + 8);
  e->seq = get64 (p + 16);
  e->offset = get64 (p + 24);
  e->length = get64 (p + 32);
  e->timestamp_ns = get64 (p + 40);
  e->payload = e->payload_len ? p + FPLOG_ENTRY_HDR : NULL;
  e->file_offset = r->r_pos;
  bad = rd_check_fields (r, e, p, why, sizeof why);
  if (bad) {
    rd_msg (r, errbuf, errlen, "log entry %" PRIu64 " at byte %" PRIu64
            ": %s", r->r_seq, r->r_pos, bad);
    return rd_terminal (r, -EBADMSG, errbuf);
  }

  if (r->r_seq == r->r_known) {     /* first time past the frontier */
    if (r->r_seq % RD_INDEX_STRIDE == 0 &&
        (err = rd_index_add (r, r->r_pos)) != 0) {
      rd_msg (r, errbuf, errlen, "index: %s", strerror (-err));
      return rd_terminal (r, err, errbuf);
    }
    r->r_known++;
    r->r_known_end = r->r_pos + ext;
  }
  r->r_pos += ext;
  r->r_seq++;
  return FPLOG_NEXT_ENTRY;
}

int
fplog_reader_seek (struct fplog_reader *r, uint64_t seq,
                   char *errbuf, size_t errlen)
{
  struct fplog_entry e;
  int ret;

  r->r_term_set = false;
  if (seq <= r->r_known) {
    uint64_t s, pos;

    if (seq == r->r_known) {
      s = seq;
      pos = r->r_known_end;
    } else {
      s = seq / RD_INDEX_STRIDE * RD_INDEX_STRIDE;
      pos = r->r_index[seq / RD_INDEX_STRIDE];
    }
    /* Entries behind the frontier were verified: step over their headers. */
    for (; s < seq; s++) {
      const uint8_t *p;
      int err = rd_window (r, pos, FPLOG_ENTRY_HDR, &p);

      if (err) {
        rd_msg (r, errbuf, errlen, "seek to entry %" PRIu64 ": read: %s",
                seq, strerror (-err));
        return err;
      }
      pos += FPLOG_ENTRY_HDR + pad8 (get32 (p + 8));
    }
    r->r_pos = pos;
    r->r_seq = seq;
    return 0;
  }

  r->r_pos = r->r_known_end;
  r->r_seq = r->r_known;
  while (r->r_seq < seq) {
    ret = fplog_next (r, &e, errbuf, errlen);
    if (ret < 0)
      return ret;
    if (ret != FPLOG_NEXT_ENTRY) {
      rd_msg (r, errbuf, errlen, "seek to entry %" PRIu64 ": the log has "
              "only %" PRIu64 " entries", seq, r->r_seq);
      return -ENOENT;
    }
  }
  return 0;
}

int
fplog_reader_open (const char *path, struct fplog_reader **out,
                   char *errbuf, size_t errlen)
{
  struct fplog_reader *r;
  struct stat st;
  int err;

  *out = NULL;
  r = calloc (1, sizeof *r);
  if (!r || !(r->r_path = strdup (path))) {
    free (r);
    if (errbuf && errlen)
      snprintf (errbuf, errlen, "%s: %s", path, strerror (ENOMEM));
    return -ENOMEM;
  }
  /* O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
  r->r_fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (r->r_fd < 0) {
    err = -errno;
    rd_msg (r, errbuf, errlen, "open: %s", strerror (-err));
    goto fail;
  }
  if (fstat (r->r_fd, &st) < 0) {
    err = -errno;
    rd_msg (r, errbuf, errlen, "stat: %s", strerror (-err));
    goto fail;
  }
  if (!S_ISREG (st.st_mode)) {
    err = -EINVAL;
    rd_msg (r, errbuf, errlen, "not a regular file");
    goto fail;
  }
  r->r_file_size = st.st_size;
  err = rd_header (r, errbuf, errlen);
  if (err)
    goto fail;
  r->r_pos = r->r_known_end = r->r_hdr.header_len;
  *out = r;
  return 0;

 fail:
  fplog_reader_close (r);
  return err;
}

const struct fplog_header *
fplog_reader_header (const struct fplog_reader *r)
{
  return &r->r_hdr;
}

uint64_t fplog_reader_next_seq (const struct fplog_reader *r) { return r->r_seq; }
uint64_t fplog_reader_offset (const struct fplog_reader *r) { return r->r_pos; }
uint64_t fplog_reader_file_size (const struct fplog_reader *r) { return r->r_file_size; }

bool
fplog_reader_last_seq (const struct fplog_reader *r, uint64_t *seq)
{
  if (r->r_seq == 0)
    return false;
  *seq = r->r_seq - 1;
  return true;
}

void
fplog_reader_close (struct fplog_reader *r)
{
  if (!r)
    return;
  if (r->r_fd >= 0)
    close (r->r_fd);
  free (r->r_buf);
  free (r->r_index);
  free (r->r_path);
  free (r);
}
