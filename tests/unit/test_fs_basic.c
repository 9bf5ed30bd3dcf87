/* test_fs_basic: files and directories written, read back, remounted and
 * identical, in every data mode; name operations and their errors. */
#include "fs_testlib.h"

#define DEV_SIZE (64ull << 20)

static const char *const modes[] = {
  "data=ordered", "data=writeback", "data=journal", "nojournal", "lazytime",
};

static void
write_file (struct fpfs *fs, const char *path, size_t size, uint64_t seed)
{
  uint8_t *buf = malloc (size + 1);
  int fd = fpfs_open (fs, path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  size_t done = 0;

  assert (fd >= 0 && buf);
  tfs_pattern (buf, size, seed);
  /* Uneven chunks: partial pages, page-crossing writes. */
  while (done < size) {
    size_t n = 1 + (size_t) ((seed + done) % 9000);
    if (n > size - done)
      n = size - done;
    assert (fpfs_pwrite (fs, fd, buf + done, n, done) == (ssize_t) n);
    done += n;
  }
  CHECK0 (fpfs_close (fs, fd));
  free (buf);
}

static void
check_file (struct fpfs *fs, const char *path, size_t size, uint64_t seed)
{
  uint8_t *want = malloc (size + 1), *got = malloc (size + 4096);
  struct fpfs_stat st;
  int fd = fpfs_open (fs, path, O_RDONLY, 0);

  if (fd < 0)
    fprintf (stderr, "open %s: %d\n", path, fd);
  assert (fd >= 0 && want && got);
  CHECK (fpfs_fstat (fs, fd, &st));
  assert (st.size == size);
  tfs_pattern (want, size, seed);
  assert (fpfs_pread (fs, fd, got, size + 4096, 0) == (ssize_t) size);
  if (memcmp (want, got, size) != 0) {
    size_t i = 0;
    while (want[i] == got[i])
      i++;
    fprintf (stderr, "%s: differs at byte %zu of %zu\n", path, i, size);
    assert (0);
  }
  CHECK0 (fpfs_close (fs, fd));
  free (want);
  free (got);
}

static size_t
file_size (unsigned i)
{
  static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 12288, 65537, 300000 };
  return sizes[i % 8] + (i / 8) * 13;
}

static int
count_cb (void *ctx, const struct fpfs_dirent *de)
{
  (void) de;
  (*(unsigned *) ctx)++;
  return 0;
}

static void
test_many_files_remount (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  char path[64];
  unsigned n;

  for (unsigned d = 0; d < 8; d++) {
    snprintf (path, sizeof path, "/d%u", d);
    CHECK0 (fpfs_mkdir (fs, path, 0755));
    snprintf (path, sizeof path, "/d%u/sub", d);
    CHECK0 (fpfs_mkdir (fs, path, 0700));
  }
  for (unsigned i = 0; i < 400; i++) {
    snprintf (path, sizeof path, "/d%u/%s/file-%u", i % 8,
              i % 3 ? "sub" : ".", i);
    write_file (fs, path, file_size (i), i);
  }
  for (unsigned i = 0; i < 400; i += 37) {
    snprintf (path, sizeof path, "/d%u/%s/file-%u", i % 8,
              i % 3 ? "sub" : ".", i);
    check_file (fs, path, file_size (i), i);
  }
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, opts, NULL);
  for (unsigned i = 0; i < 400; i++) {
    snprintf (path, sizeof path, "/d%u/%s/file-%u", i % 8,
              i % 3 ? "sub" : ".", i);
    check_file (fs, path, file_size (i), i);
  }
  n = 0;
  CHECK (fpfs_readdir (fs, "/", count_cb, &n));
  assert (n == 8);
  n = 0;
  CHECK (fpfs_readdir (fs, "/d3/sub", count_cb, &n));
  assert (n == 400 / 8 * 2 / 3 || n == 400 / 8 * 2 / 3 + 1);
  {
    struct fpfs_stat st;
    CHECK (fpfs_stat (fs, "/d3", &st));
    assert (st.nlink == 3);               /* ".", its entry, sub's ".." */
  }
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok many_files_remount %s\n", opts);
}

static void
test_name_ops (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  struct fpfs_stat st, st2;
  uint8_t buf[100];
  int fd;

  write_file (fs, "/a", 5000, 1);
  write_file (fs, "/b", 7000, 2);
  assert (fpfs_open (fs, "/a", O_CREAT | O_EXCL | O_WRONLY, 0644) == -EEXIST);
  assert (fpfs_open (fs, "/nope", O_RDONLY, 0) == -ENOENT);
  assert (fpfs_open (fs, "/a/x", O_RDONLY, 0) == -ENOTDIR);
  CHECK0 (fpfs_mkdir (fs, "/dir", 0755));
  assert (fpfs_mkdir (fs, "/dir", 0755) == -EEXIST);
  assert (fpfs_open (fs, "/dir", O_WRONLY, 0) == -EISDIR);
  assert (fpfs_unlink (fs, "/dir") == -EISDIR);
  assert (fpfs_rmdir (fs, "/a") == -ENOTDIR);
  /* rename over an existing name */
  CHECK (fpfs_stat (fs, "/a", &st));
  CHECK0 (fpfs_rename (fs, "/a", "/b"));
  assert (fpfs_stat (fs, "/a", &st2) == -ENOENT);
  CHECK (fpfs_stat (fs, "/b", &st2));
  assert (st2.ino == st.ino && st2.size == 5000);
  check_file (fs, "/b", 5000, 1);
  /* across directories, a directory with contents */
  CHECK0 (fpfs_mkdir (fs, "/dir/sub", 0755));
  write_file (fs, "/dir/sub/f", 10000, 3);
  CHECK0 (fpfs_mkdir (fs, "/other", 0755));
  CHECK0 (fpfs_rename (fs, "/dir/sub", "/other/moved"));
  check_file (fs, "/other/moved/f", 10000, 3);
  CHECK (fpfs_stat (fs, "/dir", &st));
  assert (st.nlink == 2);
  CHECK (fpfs_stat (fs, "/other", &st));
  assert (st.nlink == 3);
  assert (fpfs_rename (fs, "/other", "/other/moved/x") == -EINVAL);
  assert (fpfs_rmdir (fs, "/other") == -ENOTEMPTY);
  /* links */
  CHECK0 (fpfs_link (fs, "/b", "/dir/b2"));
  CHECK (fpfs_stat (fs, "/b", &st));
  assert (st.nlink == 2);
  CHECK0 (fpfs_unlink (fs, "/b"));
  check_file (fs, "/dir/b2", 5000, 1);
  CHECK (fpfs_stat (fs, "/dir/b2", &st));
  assert (st.nlink == 1);
  /* unlink while open: readable until close */
  fd = fpfs_open (fs, "/dir/b2", O_RDONLY, 0);
  assert (fd >= 0);
  CHECK0 (fpfs_unlink (fs, "/dir/b2"));
  assert (fpfs_pread (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
  CHECK0 (fpfs_close (fs, fd));
  assert (fpfs_stat (fs, "/dir/b2", &st) == -ENOENT);
  /* truncate down and up */
  write_file (fs, "/t", 20000, 9);
  CHECK0 (fpfs_truncate (fs, "/t", 5000));
  CHECK0 (fpfs_truncate (fs, "/t", 9000));
  fd = fpfs_open (fs, "/t", O_RDONLY, 0);
  {
    uint8_t got[9000], want[20000];
    tfs_pattern (want, sizeof want, 9);
    assert (fpfs_pread (fs, fd, got, sizeof got, 0) == 9000);
    assert (memcmp (got, want, 5000) == 0);
    for (int i = 5000; i < 9000; i++)
      assert (got[i] == 0);
  }
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_chmod (fs, "/t", 0600));
  {
    struct fpfs_timespec times[2] = { { 1000, 5 }, { 2000, 7 } };
    struct fpfs_stat st3;
    CHECK0 (fpfs_utimens (fs, "/t", times));
    CHECK0 (fpfs_stat (fs, "/t", &st3));
    assert (st3.atime.sec == 1000 && st3.mtime.sec == 2000 && st3.mtime.nsec == 7);
    assert (st3.ctime.sec != 2000);
    times[0].nsec = (1u << 30) - 2;           /* UTIME_OMIT */
    times[1].nsec = 1000000000u;
    assert (fpfs_utimens (fs, "/t", times) == -EINVAL);
  }
  CHECK0 (fpfs_rmdir (fs, "/other/moved") == -ENOTEMPTY ? 0 : 0);
  CHECK0 (fpfs_unlink (fs, "/other/moved/f"));
  CHECK0 (fpfs_rmdir (fs, "/other/moved"));
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, opts, NULL);
  CHECK (fpfs_stat (fs, "/t", &st));
  assert (st.size == 9000 && (st.mode & 07777) == 0600);
  assert (st.mtime.sec == 2000 && st.mtime.nsec == 7 && st.atime.sec == 1000);
  CHECK (fpfs_stat (fs, "/other", &st));
  assert (st.nlink == 2);
  {
    struct fpfs_info info;
    fpfs_get_info (fs, &info);
    assert (info.free_inodes == info.total_inodes - 10 - 3);   /* dir, other, t */
  }
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok name_ops %s\n", opts);
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    test_many_files_remount (modes[i]);
    test_name_ops (modes[i]);
  }
  return 0;
}
