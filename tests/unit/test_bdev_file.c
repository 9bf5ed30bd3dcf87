/* test_bdev_file: the image-file block device.
 *
 * Images live in a fresh mkdtemp directory under $TMPDIR (or /tmp) that is
 * removed at the end.  The random test's seed is printed; FP_SEED overrides.
 */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fpfs.h"

static char dir[256];
static uint64_t rng_state;

static uint64_t
rnd (void)
{
  uint64_t z = (rng_state += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static const char *
img (const char *name)
{
  static char path[512];

  snprintf (path, sizeof path, "%s/%s", dir, name);
  return path;
}

static void
test_create_is_sparse_and_reads_zero (void)
{
  struct fpfs_bdev *bd;
  char err[256] = "";
  uint8_t buf[4096];
  struct stat st;
  uint64_t size = UINT64_C (1) << 30;

  assert (fpfs_bdev_file_open (img ("sparse.img"), true, size, &bd, err,
                               sizeof err) == 0);
  assert (bd->size == size && bd->sector_size == 512);
  assert (strcmp (bd->ops->name, "file") == 0);
  assert (strstr (bd->desc, "sparse.img") != NULL);
  assert (stat (img ("sparse.img"), &st) == 0);
  assert ((uint64_t) st.st_size == size);
  assert ((uint64_t) st.st_blocks * 512 < size / 1024);   /* sparse */
  memset (buf, 0xaa, sizeof buf);
  assert (fpfs_bdev_read (bd, buf, size - 4096, 4096) == 0);
  for (size_t i = 0; i < sizeof buf; i++)
    assert (buf[i] == 0);
  fpfs_bdev_close (bd);
}

static void
test_data_persists_across_reopen (void)
{
  struct fpfs_bdev *bd;
  char err[256] = "";
  uint8_t buf[1024], got[1024];

  assert (fpfs_bdev_file_open (img ("persist.img"), true, 1 << 20, &bd, err,
                               sizeof err) == 0);
  memset (buf, 0x42, sizeof buf);
  assert (fpfs_bdev_write (bd, buf, 3 * 512, sizeof buf, FPFS_BDEV_FUA) == 0);
  assert (fpfs_bdev_flush (bd) == 0);
  fpfs_bdev_close (bd);
  /* size 0: take the file's size. */
  assert (fpfs_bdev_file_open (img ("persist.img"), false, 0, &bd, err,
                               sizeof err) == 0);
  assert (bd->size == 1 << 20);
  assert (fpfs_bdev_read (bd, got, 3 * 512, sizeof got) == 0);
  assert (memcmp (buf, got, sizeof got) == 0);
  fpfs_bdev_close (bd);
}

static void
test_open_errors_name_the_path (void)
{
  struct fpfs_bdev *bd = (struct fpfs_bdev *) 1;
  char err[256] = "";

  assert (fpfs_bdev_file_open (img ("missing.img"), false, 0, &bd, err,
                               sizeof err) == -ENOENT);
  assert (bd == NULL);
  assert (strstr (err, "missing.img") != NULL);
  assert (strstr (err, "No such file") != NULL);
  err[0] = '\0';
  assert (fpfs_bdev_file_open (img ("odd.img"), true, 1000, &bd, err,
                               sizeof err) == -EINVAL);
  assert (strstr (err, "odd.img") != NULL);
  assert (fpfs_bdev_file_open (img ("persist.img"), false, 4096, &bd, err,
                               sizeof err) == -EINVAL);
  assert (strstr (err, "expected 4096") != NULL);
  assert (fpfs_bdev_file_open (dir, false, 0, &bd, err, sizeof err) < 0);
  assert (strstr (err, dir) != NULL);
  /* A NULL errbuf is fine. */
  assert (fpfs_bdev_file_open (img ("missing.img"), false, 0, &bd, NULL, 0)
          == -ENOENT);
}

static void
test_trim_reads_zero_and_frees_space (void)
{
  struct fpfs_bdev *bd;
  char err[256] = "";
  uint8_t *buf = malloc (1 << 20);
  struct stat st1, st2;

  assert (fpfs_bdev_file_open (img ("trim.img"), true, 4 << 20, &bd, err,
                               sizeof err) == 0);
  memset (buf, 0x77, 1 << 20);
  assert (fpfs_bdev_write (bd, buf, 1 << 20, 1 << 20, 0) == 0);
  assert (fpfs_bdev_flush (bd) == 0);
  assert (stat (img ("trim.img"), &st1) == 0);
  assert (fpfs_bdev_trim (bd, (1 << 20) + 512, (1 << 20) - 1024) == 0);
  assert (fpfs_bdev_read (bd, buf, 1 << 20, 1 << 20) == 0);
  assert (buf[0] == 0x77 && buf[511] == 0x77);
  for (size_t i = 512; i < (1 << 20) - 512; i++)
    assert (buf[i] == 0);
  assert (buf[(1 << 20) - 512] == 0x77 && buf[(1 << 20) - 1] == 0x77);
  assert (stat (img ("trim.img"), &st2) == 0);
  assert (st2.st_size == st1.st_size);                    /* KEEP_SIZE */
  /* Space is freed where the host fs can punch holes; tmpfs and ext4 can. */
  if (st2.st_blocks >= st1.st_blocks)
    printf ("test_bdev_file: note: %s did not punch a hole (zeroed)\n", dir);
  fpfs_bdev_close (bd);
  free (buf);
}

static void
test_random_ops_match_reference (uint64_t seed)
{
  const uint64_t size = 2 << 20;
  struct fpfs_bdev *bd;
  char err[256] = "";
  uint8_t *ref = calloc (1, size), *buf = malloc (65536), *got = malloc (65536);

  rng_state = seed;
  assert (fpfs_bdev_file_open (img ("random.img"), true, size, &bd, err,
                               sizeof err) == 0);
  for (int op = 0; op < 1500; op++) {
    uint64_t s = rnd () % (size / 512), n = 1 + rnd () % 128;
    unsigned kind = rnd () % 10;

    if (s + n > size / 512)
      n = size / 512 - s;
    if (kind < 4) {
      for (uint64_t i = 0; i < n * 512; i++)
        buf[i] = (uint8_t) rnd ();
      assert (fpfs_bdev_write (bd, buf, s * 512, n * 512,
                               kind == 0 ? FPFS_BDEV_FUA : 0) == 0);
      memcpy (ref + s * 512, buf, n * 512);
    }
    else if (kind < 6) {
      assert (fpfs_bdev_trim (bd, s * 512, n * 512) == 0);
      memset (ref + s * 512, 0, n * 512);
    }
    else {
      assert (fpfs_bdev_read (bd, got, s * 512, n * 512) == 0);
      if (memcmp (got, ref + s * 512, n * 512) != 0) {
        fprintf (stderr, "test_bdev_file: mismatch: seed %" PRIu64
                 " op %d\n", seed, op);
        assert (0);
      }
    }
  }
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
  const char *tmp = getenv ("TMPDIR");

  if (env)
    seed = strtoull (env, NULL, 0);
  printf ("test_bdev_file: seed %" PRIu64 "\n", seed);
  snprintf (dir, sizeof dir, "%s/test_bdev_file.XXXXXX", tmp ? tmp : "/tmp");
  assert (mkdtemp (dir) != NULL);
  test_create_is_sparse_and_reads_zero ();
  test_data_persists_across_reopen ();
  test_open_errors_name_the_path ();
  test_trim_reads_zero_and_frees_space ();
  test_random_ops_match_reference (seed);
  const char *names[] = { "sparse.img", "persist.img", "odd.img", "trim.img",
                          "random.img" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    unlink (img (names[i]));
  assert (rmdir (dir) == 0);
  printf ("test_bdev_file: ok\n");
  return 0;
}
