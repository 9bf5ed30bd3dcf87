/* test_wl_pattern: the content patterns are pure functions of (pattern,
 * seed, file offset), as wl_pattern.h documents them. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "wl_pattern.h"

/* The formula of wl_pattern.h, written out again independently. */
static uint64_t
ref_mix (uint64_t x)
{
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint8_t
ref_xorshift_byte (uint64_t seed, uint64_t off)
{
  uint64_t word = ref_mix (ref_mix (seed) + off / 8);
  return (uint8_t) (word >> (8 * (off % 8)));
}

static void
test_xorshift_matches_formula (void)
{
  uint8_t buf[300];

  wl_pattern_fill (WL_PAT_XORSHIFT, 7, 4093, buf, sizeof buf);
  for (size_t i = 0; i < sizeof buf; i++)
    assert (buf[i] == ref_xorshift_byte (7, 4093 + i));
}

static void
test_any_slice_is_the_same_bytes (void)
{
  static uint8_t whole[10000], part[10000];

  for (int p = 0; p < WL_PAT__COUNT; p++) {
    wl_pattern_fill ((enum wl_pattern) p, 99, 1000, whole, sizeof whole);
    for (size_t off = 0; off < 64; off += 7) {
      size_t len = sizeof whole - off - 13;
      wl_pattern_fill ((enum wl_pattern) p, 99, 1000 + off, part, len);
      assert (memcmp (part, whole + off, len) == 0);
    }
  }
}

static void
test_seeds_differ (void)
{
  uint8_t a[4096], b[4096];

  wl_pattern_fill (WL_PAT_XORSHIFT, 1, 0, a, sizeof a);
  wl_pattern_fill (WL_PAT_XORSHIFT, 2, 0, b, sizeof b);
  assert (memcmp (a, b, sizeof a) != 0);
  wl_pattern_fill (WL_PAT_XORSHIFT, 1, 4096, b, sizeof b);
  assert (memcmp (a, b, sizeof a) != 0);       /* position matters too */
}

static void
test_stamp_fill_zero (void)
{
  char rec[65];

  wl_pattern_fill (WL_PAT_STAMP, 0xabcdef12, 64, rec, 64);
  rec[64] = '\0';
  assert (strcmp (rec, "fp s=abcdef12 o=000000000000040\n"
                       "fp s=abcdef12 o=000000000000060\n") == 0);
  uint8_t f[5];
  wl_pattern_fill (WL_PAT_FILL, 0x1a5, 3, f, sizeof f);
  for (int i = 0; i < 5; i++)
    assert (f[i] == 0xa5);
  wl_pattern_fill (WL_PAT_ZERO, 5, 3, f, sizeof f);
  for (int i = 0; i < 5; i++)
    assert (f[i] == 0);
}

static void
test_names (void)
{
  enum wl_pattern p;

  for (int i = 0; i < WL_PAT__COUNT; i++) {
    assert (wl_pattern_lookup (wl_pattern_name ((enum wl_pattern) i), &p) == 0);
    assert ((int) p == i);
  }
  assert (wl_pattern_lookup ("random", &p) < 0);
}

int
main (void)
{
  test_xorshift_matches_formula ();
  test_any_slice_is_the_same_bytes ();
  test_seeds_differ ();
  test_stamp_fill_zero ();
  test_names ();
  printf ("test_wl_pattern: ok\n");
  return 0;
}
