/* test_fs_drop_caches: fpfs_drop_caches as fs/drop_caches.c: it writes
 * nothing, what it drops is read again from the device and reads the same,
 * dirty data stays in memory and reaches the disk at the next fsync, and
 * unused inodes leave the inode cache.  One behaviour per test. */
#include "fs_testlib.h"
#include "ext4.h"

#define DEV_SIZE (32ull << 20)

static const char *const modes[] = {
  "data=ordered", "data=writeback", "data=journal", "nojournal",
};
#define NMODES (sizeof modes / sizeof modes[0])

/* XXH64 of the whole device, read below the shim (not counted). */
static uint64_t
dev_hash (struct fpfs_bdev *bd)
{
  struct fpfs_bdev *lower = shim_of (bd)->lower;
  static uint8_t chunk[1 << 20];
  XXH64_state_t *st = XXH64_createState ();
  uint64_t h;

  XXH64_reset (st, 0);
  for (uint64_t off = 0; off < lower->size; off += sizeof chunk) {
    CHECK0 (fpfs_bdev_read (lower, chunk, off, sizeof chunk));
    XXH64_update (st, chunk, sizeof chunk);
  }
  h = XXH64_digest (st);
  XXH64_freeState (st);
  return h;
}

static void
write_file (struct fpfs *fs, const char *path, size_t size, uint64_t seed)
{
  uint8_t *buf = malloc (size);
  int fd = fpfs_open (fs, path, O_CREAT | O_WRONLY, 0644);

  assert (buf && fd >= 0);
  tfs_pattern (buf, size, seed);
  assert (fpfs_pwrite (fs, fd, buf, size, 0) == (ssize_t) size);
  CHECK0 (fpfs_close (fs, fd));
  free (buf);
}

static void
check_file (struct fpfs *fs, const char *path, size_t size, uint64_t seed)
{
  uint8_t *want = malloc (size), *got = malloc (size + 1);
  int fd = fpfs_open (fs, path, O_RDONLY, 0);

  assert (want && got && fd >= 0);
  tfs_pattern (want, size, seed);
  assert (fpfs_pread (fs, fd, got, size + 1, 0) == (ssize_t) size);
  assert (memcmp (want, got, size) == 0);
  CHECK0 (fpfs_close (fs, fd));
  free (want);
  free (got);
}

/* Files, a directory, symlinks: a populated, synced image. */
static void
populate (struct fpfs *fs)
{
  char slow[300];

  memset (slow, 'x', sizeof slow - 1);
  slow[sizeof slow - 1] = '\0';
  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  write_file (fs, "/d/a", 100000, 1);
  write_file (fs, "/b", 5000, 2);
  CHECK0 (fpfs_symlink (fs, slow, "/d/slow"));
  CHECK0 (fpfs_symlink (fs, "fast", "/fast"));
  CHECK0 (fpfs_sync (fs));
}

static void
check_populated (struct fpfs *fs)
{
  char got[400];

  check_file (fs, "/d/a", 100000, 1);
  check_file (fs, "/b", 5000, 2);
  assert (fpfs_readlink (fs, "/d/slow", got, sizeof got) == 299);
  assert (got[0] == 'x' && got[298] == 'x');
  assert (fpfs_readlink (fs, "/fast", got, sizeof got) == 4);
}

static void
test_disk_unchanged_and_reads_go_to_the_device (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    for (int what = 1; what <= 3; what++) {
      struct fpfs_bdev *bd = shim_new (DEV_SIZE);
      struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
      uint64_t before, reads;
      size_t ops;

      populate (fs);
      /* Remount: checkpointed, so no buffer is dirty or journaled. */
      CHECK0 (fpfs_umount (fs));
      fs = tfs_mount (bd, modes[m], NULL);
      check_populated (fs);                     /* everything cached now */
      reads = bd->stats.reads;
      check_populated (fs);
      assert (bd->stats.reads == reads);        /* ... and read from memory */
      before = dev_hash (bd);
      ops = shim_of (bd)->n;
      CHECK0 (fpfs_drop_caches (fs, what));
      assert (shim_of (bd)->n == ops);          /* no write, flush or trim */
      assert (dev_hash (bd) == before);
      check_populated (fs);
      /* 1 drops the pages and buffers: read again, the same.  2 alone
       * frees inodes, whose table blocks stay cached, and files that
       * still hold a preallocation stay (FIDELITY.md). */
      if (what & 1)
        assert (bd->stats.reads > reads);
      assert (dev_hash (bd) == before);
      CHECK0 (fpfs_umount (fs));
      fpfs_bdev_close (bd);
    }
  }
  printf ("ok disk_unchanged_and_reads_go_to_the_device\n");
}

/* What was dropped is really re-read: a read fault on the file's data
 * shows up only after drop_caches 1. */
static void
test_dropped_pages_hit_a_read_fault (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  struct shim_dev *sd = shim_of (bd);
  uint8_t got[4096];
  uint64_t blk;
  int fd;

  write_file (fs, "/f", 4096, 3);
  CHECK0 (fpfs_sync (fs));
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);
  assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);
  {
    struct fs_inode *inode = fs->s_files[fd]->f_inode;
    uint32_t len;
    CHECK (ext4_ext_lookup (inode, 0, &blk, &len));
    assert (blk != 0);
  }
  sd->rfail_lo = blk * 4096;
  sd->rfail_hi = blk * 4096 + 4096;
  sd->rfail_count = -1;
  assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);   /* cached */
  CHECK0 (fpfs_drop_caches (fs, 1));
  assert (fpfs_pread (fs, fd, got, 4096, 0) == -EIO);   /* from the device */
  sd->rfail_count = 0;
  assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);
  CHECK0 (fpfs_close (fs, fd));
  check_file (fs, "/f", 4096, 3);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok dropped_pages_hit_a_read_fault\n");
}

/* Mount the state after op p of bd's record, on a fresh device. */
static struct fpfs *
mount_state (struct fpfs_bdev *bd, size_t p, const char *opts,
             struct fpfs_bdev **dev)
{
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, dev));
  shim_apply (bd, 0, p, *dev);
  return tfs_mount (*dev, opts, NULL);
}

static void
test_dirty_data_survives_and_is_written_at_fsync (void)
{
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    uint8_t buf[20000];
    uint64_t before;
    size_t ops, p;
    int fd;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, modes[m], NULL);
    write_file (fs, "/old", 8192, 4);
    CHECK0 (fpfs_sync (fs));
    fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
    tfs_pattern (buf, sizeof buf, 5);
    assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == sizeof buf);
    before = dev_hash (bd);
    ops = shim_of (bd)->n;
    CHECK0 (fpfs_drop_caches (fs, 3));
    assert (shim_of (bd)->n == ops && dev_hash (bd) == before);
    check_file (fs, "/f", sizeof buf, 5);       /* the dirty pages stayed */
    check_file (fs, "/old", 8192, 4);
    CHECK0 (fpfs_fsync (fs, fd));
    p = shim_of (bd)->n;
    assert (p > ops);
    CHECK0 (fpfs_close (fs, fd));
    fpfs_crash (fs);
    fs = mount_state (bd, p, modes[m], &dev);
    check_file (fs, "/f", sizeof buf, 5);
    check_file (fs, "/old", 8192, 4);
    CHECK0 (fpfs_umount (fs));
    fpfs_bdev_close (dev);
    fpfs_bdev_close (bd);
  }
  printf ("ok dirty_data_survives_and_is_written_at_fsync\n");
}

static void
test_drop_2_prunes_unused_inodes_only (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  char path[32];
  size_t cached;
  int fd;

  for (int i = 0; i < 20; i++) {
    snprintf (path, sizeof path, "/f%d", i);
    write_file (fs, path, 1000, (uint64_t) i);
  }
  fd = fpfs_open (fs, "/f0", O_RDONLY, 0);
  CHECK0 (fpfs_sync (fs));
  CHECK0 (fpfs_drop_caches (fs, 1));
  cached = fs->s_ninodes;
  assert (cached >= 21);                        /* page cache only */
  CHECK0 (fpfs_drop_caches (fs, 2));
  assert (fs->s_ninodes < cached);
  /* The open file stays, with its extent status minus nothing delayed. */
  assert (ext4_icache_find (fs, fs->s_files[fd]->f_inode->i_ino) != NULL);
  assert (fs->s_files[fd]->f_inode->i_es.et_count == 0);
  CHECK0 (fpfs_close (fs, fd));
  for (int i = 0; i < 20; i++) {
    snprintf (path, sizeof path, "/f%d", i);
    check_file (fs, path, 1000, (uint64_t) i);
  }
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok drop_2_prunes_unused_inodes_only\n");
}

/* Delayed extents are the only record of a reservation: they stay. */
static void
test_drop_2_keeps_delayed_extents (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint8_t buf[3 * 4096];
  struct fs_inode *inode;
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  tfs_pattern (buf, sizeof buf, 6);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == sizeof buf);
  inode = fs->s_files[fd]->f_inode;
  assert (ext4_es_delayed_count (inode, 0, 3) == 3);
  CHECK0 (fpfs_drop_caches (fs, 3));
  assert (ext4_es_delayed_count (inode, 0, 3) == 3);
  assert (inode->i_reserved_data_blocks == 3);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
  check_file (fs, "/f", sizeof buf, 6);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok drop_2_keeps_delayed_extents\n");
}

static void
test_bad_value_is_einval (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);

  assert (fpfs_drop_caches (fs, 0) == -EINVAL);
  assert (fpfs_drop_caches (fs, 4) == -EINVAL);
  assert (fpfs_drop_caches (fs, -1) == -EINVAL);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok bad_value_is_einval\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_disk_unchanged_and_reads_go_to_the_device ();
  test_dropped_pages_hit_a_read_fault ();
  test_dirty_data_survives_and_is_written_at_fsync ();
  test_drop_2_prunes_unused_inodes_only ();
  test_drop_2_keeps_delayed_extents ();
  test_bad_value_is_einval ();
  return 0;
}
