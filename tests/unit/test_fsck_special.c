/* test_fsck_special: fsck on symlinks and special files.  A clean image
 * with a fast and a slow symlink (one hard-linked), a FIFO, a socket and
 * two devices is clean; each test then corrupts one thing in an overlay
 * and expects exactly the check that covers it. */
#include "test_fsck_lib.h"

#define DEV_SIZE (16u << 20)

static struct fpfs_bdev *base, *ov;
static uint32_t ino_fast, ino_slow, ino_fifo, ino_chr;

static void
make_base (void)
{
  char slow[1000];
  struct fpfs *fs;

  memset (slow, 's', sizeof slow - 1);
  slow[sizeof slow - 1] = '\0';
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &base));
  fs = tfs_mkfs_mount (base, "", NULL);
  CHECK (fpfs_mkdir (fs, "/d", 0755));
  CHECK (fpfs_symlink (fs, "../a/fast/target", "/d/fast"));
  CHECK (fpfs_symlink (fs, slow, "/slow"));
  CHECK (fpfs_link (fs, "/d/fast", "/fast2"));
  CHECK (fpfs_mknod (fs, "/fifo", 0010644, 0));
  CHECK (fpfs_mknod (fs, "/sock", 0140644, 0));
  CHECK (fpfs_mknod (fs, "/chr", 0020644, (1u << 8) | 3));
  CHECK (fpfs_mknod (fs, "/blk", 0060644, (259u << 8) | 70000u));
  ino_fast = (uint32_t) fk_ino (fs, "/d/fast");
  ino_slow = (uint32_t) fk_ino (fs, "/slow");
  ino_fifo = (uint32_t) fk_ino (fs, "/fifo");
  ino_chr = (uint32_t) fk_ino (fs, "/chr");
  fk_umount (fs);
  fk_expect_clean (base, "base image");
  CHECK (fpfs_bdev_overlay_open (base, &ov));
}

static void
edit_size (uint8_t *raw, void *ctx)
{
  put_le64 (raw + IN_SIZE, *(uint64_t *) ctx);
}

static void
edit_links_plus (uint8_t *raw, void *ctx)
{
  (void) ctx;
  put_le16 (raw + IN_LINKS, (uint16_t) (get_le16 (raw + IN_LINKS) + 1));
}

static void
edit_blocks (uint8_t *raw, void *ctx)
{
  put_le64 (raw + IN_BLOCKS, *(uint64_t *) ctx);
}

static void
edit_target_byte (uint8_t *raw, void *ctx)
{
  raw[IN_BLOCK + *(unsigned *) ctx] = 'X';   /* past the NUL: longer */
}

static void
test_fast_symlink_size_corrupt (void)
{
  uint64_t size = 16 + 5;                       /* the target is 16 bytes */
  unsigned at = 16;

  fk_edit_inode (ov, ino_fast, edit_size, &size);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "fast symlink size too long");
  {
    /* The engine refuses the inode too (ext4_iget), not the mount. */
    struct fpfs *fs = tfs_mount (ov, "", NULL);
    struct fpfs_stat st;
    char buf[64];
    assert (fpfs_stat (fs, "/d/fast", &st) == -EUCLEAN);
    assert (fpfs_readlink (fs, "/fast2", buf, sizeof buf) == -EUCLEAN);
    CHECK0 (fpfs_stat (fs, "/slow", &st));
    fpfs_crash (fs);
  }
  fpfs_bdev_overlay_reset (ov);
  size = 3;
  fk_edit_inode (ov, ino_fast, edit_size, &size);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "fast symlink size too short");
  fpfs_bdev_overlay_reset (ov);
  size = 60;
  fk_edit_inode (ov, ino_fast, edit_size, &size);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "fast symlink size 60");
  fpfs_bdev_overlay_reset (ov);
  fk_edit_inode (ov, ino_fast, edit_target_byte, &at);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "fast symlink NUL overwritten");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok fast_symlink_size_corrupt\n");
}

static void
test_slow_symlink_corrupt (void)
{
  uint64_t size = 10;

  fk_edit_inode (ov, ino_slow, edit_size, &size);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "slow symlink size below 60");
  fpfs_bdev_overlay_reset (ov);
  fk_block_bit (ov, fk_extent (ov, ino_slow, 0).ee_start, false);
  fk_expect (ov, FPFS_FSCK_BITMAPS, 1, "slow symlink block free");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok slow_symlink_corrupt\n");
}

static void
test_special_file_with_blocks (void)
{
  uint64_t blocks = 8, size = 4096;

  fk_edit_inode (ov, ino_fifo, edit_blocks, &blocks);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "FIFO with i_blocks");
  fpfs_bdev_overlay_reset (ov);
  fk_edit_inode (ov, ino_chr, edit_size, &size);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "device with a size");
  fpfs_bdev_overlay_reset (ov);
  fk_edit_inode (ov, ino_fast, edit_blocks, &blocks);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "fast symlink with i_blocks");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok special_file_with_blocks\n");
}

static void
test_links_of_symlink_and_fifo (void)
{
  fk_edit_inode (ov, ino_fast, edit_links_plus, NULL);   /* 2 -> 3 */
  fk_expect (ov, FPFS_FSCK_LINKS, 1, "hard-linked symlink links bumped");
  fpfs_bdev_overlay_reset (ov);
  fk_edit_inode (ov, ino_fifo, edit_links_plus, NULL);
  fk_expect (ov, FPFS_FSCK_LINKS, 1, "FIFO links bumped");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok links_of_symlink_and_fifo\n");
}

static void
test_dirent_type_of_special (void)
{
  static const char *const names[] = { "slow", "fifo", "chr", "sock" };
  uint8_t blk[FS_BLOCK_SIZE];
  uint64_t pblk = fk_extent (ov, FS_ROOT_INO, 0).ee_start;

  for (size_t i = 0; i < 4; i++) {
    int off;
    fk_read (ov, pblk, blk);
    off = dirent_find (blk, names[i]);
    assert (off >= 0);
    blk[off + 7] = FT_REG;
    fk_write (ov, pblk, blk);
    fk_expect (ov, FPFS_FSCK_DIRS, 1, names[i]);
    fpfs_bdev_overlay_reset (ov);
  }
  printf ("ok dirent_type_of_special\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  make_base ();
  test_fast_symlink_size_corrupt ();
  test_slow_symlink_corrupt ();
  test_special_file_with_blocks ();
  test_links_of_symlink_and_fifo ();
  test_dirent_type_of_special ();
  fpfs_bdev_close (ov);
  fpfs_bdev_close (base);
  return 0;
}
