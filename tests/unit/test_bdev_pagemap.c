/* test_bdev_pagemap: the page map behind the mem and overlay devices.
 *
 * Random inserts, removes, range removes (both the per-index and the
 * slot-scan path) and walks against a reference table; every page carries
 * its own index so a page found under the wrong index is caught.  The seed
 * is printed; FP_SEED overrides it.
 */
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bdev_pagemap.h"

#define KEYS 3000u

static uint64_t rng_state;

static uint64_t
rnd (void)
{
  uint64_t z = (rng_state += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Increasing in k: the first half dense (short ranges take the
 * per-index path), the rest spread over a huge index space (ranges take
 * the slot-scan path). */
static uint64_t
key_of (unsigned k)
{
  if (k < KEYS / 2)
    return k;
  return KEYS / 2 + (uint64_t) (k - KEYS / 2) * UINT64_C (1000003) + (k % 7);
}

static uint8_t *
new_page (uint64_t index)
{
  uint8_t *p = malloc (BDEV_PAGE);

  assert (p != NULL);
  memcpy (p, &index, sizeof index);
  return p;
}

struct walk_ctx {
  const uint8_t *present;
  unsigned seen;
  uint64_t first, last;
};

static void
walk_fn (void *ctx, uint64_t index, uint8_t *page)
{
  struct walk_ctx *w = ctx;
  uint64_t stored;

  memcpy (&stored, page, sizeof stored);
  assert (stored == index);
  assert (index >= w->first && index < w->last);
  w->seen++;
}

static void
check_all (const struct bdev_pagemap *pm, const uint8_t *present,
           uint64_t seed, int op)
{
  size_t n = 0;

  for (unsigned k = 0; k < KEYS; k++) {
    uint8_t *p = bdev_pagemap_get (pm, key_of (k));
    uint64_t stored;
    if ((p != NULL) != present[k]) {
      fprintf (stderr, "test_bdev_pagemap: key %u: seed %" PRIu64
               " op %d\n", k, seed, op);
      assert (0);
    }
    if (p) {
      memcpy (&stored, p, sizeof stored);
      assert (stored == key_of (k));
      n++;
    }
  }
  assert (n == pm->pm_count);
  assert (pm->pm_count * 4 <= pm->pm_cap * 3);
}

static void
test_random_ops_match_reference (uint64_t seed)
{
  struct bdev_pagemap pm;
  uint8_t present[KEYS] = { 0 };

  rng_state = seed;
  bdev_pagemap_init (&pm);
  for (int op = 0; op < 20000; op++) {
    unsigned k = rnd () % KEYS, kind = rnd () % 100;

    if (kind < 50) {
      if (!present[k]) {
        assert (bdev_pagemap_insert (&pm, key_of (k), new_page (key_of (k)))
                == 0);
        present[k] = 1;
      }
    }
    else if (kind < 80) {
      bdev_pagemap_remove (&pm, key_of (k));
      present[k] = 0;
    }
    else if (kind < 90) {
      /* Range remove; wide ranges take the slot-scan path. */
      unsigned k2 = k + (unsigned) (rnd () % (kind < 85 ? 4 : 600));
      uint64_t first = key_of (k), last = k2 < KEYS ? key_of (k2) : UINT64_MAX;
      bdev_pagemap_remove_range (&pm, first, last);
      for (unsigned j = k; j < k2 && j < KEYS; j++)
        present[j] = 0;
    }
    else if (kind < 95) {
      unsigned k2 = k + (unsigned) (rnd () % 300), expect = 0;
      struct walk_ctx w = { present, 0, key_of (k),
                            k2 < KEYS ? key_of (k2) : UINT64_MAX };
      bdev_pagemap_walk (&pm, w.first, w.last, walk_fn, &w);
      for (unsigned j = k; j < k2 && j < KEYS; j++)
        expect += present[j];
      assert (w.seen == expect);
    }
    else if (kind == 99 && rnd () % 20 == 0) {
      bdev_pagemap_clear (&pm);
      memset (present, 0, sizeof present);
      assert (pm.pm_cap == 0 && pm.pm_count == 0);
    }
    if (op % 500 == 0)
      check_all (&pm, present, seed, op);
  }
  check_all (&pm, present, seed, -1);
  bdev_pagemap_clear (&pm);
}

static void
test_empty_map_allocates_nothing (void)
{
  struct bdev_pagemap pm;

  bdev_pagemap_init (&pm);
  assert (bdev_pagemap_get (&pm, 5) == NULL);
  bdev_pagemap_remove (&pm, 5);
  bdev_pagemap_remove_range (&pm, 0, UINT64_MAX);
  assert (pm.pm_cap == 0 && pm.pm_keys == NULL);
  bdev_pagemap_clear (&pm);
}

int
main (void)
{
  uint64_t seed = (uint64_t) time (NULL);
  const char *env = getenv ("FP_SEED");

  if (env)
    seed = strtoull (env, NULL, 0);
  printf ("test_bdev_pagemap: seed %" PRIu64 "\n", seed);
  test_empty_map_allocates_nothing ();
  test_random_ops_match_reference (seed);
  test_random_ops_match_reference (seed + 1);
  printf ("test_bdev_pagemap: ok\n");
  return 0;
}
