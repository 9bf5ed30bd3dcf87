/* wl_pattern: deterministic write contents.  The formulas are in
 * wl_pattern.h; this file only computes them, for any offset alignment. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wl_pattern.h"

static const char *const wl_pattern_names[WL_PAT__COUNT] = {
  [WL_PAT_XORSHIFT] = "xorshift",
  [WL_PAT_ZERO] = "zero",
  [WL_PAT_FILL] = "fill",
  [WL_PAT_STAMP] = "stamp",
  [WL_PAT_RECORDED] = "recorded",
};

const char *
wl_pattern_name (enum wl_pattern p)
{
  return (unsigned) p < WL_PAT__COUNT ? wl_pattern_names[p] : "?";
}

int
wl_pattern_lookup (const char *name, enum wl_pattern *p)
{
  for (int i = 0; i < WL_PAT__COUNT; i++)
    if (strcmp (name, wl_pattern_names[i]) == 0) {
      *p = (enum wl_pattern) i;
      return 0;
    }
  return -ENOENT;
}

uint64_t
wl_pattern_mix (uint64_t x)
{
  x ^= x >> 30;
  x *= UINT64_C (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

static void
wl_fill_xorshift (uint64_t seed, uint64_t off, uint8_t *p, size_t len)
{
  uint64_t key = wl_pattern_mix (seed);

  while (len > 0) {
    uint64_t w = off / 8;
    unsigned in = (unsigned) (off % 8);
    uint64_t word = wl_pattern_mix (key + w);
    /* Whole words are the common case: take all 8 bytes at once. */
    if (in == 0 && len >= 8) {
      for (unsigned b = 0; b < 8; b++)
        p[b] = (uint8_t) (word >> (8 * b));
      p += 8, off += 8, len -= 8;
      continue;
    }
    *p++ = (uint8_t) (word >> (8 * in));
    off++, len--;
  }
}

static void
wl_fill_stamp (uint64_t seed, uint64_t off, uint8_t *p, size_t len)
{
  char rec[33];

  while (len > 0) {
    uint64_t r = off / 32;
    unsigned in = (unsigned) (off % 32);
    size_t n = 32 - in < len ? 32 - in : len;
    int k = snprintf (rec, sizeof rec, "fp s=%08x o=%015llx\n",
                      (unsigned) (uint32_t) seed,
                      (unsigned long long) ((r * 32) & 0xfffffffffffffffull));
    assert (k == 32);
    (void) k;
    memcpy (p, rec + in, n);
    p += n, off += n, len -= n;
  }
}

void
wl_pattern_fill (enum wl_pattern pat, uint64_t seed, uint64_t off,
                 void *buf, size_t len)
{
  assert ((unsigned) pat < WL_PAT__COUNT);
  switch (pat) {
  case WL_PAT_XORSHIFT:
    wl_fill_xorshift (seed, off, buf, len);
    break;
  case WL_PAT_ZERO:
    memset (buf, 0, len);
    break;
  case WL_PAT_FILL:
    memset (buf, (int) (seed & 0xff), len);
    break;
  case WL_PAT_STAMP:
    wl_fill_stamp (seed, off, buf, len);
    break;
  case WL_PAT_RECORDED:
    /* No formula: the checker takes these bytes from the log, and the
     * runner refuses a workload that names it (wl_runner_begin). */
    memset (buf, 0, len);
    break;
  default:
    assert (!"unreachable");
  }
}
