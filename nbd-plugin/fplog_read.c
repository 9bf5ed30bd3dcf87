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
 * Verdicts.  fplog_next() looks at the entry at the current position
 * only; nothing is ever searched for further on, so reading is linear in
 * the file's size (LOG-FORMAT.md, "Truncated tail versus corruption"):
 * - fewer than 56 bytes left, or a header that keeps every header rule
 *   but claims more bytes than are left: the server died mid-append (a
 *   torn append leaves a prefix of one entry), FPLOG_NEXT_TRUNCATED;
 * - nothing but zero bytes left: also a truncated tail (what a host crash
 *   leaves where the file grew before its data reached the disk; zeroes
 *   hold no entry, so calling them a tail drops none);
 * - anything else that is wrong is corruption, -EBADMSG naming the entry's
 *   seq and byte offset: a header that breaks a rule (magic, seq, type,
 *   flags, reserved bytes, ranges, lengths), a whole entry whose checksum
 *   does not match (bit rot, even as the last entry), bad padding, or a
 *   FAULT text that breaks its grammar.
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

  /* Work done: bytes read from the file plus bytes checksummed. */
  uint64_t r_examined;
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
    r->r_examined += n;
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
  if (h->device_size == 0 || h->device_size > FPLOG_MAX_DEVICE) {
    rd_msg (r, errbuf, errlen, "header: device size %" PRIu64 " is not "
            "between one sector and %" PRIu64 " bytes (16 TiB)",
            h->device_size, (uint64_t) FPLOG_MAX_DEVICE);
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

/* The rules an entry header must keep (LOG-FORMAT.md, "Entry rules"),
 * checked before the payload is looked at, so that they hold for a cut-short
 * last entry too.  e is filled from p.  NULL if fine, else what is wrong. */
static const char *
rd_check_header (const struct fplog_reader *r, const uint8_t *p,
                 struct fplog_entry *e, char *why, size_t whylen)
{
  const uint64_t dev = r->r_hdr.device_size;
  uint32_t magic = get32 (p);

  memset (e, 0, sizeof *e);
  e->type = p[4];
  e->flags = p[5];
  e->payload_len = get32 (p + 8);
  e->seq = get64 (p + 16);
  e->offset = get64 (p + 24);
  e->length = get64 (p + 32);
  e->timestamp_ns = get64 (p + 40);
  e->file_offset = r->r_pos;

#define RD_BAD(...) do { snprintf (why, whylen, __VA_ARGS__); return why; } while (0)
  if (magic != FPLOG_ENTRY_MAGIC)
    RD_BAD ("bad entry magic 0x%08" PRIx32, magic);
  if (e->payload_len > FPLOG_MAX_PAYLOAD)
    RD_BAD ("payload_len %" PRIu32 " exceeds the maximum %u",
            e->payload_len, FPLOG_MAX_PAYLOAD);
  if (get32 (p + 12) != 0 || p[6] != 0 || p[7] != 0)
    RD_BAD ("reserved field is not zero");
  if (e->seq != r->r_seq)
    RD_BAD ("seq %" PRIu64 ", expected %" PRIu64, e->seq, r->r_seq);
  if (e->type < FPLOG_WRITE || e->type > FPLOG_FAULT)
    RD_BAD ("unknown type %u", e->type);
  if (e->flags & ~(FPLOG_F_FUA | FPLOG_F_FAILED))
    RD_BAD ("unknown flags 0x%02x", e->flags);
  if ((e->flags & FPLOG_F_FAILED) && e->type != FPLOG_FAULT)
    RD_BAD ("FAILED flag on a %s entry", fplog_type_name (e->type));

  switch (e->type) {
  case FPLOG_WRITE:
  case FPLOG_TRIM:
  case FPLOG_ZERO:
    if (e->length == 0)
      RD_BAD ("%s of length 0 (NBD has no empty requests)",
              fplog_type_name (e->type));
    if (e->length > dev || e->offset > dev - e->length)
      RD_BAD ("%s range %" PRIu64 "+%" PRIu64 " runs past the device end "
              "(%" PRIu64 ")", fplog_type_name (e->type), e->offset,
              e->length, dev);
    if (e->type == FPLOG_WRITE && e->length != e->payload_len)
      RD_BAD ("WRITE length %" PRIu64 " != payload_len %" PRIu32,
              e->length, e->payload_len);
    if (e->type != FPLOG_WRITE && e->payload_len)
      RD_BAD ("%s with a payload", fplog_type_name (e->type));
    break;
  case FPLOG_FLUSH:
    if (e->flags)
      RD_BAD ("FUA flag on a FLUSH entry (NBD FLUSH carries no flags)");
    if (e->offset || e->length || e->payload_len)
      RD_BAD ("FLUSH with nonzero offset, length or payload");
    break;
  case FPLOG_MARK:
    if (e->flags)
      RD_BAD ("FUA flag on a MARK entry (the control export has no FUA)");
    if (e->offset || e->length != e->payload_len)
      RD_BAD ("MARK offset must be 0 and length == payload_len");
    if (e->payload_len == 0)
      RD_BAD ("MARK of length 0 (NBD has no empty writes)");
    break;
  case FPLOG_FAULT:
    if (e->payload_len == 0)
      RD_BAD ("FAULT entry without text");
    if (!(e->flags & FPLOG_F_FAILED)) {
      if (e->flags)
        RD_BAD ("FUA flag on a FAULT entry without FAILED");
      if (e->offset || e->length)
        RD_BAD ("FAULT entry without FAILED has a range (must be 0, 0)");
    } else if (e->length > dev || e->offset > dev - e->length)
      RD_BAD ("FAULT range %" PRIu64 "+%" PRIu64 " runs past the device "
              "end (%" PRIu64 ")", e->offset, e->length, dev);
    break;
  }
  return NULL;
}

/* The text of a FAULT entry (LOG-FORMAT.md, "FAULT entries"): lines of
 * printable ASCII separated by LF, each an event word and key=value words
 * separated by single blanks.  A FAILED entry is one "fired" line whose
 * op= names the failed request, which must agree with the entry's range
 * and FUA flag; other FAULT entries are armed/latency/cleared lines. */
static const char *
rd_check_fault_text (const struct fplog_entry *e, char *why, size_t whylen)
{
  const char *t = (const char *) e->payload;
  const uint32_t n = e->payload_len;
  const bool failed = e->flags & FPLOG_F_FAILED;
  char op[8] = "";
  unsigned lines = 0;

  for (uint32_t i = 0; i < n; ) {
    uint32_t eol = i, w, word = 0;

    while (eol < n && t[eol] != '\n')
      eol++;
    if (eol == i)
      RD_BAD ("FAULT text: empty line at byte %" PRIu32, i);
    lines++;
    for (w = i; w < eol; word++) {
      uint32_t we = w, eq = 0;

      while (we < eol && t[we] != ' ') {
        if ((unsigned char) t[we] < 0x21 || (unsigned char) t[we] > 0x7e)
          RD_BAD ("FAULT text: byte 0x%02x at %" PRIu32 " is not printable "
                  "ASCII", (unsigned char) t[we], we);
        if (t[we] == '=' && !eq)
          eq = we;
        we++;
      }
      if (we == w)
        RD_BAD ("FAULT text: empty word at byte %" PRIu32, w);
      if (word == 0) {
        size_t len = we - w;
        bool fired = len == 5 && memcmp (t + w, "fired", 5) == 0;
        bool other = (len == 5 && memcmp (t + w, "armed", 5) == 0) ||
                     (len == 7 && memcmp (t + w, "latency", 7) == 0) ||
                     (len == 7 && memcmp (t + w, "cleared", 7) == 0);
        if (failed && !fired)
          RD_BAD ("FAULT text: a FAILED entry must be one \"fired\" line, "
                  "not \"%.*s\"", (int) (len > 20 ? 20 : len), t + w);
        if (!failed && !other)
          RD_BAD ("FAULT text: line %u must start with armed, latency or "
                  "cleared, not \"%.*s\"", lines,
                  (int) (len > 20 ? 20 : len), t + w);
      } else if (eq == 0 || eq == w)
        RD_BAD ("FAULT text: word \"%.*s\" on line %u is not key=value",
                (int) (we - w > 20 ? 20 : we - w), t + w, lines);
      else if (eq - w == 2 && memcmp (t + w, "op", 2) == 0 &&
               we - eq - 1 < sizeof op)
        snprintf (op, sizeof op, "%.*s", (int) (we - eq - 1), t + eq + 1);
      w = we + (we < eol);
      if (we < eol && w == eol)
        RD_BAD ("FAULT text: trailing blank on line %u", lines);
    }
    i = eol + 1;                /* a final LF is allowed */
  }
  if (!failed)
    return NULL;
  if (lines != 1)
    RD_BAD ("FAULT text: a FAILED entry has %u lines, must have one", lines);
  if (strcmp (op, "FLUSH") == 0) {
    if (e->offset || e->length || (e->flags & FPLOG_F_FUA))
      RD_BAD ("FAULT for a failed FLUSH must have range 0, 0 and no FUA");
  } else if (strcmp (op, "READ") == 0 || strcmp (op, "WRITE") == 0 ||
             strcmp (op, "TRIM") == 0 || strcmp (op, "ZERO") == 0) {
    if (e->length == 0)
      RD_BAD ("FAULT for a failed %s of length 0", op);
    if (op[0] == 'R' && (e->flags & FPLOG_F_FUA))
      RD_BAD ("FUA flag on the FAULT of a failed READ");
  } else
    RD_BAD ("FAULT text: op= must be READ, WRITE, TRIM, ZERO or FLUSH");
  return NULL;
#undef RD_BAD
}

/* Is every byte of the file from off to its end zero?  (Read once, at the
 * end of the log, so reading stays linear.) */
static int
rd_zero_to_end (struct fplog_reader *r, uint64_t off, bool *zero)
{
  *zero = true;
  while (off < r->r_file_size) {
    uint64_t n = r->r_file_size - off < RD_WINDOW ? r->r_file_size - off
                                                   : RD_WINDOW;
    const uint8_t *p;
    int err = rd_window (r, off, n, &p);

    if (err)
      return err;
    if (p[0] || memcmp (p, p + 1, n - 1)) {
      *zero = false;
      return 0;
    }
    off += n;
  }
  return 0;
}

/* The entry at r_pos, fully checked (LOG-FORMAT.md, "Truncated tail versus
 * corruption").  Returns FPLOG_NEXT_ENTRY with *e filled and *ext its extent
 * in the file, FPLOG_NEXT_TRUNCATED or a negative errno (-EBADMSG for
 * corruption), with why saying what is wrong. */
static int
rd_entry (struct fplog_reader *r, struct fplog_entry *e, uint64_t *ext,
          char *why, size_t whylen)
{
  const uint64_t left = r->r_file_size - r->r_pos;
  const uint8_t *p;
  uint64_t stored, computed, padded;
  const char *bad;
  bool zero;
  int err;

  if (left < FPLOG_ENTRY_HDR) {
    snprintf (why, whylen, "entry header cut short (%" PRIu64 " of %u "
              "bytes)", left, FPLOG_ENTRY_HDR);
    return FPLOG_NEXT_TRUNCATED;
  }
  if ((err = rd_window (r, r->r_pos, FPLOG_ENTRY_HDR, &p)) != 0)
    goto io;
  bad = rd_check_header (r, p, e, why, whylen);
  if (bad && get32 (p) == 0) {
    /* Zeroes hold no entry, so a tail of nothing but zeroes drops none: it
     * is what a host crash leaves where the file grew before its data
     * reached the disk. */
    if ((err = rd_zero_to_end (r, r->r_pos, &zero)) != 0)
      goto io;
    if (zero) {
      snprintf (why, whylen, "%" PRIu64 " zero bytes", left);
      return FPLOG_NEXT_TRUNCATED;
    }
  }
  if (get32 (p) != FPLOG_ENTRY_MAGIC || e->payload_len > FPLOG_MAX_PAYLOAD)
    return -EBADMSG;            /* no extent to speak of: corrupt */
  padded = pad8 (e->payload_len);
  *ext = FPLOG_ENTRY_HDR + padded;
  if (*ext > left) {
    /* A torn append leaves a prefix of one entry, shorter than it says,
     * and its header keeps the rules. */
    if (bad)
      return -EBADMSG;
    snprintf (why, whylen, "entry cut short (%" PRIu64 " of %" PRIu64
              " bytes)", left, *ext);
    return FPLOG_NEXT_TRUNCATED;
  }
  if ((err = rd_window (r, r->r_pos, *ext, &p)) != 0)
    goto io;
  stored = get64 (p + 48);
  computed = fplog_entry_checksum (p, p + FPLOG_ENTRY_HDR, e->payload_len);
  r->r_examined += FPLOG_ENTRY_HDR + e->payload_len;
  if (stored != computed) {
    /* The entry is whole: bit rot or tampering, never a torn append. */
    snprintf (why, whylen, "checksum mismatch (stored %016" PRIx64
              ", computed %016" PRIx64 ")%s", stored, computed,
              *ext == left ? " in the whole last entry" : "");
    return -EBADMSG;
  }
  if (bad)
    return -EBADMSG;
  e->payload = e->payload_len ? p + FPLOG_ENTRY_HDR : NULL;
  for (uint64_t i = e->payload_len; i < padded; i++)
    if (p[FPLOG_ENTRY_HDR + i]) {
      snprintf (why, whylen, "payload padding is not zero");
      return -EBADMSG;
    }
  if (e->type == FPLOG_FAULT && rd_check_fault_text (e, why, whylen))
    return -EBADMSG;
  return FPLOG_NEXT_ENTRY;

 io:
  snprintf (why, whylen, "read: %s", strerror (-err));
  return err;
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
  char why[240];
  uint64_t ext = 0;
  char local[512];
  int ret, err;

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

  ret = rd_entry (r, e, &ext, why, sizeof why);
  if (ret == FPLOG_NEXT_TRUNCATED) {
    if (r->r_seq)
      rd_msg (r, errbuf, errlen, "truncated tail after entry %" PRIu64
              " (byte %" PRIu64 "): %s", r->r_seq - 1, r->r_pos, why);
    else
      rd_msg (r, errbuf, errlen, "truncated tail after the header (byte %"
              PRIu64 "): %s", r->r_pos, why);
    return rd_terminal (r, ret, errbuf);
  }
  if (ret < 0) {
    rd_msg (r, errbuf, errlen, "log entry %" PRIu64 " at byte %" PRIu64
            ": %s", r->r_seq, r->r_pos, why);
    return rd_terminal (r, ret, errbuf);
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
uint64_t fplog_reader_bytes_examined (const struct fplog_reader *r) { return r->r_examined; }

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
