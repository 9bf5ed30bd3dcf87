/* test_fsck_lib.h: helpers for the fsck tests (test_fsck_*.c).
 *
 * - fk_fsck: run fpfs_fsck, print the report when it has problems;
 * - fk_expect: exactly one check reports (and how often), all others zero;
 * - raw image surgery on a memory device: read/write blocks and inodes,
 *   flip bitmap bits, find a file's first extent, re-checksum the
 *   superblock.  The layout comes from ondisk.h, as fsck's does.
 * Everything is static inline so each test file stays one executable.
 */
#ifndef TEST_FSCK_LIB_H
#define TEST_FSCK_LIB_H

#include "fs_testlib.h"
#include "ondisk.h"

static inline void
fk_print (const char *what, const struct fpfs_fsck_report *r)
{
  fprintf (stderr, "%s: fsck: %u errors (", what, r->errors);
  for (int i = 0; i < FPFS_FSCK_NCHECKS; i++)
    fprintf (stderr, "%s%s %u", i ? ", " : "", fpfs_fsck_check_name (i),
             r->per_check[i]);
  fprintf (stderr, ")\n%s", r->text);
}

static inline void
fk_fsck (struct fpfs_bdev *bd, struct fpfs_fsck_report *r)
{
  char err[256] = "";
  int ret = fpfs_fsck (bd, r, err, sizeof err);

  if (ret < 0)
    fprintf (stderr, "fpfs_fsck: %d: %s\n", ret, err);
  assert (ret == 0);
}

static inline void
fk_expect_clean (struct fpfs_bdev *bd, const char *what)
{
  struct fpfs_fsck_report r;

  fk_fsck (bd, &r);
  if (r.errors != 0)
    fk_print (what, &r);
  assert (r.errors == 0);
}

/* Exactly check chk reports, n times (0: at least once); no other check. */
static inline void
fk_expect (struct fpfs_bdev *bd, int chk, unsigned n, const char *what)
{
  struct fpfs_fsck_report r;
  bool ok;

  fk_fsck (bd, &r);
  ok = r.per_check[chk] > 0 && r.errors == r.per_check[chk]
       && (n == 0 || r.per_check[chk] == n);
  fk_print (what, &r);
  if (!ok)
    fprintf (stderr, "%s: want only '%s' (%u)\n", what,
             fpfs_fsck_check_name (chk), n);
  assert (ok);
}

/* ---- raw access ---- */

static inline void
fk_read (struct fpfs_bdev *bd, uint64_t blk, uint8_t *buf)
{
  CHECK (fpfs_bdev_read (bd, buf, blk * FS_BLOCK_SIZE, FS_BLOCK_SIZE));
}

static inline void
fk_write (struct fpfs_bdev *bd, uint64_t blk, const uint8_t *buf)
{
  CHECK (fpfs_bdev_write (bd, buf, blk * FS_BLOCK_SIZE, FS_BLOCK_SIZE, 0));
}

static inline struct fs_geometry
fk_geo (struct fpfs_bdev *bd)
{
  uint8_t b[FS_BLOCK_SIZE];
  struct fs_geometry g;

  fk_read (bd, 0, b);
  ondisk_geometry_get (b, &g);
  return g;
}

/* Set bit `bit` of the bitmap starting at block start to v. */
static inline void
fk_bit (struct fpfs_bdev *bd, uint64_t start, uint64_t bit, bool v)
{
  uint8_t b[FS_BLOCK_SIZE];
  uint64_t blk = start + bit / FS_BITS_PER_BLOCK;

  fk_read (bd, blk, b);
  if (v)
    bm_set (b, (uint32_t) (bit % FS_BITS_PER_BLOCK));
  else
    bm_clear (b, (uint32_t) (bit % FS_BITS_PER_BLOCK));
  fk_write (bd, blk, b);
}

static inline bool
fk_test_bit (struct fpfs_bdev *bd, uint64_t start, uint64_t bit)
{
  uint8_t b[FS_BLOCK_SIZE];

  fk_read (bd, start + bit / FS_BITS_PER_BLOCK, b);
  return bm_test (b, (uint32_t) (bit % FS_BITS_PER_BLOCK));
}

static inline void
fk_block_bit (struct fpfs_bdev *bd, uint64_t blk, bool v)
{
  fk_bit (bd, fk_geo (bd).bbitmap_start, blk, v);
}

static inline void
fk_inode_bit (struct fpfs_bdev *bd, uint32_t ino, bool v)
{
  fk_bit (bd, fk_geo (bd).ibitmap_start, ino - 1, v);
}

/* The inode-table block holding ino, and the inode's offset in it. */
static inline uint64_t
fk_inode_loc (struct fpfs_bdev *bd, uint32_t ino, unsigned *off)
{
  struct fs_geometry g = fk_geo (bd);

  *off = ((ino - 1) % FS_INODES_PER_BLOCK) * FS_INODE_SIZE;
  return g.itable_start + (ino - 1) / FS_INODES_PER_BLOCK;
}

/* Calls edit(raw inode, ctx) and writes the inode back. */
static inline void
fk_edit_inode (struct fpfs_bdev *bd, uint32_t ino,
               void (*edit) (uint8_t *raw, void *ctx), void *ctx)
{
  uint8_t b[FS_BLOCK_SIZE];
  unsigned off;
  uint64_t blk = fk_inode_loc (bd, ino, &off);

  fk_read (bd, blk, b);
  edit (b + off, ctx);
  fk_write (bd, blk, b);
}

static inline void
fk_get_inode (struct fpfs_bdev *bd, uint32_t ino, uint8_t raw[FS_INODE_SIZE])
{
  uint8_t b[FS_BLOCK_SIZE];
  unsigned off;

  fk_read (bd, fk_inode_loc (bd, ino, &off), b);
  memcpy (raw, b + off, FS_INODE_SIZE);
}

/* Extent i of an inode whose tree has depth 0. */
static inline struct ext_extent
fk_extent (struct fpfs_bdev *bd, uint32_t ino, unsigned i)
{
  uint8_t raw[FS_INODE_SIZE];
  struct ext_extent ex;
  struct ext_hdr h;

  fk_get_inode (bd, ino, raw);
  ext_hdr_get (raw + IN_BLOCK, &h);
  assert (h.eh_magic == EXT_MAGIC && h.eh_depth == 0 && i < h.eh_entries);
  ext_extent_get (ext_entry (raw + IN_BLOCK, i), &ex);
  return ex;
}

/* The first block of the data area that the block bitmap has free. */
static inline uint64_t
fk_free_block (struct fpfs_bdev *bd)
{
  struct fs_geometry g = fk_geo (bd);

  for (uint64_t b = g.first_data_block; b < g.blocks_count; b++)
    if (!fk_test_bit (bd, g.bbitmap_start, b))
      return b;
  assert (0);
  return 0;
}

static inline uint64_t
fk_ino (struct fpfs *fs, const char *path)
{
  struct fpfs_stat st;

  CHECK (fpfs_stat (fs, path, &st));
  return st.ino;
}

static inline void
fk_write_file (struct fpfs *fs, const char *path, size_t len, uint64_t seed)
{
  uint8_t *buf = malloc (len ? len : 1);
  int fd = fpfs_open (fs, path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

  assert (buf);
  CHECK (fd);
  tfs_pattern (buf, len, seed);
  if (len)
    assert (fpfs_pwrite (fs, fd, buf, len, 0) == (ssize_t) len);
  CHECK (fpfs_close (fs, fd));
  free (buf);
}

/* Clean unmount, which must succeed (a failing umount marks the
 * superblock FS_STATE_ERROR, which fsck reports). */
static inline void
fk_umount (struct fpfs *fs)
{
  int ret = fpfs_umount (fs);

  if (ret != 0)
    fprintf (stderr, "fpfs_umount: %d\n", ret);
  assert (ret == 0);
}

/* Offset of the record named name in a directory block, or -1. */
static inline int
dirent_find (const uint8_t *blk, const char *name)
{
  size_t len = strlen (name);

  for (unsigned off = 0; off + DIRENT_MIN <= FS_BLOCK_SIZE;) {
    unsigned rec = get_le16 (blk + off + 4);
    if (get_le32 (blk + off) && blk[off + 6] == len
        && memcmp (blk + off + DIRENT_HDR, name, len) == 0)
      return (int) off;
    if (rec < DIRENT_MIN)
      break;
    off += rec;
  }
  return -1;
}

#endif /* TEST_FSCK_LIB_H */
