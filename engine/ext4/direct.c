/* direct: O_DIRECT reads and writes (Linux 4.10 fs/ext4/inode.c:
 * ext4_direct_IO, ext4_direct_IO_write, ext4_direct_IO_read, the
 * ext4_dio_get_block* helpers, ext4_end_io_dio; mm/filemap.c:
 * generic_file_direct_write and generic_file_read_iter's IOCB_DIRECT
 * branch; fs/direct-io.c's alignment check and dio_zero_block).
 *
 * The bytes go between the caller's buffer and the device, never through
 * the page cache.  First the range's dirty pages are written and waited
 * on and its pages dropped (filemap_write_and_wait_range, then
 * invalidate), so the device holds the newest data and no cached page
 * goes stale.  Offset and length must be multiples of 512 bytes (the
 * device's logical block size): EINVAL otherwise.
 *
 * Writes, by where the range lies:
 *   - every block mapped and written (an overwrite): the data goes to the
 *     device with no metadata change and so no journal commit;
 *     ext4_dio_get_block_overwrite (4.10 takes that path only under
 *     dioread_nolock; without it ext4_dio_get_block_unwritten_sync finds
 *     the same written blocks in an empty handle: the same requests);
 *   - the write starts inside i_size (its first block below EOF's block):
 *     holes get unwritten extents (ext4_dio_get_block_unwritten_sync,
 *     EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT), the data is written, then
 *     ext4_end_io_dio converts them to written in a handle of its own
 *     (ext4_convert_unwritten_extents): a crash before that commit reads
 *     the blocks as zeroes, never as stale bytes;
 *   - the write starts at or past EOF's block: blocks are allocated
 *     written (ext4_dio_get_block, EXT4_GET_BLOCKS_CREATE);
 *   - extending (the end passes i_size): before the I/O the inode joins
 *     the orphan list in a handle (i_disksize = i_size); after it, a
 *     second handle sets i_size and i_disksize to the end and takes it
 *     off the list (ext4_direct_IO_write's orphan handling), so a crash
 *     in between leaves an orphan that mount truncates to its old size.
 * A newly allocated or unwritten block the write covers only in part is
 * written whole, zeroes around the data (dio_zero_block), so no stale
 * byte of it can be read later.
 * The data writes carry no FUA: they sit in the device's volatile cache
 * until a FLUSH, which fsync sends (the commit's PREFLUSH, or
 * blkdev_issue_flush when nothing is left to commit).
 *
 * Reads: the range's dirty pages are written first; written blocks are
 * read from the device, holes and unwritten extents read as zeroes; a
 * read stops at i_size.
 *
 * data=journal: ext4_direct_IO returns 0 and the VFS falls back to
 * buffered I/O; here the functions return -ENOTBLK (iomap's "fall back")
 * and vfs/file.c does the buffered call.  A write that stops short (an
 * error after some bytes) also falls back for the rest, as
 * __generic_file_write_iter does.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ext4.h"

#define DIO_ALIGN 512u

/* do_blockdev_direct_IO's test, on the offset and the length only: the
 * kernel also wants the buffer's address aligned, fpfs.h's contract does
 * not (the bytes are copied; FIDELITY.md R8). */
static bool
dio_misaligned (size_t len, uint64_t pos)
{
  return ((pos | (uint64_t) len) & (DIO_ALIGN - 1)) != 0;
}

/* ext4_overwrite_io: [pos, pos + len) inside i_size, every block mapped
 * and written (not unwritten, not delayed, not a hole). */
static bool
ext4_overwrite_io (struct fs_inode *inode, uint64_t pos, size_t len)
{
  uint32_t lblk = (uint32_t) (pos >> FS_BLOCK_BITS);
  uint32_t last = (uint32_t) ((pos + len - 1) >> FS_BLOCK_BITS);

  if (pos + len > inode->i_size)
    return false;
  while (lblk <= last) {
    struct ext4_map_blocks map = { .m_lblk = lblk, .m_len = last - lblk + 1 };
    int ret = ext4_map_blocks (NULL, inode, &map, 0);
    if (ret <= 0 || !(map.m_flags & EXT4_MAP_MAPPED)
        || (map.m_flags & EXT4_MAP_UNWRITTEN))
      return false;
    lblk += (uint32_t) ret;
  }
  return true;
}

/* ext4_get_block_trans: map (allocating per flags) the block at lblk in a
 * handle of its own. */
static int
dio_get_block (struct fs_inode *inode, uint32_t lblk, unsigned flags,
               struct ext4_map_blocks *map)
{
  handle_t *h;
  int ret, err;

  map->m_lblk = lblk;
  map->m_len = 1;
  map->m_flags = 0;
  if (flags == 0)
    return ext4_map_blocks (NULL, inode, map, 0);
  ret = ext4_journal_start (inode->i_fs, "dio_get_block",
                            ext4_ext_calc_credits (inode) + 4, &h);
  if (ret < 0)
    return ret;
  ret = ext4_map_blocks (h, inode, map, flags);
  err = ext4_journal_stop (h);
  if (ret >= 0 && err < 0)
    ret = err;
  return ret;
}

/* One block's part of a write: [boff, boff + n) of block lblk. */
static int
dio_write_block (struct fs_inode *inode, const uint8_t *buf, uint32_t lblk,
                 unsigned boff, size_t n, unsigned flags, bool *unwritten)
{
  struct fpfs *fs = inode->i_fs;
  struct ext4_map_blocks map;
  int ret = dio_get_block (inode, lblk, flags, &map);

  if (ret < 0)
    return ret;
  if (ret == 0 || !(map.m_flags & EXT4_MAP_MAPPED))
    return -EIO;                        /* CREATE always maps: corrupt */
  *unwritten = (map.m_flags & EXT4_MAP_UNWRITTEN) != 0;
  if ((map.m_flags & (EXT4_MAP_NEW | EXT4_MAP_UNWRITTEN))
      && n < FS_BLOCK_SIZE) {
    /* dio_zero_block: the rest of a fresh block is zeroes. */
    uint8_t blk[FS_BLOCK_SIZE];
    memset (blk, 0, sizeof blk);
    memcpy (blk + boff, buf, n);
    return fpfs_bdev_write (fs->s_bdev, blk, map.m_pblk * FS_BLOCK_SIZE,
                            FS_BLOCK_SIZE, 0);
  }
  /* No FUA: durable at the next FLUSH (fsync's). */
  return fpfs_bdev_write (fs->s_bdev, buf, map.m_pblk * FS_BLOCK_SIZE + boff,
                          n, 0);
}

/* ext4_end_io_dio -> ext4_convert_unwritten_extents over [first, last]:
 * after the data, the unwritten extents become written. */
static int
dio_convert_unwritten (struct fs_inode *inode, uint32_t first, uint32_t last)
{
  handle_t *h;
  int ret, err;

  ret = ext4_journal_start (inode->i_fs, "dio_end_io",
                            2 * ext4_ext_calc_credits (inode) + 4, &h);
  if (ret < 0)
    return ret;
  while (ret >= 0 && first <= last) {
    struct ext4_map_blocks map = { .m_lblk = first, .m_len = last - first + 1 };
    /* The data is already on the device: nothing to order (NO_ORDER). */
    ret = ext4_map_blocks (h, inode, &map, EXT4_GET_BLOCKS_CREATE
                           | EXT4_GET_BLOCKS_NO_ORDER);
    if (ret == 0)
      ret = -EIO;
    if (ret > 0)
      first += (uint32_t) ret;
  }
  err = ext4_journal_stop (h);
  return ret < 0 ? ret : err;
}

/* The orphan handles around an extending write: before (add, and
 * i_disksize = i_size) or after (del, and the new size). */
static int
dio_orphan (struct fs_inode *inode, bool before, uint64_t end)
{
  handle_t *h;
  int ret, err;

  ret = ext4_journal_start (inode->i_fs, "dio_orphan", 4, &h);
  if (ret < 0)
    return ret;
  if (before) {
    ret = ext4_orphan_add (h, inode);
    inode->i_disksize = inode->i_size;
  } else {
    if (inode->i_nlink)
      ret = ext4_orphan_del (h, inode);
    if (end > inode->i_size)
      inode->i_size = inode->i_disksize = end;
  }
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

ssize_t
ext4_direct_IO_write (struct fs_inode *inode, const uint8_t *buf, size_t len,
                      uint64_t pos)
{
  struct fpfs *fs = inode->i_fs;
  uint64_t end = pos + len;
  uint32_t ufirst = UINT32_MAX, ulast = 0;
  bool extend, overwrite;
  unsigned flags;
  size_t done = 0;
  int ret, err;

  if (ext4_should_journal_data (fs))
    return -ENOTBLK;
  if (dio_misaligned (len, pos))
    return -EINVAL;
  if (len == 0)
    return 0;
  /* generic_file_direct_write: the device must hold the newest bytes of
   * the range before it is overwritten behind the page cache's back. */
  ret = filemap_write_and_wait_range (VFS_I (inode), pos, end - 1);
  if (ret < 0)
    return ret;
  invalidate_mapping_pages (VFS_I (inode), (uint32_t) (pos >> FS_BLOCK_BITS),
                            (uint32_t) ((end - 1) >> FS_BLOCK_BITS));
  overwrite = ext4_overwrite_io (inode, pos, len);
  extend = end > inode->i_size;
  if (overwrite)
    flags = 0;                          /* ext4_dio_get_block_overwrite */
  else if ((pos & ~(uint64_t) (FS_BLOCK_SIZE - 1)) >= inode->i_size)
    flags = EXT4_GET_BLOCKS_CREATE;     /* ext4_dio_get_block */
  else
    flags = EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT;  /* ..._unwritten_sync */
  FS_TRACE (fs, "ext4_direct_IO_enter", "dev %s ino %u pos %llu len %zu "
            "rw 1 overwrite %d", fs->s_devname, inode->i_ino,
            (unsigned long long) pos, len, overwrite);
  if (extend && fs->s_journal) {
    ret = dio_orphan (inode, true, end);
    if (ret < 0)
      return ret;
  }
  while (done < len) {
    uint64_t at = pos + done;
    uint32_t lblk = (uint32_t) (at >> FS_BLOCK_BITS);
    unsigned boff = (unsigned) (at & (FS_BLOCK_SIZE - 1));
    size_t n = len - done < FS_BLOCK_SIZE - boff ? len - done
      : FS_BLOCK_SIZE - boff;
    bool unwritten = false;
    ret = dio_write_block (inode, buf + done, lblk, boff, n, flags,
                           &unwritten);
    if (ret < 0)
      break;
    if (unwritten) {
      ufirst = ufirst < lblk ? ufirst : lblk;
      ulast = lblk;
    }
    done += n;
  }
  /* The I/O is complete: end_io converts, then the size moves. */
  err = ufirst <= ulast ? dio_convert_unwritten (inode, ufirst, ulast) : 0;
  if (extend) {
    int e = dio_orphan (inode, false, pos + done);
    if (!err)
      err = e;
  }
  invalidate_mapping_pages (VFS_I (inode), (uint32_t) (pos >> FS_BLOCK_BITS),
                            (uint32_t) ((end - 1) >> FS_BLOCK_BITS));
  FS_TRACE (fs, "ext4_direct_IO_exit", "dev %s ino %u pos %llu len %zu "
            "rw 1 ret %zu", fs->s_devname, inode->i_ino,
            (unsigned long long) pos, len, done);
  if (done > 0)
    return (ssize_t) done;
  return ret < 0 ? ret : err;
}

ssize_t
ext4_direct_IO_read (struct fs_inode *inode, uint8_t *buf, size_t len,
                     uint64_t pos)
{
  struct fpfs *fs = inode->i_fs;
  size_t done = 0, want;
  int ret;

  if (ext4_should_journal_data (fs))
    return -ENOTBLK;
  if (dio_misaligned (len, pos))
    return -EINVAL;
  if (len == 0 || pos >= inode->i_size)
    return 0;
  want = inode->i_size - pos < len ? (size_t) (inode->i_size - pos) : len;
  ret = filemap_write_and_wait_range (VFS_I (inode), pos, pos + want - 1);
  if (ret < 0)
    return ret;
  while (done < want) {
    uint64_t at = pos + done;
    unsigned boff = (unsigned) (at & (FS_BLOCK_SIZE - 1));
    size_t n = want - done < FS_BLOCK_SIZE - boff ? want - done
      : FS_BLOCK_SIZE - boff;
    /* The device reads whole sectors: the last one may pass i_size, into
     * the caller's buffer, which is len >= that long. */
    size_t io = (n + DIO_ALIGN - 1) & ~(size_t) (DIO_ALIGN - 1);
    struct ext4_map_blocks map;
    ret = dio_get_block (inode, (uint32_t) (at >> FS_BLOCK_BITS), 0, &map);
    if (ret < 0)
      break;
    if (ret > 0 && (map.m_flags & EXT4_MAP_MAPPED)
        && !(map.m_flags & EXT4_MAP_UNWRITTEN))
      ret = fpfs_bdev_read (fs->s_bdev, buf + done,
                            map.m_pblk * FS_BLOCK_SIZE + boff, io);
    else
      memset (buf + done, 0, io);       /* a hole or unwritten: zeroes */
    if (ret < 0)
      break;
    done += n;
  }
  if (done > 0)
    return (ssize_t) done;
  return ret < 0 ? fs_io_error (ret) : 0;
}
