/* bdev_overlay: a copy-on-write overlay over any lower block device.
 *
 * The checker builds thousands of crash states over one base image and
 * recovers each on its own overlay, so open and reset must cost nothing
 * that grows with the device, and memory must track only what was written.
 *
 * Layout of the upper layer (all in memory):
 *   ov_pages  a bdev_pagemap of whole 4 KiB pages.  A page present here is
 *             the complete, current content of that page; a sub-page write
 *             to an absent page first reads the page through the overlay
 *             (lower, then zero ranges), then patches it.
 *   ov_zero   sorted, disjoint, non-touching byte ranges [start, end) that
 *             read as zeroes: what was trimmed (or written with a whole page
 *             of zeroes) here.  Sector-aligned.
 *
 * What a byte reads as, first match wins:
 *   1. its page is in ov_pages  -> that page's byte;
 *   2. it lies in an ov_zero range -> 0;
 *   3. otherwise                -> the lower device's byte.
 * A page in ov_pages shadows any zero range over it, so a zero range never
 * needs splitting when a page is written.
 *
 * The lower device is only ever read: never written, flushed nor trimmed.
 * The overlay does not own it, and it must outlive the overlay.  The upper
 * layer has no volatile cache: flush and FUA are no-ops here (the crash
 * model lives in the checker, which decides what reaches the overlay).
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdev_pagemap.h"
#include "fpfs.h"

struct ov_range {
  uint64_t start, end;          /* [start, end), bytes */
};

struct ov_dev {
  struct fpfs_bdev *ov_lower;
  struct bdev_pagemap ov_pages;
  struct ov_range *ov_zero;     /* sorted by start */
  size_t ov_nzero, ov_zcap;
};

/* Keep a small zero-range array across resets; free a large one. */
#define OV_ZCAP_KEEP 8u

static uint64_t
min_u64 (uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

/* ------------------------------------------------------------------ */
/* Zero ranges                                                          */
/* ------------------------------------------------------------------ */

/* Index of the first range whose end is > off (ov_nzero if none). */
static size_t
zr_first_after (const struct ov_dev *ov, uint64_t off)
{
  size_t lo = 0, hi = ov->ov_nzero;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ov->ov_zero[mid].end <= off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Add [start, end) to the zero ranges, merging with every range it
 * overlaps or touches.  -ENOMEM leaves the ranges unchanged. */
static int
zr_add (struct ov_dev *ov, uint64_t start, uint64_t end)
{
  size_t i, j;

  assert (start < end);
  /* First range that overlaps or touches [start, end). */
  i = zr_first_after (ov, start);
  if (i > 0 && ov->ov_zero[i - 1].end == start)
    i--;
  /* j: one past the last range that overlaps or touches. */
  for (j = i; j < ov->ov_nzero && ov->ov_zero[j].start <= end; j++)
    ;
  if (i == j) {                         /* no neighbour: insert at i */
    if (ov->ov_nzero == ov->ov_zcap) {
      size_t ncap = ov->ov_zcap ? ov->ov_zcap * 2 : 4;
      struct ov_range *n = realloc (ov->ov_zero, ncap * sizeof *n);
      if (n == NULL)
        return -ENOMEM;
      ov->ov_zero = n;
      ov->ov_zcap = ncap;
    }
    memmove (&ov->ov_zero[i + 1], &ov->ov_zero[i],
             (ov->ov_nzero - i) * sizeof *ov->ov_zero);
    ov->ov_zero[i].start = start;
    ov->ov_zero[i].end = end;
    ov->ov_nzero++;
    return 0;
  }
  /* Merge ranges i .. j-1 and [start, end) into range i. */
  if (ov->ov_zero[i].start < start)
    start = ov->ov_zero[i].start;
  if (ov->ov_zero[j - 1].end > end)
    end = ov->ov_zero[j - 1].end;
  ov->ov_zero[i].start = start;
  ov->ov_zero[i].end = end;
  memmove (&ov->ov_zero[i + 1], &ov->ov_zero[j],
           (ov->ov_nzero - j) * sizeof *ov->ov_zero);
  ov->ov_nzero -= j - i - 1;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Reading the layers below the page map                                */
/* ------------------------------------------------------------------ */

/* A run of bytes still to be read from lower, so that neighbouring pieces
 * become one lower request. */
struct ov_run {
  uint8_t *buf;
  uint64_t off;
  size_t len;
};

static int
run_flush (struct ov_dev *ov, struct ov_run *run)
{
  int ret = 0;

  if (run->len > 0)
    ret = fpfs_bdev_read (ov->ov_lower, run->buf, run->off, run->len);
  run->len = 0;
  return ret;
}

static int
run_add (struct ov_dev *ov, struct ov_run *run, uint8_t *buf, uint64_t off,
         size_t len)
{
  int ret = 0;

  if (run->len > 0 && run->off + run->len == off && run->buf + run->len == buf) {
    run->len += len;
    return 0;
  }
  ret = run_flush (ov, run);
  run->buf = buf;
  run->off = off;
  run->len = len;
  return ret;
}

/* Fill buf with [off, end) as layers 2 and 3 see it (zero ranges over
 * lower), queueing lower reads in run. */
static int
ov_read_below (struct ov_dev *ov, uint8_t *buf, uint64_t off, uint64_t end,
               struct ov_run *run)
{
  size_t i = zr_first_after (ov, off);
  int ret;

  while (off < end) {
    if (i < ov->ov_nzero && ov->ov_zero[i].start <= off) {
      uint64_t z = min_u64 (ov->ov_zero[i].end, end);
      memset (buf, 0, z - off);
      buf += z - off;
      off = z;
      i++;
      continue;
    }
    uint64_t l = end;
    if (i < ov->ov_nzero && ov->ov_zero[i].start < end)
      l = ov->ov_zero[i].start;
    ret = run_add (ov, run, buf, off, l - off);
    if (ret < 0)
      return ret;
    buf += l - off;
    off = l;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Ops                                                                  */
/* ------------------------------------------------------------------ */

static int
ov_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct ov_dev *ov = bd->priv;
  struct ov_run run = { NULL, 0, 0 };
  uint8_t *out = buf;
  uint64_t end = off + len;
  int ret = 0, err;

  while (off < end) {
    uint64_t index = off >> BDEV_PAGE_SHIFT;
    uint64_t pend = min_u64 ((index + 1) << BDEV_PAGE_SHIFT, end);
    const uint8_t *page = bdev_pagemap_get (&ov->ov_pages, index);

    if (page != NULL)
      memcpy (out, page + (off & (BDEV_PAGE - 1)), pend - off);
    else {
      ret = ov_read_below (ov, out, off, pend, &run);
      if (ret < 0)
        break;
    }
    out += pend - off;
    off = pend;
  }
  err = run_flush (ov, &run);
  if (!ret)
    ret = err;
  return ret;
}

static bool
is_zero (const uint8_t *p, size_t len)
{
  return len == 0 || (p[0] == 0 && memcmp (p, p + 1, len - 1) == 0);
}

/* Write [off, pend) of one page from in. */
static int
ov_write_page (struct fpfs_bdev *bd, uint64_t index, const uint8_t *in,
               uint64_t off, uint64_t pend)
{
  struct ov_dev *ov = bd->priv;
  uint64_t pstart = index << BDEV_PAGE_SHIFT;
  uint64_t plimit = min_u64 (pstart + BDEV_PAGE, bd->size);
  bool whole = off == pstart && pend == plimit;
  uint8_t *page = bdev_pagemap_get (&ov->ov_pages, index);
  struct ov_run run = { NULL, 0, 0 };
  int ret;

  if (page != NULL) {
    memcpy (page + (off - pstart), in, pend - off);
    return 0;
  }
  if (whole && is_zero (in, pend - off))
    /* A page of zeroes costs a zero range, not 4 KiB. */
    return zr_add (ov, pstart, plimit);
  page = malloc (BDEV_PAGE);
  if (page == NULL)
    return -ENOMEM;
  if (!whole) {
    /* Copy-on-write: the rest of the page comes from below. */
    ret = ov_read_below (ov, page, pstart, plimit, &run);
    if (ret == 0)
      ret = run_flush (ov, &run);
    if (ret < 0)
      goto err;
  }
  if (plimit < pstart + BDEV_PAGE)      /* the device's last, short page */
    memset (page + (plimit - pstart), 0, pstart + BDEV_PAGE - plimit);
  memcpy (page + (off - pstart), in, pend - off);
  ret = bdev_pagemap_insert (&ov->ov_pages, index, page);
  if (ret < 0)
    goto err;
  return 0;
 err:
  free (page);
  return ret;
}

static int
ov_write (struct fpfs_bdev *bd, const void *buf, uint64_t off, size_t len,
          unsigned flags)
{
  const uint8_t *in = buf;
  uint64_t end = off + len;
  int ret;

  assert (!(flags & ~(unsigned) FPFS_BDEV_FUA));
  /* FUA needs nothing: the upper layer has no volatile cache. */
  (void) flags;
  while (off < end) {
    uint64_t index = off >> BDEV_PAGE_SHIFT;
    uint64_t pend = min_u64 ((index + 1) << BDEV_PAGE_SHIFT, end);

    ret = ov_write_page (bd, index, in, off, pend);
    if (ret < 0)
      return ret;
    in += pend - off;
    off = pend;
  }
  return 0;
}

static int
ov_flush (struct fpfs_bdev *bd)
{
  /* Nothing to order: writes land in memory, and lower is never flushed
   * (it is shared by every overlay and must not change). */
  (void) bd;
  return 0;
}

static int
ov_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct ov_dev *ov = bd->priv;
  uint64_t end = off + len;
  uint64_t first = off >> BDEV_PAGE_SHIFT;
  uint64_t last = (end - 1) >> BDEV_PAGE_SHIFT;          /* inclusive */
  uint64_t full_first, full_last;                       /* [ ) */
  uint8_t *page;
  int ret;

  /* Record the zero range first: it is the only step that can fail. */
  ret = zr_add (ov, off, end);
  if (ret < 0)
    return ret;
  /* Pages wholly inside the range now read through to the zero range.
   * The device's last page counts as whole when the trim reaches the end
   * of the device. */
  full_first = (off & (BDEV_PAGE - 1)) ? first + 1 : first;
  full_last = ((end & (BDEV_PAGE - 1)) && end != bd->size) ? last : last + 1;
  if (full_first < full_last)
    bdev_pagemap_remove_range (&ov->ov_pages, full_first, full_last);
  /* Pages partly inside keep their other bytes: zero the trimmed part. */
  if (first < full_first && (page = bdev_pagemap_get (&ov->ov_pages, first)))
    memset (page + (off & (BDEV_PAGE - 1)), 0,
            min_u64 ((first + 1) << BDEV_PAGE_SHIFT, end) - off);
  if (last >= full_last && !(last == first && first < full_first) &&
      (page = bdev_pagemap_get (&ov->ov_pages, last)))
    memset (page, 0, end - (last << BDEV_PAGE_SHIFT));
  return 0;
}

static void
ov_drop (struct ov_dev *ov)
{
  bdev_pagemap_clear (&ov->ov_pages);
  ov->ov_nzero = 0;
  if (ov->ov_zcap > OV_ZCAP_KEEP) {
    free (ov->ov_zero);
    ov->ov_zero = NULL;
    ov->ov_zcap = 0;
  }
}

static void
ov_close (struct fpfs_bdev *bd)
{
  struct ov_dev *ov = bd->priv;

  ov_drop (ov);
  free (ov->ov_zero);
  free (ov);
}

static const struct fpfs_bdev_ops overlay_ops = {
  .name = "overlay",
  .read = ov_read,
  .write = ov_write,
  .flush = ov_flush,
  .trim = ov_trim,
  .close = ov_close,
};

int
fpfs_bdev_overlay_open (struct fpfs_bdev *lower, struct fpfs_bdev **out)
{
  struct fpfs_bdev *bd = NULL;
  struct ov_dev *ov = NULL;
  int ret = 0;

  *out = NULL;
  if (lower == NULL)
    return -EINVAL;
  /* Pages must hold whole sectors (bdev.c checks the same on every op). */
  if (lower->sector_size > BDEV_PAGE)
    return -EINVAL;
  bd = calloc (1, sizeof *bd);
  ov = calloc (1, sizeof *ov);
  if (bd == NULL || ov == NULL) {
    ret = -ENOMEM;
    goto out;
  }
  ov->ov_lower = lower;
  bdev_pagemap_init (&ov->ov_pages);
  bd->ops = &overlay_ops;
  bd->priv = ov;
  bd->size = lower->size;
  bd->sector_size = lower->sector_size;
  snprintf (bd->desc, sizeof bd->desc, "overlay:%.150s", lower->desc);
  *out = bd;
  bd = NULL;
  ov = NULL;
 out:
  free (ov);
  free (bd);
  return ret;
}

/* Back to the state right after open: every write and trim forgotten, stats
 * zeroed.  Costs O(pages written), never O(device size). */
void
fpfs_bdev_overlay_reset (struct fpfs_bdev *overlay)
{
  struct ov_dev *ov;

  assert (overlay != NULL && overlay->ops == &overlay_ops);
  ov = overlay->priv;
  ov_drop (ov);
  memset (&overlay->stats, 0, sizeof overlay->stats);
}

uint64_t
fpfs_bdev_overlay_pages (const struct fpfs_bdev *bd)
{
  const struct ov_dev *ov = bd->priv;

  assert (bd->ops == &overlay_ops);
  return ov->ov_pages.pm_count;
}

uint64_t
fpfs_bdev_overlay_zero_ranges (const struct fpfs_bdev *bd)
{
  const struct ov_dev *ov = bd->priv;

  assert (bd->ops == &overlay_ops);
  return ov->ov_nzero;
}
