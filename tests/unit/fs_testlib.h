/* fs_testlib.h: helpers for the file-system unit tests (test_fs_*.c).
 *
 * - A shim block device wraps a memory device and records every request
 *   (type, offset, length, flags, XXH64 of the data) so tests can count the
 *   device ops of one system call, check their order, and hash the whole
 *   request stream for determinism.  It can fail writes or reads that hit
 *   a byte range, and flushes (fault injection).
 * - A trace sink that keeps event names, to check tracepoint order.
 * - tfs_* wrappers: mkfs + mount with an option string, remount, crash.
 * Everything is static inline so each test file stays one executable.
 */
#ifndef FS_TESTLIB_H
#define FS_TESTLIB_H

#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "fpfs.h"

enum shim_type { SHIM_READ, SHIM_WRITE, SHIM_FLUSH, SHIM_TRIM };

struct shim_op {
  enum shim_type type;
  uint64_t off;
  size_t len;
  unsigned flags;
  uint64_t hash;
  uint8_t *data;                    /* WRITE with record_data */
};

struct shim_dev {
  struct fpfs_bdev *lower;
  struct shim_op *ops;
  size_t n, cap;
  bool record_reads;
  bool record_data;                 /* keep each write's bytes (replay) */
  /* fault injection: writes touching [fail_lo, fail_hi) fail with -EIO */
  uint64_t fail_lo, fail_hi;
  long fail_count;                  /* failures left; < 0 unlimited */
  /* reads touching [rfail_lo, rfail_hi) fail with rfail_err (-EIO if 0) */
  uint64_t rfail_lo, rfail_hi;
  long rfail_count;
  int rfail_err;
  long flush_fail_count;            /* flushes to fail with -EIO */
};

static inline void
shim_push (struct shim_dev *sd, struct shim_op op)
{
  if (sd->n == sd->cap) {
    sd->cap = sd->cap ? sd->cap * 2 : 1024;
    sd->ops = realloc (sd->ops, sd->cap * sizeof *sd->ops);
    assert (sd->ops);
  }
  sd->ops[sd->n++] = op;
}

static inline int
shim_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct shim_dev *sd = bd->priv;
  if (sd->record_reads)
    shim_push (sd, (struct shim_op) { SHIM_READ, off, len, 0, 0, NULL });
  if (sd->rfail_count != 0 && off < sd->rfail_hi && off + len > sd->rfail_lo) {
    if (sd->rfail_count > 0)
      sd->rfail_count--;
    return sd->rfail_err ? sd->rfail_err : -EIO;
  }
  return fpfs_bdev_read (sd->lower, buf, off, len);
}

static inline int
shim_write (struct fpfs_bdev *bd, const void *buf, uint64_t off, size_t len,
            unsigned flags)
{
  struct shim_dev *sd = bd->priv;
  uint8_t *copy = NULL;
  if (sd->record_data) {
    copy = malloc (len);
    assert (copy);
    memcpy (copy, buf, len);
  }
  shim_push (sd, (struct shim_op) { SHIM_WRITE, off, len, flags,
                                    XXH64 (buf, len, 0), copy });
  if (sd->fail_count != 0 && off < sd->fail_hi && off + len > sd->fail_lo) {
    if (sd->fail_count > 0)
      sd->fail_count--;
    return -EIO;
  }
  return fpfs_bdev_write (sd->lower, buf, off, len, flags);
}

static inline int
shim_flush (struct fpfs_bdev *bd)
{
  struct shim_dev *sd = bd->priv;
  shim_push (sd, (struct shim_op) { SHIM_FLUSH, 0, 0, 0, 0, NULL });
  if (sd->flush_fail_count != 0) {
    if (sd->flush_fail_count > 0)
      sd->flush_fail_count--;
    return -EIO;
  }
  return fpfs_bdev_flush (sd->lower);
}

static inline int
shim_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct shim_dev *sd = bd->priv;
  shim_push (sd, (struct shim_op) { SHIM_TRIM, off, len, 0, 0, NULL });
  return fpfs_bdev_trim (sd->lower, off, len);
}

static inline void
shim_close (struct fpfs_bdev *bd)
{
  struct shim_dev *sd = bd->priv;
  fpfs_bdev_close (sd->lower);
  for (size_t i = 0; i < sd->n; i++)
    free (sd->ops[i].data);
  free (sd->ops);
  free (sd);
}

static const struct fpfs_bdev_ops shim_ops = {
  .name = "shim", .read = shim_read, .write = shim_write,
  .flush = shim_flush, .trim = shim_trim, .close = shim_close,
};

/* A shim over a fresh memory device of size bytes. */
static inline struct fpfs_bdev *
shim_new (uint64_t size)
{
  struct fpfs_bdev *lower, *bd;
  struct shim_dev *sd;
  int ret = fpfs_bdev_mem_open (size, 512, &lower);

  assert (ret == 0);
  sd = calloc (1, sizeof *sd);
  bd = calloc (1, sizeof *bd);
  assert (sd && bd);
  sd->lower = lower;
  bd->ops = &shim_ops;
  bd->priv = sd;
  bd->size = lower->size;
  bd->sector_size = lower->sector_size;
  snprintf (bd->desc, sizeof bd->desc, "shim:mem");
  return bd;
}

static inline struct shim_dev *
shim_of (struct fpfs_bdev *bd)
{
  return bd->priv;
}

struct shim_counts {
  unsigned writes, fua, flushes, reads;
  unsigned data_writes, journal_writes, inplace_writes;
};

/* Count ops [from, to).  Journal region: blocks [1, 1 + jblocks). */
static inline struct shim_counts
shim_count (struct fpfs_bdev *bd, size_t from, size_t to, uint64_t jblocks)
{
  struct shim_dev *sd = shim_of (bd);
  struct shim_counts c = { 0 };

  for (size_t i = from; i < to && i < sd->n; i++) {
    struct shim_op *op = &sd->ops[i];
    if (op->type == SHIM_WRITE) {
      uint64_t blk = op->off / 4096;
      c.writes++;
      if (op->flags & FPFS_BDEV_FUA)
        c.fua++;
      if (blk >= 1 && blk < 1 + jblocks)
        c.journal_writes++;
      else
        c.inplace_writes++;
    } else if (op->type == SHIM_FLUSH)
      c.flushes++;
    else if (op->type == SHIM_READ)
      c.reads++;
  }
  return c;
}

/* XXH64 over the recorded request stream (types, offsets, lengths, flags,
 * data hashes). */
static inline uint64_t
shim_stream_hash (struct fpfs_bdev *bd)
{
  struct shim_dev *sd = shim_of (bd);
  XXH64_state_t *st = XXH64_createState ();
  uint64_t h;

  XXH64_reset (st, 0);
  for (size_t i = 0; i < sd->n; i++) {
    uint64_t v[5] = { sd->ops[i].type, sd->ops[i].off, sd->ops[i].len,
                      sd->ops[i].flags, sd->ops[i].hash };
    XXH64_update (st, v, sizeof v);
  }
  h = XXH64_digest (st);
  XXH64_freeState (st);
  return h;
}

/* Apply recorded ops [from, to) to dst (a crash state: what an in-order
 * device holds after op to-1).  Failed writes are in the record too; they
 * are applied as if they had landed, which only makes states harsher. */
static inline void
shim_apply (struct fpfs_bdev *bd, size_t from, size_t to, struct fpfs_bdev *dst)
{
  struct shim_dev *sd = shim_of (bd);
  for (size_t i = from; i < to && i < sd->n; i++) {
    struct shim_op *op = &sd->ops[i];
    if (op->type == SHIM_WRITE) {
      assert (op->data);
      assert (fpfs_bdev_write (dst, op->data, op->off, op->len, 0) == 0);
    } else if (op->type == SHIM_TRIM)
      assert (fpfs_bdev_trim (dst, op->off, op->len) == 0);
  }
}

/* ---- trace capture ---- */

struct tcap {
  char **names;
  size_t n, cap;
  FILE *echo;                       /* optional text copy */
};

static inline void
tcap_event (void *ctx, uint64_t vtime_ns, const char *name, const char *args)
{
  struct tcap *t = ctx;
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 256;
    t->names = realloc (t->names, t->cap * sizeof *t->names);
    assert (t->names);
  }
  t->names[t->n++] = strdup (name);
  if (t->echo)
    fprintf (t->echo, "  %" PRIu64 " %s: %s\n", vtime_ns, name, args);
}

static inline void
tcap_clear (struct tcap *t)
{
  for (size_t i = 0; i < t->n; i++)
    free (t->names[i]);
  t->n = 0;
}

static inline void
tcap_free (struct tcap *t)
{
  tcap_clear (t);
  free (t->names);
  t->names = NULL;
  t->cap = 0;
}

/* Is want[] a subsequence of the captured names?  Returns the index of
 * the first want[] not found, or nwant when all were. */
static inline size_t
tcap_subsequence (const struct tcap *t, const char *const *want, size_t nwant)
{
  size_t k = 0;
  for (size_t i = 0; i < t->n && k < nwant; i++)
    if (strcmp (t->names[i], want[k]) == 0)
      k++;
  return k;
}

static inline size_t
tcap_count (const struct tcap *t, const char *name)
{
  size_t c = 0;
  for (size_t i = 0; i < t->n; i++)
    c += strcmp (t->names[i], name) == 0;
  return c;
}

/* ---- file systems ---- */

static inline struct fpfs *
tfs_mount (struct fpfs_bdev *bd, const char *opts,
           const struct fpfs_trace_sink *trace)
{
  struct fpfs_mount_opts o;
  char err[256] = "";
  struct fpfs *fs = NULL;
  int ret;

  fpfs_mount_opts_init (&o);
  ret = fpfs_mount_opts_parse (opts, &o, err, sizeof err);
  if (ret == 0) {
    o.trace = trace;
    ret = fpfs_mount (bd, &o, &fs, err, sizeof err);
  }
  if (ret < 0)
    fprintf (stderr, "tfs_mount (%s): %d: %s\n", opts ? opts : "", ret, err);
  assert (ret == 0);
  return fs;
}

static inline struct fpfs *
tfs_mkfs_mount (struct fpfs_bdev *bd, const char *opts,
                const struct fpfs_trace_sink *trace)
{
  struct fpfs_mkfs_opts mo = { .deterministic = true, .seed = 42 };
  char err[256] = "";
  int ret = fpfs_mkfs (bd, &mo, err, sizeof err);

  if (ret < 0)
    fprintf (stderr, "mkfs: %d: %s\n", ret, err);
  assert (ret == 0);
  return tfs_mount (bd, opts, trace);
}

static inline void
tfs_pattern (uint8_t *buf, size_t len, uint64_t seed)
{
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    buf[i] = (uint8_t) x;
  }
}

/* CHECK: the call must not fail (>= 0); CHECK0: it must return exactly 0. */
#define CHECK(expr) do { int _r = (int) (expr); if (_r < 0) { \
  fprintf (stderr, "%s:%d: %s = %d\n", __FILE__, __LINE__, #expr, _r); \
  assert (0); } } while (0)
#define CHECK0(expr) do { int _r = (int) (expr); if (_r != 0) { \
  fprintf (stderr, "%s:%d: %s = %d\n", __FILE__, __LINE__, #expr, _r); \
  assert (0); } } while (0)

#endif /* FS_TESTLIB_H */
