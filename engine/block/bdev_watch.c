/* bdev_watch: a pass-through device that remembers which blocks of the
 * device below could have mattered to its caller.
 *
 * Why: the checker judges thousands of crash states of one recording, and
 * a judgment (recovery, the walk of the recovered tree, the rules, fsck)
 * is a deterministic function of the bytes it reads.  If two states'
 * images agree on every block the first judgment's result depended on,
 * the second judgment would read the same bytes at every step, take the
 * same path and reach the same result (ck_check.c, "the read-set
 * cache").  This device records that set.
 *
 * Per 4 KiB block (WATCH_BLOCK, whatever the sector size), the first
 * access since the last reset decides:
 *   - a read, a write of part of the block, or a trim of part of it:
 *     the block is SEEN -- what the caller got, or what the block holds
 *     afterwards, depends on the lower device's bytes there;
 *   - a write or a trim of the whole block: the block is COVERED -- from
 *     then on it holds what the caller put there (the lower device is an
 *     overlay whose trimmed ranges read as zeroes), whatever was below,
 *     so later accesses do not depend on the image either.
 * Anything not SEEN did not influence the caller.  Requests go through to
 * the lower device unchanged; the watch does not own it.
 *
 * Memory: an open-addressing table of the touched blocks and their state,
 * and the list of them, so that memory and a reset cost what was touched,
 * never the device size (a log may describe a 16 TiB device).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpfs.h"

#define WATCH_BLOCK 4096u

enum { W_UNTOUCHED = 0, W_COVERED, W_SEEN };

/* A slot of the table: block + 1 (0: empty) and its state. */
struct watch_slot {
  uint64_t key;
  uint8_t state;
};

struct watch_dev {
  struct fpfs_bdev *lower;
  struct watch_slot *tab;       /* nslots, a power of two */
  size_t nslots;
  uint64_t *touched;            /* the blocks in tab, in first-touch order */
  size_t ntouched, cap;         /* cap: of touched; tab has 2 * cap slots */
  int err;                      /* -ENOMEM while recording: sticky */
};

static const struct fpfs_bdev_ops watch_ops;

static struct watch_slot *
watch_slot (struct watch_slot *tab, size_t nslots, uint64_t blk)
{
  size_t i = (size_t) ((blk + 1) * UINT64_C (0x9e3779b97f4a7c15)
                       >> 20) & (nslots - 1);

  while (tab[i].key != 0 && tab[i].key != blk + 1)
    i = (i + 1) & (nslots - 1);
  return &tab[i];
}

/* Room for one more block: the list and the table grow together, the
 * table kept at most half full. */
static int
watch_grow (struct watch_dev *w)
{
  size_t cap = w->cap ? w->cap * 2 : 256;
  uint64_t *t = realloc (w->touched, cap * sizeof *t);
  struct watch_slot *tab;

  if (t == NULL)
    return -ENOMEM;
  w->touched = t;
  if (!(tab = calloc (2 * cap, sizeof *tab)))
    return -ENOMEM;
  for (size_t i = 0; i < w->ntouched; i++) {
    struct watch_slot *o = watch_slot (w->tab, w->nslots, w->touched[i]);
    *watch_slot (tab, 2 * cap, w->touched[i]) = *o;
  }
  free (w->tab);
  w->tab = tab;
  w->nslots = 2 * cap;
  w->cap = cap;
  return 0;
}

static void
watch_mark (struct watch_dev *w, uint64_t blk, int how)
{
  struct watch_slot *s;

  if (w->ntouched == w->cap && watch_grow (w) < 0) {
    w->err = -ENOMEM;           /* the record is incomplete: say so later */
    return;
  }
  s = watch_slot (w->tab, w->nslots, blk);
  if (s->key != 0)
    return;                     /* the first access decided */
  s->key = blk + 1;
  s->state = (uint8_t) how;
  w->touched[w->ntouched++] = blk;
}

/* Record an access to [off, off + len): whole blocks get `whole`, the
 * partly covered first and last blocks W_SEEN. */
static void
watch_range (struct watch_dev *w, uint64_t off, size_t len, int whole)
{
  uint64_t end = off + len;

  for (uint64_t b = off / WATCH_BLOCK; b * WATCH_BLOCK < end; b++) {
    uint64_t s = b * WATCH_BLOCK, e = s + WATCH_BLOCK;
    watch_mark (w, b, s >= off && e <= end ? whole : W_SEEN);
  }
}

static int
watch_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct watch_dev *w = bd->priv;

  watch_range (w, off, len, W_SEEN);
  return fpfs_bdev_read (w->lower, buf, off, len);
}

static int
watch_write (struct fpfs_bdev *bd, const void *buf, uint64_t off, size_t len,
             unsigned flags)
{
  struct watch_dev *w = bd->priv;

  watch_range (w, off, len, W_COVERED);
  return fpfs_bdev_write (w->lower, buf, off, len, flags);
}

static int
watch_flush (struct fpfs_bdev *bd)
{
  return fpfs_bdev_flush (((struct watch_dev *) bd->priv)->lower);
}

static int
watch_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct watch_dev *w = bd->priv;

  watch_range (w, off, len, W_COVERED);
  return fpfs_bdev_trim (w->lower, off, len);
}

static void
watch_close (struct fpfs_bdev *bd)
{
  struct watch_dev *w = bd->priv;

  free (w->tab);
  free (w->touched);
  free (w);
}

static const struct fpfs_bdev_ops watch_ops = {
  .name = "watch",
  .read = watch_read,
  .write = watch_write,
  .flush = watch_flush,
  .trim = watch_trim,
  .close = watch_close,
};

int
fpfs_bdev_watch_open (struct fpfs_bdev *lower, struct fpfs_bdev **out)
{
  struct fpfs_bdev *bd;
  struct watch_dev *w;

  if (lower == NULL || out == NULL)
    return -EINVAL;
  bd = calloc (1, sizeof *bd);
  w = calloc (1, sizeof *w);
  if (!bd || !w || watch_grow (w) < 0) {
    if (w) {
      free (w->tab);
      free (w->touched);
    }
    free (w);
    free (bd);
    return -ENOMEM;
  }
  w->lower = lower;
  bd->ops = &watch_ops;
  bd->priv = w;
  bd->size = lower->size;
  bd->sector_size = lower->sector_size;
  snprintf (bd->desc, sizeof bd->desc, "watch:%.150s", lower->desc);
  *out = bd;
  return 0;
}

struct fpfs_bdev *
fpfs_bdev_watch_lower (const struct fpfs_bdev *bd)
{
  assert (bd->ops == &watch_ops);
  return ((const struct watch_dev *) bd->priv)->lower;
}

void
fpfs_bdev_watch_reset (struct fpfs_bdev *bd)
{
  struct watch_dev *w = bd->priv;

  assert (bd->ops == &watch_ops);
  /* Newest first: a block's probe chain runs only through slots taken
   * before it was put in (a grow re-inserts in the same order), so
   * emptying the newer ones first never cuts an older one's chain. */
  if (w->ntouched * 8 < w->nslots)
    for (size_t i = w->ntouched; i-- > 0;)
      *watch_slot (w->tab, w->nslots, w->touched[i]) = (struct watch_slot) {
        0, W_UNTOUCHED };
  else
    memset (w->tab, 0, w->nslots * sizeof *w->tab);
  w->ntouched = 0;
  w->err = 0;
  memset (&bd->stats, 0, sizeof bd->stats);
}

static int
cmp_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return x < y ? -1 : x > y;
}

int
fpfs_bdev_watch_seen (const struct fpfs_bdev *bd, uint64_t **blocks,
                      size_t *n)
{
  const struct watch_dev *w = bd->priv;
  uint64_t *v;
  size_t k = 0;

  assert (bd->ops == &watch_ops);
  *blocks = NULL;
  *n = 0;
  if (w->err)
    return w->err;
  v = malloc ((w->ntouched ? w->ntouched : 1) * sizeof *v);
  if (v == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < w->ntouched; i++)
    if (watch_slot (w->tab, w->nslots, w->touched[i])->state == W_SEEN)
      v[k++] = w->touched[i];
  qsort (v, k, sizeof *v, cmp_u64);
  *blocks = v;
  *n = k;
  return 0;
}
