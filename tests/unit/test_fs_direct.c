/* test_fs_direct: O_DIRECT (ext4_direct_IO, Linux 4.10), one behaviour
 * per test: unaligned offsets and lengths are EINVAL; an aligned
 * overwrite of written blocks goes to the device with no commit and no
 * FLUSH, and fsync then sends the FLUSH; an extending write keeps its
 * size and data through fsync + crash; a write into a hole inside the file
 * allocates an unwritten extent converted after the I/O; dirty pages of
 * the range are written first and cached pages dropped; data=journal
 * falls back to buffered I/O. */
#include "fs_testlib.h"

#define DEV_SIZE (64ull << 20)
#define JBLOCKS  1024u

static void *
abuf (size_t len, uint64_t seed)
{
  /* aligned_alloc wants a multiple of the alignment. */
  uint8_t *p = aligned_alloc (4096, (len + 4095) & ~(size_t) 4095);
  assert (p);
  tfs_pattern (p, len, seed);
  return p;
}

static void
umount_fsck (struct fpfs *fs, struct fpfs_bdev *bd)
{
  struct fpfs_fsck_report r;
  char err[256];

  CHECK0 (fpfs_umount (fs));
  CHECK0 (fpfs_fsck (bd, &r, err, sizeof err));
  if (r.errors)
    fprintf (stderr, "fsck:\n%s", r.text);
  assert (r.errors == 0);
}

static void
test_unaligned_einval (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint8_t *b = abuf (8192, 1);
  struct fpfs_stat st;
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR | O_DIRECT, 0644);

  CHECK (fd);
  assert (fpfs_pwrite (fs, fd, b, 100, 0) == -EINVAL);
  assert (fpfs_pwrite (fs, fd, b, 512, 100) == -EINVAL);
  /* The buffer's address is free (fpfs.h; Linux would say EINVAL). */
  assert (fpfs_pwrite (fs, fd, b + 1, 512, 0) == 512);
  assert (fpfs_pwrite (fs, fd, b, 512, 512) == 512);
  assert (fpfs_pread (fs, fd, b, 511, 0) == -EINVAL);
  assert (fpfs_pread (fs, fd, b, 512, 3) == -EINVAL);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == 1024);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  free (b);
  printf ("ok unaligned_einval\n");
}

static void
test_overwrite_reaches_device_before_commit (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint8_t *old = abuf (8192, 2), *new = abuf (4096, 3), *got = abuf (4096, 0);
  struct fpfs_info a, b;
  struct shim_counts c;
  size_t from;
  int fd;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  assert (fpfs_pwrite (fs, fd, old, 8192, 0) == 8192);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
  fd = fpfs_open (fs, "/f", O_RDWR | O_DIRECT, 0);
  CHECK (fd);
  fpfs_get_info (fs, &a);
  from = shim_of (bd)->n;
  assert (fpfs_pwrite (fs, fd, new, 4096, 4096) == 4096);
  fpfs_get_info (fs, &b);
  c = shim_count (bd, from, shim_of (bd)->n, JBLOCKS);
  /* One in-place data write: no commit, no journal block, no FLUSH or
   * FUA -- the bytes sit in the device's volatile cache. */
  assert (b.commits == a.commits);
  assert (c.writes == 1 && c.inplace_writes == 1 && c.journal_writes == 0);
  assert (c.flushes == 0 && c.fua == 0);
  assert (shim_of (bd)->ops[shim_of (bd)->n - 1].hash == XXH64 (new, 4096, 0));
  assert (fpfs_pread (fs, fd, got, 4096, 4096) == 4096);
  assert (memcmp (got, new, 4096) == 0);
  /* fsync: the mtime commit, whose PREFLUSH makes the data durable. */
  from = shim_of (bd)->n;
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_get_info (fs, &a);
  c = shim_count (bd, from, shim_of (bd)->n, JBLOCKS);
  assert (a.commits == b.commits + 1 && c.flushes >= 1);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  free (old);
  free (new);
  free (got);
  printf ("ok overwrite_reaches_device_before_commit\n");
}

static void
test_extend_fsync_crash_keeps_size_and_data (void)
{
  struct fpfs_bdev *bd;
  struct fpfs *fs;
  uint8_t *d = abuf (8192 + 512, 4), *got = abuf (12288, 0);
  struct fpfs_stat st;
  int fd;

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  fs = tfs_mkfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR | O_DIRECT, 0644);
  CHECK (fd);
  assert (fpfs_pwrite (fs, fd, d, 8192, 0) == 8192);
  /* A sub-block extension: the new block's rest is zeroes. */
  assert (fpfs_pwrite (fs, fd, d + 8192, 512, 8192) == 512);
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_crash (fs);
  fs = tfs_mount (bd, "", NULL);
  CHECK0 (fpfs_stat (fs, "/f", &st));
  assert (st.size == 8192 + 512);
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, 12288, 0) == 8192 + 512);
  assert (memcmp (got, d, 8192 + 512) == 0);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  free (d);
  free (got);
  printf ("ok extend_fsync_crash_keeps_size_and_data\n");
}

/* Every crash state of an extending write + fsync: after recovery and
 * orphan cleanup the size is the old one or the new one, the new bytes
 * are there whenever the new size is, and fsck is clean. */
static void
test_extend_every_crash_state (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs;
  uint8_t *d = abuf (16384, 9), *got = abuf (16384, 0);
  size_t from, nnew = 0;
  int fd;

  shim_of (bd)->record_data = true;
  fs = tfs_mkfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR | O_DIRECT, 0644);
  assert (fpfs_pwrite (fs, fd, d, 4096, 0) == 4096);
  CHECK0 (fpfs_fsync (fs, fd));
  from = shim_of (bd)->n;
  assert (fpfs_pwrite (fs, fd, d + 4096, 12288, 4096) == 12288);
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_crash (fs);
  for (size_t p = from; p <= shim_of (bd)->n; p++) {
    struct fpfs_bdev *dev;
    struct fpfs_stat st;
    CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &dev));
    shim_apply (bd, 0, p, dev);
    fs = tfs_mount (dev, "", NULL);
    CHECK0 (fpfs_stat (fs, "/f", &st));
    assert (st.size == 4096 || st.size == 16384);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    assert (fpfs_pread (fs, fd, got, 16384, 0) == (ssize_t) st.size);
    assert (memcmp (got, d, st.size) == 0);
    CHECK0 (fpfs_close (fs, fd));
    nnew += st.size == 16384;
    umount_fsck (fs, dev);
    fpfs_bdev_close (dev);
  }
  assert (nnew > 0);
  fpfs_bdev_close (bd);
  free (d);
  free (got);
  printf ("ok extend_every_crash_state\n");
}

static void
test_hole_write_unwritten_then_converted (void)
{
  struct fpfs_bdev *bd;
  struct fpfs *fs;
  uint8_t *d = abuf (4096, 5), *got = abuf (16384, 0);
  struct fpfs_stat st;
  int fd;

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  fs = tfs_mkfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR | O_DIRECT, 0644);
  CHECK0 (fpfs_ftruncate (fs, fd, 16384));       /* all hole */
  assert (fpfs_pwrite (fs, fd, d, 1024, 4096 + 1024) == 1024);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == 16384 && st.blocks == 8);
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_crash (fs);
  fs = tfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/f", O_RDONLY | O_DIRECT, 0);
  assert (fpfs_pread (fs, fd, got, 16384, 0) == 16384);
  for (size_t i = 0; i < 16384; i++)
    assert (got[i] == (i >= 5120 && i < 6144 ? d[i - 5120] : 0));
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  free (d);
  free (got);
  printf ("ok hole_write_unwritten_then_converted\n");
}

static void
test_page_cache_written_and_dropped (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint8_t *a = abuf (4096, 6), *b = abuf (4096, 7), *got = abuf (4096, 0);
  int bfd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  int dfd = fpfs_open (fs, "/f", O_RDWR | O_DIRECT, 0);

  CHECK (bfd);
  CHECK (dfd);
  assert (fpfs_pwrite (fs, bfd, a, 4096, 0) == 4096);   /* dirty, delalloc */
  assert (fpfs_pread (fs, dfd, got, 4096, 0) == 4096);  /* written first */
  assert (memcmp (got, a, 4096) == 0);
  assert (fpfs_pwrite (fs, dfd, b, 4096, 0) == 4096);
  assert (fpfs_pread (fs, bfd, got, 4096, 0) == 4096);  /* no stale page */
  assert (memcmp (got, b, 4096) == 0);
  CHECK0 (fpfs_close (fs, bfd));
  CHECK0 (fpfs_close (fs, dfd));
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  free (a);
  free (b);
  free (got);
  printf ("ok page_cache_written_and_dropped\n");
}

static void
test_data_journal_falls_back (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "data=journal", NULL);
  uint8_t *d = abuf (4096, 8), *got = abuf (4096, 0);
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR | O_DIRECT, 0644);

  /* ext4_direct_IO returns 0 before any alignment check: buffered. */
  assert (fpfs_pwrite (fs, fd, d, 100, 0) == 100);
  assert (fpfs_pwrite (fs, fd, d, 4096, 0) == 4096);
  assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);
  assert (memcmp (got, d, 4096) == 0);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  free (d);
  free (got);
  printf ("ok data_journal_falls_back\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_unaligned_einval ();
  test_overwrite_reaches_device_before_commit ();
  test_extend_fsync_crash_keeps_size_and_data ();
  test_extend_every_crash_state ();
  test_hole_write_unwritten_then_converted ();
  test_page_cache_written_and_dropped ();
  test_data_journal_falls_back ();
  return 0;
}
