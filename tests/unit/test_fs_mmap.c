/* test_fs_mmap: shared writable mappings on the engine (fpfs_mmap,
 * fpfs_mwrite, fpfs_msync, fpfs_munmap), one behaviour per test, each
 * ending with a clean fsck of the image:
 *
 * - a store then msync(MS_SYNC), crash: the bytes are kept (data=ordered,
 *   data=writeback, data=journal, nojournal);
 * - msync(MS_ASYNC) writes nothing: a crash right after loses the store;
 * - a store updates mtime at its fault; a second store to the still-dirty
 *   page does not fault; after writeback cleaned the page
 *   (page_mkclean) the next store faults and updates mtime again; so
 *   does a store through a new mapping, or to a page write(2) dirtied;
 *   under lazytime the fault dirties the times only (I_DIRTY_TIME);
 * - a store into a hole under delalloc reserves a block; msync allocates;
 * - a store into an unwritten (fallocated) extent reads back as stored;
 *   a crash before writeback reads zeroes, not the block's old bytes;
 * - stores past EOF or outside the mapping are -EFAULT and change nothing;
 *   i_size never moves;
 * - munmap keeps the dirty pages: fsync after it writes them;
 * - close of the fd keeps the mapping usable;
 * - the error cases of mmap, msync and munmap.
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
 * (ext4 nojournal needs e2fsck after a crash: FORMAT.md). */
static void
umount_fsck (struct fpfs *fs, struct fpfs_bdev *bd, const char *mode)
{
  struct fpfs_fsck_report r;
  char err[128];

  CHECK0 (fpfs_umount (fs));
  CHECK0 (fpfs_fsck (bd, &r, err, sizeof err));
  if (mode && strcmp (mode, "nojournal") == 0)
    r.errors -= r.per_check[FPFS_FSCK_BITMAPS];
  if (r.errors)
    fprintf (stderr, "fsck: %u errors:\n%s", r.errors, r.text);
  assert (r.errors == 0);
}

static struct fpfs *
crash_remount (struct fpfs *fs, struct fpfs_bdev *bd, const char *opts)
{
  fpfs_crash (fs);
  return tfs_mount (bd, opts, NULL);
}

static bool
is_zero (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

/* A file of nblocks blocks, the first nwritten written (0x11) and the
 * rest a hole, all of it committed. */
static int
make_file (struct fpfs *fs, const char *path, unsigned nwritten,
           unsigned nblocks)
{
  uint8_t b[BS];
  int fd = fpfs_open (fs, path, O_CREAT | O_RDWR, 0644);

  CHECK (fd);
  memset (b, 0x11, sizeof b);
  for (unsigned i = 0; i < nwritten; i++)
    assert (fpfs_pwrite (fs, fd, b, BS, (uint64_t) i * BS) == BS);
  CHECK0 (fpfs_ftruncate (fs, fd, (uint64_t) nblocks * BS));
  CHECK0 (fpfs_fsync (fs, fd));
  return fd;
}

static struct fs_inode *
inode_of (struct fpfs *fs, const char *path)
{
  struct fs_inode *inode;

  CHECK0 (ext4_lookup_path (fs, path, &inode));
  return inode;
}

static void
test_msync_sync_keeps_bytes (void)
{
  for (size_t k = 0; k < NMODES; k++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[k], NULL);
    uint8_t pat[3 * BS], got[4 * BS];
    int fd = make_file (fs, "/f", 2, 4), map;

    map = fpfs_mmap (fs, fd, 0, 4 * BS);
    CHECK (map);
    /* From inside block 0 (written) into block 3 (a hole). */
    tfs_pattern (pat, sizeof pat, k + 1);
    CHECK0 (fpfs_mwrite (fs, map, 100, pat, sizeof pat));
    CHECK0 (fpfs_msync (fs, map, 0, 4 * BS, FPFS_MS_SYNC));
    fs = crash_remount (fs, bd, modes[k]);
    fd = fpfs_open (fs, "/f", O_RDWR, 0);
    CHECK (fd);
    assert (fpfs_pread (fs, fd, got, sizeof got, 0) == 4 * BS);
    assert (memcmp (got + 100, pat, sizeof pat) == 0);
    for (unsigned i = 0; i < 100; i++)
      assert (got[i] == 0x11);
    assert (is_zero (got + 100 + sizeof pat, 4 * BS - 100 - sizeof pat));
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck (fs, bd, modes[k]);
    fpfs_bdev_close (bd);
  }
  printf ("ok a store then msync(MS_SYNC) survives a crash, every mode\n");
}

static void
test_ms_async_promises_nothing (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint8_t b[BS], got[BS];
  int fd = make_file (fs, "/f", 0, 1), map;
  size_t from;

  map = fpfs_mmap (fs, fd, 0, BS);
  CHECK (map);
  memset (b, 0x77, sizeof b);
  CHECK0 (fpfs_mwrite (fs, map, 0, b, BS));
  from = shim_of (bd)->n;
  CHECK0 (fpfs_msync (fs, map, 0, BS, FPFS_MS_ASYNC));
  CHECK0 (fpfs_msync (fs, map, 0, BS, FPFS_MS_ASYNC | FPFS_MS_INVALIDATE));
  assert (shim_of (bd)->n == from);          /* not one device request */
  fs = crash_remount (fs, bd, "");
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, BS, 0) == BS);
  assert (is_zero (got, BS));                /* the store is lost */
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd, "");
  fpfs_bdev_close (bd);
  printf ("ok msync(MS_ASYNC) writes nothing: a crash loses the store\n");
}

static bool
ts_eq (struct fpfs_timespec a, struct fpfs_timespec b)
{
  return a.sec == b.sec && a.nsec == b.nsec;
}

static void
test_store_updates_mtime_and_refaults_after_writeback (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fpfs_stat s0, s1, s2, s3;
  struct fs_inode *inode;
  uint8_t b[16];
  int fd = make_file (fs, "/f", 1, 1), map;

  map = fpfs_mmap (fs, fd, 0, BS);
  CHECK (map);
  memset (b, 0x42, sizeof b);
  CHECK0 (fpfs_fstat (fs, fd, &s0));
  CHECK0 (fpfs_clock_advance (fs, FPFS_NSEC_PER_SEC));
  /* First store: the write fault, file_update_time. */
  CHECK0 (fpfs_mwrite (fs, map, 0, b, sizeof b));
  CHECK0 (fpfs_fstat (fs, fd, &s1));
  assert (!ts_eq (s0.mtime, s1.mtime) && ts_eq (s1.mtime, s1.ctime));
  inode = inode_of (fs, "/f");
  assert (inode->vfs_inode.i_state & I_DIRTY_SYNC);
  iput (inode);
  /* Second store, page still dirty and writable: no fault, same mtime. */
  CHECK0 (fpfs_clock_advance (fs, FPFS_NSEC_PER_SEC));
  CHECK0 (fpfs_mwrite (fs, map, 100, b, sizeof b));
  CHECK0 (fpfs_fstat (fs, fd, &s2));
  assert (ts_eq (s1.mtime, s2.mtime));
  /* Writeback cleans the page and write-protects it (page_mkclean). */
  CHECK0 (fpfs_msync (fs, map, 0, BS, FPFS_MS_SYNC));
  CHECK0 (fpfs_clock_advance (fs, FPFS_NSEC_PER_SEC));
  CHECK0 (fpfs_mwrite (fs, map, 200, b, sizeof b));
  CHECK0 (fpfs_fstat (fs, fd, &s3));
  assert (s3.mtime.sec > s2.mtime.sec);
  CHECK0 (fpfs_munmap (fs, map));
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd, "");
  fpfs_bdev_close (bd);
  printf ("ok a store faults once per cleaning: mtime at each fault\n");
}

/* A new mapping has fresh ptes: after munmap, a store through the next
 * mapping faults (and updates mtime) even though the page is still dirty;
 * so does a store to a page a write(2) dirtied.  Under lazytime the fault
 * only marks the times dirty (I_DIRTY_TIME). */
static void
test_new_mapping_and_pwrite_dirty_page_fault (void)
{
  for (int lazy = 0; lazy < 2; lazy++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    const char *opts = lazy ? "lazytime" : "";
    struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
    struct fpfs_stat s1, s2, s3;
    struct fs_inode *inode;
    uint8_t b[16];
    int fd = make_file (fs, "/f", 2, 2), map;

    memset (b, 0x24, sizeof b);
    map = fpfs_mmap (fs, fd, 0, 2 * BS);
    CHECK (map);
    CHECK0 (fpfs_mwrite (fs, map, 0, b, sizeof b));
    CHECK0 (fpfs_fstat (fs, fd, &s1));
    CHECK0 (fpfs_munmap (fs, map));
    CHECK0 (fpfs_clock_advance (fs, FPFS_NSEC_PER_SEC));
    map = fpfs_mmap (fs, fd, 0, 2 * BS);
    CHECK (map);
    CHECK0 (fpfs_mwrite (fs, map, 0, b, sizeof b));
    CHECK0 (fpfs_fstat (fs, fd, &s2));
    assert (s2.mtime.sec > s1.mtime.sec);
    /* write(2) dirties page 1 (and the times); a store still faults. */
    assert (fpfs_pwrite (fs, fd, b, sizeof b, BS) == sizeof b);
    CHECK0 (fpfs_clock_advance (fs, FPFS_NSEC_PER_SEC));
    CHECK0 (fpfs_mwrite (fs, map, BS + 50, b, sizeof b));
    CHECK0 (fpfs_fstat (fs, fd, &s3));
    assert (s3.mtime.sec > s2.mtime.sec);
    inode = inode_of (fs, "/f");
    /* Without lazytime the times went to the inode (ext4_dirty_inode),
     * which clears I_DIRTY_TIME; with it they wait in I_DIRTY_TIME. */
    if (lazy)
      assert (inode->vfs_inode.i_state & I_DIRTY_TIME);
    else
      assert ((inode->vfs_inode.i_state & I_DIRTY_SYNC)
              && !(inode->vfs_inode.i_state & I_DIRTY_TIME));
    iput (inode);
    CHECK0 (fpfs_munmap (fs, map));
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck (fs, bd, "");
    fpfs_bdev_close (bd);
  }
  printf ("ok a new mapping, or a page write(2) dirtied, faults again\n");
}

static void
test_store_into_hole_reserves_then_writeback_allocates (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fs_inode *inode;
  struct fpfs_stat st;
  uint64_t pblk;
  uint32_t len;
  uint8_t b[BS];
  int fd = make_file (fs, "/f", 1, 2), map;

  map = fpfs_mmap (fs, fd, 0, 2 * BS);
  CHECK (map);
  memset (b, 0x5C, sizeof b);
  CHECK0 (fpfs_mwrite (fs, map, BS, b, BS));
  inode = inode_of (fs, "/f");
  assert (inode->i_reserved_data_blocks == 1);
  assert (ext4_es_delayed_count (inode, 1, 1) == 1);
  CHECK0 (ext4_ext_lookup (inode, 1, &pblk, &len));
  assert (pblk == 0);                        /* still a hole on disk */
  assert (inode->i_size == 2 * BS);          /* stores never move i_size */
  CHECK0 (fpfs_msync (fs, map, BS, BS, FPFS_MS_SYNC));
  assert (inode->i_reserved_data_blocks == 0);
  CHECK0 (ext4_ext_lookup (inode, 1, &pblk, &len));
  assert (pblk != 0);
  iput (inode);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.blocks == 2 * 8);
  CHECK0 (fpfs_munmap (fs, map));
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd, "");
  fpfs_bdev_close (bd);
  printf ("ok a store into a hole reserves; writeback allocates\n");
}

static void
test_store_into_unwritten_extent (void)
{
  for (int sync = 0; sync < 2; sync++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
    uint8_t old[BS], b[BS / 2], got[BS];
    int fd, map;

    /* Blocks that held another file's bytes, freed and committed, so
     * that fallocate may hand them out again. */
    fd = fpfs_open (fs, "/old", O_CREAT | O_RDWR, 0644);
    memset (old, 0xEE, sizeof old);
    for (int i = 0; i < 8; i++)
      assert (fpfs_pwrite (fs, fd, old, BS, (uint64_t) i * BS) == BS);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
    CHECK0 (fpfs_unlink (fs, "/old"));
    CHECK0 (fpfs_sync (fs));
    fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
    CHECK0 (fpfs_fallocate (fs, fd, 0, 0, 8 * BS));
    CHECK0 (fpfs_fsync (fs, fd));
    map = fpfs_mmap (fs, fd, 0, 8 * BS);
    CHECK (map);
    memset (b, 0x3D, sizeof b);
    CHECK0 (fpfs_mwrite (fs, map, 2 * BS + 100, b, sizeof b));
    assert (fpfs_pread (fs, fd, got, BS, 2 * BS) == BS);
    assert (is_zero (got, 100) && memcmp (got + 100, b, sizeof b) == 0
            && is_zero (got + 100 + sizeof b, BS - 100 - sizeof b));
    if (sync)
      CHECK0 (fpfs_msync (fs, map, 0, 8 * BS, FPFS_MS_SYNC));
    fs = crash_remount (fs, bd, "");
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    for (int i = 0; i < 8; i++) {
      assert (fpfs_pread (fs, fd, got, BS, (uint64_t) i * BS) == BS);
      if (i == 2 && sync)
        assert (is_zero (got, 100) && memcmp (got + 100, b, sizeof b) == 0
                && is_zero (got + 100 + sizeof b, BS - 100 - sizeof b));
      else
        assert (is_zero (got, BS));          /* zeroes, never 0xEE */
    }
    CHECK0 (fpfs_close (fs, fd));
    umount_fsck (fs, bd, "");
    fpfs_bdev_close (bd);
  }
  printf ("ok a store into an unwritten extent: read back, zeroes before "
          "writeback after a crash, the bytes after msync\n");
}

static void
test_store_past_eof_or_mapping_efault (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fpfs_stat st;
  uint8_t b[64], got[BS];
  int fd = make_file (fs, "/f", 0, 0), map, map1;

  CHECK0 (fpfs_ftruncate (fs, fd, 5000));
  map = fpfs_mmap (fs, fd, 0, 3 * BS);      /* past EOF: allowed */
  map1 = fpfs_mmap (fs, fd, 0, 1);          /* one page */
  CHECK (map);
  CHECK (map1);
  memset (b, 0x99, sizeof b);
  /* Ends exactly at EOF, inside the EOF page. */
  CHECK0 (fpfs_mwrite (fs, map, 5000 - sizeof b, b, sizeof b));
  assert (fpfs_mwrite (fs, map, 5000 - 10, b, 20) == -EFAULT);
  assert (fpfs_mwrite (fs, map, 2 * BS, b, 1) == -EFAULT);
  assert (fpfs_mwrite (fs, map, 3 * BS, b, 1) == -EFAULT);
  assert (fpfs_mwrite (fs, map1, BS - 1, b, 2) == -EFAULT);
  CHECK0 (fpfs_mwrite (fs, map1, BS - 1, b, 1));
  assert (fpfs_mwrite (fs, 99, 0, b, 1) == -EFAULT);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == 5000);
  /* The failed store left nothing: 4990..4999 are the first store's. */
  assert (fpfs_pread (fs, fd, got, 5000 - BS, BS) == 5000 - BS);
  assert (is_zero (got, 5000 - BS - sizeof b));
  assert (memcmp (got + 5000 - BS - sizeof b, b, sizeof b) == 0);
  CHECK0 (fpfs_msync (fs, map, 0, 3 * BS, FPFS_MS_SYNC));
  fs = crash_remount (fs, bd, "");
  fd = fpfs_open (fs, "/f", O_RDWR, 0);
  CHECK0 (fpfs_fstat (fs, fd, &st));
  assert (st.size == 5000);
  /* Growing the file shows the EOF page's tail as written back: zeroes. */
  CHECK0 (fpfs_ftruncate (fs, fd, 2 * BS));
  assert (fpfs_pread (fs, fd, got, BS, BS) == BS);
  assert (memcmp (got + 5000 - BS - sizeof b, b, sizeof b) == 0);
  assert (is_zero (got + 5000 - BS, 2 * BS - 5000));
  assert (fpfs_pread (fs, fd, got, 1, BS - 1) == 1 && got[0] == 0x99);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd, "");
  fpfs_bdev_close (bd);
  printf ("ok stores past EOF or the mapping are EFAULT; i_size stays\n");
}

static void
test_munmap_keeps_dirty_pages (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fs_inode *inode;
  struct page *pg;
  uint8_t b[BS], got[BS];
  int fd = make_file (fs, "/f", 1, 1), map;

  map = fpfs_mmap (fs, fd, 0, BS);
  CHECK (map);
  memset (b, 0xA5, sizeof b);
  CHECK0 (fpfs_mwrite (fs, map, 0, b, BS));
  CHECK0 (fpfs_munmap (fs, map));
  assert (fpfs_munmap (fs, map) == -EINVAL);
  assert (fpfs_mwrite (fs, map, 0, b, 1) == -EFAULT);
  inode = inode_of (fs, "/f");
  pg = pc_find_page (VFS_I (inode), 0);
  assert (pg && (pg->pg_flags & PG_DIRTY) && !(pg->pg_flags & PG_WRITE_MAPPED));
  iput (inode);
  assert (fpfs_pread (fs, fd, got, BS, 0) == BS && memcmp (got, b, BS) == 0);
  CHECK0 (fpfs_fsync (fs, fd));
  fs = crash_remount (fs, bd, "");
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, BS, 0) == BS && memcmp (got, b, BS) == 0);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd, "");
  fpfs_bdev_close (bd);
  printf ("ok munmap keeps the dirty pages; fsync after it writes them\n");
}

static void
test_close_keeps_mapping (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct fs_inode *inode;
  uint8_t b[BS], got[BS];
  int fd = make_file (fs, "/f", 0, 1), map;

  map = fpfs_mmap (fs, fd, 0, BS);
  CHECK (map);
  CHECK0 (fpfs_close (fs, fd));
  inode = inode_of (fs, "/f");
  assert (inode->i_writecount == 1);         /* the mapping's file */
  memset (b, 0xC3, sizeof b);
  CHECK0 (fpfs_mwrite (fs, map, 0, b, BS));
  CHECK0 (fpfs_msync (fs, map, 0, BS, FPFS_MS_SYNC));
  CHECK0 (fpfs_munmap (fs, map));
  assert (inode->i_writecount == 0);         /* ext4_release_file ran */
  iput (inode);
  fs = crash_remount (fs, bd, "");
  fd = fpfs_open (fs, "/f", O_RDWR, 0);
  assert (fpfs_pread (fs, fd, got, BS, 0) == BS && memcmp (got, b, BS) == 0);
  /* umount with a mapping still there: it goes like a munmap, and the
   * sync of umount writes its dirty page. */
  map = fpfs_mmap (fs, fd, 0, BS);
  CHECK (map);
  CHECK0 (fpfs_close (fs, fd));
  memset (b, 0x3C, sizeof b);
  CHECK0 (fpfs_mwrite (fs, map, 0, b, BS));
  umount_fsck (fs, bd, "");
  fs = tfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, BS, 0) == BS && memcmp (got, b, BS) == 0);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd, "");
  fpfs_bdev_close (bd);
  printf ("ok close of the fd keeps the mapping usable, until umount\n");
}

static void
test_error_cases (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint8_t b[BS], got[BS];
  int fd = make_file (fs, "/f", 0, 2), ro, map;

  ro = fpfs_open (fs, "/f", O_RDONLY, 0);
  CHECK (ro);
  assert (fpfs_mmap (fs, ro, 0, BS) == -EACCES);
  assert (fpfs_mmap (fs, 77, 0, BS) == -EBADF);
  assert (fpfs_mmap (fs, fd, 1, BS) == -EINVAL);
  assert (fpfs_mmap (fs, fd, 0, 0) == -EINVAL);
  map = fpfs_mmap (fs, fd, BS, BS);          /* the second page only */
  CHECK (map);
  assert (fpfs_msync (fs, map, BS, BS, FPFS_MS_SYNC | FPFS_MS_ASYNC)
          == -EINVAL);
  assert (fpfs_msync (fs, map, BS + 1, BS, FPFS_MS_SYNC) == -EINVAL);
  assert (fpfs_msync (fs, map, BS, BS, 8) == -EINVAL);
  CHECK0 (fpfs_msync (fs, map, BS, 0, FPFS_MS_SYNC));
  assert (fpfs_msync (fs, map, 2 * BS, BS, FPFS_MS_SYNC) == -ENOMEM);
  assert (fpfs_msync (fs, map, 0, BS, FPFS_MS_SYNC) == -ENOMEM);
  assert (fpfs_msync (fs, 42, 0, BS, FPFS_MS_SYNC) == -ENOMEM);
  /* A range reaching past the mapping: the mapped part is synced, and
   * the unmapped part is ENOMEM, as sys_msync. */
  memset (b, 0x61, sizeof b);
  CHECK0 (fpfs_mwrite (fs, map, BS, b, BS));
  assert (fpfs_msync (fs, map, 0, 4 * BS, FPFS_MS_SYNC) == -ENOMEM);
  assert (fpfs_munmap (fs, -1) == -EINVAL);
  CHECK0 (fpfs_close (fs, ro));
  fs = crash_remount (fs, bd, "");
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, BS, BS) == BS && memcmp (got, b, BS) == 0);
  CHECK0 (fpfs_close (fs, fd));
  umount_fsck (fs, bd, "");
  fpfs_bdev_close (bd);
  printf ("ok the error cases of mmap, msync and munmap\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_msync_sync_keeps_bytes ();
  test_ms_async_promises_nothing ();
  test_store_updates_mtime_and_refaults_after_writeback ();
  test_new_mapping_and_pwrite_dirty_page_fault ();
  test_store_into_hole_reserves_then_writeback_allocates ();
  test_store_into_unwritten_extent ();
  test_store_past_eof_or_mapping_efault ();
  test_munmap_keeps_dirty_pages ();
  test_close_keeps_mapping ();
  test_error_cases ();
  return 0;
}
