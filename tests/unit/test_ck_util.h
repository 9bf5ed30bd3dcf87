/* test_ck_util: helpers shared by the checker's unit tests (header only).
 *
 * - tl_*: write a log by hand with the real writer (fplog_writer_*);
 * - tl_random_log: a seeded random log of WRITE/TRIM/ZERO/FLUSH/MARK
 *   entries, FUA now and then, some requests off sector boundaries;
 * - tl_reference: the brute-force image of a recipe, replayed from
 *   entry 0 onto a fresh memory device.
 */
#ifndef TEST_CK_UTIL_H
#define TEST_CK_UTIL_H

#undef NDEBUG
/* Not every test uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ck_base.h"
#include "ck_image.h"
#include "fplog.h"
#include "fpfs.h"

struct tl {
  struct fplog_writer *w;
  char path[256];
  uint64_t size;
  uint32_t ss;
};

static uint64_t tl_rng;

static uint64_t
tl_rand (void)
{
  uint64_t z = (tl_rng += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static uint64_t
tl_seed_from_env (uint64_t dflt)
{
  const char *s = getenv ("FP_SEED");
  return s ? strtoull (s, NULL, 0) : dflt;
}

static void
tl_open (struct tl *t, const char *name, uint64_t size, uint32_t ss,
         const char *base_path, uint64_t base_size, uint64_t base_sum)
{
  static const uint8_t uuid[16] = { 0xf1, 0x05, 0x90, 0x17, 1, 2, 3, 4,
                                    5, 6, 7, 8, 9, 10, 11, 12 };
  char err[512];
  struct fplog_writer_opts o = {
    .device_size = size, .sector_size = ss, .uuid = uuid,
    .deterministic = true, .base_path = base_path, .base_size = base_size,
    .base_checksum = base_sum,
  };
  const char *dir = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";

  snprintf (t->path, sizeof t->path, "%s/%s-%d.fpl", dir, name, (int) getpid ());
  o.path = t->path;
  t->size = size;
  t->ss = ss;
  if (fplog_writer_open (&o, &t->w, err, sizeof err) != 0) {
    fprintf (stderr, "fplog_writer_open: %s\n", err);
    abort ();
  }
}

static uint64_t
tl_add (struct tl *t, enum fplog_type type, unsigned flags, uint64_t off,
        uint64_t len, const void *payload, uint32_t plen)
{
  char err[512];
  uint64_t seq;

  if (fplog_append (t->w, type, flags, off, len, payload, plen, &seq, err,
                    sizeof err) != 0) {
    fprintf (stderr, "fplog_append: %s\n", err);
    abort ();
  }
  return seq;
}

static uint64_t
tl_write (struct tl *t, unsigned flags, uint64_t off, uint64_t len,
          uint8_t fill)
{
  uint8_t *p = malloc (len);
  for (uint64_t i = 0; i < len; i++)
    p[i] = (uint8_t) (fill + i / 512);   /* each sector differs */
  uint64_t seq = tl_add (t, FPLOG_WRITE, flags, off, len, p, (uint32_t) len);
  free (p);
  return seq;
}

static uint64_t
tl_flush (struct tl *t)
{
  return tl_add (t, FPLOG_FLUSH, 0, 0, 0, NULL, 0);
}

static uint64_t
tl_mark (struct tl *t, const char *text)
{
  return tl_add (t, FPLOG_MARK, 0, 0, strlen (text), text,
                 (uint32_t) strlen (text));
}

static void
tl_close (struct tl *t)
{
  assert (fplog_writer_close (t->w) == 0);
  t->w = NULL;
}

/* A random log of about n entries over a small device. */
static void
tl_random_log (struct tl *t, unsigned n, unsigned flush_every)
{
  for (unsigned i = 0; i < n; i++) {
    uint64_t r = tl_rand () % 100;
    uint64_t nsec = t->size / t->ss;
    uint64_t len = (1 + tl_rand () % 12) * t->ss;
    uint64_t off = (tl_rand () % (nsec - 13)) * t->ss;
    unsigned flags = tl_rand () % 8 == 0 ? FPLOG_F_FUA : 0;

    if (tl_rand () % 10 == 0) {          /* off the sector grid */
      off += tl_rand () % t->ss;
      len -= tl_rand () % (len / 2);
    }
    if (r < 100 / (flush_every ? flush_every : 100))
      tl_flush (t);
    else if (r < 60)
      tl_write (t, flags, off, len, (uint8_t) tl_rand ());
    else if (r < 68)
      tl_add (t, tl_rand () & 1 ? FPLOG_TRIM : FPLOG_ZERO, flags, off, len,
              NULL, 0);
    else if (r < 80)
      tl_mark (t, "mark");
    else                                  /* overwrite a hot spot */
      tl_write (t, flags, (tl_rand () % 4) * t->ss * 3, len,
                (uint8_t) tl_rand ());
  }
}

/* The recipe's image the slow way, onto a fresh memory device. */
static struct fpfs_bdev *
tl_reference (const char *log_path, const struct ck_recipe *r)
{
  struct fplog_reader *rd;
  struct fpfs_bdev *bd;
  char err[512];

  assert (fplog_reader_open (log_path, &rd, err, sizeof err) == 0);
  const struct fplog_header *h = fplog_reader_header (rd);
  assert (fpfs_bdev_mem_open (h->device_size, h->sector_size, &bd) == 0);
  if (ck_base_load (h, log_path, NULL, bd, err, sizeof err) != 0) {
    fprintf (stderr, "ck_base_load: %s\n", err);
    abort ();
  }
  if (ck_recipe_apply (r, rd, 0, bd, err, sizeof err) != 0) {
    fprintf (stderr, "ck_recipe_apply: %s\n", err);
    abort ();
  }
  fplog_reader_close (rd);
  return bd;
}

/* Byte offset of the first difference between two devices, or -1. */
static int64_t
tl_diff (struct fpfs_bdev *a, struct fpfs_bdev *b)
{
  static uint8_t x[65536], y[65536];

  assert (a->size == b->size);
  for (uint64_t off = 0; off < a->size; off += sizeof x) {
    size_t n = a->size - off < sizeof x ? a->size - off : sizeof x;
    assert (fpfs_bdev_read (a, x, off, n) == 0);
    assert (fpfs_bdev_read (b, y, off, n) == 0);
    if (memcmp (x, y, n))
      for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
          return (int64_t) (off + i);
  }
  return -1;
}

#endif /* TEST_CK_UTIL_H */
