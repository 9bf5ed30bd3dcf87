/* da: buffered writes and reads through the page cache, with delayed
 * allocation (fs/ext4/inode.c: ext4_da_write_begin, ext4_da_write_end,
 * ext4_da_reserve_space; mm/filemap.c: generic_perform_write).
 *
 * A write copies into page-cache pages and allocates nothing: each newly
 * dirtied block that is not mapped yet reserves one block
 * (ext4_da_reserve_space, which is where ENOSPC comes from) and is recorded
 * DELAYED in the extent status cache.  Writeback (writeback.c) allocates
 * later and claims the reservations.  i_size moves at once; i_disksize only
 * where the written block is already allocated.
 *
 * Per page, as generic_perform_write: ext4_da_write_begin (start a handle,
 * read the page if the write is partial, map or reserve its block), copy,
 * ext4_da_write_end (i_disksize for mapped blocks, set_page_dirty, i_size,
 * mark_inode_dirty when the size grew, stop the handle), then
 * balance_dirty_pages.  The mtime/ctime update comes first
 * (file_update_time, in inode.c).
 *
 * Reads: pages not cached are read in runs of up to READ_BATCH contiguous
 * blocks, holes, unwritten (fallocated) and delayed blocks read as zeroes (noatime: reads never
 * dirty anything).
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ext4.h"

#define READ_BATCH 32u

int
ext4_claim_free_blocks (struct fpfs *fs, uint64_t n, bool metadata)
{
  uint64_t avail = fs->s_free_blocks + fs->s_pa_free;

  avail = avail > fs->s_dirty_blocks ? avail - fs->s_dirty_blocks : 0;
  if (!metadata)      /* s_resv_clusters: kept for extent-tree growth */
    avail = avail > fs->s_resv_blocks ? avail - fs->s_resv_blocks : 0;
  return avail >= n ? 0 : -ENOSPC;
}

int
ext4_da_reserve_space (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  int ret = ext4_claim_free_blocks (fs, 1, false);

  FS_TRACE (fs, "ext4_da_reserve_space", "dev %s ino %u reserved_data_blocks "
            "%u ret %d", fs->s_devname, inode->i_ino,
            inode->i_reserved_data_blocks, ret);
  if (ret < 0)
    return ret;
  fs->s_dirty_blocks++;
  inode->i_reserved_data_blocks++;
  return 0;
}

static void
da_release (struct fs_inode *inode, uint32_t n)
{
  struct fpfs *fs = inode->i_fs;

  assert (n <= inode->i_reserved_data_blocks && n <= fs->s_dirty_blocks);
  inode->i_reserved_data_blocks -= n;
  fs->s_dirty_blocks -= n;
}

void
ext4_da_release_space (struct fs_inode *inode, uint32_t n)
{
  if (n == 0)
    return;
  FS_TRACE (inode->i_fs, "ext4_da_release_space", "dev %s ino %u "
            "freed_blocks %u reserved_data_blocks %u", inode->i_fs->s_devname,
            inode->i_ino, n, inode->i_reserved_data_blocks);
  da_release (inode, n);
}

void
ext4_da_update_reserve_space (struct fs_inode *inode, uint32_t used)
{
  FS_TRACE (inode->i_fs, "ext4_da_update_reserve_space", "dev %s ino %u "
            "used_blocks %u reserved_data_blocks %u", inode->i_fs->s_devname,
            inode->i_ino, used, inode->i_reserved_data_blocks);
  da_release (inode, used);
}

/* Read pages [index, index + nr) that are not uptodate. */
static int
ext4_read_pages (struct fs_inode *inode, uint32_t index, uint32_t nr)
{
  struct fpfs *fs = inode->i_fs;
  uint8_t *tmp = NULL;
  int ret = 0;

  while (nr > 0 && !ret) {
    struct ext4_map_blocks map = { .m_lblk = index,
                                   .m_len = nr < READ_BATCH ? nr : READ_BATCH };
    int m = ext4_map_blocks (NULL, inode, &map, 0);
    uint32_t n;

    if (m < 0) {
      ret = m;
      break;
    }
    n = map.m_len;
    if (m > 0) {
      if (tmp == NULL
          && (tmp = malloc ((size_t) READ_BATCH * FS_BLOCK_SIZE)) == NULL) {
        ret = -ENOMEM;
        break;
      }
      ret = fpfs_bdev_read (fs->s_bdev, tmp, map.m_pblk * FS_BLOCK_SIZE,
                            (size_t) n * FS_BLOCK_SIZE);
      if (ret < 0) {
        /* A sector the device cannot read: the read fails with EIO, and
         * no page of the batch becomes uptodate (a later read retries). */
        ret = fs_io_error (ret);
        break;
      }
    }
    for (uint32_t i = 0; i < n && !ret; i++) {
      struct page *pg;
      ret = pc_grab_page (VFS_I (inode), index + i, &pg);
      if (ret < 0 || (pg->pg_flags & PG_UPTODATE))
        continue;
      if (m > 0) {
        memcpy (pg->pg_data, tmp + (size_t) i * FS_BLOCK_SIZE, FS_BLOCK_SIZE);
        pg->pg_flags |= PG_MAPPED;
        pg->pg_pblk = map.m_pblk + i;
      } else
        memset (pg->pg_data, 0, FS_BLOCK_SIZE);
      /* Bytes past EOF read as zeroes, whatever the block holds. */
      {
        uint64_t start = (uint64_t) (index + i) << FS_BLOCK_BITS;
        if (start + FS_BLOCK_SIZE > inode->i_size)
          memset (pg->pg_data + (inode->i_size > start ? inode->i_size - start : 0),
                  0, FS_BLOCK_SIZE - (inode->i_size > start
                                      ? inode->i_size - start : 0));
      }
      pc_mark_uptodate (pg);
    }
    index += n;
    nr -= n;
  }
  free (tmp);
  return ret;
}

int
ext4_read_page (struct fs_inode *inode, struct page *pg)
{
  return ext4_read_pages (inode, pg->pg_index, 1);
}

ssize_t
ext4_file_read (struct fs_inode *inode, uint8_t *buf, size_t len, uint64_t pos)
{
  size_t done = 0;

  if (pos >= inode->i_size)
    return 0;
  if (len > inode->i_size - pos)
    len = (size_t) (inode->i_size - pos);
  if (ext4_should_journal_data (inode->i_fs))
    return ext4_journalled_read (inode, buf, len, pos);
  while (done < len) {
    uint32_t index = (uint32_t) (pos >> FS_BLOCK_BITS);
    size_t off = pos & (FS_BLOCK_SIZE - 1);
    size_t n = FS_BLOCK_SIZE - off < len - done ? FS_BLOCK_SIZE - off : len - done;
    struct page *pg = pc_find_page (VFS_I (inode), index);

    if (pg == NULL || !(pg->pg_flags & PG_UPTODATE)) {
      uint64_t last = (pos + (len - done) - 1) >> FS_BLOCK_BITS;
      int ret = ext4_read_pages (inode, index, (uint32_t) (last - index + 1));
      if (ret < 0)
        return done ? (ssize_t) done : ret;
      pg = pc_find_page (VFS_I (inode), index);
      assert (pg && (pg->pg_flags & PG_UPTODATE));
    }
    memcpy (buf + done, pg->pg_data + off, n);
    done += n;
    pos += n;
  }
  pc_shrink (&inode->i_fs->s_wb);
  return (ssize_t) done;
}

/* Bug unwritten-convert-early: the write converts the unwritten block it
 * lands on right away, in the write's handle, and maps the page as written.
 * Nothing orders the data against that transaction (NO_ORDER), and the
 * page stays dirty until writeback: any commit before it exposes the
 * block's old contents.  Linux 4.10 converts only when writeback maps the
 * block for the I/O (mpage_map_one_extent), with the data ordered. */
static int
da_convert_early (struct fs_inode *inode, struct page *pg, handle_t *h)
{
  struct ext4_map_blocks map = { .m_lblk = pg->pg_index, .m_len = 1 };
  int ret = ext4_map_blocks (h, inode, &map, EXT4_GET_BLOCKS_CREATE
                             | EXT4_GET_BLOCKS_NO_ORDER);

  if (ret < 0)
    return ret;
  assert (ret == 1 && (map.m_flags & EXT4_MAP_MAPPED));
  pg->pg_flags |= PG_MAPPED;
  pg->pg_pblk = map.m_pblk;
  return 0;
}

/* ext4_da_map_blocks via ext4_da_get_block_prep: map the page's block, or
 * reserve it and record it DELAYED.  An unwritten block is allocated
 * already: no reservation; the page is marked unwritten (set_buffer_new,
 * set_buffer_unwritten) and writeback converts it.  h is the buffered
 * write's handle, or NULL from the write fault (ext4_page_mkwrite's
 * delalloc branch runs block_page_mkwrite without one); the early
 * conversion of bug unwritten-convert-early is the buffered write's only. */
int
ext4_da_get_block_prep (struct fs_inode *inode, struct page *pg, handle_t *h)
{
  struct ext4_map_blocks map = { .m_lblk = pg->pg_index, .m_len = 1 };
  int ret;

  if (pg->pg_flags & (PG_MAPPED | PG_DELAY | PG_UNWRITTEN))
    return 0;
  ret = ext4_map_blocks (NULL, inode, &map, 0);
  if (ret < 0)
    return ret;
  if (ret > 0) {
    pg->pg_flags |= PG_MAPPED;
    pg->pg_pblk = map.m_pblk;
    return 0;
  }
  if (map.m_flags & EXT4_MAP_UNWRITTEN) {
    if (h != NULL && fs_bug (inode->i_fs, FPFS_BUG_UNWRITTEN_CONVERT_EARLY))
      return da_convert_early (inode, pg, h);
    pg->pg_flags |= PG_UNWRITTEN;
    pg->pg_pblk = map.m_pblk;
    return 0;
  }
  if (!(map.m_flags & EXT4_MAP_DELAYED)) {
    ret = ext4_da_reserve_space (inode);
    if (ret < 0)
      return ret;
    ret = ext4_es_insert_extent (inode, pg->pg_index, 1, 0, ES_DELAYED);
    if (ret < 0) {
      ext4_da_release_space (inode, 1);
      return ret;
    }
  }
  pg->pg_flags |= PG_DELAY;
  return 0;
}

static int
ext4_da_write_begin (struct fs_inode *inode, uint64_t pos, size_t len,
                     struct page **pgp, handle_t **hp, bool *created)
{
  struct fpfs *fs = inode->i_fs;
  uint32_t index = (uint32_t) (pos >> FS_BLOCK_BITS);
  size_t off = pos & (FS_BLOCK_SIZE - 1);
  struct page *pg;
  int ret;

  FS_TRACE (fs, "ext4_da_write_begin", "dev %s ino %u pos %" PRIu64 " len %zu",
            fs->s_devname, inode->i_ino, pos, len);
  *created = pc_find_page (VFS_I (inode), index) == NULL;
  ret = pc_grab_page (VFS_I (inode), index, &pg);
  if (ret < 0)
    return ret;
  /* ext4_da_write_credits: the inode block (i_disksize may move); the
   * early conversion of bug unwritten-convert-early may split extents. */
  ret = ext4_journal_start (fs, "write_begin",
                            fs_bug (fs, FPFS_BUG_UNWRITTEN_CONVERT_EARLY)
                            ? 2 * ext4_ext_calc_credits (inode) : 2, hp);
  if (ret < 0)
    goto fail;
  if (!(pg->pg_flags & PG_UPTODATE)) {
    if ((off == 0 && len == FS_BLOCK_SIZE)
        || ((uint64_t) index << FS_BLOCK_BITS) >= inode->i_size) {
      memset (pg->pg_data, 0, FS_BLOCK_SIZE);
      pc_mark_uptodate (pg);
    } else {
      ret = ext4_read_page (inode, pg);
      if (ret < 0)
        goto fail_stop;
    }
  }
  ret = ext4_da_get_block_prep (inode, pg, *hp);
  if (ret < 0)
    goto fail_stop;
  *pgp = pg;
  return 0;
fail_stop:
  ext4_journal_stop (*hp);
fail:
  if (*created && !(pg->pg_flags & PG_DIRTY))
    pc_delete_page (pg);
  return ret;
}

static int
ext4_da_write_end (struct fs_inode *inode, uint64_t pos, size_t copied,
                   struct page *pg, handle_t *h)
{
  uint64_t new_i_size = pos + copied;
  bool i_size_changed = false;
  int ret = 0, err;

  FS_TRACE (inode->i_fs, "ext4_da_write_end", "dev %s ino %u pos %" PRIu64
            " len %zu copied %zu", inode->i_fs->s_devname, inode->i_ino, pos,
            copied, copied);
  /* ext4_da_should_update_i_disksize: the block is allocated already. */
  if (new_i_size > inode->i_disksize && (pg->pg_flags & PG_MAPPED)
      && !(pg->pg_flags & PG_DELAY)) {
    ext4_update_i_disksize (inode, new_i_size);
    ret = ext4_mark_inode_dirty (h, inode);
  }
  /* generic_write_end */
  set_page_dirty (pg);
  if (new_i_size > inode->i_size) {
    inode->i_size = new_i_size;
    i_size_changed = true;
  }
  if (i_size_changed)
    mark_inode_dirty (VFS_I (inode));
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

ssize_t
ext4_file_write (struct fpfs_file *f, const uint8_t *buf, size_t len,
                 uint64_t pos)
{
  struct fs_inode *inode = f->f_inode;
  size_t done = 0;
  int ret = 0;

  while (done < len) {
    size_t off = pos & (FS_BLOCK_SIZE - 1);
    size_t n = FS_BLOCK_SIZE - off < len - done ? FS_BLOCK_SIZE - off : len - done;
    struct page *pg;
    handle_t *h;
    bool created;

    ret = ext4_da_write_begin (inode, pos, n, &pg, &h, &created);
    if (ret < 0)
      break;
    memcpy (pg->pg_data + off, buf + done, n);
    ret = ext4_da_write_end (inode, pos, n, pg, h);
    done += n;
    pos += n;
    if (ret < 0)
      break;
    balance_dirty_pages (&inode->i_fs->s_wb);
  }
  return done ? (ssize_t) done : ret;
}
