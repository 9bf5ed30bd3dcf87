/* jdata: data=journal file I/O (fs/ext4/inode.c: ext4_journalled_write_end,
 * ext4_journalled_writepage).
 *
 * With data=journal every file block is journaled like metadata, so it
 * goes through the buffer cache, not the page cache, and there is no
 * delayed allocation (ext4 turns delalloc off in this mode): each block is
 * mapped (allocated if needed) in the write's handle, its buffer taken with
 * write access, changed, and dirtied into the running transaction.  The
 * commit writes it to the log; checkpointing writes it in place.  fsync is
 * a commit (ext4_force_commit), and i_datasync_tid is set on every write,
 * as ext4_journalled_write_end does.
 */
#include <errno.h>
#include <string.h>

#include "ext4.h"

ssize_t
ext4_journalled_write (struct fs_inode *inode, const uint8_t *buf, size_t len,
                       uint64_t pos)
{
  struct fpfs *fs = inode->i_fs;
  size_t done = 0;
  int ret = 0, retries = 0;

  while (done < len) {
    size_t off = pos & (FS_BLOCK_SIZE - 1);
    size_t n = FS_BLOCK_SIZE - off < len - done ? FS_BLOCK_SIZE - off : len - done;
    struct ext4_map_blocks map = { .m_lblk = (uint32_t) (pos >> FS_BLOCK_BITS),
                                   .m_len = 1 };
    struct buf *b = NULL;
    handle_t *h;
    int err;

    ret = ext4_journal_start (fs, "write_jdata", ext4_ext_calc_credits (inode) + 2,
                              &h);
    if (ret < 0)
      break;
    ret = ext4_map_blocks (h, inode, &map, EXT4_GET_BLOCKS_CREATE);
    if (ret > 0) {
      if (map.m_flags & EXT4_MAP_NEW)
        ret = ext4_getblk_new (h, map.m_pblk, &b);
      else {
        ret = buf_read (fs->s_bc, map.m_pblk, &b);
        if (ret == 0) {
          ret = ext4_journal_get_write_access (h, b);
          if (ret < 0)
            buf_put (b);
        }
      }
    }
    if (ret == 0) {
      memcpy (b->b_data + off, buf + done, n);
      ret = ext4_handle_dirty_metadata (h, inode, b);
      buf_put (b);
    }
    if (ret == 0) {
      if (pos + n > inode->i_size)
        inode->i_size = pos + n;
      if (inode->i_size > inode->i_disksize) {
        inode->i_disksize = inode->i_size;
        ret = ext4_mark_inode_dirty (h, inode);
      }
      if (ext4_handle_valid (h) && !fs_bug (fs, FPFS_BUG_NO_DATASYNC_TID))
        inode->i_datasync_tid = ext4_handle_tid (h);
    }
    err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
    if (ret == -ENOSPC && ext4_should_retry_alloc (fs, &retries))
      continue;
    if (ret < 0)
      break;
    done += n;
    pos += n;
  }
  return done ? (ssize_t) done : ret;
}

ssize_t
ext4_journalled_read (struct fs_inode *inode, uint8_t *buf, size_t len,
                      uint64_t pos)
{
  size_t done = 0;

  while (done < len) {
    size_t off = pos & (FS_BLOCK_SIZE - 1);
    size_t n = FS_BLOCK_SIZE - off < len - done ? FS_BLOCK_SIZE - off : len - done;
    struct ext4_map_blocks map = { .m_lblk = (uint32_t) (pos >> FS_BLOCK_BITS),
                                   .m_len = 1 };
    int ret = ext4_map_blocks (NULL, inode, &map, 0);
    if (ret < 0)
      return done ? (ssize_t) done : ret;
    if (ret == 0)
      memset (buf + done, 0, n);
    else {
      struct buf *b;
      ret = buf_read (inode->i_fs->s_bc, map.m_pblk, &b);
      if (ret < 0)
        return done ? (ssize_t) done : ret;
      memcpy (buf + done, b->b_data + off, n);
      buf_put (b);
    }
    done += n;
    pos += n;
  }
  return (ssize_t) done;
}

int
ext4_journalled_zero_tail (handle_t *h, struct fs_inode *inode, uint64_t size)
{
  struct ext4_map_blocks map = { .m_lblk = (uint32_t) (size >> FS_BLOCK_BITS),
                                 .m_len = 1 };
  size_t off = size & (FS_BLOCK_SIZE - 1);
  struct buf *b;
  int ret;

  if (off == 0)
    return 0;
  ret = ext4_map_blocks (NULL, inode, &map, 0);
  if (ret <= 0)
    return ret;
  ret = buf_read (inode->i_fs->s_bc, map.m_pblk, &b);
  if (ret < 0)
    return ret;
  ret = ext4_journal_get_write_access (h, b);
  if (ret == 0) {
    memset (b->b_data + off, 0, FS_BLOCK_SIZE - off);
    ret = ext4_handle_dirty_metadata (h, inode, b);
  }
  buf_put (b);
  return ret;
}
