/* fallocate: ext4_fallocate and its modes (fs/ext4/extents.c, inode.c,
 * Linux 4.10):
 *
 *   0, KEEP_SIZE     ext4_alloc_file_blocks(CREATE_UNWRIT_EXT): unwritten
 *                    extents over the holes, one handle per extent; mode 0
 *                    moves i_size and i_disksize in each extent's handle
 *                    (ext4_update_inode_size), ctime always, mtime when the
 *                    size grew.  Unwritten blocks read as zeroes; a write
 *                    into one is converted when writeback maps it
 *                    (map.c), its data ordered before that commit.
 *   PUNCH_HOLE       ext4_punch_hole: write the range's dirty pages out,
 *                    drop them, then in one handle zero the partial blocks
 *                    at the edges (ext4_zero_partial_blocks: the zeroed
 *                    page is dirtied and, in data=ordered, the inode put on
 *                    the ordered-data list, so the commit that frees the
 *                    blocks also carries the zeroes) and free the whole
 *                    blocks (ext4_ext_remove_space).
 *   ZERO_RANGE       ext4_zero_range: the edges allocated, the whole blocks
 *                    converted to unwritten (CONVERT_UNWRITTEN), the partial
 *                    edges zeroed, the size as mode 0 unless KEEP_SIZE.
 *   COLLAPSE_RANGE,  ext4_collapse_range / ext4_insert_range: block
 *   INSERT_RANGE     aligned; every dirty page from the offset on is written
 *                    and waited for (filemap_write_and_wait_range) and the
 *                    page cache dropped from there; data=journal commits
 *                    first (ext4_force_commit); then one handle removes (or
 *                    splits at) the range and shifts the extents after it.
 *
 * Not done, as in engine/FIDELITY.md: EXT4_INODE_EOFBLOCKS is not set for
 * KEEP_SIZE past EOF, and splitting never zeroes out instead.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

#include "ext4.h"

#define FALLOC_CREDITS 64
#define LAST_BLOCK_BYTE(x) ((x) & ~(uint64_t) (FS_BLOCK_SIZE - 1))

/* ext4_update_inode_size: 1 when i_size grew, 2 when i_disksize did. */
static int
ext4_update_inode_size (struct fs_inode *inode, uint64_t newsize)
{
  int changed = 0;

  if (newsize > inode->i_size) {
    inode->i_size = newsize;
    changed = 1;
  }
  if (newsize > inode->i_disksize) {
    ext4_update_i_disksize (inode, newsize);
    changed |= 2;
  }
  return changed;
}

static int
falloc_credits (struct fs_inode *inode)
{
  int c = 2 * ext4_ext_calc_credits (inode);   /* ext4_chunk_trans_blocks */
  return c < FS_MAX_CREDITS ? c : FS_MAX_CREDITS;
}

/* ext4_alloc_file_blocks: map [lblk, +len) with flags, one extent a
 * handle; new_size 0 leaves the size alone. */
static int
ext4_alloc_file_blocks (struct fs_inode *inode, uint32_t lblk, uint32_t len,
                        uint64_t new_size, unsigned flags)
{
  struct fpfs *fs = inode->i_fs;
  int ret = 0, retries = 0;

  while (ret >= 0 && len) {
    struct ext4_map_blocks map = { .m_lblk = lblk, .m_len = len };
    uint64_t epos;
    handle_t *h;
    int err;

    ret = ext4_journal_start (fs, "fallocate", falloc_credits (inode), &h);
    if (ret < 0)
      break;
    ret = ext4_map_blocks (h, inode, &map, flags);
    if (ret <= 0) {
      ext4_mark_inode_dirty (h, inode);
      err = ext4_journal_stop (h);
      if (ret == -ENOSPC && ext4_should_retry_alloc (fs, &retries)) {
        ret = 0;
        continue;
      }
      if (ret == 0)
        ret = err;
      break;
    }
    lblk += (uint32_t) ret;
    len -= (uint32_t) ret;
    epos = (uint64_t) lblk << FS_BLOCK_BITS;
    inode->i_ctime = fs_current_time (fs);
    if (new_size) {
      if (epos > new_size)
        epos = new_size;
      if (ext4_update_inode_size (inode, epos) & 1)
        inode->i_mtime = inode->i_ctime;
    }
    ret = ext4_mark_inode_dirty (h, inode);
    err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
  }
  return ret < 0 ? ret : 0;
}

/* __ext4_block_zero_page_range: zero [from, from + length) inside one
 * block.  A hole or an unwritten block has nothing on disk to zero (it
 * reads as zeroes); a cached page is zeroed all the same. */
static int
ext4_block_zero_page_range (handle_t *h, struct fs_inode *inode,
                            uint64_t from, uint64_t length)
{
  struct fpfs *fs = inode->i_fs;
  uint32_t index = (uint32_t) (from >> FS_BLOCK_BITS);
  size_t off = from & (FS_BLOCK_SIZE - 1);
  struct ext4_map_blocks map = { .m_lblk = index, .m_len = 1 };
  struct page *pg;
  int ret;

  if (length > FS_BLOCK_SIZE - off)
    length = FS_BLOCK_SIZE - off;
  if (ext4_should_journal_data (fs)) {
    struct buf *b;
    ret = ext4_map_blocks (NULL, inode, &map, 0);
    if (ret <= 0)
      return ret;
    ret = buf_read (fs->s_bc, map.m_pblk, &b);
    if (ret < 0)
      return ret;
    ret = ext4_journal_get_write_access (h, b);
    if (ret == 0) {
      memset (b->b_data + off, 0, length);
      ret = ext4_handle_dirty_metadata (h, inode, b);
    }
    buf_put (b);
    return ret;
  }
  pg = pc_find_page (VFS_I (inode), index);
  if (pg == NULL || !(pg->pg_flags & PG_UPTODATE)) {
    ret = ext4_map_blocks (NULL, inode, &map, 0);
    if (ret <= 0) {
      if (pg)
        memset (pg->pg_data + off, 0, length);
      return ret;
    }
    if (pg == NULL) {
      ret = pc_grab_page (VFS_I (inode), index, &pg);
      if (ret < 0)
        return ret;
    }
    ret = ext4_read_page (inode, pg);
    if (ret < 0)
      return ret;
  }
  memset (pg->pg_data + off, 0, length);
  if (!(pg->pg_flags & (PG_MAPPED | PG_DELAY | PG_UNWRITTEN)))
    return 0;                     /* a hole's page: nothing to write */
  set_page_dirty (pg);
  /* In data=ordered the zeroed block goes out before the commit that
   * frees or shrinks around it (ext4_jbd2_inode_add_write). */
  if (ext4_should_order_data (fs) && ext4_handle_valid (h))
    return jbd_file_inode (h->h_jh, &inode->i_jinode);
  return 0;
}

/* ext4_zero_partial_blocks: the partial blocks at both ends of
 * [lstart, lstart + length). */
static int
ext4_zero_partial_blocks (handle_t *h, struct fs_inode *inode,
                          uint64_t lstart, uint64_t length)
{
  uint64_t byte_end = lstart + length - 1;
  size_t partial_start = lstart & (FS_BLOCK_SIZE - 1);
  size_t partial_end = byte_end & (FS_BLOCK_SIZE - 1);
  int ret = 0;

  if (fs_bug (inode->i_fs, FPFS_BUG_PUNCH_HOLE_NO_ZERO))
    return 0;
  if ((lstart >> FS_BLOCK_BITS) == (byte_end >> FS_BLOCK_BITS)) {
    if (partial_start || partial_end != FS_BLOCK_SIZE - 1)
      ret = ext4_block_zero_page_range (h, inode, lstart, length);
    return ret;
  }
  if (partial_start)
    ret = ext4_block_zero_page_range (h, inode, lstart, FS_BLOCK_SIZE);
  if (ret == 0 && partial_end != FS_BLOCK_SIZE - 1)
    ret = ext4_block_zero_page_range (h, inode, byte_end - partial_end,
                                      partial_end + 1);
  return ret;
}

/* Blocks [first, stop) leave the page cache and the extent status cache;
 * delayed reservations among them are given back. */
static void
falloc_forget_cached (struct fs_inode *inode, uint32_t first, uint32_t stop)
{
  uint32_t delayed;

  if (stop <= first)
    return;
  pc_truncate_range (VFS_I (inode), first, stop - 1);
  delayed = ext4_es_delayed_count (inode, first, stop - first);
  ext4_es_remove_extent (inode, first, stop - first);
  ext4_da_release_space (inode, delayed);
}

static int
falloc_write_out (struct fs_inode *inode, uint64_t start, uint64_t end)
{
  if (VFS_I (inode)->i_mapping.a_nrpages == 0
      || !pc_mapping_tagged (VFS_I (inode), PC_TAG_DIRTY))
    return 0;
  return filemap_write_and_wait_range (VFS_I (inode), start, end);
}

static int
ext4_punch_hole (struct fpfs_file *f, uint64_t off, uint64_t len)
{
  struct fs_inode *inode = f->f_inode;
  struct fpfs *fs = inode->i_fs;
  uint64_t first, stop;
  handle_t *h;
  int ret, err;

  FS_TRACE (fs, "ext4_punch_hole", "dev %s ino %u offset %" PRIu64 " len %"
            PRIu64 " mode 0", fs->s_devname, inode->i_ino, off, len);
  /* Write out all dirty pages to avoid race conditions, then drop them. */
  ret = falloc_write_out (inode, off, off + len - 1);
  if (ret < 0)
    return ret;
  if (off >= inode->i_size)
    return 0;                     /* no need to punch beyond i_size */
  if (off + len > inode->i_size)  /* to the end of i_size's block */
    len = inode->i_size + FS_BLOCK_SIZE - (inode->i_size & (FS_BLOCK_SIZE - 1))
      - off;
  first = (off + FS_BLOCK_SIZE - 1) >> FS_BLOCK_BITS;
  stop = (off + len) >> FS_BLOCK_BITS;
  if (stop > FS_MAX_FILE_BLOCKS)
    stop = FS_MAX_FILE_BLOCKS;
  falloc_forget_cached (inode, (uint32_t) first, (uint32_t) stop);
  ret = ext4_journal_start (fs, "punch_hole", FALLOC_CREDITS, &h);
  if (ret < 0)
    return ret;
  ret = ext4_zero_partial_blocks (h, inode, off, len);
  if (ret == 0 && stop > first) {
    ext4_discard_preallocations (inode);
    ret = ext4_ext_punch (h, inode, (uint32_t) first, (uint32_t) stop);
  }
  /* IS_SYNC (inode) -> ext4_handle_sync: a sync mount or chattr +S, which
   * the engine has neither of; the file's O_SYNC does not count here. */
  inode->i_mtime = inode->i_ctime = fs_current_time (fs);
  err = ext4_mark_inode_dirty (h, inode);
  if (!ret)
    ret = err;
  if (ret == 0)
    ext4_update_inode_fsync_trans (h, inode, true);
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

static int
ext4_zero_range (struct fpfs_file *f, uint64_t off, uint64_t len, int mode)
{
  struct fs_inode *inode = f->f_inode;
  struct fpfs *fs = inode->i_fs;
  uint64_t start = (off + FS_BLOCK_SIZE - 1) & ~(uint64_t) (FS_BLOCK_SIZE - 1);
  uint64_t end = LAST_BLOCK_BYTE (off + len), new_size = 0;
  uint32_t lblk = (uint32_t) (start >> FS_BLOCK_BITS), max_blocks;
  unsigned flags = EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT;
  handle_t *h;
  int ret, err;

  FS_TRACE (fs, "ext4_zero_range", "dev %s ino %u offset %" PRIu64 " len %"
            PRIu64 " mode %d", fs->s_devname, inode->i_ino, off, len, mode);
  /* data=journal: commit first, the data is in the journal. */
  if (ext4_should_journal_data (fs)) {
    ret = ext4_force_commit (fs);
    if (ret < 0)
      return ret;
  }
  ret = falloc_write_out (inode, off, off + len - 1);
  if (ret < 0)
    return ret;
  max_blocks = (end >> FS_BLOCK_BITS) > lblk
    ? (uint32_t) ((end >> FS_BLOCK_BITS) - lblk) : 0;
  if (!(mode & FPFS_FALLOC_FL_KEEP_SIZE)
      && (off + len > inode->i_size || off + len > inode->i_disksize))
    new_size = off + len;
  /* Preallocate the range including the unaligned edges. */
  if ((off & (FS_BLOCK_SIZE - 1)) || ((off + len) & (FS_BLOCK_SIZE - 1))) {
    uint64_t a = LAST_BLOCK_BYTE (off);
    uint64_t b = (off + len + FS_BLOCK_SIZE - 1) & ~(uint64_t) (FS_BLOCK_SIZE - 1);
    ret = ext4_alloc_file_blocks (inode, (uint32_t) (a >> FS_BLOCK_BITS),
                                  (uint32_t) ((b - a) >> FS_BLOCK_BITS),
                                  new_size, flags);
    if (ret < 0)
      return ret;
  }
  /* The whole blocks: dropped from the cache, made unwritten. */
  if (max_blocks > 0) {
    falloc_forget_cached (inode, lblk, lblk + max_blocks);
    inode->i_mtime = inode->i_ctime = fs_current_time (fs);
    ret = ext4_alloc_file_blocks (inode, lblk, max_blocks, new_size,
                                  flags | EXT4_GET_BLOCKS_CONVERT_UNWRITTEN);
    if (ret < 0)
      return ret;
  }
  ret = ext4_journal_start (fs, "zero_range", FALLOC_CREDITS, &h);
  if (ret < 0)
    return ret;
  inode->i_mtime = inode->i_ctime = fs_current_time (fs);
  if (new_size)
    ext4_update_inode_size (inode, new_size);
  ret = ext4_mark_inode_dirty (h, inode);
  /* Zero out the partial blocks at the edges (the bug switch
   * punch-hole-no-zero is punch hole's only: this path calls the
   * zeroing directly). */
  if (ret == 0) {
    uint64_t ps = off & (FS_BLOCK_SIZE - 1), pe = (off + len) & (FS_BLOCK_SIZE - 1);
    if ((off >> FS_BLOCK_BITS) == ((off + len - 1) >> FS_BLOCK_BITS)) {
      if (ps || pe)
        ret = ext4_block_zero_page_range (h, inode, off, len);
    } else {
      if (ps)
        ret = ext4_block_zero_page_range (h, inode, off, FS_BLOCK_SIZE);
      if (ret == 0 && pe)
        ret = ext4_block_zero_page_range (h, inode, off + len - pe, pe);
    }
  }
  if (ret == 0)
    ext4_update_inode_fsync_trans (h, inode, true);
  if (ret == 0 && (f->f_flags & O_DSYNC) && ext4_handle_valid (h))
    jbd_handle_set_sync (h->h_jh);    /* file->f_flags & O_SYNC */
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

/* The common start of collapse and insert: data=journal commits, every
 * dirty page from the offset's page on is written and waited for, and the
 * cached pages and extent status from there on go. */
static int
falloc_shift_prepare (struct fs_inode *inode, uint64_t off)
{
  struct fpfs *fs = inode->i_fs;
  uint32_t from = (uint32_t) (off >> FS_BLOCK_BITS);
  int ret = 0;

  if (ext4_should_journal_data (fs))
    ret = ext4_force_commit (fs);
  if (ret == 0 && VFS_I (inode)->i_mapping.a_nrpages)
    ret = filemap_write_and_wait_range (VFS_I (inode), LAST_BLOCK_BYTE (off),
                                        UINT64_MAX >> 1);
  if (ret < 0)
    return ret;
  falloc_forget_cached (inode, from, (uint32_t) FS_MAX_FILE_BLOCKS);
  return 0;
}

static int
ext4_collapse_range (struct fpfs_file *f, uint64_t off, uint64_t len)
{
  struct fs_inode *inode = f->f_inode;
  struct fpfs *fs = inode->i_fs;
  uint32_t punch_start = (uint32_t) (off >> FS_BLOCK_BITS);
  uint32_t punch_stop = (uint32_t) ((off + len) >> FS_BLOCK_BITS);
  handle_t *h;
  int ret, err;

  if ((off | len) & (FS_BLOCK_SIZE - 1))
    return -EINVAL;
  FS_TRACE (fs, "ext4_collapse_range", "dev %s ino %u offset %" PRIu64
            " len %" PRIu64, fs->s_devname, inode->i_ino, off, len);
  ret = falloc_shift_prepare (inode, off);
  if (ret < 0)
    return ret;
  /* Reaching EOF would be a truncate. */
  if (off + len >= inode->i_size)
    return -EINVAL;
  ret = ext4_journal_start (fs, "collapse_range", FALLOC_CREDITS, &h);
  if (ret < 0)
    return ret;
  ext4_discard_preallocations (inode);
  ret = ext4_ext_punch (h, inode, punch_start, punch_stop);
  if (ret == 0)
    ret = ext4_ext_shift (h, inode, punch_stop,
                          -(int64_t) (punch_stop - punch_start));
  if (ret == 0) {
    inode->i_size -= len;
    inode->i_disksize = inode->i_size;
    ext4_update_inode_fsync_trans (h, inode, true);
  }
  /* IS_SYNC (inode): never, as in ext4_punch_hole. */
  inode->i_mtime = inode->i_ctime = fs_current_time (fs);
  err = ext4_mark_inode_dirty (h, inode);
  if (!ret)
    ret = err;
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

static int
ext4_insert_range (struct fpfs_file *f, uint64_t off, uint64_t len)
{
  struct fs_inode *inode = f->f_inode;
  struct fpfs *fs = inode->i_fs;
  uint32_t offset_lblk = (uint32_t) (off >> FS_BLOCK_BITS);
  handle_t *h;
  int ret, err;

  if ((off | len) & (FS_BLOCK_SIZE - 1))
    return -EINVAL;
  FS_TRACE (fs, "ext4_insert_range", "dev %s ino %u offset %" PRIu64
            " len %" PRIu64, fs->s_devname, inode->i_ino, off, len);
  ret = falloc_shift_prepare (inode, off);
  if (ret < 0)
    return ret;
  if (inode->i_size + len > (FS_MAX_FILE_BLOCKS << FS_BLOCK_BITS))
    return -EFBIG;
  if (off >= inode->i_size)
    return -EINVAL;
  ret = ext4_journal_start (fs, "insert_range", FALLOC_CREDITS, &h);
  if (ret < 0)
    return ret;
  /* Expand the file first, so that an error while shifting loses nothing. */
  inode->i_size += len;
  inode->i_disksize += len;
  inode->i_mtime = inode->i_ctime = fs_current_time (fs);
  ret = ext4_mark_inode_dirty (h, inode);
  ext4_discard_preallocations (inode);
  if (ret == 0)
    ret = ext4_ext_split_at (h, inode, offset_lblk);
  if (ret == 0)
    ret = ext4_ext_shift (h, inode, offset_lblk,
                          (int64_t) (len >> FS_BLOCK_BITS));
  if (ret == 0)
    ext4_update_inode_fsync_trans (h, inode, true);
  /* IS_SYNC (inode): never, as in ext4_punch_hole. */
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

int
ext4_fallocate (struct fpfs_file *f, int mode, uint64_t off, uint64_t len)
{
  struct fs_inode *inode = f->f_inode;
  struct fpfs *fs = inode->i_fs;
  uint64_t new_size = 0, end;
  uint32_t lblk, max_blocks;
  unsigned flags = EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT;
  int ret;

  if (mode & ~(FPFS_FALLOC_FL_KEEP_SIZE | FPFS_FALLOC_FL_PUNCH_HOLE
               | FPFS_FALLOC_FL_COLLAPSE_RANGE | FPFS_FALLOC_FL_ZERO_RANGE
               | FPFS_FALLOC_FL_INSERT_RANGE))
    return -EOPNOTSUPP;
  if (mode & FPFS_FALLOC_FL_PUNCH_HOLE)
    return ext4_punch_hole (f, off, len);
  if (mode & FPFS_FALLOC_FL_COLLAPSE_RANGE)
    return ext4_collapse_range (f, off, len);
  if (mode & FPFS_FALLOC_FL_INSERT_RANGE)
    return ext4_insert_range (f, off, len);
  if (mode & FPFS_FALLOC_FL_ZERO_RANGE)
    return ext4_zero_range (f, off, len, mode);
  FS_TRACE (fs, "ext4_fallocate_enter", "dev %s ino %u offset %" PRIu64
            " len %" PRIu64 " mode %d", fs->s_devname, inode->i_ino, off, len,
            mode);
  lblk = (uint32_t) (off >> FS_BLOCK_BITS);
  end = (off + len + FS_BLOCK_SIZE - 1) >> FS_BLOCK_BITS;
  max_blocks = (uint32_t) (end - lblk);
  if (!(mode & FPFS_FALLOC_FL_KEEP_SIZE)
      && (off + len > inode->i_size || off + len > inode->i_disksize))
    new_size = off + len;
  ret = ext4_alloc_file_blocks (inode, lblk, max_blocks, new_size, flags);
  /* file->f_flags & O_SYNC (any O_DSYNC bit): wait for the transaction. */
  if (ret == 0 && (f->f_flags & O_DSYNC) && fs->s_journal)
    ret = jbd_complete_transaction (fs->s_journal, inode->i_sync_tid);
  FS_TRACE (fs, "ext4_fallocate_exit", "dev %s ino %u pos %" PRIu64
            " blocks %u ret %d", fs->s_devname, inode->i_ino, off, max_blocks,
            ret);
  return ret;
}
