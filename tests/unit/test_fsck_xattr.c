/* test_fsck_xattr: fsck and crash states of extended attributes, one
 * behaviour each:
 *   - an image with in-inode and block xattrs (files and a directory) is
 *     clean after umount;
 *   - a corrupt xattr block (magic, an entry's hash, the block used twice,
 *     the block free in the bitmap, the in-inode area's entries) is
 *     reported by exactly the check it breaks;
 *   - fsync after setxattr: every crash state after the fsync, recovered,
 *     has the attributes, and fsck is clean;
 *   - without fsync a crash may lose them, and every state is still clean;
 *   - unlink frees the xattr block on disk (fsck: no leak, no owner). */
#include "test_fsck_lib.h"

#define DEV_SIZE (24ull << 20)

static uint8_t big[3000];

/* /f: two in-inode attributes and one in a block; /d: one in-inode. */
static struct fpfs_bdev *
image (const char *opts)
{
  struct fpfs_bdev *bd;
  struct fpfs *fs;

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &bd));
  fs = tfs_mkfs_mount (bd, opts, NULL);
  tfs_pattern (big, sizeof big, 5);
  fk_write_file (fs, "/f", 5000, 1);
  CHECK (fpfs_mkdir (fs, "/d", 0755));
  CHECK (fpfs_setxattr (fs, "/f", "user.a", "1", 1, 0));
  CHECK (fpfs_setxattr (fs, "/f", "security.b", "22", 2, 0));
  CHECK (fpfs_setxattr (fs, "/f", "user.big", big, sizeof big, 0));
  CHECK (fpfs_setxattr (fs, "/f", "trusted.c", "333", 3, 0));
  CHECK (fpfs_setxattr (fs, "/d", "user.dir", "d", 1, 0));
  fk_umount (fs);
  return bd;
}

static uint64_t
xattr_block_of (struct fpfs_bdev *bd, uint32_t ino)
{
  uint8_t raw[FS_INODE_SIZE];

  fk_get_inode (bd, ino, raw);
  return get_le64 (raw + IN_FILE_ACL);
}

static void
test_clean_image (void)
{
  const char *modes[] = { "", "data=journal", "nojournal" };

  for (size_t m = 0; m < 3; m++) {
    struct fpfs_bdev *bd = image (modes[m]);
    assert (xattr_block_of (bd, FS_FIRST_INO) != 0);
    fk_expect_clean (bd, modes[m]);
    fpfs_bdev_close (bd);
  }
  printf ("ok clean image with xattrs\n");
}

static void
test_corrupt_block_magic (void)
{
  struct fpfs_bdev *bd = image ("");
  uint64_t blk = xattr_block_of (bd, FS_FIRST_INO);
  uint8_t b[FS_BLOCK_SIZE];
  struct fpfs *fs;
  char v[8];

  fk_read (bd, blk, b);
  put_le32 (b + XH_MAGIC, 0x12345678);
  fk_write (bd, blk, b);
  fk_expect (bd, FPFS_FSCK_EXTENTS, 1, "xattr block magic");
  /* The engine refuses the block too (ext4_xattr_check_block). */
  fs = tfs_mount (bd, "", NULL);
  assert (fpfs_getxattr (fs, "/f", "user.big", v, sizeof v) == -EUCLEAN);
  assert (fpfs_getxattr (fs, "/f", "user.a", v, sizeof v) == 1);
  fpfs_crash (fs);
  fpfs_bdev_close (bd);
  printf ("ok corrupt xattr block magic\n");
}

static void
test_corrupt_entry_hash (void)
{
  struct fpfs_bdev *bd = image ("");
  uint64_t blk = xattr_block_of (bd, FS_FIRST_INO);
  uint8_t b[FS_BLOCK_SIZE];

  fk_read (bd, blk, b);
  b[get_le16 (b + XATTR_BLOCK_HDR + XE_VALUE_OFFS)] ^= 1;    /* the value */
  fk_write (bd, blk, b);
  fk_expect (bd, FPFS_FSCK_EXTENTS, 1, "xattr entry hash");
  fpfs_bdev_close (bd);
  printf ("ok corrupt xattr entry hash\n");
}

struct acl_edit {
  uint64_t blk;
};

static void
set_acl (uint8_t *raw, void *ctx)
{
  struct acl_edit *e = ctx;

  put_le64 (raw + IN_FILE_ACL, e->blk);
  put_le64 (raw + IN_BLOCKS, get_le64 (raw + IN_BLOCKS) + 8);
}

static void
test_block_used_twice (void)
{
  struct fpfs_bdev *bd = image ("");
  struct acl_edit e = { xattr_block_of (bd, FS_FIRST_INO) };
  uint32_t dir = FS_FIRST_INO + 1;

  assert (xattr_block_of (bd, dir) == 0);
  fk_edit_inode (bd, dir, set_acl, &e);
  fk_expect (bd, FPFS_FSCK_DOUBLE_USE, 1, "xattr block used twice");
  fpfs_bdev_close (bd);
  printf ("ok xattr block used twice\n");
}

static void
test_block_free_in_bitmap (void)
{
  struct fpfs_bdev *bd = image ("");

  fk_block_bit (bd, xattr_block_of (bd, FS_FIRST_INO), false);
  fk_expect (bd, FPFS_FSCK_BITMAPS, 1, "xattr block free in the bitmap");
  fpfs_bdev_close (bd);
  printf ("ok xattr block free in the bitmap\n");
}

static void
break_ibody (uint8_t *raw, void *ctx)
{
  uint8_t *first = raw + IN_GOOD_OLD_SIZE + FS_WANT_EXTRA_ISIZE
    + XATTR_IBODY_HDR;

  (void) ctx;
  assert (get_le32 (first - XATTR_IBODY_HDR) == XATTR_MAGIC);
  put_le16 (first + XE_VALUE_OFFS, 200);       /* past the inode's end */
}

static void
test_corrupt_ibody (void)
{
  struct fpfs_bdev *bd = image ("");

  fk_edit_inode (bd, FS_FIRST_INO, break_ibody, NULL);
  fk_expect (bd, FPFS_FSCK_EXTENTS, 1, "in-inode xattr value offset");
  fpfs_bdev_close (bd);
  printf ("ok corrupt in-inode xattrs\n");
}

/* Record: /f created and fsynced, then the xattrs set, then (fsync) a
 * fsync, then more work; check every state from the setxattr on. */
static void
crash_states (bool fsync)
{
  struct fpfs_bdev *rec = shim_new (DEV_SIZE), *base, *ov;
  size_t from, synced, n, applied = 0, kept = 0, lost = 0;
  struct fpfs *fs;
  uint8_t out[sizeof big];
  int fd;

  shim_of (rec)->record_data = true;
  fs = tfs_mkfs_mount (rec, "", NULL);
  fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
  CHECK (fpfs_fsync (fs, fd));
  from = shim_of (rec)->n;
  CHECK (fpfs_setxattr (fs, "/f", "user.a", "1", 1, 0));
  CHECK (fpfs_setxattr (fs, "/f", "user.big", big, sizeof big, 0));
  if (fsync)
    CHECK (fpfs_fsync (fs, fd));
  synced = shim_of (rec)->n;
  fk_write_file (fs, "/g", 9000, 2);
  fpfs_clock_advance (fs, 6ull * FPFS_NSEC_PER_SEC);  /* kjournald2 */
  fpfs_crash (fs);
  n = shim_of (rec)->n;

  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, &base));
  CHECK (fpfs_bdev_overlay_open (base, &ov));
  for (size_t p = from; p <= n; p++) {
    ssize_t a, b;
    shim_apply (rec, applied, p, base);
    applied = p;
    fpfs_bdev_overlay_reset (ov);
    fs = tfs_mount (ov, "", NULL);
    a = fpfs_getxattr (fs, "/f", "user.a", out, sizeof out);
    b = fpfs_getxattr (fs, "/f", "user.big", out, sizeof out);
    assert (a == 1 || a == -ENODATA);
    assert (b == (ssize_t) sizeof big || b == -ENODATA);
    if (b > 0)
      assert (memcmp (out, big, sizeof big) == 0);
    /* One transaction holds both, so a state has both or neither. */
    assert ((a > 0) == (b > 0));
    if (fsync && p >= synced)
      assert (a == 1);
    if (a > 0)
      kept++;
    else
      lost++;
    fk_umount (fs);
    fk_expect_clean (ov, "xattr crash state");
  }
  assert (kept > 0 && lost > 0);
  fpfs_bdev_close (ov);
  fpfs_bdev_close (base);
  fpfs_bdev_close (rec);
  printf ("ok crash states %s: %zu with the xattrs, %zu without\n",
          fsync ? "fsync" : "no fsync", kept, lost);
}

static void
test_unlink_frees_on_disk (void)
{
  struct fpfs_bdev *bd = image ("");
  uint64_t blk = xattr_block_of (bd, FS_FIRST_INO);
  struct fpfs *fs = tfs_mount (bd, "", NULL);

  CHECK (fpfs_unlink (fs, "/f"));
  fk_umount (fs);
  assert (!fk_test_bit (bd, fk_geo (bd).bbitmap_start, blk));
  fk_expect_clean (bd, "after unlink");
  fpfs_bdev_close (bd);
  printf ("ok unlink frees the xattr block on disk\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_clean_image ();
  test_corrupt_block_magic ();
  test_corrupt_entry_hash ();
  test_block_used_twice ();
  test_block_free_in_bitmap ();
  test_corrupt_ibody ();
  crash_states (true);
  crash_states (false);
  test_unlink_frees_on_disk ();
  return 0;
}
