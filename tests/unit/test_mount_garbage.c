/* test_mount_garbage: seeded random corruptions of a valid image; mount
 * (journal recovery), reads and fsck answer with an error or succeed, and
 * never crash.
 *
 * This is tests/fuzz/fuzz_mount.c's harness, included as it is, fed with
 * inputs built from a seeded generator instead of libFuzzer's: patches of
 * random bytes, mostly over the metadata and journal blocks of the
 * template images, with the fuzz target's checksum fix-ups switched on at
 * random so that many corruptions get past the superblock and journal
 * checksums.  The write phase is left to the fuzzer: this test covers
 * mount, recovery, reads, power cut or umount, and fsck.
 *
 * FP_GARBAGE_SEED=S FP_GARBAGE_N=N override the seed and the count.
 */
#define FUZZ_MOUNT_NO_MAIN
#include "../fuzz/fuzz_mount.c"

#include <inttypes.h>
#include <signal.h>
#include <unistd.h>

/* Which image was running when the process died, said from the handler. */
static char crash_note[160];

static void
on_fatal (int sig)
{
  ssize_t r = write (2, crash_note, strlen (crash_note));
  (void) r;
  signal (sig, SIG_DFL);
  raise (sig);
}

static uint64_t
rnd (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* One input for fm_run: flags, options, truncation, patches. */
static size_t
make_input (uint64_t *x, uint8_t *in, size_t cap)
{
  size_t n = 0;
  unsigned patches = 1 + (unsigned) (rnd (x) % 8);
  uint8_t flags = (uint8_t) rnd (x);

  flags &= (uint8_t) ~FM_WRITE;
  if (rnd (x) % 16)
    flags &= (uint8_t) ~FM_RAW;              /* raw images: 1 in 16 */
  if (rnd (x) % 8)
    flags &= (uint8_t) ~FM_TRUNCATE;         /* truncated: 1 in 8 */
  in[n++] = flags;
  in[n++] = (uint8_t) rnd (x);
  in[n++] = (uint8_t) rnd (x);
  for (unsigned i = 0; i < patches && n + 5 + 16 <= cap; i++) {
    /* Most patches hit the superblock, journal, bitmaps, inode table and
     * the first data blocks, where the template keeps its metadata. */
    uint32_t blk = (uint32_t) (rnd (x) % 4 ? rnd (x) % 300 : rnd (x) % 512);
    uint32_t off = (uint32_t) (rnd (x) % 3 ? rnd (x) % 256 : rnd (x) % 4096);
    uint8_t len = (uint8_t) (1 + rnd (x) % 16);
    in[n++] = (uint8_t) blk;
    in[n++] = (uint8_t) (blk >> 8);
    in[n++] = (uint8_t) off;
    in[n++] = (uint8_t) (off >> 8);
    in[n++] = len;
    for (unsigned k = 0; k < len; k++) {
      uint64_t v = rnd (x);
      /* small numbers and all-ones are the interesting field values */
      in[n++] = (uint8_t) (v % 4 == 0 ? 0 : v % 4 == 1 ? 0xff
                           : v % 4 == 2 ? (v >> 8) % 8 : v >> 16);
    }
  }
  return n;
}

int
main (void)
{
  const char *s = getenv ("FP_GARBAGE_SEED"), *c = getenv ("FP_GARBAGE_N");
  uint64_t seed = s ? strtoull (s, NULL, 0) : 20240601;
  unsigned count = c ? (unsigned) strtoul (c, NULL, 0) : 1000;
  uint8_t in[256];

  printf ("test_mount_garbage: seed %" PRIu64 ", %u images\n", seed, count);
  fflush (stdout);
  signal (SIGABRT, on_fatal);
  signal (SIGSEGV, on_fatal);
  signal (SIGBUS, on_fatal);
  for (unsigned i = 0; i < count; i++) {
    uint64_t x = seed + i;                    /* image i alone: seed + i */
    size_t n = make_input (&x, in, sizeof in);
    snprintf (crash_note, sizeof crash_note, "test_mount_garbage: died on "
              "image %u; rerun it alone with FP_GARBAGE_SEED=%" PRIu64
              " FP_GARBAGE_N=1\n", i, seed + i);
    fm_run (in, n);
  }
  printf ("ok %u corrupted images, seed %" PRIu64 ": %u mounted, %u refused; "
          "fsck ran %u times (%u with problems), refused %u\n", count, seed,
          fm_stats.mounted, fm_stats.mount_refused, fm_stats.fsck_ran,
          fm_stats.fsck_problems, fm_stats.fsck_refused);
  return 0;
}
