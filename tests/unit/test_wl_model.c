/* test_wl_model: the oracle's content model against a flat reference
 * buffer, under seeded random writes (some of zeroes) and truncates. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_model.h"
#include "wl_pattern.h"

#define SPAN (64u * WL_BLOCK)

static void
check_same (const struct wl_mfile *f, const uint8_t *ref, uint64_t size)
{
  uint8_t blk[WL_BLOCK];

  assert (f->f_size == size);
  assert (wl_model_nblocks (f) == (size + WL_BLOCK - 1) / WL_BLOCK);
  for (uint64_t b = 0; b < wl_model_nblocks (f) + 2; b++) {
    size_t valid = wl_model_block (f, b, blk);
    uint64_t start = b * WL_BLOCK;
    size_t want = start >= size ? 0 : size - start < WL_BLOCK
                  ? (size_t) (size - start) : WL_BLOCK;
    assert (valid == want);
    assert (memcmp (blk, ref + start, valid) == 0);
    bool zero = true;
    for (size_t i = 0; i < WL_BLOCK; i++)
      zero = zero && blk[i] == 0;
    assert (wl_model_block_is_zero (f, b) == zero);
  }
  /* No stored block beyond the end, none all-zero. */
  for (size_t i = 0; i < f->f_n; i++)
    assert (f->f_blocks[i].b_index < wl_model_nblocks (f));
}

static void
test_random_ops_match_reference (unsigned seed)
{
  static uint8_t ref[SPAN + 2 * WL_BLOCK], buf[SPAN];
  struct wl_model m = { 0 };
  struct wl_mfile *f;
  uint64_t size = 0;

  printf ("test_random_ops_match_reference: seed %u\n", seed);
  srand (seed);
  memset (ref, 0, sizeof ref);
  assert (wl_model_get (&m, 12, 1, &f) == 0);
  for (int i = 0; i < 3000; i++) {
    if (rand () % 5 == 0) {
      uint64_t ns = (uint64_t) rand () % SPAN;
      if (ns < size)
        memset (ref + ns, 0, size - ns);
      size = ns;
      assert (wl_model_truncate (f, ns) == 0);
    } else {
      uint64_t off = (uint64_t) rand () % (SPAN / 2);
      size_t len = (size_t) rand () % (SPAN / 2);
      enum wl_pattern p = rand () % 3 ? WL_PAT_XORSHIFT : WL_PAT_ZERO;
      wl_pattern_fill (p, (uint64_t) i, off, buf, len);
      memcpy (ref + off, buf, len);
      if (off + len > size)
        size = off + len;
      assert (wl_model_write (f, off, buf, len) == 0);
    }
    check_same (f, ref, size);
  }
  wl_model_free (&m);
}

static void
test_identity_keys (void)
{
  struct wl_model m = { 0 };
  struct wl_mfile *a, *b;
  uint8_t x = 1;

  assert (wl_model_get (&m, 5, 1, &a) == 0);
  assert (wl_model_write (a, 0, &x, 1) == 0);
  assert (wl_model_get (&m, 5, 2, &b) == 0);    /* same ino, new generation */
  assert (b->f_size == 0);
  assert (wl_model_find (&m, 5, 1)->f_size == 1);
  assert (wl_model_find (&m, 6, 1) == NULL);
  wl_model_free (&m);
}

int
main (void)
{
  test_random_ops_match_reference (1234);
  test_identity_keys ();
  printf ("test_wl_model: ok\n");
  return 0;
}
