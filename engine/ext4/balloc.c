/* balloc: the block bitmap, free counts, and freed-block quarantine.
 *
 * Two views of block usage, as ext4's bitmap buffers vs its buddy cache:
 *   - the on-disk bitmap blocks, changed only inside handles (journaled);
 *   - s_mb_bitmap in memory, which the allocator searches.  A bit is set
 *     when the block is in use, preallocated to an inode, or freed by a
 *     transaction that has not committed yet ("busy").
 * Freed blocks are cleared on disk at once but stay set in memory until
 * jbd reports the freeing transaction committed (ext4_mb_commit_callback,
 * ext4's ext4_free_data_callback).  Otherwise a crash could replay a
 * committed transaction whose data now lives in a block another file
 * already overwrote.  Without a journal there is nothing to wait for.
 *
 * Invariant: a bit clear in memory is clear on disk, and not busy.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext4.h"

struct busy_ext {
  tid_t tid;
  uint64_t blk;
  uint32_t len;
};

struct fs_busy {
  struct busy_ext *v;
  size_t n, cap, head;        /* live entries are v[head, n) */
};

static inline bool
mb_bit (const uint64_t *bm, uint64_t b)
{
  return (bm[b >> 6] >> (b & 63)) & 1;
}

static void
mb_set_range (uint64_t *bm, uint64_t b, uint64_t len, bool on)
{
  for (uint64_t i = b; i < b + len; i++) {
    if (on)
      bm[i >> 6] |= 1ull << (i & 63);
    else
      bm[i >> 6] &= ~(1ull << (i & 63));
  }
}

bool
ext4_blk_in_data (const struct fpfs *fs, uint64_t blk, uint64_t len)
{
  return blk >= fs->s_geo.first_data_block && len > 0
    && len <= fs->s_geo.blocks_count && blk <= fs->s_geo.blocks_count - len;
}

int
ext4_balloc_init (struct fpfs *fs, char *errbuf, size_t errlen)
{
  const struct fs_geometry *g = &fs->s_geo;
  uint64_t words = (g->blocks_count + 63) / 64;
  uint64_t used = 0;
  int ret = 0;

  fs->s_mb_bitmap = calloc (words ? words : 1, sizeof (uint64_t));
  fs->s_busy = calloc (1, sizeof *fs->s_busy);
  if (fs->s_mb_bitmap == NULL || fs->s_busy == NULL)
    return -ENOMEM;
  for (uint32_t i = 0; i < g->bbitmap_blocks; i++) {
    struct buf *b;
    uint64_t base = (uint64_t) i * FS_BITS_PER_BLOCK;
    uint64_t n = g->blocks_count - base;

    if (n > FS_BITS_PER_BLOCK)
      n = FS_BITS_PER_BLOCK;
    ret = buf_read (fs->s_bc, g->bbitmap_start + i, &b);
    if (ret < 0) {
      snprintf (errbuf, errlen, "block bitmap block %" PRIu64 ": read: %s",
                g->bbitmap_start + i, ret == -EIO ? "I/O error" : "failed");
      return ret;
    }
    for (uint64_t j = 0; j < n; j++)
      if (bm_test (b->b_data, (uint32_t) j)) {
        fs->s_mb_bitmap[(base + j) >> 6] |= 1ull << ((base + j) & 63);
        used++;
      }
    buf_put (b);
  }
  /* The metadata area must be marked in use, or the image is corrupt. */
  for (uint64_t blk = 0; blk < g->first_data_block; blk++)
    if (!mb_bit (fs->s_mb_bitmap, blk)) {
      snprintf (errbuf, errlen, "block bitmap: metadata block %" PRIu64
                " is marked free", blk);
      return -EUCLEAN;
    }
  fs->s_free_blocks = g->blocks_count - used;
  fs->s_resv_blocks = (g->blocks_count - g->first_data_block) / 50;
  if (fs->s_resv_blocks > 4096)
    fs->s_resv_blocks = 4096;
  fs->s_alloc_cursor = g->first_data_block;
  return 0;
}

void
ext4_balloc_destroy (struct fpfs *fs)
{
  free (fs->s_mb_bitmap);
  fs->s_mb_bitmap = NULL;
  if (fs->s_busy)
    free (fs->s_busy->v);
  free (fs->s_busy);
  fs->s_busy = NULL;
}

/* First clear bit in [b, end), or end. */
static uint64_t
mb_next_zero (const uint64_t *bm, uint64_t b, uint64_t end)
{
  while (b < end) {
    uint64_t w = ~bm[b >> 6] >> (b & 63);
    if (w) {
      b += (uint64_t) __builtin_ctzll (w);
      return b < end ? b : end;
    }
    b = (b | 63) + 1;
  }
  return end;
}

/* First set bit in [b, end), or end. */
static uint64_t
mb_next_one (const uint64_t *bm, uint64_t b, uint64_t end)
{
  while (b < end) {
    uint64_t w = bm[b >> 6] >> (b & 63);
    if (w) {
      b += (uint64_t) __builtin_ctzll (w);
      return b < end ? b : end;
    }
    b = (b | 63) + 1;
  }
  return end;
}

static uint64_t
mb_scan (const struct fpfs *fs, uint64_t from, uint64_t end, uint32_t maxlen,
         uint64_t *best, uint32_t *bestlen)
{
  uint64_t b = from;

  while (b < end) {
    uint64_t e, lim;
    b = mb_next_zero (fs->s_mb_bitmap, b, end);
    if (b >= end)
      break;
    lim = end - b > maxlen ? b + maxlen : end;
    e = mb_next_one (fs->s_mb_bitmap, b, lim);
    if (e - b >= maxlen) {
      *best = b;
      *bestlen = maxlen;
      return b;
    }
    if (e - b > *bestlen) {
      *best = b;
      *bestlen = (uint32_t) (e - b);
    }
    b = mb_next_one (fs->s_mb_bitmap, e, end);
  }
  return 0;
}

uint64_t
ext4_mb_find_free (struct fpfs *fs, uint64_t goal, uint32_t minlen,
                   uint32_t maxlen, uint32_t *len)
{
  const struct fs_geometry *g = &fs->s_geo;
  uint64_t best = 0;
  uint32_t bestlen = 0;

  assert (minlen >= 1 && maxlen >= minlen);
  if (goal < g->first_data_block || goal >= g->blocks_count)
    goal = g->first_data_block;
  /* From the goal to the end, then wrap around to the goal. */
  if (mb_scan (fs, goal, g->blocks_count, maxlen, &best, &bestlen) == 0)
    mb_scan (fs, g->first_data_block, goal, maxlen, &best, &bestlen);
  if (bestlen < minlen) {
    *len = 0;
    return 0;
  }
  *len = bestlen;
  return best;
}

/* Change bits [blk, blk+len) on disk, one bitmap block at a time. */
static int
mb_update_disk (handle_t *h, uint64_t blk, uint32_t len, bool on)
{
  struct fpfs *fs = h->h_fs;
  uint64_t b = blk, end = blk + len;
  int ret = 0;

  while (b < end && !ret) {
    uint64_t bmblk = fs->s_geo.bbitmap_start + b / FS_BITS_PER_BLOCK;
    uint64_t stop = (b / FS_BITS_PER_BLOCK + 1) * FS_BITS_PER_BLOCK;
    struct buf *bh;

    if (stop > end)
      stop = end;
    ret = buf_read (fs->s_bc, bmblk, &bh);
    if (ret < 0)
      break;
    ret = ext4_journal_get_write_access (h, bh);
    for (uint64_t i = b; i < stop && !ret; i++) {
      uint32_t bit = (uint32_t) (i % FS_BITS_PER_BLOCK);
      if (bm_test (bh->b_data, bit) == on)
        ret = ext4_error_corrupt (fs, on ? "allocating a block marked in use"
                                  : "freeing a block already free", i);
      else if (on)
        bm_set (bh->b_data, bit);
      else
        bm_clear (bh->b_data, bit);
    }
    if (!ret)
      ret = ext4_handle_dirty_metadata (h, NULL, bh);
    buf_put (bh);
    b = stop;
  }
  return ret;
}

int
ext4_mb_mark_used (handle_t *h, uint64_t blk, uint32_t len)
{
  struct fpfs *fs = h->h_fs;
  int ret;

  assert (ext4_blk_in_data (fs, blk, len));
  for (uint64_t i = blk; i < blk + len; i++)
    assert (!mb_bit (fs->s_mb_bitmap, i));
  ret = mb_update_disk (h, blk, len, true);
  if (ret < 0)
    return ret;
  mb_set_range (fs->s_mb_bitmap, blk, len, true);
  fs->s_free_blocks -= len;
  return 0;
}

static int
busy_add (struct fs_busy *bz, tid_t tid, uint64_t blk, uint32_t len)
{
  if (bz->n == bz->cap) {
    size_t live = bz->n - bz->head;
    if (bz->head > 0 && bz->head >= live) {
      memmove (bz->v, bz->v + bz->head, live * sizeof *bz->v);
      bz->n = live;
      bz->head = 0;
    } else {
      size_t cap = bz->cap ? bz->cap * 2 : 64;
      struct busy_ext *v = realloc (bz->v, cap * sizeof *v);
      if (v == NULL)
        return -ENOMEM;
      bz->v = v;
      bz->cap = cap;
    }
  }
  /* Entries are appended in tid order: the running tid never decreases. */
  assert (bz->n == bz->head || tid_geq (tid, bz->v[bz->n - 1].tid));
  bz->v[bz->n++] = (struct busy_ext) { tid, blk, len };
  return 0;
}

int
ext4_mb_mark_free (handle_t *h, uint64_t blk, uint32_t len)
{
  struct fpfs *fs = h->h_fs;
  int ret;

  if (!ext4_blk_in_data (fs, blk, len))
    return ext4_error_corrupt (fs, "freeing blocks outside the data area",
                               blk);
  ret = mb_update_disk (h, blk, len, false);
  if (ret < 0)
    return ret;
  fs->s_free_blocks += len;
  if (ext4_handle_valid (h)) {
    /* Quarantined until the freeing transaction commits. */
    ret = busy_add (fs->s_busy, ext4_handle_tid (h), blk, len);
    if (ret < 0)
      mb_set_range (fs->s_mb_bitmap, blk, len, false);   /* degrade */
  } else
    mb_set_range (fs->s_mb_bitmap, blk, len, false);
  return 0;
}

void
ext4_mb_commit_callback (struct fpfs *fs, tid_t tid)
{
  struct fs_busy *bz = fs->s_busy;

  while (bz && bz->head < bz->n && tid_geq (tid, bz->v[bz->head].tid)) {
    struct busy_ext *e = &bz->v[bz->head++];
    mb_set_range (fs->s_mb_bitmap, e->blk, e->len, false);
  }
  if (bz && bz->head == bz->n)
    bz->head = bz->n = 0;
}
