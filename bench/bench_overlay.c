/* bench_overlay: overlay cost must not grow with the device.
 *
 * The checker opens an overlay per crash state, writes that state's delta,
 * recovers, and resets.  This measures one such cycle, open + 64 random
 * 4 KiB writes + reset + close, over a sparse 64 MiB and a sparse 64 GiB
 * mem device, interleaving the two so drift hits both alike, and prints
 * the ratio (big / small) of the best batch of each.  It should be about
 * 1.0.
 *
 *   bench_overlay [ROUNDS] [SEED]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fpfs.h"

#define WRITES_PER_CYCLE 64
#define CYCLES_PER_BATCH 200

static uint64_t
rnd (uint64_t *s)
{
  uint64_t z = (*s += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* Seconds for CYCLES_PER_BATCH cycles over lower. */
static double
batch (struct fpfs_bdev *lower, uint64_t *seed)
{
  static uint8_t page[4096];
  uint64_t pages = lower->size / 4096;
  double t0 = now_s ();

  for (int c = 0; c < CYCLES_PER_BATCH; c++) {
    struct fpfs_bdev *ov;

    if (fpfs_bdev_overlay_open (lower, &ov) < 0) {
      fprintf (stderr, "bench_overlay: overlay_open failed\n");
      exit (1);
    }
    for (int w = 0; w < WRITES_PER_CYCLE; w++) {
      memset (page, (int) (w + 1), 64);
      if (fpfs_bdev_write (ov, page, (rnd (seed) % pages) * 4096, 4096, 0)
          < 0) {
        fprintf (stderr, "bench_overlay: write failed\n");
        exit (1);
      }
    }
    fpfs_bdev_overlay_reset (ov);
    fpfs_bdev_close (ov);
  }
  return now_s () - t0;
}

int
main (int argc, char **argv)
{
  int rounds = argc > 1 ? atoi (argv[1]) : 20;
  uint64_t seed0 = argc > 2 ? strtoull (argv[2], NULL, 0) : 1, seed = seed0;
  struct fpfs_bdev *small, *big;
  double ts = 1e30, tb = 1e30, t;

  if (rounds < 1)
    rounds = 1;
  if (fpfs_bdev_mem_open (UINT64_C (64) << 20, 512, &small) < 0 ||
      fpfs_bdev_mem_open (UINT64_C (64) << 30, 512, &big) < 0) {
    fprintf (stderr, "bench_overlay: mem_open failed\n");
    return 1;
  }
  batch (small, &seed);                       /* warm up malloc */
  batch (big, &seed);
  /* The fastest batch of each: other load on the machine only ever adds
   * time, so the minimum is the least disturbed measurement. */
  for (int r = 0; r < rounds; r++) {
    if ((t = batch (small, &seed)) < ts)
      ts = t;
    if ((t = batch (big, &seed)) < tb)
      tb = t;
  }
  printf ("bench_overlay: seed %" PRIu64 ", best of %d batches of %d cycles:"
          " open + %d random 4 KiB writes + reset\n", seed0, rounds,
          CYCLES_PER_BATCH, WRITES_PER_CYCLE);
  printf ("  64 MiB lower: %8.2f us/cycle\n", ts / CYCLES_PER_BATCH * 1e6);
  printf ("  64 GiB lower: %8.2f us/cycle\n", tb / CYCLES_PER_BATCH * 1e6);
  printf ("  ratio 64 GiB / 64 MiB: %.3f\n", tb / ts);
  fpfs_bdev_close (small);
  fpfs_bdev_close (big);
  return 0;
}
