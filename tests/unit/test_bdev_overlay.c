/* test_bdev_overlay: the copy-on-write overlay.
 *
 * The random test drives an overlay (and an overlay stacked on it) with
 * writes, trims, reads, flushes and resets and compares every read with a
 * flat reference model; the lower device must never change.  The seed is
 * printed; FP_SEED in the environment overrides it.
 */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bdev_pagemap.h"
#include "fpfs.h"

static uint64_t rng_state;

static uint64_t
rnd (void)
{
  uint64_t z = (rng_state += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
fill_random (uint8_t *p, size_t len)
{
  for (size_t i = 0; i < len; i++)
    p[i] = (uint8_t) rnd ();
}

/* A mem device whose every byte is random, plus a copy of it. */
static struct fpfs_bdev *
make_lower (uint64_t size, uint32_t sector, uint8_t **copy)
{
  struct fpfs_bdev *bd;

  *copy = malloc (size);
  assert (*copy);
  fill_random (*copy, size);
  assert (fpfs_bdev_mem_open (size, sector, &bd) == 0);
  assert (fpfs_bdev_write (bd, *copy, 0, size, 0) == 0);
  memset (&bd->stats, 0, sizeof bd->stats);
  return bd;
}

static void
test_reads_fall_through_until_written (void)
{
  uint8_t *base, buf[8192];
  struct fpfs_bdev *lower = make_lower (1 << 20, 512, &base), *ov;

  assert (fpfs_bdev_overlay_open (lower, &ov) == 0);
  assert (ov->size == lower->size && ov->sector_size == 512);
  assert (strcmp (ov->ops->name, "overlay") == 0);
  assert (fpfs_bdev_read (ov, buf, 4096, 8192) == 0);
  assert (memcmp (buf, base + 4096, 8192) == 0);
  memset (buf, 0xee, 512);
  assert (fpfs_bdev_write (ov, buf, 4096 + 1024, 512, FPFS_BDEV_FUA) == 0);
  assert (fpfs_bdev_read (ov, buf, 4096, 8192) == 0);
  assert (memcmp (buf, base + 4096, 1024) == 0);
  assert (buf[1024] == 0xee && buf[1535] == 0xee);
  assert (memcmp (buf + 1536, base + 4096 + 1536, 8192 - 1536) == 0);
  assert (fpfs_bdev_overlay_pages (ov) == 1);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (lower);
  free (base);
}

static void
test_lower_is_never_written_flushed_or_trimmed (void)
{
  uint8_t *base, *now, buf[4096];
  struct fpfs_bdev *lower = make_lower (1 << 20, 512, &base), *ov;

  assert (fpfs_bdev_overlay_open (lower, &ov) == 0);
  memset (buf, 1, sizeof buf);
  assert (fpfs_bdev_write (ov, buf, 0, 4096, 0) == 0);
  assert (fpfs_bdev_write (ov, buf, 512, 1024, FPFS_BDEV_FUA) == 0);
  assert (fpfs_bdev_trim (ov, 8192, 65536) == 0);
  assert (fpfs_bdev_flush (ov) == 0);
  assert (lower->stats.writes == 0 && lower->stats.flushes == 0 &&
          lower->stats.trims == 0);
  now = malloc (1 << 20);
  assert (fpfs_bdev_read (lower, now, 0, 1 << 20) == 0);
  assert (memcmp (now, base, 1 << 20) == 0);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (lower);
  free (now);
  free (base);
}

static void
test_trim_reads_zero_without_touching_lower (void)
{
  uint64_t size = UINT64_C (64) << 30;
  struct fpfs_bdev *lower, *ov;
  uint8_t buf[8192], data[4096];

  assert (fpfs_bdev_mem_open (size, 512, &lower) == 0);
  memset (data, 9, sizeof data);
  assert (fpfs_bdev_write (lower, data, UINT64_C (5) << 30, 4096, 0) == 0);
  assert (fpfs_bdev_overlay_open (lower, &ov) == 0);
  assert (fpfs_bdev_write (ov, data, UINT64_C (7) << 30, 4096, 0) == 0);
  assert (fpfs_bdev_trim (ov, 0, size) == 0);            /* discard all */
  assert (fpfs_bdev_overlay_pages (ov) == 0);
  assert (fpfs_bdev_overlay_zero_ranges (ov) == 1);
  memset (&lower->stats, 0, sizeof lower->stats);
  assert (fpfs_bdev_read (ov, buf, (UINT64_C (5) << 30) - 4096, 8192) == 0);
  for (size_t i = 0; i < sizeof buf; i++)
    assert (buf[i] == 0);
  assert (lower->stats.reads == 0);
  /* A sub-page write after the trim merges with zeroes, not lower. */
  assert (fpfs_bdev_write (ov, data, (UINT64_C (5) << 30) + 512, 512, 0) == 0);
  assert (lower->stats.reads == 0);
  assert (fpfs_bdev_read (ov, buf, UINT64_C (5) << 30, 4096) == 0);
  assert (buf[0] == 0 && buf[512] == 9 && buf[1023] == 9 && buf[1024] == 0);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (lower);
}

static void
test_zero_page_write_costs_no_page (void)
{
  uint8_t *base, buf[16384] = { 0 };
  struct fpfs_bdev *lower = make_lower (1 << 20, 512, &base), *ov;

  assert (fpfs_bdev_overlay_open (lower, &ov) == 0);
  assert (fpfs_bdev_write (ov, buf, 8192, sizeof buf, 0) == 0);
  assert (fpfs_bdev_overlay_pages (ov) == 0);
  assert (fpfs_bdev_overlay_zero_ranges (ov) == 1);       /* merged */
  memset (buf, 0xff, sizeof buf);
  assert (fpfs_bdev_read (ov, buf, 8192, sizeof buf) == 0);
  for (size_t i = 0; i < sizeof buf; i++)
    assert (buf[i] == 0);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (lower);
  free (base);
}

static void
test_reset_forgets_everything (void)
{
  uint8_t *base, buf[4096];
  struct fpfs_bdev *lower = make_lower (1 << 20, 512, &base), *ov;

  assert (fpfs_bdev_overlay_open (lower, &ov) == 0);
  memset (buf, 3, sizeof buf);
  for (int i = 0; i < 100; i++)
    assert (fpfs_bdev_write (ov, buf, (uint64_t) i * 8192, 4096, 0) == 0);
  assert (fpfs_bdev_trim (ov, 4096, 4096) == 0);
  assert (fpfs_bdev_overlay_pages (ov) == 100);
  fpfs_bdev_overlay_reset (ov);
  assert (fpfs_bdev_overlay_pages (ov) == 0);
  assert (fpfs_bdev_overlay_zero_ranges (ov) == 0);
  assert (ov->stats.writes == 0 && ov->stats.trims == 0);
  assert (fpfs_bdev_read (ov, buf, 0, 4096) == 0);
  assert (memcmp (buf, base, 4096) == 0);
  assert (fpfs_bdev_read (ov, buf, 4096, 4096) == 0);
  assert (memcmp (buf, base + 4096, 4096) == 0);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (lower);
  free (base);
}

/* A lower device that fails every read: errors reach the caller. */
static int
bad_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  (void) bd, (void) buf, (void) off, (void) len;
  return -EIO;
}

static void
bad_close (struct fpfs_bdev *bd)
{
  (void) bd;
}

static void
test_lower_read_error_is_returned (void)
{
  static const struct fpfs_bdev_ops bad_ops = {
    .name = "bad", .read = bad_read, .close = bad_close,
  };
  struct fpfs_bdev *bad = calloc (1, sizeof *bad), *ov;
  uint8_t buf[4096] = { 1 };

  bad->ops = &bad_ops;
  bad->size = 1 << 20;
  bad->sector_size = 512;
  assert (fpfs_bdev_overlay_open (bad, &ov) == 0);
  assert (fpfs_bdev_read (ov, buf, 0, 4096) == -EIO);
  assert (fpfs_bdev_write (ov, buf, 0, 512, 0) == -EIO);   /* needs COW */
  assert (fpfs_bdev_overlay_pages (ov) == 0);
  assert (fpfs_bdev_write (ov, buf, 0, 4096, 0) == 0);     /* whole page */
  assert (fpfs_bdev_read (ov, buf, 0, 4096) == 0 && buf[0] == 1);
  assert (fpfs_bdev_trim (ov, 8192, 4096) == 0);
  assert (fpfs_bdev_read (ov, buf, 8192, 4096) == 0 && buf[0] == 0);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (bad);
}

static void
check_read (struct fpfs_bdev *bd, const uint8_t *ref, uint64_t off,
            size_t len, uint8_t *got, uint64_t seed, int op)
{
  assert (fpfs_bdev_read (bd, got, off, len) == 0);
  if (memcmp (got, ref + off, len) != 0) {
    fprintf (stderr, "test_bdev_overlay: mismatch on %s at %" PRIu64
             "+%zu: seed %" PRIu64 " op %d\n", bd->desc, off, len, seed, op);
    assert (0);
  }
}

/* Random ops on two stacked overlays against reference arrays.  The
 * device size is not a multiple of the page so the short last page is
 * exercised. */
static void
test_random_ops_match_reference (uint32_t sector, uint64_t seed)
{
  const uint64_t size = (1 << 20) + 3 * 512 * (sector == 512);
  const size_t maxlen = 48 * 1024;
  uint8_t *base, *ref1, *ref2, *buf = malloc (maxlen), *got = malloc (maxlen);
  struct fpfs_bdev *lower, *ov1, *ov2;
  uint64_t nsect = size / sector;

  rng_state = seed;
  lower = make_lower (size, sector, &base);
  ref1 = malloc (size);
  ref2 = malloc (size);
  memcpy (ref1, base, size);
  memcpy (ref2, base, size);
  assert (fpfs_bdev_overlay_open (lower, &ov1) == 0);
  assert (fpfs_bdev_overlay_open (ov1, &ov2) == 0);
  for (int op = 0; op < 6000; op++) {
    int top = rnd () & 1;                   /* which overlay */
    struct fpfs_bdev *bd = top ? ov2 : ov1;
    uint8_t *ref = top ? ref2 : ref1;
    uint64_t s = rnd () % nsect, n = 1 + rnd () % (maxlen / sector);
    unsigned kind = rnd () % 100;
    uint64_t off, len;

    if (rnd () % 4 == 0)                    /* favour page boundaries */
      s = (s * sector / 4096) * 4096 / sector;
    if (s + n > nsect)
      n = nsect - s;
    off = s * sector;
    len = n * sector;
    if (kind < 40) {
      fill_random (buf, len);
      if (kind < 5)
        memset (buf, 0, len);
      assert (fpfs_bdev_write (bd, buf, off, len, rnd () & 1) == 0);
      memcpy (ref + off, buf, len);
    }
    else if (kind < 55) {
      assert (fpfs_bdev_trim (bd, off, len) == 0);
      memset (ref + off, 0, len);
    }
    else if (kind < 57) {
      assert (fpfs_bdev_flush (bd) == 0);
    }
    else if (kind < 59) {
      fpfs_bdev_overlay_reset (bd);
      memcpy (ref, top ? ref1 : base, size);
    }
    else {
      check_read (bd, ref, off, len, got, seed, op);
    }
    /* ov2 reads through to ov1, so a change to ov1 shows through ov2
     * wherever ov2 holds nothing.  Keep the model simple: whenever ov1
     * changes, reset ov2 to ov1. */
    if (!top && kind < 59) {
      fpfs_bdev_overlay_reset (ov2);
      memcpy (ref2, ref1, size);
    }
  }
  check_read (ov1, ref1, 0, maxlen, got, seed, -1);
  check_read (ov1, ref1, size - maxlen / 2 / sector * sector,
              maxlen / 2 / sector * sector, got, seed, -1);
  check_read (ov2, ref2, size - 4096 * 3, 4096 * 3, got, seed, -1);
  /* The lower device is untouched. */
  assert (lower->stats.writes == 0 && lower->stats.trims == 0 &&
          lower->stats.flushes == 0);
  check_read (lower, base, 0, maxlen, got, seed, -1);
  fpfs_bdev_close (ov2);
  fpfs_bdev_close (ov1);
  fpfs_bdev_close (lower);
  free (base);
  free (ref1);
  free (ref2);
  free (buf);
  free (got);
}

int
main (void)
{
  uint64_t seed = (uint64_t) time (NULL);
  const char *env = getenv ("FP_SEED");

  if (env)
    seed = strtoull (env, NULL, 0);
  printf ("test_bdev_overlay: seed %" PRIu64 "\n", seed);
  test_reads_fall_through_until_written ();
  test_lower_is_never_written_flushed_or_trimmed ();
  test_trim_reads_zero_without_touching_lower ();
  test_zero_page_write_costs_no_page ();
  test_reset_forgets_everything ();
  test_lower_read_error_is_returned ();
  test_random_ops_match_reference (512, seed);
  test_random_ops_match_reference (4096, seed + 1);
  printf ("test_bdev_overlay: ok\n");
  return 0;
}
