/* fpdisk: the sparse disk behind the flushpoint plugin (see fpdisk.h).
 *
 * Layout: page p (FPDISK_PAGE bytes at p * FPDISK_PAGE) has the slot
 * d_l1[p / FPDISK_L2_PAGES][p % FPDISK_L2_PAGES].  A NULL level-2 table
 * means 512 absent pages.  Level 1 is one calloc'd array sized for the
 * device (8 bytes per 2 MiB of disk; the kernel maps untouched calloc'd
 * memory lazily).  A slot is:
 *   0                    absent: the page reads as zeroes;
 *   an even value        a pointer to the page in memory (malloc'd);
 *   (off << 1) | 1       the page's bytes are in the log file at byte off.
 *
 * Why references.  The log must hold every written byte anyway; keeping a
 * second copy in memory would double both the memory and the per-write
 * cost of fresh pages.  So a page wholly covered by a logged WRITE points
 * at the WRITE's payload in the log file and reads come back through the
 * page cache.  Only pages written in part (unaligned writes, partial zero)
 * and the base image live in memory.  The log is append-only and the
 * writer only ever truncates bytes past its last committed entry, so a
 * reference, once made, stays valid for the life of the plugin.
 *
 * Why prepare/write.  The plugin appends a request's log entry before it
 * applies the request, so that a request whose entry could not be written
 * leaves no trace.  Everything that can fail is done first, by
 * fpdisk_prepare(), and none of it changes what a read returns: level-2
 * tables, spare pages, zero-filled pages for absent pages the request will
 * fill in part, memory copies of referenced pages it will change in part.
 * Afterwards fpdisk_write() and fpdisk_zero() only move pointers, copy and
 * clear, and cannot fail.
 *
 * Freed memory pages go to a spare list (up to FPDISK_SPARE_MAX) so that a
 * trim/write cycle does not churn malloc.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpdisk.h"

#define FPDISK_SPARE_MAX 1024u

static inline uint64_t
min_u64 (uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

static inline bool
slot_is_ref (uintptr_t s)
{
  return s & 1;
}

static inline uint64_t
slot_ref (uintptr_t s)
{
  return s >> 1;
}

static inline uintptr_t
slot_make_ref (uint64_t log_off)
{
  return (uintptr_t) (log_off << 1) | 1;
}

static inline uint8_t *
slot_mem (uintptr_t s)
{
  return s && !slot_is_ref (s) ? (uint8_t *) s : NULL;
}

static inline uintptr_t *
slot_of (const struct fpdisk *d, uint64_t pg)
{
  uintptr_t *l2 = d->d_l1[pg / FPDISK_L2_PAGES];

  return l2 ? &l2[pg % FPDISK_L2_PAGES] : NULL;
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

/* A page from the spare list, else from malloc; contents undefined. */
static uint8_t *
page_get (struct fpdisk *d)
{
  uint8_t *p = d->d_spare;

  if (!p)
    return malloc (FPDISK_PAGE);
  d->d_spare = *(void **) p;
  d->d_nspare--;
  return p;
}

static void
slot_release (struct fpdisk *d, uintptr_t *slot)
{
  uint8_t *p = slot_mem (*slot);

  if (p)
    spare_push (d, p);
  *slot = 0;
}

/* pread all of count bytes, or -EIO/-errno: a reference the log cannot
 * satisfy means the log file was damaged behind our back. */
static int
log_read (const struct fpdisk *d, void *buf, size_t count, uint64_t off)
{
  uint8_t *p = buf;

  assert (d->d_log_fd >= 0);
  while (count > 0) {
    ssize_t r = pread (d->d_log_fd, p, count, (off_t) off);

    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1)
      return -errno;
    if (r == 0)
      return -EIO;
    p += r;
    off += r;
    count -= r;
  }
  return 0;
}

int
fpdisk_init (struct fpdisk *d, uint64_t size)
{
  uint64_t npages = (size + FPDISK_PAGE - 1) / FPDISK_PAGE;

  assert (size > 0 && size <= FPDISK_MAX_SIZE);
  memset (d, 0, sizeof *d);
  d->d_size = size;
  d->d_log_fd = -1;
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
      free (slot_mem (d->d_l1[i][j]));
    free (d->d_l1[i]);
  }
  free (d->d_l1);
  while (d->d_spare) {
    void *p = d->d_spare;

    d->d_spare = *(void **) p;
    free (p);
  }
  memset (d, 0, sizeof *d);
  d->d_log_fd = -1;
}

int
fpdisk_read (const struct fpdisk *d, void *buf, uint32_t count,
             uint64_t offset)
{
  uint8_t *out = buf;

  assert (offset + count <= d->d_size);
  while (count > 0) {
    uint64_t pg = offset / FPDISK_PAGE;
    uint32_t in = offset % FPDISK_PAGE;
    uint32_t n = min_u64 (FPDISK_PAGE - in, count);
    uintptr_t *slot = slot_of (d, pg);
    uintptr_t s = slot ? *slot : 0;

    if (slot_is_ref (s)) {
      /* Gather the run of pages that are consecutive in the log too (one
       * large logged write) into a single pread. */
      uint64_t from = slot_ref (s) + in;
      uint32_t len = n;

      while (len < count) {
        uintptr_t *next = slot_of (d, (offset + len) / FPDISK_PAGE);

        if (!next || *next != slot_make_ref (from + len))
          break;
        len += min_u64 (FPDISK_PAGE, count - len);
      }
      if (log_read (d, out, len, from) < 0)
        return -EIO;
      n = len;
    }
    else if (s)
      memcpy (out, slot_mem (s) + in, n);
    else
      memset (out, 0, n);
    out += n;
    offset += n;
    count -= n;
  }
  return 0;
}

/* Make the page in *slot a memory page with the same contents. */
static int
materialise (struct fpdisk *d, uintptr_t *slot)
{
  uint8_t *p;
  int r;

  if (slot_mem (*slot))
    return 0;
  p = page_get (d);
  if (!p)
    return -ENOMEM;
  if (!*slot)
    memset (p, 0, FPDISK_PAGE);
  else if ((r = log_read (d, p, FPDISK_PAGE, slot_ref (*slot))) < 0) {
    spare_push (d, p);
    return r;
  }
  *slot = (uintptr_t) p;
  return 0;
}

int
fpdisk_prepare (struct fpdisk *d, enum fpdisk_prep what, uint64_t count,
                uint64_t offset)
{
  uint64_t pg, first, last, end = offset + count;
  size_t need = 0;
  int r;

  assert (end <= d->d_size);
  if (count == 0)
    return 0;
  first = offset / FPDISK_PAGE;
  last = (end - 1) / FPDISK_PAGE;
  for (pg = first; pg <= last; pg++) {
    uintptr_t **l2 = &d->d_l1[pg / FPDISK_L2_PAGES];
    bool partial = (pg == first && offset % FPDISK_PAGE) ||
                   (pg == last && end % FPDISK_PAGE);
    uintptr_t *slot;

    if (!*l2) {
      if (what == FPDISK_PREP_ZERO) {
        /* Nothing here to zero: skip to the next table. */
        pg = (pg / FPDISK_L2_PAGES + 1) * FPDISK_L2_PAGES - 1;
        continue;
      }
      *l2 = calloc (FPDISK_L2_PAGES, sizeof **l2);
      if (!*l2)
        return -ENOMEM;
    }
    slot = &(*l2)[pg % FPDISK_L2_PAGES];
    if (partial) {
      if (what != FPDISK_PREP_ZERO || slot_is_ref (*slot))
        if ((r = materialise (d, slot)) < 0)
          return r;
    }
    else if (what == FPDISK_PREP_WRITE_MEM && !slot_mem (*slot))
      need++;
  }
  /* Whole pages of an unlogged write need memory: keep it spare until
   * fpdisk_write, so that nothing uninitialised is ever visible. */
  while (d->d_nspare < need) {
    uint8_t *p = malloc (FPDISK_PAGE);

    if (!p)
      return -ENOMEM;
    *(void **) p = d->d_spare;
    d->d_spare = p;
    d->d_nspare++;
  }
  return 0;
}

void
fpdisk_write (struct fpdisk *d, const void *buf, uint32_t count,
              uint64_t offset, uint64_t log_offset)
{
  const uint8_t *src = buf;
  const uint64_t start = offset;

  assert (offset + count <= d->d_size);
  while (count > 0) {
    uint64_t pg = offset / FPDISK_PAGE;
    uint32_t in = offset % FPDISK_PAGE;
    uint32_t n = min_u64 (FPDISK_PAGE - in, count);
    uintptr_t *slot = slot_of (d, pg);

    assert (slot);                      /* precondition: prepared */
    if (n == FPDISK_PAGE && log_offset != FPDISK_NO_LOG) {
      slot_release (d, slot);
      *slot = slot_make_ref (log_offset + (offset - start));
    }
    else {
      if (!slot_mem (*slot)) {
        assert (n == FPDISK_PAGE && d->d_spare);  /* prepared as spare */
        *slot = (uintptr_t) page_get (d);
      }
      memcpy (slot_mem (*slot) + in, src, n);
    }
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
    uintptr_t *slot = slot_of (d, pg);

    if (!slot) {
      /* Nothing allocated in this table: skip to the next one. */
      uint64_t next = (pg / FPDISK_L2_PAGES + 1) * FPDISK_L2_PAGES
                      * (uint64_t) FPDISK_PAGE;
      n = min_u64 (next - offset, count);
    }
    else if (n == FPDISK_PAGE)
      slot_release (d, slot);
    else if (*slot) {
      assert (slot_mem (*slot));        /* precondition: prepared */
      memset (slot_mem (*slot) + in, 0, n);
    }
    offset += n;
    count -= n;
  }
}
