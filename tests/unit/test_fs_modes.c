/* test_fs_modes: mount options at work: lazytime, O_SYNC / O_DSYNC,
 * background commits and the flusher on the virtual clock, the dirty
 * limit, data=journal and nobarrier. */
#include "fs_testlib.h"
#include "ext4.h"

#define DEV_SIZE (64ull << 20)

struct delta {
  uint64_t commits;
  struct shim_counts c;
};

static struct delta
measure_begin (struct fpfs *fs, struct fpfs_bdev *bd, size_t *from,
               uint64_t *commits)
{
  struct fpfs_info info;
  fpfs_get_info (fs, &info);
  *from = shim_of (bd)->n;
  *commits = info.commits;
  return (struct delta) { 0 };
}

static struct delta
measure_end (struct fpfs *fs, struct fpfs_bdev *bd, size_t from,
             uint64_t commits)
{
  struct fpfs_info info;
  struct delta d;
  fpfs_get_info (fs, &info);
  d.commits = info.commits - commits;
  d.c = shim_count (bd, from, shim_of (bd)->n, fs->s_geo.journal_blocks);
  return d;
}

static void
test_lazytime (void)
{
  for (int lazy = 0; lazy < 2; lazy++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    struct fpfs_stat before, st;
    uint8_t buf[4096] = { 3 };
    size_t from, p;
    uint64_t c0;
    struct delta d;
    int fd;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, lazy ? "lazytime" : "", NULL);
    fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
    assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK (fpfs_fstat (fs, fd, &before));
    /* Overwrite; fdatasync commits nothing either way. */
    measure_begin (fs, bd, &from, &c0);
    assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
    CHECK0 (fpfs_fdatasync (fs, fd));
    d = measure_end (fs, bd, from, c0);
    assert (d.commits == 0);
    /* Let kjournald2 and the flusher run: with lazytime the new mtime is
     * in no transaction, so a power cut loses it. */
    fpfs_clock_advance (fs, 40ull * FPFS_NSEC_PER_SEC);
    p = shim_of (bd)->n;
    fpfs_crash (fs);
    CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &dev));
    shim_apply (bd, 0, p, dev);
    fs = tfs_mount (dev, "", NULL);
    CHECK (fpfs_stat (fs, "/f", &st));
    if (lazy)
      assert (st.mtime.sec == before.mtime.sec && st.mtime.nsec == before.mtime.nsec);
    else
      assert (st.mtime.sec != before.mtime.sec || st.mtime.nsec != before.mtime.nsec);
    fpfs_crash (fs);
    fpfs_bdev_close (dev);
    fpfs_bdev_close (bd);
  }
  /* lazytime: fsync writes the timestamps (I_DIRTY_TIME promoted). */
  {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, "lazytime", NULL);
    uint8_t buf[4096] = { 3 };
    size_t from;
    uint64_t c0;
    struct delta d;
    int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
    assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
    CHECK0 (fpfs_fsync (fs, fd));
    measure_begin (fs, bd, &from, &c0);
    assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
    CHECK0 (fpfs_fsync (fs, fd));
    d = measure_end (fs, bd, from, c0);
    assert (d.commits == 1);
    CHECK0 (fpfs_close (fs, fd));
    CHECK0 (fpfs_umount (fs));
    fpfs_bdev_close (bd);
  }
  printf ("ok lazytime\n");
}

static void
test_osync_odsync (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint8_t buf[4096] = { 9 };
  size_t from;
  uint64_t c0;
  struct delta d;
  int fs_fd = fpfs_open (fs, "/s", O_CREAT | O_RDWR | O_SYNC, 0644);
  int fd_d = fpfs_open (fs, "/d", O_CREAT | O_RDWR | O_DSYNC, 0644);

  for (int i = 0; i < 8; i++) {
    measure_begin (fs, bd, &from, &c0);
    assert (fpfs_pwrite (fs, fs_fd, buf, 4096, (uint64_t) i * 4096) == 4096);
    d = measure_end (fs, bd, from, c0);
    assert (d.commits == 1 && d.c.fua == 1);          /* like fsync */
    measure_begin (fs, bd, &from, &c0);
    assert (fpfs_pwrite (fs, fd_d, buf, 4096, (uint64_t) i * 4096) == 4096);
    d = measure_end (fs, bd, from, c0);
    assert (d.commits == 1);                          /* size changed */
  }
  measure_begin (fs, bd, &from, &c0);
  assert (fpfs_pwrite (fs, fd_d, buf, 4096, 4096) == 4096);   /* overwrite */
  d = measure_end (fs, bd, from, c0);
  assert (d.commits == 0 && d.c.writes == 1 && d.c.flushes == 1);
  measure_begin (fs, bd, &from, &c0);
  assert (fpfs_pwrite (fs, fs_fd, buf, 4096, 4096) == 4096);  /* mtime */
  d = measure_end (fs, bd, from, c0);
  assert (d.commits == 1);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok o_sync_o_dsync\n");
}

static void
test_background (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
  struct fpfs *fs;
  uint8_t buf[100000], got[100000];
  struct fpfs_stat st;
  size_t p;
  int fd;

  shim_of (bd)->record_data = true;
  fs = tfs_mkfs_mount (bd, opts, NULL);
  fd = fpfs_open (fs, "/bg", O_CREAT | O_RDWR, 0644);
  tfs_pattern (buf, sizeof buf, 4);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
  /* No sync call: after dirty_expire (30 s) the flusher writes the data,
   * and kjournald2 (or, without a journal, the flusher) the metadata. */
  fpfs_clock_advance (fs, 29ull * FPFS_NSEC_PER_SEC);
  assert (fs->s_wb.nr_dirty > 0 || ext4_should_journal_data (fs));
  fpfs_clock_advance (fs, 12ull * FPFS_NSEC_PER_SEC);
  assert (fs->s_wb.nr_dirty == 0);
  fpfs_clock_advance (fs, 40ull * FPFS_NSEC_PER_SEC);
  p = shim_of (bd)->n;
  fpfs_crash (fs);
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &dev));
  shim_apply (bd, 0, p, dev);
  fs = tfs_mount (dev, opts, NULL);
  CHECK (fpfs_stat (fs, "/bg", &st));
  assert (st.size == sizeof buf);
  fd = fpfs_open (fs, "/bg", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, sizeof got, 0) == (ssize_t) sizeof got);
  assert (memcmp (buf, got, sizeof buf) == 0);
  fpfs_crash (fs);
  fpfs_bdev_close (dev);
  fpfs_bdev_close (bd);
  printf ("ok background %s\n", opts);
}

static void
test_dirty_limit (void)
{
  struct fpfs_bdev *bd = shim_new (256ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, "dirty_limit=1048576", NULL);
  uint8_t buf[65536];
  uint64_t max_dirty = 0, max_pages = 0;
  int fd = fpfs_open (fs, "/large", O_CREAT | O_RDWR, 0644);

  for (int i = 0; i < 1600; i++) {                  /* 100 MiB */
    tfs_pattern (buf, sizeof buf, (uint64_t) i);
    assert (fpfs_pwrite (fs, fd, buf, sizeof buf, (uint64_t) i * sizeof buf)
            == (ssize_t) sizeof buf);
    if (fs->s_wb.nr_dirty > max_dirty)
      max_dirty = fs->s_wb.nr_dirty;
    if (fs->s_wb.nr_pages > max_pages)
      max_pages = fs->s_wb.nr_pages;
  }
  printf ("dirty limit 256 pages: at most %" PRIu64 " dirty, %" PRIu64
          " cached pages while writing 100 MiB\n", max_dirty, max_pages);
  assert (max_dirty <= 256 + 16 && max_pages <= 2 * 256 + 16);
  CHECK0 (fpfs_fsync (fs, fd));
  {
    uint8_t got[65536];
    for (int i = 0; i < 1600; i += 151) {
      tfs_pattern (buf, sizeof buf, (uint64_t) i);
      assert (fpfs_pread (fs, fd, got, sizeof got, (uint64_t) i * sizeof buf)
              == (ssize_t) sizeof got);
      assert (memcmp (buf, got, sizeof got) == 0);
    }
  }
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok dirty_limit\n");
}

static void
test_journal_data_and_nobarrier (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "data=journal", NULL);
  uint8_t buf[4096] = { 5 };
  size_t from;
  uint64_t c0;
  struct delta d;
  int fd = fpfs_open (fs, "/j", O_CREAT | O_RDWR, 0644);

  CHECK0 (fpfs_fsync (fs, fd));
  for (int i = 0; i < 4; i++) {
    measure_begin (fs, bd, &from, &c0);
    assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);     /* overwrite */
    CHECK0 (fpfs_fdatasync (fs, fd));                          /* force commit */
    d = measure_end (fs, bd, from, c0);
    assert (d.commits == 1 && d.c.inplace_writes == 0 && d.c.journal_writes >= 3);
  }
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);

  bd = shim_new (DEV_SIZE);
  fs = tfs_mkfs_mount (bd, "nobarrier", NULL);
  fd = fpfs_open (fs, "/n", O_CREAT | O_RDWR, 0644);
  for (int i = 0; i < 4; i++) {
    measure_begin (fs, bd, &from, &c0);
    assert (fpfs_pwrite (fs, fd, buf, 4096, (uint64_t) i * 4096) == 4096);
    CHECK0 (fpfs_fsync (fs, fd));
    d = measure_end (fs, bd, from, c0);
    assert (d.commits == 1 && d.c.flushes == 0 && d.c.fua == 0);
  }
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok data=journal, nobarrier\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_lazytime ();
  test_osync_odsync ();
  test_background ("");
  test_background ("nojournal");
  test_background ("data=journal");
  test_dirty_limit ();
  test_journal_data_and_nobarrier ();
  return 0;
}
