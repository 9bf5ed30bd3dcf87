/* bdev_pagemap: a sparse map from 4 KiB page index to a page of bytes.
 *
 * Private to the memory and overlay block devices (bdev_mem.c,
 * bdev_overlay.c).  An open-addressing hash table with linear probing and
 * backward-shift deletion, so there are no tombstones and a lookup never
 * scans more than a cluster.
 *
 * Invariants:
 *   - pm_cap is 0 (no table allocated) or a power of two >= 16;
 *   - pm_count <= pm_cap * 3 / 4;
 *   - a slot is empty when its key is 0; a full slot holds page index + 1
 *     and owns its page (malloc'd, BDEV_PAGE bytes).
 * Memory is therefore O(pages held): the table is at most ~2.7 slots per
 * page (after growth) plus the pages themselves, and bdev_pagemap_clear
 * returns it to nothing in time O(slots), not O(device size).
 */
#ifndef FP_BDEV_PAGEMAP_H
#define FP_BDEV_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

#define BDEV_PAGE_SHIFT 12
#define BDEV_PAGE       (1u << BDEV_PAGE_SHIFT)

struct bdev_pagemap {
  uint64_t *pm_keys;          /* page index + 1, or 0 for an empty slot */
  uint8_t **pm_pages;
  size_t pm_cap;              /* slots, 0 or a power of two */
  size_t pm_count;            /* full slots */
};

/* An empty map; allocates nothing. */
void bdev_pagemap_init (struct bdev_pagemap *pm);
/* Free every page and the table; the map is empty (and usable) after. */
void bdev_pagemap_clear (struct bdev_pagemap *pm);
/* The page at index, or NULL. */
uint8_t *bdev_pagemap_get (const struct bdev_pagemap *pm, uint64_t index);
/* Insert page (malloc'd, BDEV_PAGE bytes) at index, which must be absent.
 * The map owns page on success only.  -ENOMEM if the table cannot grow. */
int bdev_pagemap_insert (struct bdev_pagemap *pm, uint64_t index,
                         uint8_t *page);
/* Free the page at index, if any. */
void bdev_pagemap_remove (struct bdev_pagemap *pm, uint64_t index);
/* Call fn for every page with first <= index < last, in no particular
 * order.  fn may not change the map: collect, then change. */
void bdev_pagemap_walk (const struct bdev_pagemap *pm, uint64_t first,
                        uint64_t last,
                        void (*fn) (void *ctx, uint64_t index, uint8_t *page),
                        void *ctx);
/* Remove (and free) every page with first <= index < last.  Costs
 * O(min(last - first, slots)). */
void bdev_pagemap_remove_range (struct bdev_pagemap *pm, uint64_t first,
                               uint64_t last);

/* Test and benchmark hooks: pages held by a mem device / an overlay's upper
 * layer (memory tracks what was written), and the overlay's zero ranges. */
struct fpfs_bdev;
uint64_t fpfs_bdev_mem_pages (const struct fpfs_bdev *bd);
uint64_t fpfs_bdev_overlay_pages (const struct fpfs_bdev *bd);
uint64_t fpfs_bdev_overlay_zero_ranges (const struct fpfs_bdev *bd);

#endif /* FP_BDEV_PAGEMAP_H */
