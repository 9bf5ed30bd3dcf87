/* test_fs_falloc: fallocate(2) and sync_file_range(2) on the engine, one
 * behaviour per test, each ending with a clean fsck of the image:
 *
 * - mode 0 grows the size and the range reads as zeroes (unwritten);
 * - KEEP_SIZE keeps the size but allocates (st.blocks);
 * - a write into a fallocated range, fsync, crash: the data is there, the
 *   rest still reads zeroes (the unwritten extent was split);
 * - fallocate + fsync, crash: the size is kept;
 * - punch hole: zeroes, freed blocks, after fsync + crash too;
 * - zero range: zeroes, blocks kept, size grows unless KEEP_SIZE;
 * - collapse and insert range shift the file's content;
 * - sync_file_range WRITE puts the data on the device with no commit and
 *   no FLUSH, so after a crash the size and mapping are gone;
 * - the error cases of vfs_fallocate / ext4_fallocate / sync_file_range.
 * The data tests run under data=ordered, data=writeback, data=journal and
 * nojournal.
 */
#include "fs_testlib.h"
#include "ext4.h"

#define DEV_SIZE (64ull << 20)
#define BS 4096u

static const char *const modes[] = {
  "", "data=writeback", "data=journal", "nojournal",
};
#define NMODES (sizeof modes / sizeof modes[0])

/* Clean, except that after a crash without a journal the bitmaps may lag
 * (ext4 nojournal needs e2fsck after a crash too: FORMAT.md). */
static void
fsck_clean_mode (struct fpfs_bdev *bd, const char *mode)
{
  struct fpfs_fsck_report r;
  char err[128];

  CHECK0 (fpfs_fsck (bd, &r, err, sizeof err));
  if (mode && strcmp (mode, "nojournal") == 0)
    r.errors -= r.per_check[FPFS_FSCK_BITMAPS];
  if (r.errors)
    fprintf (stderr, "fsck: %u errors:\n%s", r.errors, r.text);
  assert (r.errors == 0);
}

static void
fsck_clean (struct fpfs_bdev *bd)
{
  fsck_clean_mode (bd, NULL);
}

/* Power cut, then recover and unmount: the device holds the state. */
static struct fpfs *
crash_remount (struct fpfs *fs, struct fpfs_bdev *bd, const char *opts)
{
  fpfs_crash (fs);
  return tfs_mount (bd, opts, NULL);
}

static void
umount_fsck (struct fpfs *fs, struct fpfs_bdev *bd)
{
  CHECK0 (fpfs_umount (fs));
  fsck_clean (bd);
}

/* After crash_remount under mode. */
static void
umount_fsck_mode (struct fpfs *fs, struct fpfs_bdev *bd, const char *mode)
{
  CHECK0 (fpfs_umount (fs));
  fsck_clean_mode (bd, mode);
}

static bool
is_zero (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

static void
stamp (uint8_t *buf, uint32_t blk)
{
  for (unsigned i = 0; i < BS; i += 4) {
    uint32_t v = blk * 7919u + i + 1;
    memcpy (buf + i, &v, 4);
  }
}

static void
check_stamp (struct fpfs *fs, int fd, uint32_t lblk, uint32_t want)
{
  uint8_t got[BS], exp[BS];

  assert (fpfs_pread (fs, fd, got, BS, (uint64_t) lblk * BS) == BS);
  if (want == UINT32_MAX)
    assert (is_zero (got, BS));
  else {
    stamp (exp, want);
    assert (memcmp (got, exp, BS) == 0);
  }
}

static void
test_mode0_grows_size_reads_zeroes (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fpfs_stat st;
  uint8_t buf[3 * BS];
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  CHECK0 (fpfs_fallocate (fs, fd, 0, 0, 10000));
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == 10000 && st.blocks == 3 * 8);
  memset (buf, 0xAA, sizeof buf);
  assert (fpfs_pread (fs, fd, buf, sizeof buf, 0) == 10000);
  assert (is_zero (buf, 10000));
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd);
  fs = tfs_mount (bd, "", NULL);
  CHECK0 (fpfs_stat (fs, "/f", &st));
  assert (st.size == 10000 && st.blocks == 3 * 8);
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  printf ("ok fallocate mode 0 grows the size, reads zeroes\n");
}

static void
test_keep_size_allocates (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fpfs_stat st;
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  uint8_t b[BS];

  stamp (b, 0);
  assert (fpfs_pwrite (fs, fd, b, BS, 0) == BS);
  CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_KEEP_SIZE, 0, 16 * BS));
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == BS);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == BS && st.blocks == 16 * 8);
  check_stamp (fs, fd, 0, 0);
  CHECK0 (fpfs_close (fs, fd));
  /* Unwritten extents past EOF are allowed (e2fsck too). */
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  printf ("ok fallocate KEEP_SIZE keeps the size, allocates\n");
}

static void
test_write_into_falloc_survives_crash (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    struct fpfs_stat st;
    uint8_t b[BS + 100], got[BS + 100];
    int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

    CHECK0 (fpfs_fallocate (fs, fd, 0, 0, 16 * BS));
    CHECK0 (fpfs_fsync (fs, fd));
    tfs_pattern (b, sizeof b, 5);
    assert (fpfs_pwrite (fs, fd, b, sizeof b, 2 * BS + 10) == sizeof b);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
    fs = crash_remount (fs, bd, modes[m]);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    CHECK0 (fpfs_fstat (fs, fd, &st));
    assert (st.size == 16 * BS && st.blocks == 16 * 8);
    assert (fpfs_pread (fs, fd, got, sizeof got, 2 * BS + 10) == sizeof got);
    assert (memcmp (got, b, sizeof b) == 0);
    check_stamp (fs, fd, 0, UINT32_MAX);
    check_stamp (fs, fd, 1, UINT32_MAX);
    check_stamp (fs, fd, 4, UINT32_MAX);
    check_stamp (fs, fd, 15, UINT32_MAX);
    assert (fpfs_pread (fs, fd, got, 10, 2 * BS) == 10 && is_zero (got, 10));
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck_mode (fs, bd, modes[m]);
    fpfs_bdev_close (bd);
  }
  printf ("ok write into a fallocated range, fsync, crash keeps the data\n");
}

static void
test_falloc_fsync_crash_keeps_size (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    struct fpfs_stat st;
    int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

    CHECK0 (fpfs_fallocate (fs, fd, 0, 0, 1u << 20));
    CHECK0 (fpfs_fsync (fs, fd));
    fs = crash_remount (fs, bd, modes[m]);
    CHECK0 (fpfs_stat (fs, "/f", &st));
    assert (st.size == 1u << 20 && st.blocks == (1u << 20) / 512);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    check_stamp (fs, fd, 100, UINT32_MAX);
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck_mode (fs, bd, modes[m]);
    fpfs_bdev_close (bd);
  }
  printf ("ok fallocate, fsync, crash keeps the size\n");
}

/* fallocate over blocks written but not yet written back: the delayed
 * reservations go back when the blocks are allocated (unwritten), and
 * writeback then converts them; the data survives fsync + crash. */
static void
test_falloc_over_delayed (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    struct fs_inode *inode;
    uint8_t b[BS];
    int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

    for (uint32_t i = 2; i < 6; i++) {
      stamp (b, i);
      assert (fpfs_pwrite (fs, fd, b, BS, (uint64_t) i * BS) == BS);
    }
    CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_KEEP_SIZE, 0, 8 * BS));
    CHECK0 (ext4_lookup_path (fs, "/f", &inode));
    assert (inode->i_reserved_data_blocks == 0 && fs->s_dirty_blocks == 0);
    iput (inode);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
    fs = crash_remount (fs, bd, modes[m]);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    for (uint32_t i = 2; i < 6; i++)
      check_stamp (fs, fd, i, i);
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck_mode (fs, bd, modes[m]);
    fpfs_bdev_close (bd);
  }
  printf ("ok fallocate over delayed blocks gives the reservations back\n");
}

/* A file of n stamped blocks, fsynced. */
static int
stamped_file (struct fpfs *fs, const char *path, uint32_t n)
{
  int fd = fpfs_open (fs, path, O_CREAT | O_RDWR, 0644);
  uint8_t b[BS];

  for (uint32_t i = 0; i < n; i++) {
    stamp (b, i);
    assert (fpfs_pwrite (fs, fd, b, BS, (uint64_t) i * BS) == BS);
  }
  CHECK0 (fpfs_fsync (fs, fd));
  return fd;
}

static void
check_punched (struct fpfs *fs, int fd, uint64_t off, uint64_t len)
{
  uint8_t got[16 * BS], exp[16 * BS];

  for (uint32_t i = 0; i < 16; i++)
    stamp (exp + (size_t) i * BS, i);
  memset (exp + off, 0, len);
  assert (fpfs_pread (fs, fd, got, sizeof got, 0) == sizeof got);
  assert (memcmp (got, exp, sizeof got) == 0);
}

static void
test_punch_hole (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    struct fpfs_stat st;
    struct fpfs_info a, b;
    int fd = stamped_file (fs, "/f", 16);

    fpfs_get_info (fs, &a);
    CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_PUNCH_HOLE
                            | FPFS_FALLOC_FL_KEEP_SIZE, 1000, 20000));
    check_punched (fs, fd, 1000, 20000);
    CHECK0 (fpfs_fstat (fs, fd, &st));
    /* Whole blocks 1..4 ([4096, 20480)) freed; 0 and 5 zeroed in part. */
    assert (st.size == 16 * BS && st.blocks == (16 - 4) * 8);
    fpfs_get_info (fs, &b);
    /* The four blocks, and the preallocation the punch discards. */
    assert (b.free_blocks >= a.free_blocks + 4);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
    fs = crash_remount (fs, bd, modes[m]);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    check_punched (fs, fd, 1000, 20000);
    CHECK0 (fpfs_fstat (fs, fd, &st));
    assert (st.size == 16 * BS && st.blocks == (16 - 4) * 8);
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck_mode (fs, bd, modes[m]);
    fpfs_bdev_close (bd);
  }
  printf ("ok punch hole reads zeroes, frees blocks, survives fsync+crash\n");
}

static void
test_zero_range (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    struct fpfs_stat st;
    int fd = stamped_file (fs, "/f", 16);
    uint8_t got[BS];

    CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_ZERO_RANGE, 2000, 30000));
    check_punched (fs, fd, 2000, 30000);
    CHECK0 (fpfs_fstat (fs, fd, &st));
    assert (st.size == 16 * BS && st.blocks == 16 * 8);
    /* Past EOF: the size grows, KEEP_SIZE leaves it. */
    CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_ZERO_RANGE
                            | FPFS_FALLOC_FL_KEEP_SIZE, 16 * BS, 2 * BS));
    CHECK0 (fpfs_fstat (fs, fd, &st));
    assert (st.size == 16 * BS && st.blocks == 18 * 8);
    CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_ZERO_RANGE, 16 * BS, 100));
    CHECK0 (fpfs_fstat (fs, fd, &st));
    assert (st.size == 16 * BS + 100);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
    fs = crash_remount (fs, bd, modes[m]);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    check_punched (fs, fd, 2000, 30000);
    assert (fpfs_pread (fs, fd, got, BS, 16 * BS) == 100 && is_zero (got, 100));
    CHECK0 (fpfs_fstat (fs, fd, &st));
    assert (st.size == 16 * BS + 100 && st.blocks == 18 * 8);
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck_mode (fs, bd, modes[m]);
    fpfs_bdev_close (bd);
  }
  printf ("ok zero range\n");
}

static void
test_collapse_range (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    struct fpfs_stat st;
    int fd = stamped_file (fs, "/f", 16);
    uint8_t b[BS];

    /* A dirty page after the range: written out first, then shifted. */
    stamp (b, 12);
    assert (fpfs_pwrite (fs, fd, b, BS, 12 * BS) == BS);
    CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_COLLAPSE_RANGE, 2 * BS,
                            3 * BS));
    for (int pass = 0; pass < 2; pass++) {
      CHECK0 (fpfs_fstat (fs, fd, &st));
      assert (st.size == 13 * BS && st.blocks == 13 * 8);
      for (uint32_t i = 0; i < 13; i++)
        check_stamp (fs, fd, i, i < 2 ? i : i + 3);
      if (pass == 0) {
        CHECK0 (fpfs_fsync (fs, fd));
        CHECK0 (fpfs_close (fs, fd));
        fs = crash_remount (fs, bd, modes[m]);
        fd = fpfs_open (fs, "/f", O_RDWR, 0);
      }
    }
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck_mode (fs, bd, modes[m]);
    fpfs_bdev_close (bd);
  }
  printf ("ok collapse range shifts the content left\n");
}

static void
test_insert_range (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    struct fpfs_stat st;
    int fd = stamped_file (fs, "/f", 16);

    CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_INSERT_RANGE, 2 * BS,
                            3 * BS));
    for (int pass = 0; pass < 2; pass++) {
      CHECK0 (fpfs_fstat (fs, fd, &st));
      assert (st.size == 19 * BS && st.blocks == 16 * 8);
      for (uint32_t i = 0; i < 19; i++)
        check_stamp (fs, fd, i, i < 2 ? i : i < 5 ? UINT32_MAX : i - 3);
      if (pass == 0) {
        CHECK0 (fpfs_fsync (fs, fd));
        CHECK0 (fpfs_close (fs, fd));
        fs = crash_remount (fs, bd, modes[m]);
        fd = fpfs_open (fs, "/f", O_RDWR, 0);
      }
    }
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck_mode (fs, bd, modes[m]);
    fpfs_bdev_close (bd);
  }
  printf ("ok insert range shifts the content right\n");
}

/* Punch and collapse on a tree with an index level (2000 one-block
 * extents): leaves emptied and unhooked, index keys corrected; fsck. */
static void
test_punch_collapse_deep_tree (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fs_inode *inode;
  struct fpfs_stat st;
  uint8_t b[BS];
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  for (uint32_t i = 0; i < 4000; i += 2) {
    stamp (b, i);
    assert (fpfs_pwrite (fs, fd, b, BS, (uint64_t) i * BS) == BS);
  }
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (ext4_lookup_path (fs, "/f", &inode));
  assert (ext4_ext_depth (inode) >= 1);
  iput (inode);
  /* Blocks [100, 3001): 1450 of the written ones. */
  CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_PUNCH_HOLE
                          | FPFS_FALLOC_FL_KEEP_SIZE, 100 * BS, 2901 * BS));
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.blocks / 8 >= 550 && st.blocks / 8 <= 560);   /* + tree blocks */
  check_stamp (fs, fd, 98, 98);
  check_stamp (fs, fd, 100, UINT32_MAX);
  check_stamp (fs, fd, 3000, UINT32_MAX);
  check_stamp (fs, fd, 3002, 3002);
  /* Collapse [10, 20): block 20 moves to 10. */
  CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_COLLAPSE_RANGE, 10 * BS,
                          10 * BS));
  check_stamp (fs, fd, 10, 20);
  check_stamp (fs, fd, 2992, 3002);
  check_stamp (fs, fd, 3988, 3998);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
  fs = crash_remount (fs, bd, "");
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  check_stamp (fs, fd, 10, 20);
  check_stamp (fs, fd, 3988, 3998);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == 3989ull * BS);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  printf ("ok punch and collapse on a tree with an index level\n");
}

static void
test_sync_file_range_no_commit (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fpfs_info a, b;
  struct fpfs_stat st;
  struct fs_inode *inode;
  uint64_t flushes, pblk;
  uint32_t len;
  uint8_t data[2 * BS], got[2 * BS];
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  CHECK0 (fpfs_fsync (fs, fd));
  tfs_pattern (data, sizeof data, 9);
  assert (fpfs_pwrite (fs, fd, data, sizeof data, 0) == sizeof data);
  fpfs_get_info (fs, &a);
  flushes = bd->stats.flushes;
  CHECK0 (fpfs_sync_file_range (fs, fd, 0, 0, FPFS_SYNC_FILE_RANGE_WAIT_BEFORE
                                | FPFS_SYNC_FILE_RANGE_WRITE
                                | FPFS_SYNC_FILE_RANGE_WAIT_AFTER));
  fpfs_get_info (fs, &b);
  assert (b.commits == a.commits && bd->stats.flushes == flushes);
  /* The data is on the device, where the (uncommitted) mapping says. */
  CHECK0 (ext4_lookup_path (fs, "/f", &inode));
  CHECK0 (ext4_ext_lookup (inode, 0, &pblk, &len));
  iput (inode);
  assert (pblk != 0 && len >= 2);
  CHECK0 (fpfs_bdev_read (shim_of (bd)->lower, got, pblk * BS, sizeof got));
  assert (memcmp (got, data, sizeof got) == 0);
  CHECK0 (fpfs_close (fs, fd));
  /* Nothing committed the size or the mapping. */
  fs = crash_remount (fs, bd, "");
  CHECK0 (fpfs_stat (fs, "/f", &st));
  assert (st.size == 0 && st.blocks == 0);
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  printf ("ok sync_file_range WRITE writes data, commits nothing\n");
}

static void
test_errors (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  int fd = stamped_file (fs, "/f", 4), ro, dfd;
  const int PH = FPFS_FALLOC_FL_PUNCH_HOLE, KS = FPFS_FALLOC_FL_KEEP_SIZE;
  const int CR = FPFS_FALLOC_FL_COLLAPSE_RANGE;
  const int IR = FPFS_FALLOC_FL_INSERT_RANGE, ZR = FPFS_FALLOC_FL_ZERO_RANGE;
  struct fpfs_stat st;

  ro = fpfs_open (fs, "/f", O_RDONLY, 0);
  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  dfd = fpfs_open (fs, "/d", O_RDONLY, 0);
  assert (ro >= 0 && dfd >= 0);
  assert (fpfs_fallocate (fs, 999, 0, 0, BS) == -EBADF);
  assert (fpfs_fallocate (fs, ro, 0, 0, BS) == -EBADF);
  assert (fpfs_fallocate (fs, dfd, 0, 0, BS) == -EBADF);
  assert (fpfs_fallocate (fs, fd, 0, 0, 0) == -EINVAL);
  assert (fpfs_fallocate (fs, fd, 0, 1ull << 63, BS) == -EINVAL);
  assert (fpfs_fallocate (fs, fd, 0x80, 0, BS) == -EOPNOTSUPP);
  assert (fpfs_fallocate (fs, fd, 0x40, 0, BS) == -EOPNOTSUPP);  /* unshare */
  assert (fpfs_fallocate (fs, ro, 0x40, 0, BS) == -EBADF);
  assert (fpfs_fallocate (fs, fd, 0x40 | PH | KS, 0, BS) == -EINVAL);
  assert (fpfs_fallocate (fs, fd, PH, 0, BS) == -EOPNOTSUPP);
  assert (fpfs_fallocate (fs, fd, PH | ZR | KS, 0, BS) == -EOPNOTSUPP);
  assert (fpfs_fallocate (fs, fd, CR | KS, 0, BS) == -EINVAL);
  assert (fpfs_fallocate (fs, fd, IR | KS, 0, BS) == -EINVAL);
  assert (fpfs_fallocate (fs, fd, CR, 100, BS) == -EINVAL);
  assert (fpfs_fallocate (fs, fd, IR, 0, 100) == -EINVAL);
  assert (fpfs_fallocate (fs, fd, CR, 2 * BS, 2 * BS) == -EINVAL);  /* EOF */
  assert (fpfs_fallocate (fs, fd, IR, 4 * BS, BS) == -EINVAL);      /* EOF */
  assert (fpfs_fallocate (fs, fd, 0, FS_MAX_FILE_BLOCKS * BS, 1) == -EFBIG);
  assert (fpfs_fallocate (fs, fd, 0, 0, 1ull << 30) == -ENOSPC);
  assert (fpfs_sync_file_range (fs, fd, 0, 0, 8) == -EINVAL);
  assert (fpfs_sync_file_range (fs, fd, 1ull << 63, 0, 2) == -EINVAL);
  assert (fpfs_sync_file_range (fs, 999, 0, 0, 2) == -EBADF);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == 4 * BS);
  CHECK0 (fpfs_close (fs, ro));
  CHECK0 (fpfs_close (fs, dfd));
  CHECK0 (fpfs_close (fs, fd));
  /* A failed ENOSPC fallocate may leave what it allocated (as ext4):
   * the image stays consistent. */
  umount_fsck (fs, bd);
  fpfs_bdev_close (bd);
  printf ("ok fallocate and sync_file_range errors\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_mode0_grows_size_reads_zeroes ();
  test_keep_size_allocates ();
  test_write_into_falloc_survives_crash ();
  test_falloc_fsync_crash_keeps_size ();
  test_falloc_over_delayed ();
  test_punch_hole ();
  test_zero_range ();
  test_collapse_range ();
  test_insert_range ();
  test_punch_collapse_deep_tree ();
  test_sync_file_range_no_commit ();
  test_errors ();
  return 0;
}
