/* bdev_pagemap: sparse page map for the memory and overlay devices.
 * See bdev_pagemap.h for the layout and its invariants.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bdev_pagemap.h"

#define PM_MIN_CAP 16u

/* Fibonacci hashing: the high bits of index * 2^64/phi spread sequential
 * page indexes (the common case) evenly over the table. */
static size_t
pm_home (const struct bdev_pagemap *pm, uint64_t key)
{
  return (size_t) ((key * UINT64_C (0x9e3779b97f4a7c15)) >> 32) &
         (pm->pm_cap - 1);
}

void
bdev_pagemap_init (struct bdev_pagemap *pm)
{
  memset (pm, 0, sizeof *pm);
}

void
bdev_pagemap_clear (struct bdev_pagemap *pm)
{
  size_t i;

  for (i = 0; i < pm->pm_cap && pm->pm_count > 0; i++) {
    if (pm->pm_keys[i] != 0) {
      free (pm->pm_pages[i]);
      pm->pm_count--;
    }
  }
  assert (pm->pm_count == 0);
  free (pm->pm_keys);
  free (pm->pm_pages);
  bdev_pagemap_init (pm);
}

/* Slot holding key, or the empty slot where it would go. */
static size_t
pm_find (const struct bdev_pagemap *pm, uint64_t key)
{
  size_t i = pm_home (pm, key);

  while (pm->pm_keys[i] != 0 && pm->pm_keys[i] != key)
    i = (i + 1) & (pm->pm_cap - 1);
  return i;
}

uint8_t *
bdev_pagemap_get (const struct bdev_pagemap *pm, uint64_t index)
{
  size_t i;

  if (pm->pm_count == 0)
    return NULL;
  i = pm_find (pm, index + 1);
  return pm->pm_keys[i] != 0 ? pm->pm_pages[i] : NULL;
}

static int
pm_grow (struct bdev_pagemap *pm)
{
  struct bdev_pagemap n;
  size_t i, j;

  n.pm_cap = pm->pm_cap ? pm->pm_cap * 2 : PM_MIN_CAP;
  n.pm_count = pm->pm_count;
  n.pm_keys = calloc (n.pm_cap, sizeof *n.pm_keys);
  n.pm_pages = malloc (n.pm_cap * sizeof *n.pm_pages);
  if (n.pm_keys == NULL || n.pm_pages == NULL) {
    free (n.pm_keys);
    free (n.pm_pages);
    return -ENOMEM;
  }
  for (i = 0; i < pm->pm_cap; i++) {
    if (pm->pm_keys[i] == 0)
      continue;
    j = pm_find (&n, pm->pm_keys[i]);
    n.pm_keys[j] = pm->pm_keys[i];
    n.pm_pages[j] = pm->pm_pages[i];
  }
  free (pm->pm_keys);
  free (pm->pm_pages);
  *pm = n;
  return 0;
}

int
bdev_pagemap_insert (struct bdev_pagemap *pm, uint64_t index, uint8_t *page)
{
  size_t i;
  int ret;

  assert (page != NULL);
  if ((pm->pm_count + 1) * 4 > pm->pm_cap * 3) {
    ret = pm_grow (pm);
    if (ret < 0)
      return ret;
  }
  i = pm_find (pm, index + 1);
  assert (pm->pm_keys[i] == 0);       /* precondition: index absent */
  pm->pm_keys[i] = index + 1;
  pm->pm_pages[i] = page;
  pm->pm_count++;
  return 0;
}

/* Free the page in slot hole and close the gap: walk the cluster after it
 * and move back every entry whose home is not cyclically in (hole, j]. */
static void
pm_remove_slot (struct bdev_pagemap *pm, size_t hole)
{
  size_t mask = pm->pm_cap - 1, j = hole, home;

  free (pm->pm_pages[hole]);
  pm->pm_keys[hole] = 0;
  pm->pm_count--;
  for (;;) {
    j = (j + 1) & mask;
    if (pm->pm_keys[j] == 0)
      break;
    home = pm_home (pm, pm->pm_keys[j]);
    /* Entry j may stay if its home lies in (hole, j] (cyclically). */
    if (((j - home) & mask) < ((j - hole) & mask))
      continue;
    pm->pm_keys[hole] = pm->pm_keys[j];
    pm->pm_pages[hole] = pm->pm_pages[j];
    pm->pm_keys[j] = 0;
    hole = j;
  }
}

void
bdev_pagemap_remove (struct bdev_pagemap *pm, uint64_t index)
{
  size_t i;

  if (pm->pm_count == 0)
    return;
  i = pm_find (pm, index + 1);
  if (pm->pm_keys[i] != 0)
    pm_remove_slot (pm, i);
}

void
bdev_pagemap_walk (const struct bdev_pagemap *pm, uint64_t first,
                   uint64_t last,
                   void (*fn) (void *ctx, uint64_t index, uint8_t *page),
                   void *ctx)
{
  size_t i;
  uint64_t idx;
  uint8_t *p;

  if (pm->pm_count == 0 || first >= last)
    return;
  if (last - first <= pm->pm_cap) {
    for (idx = first; idx < last; idx++) {
      p = bdev_pagemap_get (pm, idx);
      if (p != NULL)
        fn (ctx, idx, p);
    }
    return;
  }
  for (i = 0; i < pm->pm_cap; i++) {
    idx = pm->pm_keys[i] - 1;
    if (pm->pm_keys[i] != 0 && idx >= first && idx < last)
      fn (ctx, idx, pm->pm_pages[i]);
  }
}

void
bdev_pagemap_remove_range (struct bdev_pagemap *pm, uint64_t first,
                           uint64_t last)
{
  size_t i;
  uint64_t idx;

  if (pm->pm_count == 0 || first >= last)
    return;
  if (last - first <= pm->pm_cap) {
    for (idx = first; idx < last; idx++)
      bdev_pagemap_remove (pm, idx);
    return;
  }
  /* Scan the slots.  Removing slot i may pull a later entry back into i
   * (re-examined, since i does not advance) or, at the wrap, move an entry
   * from an already scanned low slot to a higher one (examined again,
   * harmlessly); an unscanned entry never moves behind the scan. */
  i = 0;
  while (i < pm->pm_cap && pm->pm_count > 0) {
    idx = pm->pm_keys[i] - 1;
    if (pm->pm_keys[i] != 0 && idx >= first && idx < last)
      pm_remove_slot (pm, i);
    else
      i++;
  }
}
