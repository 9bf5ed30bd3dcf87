/* ialloc: inode allocation over the inode bitmap (ext4's ialloc.c).
 *
 * Inode n (1-based) is bit n-1 of the inode bitmap.  Inodes 1..10 are
 * reserved and marked in use at mkfs (2 is the root).  Allocation takes the
 * first free inode at or after a rotating cursor: simple, deterministic,
 * and it keeps inodes created together in the same inode-table block.
 *
 * A new inode is fully written at allocation (every field of its 256
 * bytes), so the inode table never needs zeroing at mkfs: a slot's old
 * contents mean nothing while its bitmap bit is clear.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext4.h"

int
ext4_ialloc_init (struct fpfs *fs, char *errbuf, size_t errlen)
{
  const struct fs_geometry *g = &fs->s_geo;
  uint32_t used = 0;

  for (uint32_t i = 0; i < g->ibitmap_blocks; i++) {
    uint64_t base = (uint64_t) i * FS_BITS_PER_BLOCK;
    uint64_t n = g->inodes_count - base;
    struct buf *b;
    int ret;

    if (n > FS_BITS_PER_BLOCK)
      n = FS_BITS_PER_BLOCK;
    ret = buf_read (fs->s_bc, g->ibitmap_start + i, &b);
    if (ret < 0) {
      snprintf (errbuf, errlen, "inode bitmap block %" PRIu64 ": read failed",
                g->ibitmap_start + i);
      return ret;
    }
    if (i == 0 && (b->b_data[0] != 0xff || !bm_test (b->b_data, 8)
                   || !bm_test (b->b_data, 9))) {
      buf_put (b);
      snprintf (errbuf, errlen, "inode bitmap: reserved inodes 1-10 not "
                "marked in use");
      return -EUCLEAN;
    }
    for (uint32_t j = 0; j < n; j++)
      used += bm_test (b->b_data, j);
    buf_put (b);
  }
  fs->s_free_inodes = g->inodes_count - used;
  fs->s_inode_cursor = FS_FIRST_INO;
  return 0;
}

/* Find and claim a free inode number in the bitmap, inside handle h. */
static int
ialloc_claim (handle_t *h, uint32_t *ino)
{
  struct fpfs *fs = h->h_fs;
  const struct fs_geometry *g = &fs->s_geo;
  uint32_t start = fs->s_inode_cursor;

  if (start < FS_FIRST_INO || start > g->inodes_count)
    start = FS_FIRST_INO;
  for (uint32_t pass = 0; pass < 2; pass++) {
    uint32_t lo = pass ? FS_FIRST_INO : start;
    uint32_t hi = pass ? start : g->inodes_count + 1;
    uint32_t n = lo;
    while (n < hi) {
      uint32_t bit = n - 1;
      uint32_t blkidx = bit / FS_BITS_PER_BLOCK;
      uint32_t last = (blkidx + 1) * FS_BITS_PER_BLOCK;   /* bit bound */
      struct buf *b;
      int ret = buf_read (fs->s_bc, g->ibitmap_start + blkidx, &b);
      if (ret < 0)
        return ret;
      for (; n < hi && n - 1 < last; n++) {
        uint32_t off = (n - 1) % FS_BITS_PER_BLOCK;
        if (bm_test (b->b_data, off))
          continue;
        ret = ext4_journal_get_write_access (h, b);
        if (ret == 0) {
          bm_set (b->b_data, off);
          ret = ext4_handle_dirty_metadata (h, NULL, b);
        }
        buf_put (b);
        if (ret == 0) {
          *ino = n;
          fs->s_inode_cursor = n + 1;
          fs->s_free_inodes--;
        }
        return ret;
      }
      buf_put (b);
    }
  }
  return -ENOSPC;
}

int
ext4_new_inode (handle_t *h, struct fs_inode *dir, uint16_t mode,
                struct fs_inode **out)
{
  struct fpfs *fs = h->h_fs;
  struct fs_inode *inode;
  struct fpfs_timespec now = fs_current_time (fs);
  uint32_t ino = 0;
  int ret;

  *out = NULL;
  if (fs->s_free_inodes == 0)
    return -ENOSPC;
  ret = ialloc_claim (h, &ino);
  if (ret < 0)
    return ret;
  if (ext4_icache_find (fs, ino) != NULL)
    /* Free in the bitmap, yet in use: the bitmap is corrupt. */
    return ext4_error_corrupt (fs, "inode bitmap marks a live inode free",
                               ino);
  inode = calloc (1, sizeof *inode);
  if (inode == NULL)
    return -ENOMEM;
  inode_init_once (inode, fs, ino);
  inode->i_mode = mode;
  inode->i_nlink = 0;                 /* the caller links it */
  inode->i_generation = fs->s_next_generation++;
  inode->i_extra_isize = FS_WANT_EXTRA_ISIZE;
  inode->i_ext4_state |= EXT4_STATE_NEW;
  inode->i_atime = inode->i_mtime = inode->i_ctime = inode->i_crtime = now;
  inode->i_parent = dir ? dir->i_ino : FS_ROOT_INO;
  /* __ext4_new_inode: only directories, regular files and symlinks are
   * extent-mapped; a device, FIFO or socket keeps a zeroed i_block. */
  if (!fs_isspecial (inode)) {
    inode->i_flags = FS_INODE_FLAG_EXTENTS;
    ext4_ext_tree_init (inode);
  }
  inode->i_count = 1;
  ext4_icache_insert (fs, inode);
  FS_TRACE (fs, "ext4_allocate_inode", "dev %s ino %u dir %u mode 0%o",
            fs->s_devname, ino, dir ? dir->i_ino : 0, mode);
  /* Writes all 256 bytes of the slot (EXT4_STATE_NEW). */
  ret = ext4_mark_inode_dirty (h, inode);
  if (ret < 0) {
    iput (inode);
    return ret;
  }
  /* Both tids start at the creating handle's transaction, as
   * __ext4_new_inode() sets them (commit f7ad6d2e, 3.7): an fdatasync of
   * the new file, even empty, waits for the transaction that created it
   * (seen on real ext4: creat + fdatasync writes a transaction). */
  if (ext4_handle_valid (h))
    inode->i_sync_tid = inode->i_datasync_tid = ext4_handle_tid (h);
  *out = inode;
  return 0;
}

int
ext4_free_inode (handle_t *h, struct fs_inode *inode)
{
  struct fpfs *fs = h->h_fs;
  uint32_t bit = inode->i_ino - 1;
  struct buf *b;
  int ret;

  FS_TRACE (fs, "ext4_free_inode", "dev %s ino %u mode 0%o nlink %u",
            fs->s_devname, inode->i_ino, inode->i_mode, inode->i_nlink);
  /* 4.10 ext4_free_inode: the xattr block goes first. */
  ret = ext4_xattr_delete_inode (h, inode);
  if (ret < 0)
    return ret;
  ret = buf_read (fs->s_bc, fs->s_geo.ibitmap_start + bit / FS_BITS_PER_BLOCK,
                  &b);
  if (ret < 0)
    return ret;
  ret = ext4_journal_get_write_access (h, b);
  if (ret == 0) {
    if (!bm_test (b->b_data, bit % FS_BITS_PER_BLOCK))
      ret = ext4_error_corrupt (fs, "freeing an inode already free",
                                inode->i_ino);
    else {
      bm_clear (b->b_data, bit % FS_BITS_PER_BLOCK);
      ret = ext4_handle_dirty_metadata (h, NULL, b);
      fs->s_free_inodes++;
    }
  }
  buf_put (b);
  return ret;
}
