/* test_buf: the metadata buffer cache. */
#include "jbd_testlib.h"

struct benv {
  struct fpfs_bdev *mem, *dev;
  struct rec_dev *rec;
  struct buf_cache *bc;
};

static void
benv_init (struct benv *e, size_t max)
{
  assert (fpfs_bdev_mem_open ((uint64_t) 256 * TBS, 512, &e->mem) == 0);
  e->dev = rec_open (e->mem, &e->rec);
  assert (buf_cache_create (e->dev, TBS, max, &e->bc) == 0);
}

static void
benv_fini (struct benv *e)
{
  buf_cache_destroy (e->bc);
  fpfs_bdev_close (e->dev);
  fpfs_bdev_close (e->mem);
}

/* A cached block is read from the device once. */
static void
test_buf_read_caches (void)
{
  struct benv e;
  struct buf *b;

  benv_init (&e, 16);
  tdev_fill (e.mem, 7, 0x42);
  assert (buf_read (e.bc, 7, &b) == 0);
  assert (b->b_data[100] == 0x42 && b->b_count == 1);
  buf_put (b);
  assert (buf_read (e.bc, 7, &b) == 0);
  buf_put (b);
  assert (e.dev->stats.reads == 1);
  assert (buf_read (e.bc, 256, &b) == -EINVAL);   /* past the end */
  benv_fini (&e);
}

/* get_zero never reads and hands out zeroes. */
static void
test_buf_get_zero_no_read (void)
{
  struct benv e;
  struct buf *b;

  benv_init (&e, 16);
  tdev_fill (e.mem, 3, 0x42);
  assert (buf_get_zero (e.bc, 3, &b) == 0);
  assert (b->b_data[0] == 0 && (b->b_state & BUF_UPTODATE));
  assert (e.dev->stats.reads == 0);
  buf_put (b);
  b = buf_lookup (e.bc, 3);
  assert (b != NULL);
  buf_put (b);
  assert (buf_lookup (e.bc, 4) == NULL);
  benv_fini (&e);
}

/* Nothing is written until asked; write_dirty writes in block order and
 * honours the age limit. */
static void
test_buf_write_dirty_order_and_age (void)
{
  static const uint64_t blks[] = { 9, 2, 5 };
  struct benv e;
  struct buf *b;

  benv_init (&e, 16);
  for (int i = 0; i < 3; i++) {
    assert (buf_get_zero (e.bc, blks[i], &b) == 0);
    memset (b->b_data, (int) blks[i], TBS);
    buf_mark_dirty (b, (uint64_t) blks[i] * 10);
    buf_put (b);
  }
  assert (e.rec->n == 0 && buf_dirty_count (e.bc) == 3);
  assert (buf_write_dirty (e.bc, 50) == 0);          /* blocks 2 and 5 */
  assert (e.rec->n == 2 && rec_blk (&e.rec->ops[0]) == 2
          && rec_blk (&e.rec->ops[1]) == 5);
  assert (buf_dirty_count (e.bc) == 1);
  assert (buf_write_dirty (e.bc, UINT64_MAX) == 0);
  assert (e.rec->n == 3 && rec_blk (&e.rec->ops[2]) == 9);
  assert (tdev_byte (e.mem, 9) == 9);
  benv_fini (&e);
}

/* Clean unreferenced buffers are evicted LRU-first past the limit; dirty
 * and referenced ones stay. */
static void
test_buf_eviction (void)
{
  struct benv e;
  struct buf *held, *dirty, *b;

  benv_init (&e, 4);
  assert (buf_read (e.bc, 0, &held) == 0);
  assert (buf_get_zero (e.bc, 1, &dirty) == 0);
  memset (dirty->b_data, 0x11, TBS);
  buf_mark_dirty (dirty, 0);
  buf_put (dirty);
  for (uint64_t i = 10; i < 100; i++) {
    assert (buf_read (e.bc, i, &b) == 0);
    buf_put (b);
  }
  assert (buf_lookup (e.bc, 10) == NULL);      /* evicted */
  b = buf_lookup (e.bc, 99);                   /* recent: kept */
  assert (b != NULL);
  buf_put (b);
  b = buf_lookup (e.bc, 1);                    /* dirty: kept */
  assert (b != NULL && b->b_data[0] == 0x11);
  buf_put (b);
  assert (buf_lookup (e.bc, 0) == held);       /* referenced: kept */
  buf_put (held);
  buf_put (held);
  assert (buf_write_dirty (e.bc, UINT64_MAX) == 0);
  assert (tdev_byte (e.mem, 1) == 0x11);
  benv_fini (&e);
}

/* buf_forget drops a dirty copy without writing it. */
static void
test_buf_forget (void)
{
  struct benv e;
  struct buf *b;

  benv_init (&e, 16);
  assert (buf_get_zero (e.bc, 5, &b) == 0);
  memset (b->b_data, 0x55, TBS);
  buf_mark_dirty (b, 0);
  buf_put (b);
  buf_forget (e.bc, 5);
  assert (buf_dirty_count (e.bc) == 0 && buf_lookup (e.bc, 5) == NULL);
  assert (buf_write_dirty (e.bc, UINT64_MAX) == 0);
  assert (e.rec->n == 0);
  benv_fini (&e);
}

/* A failed write leaves the buffer dirty and reports the error; FUA is
 * passed through. */
static void
test_buf_write_error_stays_dirty (void)
{
  struct benv e;
  struct buf *b;

  benv_init (&e, 16);
  assert (buf_get_zero (e.bc, 6, &b) == 0);
  buf_mark_dirty (b, 0);
  e.rec->fail_writes_after = 0;
  assert (buf_write (b, 0) == -EIO);
  assert (b->b_state & BUF_DIRTY);
  e.rec->fail_writes_after = -1;
  assert (buf_write (b, FPFS_BDEV_FUA) == 0);
  assert (!(b->b_state & BUF_DIRTY));
  assert (e.rec->ops[0].flags == FPFS_BDEV_FUA);
  buf_put (b);
  benv_fini (&e);
}

int
main (void)
{
  RUN (test_buf_read_caches);
  RUN (test_buf_get_zero_no_read);
  RUN (test_buf_write_dirty_order_and_age);
  RUN (test_buf_eviction);
  RUN (test_buf_forget);
  RUN (test_buf_write_error_stays_dirty);
  return 0;
}
