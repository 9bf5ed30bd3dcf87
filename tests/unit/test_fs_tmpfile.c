/* test_fs_tmpfile: O_TMPFILE (ext4_tmpfile, Linux 4.10) and linkat of an
 * open file (ext4_link's orphan case), one behaviour per test: the open's
 * checks; an unnamed inode on the orphan list, freed at close; after a
 * crash, gone (mount's orphan cleanup) with fsck clean; once linked and
 * fsynced, present with its data after a crash; linkat of a file that was
 * unlinked (not I_LINKABLE) or opened O_EXCL is ENOENT. */
#include "fs_testlib.h"
#include "ext4.h"

#define DEV_SIZE (64ull << 20)

static struct fpfs_bdev *bd;

static struct fpfs *
fresh (void)
{
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  return tfs_mkfs_mount (bd, "", NULL);
}

static void
umount_fsck (struct fpfs *fs)
{
  struct fpfs_fsck_report r;
  char err[256];

  CHECK0 (fpfs_umount (fs));
  CHECK0 (fpfs_fsck (bd, &r, err, sizeof err));
  if (r.errors)
    fprintf (stderr, "fsck:\n%s", r.text);
  assert (r.errors == 0);
  fpfs_bdev_close (bd);
  bd = NULL;
}

static int
count_cb (void *ctx, const struct fpfs_dirent *de)
{
  (void) de;
  ++*(int *) ctx;
  return 0;
}

static int
entries (struct fpfs *fs, const char *dir)
{
  int n = 0;
  CHECK0 (fpfs_readdir (fs, dir, count_cb, &n));
  return n;
}

static uint32_t
orphan_head (struct fpfs *fs)
{
  return get_le32 (fs->s_sbh->b_data + SB_LAST_ORPHAN);
}

static void
test_open_checks (void)
{
  struct fpfs *fs = fresh ();
  int fd;

  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  fd = fpfs_open (fs, "/d/f", O_CREAT | O_RDWR, 0644);
  CHECK0 (fpfs_close (fs, fd));
  assert (fpfs_open (fs, "/d", O_TMPFILE | O_RDONLY, 0600) == -EINVAL);
  assert (fpfs_open (fs, "/d", O_TMPFILE | O_RDWR | O_CREAT, 0600)
          == -EINVAL);
  assert (fpfs_open (fs, "/d/f", O_TMPFILE | O_RDWR, 0600) == -ENOTDIR);
  assert (fpfs_open (fs, "/none", O_TMPFILE | O_RDWR, 0600) == -ENOENT);
  assert (fpfs_open (fs, "/none/x", O_TMPFILE | O_WRONLY, 0600) == -ENOENT);
  assert (entries (fs, "/d") == 1);
  umount_fsck (fs);
  printf ("ok open_checks\n");
}

static void
test_unnamed_orphan_freed_at_close (void)
{
  struct fpfs *fs = fresh ();
  struct fpfs_info before, open, after;
  struct fpfs_stat st;
  uint8_t buf[4096] = { 3 };
  int fd;

  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  fpfs_get_info (fs, &before);
  fd = fpfs_open (fs, "/d", O_TMPFILE | O_RDWR, 0640);
  CHECK (fd);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.nlink == 0 && st.mode == (0100000 | 0640));
  assert (orphan_head (fs) == st.ino);
  assert (entries (fs, "/d") == 0);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_get_info (fs, &open);
  assert (open.free_inodes == before.free_inodes - 1);
  CHECK0 (fpfs_close (fs, fd));           /* iput: ext4_evict_inode */
  fpfs_get_info (fs, &after);
  assert (after.free_inodes == before.free_inodes);
  assert (after.free_blocks == before.free_blocks);
  assert (orphan_head (fs) == 0);
  umount_fsck (fs);
  printf ("ok unnamed_orphan_freed_at_close\n");
}

static void
test_crash_frees_unlinked_tmpfile (void)
{
  struct fpfs *fs = fresh ();
  struct fpfs_info before, after;
  static uint8_t buf[16384];    /* a whole preallocation window: S5 */
  int fd;

  fpfs_get_info (fs, &before);
  fd = fpfs_open (fs, "/", O_TMPFILE | O_RDWR, 0600);
  CHECK (fd);
  tfs_pattern (buf, sizeof buf, 1);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_crash (fs);
  fs = tfs_mount (bd, "", NULL);          /* ext4_orphan_cleanup */
  fpfs_get_info (fs, &after);
  assert (after.free_inodes == before.free_inodes);
  assert (after.free_blocks == before.free_blocks);
  assert (orphan_head (fs) == 0 && entries (fs, "/") == 0);
  umount_fsck (fs);
  printf ("ok crash_frees_unlinked_tmpfile\n");
}

static void
test_linkat_survives_crash (void)
{
  struct fpfs *fs = fresh ();
  struct fpfs_stat st;
  uint8_t buf[8192], got[8192];
  uint64_t ino;
  int fd;

  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  CHECK0 (fpfs_sync (fs));
  fd = fpfs_open (fs, "/d", O_TMPFILE | O_RDWR, 0600);
  CHECK (fd);
  tfs_pattern (buf, sizeof buf, 2);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  ino = st.ino;
  CHECK0 (fpfs_linkat_fd (fs, fd, "/d/named"));
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.nlink == 1 && orphan_head (fs) == 0);
  /* Named once, it is an ordinary file: the name is taken now. */
  assert (fpfs_linkat_fd (fs, fd, "/d/named") == -EEXIST);
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_crash (fs);
  fs = tfs_mount (bd, "", NULL);
  CHECK0 (fpfs_stat (fs, "/d/named", &st));
  assert (st.ino == ino && st.nlink == 1 && st.size == sizeof buf);
  fd = fpfs_open (fs, "/d/named", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, sizeof got, 0) == (ssize_t) sizeof got);
  assert (memcmp (buf, got, sizeof buf) == 0);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs);
  printf ("ok linkat_survives_crash\n");
}

static void
test_linkat_unlinked_file_enoent (void)
{
  struct fpfs *fs = fresh ();
  struct fpfs_stat st;
  int fd, ex;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  CHECK (fd);
  CHECK0 (fpfs_unlink (fs, "/f"));
  /* nlink 0 but not I_LINKABLE: vfs_link's ENOENT. */
  assert (fpfs_linkat_fd (fs, fd, "/g") == -ENOENT);
  /* O_TMPFILE | O_EXCL: never linkable either. */
  ex = fpfs_open (fs, "/", O_TMPFILE | O_RDWR | O_EXCL, 0600);
  CHECK (ex);
  assert (fpfs_linkat_fd (fs, ex, "/g") == -ENOENT);
  assert (fpfs_stat (fs, "/g", &st) == -ENOENT);
  assert (fpfs_linkat_fd (fs, 999, "/g") == -EBADF);
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_close (fs, ex));
  umount_fsck (fs);
  printf ("ok linkat_unlinked_file_enoent\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_open_checks ();
  test_unnamed_orphan_freed_at_close ();
  test_crash_frees_unlinked_tmpfile ();
  test_linkat_survives_crash ();
  test_linkat_unlinked_file_enoent ();
  return 0;
}
