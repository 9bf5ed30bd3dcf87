/* test_fsck_clean: fsck finds nothing wrong with what the engine writes.
 *
 * - a fresh mkfs is clean;
 * - after a mix of name and data operations (nested directories, a
 *   directory of several blocks, hard links, renames across directories and
 *   over existing names, unlink, rmdir, truncate down and up, a sparse file,
 *   scattered files whose extent trees are two levels deep, written in
 *   order and shuffled) and umount, in
 *   every data mode and without a journal, the image is clean;
 * - after a power cut, recovery (mount) and umount, it is clean again;
 * - fsck never writes.
 */
#include "test_fsck_lib.h"

#define DEV_SIZE (64u << 20)

static void
populate (struct fpfs *fs)
{
  char path[64];
  int fd;

  CHECK (fpfs_mkdir (fs, "/a", 0755));
  CHECK (fpfs_mkdir (fs, "/a/b", 0755));
  CHECK (fpfs_mkdir (fs, "/a/b/c", 0755));
  CHECK (fpfs_mkdir (fs, "/d", 0700));
  CHECK (fpfs_mkdir (fs, "/many", 0755));
  fk_write_file (fs, "/f1", 0, 1);
  fk_write_file (fs, "/f2", 5000, 2);
  fk_write_file (fs, "/a/f3", 1u << 20, 3);
  fk_write_file (fs, "/a/b/c/f4", 70000, 4);
  /* sparse: two blocks 10 MiB apart */
  fd = fpfs_open (fs, "/a/b/sparse", O_CREAT | O_RDWR, 0644);
  CHECK (fd);
  assert (fpfs_pwrite (fs, fd, "x", 1, 0) == 1);
  assert (fpfs_pwrite (fs, fd, "y", 1, 10u << 20) == 1);
  CHECK (fpfs_fsync (fs, fd));
  CHECK (fpfs_close (fs, fd));
  /* scattered: every other block, so no two extents merge */
  fd = fpfs_open (fs, "/big", O_CREAT | O_RDWR, 0644);
  CHECK (fd);
  for (unsigned i = 0; i < 1500; i++) {
    uint8_t blk[4096];
    tfs_pattern (blk, sizeof blk, i);
    assert (fpfs_pwrite (fs, fd, blk, sizeof blk, 2ull * i * 4096)
            == (ssize_t) sizeof blk);
    if (i % 300 == 299)
      CHECK (fpfs_fsync (fs, fd));
  }
  CHECK (fpfs_close (fs, fd));
  /* the same, in a shuffled order: inserts in the middle, splits */
  fd = fpfs_open (fs, "/rand", O_CREAT | O_RDWR, 0644);
  CHECK (fd);
  for (unsigned i = 0; i < 1200; i++) {
    uint8_t blk[4096];
    unsigned pos = (i * 761u) % 1200u;        /* 761 is prime to 1200 */
    tfs_pattern (blk, sizeof blk, pos);
    assert (fpfs_pwrite (fs, fd, blk, sizeof blk, 2ull * pos * 4096)
            == (ssize_t) sizeof blk);
    if (i % 200 == 199)
      CHECK (fpfs_fsync (fs, fd));
  }
  CHECK (fpfs_close (fs, fd));
  for (unsigned i = 0; i < 300; i++) {
    snprintf (path, sizeof path, "/many/file-with-a-longish-name-%04u", i);
    fk_write_file (fs, path, i % 3 ? 0 : 100, i);
  }
  for (unsigned i = 0; i < 300; i += 7) {
    snprintf (path, sizeof path, "/many/file-with-a-longish-name-%04u", i);
    CHECK (fpfs_unlink (fs, path));
  }
  CHECK (fpfs_link (fs, "/f2", "/d/f2-link"));
  CHECK (fpfs_link (fs, "/f2", "/a/b/f2-link"));
  CHECK (fpfs_rename (fs, "/a/f3", "/d/f3"));
  CHECK (fpfs_rename (fs, "/f1", "/d/f2-link"));      /* over an existing */
  CHECK (fpfs_rename (fs, "/a/b/c", "/d/c"));         /* a directory moves */
  CHECK (fpfs_mkdir (fs, "/gone", 0755));
  CHECK (fpfs_rmdir (fs, "/gone"));
  CHECK (fpfs_truncate (fs, "/d/f3", 12345));
  CHECK (fpfs_truncate (fs, "/f2", 100000));
  CHECK (fpfs_sync (fs));
}

static void
test_fresh_mkfs (void)
{
  struct fpfs_bdev *bd;
  struct fpfs_mkfs_opts mo = { .deterministic = true, .seed = 1 };
  char err[256];

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  CHECK (fpfs_mkfs (bd, &mo, err, sizeof err));
  fk_expect_clean (bd, "fresh mkfs");
  fpfs_bdev_close (bd);
  printf ("ok fresh_mkfs\n");
}

static void
test_populated (const char *opts)
{
  struct fpfs_bdev *bd;
  struct fpfs *fs;
  uint8_t raw[FS_INODE_SIZE];
  uint64_t writes;
  uint32_t big;
  char what[96];

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  fs = tfs_mkfs_mount (bd, opts, NULL);
  populate (fs);
  big = (uint32_t) fk_ino (fs, "/big");
  fk_umount (fs);
  fk_get_inode (bd, big, raw);
  assert (get_le16 (raw + IN_BLOCK + 6) >= 2);  /* a two-level tree */
  writes = bd->stats.writes;
  snprintf (what, sizeof what, "populated, %s", opts);
  fk_expect_clean (bd, what);
  assert (bd->stats.writes == writes);          /* fsck never writes */

  /* Remount, change more, unmount: still clean. */
  fs = tfs_mount (bd, opts, NULL);
  CHECK (fpfs_unlink (fs, "/big"));
  CHECK (fpfs_rename (fs, "/d", "/a/b/d"));
  CHECK (fpfs_truncate (fs, "/a/b/sparse", 4096));
  fk_umount (fs);
  snprintf (what, sizeof what, "remounted, %s", opts);
  fk_expect_clean (bd, what);
  fpfs_bdev_close (bd);
  printf ("ok populated %s\n", opts);
}

/* A power cut with files open and unlinked, then recovery: clean. */
static void
test_crash_recover (const char *opts)
{
  struct fpfs_bdev *bd;
  struct fpfs *fs;
  char what[96];
  int fd;

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  fs = tfs_mkfs_mount (bd, opts, NULL);
  populate (fs);
  fd = fpfs_open (fs, "/d/f3", O_RDWR, 0);
  CHECK (fd);
  CHECK (fpfs_unlink (fs, "/d/f3"));            /* open, unlinked: orphan */
  CHECK (fpfs_truncate (fs, "/big", 4096 * 7));
  fk_write_file (fs, "/late", 20000, 9);
  CHECK (fpfs_fsync (fs, fd));
  fpfs_crash (fs);
  fs = tfs_mount (bd, opts, NULL);              /* recovery, orphan cleanup */
  fk_umount (fs);
  snprintf (what, sizeof what, "crash and recovery, %s", opts);
  fk_expect_clean (bd, what);
  fpfs_bdev_close (bd);
  printf ("ok crash_recover %s\n", opts);
}

int
main (void)
{
  static const char *const modes[] = {
    "data=ordered", "data=writeback", "data=journal", "nojournal",
    "data=ordered,lazytime,commit=1",
  };

  test_fresh_mkfs ();
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    test_populated (modes[i]);
  test_crash_recover ("data=ordered");
  test_crash_recover ("data=journal");
  return 0;
}
