/* test_fsck_crash: fsck over the crash states of a recorded run.
 *
 * A seeded workload (creates, appends, overwrites, truncates, renames over
 * existing names and across directories, hard links, unlinks of open files,
 * mkdir / rmdir, setxattr / removexattr (in the inode and in xattr
 * blocks), fsync / fdatasync / sync, virtual sleeps that let
 * kjournald2 and the flusher run) runs on a recording shim and ends with a
 * power cut.  For a spread of prefixes of its device requests (an in-order
 * device losing power there), on an overlay over the prefix:
 *   - fsck of the raw state: the in-place metadata is a committed state
 *     plus checkpoint writes of transactions the journal still holds, so
 *     any problem must come with a "journal" problem (committed work left
 *     to replay); without one, the state is clean;
 *   - then mount (recovery, orphan cleanup) and umount: fsck is clean.
 * This is the checker's own use of fsck, and it must never cry wolf.
 */
#include "test_fsck_lib.h"

#define DEV_SIZE (24ull << 20)
#define STEPS 90
#define MAX_STATES 160

static uint64_t
rnd (uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

static void
workload (struct fpfs *fs, uint64_t seed)
{
  uint64_t x = seed * 2654435761u + 1;
  static uint8_t buf[40000];
  char p1[96], p2[64];
  int open_fd = -1;

  CHECK (fpfs_mkdir (fs, "/d", 0755));
  CHECK (fpfs_mkdir (fs, "/e", 0755));
  for (int step = 0; step < STEPS; step++) {
    unsigned k = (unsigned) (rnd (&x) % 6);
    size_t len = 1 + rnd (&x) % sizeof buf;
    int fd;

    snprintf (p1, sizeof p1, "/%c/f%u", k % 2 ? 'd' : 'e', k);
    tfs_pattern (buf, len, rnd (&x));
    switch (rnd (&x) % 12) {
    case 0: case 1: case 2:                    /* append */
      fd = fpfs_open (fs, p1, O_CREAT | O_WRONLY | O_APPEND, 0644);
      CHECK (fd);
      assert (fpfs_pwrite (fs, fd, buf, len, 0) == (ssize_t) len);
      if (rnd (&x) % 2)
        CHECK (rnd (&x) % 2 ? fpfs_fsync (fs, fd) : fpfs_fdatasync (fs, fd));
      CHECK (fpfs_close (fs, fd));
      break;
    case 3:                                    /* overwrite inside */
      fd = fpfs_open (fs, p1, O_CREAT | O_RDWR, 0644);
      CHECK (fd);
      assert (fpfs_pwrite (fs, fd, buf, len % 9000 + 1, len % 30000)
              == (ssize_t) (len % 9000 + 1));
      CHECK (fpfs_close (fs, fd));
      break;
    case 4:
      fpfs_truncate (fs, p1, rnd (&x) % 50000);
      break;
    case 5:
      snprintf (p2, sizeof p2, "/%c/f%u", k % 2 ? 'e' : 'd',
                (unsigned) (rnd (&x) % 6));
      fpfs_rename (fs, p1, p2);                /* may replace p2 */
      break;
    case 6:
      snprintf (p2, sizeof p2, "/d/link%u", (unsigned) (rnd (&x) % 4));
      fpfs_unlink (fs, p2);
      fpfs_link (fs, p1, p2);
      break;
    case 7:                                    /* unlinked while open */
      if (open_fd >= 0)
        CHECK (fpfs_close (fs, open_fd));
      open_fd = fpfs_open (fs, p1, O_RDWR, 0);
      if (open_fd >= 0) {
        assert (fpfs_pwrite (fs, open_fd, buf, 100, 0) == 100);
        CHECK (fpfs_unlink (fs, p1));
      }
      break;
    case 8:
      snprintf (p2, sizeof p2, "/d/sub%u", (unsigned) (rnd (&x) % 3));
      if (fpfs_mkdir (fs, p2, 0755) == -EEXIST) {
        snprintf (p1, sizeof p1, "%s/x", p2);
        if (fpfs_mkdir (fs, p1, 0755) == -EEXIST)
          CHECK (fpfs_rmdir (fs, p1));
        else
          fpfs_rename (fs, p2, "/e/moved");
      }
      break;
    case 9:
      CHECK (fpfs_sync (fs));
      break;
    case 10: {                                 /* xattrs: inode or block */
      char name[16];
      size_t vlen = rnd (&x) % 2 ? len % 40 : 500 + len % 3000;
      snprintf (name, sizeof name, "user.x%u", (unsigned) (rnd (&x) % 5));
      if (rnd (&x) % 4 == 0)
        fpfs_removexattr (fs, p1, name);
      else
        fpfs_setxattr (fs, p1, name, buf, vlen, 0);   /* ENOENT, ENOSPC ok */
      break;
    }
    default:
      fpfs_clock_advance (fs, (1 + rnd (&x) % 8) * FPFS_NSEC_PER_SEC);
      break;
    }
  }
}

static void
check_states (const char *opts, uint64_t seed)
{
  struct fpfs_bdev *rec = shim_new (DEV_SIZE), *base, *ov;
  struct fpfs_mkfs_opts mo = { .deterministic = true, .seed = seed };
  struct fpfs_fsck_report r;
  size_t first, n, applied = 0, states = 0, raw_journal = 0;
  char err[256];
  struct fpfs *fs;

  printf ("crash states %s seed %" PRIu64 "\n", opts, seed);
  shim_of (rec)->record_data = true;
  CHECK (fpfs_mkfs (rec, &mo, err, sizeof err));
  fs = tfs_mount (rec, opts, NULL);
  first = shim_of (rec)->n;
  workload (fs, seed);
  fpfs_crash (fs);
  n = shim_of (rec)->n;

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &base));
  CHECK (fpfs_bdev_overlay_open (base, &ov));
  for (size_t i = 0; i <= MAX_STATES; i++) {
    size_t p = first + (n - first) * i / MAX_STATES;
    char what[128];

    shim_apply (rec, applied, p, base);
    applied = p;
    states++;
    snprintf (what, sizeof what, "%s seed %" PRIu64 " state %zu raw", opts,
              seed, p);
    fk_fsck (ov, &r);
    if (r.per_check[FPFS_FSCK_JOURNAL])
      raw_journal++;
    else if (r.errors) {
      fk_print (what, &r);
      assert (0);
    }
    fs = tfs_mount (ov, opts, NULL);
    fk_umount (fs);
    snprintf (what, sizeof what, "%s seed %" PRIu64 " state %zu recovered",
              opts, seed, p);
    fk_expect_clean (ov, what);
    fpfs_bdev_overlay_reset (ov);
  }
  /* The run must have left committed work in the log in some states. */
  if (strcmp (opts, "nojournal") != 0)
    assert (raw_journal > 0);
  printf ("ok crash states %s seed %" PRIu64 ": %zu states (%zu with a "
          "journal to replay), all clean after recovery\n", opts, seed,
          states, raw_journal);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (base);
  fpfs_bdev_close (rec);
}

int
main (void)
{
  check_states ("data=ordered", 1);
  check_states ("data=ordered", 2);
  check_states ("data=writeback", 3);
  check_states ("data=journal", 4);
  check_states ("data=ordered,commit=1,lazytime", 5);
  return 0;
}
