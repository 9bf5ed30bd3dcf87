/* bdev_mem: a sparse block device in memory.
 *
 * Layout: a bdev_pagemap of 4 KiB pages, allocated on first write.  A page
 * that is absent reads as zeroes, so a 64 GiB device that was never
 * written costs nothing, and memory tracks what was written, not the size.
 *
 * Invariants:
 *   - a page is present only if some byte of it was written non-zero since
 *     it was last freed; a full-page write of zeroes and a trim covering a
 *     whole page free it (a partial trim zeroes bytes in place);
 *   - requests arrive checked by bdev.c: sector-aligned, inside the device.
 *
 * The device has no volatile cache: a write is durable when it returns,
 * flush is a no-op and FUA changes nothing.  Crash behaviour is modelled by
 * the checker from the write log, never here.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdev_pagemap.h"
#include "fpfs.h"

struct mem_dev {
  struct bdev_pagemap md_pages;
};

static bool
mem_is_zero (const uint8_t *p, size_t len)
{
  /* p[0] == 0 and every byte equals the one before it. */
  return len == 0 || (p[0] == 0 && memcmp (p, p + 1, len - 1) == 0);
}

static int
mem_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct mem_dev *md = bd->priv;
  uint8_t *out = buf;

  while (len > 0) {
    uint64_t index = off >> BDEV_PAGE_SHIFT;
    size_t in_page = off & (BDEV_PAGE - 1);
    size_t n = BDEV_PAGE - in_page < len ? BDEV_PAGE - in_page : len;
    const uint8_t *page = bdev_pagemap_get (&md->md_pages, index);

    if (page != NULL)
      memcpy (out, page + in_page, n);
    else
      memset (out, 0, n);
    out += n;
    off += n;
    len -= n;
  }
  return 0;
}

static int
mem_write (struct fpfs_bdev *bd, const void *buf, uint64_t off, size_t len,
           unsigned flags)
{
  struct mem_dev *md = bd->priv;
  const uint8_t *in = buf;
  int ret;

  assert (!(flags & ~(unsigned) FPFS_BDEV_FUA));
  /* FUA needs nothing: this device has no volatile cache. */
  (void) flags;
  while (len > 0) {
    uint64_t index = off >> BDEV_PAGE_SHIFT;
    size_t in_page = off & (BDEV_PAGE - 1);
    size_t n = BDEV_PAGE - in_page < len ? BDEV_PAGE - in_page : len;
    uint8_t *page = bdev_pagemap_get (&md->md_pages, index);

    if (page == NULL && mem_is_zero (in, n))
      ;                                 /* zeroes over zeroes */
    else if (page != NULL && n == BDEV_PAGE && mem_is_zero (in, n))
      bdev_pagemap_remove (&md->md_pages, index);
    else {
      if (page == NULL) {
        page = calloc (1, BDEV_PAGE);
        if (page == NULL)
          return -ENOMEM;
        ret = bdev_pagemap_insert (&md->md_pages, index, page);
        if (ret < 0) {
          free (page);
          return ret;
        }
      }
      memcpy (page + in_page, in, n);
    }
    in += n;
    off += n;
    len -= n;
  }
  return 0;
}

static int
mem_flush (struct fpfs_bdev *bd)
{
  /* Nothing to order: every completed write is already durable. */
  (void) bd;
  return 0;
}

static int
mem_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct mem_dev *md = bd->priv;
  uint64_t end = off + len;
  uint64_t first_full = (off + BDEV_PAGE - 1) >> BDEV_PAGE_SHIFT;
  uint64_t last_full = end >> BDEV_PAGE_SHIFT;     /* exclusive */
  uint8_t *page;

  /* Whole pages inside the range are freed. */
  if (first_full < last_full)
    bdev_pagemap_remove_range (&md->md_pages, first_full, last_full);
  /* The partial head and tail pages, if any, are zeroed in place. */
  if (off & (BDEV_PAGE - 1)) {
    uint64_t index = off >> BDEV_PAGE_SHIFT;
    uint64_t pend = (index + 1) << BDEV_PAGE_SHIFT;
    page = bdev_pagemap_get (&md->md_pages, index);
    if (page != NULL)
      memset (page + (off & (BDEV_PAGE - 1)), 0,
              (end < pend ? end : pend) - off);
  }
  if ((end & (BDEV_PAGE - 1)) && (end >> BDEV_PAGE_SHIFT) >= first_full) {
    uint64_t index = end >> BDEV_PAGE_SHIFT;
    page = bdev_pagemap_get (&md->md_pages, index);
    if (page != NULL)
      memset (page, 0, end & (BDEV_PAGE - 1));
  }
  return 0;
}

static void
mem_close (struct fpfs_bdev *bd)
{
  struct mem_dev *md = bd->priv;

  bdev_pagemap_clear (&md->md_pages);
  free (md);
}

static const struct fpfs_bdev_ops mem_ops = {
  .name = "mem",
  .read = mem_read,
  .write = mem_write,
  .flush = mem_flush,
  .trim = mem_trim,
  .close = mem_close,
};

int
fpfs_bdev_mem_open (uint64_t size, uint32_t sector_size,
                    struct fpfs_bdev **out)
{
  struct fpfs_bdev *bd = NULL;
  struct mem_dev *md = NULL;
  int ret = 0;

  *out = NULL;
  if (sector_size < 512 || sector_size > BDEV_PAGE ||
      (sector_size & (sector_size - 1)) != 0 || size % sector_size != 0) {
    ret = -EINVAL;
    goto out;
  }
  bd = calloc (1, sizeof *bd);
  md = calloc (1, sizeof *md);
  if (bd == NULL || md == NULL) {
    ret = -ENOMEM;
    goto out;
  }
  bdev_pagemap_init (&md->md_pages);
  bd->ops = &mem_ops;
  bd->priv = md;
  bd->size = size;
  bd->sector_size = sector_size;
  snprintf (bd->desc, sizeof bd->desc, "mem:%llu", (unsigned long long) size);
  *out = bd;
  bd = NULL;
  md = NULL;
 out:
  free (md);
  free (bd);
  return ret;
}

/* Pages held by a mem device (for tests: memory tracks what was written). */
uint64_t
fpfs_bdev_mem_pages (const struct fpfs_bdev *bd)
{
  const struct mem_dev *md = bd->priv;

  assert (bd->ops == &mem_ops);
  return md->md_pages.pm_count;
}
