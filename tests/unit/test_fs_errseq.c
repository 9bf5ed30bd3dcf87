/* test_fs_errseq: the engine's error semantics on a device that fails
 * (engine/ERRORS.md), one behaviour a test, on the recording shim:
 *   - a file opened after a writeback error nobody has seen still gets it
 *     once (Linux >= 4.17), one opened after it was seen does not;
 *   - sync and syncfs report a data write error once (Linux >= 5.8 syncfs);
 *   - the fsyncgate sequence: fsync EIO, fsync 0, and the data never
 *     reached the disk (failed pages are clean, not retried: >= 4.13);
 *   - a failed FLUSH makes fsync / fdatasync / sync return EIO: our own
 *     flush (the journal lives on), the commit's (the journal aborts, then
 *     EROFS), and the nojournal one;
 *   - reads of sectors the device cannot read return EIO, whatever errno
 *     the device gave, and work again once it can;
 *   - a commit that fails under sync makes sync return EIO; one that fails
 *     in the background (kjournald2) makes the next fsync and sync return
 *     EROFS, in every journalled data mode.
 * Counterparts over a real nbdkit: tests/e2e/test_faults_engine.py. */
#include "fs_testlib.h"
#include "ext4.h"

static uint64_t
data_area (struct fpfs *fs)
{
  return fs->s_geo.first_data_block * 4096;
}

/* Fail the next write to the data area: the file's data, which writeback
 * sends before any in-place metadata (directory blocks live there too,
 * and a failed checkpoint would abort the journal). */
static void
fail_data_write (struct fpfs *fs, struct fpfs_bdev *bd)
{
  struct shim_dev *sd = shim_of (bd);
  sd->fail_lo = data_area (fs);
  sd->fail_hi = bd->size;
  sd->fail_count = 1;
}

static void
test_new_opener_gets_an_unseen_error_once (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  struct shim_dev *sd = shim_of (bd);
  uint8_t buf[4096];
  int fd, fd2, fd3;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  CHECK0 (fpfs_fsync (fs, fd));
  tfs_pattern (buf, sizeof buf, 1);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
  CHECK0 (fpfs_close (fs, fd));          /* nobody has the file open */
  fail_data_write (fs, bd);
  /* The flusher writes it back 30 s later, and the write fails. */
  CHECK0 (fpfs_clock_advance (fs, 35ull * FPFS_NSEC_PER_SEC));
  assert (sd->fail_count == 0);
  fd2 = fpfs_open (fs, "/f", O_RDONLY, 0);   /* after the error */
  assert (fpfs_fsync (fs, fd2) == -EIO);     /* nobody had seen it */
  assert (fpfs_fsync (fs, fd2) == 0);
  fd3 = fpfs_open (fs, "/f", O_RDONLY, 0);   /* after it was seen */
  assert (fpfs_fsync (fs, fd3) == 0);
  CHECK0 (fpfs_close (fs, fd2));
  CHECK0 (fpfs_close (fs, fd3));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok new_opener_gets_an_unseen_error_once %s\n", opts);
}

static void
test_sync_and_syncfs_report_a_write_error_once (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  struct shim_dev *sd = shim_of (bd);
  uint8_t buf[4096];
  int fd;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  CHECK0 (fpfs_sync (fs));
  tfs_pattern (buf, sizeof buf, 2);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
  fail_data_write (fs, bd);
  assert (fpfs_sync (fs) == -EIO);
  assert (fpfs_sync (fs) == 0);              /* reported once */
  assert (fpfs_syncfs (fs) == 0);            /* sync and syncfs share it */
  assert (fpfs_fsync (fs, fd) == -EIO);      /* the file's own errseq */
  assert (fpfs_fsync (fs, fd) == 0);
  /* A new error is new to syncfs too. */
  assert (fpfs_pwrite (fs, fd, buf, 4096, 8192) == 4096);
  sd->fail_count = 1;
  assert (fpfs_syncfs (fs) == -EIO);
  assert (fpfs_syncfs (fs) == 0);
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok sync_and_syncfs_report_a_write_error_once %s\n", opts);
}

/* write, fsync -> EIO, fsync -> 0, power cut: the data is not there, and
 * the second fsync did not even try to write it. */
static void
test_fsyncgate_data_is_lost_after_a_successful_fsync (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  struct shim_dev *sd = shim_of (bd);
  uint8_t old[4096], new[4096], got[4096];
  size_t before;
  int fd;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  tfs_pattern (old, sizeof old, 3);
  assert (fpfs_pwrite (fs, fd, old, 4096, 0) == 4096);
  CHECK0 (fpfs_fsync (fs, fd));
  tfs_pattern (new, sizeof new, 4);
  assert (fpfs_pwrite (fs, fd, new, 4096, 0) == 4096);   /* overwrite */
  fail_data_write (fs, bd);
  assert (fpfs_fsync (fs, fd) == -EIO);
  before = sd->n;
  assert (fpfs_fsync (fs, fd) == 0);         /* "it worked" */
  assert (shim_count (bd, before, sd->n, fs->s_geo.journal_blocks)
          .inplace_writes == 0);               /* nothing retried */
  assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);
  assert (memcmp (got, new, 4096) == 0);     /* the cache still says new */
  fpfs_crash (fs);                           /* power cut */
  fs = tfs_mount (bd, opts, NULL);
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);
  assert (memcmp (got, old, 4096) == 0);     /* the disk never had it */
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok fsyncgate_data_is_lost_after_a_successful_fsync %s\n", opts);
}

/* overwrite + fdatasync, size unchanged: no commit, only ext4_sync_file's
 * own FLUSH; when it fails, fdatasync says EIO and the journal lives on. */
static void
test_failed_flush_of_fdatasync_is_eio (void)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct shim_dev *sd = shim_of (bd);
  struct fpfs_info info;
  uint8_t buf[4096];
  int fd;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  tfs_pattern (buf, sizeof buf, 5);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
  CHECK0 (fpfs_fsync (fs, fd));
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);   /* overwrite */
  sd->flush_fail_count = 1;
  assert (fpfs_fdatasync (fs, fd) == -EIO);
  assert (sd->flush_fail_count == 0);
  fpfs_get_info (fs, &info);
  assert (!info.journal_aborted);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
  CHECK0 (fpfs_fdatasync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok failed_flush_of_fdatasync_is_eio\n");
}

/* append + fsync: the FLUSH before the commit block fails, which is a
 * failed commit record: the journal aborts, fsync says EIO, then EROFS;
 * mounting again recovers what had committed. */
static void
test_failed_commit_flush_aborts_the_journal (void)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct shim_dev *sd = shim_of (bd);
  struct fpfs_info info;
  struct fpfs_stat st;
  uint8_t buf[4096];
  int fd;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  tfs_pattern (buf, sizeof buf, 6);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
  CHECK0 (fpfs_fsync (fs, fd));
  assert (fpfs_pwrite (fs, fd, buf, 4096, 4096) == 4096);   /* append */
  sd->flush_fail_count = 1;
  assert (fpfs_fsync (fs, fd) == -EIO);
  fpfs_get_info (fs, &info);
  assert (info.journal_aborted);
  assert (fpfs_fsync (fs, fd) == -EROFS);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 8192) == -EROFS);
  CHECK0 (fpfs_close (fs, fd));
  assert (fpfs_umount (fs) < 0);
  fs = tfs_mount (bd, "", NULL);
  CHECK0 (fpfs_stat (fs, "/f", &st));
  assert (st.size == 4096);                  /* the last committed size */
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok failed_commit_flush_aborts_the_journal\n");
}

static void
test_failed_flush_nojournal_and_sync_is_eio (void)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, "nojournal", NULL);
  struct shim_dev *sd = shim_of (bd);
  uint8_t buf[4096];
  int fd;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  tfs_pattern (buf, sizeof buf, 7);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
  sd->flush_fail_count = 1;
  assert (fpfs_fsync (fs, fd) == -EIO);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 4096) == 4096);
  sd->flush_fail_count = 1;
  assert (fpfs_sync (fs) == -EIO);
  CHECK0 (fpfs_sync (fs));
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok failed_flush_nojournal_and_sync_is_eio\n");
}

/* A file written, unmounted, mounted (cold cache): reads of its blocks
 * fail with EIO while the device cannot read them, even when the device
 * says ENOSPC, and work again after. */
static void
test_read_of_a_failed_sector_is_eio (int device_err)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct shim_dev *sd = shim_of (bd);
  uint8_t buf[8192], got[8192];
  struct fpfs_stat st;
  int fd;

  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  tfs_pattern (buf, sizeof buf, 8);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  assert (fd >= 0);
  sd->rfail_lo = data_area (fs);
  sd->rfail_hi = bd->size;
  sd->rfail_count = -1;
  sd->rfail_err = device_err;
  assert (fpfs_pread (fs, fd, got, sizeof got, 0) == -EIO);
  assert (fpfs_pread (fs, fd, got, 4096, 4096) == -EIO);
  sd->rfail_count = 0;
  assert (fpfs_pread (fs, fd, got, sizeof got, 0) == (ssize_t) sizeof got);
  assert (memcmp (got, buf, sizeof buf) == 0);
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  /* Metadata: the root directory's block cannot be read (mount reads the
   * root inode, not its entries), so the lookup in stat fails with EIO. */
  fs = tfs_mount (bd, "", NULL);
  sd->rfail_count = -1;
  assert (fpfs_stat (fs, "/f", &st) == -EIO);
  sd->rfail_count = 0;
  CHECK0 (fpfs_stat (fs, "/f", &st));
  assert (st.size == sizeof buf);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok read_of_a_failed_sector_is_eio (device says %d)\n", device_err);
}

/* Fail every write to the journal (blocks 1..journal_blocks). */
static void
fail_journal_writes (struct fpfs *fs, struct fpfs_bdev *bd)
{
  struct shim_dev *sd = shim_of (bd);
  sd->fail_lo = 4096;
  sd->fail_hi = (1 + (uint64_t) fs->s_geo.journal_blocks) * 4096;
  sd->fail_count = -1;
}

static void
test_sync_whose_commit_fails_is_eio (void)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  assert (fd >= 0);
  fail_journal_writes (fs, bd);
  assert (fpfs_sync (fs) == -EIO);
  assert (fpfs_sync (fs) == -EROFS);
  assert (fpfs_syncfs (fs) == -EROFS);
  CHECK0 (fpfs_close (fs, fd));
  assert (fpfs_umount (fs) < 0);
  fpfs_bdev_close (bd);
  printf ("ok sync_whose_commit_fails_is_eio\n");
}

/* The commit timer's commit fails while nobody is in a system call: the
 * next fsync and sync must not return 0. */
static void
test_background_commit_failure_then_erofs (const char *opts)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  uint8_t buf[4096];
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  assert (fd >= 0);
  tfs_pattern (buf, sizeof buf, 9);
  assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
  assert (fpfs_mkdir (fs, "/d", 0755) == 0);
  fail_journal_writes (fs, bd);
  CHECK0 (fpfs_clock_advance (fs, 6ull * FPFS_NSEC_PER_SEC));   /* commit=5 */
  /* EROFS if the timer's commit failed; EIO if this fsync's own commit
   * is the one that failed (data=journal commits the data at fsync). */
  int r = fpfs_fsync (fs, fd);
  assert (r == -EROFS || (r == -EIO && strcmp (opts, "data=journal") == 0));
  assert (fpfs_fsync (fs, fd) == -EROFS);
  assert (fpfs_sync (fs) == -EROFS);
  CHECK0 (fpfs_close (fs, fd));
  assert (fpfs_umount (fs) < 0);
  fpfs_bdev_close (bd);
  printf ("ok background_commit_failure_then_erofs %s\n", opts);
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_new_opener_gets_an_unseen_error_once ("");
  test_new_opener_gets_an_unseen_error_once ("nojournal");
  test_sync_and_syncfs_report_a_write_error_once ("");
  test_sync_and_syncfs_report_a_write_error_once ("data=writeback");
  test_fsyncgate_data_is_lost_after_a_successful_fsync ("");
  test_fsyncgate_data_is_lost_after_a_successful_fsync ("nojournal");
  test_failed_flush_of_fdatasync_is_eio ();
  test_failed_commit_flush_aborts_the_journal ();
  test_failed_flush_nojournal_and_sync_is_eio ();
  test_read_of_a_failed_sector_is_eio (-EIO);
  test_read_of_a_failed_sector_is_eio (-ENOSPC);
  test_sync_whose_commit_fails_is_eio ();
  test_background_commit_failure_then_erofs ("");
  test_background_commit_failure_then_erofs ("data=journal");
  test_background_commit_failure_then_erofs ("data=writeback");
  return 0;
}
