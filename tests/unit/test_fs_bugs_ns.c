/* test_fs_bugs_ns: the bug switches of renameat2 and O_TMPFILE, each
 * shown by a crash state that exists with the switch and not without it
 * (the others are in test_fs_bugs.c):
 *   exchange-two-tx   a state where both names of an exchange name one
 *                     inode (and fsck finds the other inode unnamed);
 *   rename-two-tx     with RENAME_WHITEOUT: a state where the old name is
 *                     already the whiteout and the new name is not there;
 *   tmpfile-no-orphan after a crash the unnamed inode is still allocated
 *                     with no links, which fsck reports. */
#include "fs_testlib.h"

#define DEV_SIZE (64ull << 20)

/* Mount the state after op p of bd's record. */
static struct fpfs *
mount_state (struct fpfs_bdev *bd, size_t p, struct fpfs_bdev **dev)
{
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, dev));
  shim_apply (bd, 0, p, *dev);
  return tfs_mount (*dev, "", NULL);
}

static unsigned
fsck_errors (struct fpfs_bdev *dev, unsigned *links)
{
  struct fpfs_fsck_report r;
  char err[256];

  CHECK0 (fpfs_fsck (dev, &r, err, sizeof err));
  if (r.errors)
    printf ("  fsck: %s", r.text);
  if (links)
    *links = r.per_check[FPFS_FSCK_LINKS];
  return r.errors;
}

static void
make_synced (struct fpfs *fs, const char *path)
{
  int fd = fpfs_open (fs, path, O_CREAT | O_RDWR, 0644);
  CHECK (fd);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
}

static void
fsync_root (struct fpfs *fs)
{
  int fd = fpfs_open (fs, "/", O_RDONLY | O_DIRECTORY, 0);
  CHECK (fd);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
}

static void
test_exchange_two_tx (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=exchange-two-tx" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    struct fpfs_info a, b;
    size_t from, found = 0;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, opts, NULL);
    make_synced (fs, "/a");
    make_synced (fs, "/b");
    fsync_root (fs);
    fpfs_get_info (fs, &a);
    from = shim_of (bd)->n;
    CHECK0 (fpfs_rename2 (fs, "/a", "/b", FPFS_RENAME_EXCHANGE));
    fpfs_get_info (fs, &b);
    assert (b.commits - a.commits == (uint64_t) bug);
    fsync_root (fs);
    fpfs_crash (fs);
    for (size_t p = from; p <= shim_of (bd)->n; p++) {
      struct fpfs_stat sa, sb;
      unsigned links;
      fs = mount_state (bd, p, &dev);
      CHECK0 (fpfs_stat (fs, "/a", &sa));
      CHECK0 (fpfs_stat (fs, "/b", &sb));
      CHECK0 (fpfs_umount (fs));
      if (sa.ino == sb.ino) {
        /* Two names, one link; the other inode has a link, no name. */
        found++;
        assert (fsck_errors (dev, &links) > 0 && links >= 2);
      } else
        assert (fsck_errors (dev, NULL) == 0);
      fpfs_bdev_close (dev);
    }
    assert (bug ? found > 0 : found == 0);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug exchange-two-tx\n");
}

static void
test_rename_two_tx_whiteout (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=rename-two-tx" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    size_t from, found = 0;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, opts, NULL);
    make_synced (fs, "/a");
    fsync_root (fs);
    from = shim_of (bd)->n;
    CHECK0 (fpfs_rename2 (fs, "/a", "/b", FPFS_RENAME_WHITEOUT));
    fsync_root (fs);
    fpfs_crash (fs);
    for (size_t p = from; p <= shim_of (bd)->n; p++) {
      struct fpfs_stat sa, sb;
      bool whiteout, has_b;
      fs = mount_state (bd, p, &dev);
      CHECK0 (fpfs_stat (fs, "/a", &sa));
      whiteout = (sa.mode & 0170000) == 0020000;
      has_b = fpfs_stat (fs, "/b", &sb) == 0;
      /* Without the switch: the file at /a, or the whiteout and /b. */
      if (whiteout && !has_b)
        found++;
      else
        assert (whiteout == has_b);
      fpfs_crash (fs);
      fpfs_bdev_close (dev);
    }
    assert (bug ? found > 0 : found == 0);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug rename-two-tx (whiteout)\n");
}

static void
test_tmpfile_no_orphan (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=tmpfile-no-orphan" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs_info before, after;
    struct fpfs *fs;
    /* 16 KiB: the whole smallest preallocation window, so that the
     * crash leaks no unused part of it (FIDELITY.md S5). */
    static uint8_t buf[16384];
    unsigned links;
    int fd;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, opts, NULL);
    fpfs_get_info (fs, &before);
    fd = fpfs_open (fs, "/", O_TMPFILE | O_RDWR, 0600);
    CHECK (fd);
    tfs_pattern (buf, sizeof buf, 15);
    assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
    CHECK0 (fpfs_fsync (fs, fd));
    fpfs_crash (fs);                    /* the tmpfile is still open */
    fs = mount_state (bd, shim_of (bd)->n, &dev);
    fpfs_get_info (fs, &after);
    /* With the orphan list, mount's orphan cleanup frees the inode. */
    assert ((after.free_inodes == before.free_inodes) == !bug);
    CHECK0 (fpfs_umount (fs));
    assert ((fsck_errors (dev, &links) == 0) == !bug);
    assert (bug ? links > 0 : links == 0);
    fpfs_bdev_close (dev);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug tmpfile-no-orphan\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_exchange_two_tx ();
  test_rename_two_tx_whiteout ();
  test_tmpfile_no_orphan ();
  return 0;
}
