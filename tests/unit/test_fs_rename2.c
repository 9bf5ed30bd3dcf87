/* test_fs_rename2: renameat2's flags on the engine (ext4_rename2 in Linux
 * 4.10): NOREPLACE, EXCHANGE (ext4_cross_rename) and WHITEOUT
 * (ext4_whiteout_for_rename), one behaviour per test.  Each test that
 * changes names fsyncs the parents, crashes, mounts again (journal
 * recovery) and checks the names, then unmounts and runs fsck. */
#include "fs_testlib.h"

#define DEV_SIZE (64ull << 20)

static struct fpfs_bdev *bd;

static struct fpfs *
fresh (void)
{
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  return tfs_mkfs_mount (bd, "", NULL);
}

static uint64_t
ino_of (struct fpfs *fs, const char *path)
{
  struct fpfs_stat st;
  CHECK0 (fpfs_stat (fs, path, &st));
  return st.ino;
}

static uint32_t
nlink_of (struct fpfs *fs, const char *path)
{
  struct fpfs_stat st;
  CHECK0 (fpfs_stat (fs, path, &st));
  return st.nlink;
}

static void
make_file (struct fpfs *fs, const char *path, char c)
{
  int fd = fpfs_open (fs, path, O_CREAT | O_RDWR, 0644);
  CHECK (fd);
  assert (fpfs_pwrite (fs, fd, &c, 1, 0) == 1);
  CHECK0 (fpfs_fsync (fs, fd));          /* the data outlives the crash */
  CHECK0 (fpfs_close (fs, fd));
}

static char
byte_of (struct fpfs *fs, const char *path)
{
  char c = 0;
  int fd = fpfs_open (fs, path, O_RDONLY, 0);
  CHECK (fd);
  assert (fpfs_pread (fs, fd, &c, 1, 0) == 1);
  CHECK0 (fpfs_close (fs, fd));
  return c;
}

static void
fsync_dir (struct fpfs *fs, const char *path)
{
  int fd = fpfs_open (fs, path, O_RDONLY | O_DIRECTORY, 0);
  CHECK (fd);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
}

/* Power cut, then mount the same device again (recovery runs). */
static struct fpfs *
crash_remount (struct fpfs *fs)
{
  fpfs_crash (fs);
  return tfs_mount (bd, "", NULL);
}

/* Unmount cleanly and run fsck; frees the device. */
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

static void
test_noreplace_eexist (void)
{
  struct fpfs *fs = fresh ();
  uint64_t a, b;

  make_file (fs, "/a", 'A');
  make_file (fs, "/b", 'B');
  a = ino_of (fs, "/a");
  b = ino_of (fs, "/b");
  assert (fpfs_rename2 (fs, "/a", "/b", FPFS_RENAME_NOREPLACE) == -EEXIST);
  assert (ino_of (fs, "/a") == a && ino_of (fs, "/b") == b);
  assert (byte_of (fs, "/b") == 'B');
  umount_fsck (fs);
  printf ("ok noreplace_eexist\n");
}

static void
test_noreplace_renames (void)
{
  struct fpfs *fs = fresh ();
  struct fpfs_stat st;
  uint64_t a;

  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  make_file (fs, "/a", 'A');
  a = ino_of (fs, "/a");
  CHECK0 (fpfs_rename2 (fs, "/a", "/d/c", FPFS_RENAME_NOREPLACE));
  fsync_dir (fs, "/");
  fsync_dir (fs, "/d");
  fs = crash_remount (fs);
  assert (fpfs_stat (fs, "/a", &st) == -ENOENT);
  assert (ino_of (fs, "/d/c") == a && byte_of (fs, "/d/c") == 'A');
  umount_fsck (fs);
  printf ("ok noreplace_renames\n");
}

static void
test_exchange_bad_flags (void)
{
  struct fpfs *fs = fresh ();

  make_file (fs, "/a", 'A');
  make_file (fs, "/b", 'B');
  assert (fpfs_rename2 (fs, "/a", "/b", FPFS_RENAME_EXCHANGE
                        | FPFS_RENAME_NOREPLACE) == -EINVAL);
  assert (fpfs_rename2 (fs, "/a", "/b", FPFS_RENAME_EXCHANGE
                        | FPFS_RENAME_WHITEOUT) == -EINVAL);
  assert (fpfs_rename2 (fs, "/a", "/b", 8) == -EINVAL);
  assert (fpfs_rename2 (fs, "/a", "/none", FPFS_RENAME_EXCHANGE) == -ENOENT);
  assert (fpfs_rename2 (fs, "/none", "/a", FPFS_RENAME_EXCHANGE) == -ENOENT);
  assert (byte_of (fs, "/a") == 'A' && byte_of (fs, "/b") == 'B');
  umount_fsck (fs);
  printf ("ok exchange_bad_flags\n");
}

static void
test_exchange_two_files (void)
{
  struct fpfs *fs = fresh ();
  struct fpfs_stat sa, sb, before;
  uint64_t a, b;

  make_file (fs, "/a", 'A');
  make_file (fs, "/b", 'B');
  a = ino_of (fs, "/a");
  b = ino_of (fs, "/b");
  CHECK0 (fpfs_stat (fs, "/a", &before));
  CHECK0 (fpfs_rename2 (fs, "/a", "/b", FPFS_RENAME_EXCHANGE));
  CHECK0 (fpfs_stat (fs, "/a", &sa));
  CHECK0 (fpfs_stat (fs, "/b", &sb));
  assert (sa.ino == b && sb.ino == a);
  assert (sa.nlink == 1 && sb.nlink == 1);
  /* Both inodes get the rename's ctime. */
  assert (sa.ctime.sec == sb.ctime.sec && sa.ctime.nsec == sb.ctime.nsec);
  assert (sb.ctime.sec > before.ctime.sec
          || (sb.ctime.sec == before.ctime.sec
              && sb.ctime.nsec > before.ctime.nsec));
  fsync_dir (fs, "/");
  fs = crash_remount (fs);
  assert (ino_of (fs, "/a") == b && ino_of (fs, "/b") == a);
  assert (byte_of (fs, "/a") == 'B' && byte_of (fs, "/b") == 'A');
  umount_fsck (fs);
  printf ("ok exchange_two_files\n");
}

static void
test_exchange_file_and_dir (void)
{
  struct fpfs *fs = fresh ();
  uint64_t d1, d2, f, sub;

  CHECK0 (fpfs_mkdir (fs, "/d1", 0755));
  CHECK0 (fpfs_mkdir (fs, "/d2", 0755));
  CHECK0 (fpfs_mkdir (fs, "/d2/sub", 0755));
  make_file (fs, "/d2/sub/inner", 'I');
  make_file (fs, "/d1/f", 'F');
  d1 = ino_of (fs, "/d1");
  d2 = ino_of (fs, "/d2");
  f = ino_of (fs, "/d1/f");
  sub = ino_of (fs, "/d2/sub");
  assert (nlink_of (fs, "/d1") == 2 && nlink_of (fs, "/d2") == 3);
  CHECK0 (fpfs_rename2 (fs, "/d1/f", "/d2/sub", FPFS_RENAME_EXCHANGE));
  for (int round = 0; round < 2; round++) {
    assert (ino_of (fs, "/d1/f") == sub && ino_of (fs, "/d2/sub") == f);
    /* The directory's ".." follows it; the parents' counts move. */
    assert (ino_of (fs, "/d1/f/..") == d1);
    assert (nlink_of (fs, "/d1") == 3 && nlink_of (fs, "/d2") == 2);
    assert (byte_of (fs, "/d1/f/inner") == 'I');
    assert (byte_of (fs, "/d2/sub") == 'F');
    (void) d2;
    if (round == 0) {
      fsync_dir (fs, "/d1");
      fsync_dir (fs, "/d2");
      fs = crash_remount (fs);
    }
  }
  umount_fsck (fs);
  printf ("ok exchange_file_and_dir\n");
}

static void
test_exchange_two_dirs_across_parents (void)
{
  struct fpfs *fs = fresh ();
  uint64_t p1, p2, x, y;

  CHECK0 (fpfs_mkdir (fs, "/p1", 0755));
  CHECK0 (fpfs_mkdir (fs, "/p2", 0755));
  CHECK0 (fpfs_mkdir (fs, "/p1/x", 0755));
  CHECK0 (fpfs_mkdir (fs, "/p1/x/c", 0755));
  CHECK0 (fpfs_mkdir (fs, "/p2/y", 0755));
  p1 = ino_of (fs, "/p1");
  p2 = ino_of (fs, "/p2");
  x = ino_of (fs, "/p1/x");
  y = ino_of (fs, "/p2/y");
  /* Neither may go below itself. */
  assert (fpfs_rename2 (fs, "/p1/x", "/p1/x/c", FPFS_RENAME_EXCHANGE)
          == -EINVAL);
  assert (fpfs_rename2 (fs, "/p1/x/c", "/p1/x", FPFS_RENAME_EXCHANGE)
          == -EINVAL);
  CHECK0 (fpfs_rename2 (fs, "/p1/x", "/p2/y", FPFS_RENAME_EXCHANGE));
  for (int round = 0; round < 2; round++) {
    assert (ino_of (fs, "/p1/x") == y && ino_of (fs, "/p2/y") == x);
    assert (ino_of (fs, "/p1/x/..") == p1 && ino_of (fs, "/p2/y/..") == p2);
    assert (ino_of (fs, "/p2/y/c/..") == x);
    /* Two directories trade places: no parent's count moves. */
    assert (nlink_of (fs, "/p1") == 3 && nlink_of (fs, "/p2") == 3);
    assert (nlink_of (fs, "/p2/y") == 3 && nlink_of (fs, "/p1/x") == 2);
    if (round == 0) {
      fsync_dir (fs, "/p1");
      fsync_dir (fs, "/p2");
      fs = crash_remount (fs);
    }
  }
  umount_fsck (fs);
  printf ("ok exchange_two_dirs_across_parents\n");
}

struct find_ctx {
  const char *name;
  uint8_t type;
  bool found;
};

static int
find_cb (void *ctx, const struct fpfs_dirent *de)
{
  struct find_ctx *c = ctx;
  if (strcmp (de->name, c->name) == 0) {
    c->found = true;
    c->type = de->type;
  }
  return 0;
}

static void
check_whiteout (struct fpfs *fs, const char *dir, const char *name,
                const char *path)
{
  struct find_ctx c = { name, 0, false };
  struct fpfs_stat st;

  CHECK0 (fpfs_stat (fs, path, &st));
  assert ((st.mode & 0170000) == 0020000);   /* S_IFCHR */
  assert (st.rdev == 0 && st.nlink == 1 && st.size == 0 && st.blocks == 0);
  CHECK0 (fpfs_readdir (fs, dir, find_cb, &c));
  assert (c.found && c.type == 2);           /* DT_CHR */
  assert (fpfs_open (fs, path, O_RDONLY, 0) == -ENXIO);
}

static void
test_whiteout_leaves_chardev (void)
{
  struct fpfs *fs = fresh ();
  struct fpfs_info before, after;
  uint64_t a;

  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  make_file (fs, "/d/a", 'A');
  a = ino_of (fs, "/d/a");
  fpfs_get_info (fs, &before);
  CHECK0 (fpfs_rename2 (fs, "/d/a", "/b", FPFS_RENAME_WHITEOUT));
  fpfs_get_info (fs, &after);
  assert (after.free_inodes == before.free_inodes - 1);
  check_whiteout (fs, "/d", "a", "/d/a");
  assert (ino_of (fs, "/b") == a && ino_of (fs, "/d/a") != a);
  fsync_dir (fs, "/d");
  fsync_dir (fs, "/");
  fs = crash_remount (fs);
  check_whiteout (fs, "/d", "a", "/d/a");
  assert (ino_of (fs, "/b") == a && byte_of (fs, "/b") == 'A');
  umount_fsck (fs);
  printf ("ok whiteout_leaves_chardev\n");
}

static void
test_whiteout_over_target (void)
{
  struct fpfs *fs = fresh ();
  struct fpfs_info before, after;
  uint64_t a;

  make_file (fs, "/a", 'A');
  make_file (fs, "/b", 'B');
  a = ino_of (fs, "/a");
  fpfs_get_info (fs, &before);
  CHECK0 (fpfs_rename2 (fs, "/a", "/b", FPFS_RENAME_WHITEOUT));
  fpfs_get_info (fs, &after);
  /* One inode freed (the replaced /b), one allocated (the whiteout). */
  assert (after.free_inodes == before.free_inodes);
  check_whiteout (fs, "/", "a", "/a");
  assert (ino_of (fs, "/b") == a && byte_of (fs, "/b") == 'A');
  /* A whiteout is a name like any other: it can be removed. */
  fsync_dir (fs, "/");
  fs = crash_remount (fs);
  check_whiteout (fs, "/", "a", "/a");
  CHECK0 (fpfs_unlink (fs, "/a"));
  umount_fsck (fs);
  printf ("ok whiteout_over_target\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_noreplace_eexist ();
  test_noreplace_renames ();
  test_exchange_bad_flags ();
  test_exchange_two_files ();
  test_exchange_file_and_dir ();
  test_exchange_two_dirs_across_parents ();
  test_whiteout_leaves_chardev ();
  test_whiteout_over_target ();
  return 0;
}
