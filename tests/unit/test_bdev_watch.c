/* test_bdev_watch: the watch device records exactly the 4 KiB blocks
 * whose lower bytes could have reached its caller (bdev_watch.c), and
 * passes every request through unchanged.
 */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpfs.h"

#define B 4096u

static void
expect_seen (struct fpfs_bdev *w, const uint64_t *want, size_t n)
{
  uint64_t *got;
  size_t k;

  assert (fpfs_bdev_watch_seen (w, &got, &k) == 0);
  if (k != n || (n && memcmp (got, want, n * sizeof *want) != 0)) {
    fprintf (stderr, "seen:");
    for (size_t i = 0; i < k; i++)
      fprintf (stderr, " %llu", (unsigned long long) got[i]);
    fprintf (stderr, "\nwant:");
    for (size_t i = 0; i < n; i++)
      fprintf (stderr, " %llu", (unsigned long long) want[i]);
    fprintf (stderr, "\n");
    abort ();
  }
  free (got);
}

int
main (void)
{
  struct fpfs_bdev *mem, *ov, *w;
  uint8_t buf[3 * B], page[B];

  assert (fpfs_bdev_mem_open (64 * B, 512, &mem) == 0);
  memset (page, 0xab, sizeof page);
  for (unsigned i = 0; i < 64; i++)
    assert (fpfs_bdev_write (mem, page, (uint64_t) i * B, B, 0) == 0);
  assert (fpfs_bdev_overlay_open (mem, &ov) == 0);
  assert (fpfs_bdev_watch_open (ov, &w) == 0);
  assert (fpfs_bdev_watch_lower (w) == ov);
  assert (w->size == ov->size && w->sector_size == 512);

  /* Nothing yet. */
  expect_seen (w, NULL, 0);

  /* A read of one sector makes its block seen; a read across blocks
   * makes each of them seen. */
  assert (fpfs_bdev_read (w, buf, 5 * B + 512, 512) == 0);
  assert (buf[0] == 0xab);
  assert (fpfs_bdev_read (w, buf, 9 * B + 3584, 1024) == 0);
  expect_seen (w, (uint64_t[]) { 5, 9, 10 }, 3);

  /* A whole-block write first: covered, and later reads of it do not
   * count; the write goes through to the overlay. */
  memset (page, 0x11, sizeof page);
  assert (fpfs_bdev_write (w, page, 20 * B, B, 0) == 0);
  assert (fpfs_bdev_read (w, buf, 20 * B, B) == 0);
  assert (buf[0] == 0x11 && buf[B - 1] == 0x11);
  /* A partial write first: seen (the rest of the block is lower's). */
  assert (fpfs_bdev_write (w, page, 30 * B + 1024, 512, 0) == 0);
  /* A partial trim first: seen; a whole-block trim: covered. */
  assert (fpfs_bdev_trim (w, 40 * B, 512) == 0);
  assert (fpfs_bdev_trim (w, 41 * B, B) == 0);
  assert (fpfs_bdev_read (w, buf, 41 * B, B) == 0 && buf[0] == 0);
  /* A write of blocks 50..52 that starts and ends mid-block: 50 and 52
   * seen, 51 covered. */
  assert (fpfs_bdev_write (w, buf, 50 * B + 512, 2 * B, 0) == 0);
  assert (fpfs_bdev_read (w, buf, 51 * B, B) == 0);
  /* A block read before it is written whole stays seen. */
  assert (fpfs_bdev_write (w, page, 5 * B, B, 0) == 0);
  expect_seen (w, (uint64_t[]) { 5, 9, 10, 30, 40, 50, 52 }, 7);

  /* Reset forgets it all (the overlay keeps its writes). */
  fpfs_bdev_watch_reset (w);
  expect_seen (w, NULL, 0);
  assert (fpfs_bdev_read (w, buf, 20 * B, B) == 0 && buf[0] == 0x11);
  expect_seen (w, (uint64_t[]) { 20 }, 1);
  assert (fpfs_bdev_flush (w) == 0);

  /* Many blocks (the table grows), a reset, then a few: exactly those.
   * The device is big (2 TiB) but sparse: memory follows what is
   * touched, not the size. */
  {
    struct fpfs_bdev *bigmem, *bigw;
    uint64_t want[3] = { 7, 123457, (UINT64_C (1) << 29) - 1 };
    assert (fpfs_bdev_mem_open (UINT64_C (1) << 41, 4096, &bigmem) == 0);
    assert (fpfs_bdev_watch_open (bigmem, &bigw) == 0);
    for (int round = 0; round < 3; round++) {
      for (uint64_t b = 0; b < 20000; b++)
        assert (fpfs_bdev_read (bigw, buf, b * 997 * B, B) == 0);
      uint64_t *got;
      size_t k;
      assert (fpfs_bdev_watch_seen (bigw, &got, &k) == 0 && k == 20000);
      free (got);
      fpfs_bdev_watch_reset (bigw);
      for (int i = 2; i >= 0; i--)
        assert (fpfs_bdev_read (bigw, buf, want[i] * B, B) == 0);
      assert (fpfs_bdev_write (bigw, page, 5 * B, B, 0) == 0);
      expect_seen (bigw, want, 3);
      fpfs_bdev_watch_reset (bigw);
      expect_seen (bigw, NULL, 0);
    }
    fpfs_bdev_close (bigw);
    fpfs_bdev_close (bigmem);
  }

  fpfs_bdev_close (w);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (mem);
  printf ("test_bdev_watch: ok\n");
  return 0;
}
