/* buf: the metadata buffer cache, the engine's buffer_head layer.
 *
 * Every metadata block (superblock, bitmaps, inode table, extent-tree and
 * directory blocks; in data=journal mode also file data) is read and changed
 * through a struct buf holding one file-system block.  File data in the
 * other modes goes through the page cache instead, never through here.
 *
 * States (b_state):
 *   BUF_UPTODATE  b_data holds the block's current contents.
 *   BUF_DIRTY     b_data must be written in place, and may be now: in
 *                 nojournal mode after any change, with a journal only once
 *                 the transaction holding the change has committed (jbd sets
 *                 it when the buffer joins a checkpoint list).
 * The journal's per-buffer state lives behind b_jh (owned by jbd.c).  While
 * a buffer belongs to a running or committing transaction, BUF_DIRTY is
 * clear: writing it in place would expose uncommitted metadata.
 *
 * Memory is bounded: clean, unreferenced buffers without b_jh are evicted
 * least-recently-used first once the cache holds more than its limit.
 * Nothing here is written unless a caller asks: there is no hidden writeback.
 */
#ifndef FP_BUF_H
#define FP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpfs.h"

enum buf_state {
  BUF_UPTODATE = 1u << 0,
  BUF_DIRTY    = 1u << 1,
};

struct buf_cache;
struct jbd_head;

struct buf {
  uint64_t b_blocknr;
  uint8_t *b_data;             /* block_size bytes */
  unsigned b_state;            /* enum buf_state */
  unsigned b_count;            /* references held by callers */
  struct jbd_head *b_jh;       /* journal state, NULL when not journaled */
  struct buf_cache *b_cache;
  uint64_t b_dirtied_ns;       /* virtual time BUF_DIRTY was set */
  /* private to buf.c */
  struct buf *b_hnext;
  struct buf *b_lru_prev, *b_lru_next;
  struct buf *b_dprev, *b_dnext;
};

int buf_cache_create (struct fpfs_bdev *bd, uint32_t block_size,
                      size_t max_buffers, struct buf_cache **out);
/* Frees every buffer and writes nothing (also the power-cut path). */
void buf_cache_destroy (struct buf_cache *bc);
uint32_t buf_block_size (const struct buf_cache *bc);
struct fpfs_bdev *buf_bdev (const struct buf_cache *bc);

/* Get block blk with a reference, reading it if not cached. */
int buf_read (struct buf_cache *bc, uint64_t blk, struct buf **out);
/* Get block blk for a freshly allocated block: zero-filled and uptodate,
 * no device read. */
int buf_get_zero (struct buf_cache *bc, uint64_t blk, struct buf **out);
/* The same filled with a copy of src (one whole block) instead of zeroes. */
int buf_get_fill (struct buf_cache *bc, uint64_t blk, const void *src,
                  struct buf **out);
/* Drop a reference. */
void buf_put (struct buf *b);

/* Mark for in-place writeback (see BUF_DIRTY); now_ns stamps b_dirtied_ns. */
void buf_mark_dirty (struct buf *b, uint64_t now_ns);
void buf_clear_dirty (struct buf *b);
/* Write b in place now (flags: FPFS_BDEV_FUA), clearing BUF_DIRTY. */
int buf_write (struct buf *b, unsigned flags);
/* Write every BUF_DIRTY buffer dirtied at or before older_than_ns (UINT64_MAX:
 * all), in block order.  Keeps the first error, continues with the rest. */
int buf_write_dirty (struct buf_cache *bc, uint64_t older_than_ns);
size_t buf_dirty_count (const struct buf_cache *bc);
/* The block was freed: forget the cached copy without writing it.  The
 * buffer must not be referenced nor journaled. */
void buf_forget (struct buf_cache *bc, uint64_t blk);
/* (added by the jbd author) The cached, uptodate buffer for blk with one
 * more reference, or NULL; never reads (the kernel's __find_get_block). */
struct buf *buf_lookup (struct buf_cache *bc, uint64_t blk);
/* drop_caches for the block device's page cache (invalidate_mapping_pages
 * over it, try_to_free_buffers): free every buffer that is clean,
 * unreferenced and not held by the journal.  Returns how many went. */
size_t buf_invalidate_clean (struct buf_cache *bc);

#endif /* FP_BUF_H */
