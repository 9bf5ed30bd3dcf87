/* test_fs_crash: power cuts at every point of a recorded run.
 *
 * A seeded workload runs on a recording shim (appends to a few stable
 * files, fsync / fdatasync / sync, renames over existing names, unlinks,
 * mkdirs, virtual sleeps that let kjournald2 and the flusher run) and ends
 * without umount.  Then for every prefix of its device requests (an
 * in-order device losing power after request p), the prefix is applied to
 * a base device, an overlay taken, and the engine mounts it (recovery).
 * Checked on each state:
 *   - every guarantee given before p holds: a file fsynced / fdatasynced
 *     (or covered by sync) has at least that size and those bytes;
 *   - with a journal, fsck is clean: every inode in use is readable,
 *     extents inside the data area, no block owned twice, every owned block
 *     marked in the bitmap, link counts match the directory tree.
 * Unflushed writes are kept in these states; dropping them is the
 * checker's job (and the flush/FUA ordering is checked in test_fs_opshape).
 */
#include "fs_testlib.h"
#include "ext4.h"
#include "fs_testfsck.h"

#define DEV_SIZE (32ull << 20)
#define NFILES 5
#define STEPS 70

struct guarantee {
  size_t op;                  /* holds in states after this many ops */
  int file;                   /* -1: every file (sync) */
  uint64_t size[NFILES];
};

struct run {
  struct guarantee g[4 * STEPS];
  size_t ng;
  size_t first_op;            /* states before this (mkfs, mount) skipped */
};

static uint8_t
content_byte (int k, uint64_t off)
{
  uint64_t z = (uint64_t) k * 0x9e3779b97f4a7c15ull + off;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  return (uint8_t) (z >> 56);
}

static uint64_t
rnd (uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

static void
run_workload (struct fpfs *fs, struct fpfs_bdev *bd, uint64_t seed,
              struct run *run)
{
  uint64_t size[NFILES] = { 0 }, x = seed | 1;
  int fds[NFILES];
  char path[64];
  uint8_t buf[20000];

  for (int k = 0; k < NFILES; k++)
    fds[k] = -1;
  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  for (int step = 0; step < STEPS; step++) {
    int k = (int) (rnd (&x) % NFILES), what = (int) (rnd (&x) % 4);
    size_t len = 1 + rnd (&x) % sizeof buf;
    if (fds[k] < 0) {
      snprintf (path, sizeof path, k % 2 ? "/d/f%d" : "/f%d", k);
      fds[k] = fpfs_open (fs, path, O_CREAT | O_RDWR, 0644);
      assert (fds[k] >= 0);
    }
    for (size_t i = 0; i < len; i++)
      buf[i] = content_byte (k, size[k] + i);
    assert (fpfs_pwrite (fs, fds[k], buf, len, size[k]) == (ssize_t) len);
    size[k] += len;
    if (what < 3) {
      struct guarantee *g = &run->g[run->ng++];
      if (what == 0)
        CHECK0 (fpfs_fsync (fs, fds[k]));
      else if (what == 1)
        CHECK0 (fpfs_fdatasync (fs, fds[k]));
      else
        CHECK0 (fpfs_sync (fs));
      g->op = shim_of (bd)->n;
      g->file = what == 2 ? -1 : k;
      memcpy (g->size, size, sizeof size);
    }
    /* Churn: metadata in flight around the guarantees. */
    switch (rnd (&x) % 6) {
    case 0: {
      int t = (int) (rnd (&x) % 3), fd;
      snprintf (path, sizeof path, "/d/tmp%d", step);
      fd = fpfs_open (fs, path, O_CREAT | O_WRONLY, 0600);
      assert (fpfs_pwrite (fs, fd, buf, 1 + len % 9000, 0) > 0);
      CHECK0 (fpfs_close (fs, fd));
      {
        char to[64];
        snprintf (to, sizeof to, "/t%d", t);
        CHECK0 (fpfs_rename (fs, path, to));
      }
      break;
    }
    case 1:
      snprintf (path, sizeof path, "/t%d", (int) (rnd (&x) % 3));
      fpfs_unlink (fs, path);
      break;
    case 2:
      snprintf (path, sizeof path, "/d/sub%d", step);
      CHECK0 (fpfs_mkdir (fs, path, 0755));
      break;
    case 3:
      fpfs_clock_advance (fs, 6ull * FPFS_NSEC_PER_SEC);
      break;
    default:
      break;
    }
  }
}

/* With a journal every guarantee given before p must hold in state p.
 * Without one (journal false) only the guarantee given exactly at p: ext4
 * without a journal orders nothing between later metadata writes, so
 * writeback after an fsync may break what it made durable (a new tree node
 * written after the inode pointing at it), as in the kernel. */
static void
check_state (struct fpfs_bdev *dev, const char *opts, const struct run *run,
             size_t p, bool journal)
{
  struct fpfs_mount_opts o;
  struct fpfs *fs;
  char err[256] = "", path[64];
  int ret;

  fpfs_mount_opts_init (&o);
  CHECK (fpfs_mount_opts_parse (opts, &o, err, sizeof err));
  ret = fpfs_mount (dev, &o, &fs, err, sizeof err);
  if (ret < 0) {
    fprintf (stderr, "state %zu: mount failed: %s\n", p, err);
    assert (0);
  }
  for (int k = 0; k < NFILES; k++) {
    uint64_t want = 0;
    for (size_t i = 0; i < run->ng; i++)
      if ((journal ? run->g[i].op <= p : run->g[i].op == p)
          && (run->g[i].file == k || run->g[i].file < 0))
        want = run->g[i].size[k];
    if (want == 0)
      continue;
    snprintf (path, sizeof path, k % 2 ? "/d/f%d" : "/f%d", k);
    {
      struct fpfs_stat st;
      uint8_t *got = malloc (want);
      int fd;
      ret = fpfs_stat (fs, path, &st);
      if (ret < 0 || st.size < want) {
        fprintf (stderr, "state %zu (%s): %s: %d, size %" PRIu64 " < %" PRIu64
                 " guaranteed\n", p, opts, path, ret, ret ? 0 : st.size, want);
        assert (0);
      }
      fd = fpfs_open (fs, path, O_RDONLY, 0);
      {
        ssize_t n = fpfs_pread (fs, fd, got, want, 0);
        if (n != (ssize_t) want) {
          fprintf (stderr, "state %zu (%s): %s: read %zd of %" PRIu64 ": %s\n",
                   p, opts, path, n, want, fs->s_errmsg);
          assert (0);
        }
      }
      for (uint64_t i = 0; i < want; i++)
        if (got[i] != content_byte (k, i)) {
          fprintf (stderr, "state %zu (%s): %s byte %" PRIu64 " wrong\n", p,
                   opts, path, i);
          assert (0);
        }
      CHECK0 (fpfs_close (fs, fd));
      free (got);
    }
  }
  if (journal && fsck (fs) != 0) {
    fprintf (stderr, "state %zu (%s): fsck found errors\n", p, opts);
    assert (0);
  }
  fpfs_crash (fs);
}

static void
test_crash_states (const char *opts, uint64_t seed)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE), *base, *ov;
  struct run *run = calloc (1, sizeof *run);
  struct fpfs *fs;
  size_t applied = 0, states = 0;
  bool journal = strstr (opts, "nojournal") == NULL;

  printf ("crash_states %s seed %" PRIu64 "\n", opts, seed);
  shim_of (bd)->record_data = true;
  fs = tfs_mkfs_mount (bd, opts, NULL);
  run->first_op = shim_of (bd)->n;
  run_workload (fs, bd, seed, run);
  fpfs_crash (fs);                              /* the power cut */
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &base));
  for (size_t p = run->first_op; p <= shim_of (bd)->n; p++) {
    shim_apply (bd, applied, p, base);
    applied = p;
    CHECK (fpfs_bdev_overlay_open (base, &ov));
    check_state (ov, opts, run, p, journal);
    fpfs_bdev_close (ov);
    states++;
  }
  printf ("ok crash_states %s: %zu states, %zu guarantees, all held%s\n",
          opts, states, run->ng, journal ? ", fsck clean" : "");
  fpfs_bdev_close (base);
  fpfs_bdev_close (bd);
  free (run);
}

static void
test_orphan_cleanup (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fpfs_info a, b;
  uint8_t buf[65536];
  int fd, fd2;

  fpfs_get_info (fs, &a);
  fd = fpfs_open (fs, "/victim", O_CREAT | O_RDWR, 0644);
  tfs_pattern (buf, sizeof buf, 1);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_unlink (fs, "/victim"));           /* still open */
  fd2 = fpfs_open (fs, "/other", O_CREAT | O_RDWR, 0644);
  CHECK0 (fpfs_fsync (fs, fd2));                  /* commits the orphan */
  fpfs_crash (fs);
  fs = tfs_mount (bd, "", NULL);                 /* orphan cleanup frees it */
  CHECK0 (fpfs_sync (fs));
  fpfs_get_info (fs, &b);
  assert (b.free_inodes == a.free_inodes - 1);   /* only /other */
  assert (b.free_blocks >= a.free_blocks - 1);
  assert (fsck (fs) == 0);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  (void) fd;
  printf ("ok orphan_cleanup\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_orphan_cleanup ();
  test_crash_states ("", 1);
  test_crash_states ("data=journal", 2);
  test_crash_states ("data=writeback", 3);
  test_crash_states ("nojournal", 4);
  test_crash_states ("lazytime,commit=1", 5);
  return 0;
}
