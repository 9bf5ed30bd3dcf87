/* jbd_testlib.h: helpers for the buffer cache and journal unit tests.
 *
 * - A recording block device (rec_*) wraps a memory device: it keeps every
 *   WRITE (with its data), FLUSH and TRIM in order, can fail writes on
 *   demand, and can rebuild the device as of any prefix of its writes (the
 *   "write" crash states of DESIGN.md section 3).
 * - A test environment (tenv_*) holds a device, a buffer cache, a
 *   scheduler, a trace sink that keeps event names, and a journal; crash =
 *   drop journal and cache, remount = a new cache and jbd_journal_load.
 * Everything is static so that each test file stays one executable.
 */
#ifndef JBD_TESTLIB_H
#define JBD_TESTLIB_H

#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "bugs.h"
#include "fpfs.h"
#include "jbd.h"
#include "jbd_int.h"
#include "sched.h"

#define TBS          4096u
#define TDEV_BLOCKS  2048u            /* 8 MiB */
#define TJ_FIRST     8u               /* journal superblock's block */
#define TMETA        1000u            /* first metadata block of the tests */

enum rec_type { REC_WRITE, REC_FLUSH, REC_TRIM };

struct rec_op {
  enum rec_type type;
  uint64_t off;
  size_t len;
  unsigned flags;
  uint8_t *data;
};

struct rec_dev {
  struct fpfs_bdev *lower;
  struct rec_op *ops;
  size_t n, cap;
  long fail_writes_after;     /* < 0: never; else writes allowed first */
  bool fail_flush;
};

static inline void
rec_push (struct rec_dev *rd, struct rec_op op)
{
  if (rd->n == rd->cap) {
    rd->cap = rd->cap ? rd->cap * 2 : 256;
    rd->ops = realloc (rd->ops, rd->cap * sizeof *rd->ops);
    assert (rd->ops);
  }
  rd->ops[rd->n++] = op;
}

static inline int
rec_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct rec_dev *rd = bd->priv;
  return fpfs_bdev_read (rd->lower, buf, off, len);
}

static inline int
rec_write (struct fpfs_bdev *bd, const void *buf, uint64_t off, size_t len,
           unsigned flags)
{
  struct rec_dev *rd = bd->priv;
  struct rec_op op = { REC_WRITE, off, len, flags, malloc (len) };

  if (rd->fail_writes_after == 0) {
    free (op.data);
    return -EIO;
  }
  if (rd->fail_writes_after > 0)
    rd->fail_writes_after--;
  assert (op.data);
  memcpy (op.data, buf, len);
  rec_push (rd, op);
  return fpfs_bdev_write (rd->lower, buf, off, len, flags);
}

static inline int
rec_flush (struct fpfs_bdev *bd)
{
  struct rec_dev *rd = bd->priv;
  struct rec_op op = { REC_FLUSH, 0, 0, 0, NULL };

  if (rd->fail_flush)
    return -EIO;
  rec_push (rd, op);
  return fpfs_bdev_flush (rd->lower);
}

static inline int
rec_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct rec_dev *rd = bd->priv;
  struct rec_op op = { REC_TRIM, off, len, 0, NULL };

  rec_push (rd, op);
  return fpfs_bdev_trim (rd->lower, off, len);
}

static inline void
rec_clear (struct rec_dev *rd)
{
  for (size_t i = 0; i < rd->n; i++)
    free (rd->ops[i].data);
  rd->n = 0;
}

static inline void
rec_close (struct fpfs_bdev *bd)
{
  struct rec_dev *rd = bd->priv;
  rec_clear (rd);
  free (rd->ops);
  free (rd);
}

static const struct fpfs_bdev_ops rec_ops = {
  .name = "rec", .read = rec_read, .write = rec_write, .flush = rec_flush,
  .trim = rec_trim, .close = rec_close,
};

static inline struct fpfs_bdev *
rec_open (struct fpfs_bdev *lower, struct rec_dev **out)
{
  struct fpfs_bdev *bd = calloc (1, sizeof *bd);
  struct rec_dev *rd = calloc (1, sizeof *rd);

  assert (bd && rd);
  rd->lower = lower;
  rd->fail_writes_after = -1;
  bd->ops = &rec_ops;
  bd->priv = rd;
  bd->size = lower->size;
  bd->sector_size = lower->sector_size;
  snprintf (bd->desc, sizeof bd->desc, "rec:%.150s", lower->desc);
  *out = rd;
  return bd;
}

/* A fresh memory device holding the first nwrites recorded writes. */
static inline struct fpfs_bdev *
rec_rebuild (const struct rec_dev *rd, size_t nops)
{
  struct fpfs_bdev *bd;

  assert (fpfs_bdev_mem_open (rd->lower->size, rd->lower->sector_size,
                              &bd) == 0);
  for (size_t i = 0; i < nops && i < rd->n; i++)
    if (rd->ops[i].type == REC_WRITE)
      assert (fpfs_bdev_write (bd, rd->ops[i].data, rd->ops[i].off,
                               rd->ops[i].len, 0) == 0);
  return bd;
}

static inline uint64_t
rec_blk (const struct rec_op *op)
{
  return op->off / TBS;
}

/* ---- trace sink keeping event names ---- */

struct tsink {
  char names[4096][32];
  char args[4096][96];
  size_t n;
};

static inline void
tsink_event (void *ctx, uint64_t ns, const char *name, const char *args)
{
  struct tsink *ts = ctx;
  (void) ns;
  if (ts->n < 4096) {
    snprintf (ts->names[ts->n], sizeof ts->names[0], "%s", name);
    snprintf (ts->args[ts->n], sizeof ts->args[0], "%s", args);
    ts->n++;
  }
}

static inline size_t
tsink_find (const struct tsink *ts, size_t from, const char *name)
{
  for (size_t i = from; i < ts->n; i++)
    if (strcmp (ts->names[i], name) == 0)
      return i;
  return SIZE_MAX;
}

/* ---- the environment ---- */

struct tenv {
  struct fpfs_bdev *mem, *dev;
  struct rec_dev *rec;
  struct buf_cache *bc;
  struct fp_sched *sched;
  struct journal *j;
  struct jbd_config cfg;
  struct tsink *ts;
  struct fpfs_trace_sink sink;
  uint8_t uuid[16];
  unsigned replayed;
};

static inline void
tenv_cfg (struct tenv *e, uint32_t nblocks, bool barrier, uint64_t bugs)
{
  memset (&e->cfg, 0, sizeof e->cfg);
  e->cfg.bc = e->bc;
  e->cfg.first_block = TJ_FIRST;
  e->cfg.nblocks = nblocks;
  e->cfg.barrier = barrier;
  e->cfg.commit_interval_ms = 5000;
  e->cfg.sched = e->sched;
  e->cfg.trace = &e->sink;
  e->cfg.devname = "fp-8";
  e->cfg.bugs = bugs;
  e->cfg.uuid = e->uuid;
}

static inline void
tenv_mount (struct tenv *e)
{
  char err[256] = "";
  int ret;

  assert (buf_cache_create (e->dev, TBS, 256, &e->bc) == 0);
  e->cfg.bc = e->bc;
  ret = jbd_journal_load (&e->cfg, &e->j, &e->replayed, err, sizeof err);
  if (ret != 0)
    fprintf (stderr, "jbd_journal_load: %d %s\n", ret, err);
  assert (ret == 0);
}

/* Format and mount.  The superblock on disk is clean, so the journal is
 * JBD_FLUSHED: nothing written at mount, the first commit writes the
 * superblock (journal_reset, Linux 4.10). */
static inline void
tenv_init_clean (struct tenv *e, uint32_t nblocks, bool barrier,
                 uint64_t bugs)
{
  char err[256] = "";

  memset (e, 0, sizeof *e);
  for (int i = 0; i < 16; i++)
    e->uuid[i] = (uint8_t) (0xA0 + i);
  assert (fpfs_bdev_mem_open ((uint64_t) TDEV_BLOCKS * TBS, 512, &e->mem) == 0);
  e->dev = rec_open (e->mem, &e->rec);
  assert (sched_create (42, 0, &e->sched) == 0);
  e->ts = calloc (1, sizeof *e->ts);
  e->sink.event = tsink_event;
  e->sink.ctx = e->ts;
  assert (buf_cache_create (e->dev, TBS, 256, &e->bc) == 0);
  tenv_cfg (e, nblocks, barrier, bugs);
  assert (jbd_journal_format (&e->cfg, err, sizeof err) == 0);
  buf_cache_destroy (e->bc);
  e->bc = NULL;
  tenv_mount (e);
}

/* The same, then the live tail written at once, FUA -- what the first
 * commit after a clean mount starts with -- so that the tests of commit,
 * checkpoint and recovery shapes see a journal in its steady state
 * (test_jbd_commit's clean-mount tests cover the first commit itself). */
static inline void
tenv_init (struct tenv *e, uint32_t nblocks, bool barrier, uint64_t bugs)
{
  tenv_init_clean (e, nblocks, barrier, bugs);
  assert (e->j->j_flags & JBD_FLUSHED);
  assert (jbd_update_sb_log_tail (e->j, e->j->j_tail_sequence, e->j->j_tail,
                                  FPFS_BDEV_FUA) == 0);
}

/* Power cut: the journal and the cache vanish, the device stays. */
static inline void
tenv_crash (struct tenv *e)
{
  jbd_journal_drop (e->j);
  buf_cache_destroy (e->bc);
  e->j = NULL;
  e->bc = NULL;
}

static inline void
tenv_fini (struct tenv *e)
{
  if (e->j)
    jbd_journal_drop (e->j);
  buf_cache_destroy (e->bc);
  fpfs_bdev_close (e->dev);
  fpfs_bdev_close (e->mem);
  sched_destroy (e->sched);
  free (e->ts);
}

/* Fill block blk with value v through handle h. */
static inline void
tmeta_set (struct tenv *e, struct jbd_handle *h, uint64_t blk, uint8_t v)
{
  struct buf *b;

  assert (buf_read (e->bc, blk, &b) == 0);
  assert (jbd_get_write_access (h, b) == 0);
  memset (b->b_data, v, TBS);
  assert (jbd_dirty_metadata (h, b) == 0);
  buf_put (b);
}

/* One handle setting each of n blocks from first to value v. */
static inline void
tmeta_tx (struct tenv *e, uint64_t first, unsigned n, uint8_t v)
{
  struct jbd_handle *h;

  assert (jbd_journal_start (e->j, (int) n, &h) == 0);
  for (unsigned i = 0; i < n; i++)
    tmeta_set (e, h, first + i, v);
  assert (jbd_journal_stop (h) == 0);
}

static inline uint8_t
tdev_byte (struct fpfs_bdev *bd, uint64_t blk)
{
  uint8_t buf[TBS];
  assert (fpfs_bdev_read (bd, buf, blk * TBS, TBS) == 0);
  for (unsigned i = 1; i < TBS; i++)
    assert (buf[i] == buf[0]);
  return buf[0];
}

static inline void
tdev_fill (struct fpfs_bdev *bd, uint64_t blk, uint8_t v)
{
  uint8_t buf[TBS];
  memset (buf, v, TBS);
  assert (fpfs_bdev_write (bd, buf, blk * TBS, TBS, 0) == 0);
}

#define RUN(fn) do { printf ("%s\n", #fn); fflush (stdout); fn (); } while (0)

#endif /* JBD_TESTLIB_H */
