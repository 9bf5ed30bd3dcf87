/* test_bdev_mem: the sparse memory device and the fpfs_bdev_* wrappers.
 *
 * One behaviour per function.  The random test compares the device with a
 * flat reference array; its seed is printed (FP_SEED in the environment
 * overrides it).
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
  /* splitmix64: enough for test data. */
  uint64_t z = (rng_state += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
test_unwritten_reads_zero (void)
{
  struct fpfs_bdev *bd;
  uint8_t buf[8192];

  assert (fpfs_bdev_mem_open (1 << 20, 512, &bd) == 0);
  memset (buf, 0xaa, sizeof buf);
  assert (fpfs_bdev_read (bd, buf, 4096 * 3 + 512, sizeof buf) == 0);
  for (size_t i = 0; i < sizeof buf; i++)
    assert (buf[i] == 0);
  assert (fpfs_bdev_mem_pages (bd) == 0);
  assert (strcmp (bd->ops->name, "mem") == 0);
  fpfs_bdev_close (bd);
}

static void
test_open_rejects_bad_geometry (void)
{
  struct fpfs_bdev *bd = (struct fpfs_bdev *) 1;

  assert (fpfs_bdev_mem_open (1 << 20, 256, &bd) == -EINVAL);
  assert (bd == NULL);
  assert (fpfs_bdev_mem_open (1 << 20, 8192, &bd) == -EINVAL);
  assert (fpfs_bdev_mem_open (1 << 20, 1000, &bd) == -EINVAL);
  assert (fpfs_bdev_mem_open (4096 + 100, 512, &bd) == -EINVAL);
  assert (fpfs_bdev_mem_open (4096 + 512, 512, &bd) == 0);
  fpfs_bdev_close (bd);
}

static void
test_wrappers_reject_misaligned_and_out_of_bounds (void)
{
  struct fpfs_bdev *bd;
  uint8_t buf[4096] = { 0 };

  assert (fpfs_bdev_mem_open (1 << 20, 4096, &bd) == 0);
  assert (fpfs_bdev_read (bd, buf, 512, 4096) == -EINVAL);
  assert (fpfs_bdev_read (bd, buf, 0, 512) == -EINVAL);
  assert (fpfs_bdev_write (bd, buf, 1 << 20, 4096, 0) == -EINVAL);
  assert (fpfs_bdev_write (bd, buf, (1 << 20) - 4096, 4096, 0) == 0);
  assert (fpfs_bdev_write (bd, buf, UINT64_MAX & ~UINT64_C (4095), 4096, 0)
          == -EINVAL);
  assert (fpfs_bdev_write (bd, buf, 0, 4096, 0x80) == -EINVAL);
  assert (fpfs_bdev_trim (bd, 4096, 100) == -EINVAL);
  assert (fpfs_bdev_trim (bd, 0, (1 << 20) + 4096) == -EINVAL);
  assert (fpfs_bdev_read (bd, NULL, 0, 4096) == -EINVAL);
  assert (fpfs_bdev_read (NULL, buf, 0, 4096) == -EINVAL);
  assert (fpfs_bdev_flush (NULL) == -EINVAL);
  /* Rejected requests are not counted; only the one valid write is. */
  assert (bd->stats.reads == 0 && bd->stats.writes == 1 &&
          bd->stats.trims == 0);
  fpfs_bdev_close (bd);
}

static void
test_stats_count_requests (void)
{
  struct fpfs_bdev *bd;
  uint8_t buf[4096] = { 1 };

  assert (fpfs_bdev_mem_open (1 << 20, 512, &bd) == 0);
  assert (fpfs_bdev_write (bd, buf, 0, 4096, 0) == 0);
  assert (fpfs_bdev_write (bd, buf, 8192, 1024, FPFS_BDEV_FUA) == 0);
  assert (fpfs_bdev_read (bd, buf, 0, 2048) == 0);
  assert (fpfs_bdev_flush (bd) == 0);
  assert (fpfs_bdev_trim (bd, 0, 512) == 0);
  assert (fpfs_bdev_read (bd, buf, 0, 0) == 0);      /* no-op, not counted */
  assert (bd->stats.writes == 2 && bd->stats.fua_writes == 1);
  assert (bd->stats.bytes_written == 5120);
  assert (bd->stats.reads == 1 && bd->stats.bytes_read == 2048);
  assert (bd->stats.flushes == 1 && bd->stats.trims == 1);
  fpfs_bdev_close (bd);
}

static void
test_close_null_is_fine (void)
{
  fpfs_bdev_close (NULL);
}

static void
test_memory_tracks_writes_not_size (void)
{
  struct fpfs_bdev *bd;
  uint8_t buf[512];
  uint64_t size = UINT64_C (64) << 30;

  memset (buf, 7, sizeof buf);
  assert (fpfs_bdev_mem_open (size, 512, &bd) == 0);
  assert (fpfs_bdev_write (bd, buf, 0, 512, 0) == 0);
  assert (fpfs_bdev_write (bd, buf, size - 512, 512, 0) == 0);
  assert (fpfs_bdev_write (bd, buf, UINT64_C (17) << 30, 512, 0) == 0);
  assert (fpfs_bdev_write (bd, buf, (UINT64_C (17) << 30) + 1024, 512, 0)
          == 0);
  assert (fpfs_bdev_mem_pages (bd) == 3);
  /* Trimming the whole device frees everything in O(pages). */
  assert (fpfs_bdev_trim (bd, 0, (size_t) size) == 0);
  assert (fpfs_bdev_mem_pages (bd) == 0);
  fpfs_bdev_close (bd);
}

static void
test_zero_page_write_frees_page (void)
{
  struct fpfs_bdev *bd;
  uint8_t buf[4096];

  assert (fpfs_bdev_mem_open (1 << 20, 512, &bd) == 0);
  memset (buf, 0, sizeof buf);
  assert (fpfs_bdev_write (bd, buf, 8192, 4096, 0) == 0);
  assert (fpfs_bdev_mem_pages (bd) == 0);
  buf[100] = 1;
  assert (fpfs_bdev_write (bd, buf, 8192, 4096, 0) == 0);
  assert (fpfs_bdev_mem_pages (bd) == 1);
  buf[100] = 0;
  assert (fpfs_bdev_write (bd, buf, 8192, 4096, 0) == 0);
  assert (fpfs_bdev_mem_pages (bd) == 0);
  fpfs_bdev_close (bd);
}

static void
test_partial_trim_zeroes_sectors_only (void)
{
  struct fpfs_bdev *bd;
  uint8_t buf[3 * 4096], got[3 * 4096];

  assert (fpfs_bdev_mem_open (1 << 20, 512, &bd) == 0);
  memset (buf, 0x5a, sizeof buf);
  assert (fpfs_bdev_write (bd, buf, 0, sizeof buf, 0) == 0);
  assert (fpfs_bdev_trim (bd, 1024, 2 * 4096) == 0);   /* 1024 .. 9216 */
  memset (buf + 1024, 0, 2 * 4096);
  assert (fpfs_bdev_read (bd, got, 0, sizeof got) == 0);
  assert (memcmp (buf, got, sizeof got) == 0);
  assert (fpfs_bdev_mem_pages (bd) == 2);              /* middle page freed */
  fpfs_bdev_close (bd);
}

/* Random reads, writes and trims at sector granularity against a flat
 * reference copy of the device. */
static void
test_random_ops_match_reference (uint32_t sector, uint64_t seed)
{
  const uint64_t size = 1 << 20;
  struct fpfs_bdev *bd;
  uint8_t *ref = calloc (1, size), *buf = malloc (64 * 1024);
  uint8_t *got = malloc (64 * 1024);
  uint64_t nsect = size / sector;

  rng_state = seed;
  assert (ref && buf && got);
  assert (fpfs_bdev_mem_open (size, sector, &bd) == 0);
  for (int op = 0; op < 4000; op++) {
    uint64_t maxn = (64 * 1024) / sector;
    uint64_t s = rnd () % nsect;
    uint64_t n = 1 + rnd () % maxn;
    uint64_t off, len;
    unsigned kind = rnd () % 10;

    if (s + n > nsect)
      n = nsect - s;
    off = s * sector;
    len = n * sector;
    if (kind < 5) {
      uint8_t v = (uint8_t) rnd ();
      for (uint64_t i = 0; i < len; i++)
        buf[i] = (i % 3 == 0) ? 0 : (uint8_t) (v + i);
      if (kind == 0)
        memset (buf, 0, len);
      assert (fpfs_bdev_write (bd, buf, off, len, rnd () & 1) == 0);
      memcpy (ref + off, buf, len);
    }
    else if (kind < 7) {
      assert (fpfs_bdev_trim (bd, off, len) == 0);
      memset (ref + off, 0, len);
    }
    else {
      assert (fpfs_bdev_read (bd, got, off, len) == 0);
      if (memcmp (got, ref + off, len) != 0) {
        fprintf (stderr, "mismatch: seed %" PRIu64 " sector %u op %d\n",
                 seed, sector, op);
        assert (0);
      }
    }
  }
  /* A page with a non-zero byte is held; trimming everything frees all. */
  for (uint64_t p = 0; p < size / 4096; p++) {
    uint8_t z[4096] = { 0 };
    if (memcmp (ref + p * 4096, z, 4096) != 0)
      assert (fpfs_bdev_mem_pages (bd) > 0);
  }
  assert (fpfs_bdev_trim (bd, 0, size) == 0);
  assert (fpfs_bdev_mem_pages (bd) == 0);
  fpfs_bdev_close (bd);
  free (ref);
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
  printf ("test_bdev_mem: seed %" PRIu64 "\n", seed);
  test_unwritten_reads_zero ();
  test_open_rejects_bad_geometry ();
  test_wrappers_reject_misaligned_and_out_of_bounds ();
  test_stats_count_requests ();
  test_close_null_is_fine ();
  test_memory_tracks_writes_not_size ();
  test_zero_page_write_frees_page ();
  test_partial_trim_zeroes_sectors_only ();
  test_random_ops_match_reference (512, seed);
  test_random_ops_match_reference (1024, seed + 1);
  test_random_ops_match_reference (4096, seed + 2);
  printf ("test_bdev_mem: ok\n");
  return 0;
}
