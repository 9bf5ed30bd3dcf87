/* test_fs_nbd: the engine over a real nbdkit (`nbdkit -s memory`, through
 * fpfs_bdev_nbd_command_open), wrapped in the recording shim:
 *   - thousands of files and directories written, read back, unmounted,
 *     remounted, identical;
 *   - the same run stopped without umount at many points: each time the
 *     engine mounts again (recovery), fsck is clean and everything fsynced
 *     is there, then the run goes on;
 *   - the same workload twice gives the same request stream (hash).
 * Skips (exit 0, says so) when there is no nbdkit on PATH.
 */
#include <unistd.h>

#include "fs_testlib.h"
#include "fs_testfsck.h"

#define NDIRS 40
#define NFILES 2000

static bool
have_nbdkit (void)
{
  const char *path = getenv ("PATH");
  char buf[4096];

  while (path && *path) {
    const char *end = strchr (path, ':');
    size_t n = end ? (size_t) (end - path) : strlen (path);
    snprintf (buf, sizeof buf, "%.*s/nbdkit", (int) n, path);
    if (access (buf, X_OK) == 0)
      return true;
    path = end ? end + 1 : NULL;
  }
  return false;
}

/* A shim (recording) over a fresh nbdkit memory export. */
static struct fpfs_bdev *
nbd_shim (void)
{
  char *argv[] = { "nbdkit", "-s", "--exit-with-parent", "memory", "256M",
                   NULL };
  struct fpfs_bdev *nbd, *bd;
  struct shim_dev *sd;
  char err[256];

  if (fpfs_bdev_nbd_command_open (argv, &nbd, err, sizeof err) != 0) {
    fprintf (stderr, "nbdkit: %s\n", err);
    assert (0);
  }
  bd = shim_new (4096);                 /* take its shape, swap the lower */
  sd = shim_of (bd);
  fpfs_bdev_close (sd->lower);
  sd->lower = nbd;
  bd->size = nbd->size;
  bd->sector_size = nbd->sector_size;
  snprintf (bd->desc, sizeof bd->desc, "shim:%.150s", nbd->desc);
  return bd;
}

static size_t
fsize (unsigned i)
{
  return (i * 2654435761u) % 20000;
}

static void
file_path (char *buf, size_t len, unsigned i)
{
  snprintf (buf, len, "/dir%02u/file%04u", i % NDIRS, i);
}

static void
write_one (struct fpfs *fs, unsigned i, bool sync)
{
  size_t n = fsize (i);
  uint8_t *buf = malloc (n + 1);
  char path[64];
  int fd;

  file_path (path, sizeof path, i);
  tfs_pattern (buf, n, i);
  fd = fpfs_open (fs, path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  assert (fd >= 0);
  if (n)
    assert (fpfs_pwrite (fs, fd, buf, n, 0) == (ssize_t) n);
  if (sync)
    CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
  free (buf);
}

static void
check_one (struct fpfs *fs, unsigned i)
{
  size_t n = fsize (i);
  uint8_t *want = malloc (n + 1), *got = malloc (n + 1);
  char path[64];
  int fd;

  file_path (path, sizeof path, i);
  tfs_pattern (want, n, i);
  fd = fpfs_open (fs, path, O_RDONLY, 0);
  if (fd < 0)
    fprintf (stderr, "%s: %d\n", path, fd);
  assert (fd >= 0);
  assert (fpfs_pread (fs, fd, got, n + 1, 0) == (ssize_t) n);
  assert (memcmp (want, got, n) == 0);
  CHECK0 (fpfs_close (fs, fd));
  free (want);
  free (got);
}

static void
make_dirs (struct fpfs *fs)
{
  char path[32];
  for (unsigned d = 0; d < NDIRS; d++) {
    snprintf (path, sizeof path, "/dir%02u", d);
    CHECK0 (fpfs_mkdir (fs, path, 0755));
  }
}

static uint64_t
test_many_files (void)
{
  struct fpfs_bdev *bd = nbd_shim ();
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint64_t h;

  make_dirs (fs);
  for (unsigned i = 0; i < NFILES; i++)
    write_one (fs, i, i % 50 == 0);
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, "", NULL);
  for (unsigned i = 0; i < NFILES; i++)
    check_one (fs, i);
  assert (fsck (fs) == 0);
  CHECK0 (fpfs_umount (fs));
  h = shim_stream_hash (bd);
  printf ("ok many_files over nbdkit: %u files in %u dirs, %zu requests, "
          "stream %016" PRIx64 "\n", NFILES, NDIRS, shim_of (bd)->n, h);
  fpfs_bdev_close (bd);
  return h;
}

static void
test_stop_without_umount (void)
{
  struct fpfs_bdev *bd = nbd_shim ();
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  bool *synced = calloc (NFILES, sizeof *synced);
  unsigned stops = 0;

  make_dirs (fs);
  CHECK0 (fpfs_sync (fs));
  for (unsigned i = 0; i < NFILES / 2; i++) {
    bool sync = i % 3 == 0;
    write_one (fs, i, sync);
    synced[i] = sync;
    if (i % 7 == 0)
      fpfs_clock_advance (fs, 3ull * FPFS_NSEC_PER_SEC);
    if (i % 40 == 39) {
      fpfs_crash (fs);                    /* stop without umount */
      fs = tfs_mount (bd, "", NULL);      /* recovery */
      assert (fsck (fs) == 0);
      for (unsigned k = 0; k <= i; k++)
        if (synced[k])
          check_one (fs, k);
      stops++;
    }
  }
  fpfs_crash (fs);
  fs = tfs_mount (bd, "", NULL);
  assert (fsck (fs) == 0);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  free (synced);
  printf ("ok stop_without_umount over nbdkit: %u stops, fsck clean, fsynced "
          "files intact\n", stops);
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  if (!have_nbdkit ()) {
    printf ("skipped: no nbdkit on PATH\n");
    return 0;
  }
  {
    uint64_t a = test_many_files (), b = test_many_files ();
    assert (a == b);
    printf ("ok same workload twice: same request stream\n");
  }
  test_stop_without_umount ();
  return 0;
}
