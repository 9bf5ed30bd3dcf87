/* testlog: build write logs byte by byte for the reader's tests.
 *
 * Written from the layout in nbd-plugin/fplog.h without using the writer,
 * so the reader is checked against an independent implementation of the
 * format.  Checksums are computed here with libxxhash directly (not with
 * fplog_entry_checksum), so the shared helper is cross-checked too.
 */
#ifndef TESTLOG_H
#define TESTLOG_H

#undef NDEBUG
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "fplog.h"

#define TL_MAXE 1024

struct testlog {
  uint8_t *d;
  size_t len, cap;
  size_t hlen;                  /* header bytes */
  size_t nent;
  size_t off[TL_MAXE + 1];      /* file offset of each entry, then the end */
};

static inline void
tl_le32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = v >> (8 * i);
}

static inline void
tl_le64 (uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = v >> (8 * i);
}

static inline uint64_t
tl_get64 (const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static inline void
tl_put (struct testlog *t, const void *p, size_t n)
{
  if (t->len + n > t->cap) {
    t->cap = (t->len + n) * 2 + 256;
    t->d = realloc (t->d, t->cap);
    assert (t->d);
  }
  memcpy (t->d + t->len, p, n);
  t->len += n;
}

/* Recompute the header checksum over the first hlen bytes. */
static inline void
tl_fix_header (uint8_t *d, size_t hlen)
{
  memset (d + 80, 0, 8);
  tl_le64 (d + 80, XXH3_64bits (d, hlen));
}

/* Recompute the checksum of the entry at d (payload_len from its header). */
static inline void
tl_fix_entry (uint8_t *d)
{
  uint32_t plen = d[8] | d[9] << 8 | d[10] << 16 | (uint32_t) d[11] << 24;
  uint8_t *buf = malloc (FPLOG_ENTRY_HDR + (size_t) plen);

  assert (buf);
  memset (d + 48, 0, 8);
  memcpy (buf, d, FPLOG_ENTRY_HDR);
  memcpy (buf + FPLOG_ENTRY_HDR, d + FPLOG_ENTRY_HDR, plen);
  tl_le64 (d + 48, XXH3_64bits (buf, FPLOG_ENTRY_HDR + (size_t) plen));
  free (buf);
}

/* Walk a whole file's header and entries as laid out and recompute their
 * checksums (fuzz targets: to get edits past the checksum wall). */
static inline void
tl_fix_all (uint8_t *d, size_t len)
{
  size_t hlen, pos;

  if (len < FPLOG_HDR_FIXED)
    return;
  hlen = d[12] | d[13] << 8 | d[14] << 16 | (size_t) d[15] << 24;
  if (hlen < FPLOG_HDR_FIXED || hlen > len)
    return;
  tl_fix_header (d, hlen);
  for (pos = (hlen + 7) & ~(size_t) 7; pos + FPLOG_ENTRY_HDR <= len;) {
    size_t plen = d[pos + 8] | d[pos + 9] << 8 | d[pos + 10] << 16 |
                  (size_t) d[pos + 11] << 24;
    if (plen > len - pos - FPLOG_ENTRY_HDR)
      break;
    tl_fix_entry (d + pos);
    pos += FPLOG_ENTRY_HDR + ((plen + 7) & ~(size_t) 7);
  }
}

static inline void
tl_header (struct testlog *t, uint64_t dev, uint32_t sector,
           const char *base_path, uint64_t base_size, uint64_t base_sum)
{
  size_t plen = base_path ? strlen (base_path) : 0;
  size_t hlen = (FPLOG_HDR_FIXED + plen + 7) & ~(size_t) 7;
  uint8_t *h = calloc (1, hlen);

  assert (h);
  memset (t, 0, sizeof *t);
  memcpy (h, FPLOG_MAGIC, 8);
  tl_le32 (h + 8, FPLOG_VERSION);
  tl_le32 (h + 12, hlen);
  tl_le32 (h + 16, base_path ? FPLOG_H_BASE_IMAGE : 0);
  tl_le32 (h + 20, sector);
  for (int i = 0; i < 16; i++)
    h[24 + i] = 0xa0 + i;
  tl_le64 (h + 40, dev);
  tl_le64 (h + 48, 1700000000123456789ull);
  tl_le64 (h + 56, base_size);
  tl_le64 (h + 64, base_sum);
  tl_le32 (h + 72, plen);
  memcpy (h + FPLOG_HDR_FIXED, base_path ? base_path : "", plen);
  tl_fix_header (h, hlen);
  tl_put (t, h, hlen);
  t->hlen = hlen;
  t->off[0] = hlen;
  free (h);
}

/* Append an entry with an explicit seq (tests need wrong ones too). */
static inline void
tl_entry_seq (struct testlog *t, uint64_t seq, uint8_t type, uint8_t flags,
              uint64_t off, uint64_t len, const void *payload, uint32_t plen)
{
  uint8_t h[FPLOG_ENTRY_HDR] = { 0 };
  static const uint8_t zero[8];
  size_t at = t->len;

  assert (t->nent < TL_MAXE);
  tl_le32 (h, FPLOG_ENTRY_MAGIC);
  h[4] = type;
  h[5] = flags;
  tl_le32 (h + 8, plen);
  tl_le64 (h + 16, seq);
  tl_le64 (h + 24, off);
  tl_le64 (h + 32, len);
  tl_le64 (h + 40, 1700000000000000000ull + seq);
  tl_put (t, h, sizeof h);
  if (plen)
    tl_put (t, payload, plen);
  tl_put (t, zero, ((plen + 7) & ~7u) - plen);
  tl_fix_entry (t->d + at);
  t->off[t->nent] = at;
  t->off[++t->nent] = t->len;
}

static inline void
tl_entry (struct testlog *t, uint8_t type, uint8_t flags, uint64_t off,
          uint64_t len, const void *payload, uint32_t plen)
{
  tl_entry_seq (t, t->nent, type, flags, off, len, payload, plen);
}

#define TL_FIRED "fired id=1 op=WRITE errno=EIO spec=write:EIO:at:1:times:1"

/* A small log with every entry type: W W F M T Z W(FUA) F FAULT M. */
static inline void
tl_sample (struct testlog *t)
{
  static uint8_t data[3000];

  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t) (i * 7 + 3);
  tl_header (t, 1 << 20, 512, NULL, 0, 0);
  tl_entry (t, FPLOG_WRITE, 0, 4096, 3000, data, 3000);
  tl_entry (t, FPLOG_WRITE, 0, 1, 5, "hello", 5);
  tl_entry (t, FPLOG_FLUSH, 0, 0, 0, NULL, 0);
  tl_entry (t, FPLOG_MARK, 0, 0, 13, "op 1 fsync /a", 13);
  tl_entry (t, FPLOG_TRIM, 0, 0, 8192, NULL, 0);
  tl_entry (t, FPLOG_ZERO, FPLOG_F_FUA, 8192, 512, NULL, 0);
  tl_entry (t, FPLOG_WRITE, FPLOG_F_FUA, (1 << 20) - 512, 512, data, 512);
  tl_entry (t, FPLOG_FLUSH, 0, 0, 0, NULL, 0);
  tl_entry (t, FPLOG_FAULT, FPLOG_F_FAILED, 0, 512, TL_FIRED,
            sizeof TL_FIRED - 1);
  tl_entry (t, FPLOG_MARK, 0, 0, 3, "end", 3);
}

/* Does msg contain sub?  Says what was expected when not (for asserts). */
static inline bool
tl_has (const char *msg, const char *sub)
{
  if (strstr (msg, sub))
    return true;
  fprintf (stderr, "expected \"%s\" in: %s\n", sub, msg);
  return false;
}

/* Write bytes to a fresh temporary file; returns its path (static). */
static char tl_path[64];

static inline const char *
tl_file (const void *d, size_t len)
{
  char *path = tl_path;
  int fd;

  if (path[0])
    unlink (path);
  snprintf (path, sizeof tl_path, "/tmp/fplog-test-XXXXXX");
  fd = mkstemp (path);
  assert (fd >= 0);
  assert (len == 0 || write (fd, d, len) == (ssize_t) len);
  close (fd);
  return path;
}

static inline void
tl_cleanup (void)
{
  if (tl_path[0])
    unlink (tl_path);
  tl_path[0] = '\0';
}

static inline void
tl_free (struct testlog *t)
{
  free (t->d);
  t->d = NULL;
}

#endif /* TESTLOG_H */
