/* test_fs_errors: ENOSPC at reservation, errseq EIO reporting, journal
 * abort -> EROFS, and mounting garbage or truncated images. */
#include "fs_testlib.h"
#include "ext4.h"

static void
test_enospc_at_write (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (8ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  uint8_t buf[4096];
  size_t ok = 0;
  ssize_t n = 0;
  int fd = fpfs_open (fs, "/fill", O_CREAT | O_RDWR, 0644);

  assert (fd >= 0);
  for (;;) {
    tfs_pattern (buf, sizeof buf, ok);
    n = fpfs_pwrite (fs, fd, buf, sizeof buf, (uint64_t) ok * 4096);
    if (n != 4096)
      break;
    ok++;
  }
  /* The write itself reports it: delalloc reserves at write time. */
  assert (n == -ENOSPC);
  assert (ok > 500);
  CHECK0 (fpfs_fsync (fs, fd));          /* what was accepted fits */
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, opts, NULL);
  fd = fpfs_open (fs, "/fill", O_RDWR, 0);
  for (size_t i = 0; i < ok; i += 97) {
    uint8_t got[4096];
    tfs_pattern (buf, sizeof buf, i);
    assert (fpfs_pread (fs, fd, got, 4096, (uint64_t) i * 4096) == 4096);
    assert (memcmp (buf, got, 4096) == 0);
  }
  /* Space comes back once the file is gone. */
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_unlink (fs, "/fill"));
  fd = fpfs_open (fs, "/again", O_CREAT | O_RDWR, 0644);
  for (size_t i = 0; i < ok / 2; i++) {
    n = fpfs_pwrite (fs, fd, buf, 4096, (uint64_t) i * 4096);
    if (n != 4096)
      fprintf (stderr, "rewrite block %zu: %zd\n", i, n);
    assert (n == 4096);
  }
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok enospc_at_write %s (%zu blocks accepted)\n", opts, ok);
}

static void
test_eio_errseq (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  struct shim_dev *sd = shim_of (bd);
  uint8_t buf[4096], got[4096];
  size_t before;
  int fd1, fd2, fd3;

  fd1 = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  fd2 = fpfs_open (fs, "/f", O_RDWR, 0);
  assert (fd1 >= 0 && fd2 >= 0);
  CHECK0 (fpfs_fsync (fs, fd1));         /* the file exists on disk */
  tfs_pattern (buf, sizeof buf, 7);
  assert (fpfs_pwrite (fs, fd1, buf, sizeof buf, 0) == 4096);
  /* Fail the next write to the data area (where the data goes). */
  sd->fail_lo = fs->s_geo.first_data_block * 4096;
  sd->fail_hi = bd->size;
  sd->fail_count = 1;
  assert (fpfs_fsync (fs, fd1) == -EIO);
  assert (sd->fail_count == 0);
  before = sd->n;
  assert (fpfs_fsync (fs, fd1) == 0);     /* reported once to this file */
  assert (shim_count (bd, before, sd->n, 1024).inplace_writes == 0);
  assert (fpfs_fdatasync (fs, fd2) == -EIO);  /* and once to that one */
  assert (fpfs_fsync (fs, fd2) == 0);
  fd3 = fpfs_open (fs, "/f", O_RDONLY, 0);    /* opened after it was seen */
  assert (fpfs_fsync (fs, fd3) == 0);
  /* The page keeps the data in memory: not retried, still readable. */
  assert (fpfs_pread (fs, fd3, got, 4096, 0) == 4096);
  assert (memcmp (got, buf, 4096) == 0);
  /* A new error is reported again. */
  assert (fpfs_pwrite (fs, fd1, buf, sizeof buf, 4096) == 4096);
  sd->fail_count = 1;
  assert (fpfs_fsync (fs, fd3) == -EIO);
  assert (fpfs_fsync (fs, fd1) == -EIO);
  assert (fpfs_fsync (fs, fd1) == 0);
  CHECK0 (fpfs_close (fs, fd1));
  CHECK0 (fpfs_close (fs, fd2));
  CHECK0 (fpfs_close (fs, fd3));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok eio_errseq %s\n", opts);
}

static void
test_journal_abort_erofs (void)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct shim_dev *sd = shim_of (bd);
  struct fpfs_info info;
  uint8_t buf[4096];
  int fd, ret;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  tfs_pattern (buf, sizeof buf, 3);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
  CHECK0 (fpfs_fsync (fs, fd));
  assert (fpfs_pwrite (fs, fd, buf, 4096, 4096) == 4096);
  sd->fail_lo = 2 * 4096;               /* the log, not its superblock */
  sd->fail_hi = (1 + fs->s_geo.journal_blocks) * 4096;
  sd->fail_count = -1;
  ret = fpfs_fsync (fs, fd);
  assert (ret == -EIO || ret == -EROFS);
  fpfs_get_info (fs, &info);
  assert (info.journal_aborted);
  assert (fpfs_fsync (fs, fd) == -EROFS);
  assert (fpfs_fdatasync (fs, fd) == -EROFS);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == -EROFS);
  assert (fpfs_mkdir (fs, "/d", 0755) == -EROFS);
  assert (fpfs_pread (fs, fd, buf, 4096, 0) == 4096);   /* reads still work */
  CHECK0 (fpfs_close (fs, fd));
  assert (fpfs_umount (fs) < 0);
  sd->fail_count = 0;
  fs = tfs_mount (bd, "", NULL);        /* recovers the committed state */
  {
    struct fpfs_stat st;
    uint8_t got[4096];
    CHECK (fpfs_stat (fs, "/f", &st));
    assert (st.size == 4096);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);
    tfs_pattern (buf, sizeof buf, 3);
    assert (memcmp (got, buf, 4096) == 0);
    CHECK0 (fpfs_close (fs, fd));
  }
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok journal_abort_erofs\n");
}

/* Mount must fail cleanly, or succeed and survive use. */
static void
try_mount_and_use (struct fpfs_bdev *bd, const char *opts)
{
  struct fpfs_mount_opts o;
  struct fpfs *fs;
  char err[256] = "";
  int ret;

  fpfs_mount_opts_init (&o);
  CHECK (fpfs_mount_opts_parse (opts, &o, err, sizeof err));
  ret = fpfs_mount (bd, &o, &fs, err, sizeof err);
  if (ret < 0) {
    assert (err[0] != '\0');            /* a message says why */
    return;
  }
  {
    char path[32];
    uint8_t buf[8192];
    struct fpfs_stat st;
    for (int i = 0; i < 12; i++) {
      int fd;
      snprintf (path, sizeof path, "/file-%d", i);
      fpfs_stat (fs, path, &st);
      fd = fpfs_open (fs, path, O_RDWR | O_CREAT, 0644);
      if (fd >= 0) {
        fpfs_pread (fs, fd, buf, sizeof buf, 0);
        fpfs_pwrite (fs, fd, buf, 100, 5000);
        fpfs_fsync (fs, fd);
        fpfs_close (fs, fd);
      }
    }
    fpfs_mkdir (fs, "/dir-0/x", 0755);
    fpfs_rename (fs, "/file-1", "/dir-0/y");
    fpfs_unlink (fs, "/file-2");
    fpfs_sync (fs);
  }
  fpfs_umount (fs);
}

static int
noop_cb (void *ctx, const struct fpfs_dirent *de)
{
  (void) ctx; (void) de;
  return 0;
}

static void
test_garbage_images (void)
{
  const uint64_t size = 16ull << 20;
  struct fpfs_bdev *base = shim_new (size), *ov;
  struct fpfs *fs = tfs_mkfs_mount (base, "", NULL);
  uint64_t seed = 20240611;
  uint8_t blk[4096];
  char err[256];
  int trials = 0;

  /* A populated image, left unclean (journal to replay, orphans). */
  CHECK0 (fpfs_mkdir (fs, "/dir-0", 0755));
  for (int i = 0; i < 12; i++) {
    char path[32];
    int fd;
    snprintf (path, sizeof path, i % 2 ? "/file-%d" : "/dir-0/f%d", i);
    fd = fpfs_open (fs, path, O_CREAT | O_RDWR, 0644);
    tfs_pattern (blk, sizeof blk, (uint64_t) i);
    for (int k = 0; k <= i; k++)
      assert (fpfs_pwrite (fs, fd, blk, sizeof blk, (uint64_t) k * 8192) == 4096);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
  }
  {
    int fd = fpfs_open (fs, "/dir-0/f0", O_RDONLY, 0);
    CHECK0 (fpfs_unlink (fs, "/dir-0/f0"));
    CHECK0 (fpfs_fsync (fs, fd));          /* orphan on disk */
  }
  fpfs_crash (fs);
  CHECK (fpfs_readdir (fs = tfs_mount (base, "ro", NULL), "/", noop_cb, NULL));
  fpfs_crash (fs);

  /* Whole-device garbage. */
  {
    struct fpfs_bdev *zero = shim_new (size);
    struct fpfs *f2;
    assert (fpfs_mount (zero, NULL, &f2, err, sizeof err) == -EINVAL);
    assert (strstr (err, "magic"));
    for (uint64_t b = 0; b < 64; b++) {
      tfs_pattern (blk, sizeof blk, b);
      CHECK (fpfs_bdev_write (zero, blk, b * 4096, 4096, 0));
    }
    assert (fpfs_mount (zero, NULL, &f2, err, sizeof err) < 0);
    fpfs_bdev_close (zero);
  }
  /* Truncated image: the device is shorter than the superblock says. */
  {
    struct fpfs_bdev *small = shim_new (size / 2);
    uint8_t *all = malloc (size / 2);
    CHECK (fpfs_bdev_read (base, all, 0, size / 2));
    CHECK (fpfs_bdev_write (small, all, 0, size / 2, 0));
    free (all);
    err[0] = '\0';
    assert (fpfs_mount (small, NULL, &fs, err, sizeof err) == -EINVAL);
    assert (strstr (err, "truncated"));
    fpfs_bdev_close (small);
  }
  /* Corrupt metadata blocks one at a time; the superblock keeps a valid
   * checksum half the time, so the fields behind it get exercised. */
  CHECK (fpfs_bdev_overlay_open (base, &ov));
  for (uint64_t b = 0; b < 1100 + 40; b++) {
    for (int variant = 0; variant < 3; variant++) {
      uint64_t x = seed++ * 0x9e3779b97f4a7c15ull;
      CHECK (fpfs_bdev_read (ov, blk, b * 4096, 4096));
      if (variant == 0)
        tfs_pattern (blk, sizeof blk, x);             /* all garbage */
      else
        for (int k = 0; k < 1 + variant * 3; k++) {   /* a few bytes */
          x ^= x << 13; x ^= x >> 7; x ^= x << 17;
          blk[(x >> 8) % (b == 0 ? 200 : 4096)] ^= (uint8_t) (1u << (x & 7));
        }
      if (b == 0 && variant == 2)
        ondisk_sb_csum_set (blk);
      CHECK (fpfs_bdev_write (ov, blk, b * 4096, 4096, 0));
      try_mount_and_use (ov, variant == 1 ? "nojournal" : "");
      fpfs_bdev_overlay_reset (ov);
      trials++;
    }
    if (b == 40)
      b = 1100 - 1;     /* skip the middle of the journal, then metadata */
  }
  fpfs_bdev_close (ov);
  fpfs_bdev_close (base);
  printf ("ok garbage_images (%d corrupted images, seed base 20240611)\n",
          trials);
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_enospc_at_write ("");
  test_enospc_at_write ("nojournal");
  test_enospc_at_write ("data=journal");
  test_eio_errseq ("");
  test_eio_errseq ("nojournal");
  test_journal_abort_erofs ();
  test_garbage_images ();
  return 0;
}
