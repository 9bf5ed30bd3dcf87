/* buf: the metadata buffer cache (see buf.h for the states and the rules).
 *
 * Layout in memory: a chained hash table on b_blocknr; an LRU list holding
 * exactly the evictable buffers (b_count == 0, not BUF_DIRTY, no b_jh); a
 * list of the BUF_DIRTY buffers for buf_write_dirty.  The journal's
 * per-buffer state holds a reference (b_count) for as long as b_jh is set,
 * so b_jh only changes while a buffer is off the LRU.
 *
 * Invariants:
 *   - a buffer is on the LRU  <=>  b_count == 0 && !BUF_DIRTY && !b_jh;
 *   - a buffer is on the dirty list  <=>  BUF_DIRTY;
 *   - bc_nbuffers exceeds bc_max only while nothing is evictable.
 * Nothing is written here unless a caller asks (buf_write, buf_write_dirty).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct buf_cache {
  struct fpfs_bdev *bc_bdev;
  uint32_t bc_block_size;
  size_t bc_max;
  size_t bc_nbuffers;
  size_t bc_ndirty;
  struct buf **bc_hash;
  size_t bc_hash_size;              /* power of two */
  struct buf *bc_lru_head, *bc_lru_tail;   /* head = least recently used */
  struct buf *bc_dirty;             /* unordered list of BUF_DIRTY buffers */
};

static size_t
buf_hash (const struct buf_cache *bc, uint64_t blk)
{
  uint64_t h = blk * 0x9E3779B97F4A7C15ull;
  return (size_t) (h >> 17) & (bc->bc_hash_size - 1);
}

#define BUF_HASH_MIN 64u
#define BUF_HASH_MAX (1u << 20)

/* Double the table when it holds more buffers than buckets; on -ENOMEM
 * keep the old one (longer chains, still correct). */
static void
buf_hash_grow (struct buf_cache *bc)
{
  size_t n = bc->bc_hash_size * 2, old = bc->bc_hash_size;
  struct buf **t, **o = bc->bc_hash;

  if (bc->bc_nbuffers <= old || n > BUF_HASH_MAX)
    return;
  t = calloc (n, sizeof *t);
  if (t == NULL)
    return;
  bc->bc_hash = t;
  bc->bc_hash_size = n;
  for (size_t i = 0; i < old; i++)
    while (o[i]) {
      struct buf *b = o[i];
      size_t h = buf_hash (bc, b->b_blocknr);
      o[i] = b->b_hnext;
      b->b_hnext = t[h];
      t[h] = b;
    }
  free (o);
}

static bool
buf_evictable (const struct buf *b)
{
  return b->b_count == 0 && !(b->b_state & BUF_DIRTY) && b->b_jh == NULL;
}

static bool
buf_on_lru (const struct buf_cache *bc, const struct buf *b)
{
  return b->b_lru_prev != NULL || bc->bc_lru_head == b;
}

static void
buf_lru_del (struct buf_cache *bc, struct buf *b)
{
  if (!buf_on_lru (bc, b))
    return;
  if (b->b_lru_prev)
    b->b_lru_prev->b_lru_next = b->b_lru_next;
  else
    bc->bc_lru_head = b->b_lru_next;
  if (b->b_lru_next)
    b->b_lru_next->b_lru_prev = b->b_lru_prev;
  else
    bc->bc_lru_tail = b->b_lru_prev;
  b->b_lru_prev = b->b_lru_next = NULL;
}

static void
buf_lru_add_tail (struct buf_cache *bc, struct buf *b)
{
  assert (!buf_on_lru (bc, b));
  b->b_lru_next = NULL;
  b->b_lru_prev = bc->bc_lru_tail;
  if (bc->bc_lru_tail)
    bc->bc_lru_tail->b_lru_next = b;
  else
    bc->bc_lru_head = b;
  bc->bc_lru_tail = b;
}

/* Re-establish the LRU invariant after b_count, BUF_DIRTY or b_jh changed. */
static void
buf_lru_update (struct buf_cache *bc, struct buf *b)
{
  bool on = buf_on_lru (bc, b);
  if (buf_evictable (b) && !on)
    buf_lru_add_tail (bc, b);
  else if (!buf_evictable (b) && on)
    buf_lru_del (bc, b);
}

static void
buf_hash_del (struct buf_cache *bc, struct buf *b)
{
  struct buf **pp = &bc->bc_hash[buf_hash (bc, b->b_blocknr)];
  while (*pp != b) {
    assert (*pp != NULL);
    pp = &(*pp)->b_hnext;
  }
  *pp = b->b_hnext;
  b->b_hnext = NULL;
}

static void
buf_free (struct buf_cache *bc, struct buf *b)
{
  assert (b->b_count == 0 && b->b_jh == NULL && !(b->b_state & BUF_DIRTY));
  buf_lru_del (bc, b);
  buf_hash_del (bc, b);
  bc->bc_nbuffers--;
  free (b->b_data);
  free (b);
}

/* Evict least-recently-used clean buffers down to the limit. */
static void
buf_shrink (struct buf_cache *bc)
{
  while (bc->bc_nbuffers > bc->bc_max && bc->bc_lru_head != NULL)
    buf_free (bc, bc->bc_lru_head);
}

size_t
buf_invalidate_clean (struct buf_cache *bc)
{
  size_t n = 0;

  /* The LRU holds exactly the evictable buffers (buf_lru_update). */
  while (bc->bc_lru_head != NULL) {
    buf_free (bc, bc->bc_lru_head);
    n++;
  }
  return n;
}

int
buf_cache_create (struct fpfs_bdev *bd, uint32_t block_size,
                  size_t max_buffers, struct buf_cache **out)
{
  struct buf_cache *bc;

  assert (bd != NULL && out != NULL);
  if (block_size == 0 || (block_size & (block_size - 1)) != 0
      || bd->sector_size == 0 || block_size % bd->sector_size != 0)
    return -EINVAL;
  bc = calloc (1, sizeof *bc);
  if (bc == NULL)
    return -ENOMEM;
  bc->bc_bdev = bd;
  bc->bc_block_size = block_size;
  bc->bc_max = max_buffers ? max_buffers : 1;
  /* Start small and double with the buffers held (buf_hash_grow): a
   * recovery that reads a few dozen blocks must not pay for zeroing and
   * walking a table sized for bc_max. */
  bc->bc_hash_size = BUF_HASH_MIN;
  bc->bc_hash = calloc (bc->bc_hash_size, sizeof *bc->bc_hash);
  if (bc->bc_hash == NULL) {
    free (bc);
    return -ENOMEM;
  }
  *out = bc;
  return 0;
}

void
buf_cache_destroy (struct buf_cache *bc)
{
  if (bc == NULL)
    return;
  for (size_t i = 0; i < bc->bc_hash_size; i++) {
    struct buf *b = bc->bc_hash[i];
    while (b) {
      struct buf *next = b->b_hnext;
      free (b->b_data);
      free (b);
      b = next;
    }
  }
  free (bc->bc_hash);
  free (bc);
}

uint32_t
buf_block_size (const struct buf_cache *bc)
{
  return bc->bc_block_size;
}

struct fpfs_bdev *
buf_bdev (const struct buf_cache *bc)
{
  return bc->bc_bdev;
}

static struct buf *
buf_find (const struct buf_cache *bc, uint64_t blk)
{
  struct buf *b = bc->bc_hash[buf_hash (bc, blk)];
  while (b && b->b_blocknr != blk)
    b = b->b_hnext;
  return b;
}

/* Find or create the buffer for blk with one more reference; not read. */
static int
buf_getblk (struct buf_cache *bc, uint64_t blk, struct buf **out)
{
  struct buf *b;
  size_t h;

  if (blk >= bc->bc_bdev->size / bc->bc_block_size)
    return -EINVAL;
  b = buf_find (bc, blk);
  if (b == NULL) {
    b = calloc (1, sizeof *b);
    if (b == NULL)
      return -ENOMEM;
    b->b_data = malloc (bc->bc_block_size);
    if (b->b_data == NULL) {
      free (b);
      return -ENOMEM;
    }
    b->b_blocknr = blk;
    b->b_cache = bc;
    h = buf_hash (bc, blk);
    b->b_hnext = bc->bc_hash[h];
    bc->bc_hash[h] = b;
    bc->bc_nbuffers++;
    buf_hash_grow (bc);
  }
  b->b_count++;
  buf_lru_update (bc, b);
  buf_shrink (bc);
  *out = b;
  return 0;
}

/* A buffer's I/O fails with -EIO whatever the device said (the block layer
 * only marks a buffer_head not uptodate); -ENOMEM is our own. */
static int
buf_io_error (int err)
{
  return err == -ENOMEM ? err : -EIO;
}

int
buf_read (struct buf_cache *bc, uint64_t blk, struct buf **out)
{
  struct buf *b;
  int ret;

  ret = buf_getblk (bc, blk, &b);
  if (ret < 0)
    return ret;
  if (!(b->b_state & BUF_UPTODATE)) {
    ret = fpfs_bdev_read (bc->bc_bdev, b->b_data, blk * bc->bc_block_size,
                          bc->bc_block_size);
    if (ret < 0) {
      ret = buf_io_error (ret);
      buf_put (b);
      return ret;
    }
    b->b_state |= BUF_UPTODATE;
  }
  *out = b;
  return 0;
}

int
buf_get_zero (struct buf_cache *bc, uint64_t blk, struct buf **out)
{
  struct buf *b;
  int ret;

  ret = buf_getblk (bc, blk, &b);
  if (ret < 0)
    return ret;
  memset (b->b_data, 0, bc->bc_block_size);
  b->b_state |= BUF_UPTODATE;
  *out = b;
  return 0;
}

/* buf_get_zero then a copy of a whole block over it, without the zeroing
 * the copy would overwrite anyway (journal replay: one per block). */
int
buf_get_fill (struct buf_cache *bc, uint64_t blk, const void *src,
              struct buf **out)
{
  struct buf *b;
  int ret;

  ret = buf_getblk (bc, blk, &b);
  if (ret < 0)
    return ret;
  memcpy (b->b_data, src, bc->bc_block_size);
  b->b_state |= BUF_UPTODATE;
  *out = b;
  return 0;
}

struct buf *
buf_lookup (struct buf_cache *bc, uint64_t blk)
{
  struct buf *b = buf_find (bc, blk);
  if (b == NULL || !(b->b_state & BUF_UPTODATE))
    return NULL;
  b->b_count++;
  buf_lru_update (bc, b);
  return b;
}

void
buf_put (struct buf *b)
{
  if (b == NULL)
    return;
  assert (b->b_count > 0);
  b->b_count--;
  buf_lru_update (b->b_cache, b);
  buf_shrink (b->b_cache);
}

void
buf_mark_dirty (struct buf *b, uint64_t now_ns)
{
  struct buf_cache *bc = b->b_cache;

  assert (b->b_state & BUF_UPTODATE);
  if (!(b->b_state & BUF_DIRTY)) {
    b->b_state |= BUF_DIRTY;
    b->b_dirtied_ns = now_ns;
    b->b_dprev = NULL;
    b->b_dnext = bc->bc_dirty;
    if (bc->bc_dirty)
      bc->bc_dirty->b_dprev = b;
    bc->bc_dirty = b;
    bc->bc_ndirty++;
  }
  buf_lru_update (bc, b);
}

void
buf_clear_dirty (struct buf *b)
{
  struct buf_cache *bc = b->b_cache;

  if (!(b->b_state & BUF_DIRTY))
    return;
  b->b_state &= ~BUF_DIRTY;
  if (b->b_dprev)
    b->b_dprev->b_dnext = b->b_dnext;
  else
    bc->bc_dirty = b->b_dnext;
  if (b->b_dnext)
    b->b_dnext->b_dprev = b->b_dprev;
  b->b_dprev = b->b_dnext = NULL;
  bc->bc_ndirty--;
  buf_lru_update (bc, b);
}

int
buf_write (struct buf *b, unsigned flags)
{
  struct buf_cache *bc = b->b_cache;
  int ret;

  assert (!(flags & ~FPFS_BDEV_FUA));
  assert (b->b_state & BUF_UPTODATE);
  ret = fpfs_bdev_write (bc->bc_bdev, b->b_data,
                         b->b_blocknr * bc->bc_block_size, bc->bc_block_size,
                         flags);
  /* A failed write stays BUF_DIRTY: the caller decides (the journal
   * aborts, the nojournal fs reports it); nothing retries behind its back. */
  if (ret == 0)
    buf_clear_dirty (b);
  return ret < 0 ? buf_io_error (ret) : 0;
}

static int
buf_cmp_blocknr (const void *a, const void *b)
{
  const struct buf *x = *(struct buf *const *) a;
  const struct buf *y = *(struct buf *const *) b;
  return x->b_blocknr < y->b_blocknr ? -1 : x->b_blocknr > y->b_blocknr;
}

int
buf_write_dirty (struct buf_cache *bc, uint64_t older_than_ns)
{
  struct buf **v;
  size_t n = 0;
  int ret = 0;

  if (bc->bc_ndirty == 0)
    return 0;
  v = malloc (bc->bc_ndirty * sizeof *v);
  if (v == NULL)
    return -ENOMEM;
  for (struct buf *b = bc->bc_dirty; b; b = b->b_dnext)
    if (b->b_dirtied_ns <= older_than_ns) {
      v[n++] = b;
      b->b_count++;             /* pin across writes: buf_write may shrink */
    }
  qsort (v, n, sizeof *v, buf_cmp_blocknr);
  for (size_t i = 0; i < n; i++) {
    int err = 0;
    if (v[i]->b_state & BUF_DIRTY)
      err = buf_write (v[i], 0);
    if (err && !ret)
      ret = err;
  }
  for (size_t i = 0; i < n; i++)
    buf_put (v[i]);
  free (v);
  return ret;
}

size_t
buf_dirty_count (const struct buf_cache *bc)
{
  return bc->bc_ndirty;
}

void
buf_forget (struct buf_cache *bc, uint64_t blk)
{
  struct buf *b = buf_find (bc, blk);

  if (b == NULL)
    return;
  assert (b->b_count == 0 && b->b_jh == NULL);
  buf_clear_dirty (b);
  buf_free (bc, b);
}
