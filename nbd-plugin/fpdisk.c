/* fpdisk: the sparse in-memory disk behind the flushpoint plugin.
 *
 * Layout: page p (FPDISK_PAGE bytes at p * FPDISK_PAGE) lives at
 * d_l1[p / FPDISK_L2_PAGES][p % FPDISK_L2_PAGES].  A NULL level-2 table or
 * a NULL page slot reads as zeroes.  Level 1 is one calloc'd array sized
 * for the device (8 bytes per 2 MiB of disk, untouched slots cost nothing
 * because the kernel maps calloc'd memory lazily).
 *
 * Why reserve/write: the plugin appends a request's log entry before it
 * applies the request, so that a request whose entry could not be written
 * leaves no trace on the disk.  Everything that can fail (allocation) is
 * done first by fpdisk_reserve(), which only adds level-2 tables and spare
 * pages: neither changes what a read returns.  fpdisk_write() then takes
 * pages from the spare list and cannot fail.  A page taken for a full-page
 * write is not cleared first (the write covers all of it); a partly written
 * fresh page has only its unwritten parts cleared.
 *
 * Pages freed by trim/zero go back to the spare list (up to FPDISK_SPARE_MAX)
 * so that a trim/write cycle does not churn malloc.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fpdisk.h"

#define FPDISK_SPARE_MAX 1024u

static inline uint64_t
min_u64 (uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

static inline uint8_t **
l2_table (const struct fpdisk *d, uint64_t pg)
{
  return d->d_l1[pg / FPDISK_L2_PAGES];
}

static void
spare_push (struct fpdisk *d, uint8_t *p)
{
  if (d->d_nspare >= FPDISK_SPARE_MAX) {
    free (p);
    return;
  }
  *(void **) p = d->d_spare;
  d->d_spare = p;
  d->d_nspare++;
}

static uint8_t *
spare_pop (struct fpdisk *d)
{
  uint8_t *p = d->d_spare;

  assert (p && d->d_nspare > 0);
  d->d_spare = *(void **) p;
  d->d_nspare--;
  return p;
}

int
fpdisk_init (struct fpdisk *d, uint64_t size)
{
  uint64_t npages = (size + FPDISK_PAGE - 1) / FPDISK_PAGE;

  assert (size > 0 && size <= FPDISK_MAX_SIZE);
  memset (d, 0, sizeof *d);
  d->d_size = size;
  d->d_nl1 = (npages + FPDISK_L2_PAGES - 1) / FPDISK_L2_PAGES;
  d->d_l1 = calloc (d->d_nl1, sizeof *d->d_l1);
  return d->d_l1 ? 0 : -ENOMEM;
}

void
fpdisk_free (struct fpdisk *d)
{
  size_t i, j;

  for (i = 0; d->d_l1 && i < d->d_nl1; i++) {
    if (!d->d_l1[i])
      continue;
    for (j = 0; j < FPDISK_L2_PAGES; j++)
      free (d->d_l1[i][j]);
    free (d->d_l1[i]);
  }
  free (d->d_l1);
  while (d->d_spare)
    free (spare_pop (d));
  memset (d, 0, sizeof *d);
}

void
fpdisk_read (const struct fpdisk *d, void *buf, uint32_t count,
             uint64_t offset)
{
  uint8_t *out = buf;

  assert (offset + count <= d->d_size);
  while (count > 0) {
    uint64_t pg = offset / FPDISK_PAGE;
    uint32_t in = offset % FPDISK_PAGE;
    uint32_t n = min_u64 (FPDISK_PAGE - in, count);
    uint8_t **l2 = l2_table (d, pg);
    uint8_t *p = l2 ? l2[pg % FPDISK_L2_PAGES] : NULL;

    if (p)
      memcpy (out, p + in, n);
    else
      memset (out, 0, n);
    out += n;
    offset += n;
    count -= n;
  }
}

int
fpdisk_reserve (struct fpdisk *d, uint32_t count, uint64_t offset)
{
  uint64_t pg, last, need = 0;

  assert (offset + count <= d->d_size);
  if (count == 0)
    return 0;
  last = (offset + count - 1) / FPDISK_PAGE;
  for (pg = offset / FPDISK_PAGE; pg <= last; pg++) {
    uint8_t ***slot = &d->d_l1[pg / FPDISK_L2_PAGES];

    if (!*slot) {
      *slot = calloc (FPDISK_L2_PAGES, sizeof **slot);
      if (!*slot)
        return -ENOMEM;
    }
    if (!(*slot)[pg % FPDISK_L2_PAGES])
      need++;
  }
  while (d->d_nspare < need) {
    uint8_t *p = malloc (FPDISK_PAGE);

    if (!p)
      return -ENOMEM;
    /* Bypass the cap: these pages are about to be used. */
    *(void **) p = d->d_spare;
    d->d_spare = p;
    d->d_nspare++;
  }
  return 0;
}

void
fpdisk_write (struct fpdisk *d, const void *buf, uint32_t count,
              uint64_t offset)
{
  const uint8_t *src = buf;

  assert (offset + count <= d->d_size);
  while (count > 0) {
    uint64_t pg = offset / FPDISK_PAGE;
    uint32_t in = offset % FPDISK_PAGE;
    uint32_t n = min_u64 (FPDISK_PAGE - in, count);
    uint8_t **l2 = l2_table (d, pg);
    uint8_t **slot;

    assert (l2);                /* precondition: fpdisk_reserve() ran */
    slot = &l2[pg % FPDISK_L2_PAGES];
    if (!*slot) {
      uint8_t *p = spare_pop (d);

      /* A fresh page: clear only what this write does not cover. */
      if (in > 0)
        memset (p, 0, in);
      if (in + n < FPDISK_PAGE)
        memset (p + in + n, 0, FPDISK_PAGE - in - n);
      *slot = p;
      d->d_pages++;
    }
    memcpy (*slot + in, src, n);
    src += n;
    offset += n;
    count -= n;
  }
}

void
fpdisk_zero (struct fpdisk *d, uint64_t count, uint64_t offset)
{
  assert (offset + count <= d->d_size);
  while (count > 0) {
    uint64_t pg = offset / FPDISK_PAGE;
    uint32_t in = offset % FPDISK_PAGE;
    uint64_t n = min_u64 (FPDISK_PAGE - in, count);
    uint8_t **l2 = l2_table (d, pg);

    if (!l2) {
      /* Nothing allocated in this 2 MiB: skip to the next table. */
      uint64_t end = (pg / FPDISK_L2_PAGES + 1) * FPDISK_L2_PAGES
                     * (uint64_t) FPDISK_PAGE;
      n = min_u64 (end - offset, count);
    }
    else if (l2[pg % FPDISK_L2_PAGES]) {
      uint8_t **slot = &l2[pg % FPDISK_L2_PAGES];

      if (n == FPDISK_PAGE) {
        spare_push (d, *slot);
        *slot = NULL;
        d->d_pages--;
      }
      else
        memset (*slot + in, 0, n);
    }
    offset += n;
    count -= n;
  }
}
