/* bench_kfs: what recovering one crash state costs with a kernel file
 * system, phase by phase.
 *
 * For each file system: mkfs a small image on /dev/shm (ext4 64 MiB,
 * btrfs 128 MiB, xfs 320 MiB: their smallest), mount it with a loop
 * device, then STATES times: create one more file (4 KiB to 64 KiB),
 * fsync it, and copy the image (sparse) while it is still mounted: a copy
 * of a mounted image is a crash state (the loop device writes into the
 * image file as it goes), with a journal that needs replaying.  Then,
 * timed, per state: kfs_recover_mount (loop attach + mount(2) with journal
 * replay), a walk of the tree reading every file (what the checker does),
 * kfs_recover_umount (umount2 + loop detach), kfs_fsck.  It prints the
 * median of each phase in ms, and two baselines: a posix_spawn of
 * /bin/true (the fixed cost inside every fsck) and a loop attach + detach
 * alone.  It also says whether the first state's journal needed replaying
 * (kfs_fsck before the mount says -EUCLEAN), and counts states whose walk
 * did not find exactly the files written before the copy (a loop device
 * reused with a stale cache would).
 *
 *   bench_kfs [--states N] [--dir DIR] [--only ext4|xfs|btrfs]
 *
 * Needs root.  Figures are for the machine they were taken on (see
 * bench/README.md); nothing asserts on them.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kfs.h"
#include "kfs_int.h"

enum { PH_MOUNT, PH_WALK, PH_UMOUNT, PH_FSCK, PH_TOTAL, PH_N };
static const char *const ph_names[PH_N] = { "mount", "walk", "umount",
                                            "fsck", "total" };

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec * 1e-6;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, (size_t) n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
die (const char *what, const char *err)
{
  fprintf (stderr, "bench_kfs: %s: %s\n", what, err);
  exit (1);
}

/* Copy src to dst keeping holes (SEEK_DATA/SEEK_HOLE + copy_file_range). */
static void
copy_sparse (const char *src, const char *dst)
{
  int in = open (src, O_RDONLY | O_CLOEXEC);
  int out = open (dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  struct stat st;
  off_t pos = 0;

  if (in < 0 || out < 0 || fstat (in, &st) < 0)
    die ("copy", strerror (errno));
  if (ftruncate (out, st.st_size) < 0)
    die ("copy: ftruncate", strerror (errno));
  for (;;) {
    off_t data = lseek (in, pos, SEEK_DATA), hole;
    if (data < 0)
      break;
    hole = lseek (in, data, SEEK_HOLE);
    for (off_t o = data; o < hole; ) {
      loff_t a = o, b = o;
      ssize_t n = copy_file_range (in, &a, out, &b, (size_t) (hole - o), 0);
      if (n <= 0)
        die ("copy_file_range", strerror (errno));
      o += n;
    }
    pos = hole;
  }
  close (in);
  close (out);
}

static size_t walk_bytes, walk_files;

static int
walk_one (const char *path, const struct stat *st, int flag, struct FTW *f)
{
  static char buf[65536];
  (void) f;

  if (flag == FTW_F && S_ISREG (st->st_mode)) {
    walk_files++;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    while (fd >= 0 && (n = read (fd, buf, sizeof buf)) > 0)
      walk_bytes += (size_t) n;
    if (fd >= 0)
      close (fd);
  }
  return 0;
}

/* Base image, then states crash images taken while it is mounted. */
static void
make_states (enum kfs_type t, const struct kfs_opts *o, const char *dir,
             int states)
{
  static const uint8_t uuid[16] = { 0x6b, 0x66, 0x73, 0x62, 0x65, 0x6e, 0x63,
                                    0x68, 1, 2, 3, 4, 5, 6, 7, 8 };
  static char data[65536];
  char base[512], state[600], err[4096], path[700];
  struct kfs_recover *k;
  const char *mnt;
  int fd;

  snprintf (base, sizeof base, "%s/base.img", dir);
  fd = open (base, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate (fd, (off_t) kfs_min_size (t)) < 0)
    die (base, strerror (errno));
  close (fd);
  if (kfs_mkfs (o, uuid, base, err, sizeof err) < 0)
    die ("mkfs", err);
  if (kfs_recover_open (o, &k, err, sizeof err) < 0
      || kfs_recover_mount (k, base, &mnt, err, sizeof err) < 0)
    die ("mount base", err);
  for (int i = 0; i < states; i++) {
    size_t len = 4096u << (i % 5);
    memset (data, 'a' + i % 26, len);
    snprintf (path, sizeof path, "%s/file%03d", mnt, i);
    fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write (fd, data, len) != (ssize_t) len || fsync (fd) < 0)
      die (path, strerror (errno));
    close (fd);
    snprintf (state, sizeof state, "%s/state%03d.img", dir, i);
    copy_sparse (base, state);
  }
  if (kfs_recover_umount (k, err, sizeof err) < 0)
    die ("umount base", err);
  kfs_recover_close (k);
  unlink (base);
}

static void
bench_fs (enum kfs_type t, const char *dir, int states)
{
  double *ph[PH_N];
  char err[4096], state[600], out[16384];
  struct kfs_recover *k;
  struct kfs_opts o;
  int bad = 0, wrong = 0, replay = -1;

  if (kfs_probe (t, err, sizeof err) < 0) {
    printf ("%-6s skipped: %s\n", kfs_type_name (t), err);
    return;
  }
  if (kfs_opts_parse (t, "", &o, err, sizeof err) < 0)
    die ("options", err);
  make_states (t, &o, dir, states);
  for (int p = 0; p < PH_N; p++)
    ph[p] = calloc ((size_t) states, sizeof (double));
  if (kfs_recover_open (&o, &k, err, sizeof err) < 0)
    die ("recover_open", err);
  for (int i = 0; i < states; i++) {
    const char *mnt;
    double t0, t1, t2, t3, t4;

    snprintf (state, sizeof state, "%s/state%03d.img", dir, i);
    if (i == 0)                  /* untimed: does a state need replay? */
      replay = kfs_fsck (t, state, out, sizeof out) == -EUCLEAN;
    walk_files = 0;
    t0 = now_ms ();
    if (kfs_recover_mount (k, state, &mnt, err, sizeof err) < 0)
      die ("mount state", err);
    t1 = now_ms ();
    nftw (mnt, walk_one, 16, FTW_PHYS);
    t2 = now_ms ();
    if (walk_files != (size_t) i + 1)    /* a stale cache would show here */
      wrong++;
    if (kfs_recover_umount (k, err, sizeof err) < 0)
      die ("umount state", err);
    t3 = now_ms ();
    if (kfs_fsck (t, state, out, sizeof out) != 0)
      bad++;
    t4 = now_ms ();
    ph[PH_MOUNT][i] = t1 - t0;
    ph[PH_WALK][i] = t2 - t1;
    ph[PH_UMOUNT][i] = t3 - t2;
    ph[PH_FSCK][i] = t4 - t3;
    ph[PH_TOTAL][i] = t4 - t0;
    unlink (state);
  }
  kfs_recover_close (k);
  printf ("%-6s", kfs_type_name (t));
  for (int p = 0; p < PH_N; p++) {
    printf (" %s %6.2f", ph_names[p], median (ph[p], states));
    free (ph[p]);
  }
  printf ("   (%d states; journal needed replay: %s; wrong file count: %d; "
          "fsck not clean: %d)\n", states, replay == 1 ? "yes" : "no", wrong,
          bad);
}

static void
baselines (const char *dir, int n)
{
  const char *const argv[] = { "/bin/true", NULL };
  double *spawn = calloc ((size_t) n, sizeof (double));
  double *loop = calloc ((size_t) n, sizeof (double));
  char img[600], out[64], err[512];
  int status, fd, nr = -1;

  snprintf (img, sizeof img, "%s/loop.img", dir);
  fd = open (img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate (fd, 1 << 20) < 0)
    die (img, strerror (errno));
  for (int i = 0; i < n; i++) {
    struct kfs_loop l = KFS_LOOP_INIT;
    double t0 = now_ms ();
    kfs_run (argv, NULL, out, sizeof out, &status);
    double t1 = now_ms ();
    if (kfs_loop_attach (fd, img, nr, &l, err, sizeof err) < 0)
      die ("loop", err);
    nr = l.nr;
    kfs_loop_detach (&l);
    double t2 = now_ms ();
    spawn[i] = t1 - t0;
    loop[i] = t2 - t1;
  }
  close (fd);
  unlink (img);
  printf ("baselines: posix_spawn /bin/true %.2f ms, loop attach+detach "
          "%.2f ms (medians of %d)\n", median (spawn, n), median (loop, n), n);
  free (spawn);
  free (loop);
}

int
main (int argc, char **argv)
{
  const char *base = "/dev/shm", *only = NULL;
  char dir[512], err[512];
  int states = 50;

  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--states") == 0 && i + 1 < argc)
      states = atoi (argv[++i]);
    else if (strcmp (argv[i], "--dir") == 0 && i + 1 < argc)
      base = argv[++i];
    else if (strcmp (argv[i], "--only") == 0 && i + 1 < argc)
      only = argv[++i];
    else {
      fprintf (stderr, "usage: bench_kfs [--states N] [--dir DIR] "
               "[--only ext4|xfs|btrfs]\n");
      return 2;
    }
  }
  if (states < 1)
    states = 1;
  if (kfs_tmpdir (base, "bench-kfs-", dir, sizeof dir, err, sizeof err) < 0)
    die ("tmpdir", err);
  printf ("per-state medians in ms, images in %s\n", base);
  baselines (dir, states);
  for (int t = KFS_EXT4; t <= KFS_BTRFS; t++)
    if (only == NULL || strcmp (only, kfs_type_name ((enum kfs_type) t)) == 0)
      bench_fs ((enum kfs_type) t, dir, states);
  rmdir (dir);
  return 0;
}
