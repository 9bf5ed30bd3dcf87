/* test_fsck_corrupt: one corruption at a time, exactly one check reports.
 *
 * A small clean image (two directories, three files, a hard link) is made
 * once; each test corrupts one thing in a copy-on-write overlay over it,
 * runs fsck, expects exactly the check that covers that thing (and nothing
 * else), then drops the overlay.  The journal test makes its own image:
 * an fsync, then a power cut before any recovery.
 */
#include "test_fsck_lib.h"

#define DEV_SIZE (16u << 20)

static struct fpfs_bdev *base, *ov;
static uint32_t ino_a, ino_b, ino_f1, ino_f2, ino_f3;

static void
make_base (void)
{
  struct fpfs *fs;

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &base));
  fs = tfs_mkfs_mount (base, "", NULL);
  CHECK (fpfs_mkdir (fs, "/a", 0755));
  CHECK (fpfs_mkdir (fs, "/a/b", 0755));
  fk_write_file (fs, "/f1", 3 * 4096, 1);
  fk_write_file (fs, "/f2", 100, 2);
  fk_write_file (fs, "/a/f3", 2 * 4096, 3);
  CHECK (fpfs_link (fs, "/f1", "/a/f1-link"));
  ino_a = (uint32_t) fk_ino (fs, "/a");
  ino_b = (uint32_t) fk_ino (fs, "/a/b");
  ino_f1 = (uint32_t) fk_ino (fs, "/f1");
  ino_f2 = (uint32_t) fk_ino (fs, "/f2");
  ino_f3 = (uint32_t) fk_ino (fs, "/a/f3");
  fk_umount (fs);
  fk_expect_clean (base, "base image");
  CHECK (fpfs_bdev_overlay_open (base, &ov));
}

/* ---- edits ---- */

static void
edit_links_plus (uint8_t *raw, void *ctx)
{
  (void) ctx;
  put_le16 (raw + IN_LINKS, (uint16_t) (get_le16 (raw + IN_LINKS) + 1));
}

static void
edit_size (uint8_t *raw, void *ctx)
{
  put_le64 (raw + IN_SIZE, *(uint64_t *) ctx);
}

/* Replace extent 0 of the root with *ctx. */
static void
edit_extent0 (uint8_t *raw, void *ctx)
{
  ext_extent_put (ext_entry (raw + IN_BLOCK, 0), ctx);
}

/* The first block of directory ino, read into blk; returns its number. */
static uint64_t
dir_block (uint32_t ino, uint8_t *blk)
{
  uint64_t pblk = fk_extent (ov, ino, 0).ee_start;

  fk_read (ov, pblk, blk);
  return pblk;
}

/* ---- tests ---- */

static void
test_block_bit_cleared (void)
{
  fk_block_bit (ov, fk_extent (ov, ino_f1, 0).ee_start, false);
  fk_expect (ov, FPFS_FSCK_BITMAPS, 1, "block bit cleared");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok block_bit_cleared\n");
}

static void
test_block_bit_stray (void)
{
  struct fpfs_fsck_report r;
  struct fs_geometry g = fk_geo (ov);

  /* Far from every file: nothing can explain it. */
  fk_block_bit (ov, g.blocks_count - 3, true);
  fk_expect (ov, FPFS_FSCK_BITMAPS, 1, "stray block bit");
  fpfs_bdev_overlay_reset (ov);
  /* Next to a file: indistinguishable from an engine preallocation a crash
   * left behind, so a note, not an error (fsck.c, "Leaks"). */
  fk_block_bit (ov, fk_free_block (ov), true);
  fk_fsck (ov, &r);
  fk_print ("stray block bit next to a file", &r);
  assert (r.errors == 0 && strstr (r.text, "note:") != NULL);
  fpfs_bdev_overlay_reset (ov);
  printf ("ok block_bit_stray\n");
}

static void
test_inode_bit_cleared (void)
{
  fk_inode_bit (ov, ino_f2, false);
  fk_expect (ov, FPFS_FSCK_BITMAPS, 0, "inode bit cleared");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok inode_bit_cleared\n");
}

static void
test_inode_bit_stray (void)
{
  fk_inode_bit (ov, 40, true);
  fk_expect (ov, FPFS_FSCK_BITMAPS, 1, "stray inode bit");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok inode_bit_stray\n");
}

static void
test_links_bumped (void)
{
  fk_edit_inode (ov, ino_f2, edit_links_plus, NULL);
  fk_expect (ov, FPFS_FSCK_LINKS, 1, "file links_count bumped");
  fpfs_bdev_overlay_reset (ov);
  fk_edit_inode (ov, ino_f1, edit_links_plus, NULL);   /* 2 -> 3 */
  fk_expect (ov, FPFS_FSCK_LINKS, 1, "hard-linked links_count bumped");
  fpfs_bdev_overlay_reset (ov);
  fk_edit_inode (ov, ino_a, edit_links_plus, NULL);
  fk_expect (ov, FPFS_FSCK_LINKS, 1, "directory links_count bumped");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok links_bumped\n");
}

static void
test_block_shared (void)
{
  struct ext_extent f1 = fk_extent (ov, ino_f1, 0);
  struct ext_extent f2 = fk_extent (ov, ino_f2, 0);
  struct fpfs_fsck_report r;
  char want[96];

  /* f2's block becomes f1's first; its own goes back to the bitmap. */
  fk_block_bit (ov, f2.ee_start, false);
  f2.ee_start = f1.ee_start;
  fk_edit_inode (ov, ino_f2, edit_extent0, &f2);
  fk_expect (ov, FPFS_FSCK_DOUBLE_USE, 1, "two inodes share a block");
  fk_fsck (ov, &r);
  snprintf (want, sizeof want, "used by inode %u and inode %u",
            ino_f1 < ino_f2 ? ino_f1 : ino_f2,
            ino_f1 < ino_f2 ? ino_f2 : ino_f1);
  assert (strstr (r.text, want) != NULL);
  fpfs_bdev_overlay_reset (ov);
  printf ("ok block_shared\n");
}

static void
test_dotdot_broken (void)
{
  uint8_t blk[FS_BLOCK_SIZE];
  uint64_t pblk = dir_block (ino_b, blk);
  int off = dirent_find (blk, "..");

  assert (off == 12 && get_le32 (blk + off) == ino_a);
  put_le32 (blk + off, FS_ROOT_INO);
  fk_write (ov, pblk, blk);
  fk_expect (ov, FPFS_FSCK_DIRS, 1, "\"..\" names the wrong directory");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok dotdot_broken\n");
}

static void
test_dirent_bad (void)
{
  uint8_t blk[FS_BLOCK_SIZE];
  uint64_t pblk = dir_block (ino_a, blk);
  int off = dirent_find (blk, "f3");

  assert (off > 0);
  blk[off + DIRENT_HDR] = '/';                  /* "/3" */
  fk_write (ov, pblk, blk);
  fk_expect (ov, FPFS_FSCK_DIRS, 1, "entry name with a slash");
  fpfs_bdev_overlay_reset (ov);

  pblk = dir_block (ino_a, blk);
  blk[off + 7] = FT_DIR;                        /* f3 is a regular file */
  fk_write (ov, pblk, blk);
  fk_expect (ov, FPFS_FSCK_DIRS, 1, "entry with the wrong file type");
  fpfs_bdev_overlay_reset (ov);

  pblk = dir_block (ino_a, blk);
  off = dirent_find (blk, "b");
  put_le32 (blk + off, 0);                      /* the subdirectory detached */
  fk_write (ov, pblk, blk);
  {
    struct fpfs_fsck_report r;
    fk_fsck (ov, &r);
    fk_print ("subdirectory entry cleared", &r);
    assert (r.per_check[FPFS_FSCK_DIRS] >= 1 && r.per_check[FPFS_FSCK_LINKS]
            >= 1 && strstr (r.text, "not reachable from the root"));
  }
  fpfs_bdev_overlay_reset (ov);
  printf ("ok dirent_bad\n");
}

static void
test_extent_bad (void)
{
  struct ext_extent ex = fk_extent (ov, ino_f1, 0);
  struct fs_geometry g = fk_geo (ov);
  uint64_t size = 4096;

  ex.ee_len = 0;
  fk_edit_inode (ov, ino_f1, edit_extent0, &ex);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "extent of length 0");
  fpfs_bdev_overlay_reset (ov);

  ex = fk_extent (ov, ino_f1, 0);
  ex.ee_start = g.blocks_count - 1;             /* runs off the end */
  fk_edit_inode (ov, ino_f1, edit_extent0, &ex);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "extent outside the device");
  fpfs_bdev_overlay_reset (ov);

  ex = fk_extent (ov, ino_f1, 0);
  ex.ee_start = g.bbitmap_start;                /* metadata */
  fk_edit_inode (ov, ino_f1, edit_extent0, &ex);
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "extent over the metadata");
  fpfs_bdev_overlay_reset (ov);

  fk_edit_inode (ov, ino_f1, edit_size, &size); /* 3 blocks mapped */
  fk_expect (ov, FPFS_FSCK_EXTENTS, 1, "blocks past the end of file");
  fpfs_bdev_overlay_reset (ov);
  printf ("ok extent_bad\n");
}

static void
test_super_bad (void)
{
  struct fpfs_fsck_report r;
  uint8_t blk[FS_BLOCK_SIZE];
  char err[200];

  fk_read (ov, 0, blk);
  blk[SB_VOLUME_NAME] ^= 1;                     /* checksum now wrong */
  fk_write (ov, 0, blk);
  fk_expect (ov, FPFS_FSCK_SUPER, 1, "superblock checksum");
  fpfs_bdev_overlay_reset (ov);

  fk_read (ov, 0, blk);
  put_le32 (blk + SB_LAST_ORPHAN, 40);          /* a free inode */
  ondisk_sb_csum_set (blk);
  fk_write (ov, 0, blk);
  fk_expect (ov, FPFS_FSCK_SUPER, 0, "orphan list names a free inode");
  fpfs_bdev_overlay_reset (ov);

  fk_read (ov, 0, blk);
  put_le32 (blk + SB_MAGIC, 0x12345678);
  fk_write (ov, 0, blk);
  assert (fpfs_fsck (ov, &r, err, sizeof err) == -EINVAL);
  assert (strstr (err, "not an fpfs image"));
  fpfs_bdev_overlay_reset (ov);
  printf ("ok super_bad\n");
}

/* Garbage built to cost: four index entries all naming one leaf whose 340
 * extents each map the same 3000 blocks, and a directory whose every
 * block is that same leaf.  fsck must stay bounded (each node walked once,
 * claims stop once more blocks are doubly used than the device has) and
 * report, not hang. */
static void
edit_dag_root (uint8_t *raw, void *ctx)
{
  struct ext_hdr h = { EXT_MAGIC, 4, EXT_ROOT_MAX, 1, 0 };
  uint64_t leaf = *(uint64_t *) ctx;

  ext_hdr_put (raw + IN_BLOCK, &h);
  for (unsigned i = 0; i < 4; i++) {
    struct ext_index ix = { i * 340u * 3000u, leaf };
    ext_index_put (ext_entry (raw + IN_BLOCK, i), &ix);
  }
  put_le64 (raw + IN_SIZE, 4ull * 340 * 3000 * 4096);
}

static void
test_pathological (void)
{
  struct fs_geometry g = fk_geo (ov);
  uint64_t leaf = fk_free_block (ov);
  struct fpfs_fsck_report r;
  uint8_t blk[FS_BLOCK_SIZE];
  struct ext_hdr h = { EXT_MAGIC, EXT_BLOCK_MAX, EXT_BLOCK_MAX, 0, 0 };

  memset (blk, 0, sizeof blk);
  ext_hdr_put (blk, &h);
  for (unsigned i = 0; i < EXT_BLOCK_MAX; i++) {
    struct ext_extent ex = { i * 3000u, 3000, g.first_data_block, false };
    ext_extent_put (ext_entry (blk, i), &ex);
  }
  fk_write (ov, leaf, blk);
  fk_block_bit (ov, leaf, true);
  fk_edit_inode (ov, ino_f1, edit_dag_root, &leaf);
  fk_edit_inode (ov, ino_a, edit_dag_root, &leaf);
  fk_fsck (ov, &r);
  fk_print ("pathological trees", &r);
  assert (r.per_check[FPFS_FSCK_DOUBLE_USE] > 0);
  fpfs_bdev_overlay_reset (ov);
  printf ("ok pathological\n");
}

/* A committed transaction still in the journal: crash after fsync. */
static void
test_journal_not_replayed (void)
{
  struct fpfs_bdev *bd;
  struct fpfs *fs;
  int fd;

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  fs = tfs_mkfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/file", O_CREAT | O_WRONLY, 0644);
  CHECK (fd);
  assert (fpfs_pwrite (fs, fd, "hello", 5, 0) == 5);
  CHECK (fpfs_fsync (fs, fd));
  fpfs_crash (fs);
  fk_expect (bd, FPFS_FSCK_JOURNAL, 1, "committed transaction left");
  fs = tfs_mount (bd, "", NULL);                /* recovery */
  fpfs_crash (fs);
  fk_expect_clean (bd, "recovered, then a power cut");
  fs = tfs_mount (bd, "", NULL);
  fk_umount (fs);
  fk_expect_clean (bd, "recovered and unmounted");
  fpfs_bdev_close (bd);
  printf ("ok journal_not_replayed\n");
}

int
main (void)
{
  make_base ();
  test_block_bit_cleared ();
  test_block_bit_stray ();
  test_inode_bit_cleared ();
  test_inode_bit_stray ();
  test_links_bumped ();
  test_block_shared ();
  test_dotdot_broken ();
  test_dirent_bad ();
  test_extent_bad ();
  test_super_bad ();
  test_pathological ();
  test_journal_not_replayed ();
  fpfs_bdev_close (ov);
  fpfs_bdev_close (base);
  return 0;
}
