/* mmap: the file-system half of a store through a shared writable
 * mapping (fs/ext4/inode.c: ext4_filemap_fault, ext4_page_mkwrite;
 * fs/buffer.c: block_page_mkwrite), Linux 4.10.
 *
 * The memory-management half (which store faults, the pte made writable
 * afterwards) is vfs/mmap.c's, over mm/'s PG_WRITE_MAPPED bit.  A store
 * to a page whose pte is not writable runs, in this order:
 *
 *   ext4_filemap_fault     the page read in (filemap_fault), if not cached
 *   ext4_page_mkwrite      sb_start_pagefault (no freezing here: nothing);
 *                          file_update_time (mtime and ctime; in 4.10 it
 *                          dirties the inode, I_DIRTY_SYNC through
 *                          ext4_dirty_inode, or only I_DIRTY_TIME under
 *                          lazytime);
 *                          delalloc: block_page_mkwrite with
 *                          ext4_da_get_block_prep (retried on ENOSPC while
 *                          ext4_should_retry_alloc allows): the block is
 *                          mapped, reserved and DELAYED, or an unwritten
 *                          one marked for conversion at writeback;
 *                          set_page_dirty.
 *
 * Not ext4_da_write_begin / ext4_da_write_end on the page: that was the
 * fault before Linux 3.1 (commit 9ea7df534ed2, "ext4: Rewrite
 * ext4_page_mkwrite() to use generic helpers").  So, unlike a buffered
 * write (ext4_da_write_end), the fault changes neither i_size nor
 * i_disksize: block_page_mkwrite only dirties the buffers.  The
 * EOF page's bytes past i_size are zeroed when writeback writes the page
 * (ext4_io_submit, as block_write_full_page's zero_user_segment), so they
 * never reach the disk.
 *
 * data=journal (ext4_page_mkwrite's non-delalloc branch with
 * ext4_should_journal_data): the engine keeps journalled data in the
 * buffer cache, not in pages, so there is no page to leave writable: each
 * store is the fault (file_update_time, ext4_get_block allocating in a
 * handle, the block's buffer taken with write access) and its copy,
 * journalled in the running transaction (ext4_journalled_write; FIDELITY.md
 * says what differs from 4.10, which journals the page again at
 * writepage).
 *
 * The engine has no nodelalloc mount option and no ext4_nonda_switch, so
 * block_page_mkwrite with ext4_get_block (allocation at fault time) is
 * never the path for data=ordered, data=writeback or nojournal.
 */
#include <assert.h>
#include <errno.h>

#include "ext4.h"

int
ext4_filemap_fault (struct fs_inode *inode, uint32_t index, struct page **out)
{
  struct page *pg;
  bool created = pc_find_page (VFS_I (inode), index) == NULL;
  int ret;

  assert (!ext4_should_journal_data (inode->i_fs));
  ret = pc_grab_page (VFS_I (inode), index, &pg);
  if (ret < 0)
    return ret;
  if (!(pg->pg_flags & PG_UPTODATE)) {
    /* filemap_fault -> ext4_readpage; a failed read is the fault's
     * VM_FAULT_SIGBUS, and the empty page goes again. */
    ret = ext4_read_page (inode, pg);
    if (ret < 0) {
      if (created && !(pg->pg_flags & PG_DIRTY))
        pc_delete_page (pg);
      return ret;
    }
  }
  *out = pg;
  return 0;
}

/* block_page_mkwrite (fs/buffer.c) with ext4_da_get_block_prep. */
static int
block_page_mkwrite (struct fs_inode *inode, struct page *pg)
{
  uint64_t start = (uint64_t) pg->pg_index << FS_BLOCK_BITS;
  int ret;

  /* "We overload EFAULT to mean page got truncated" */
  if (start > inode->i_size)
    return -EFAULT;
  /* __block_write_begin over [0, end): one block per page, so the page's
   * block, whether the page is whole or the EOF page. */
  ret = ext4_da_get_block_prep (inode, pg, NULL);
  if (ret < 0)
    return ret;
  /* block_commit_write marks the buffer dirty, then set_page_dirty; the
   * inode joins b_dirty with I_DIRTY_PAGES. */
  set_page_dirty (pg);
  return 0;
}

int
ext4_page_mkwrite (struct fs_inode *inode, struct page *pg)
{
  struct fpfs *fs = inode->i_fs;
  int ret, retries = 0;

  assert (!ext4_should_journal_data (fs));
  assert (pg->pg_flags & PG_UPTODATE);
  file_update_time (inode);
  /* The delalloc branch: the handle, when a reservation needs one, is
   * ext4_da_reserve_space's own business; block_page_mkwrite takes none. */
  do {
    ret = block_page_mkwrite (inode, pg);
  } while (ret == -ENOSPC && ext4_should_retry_alloc (fs, &retries));
  return ret;
}

int
ext4_journalled_page_store (struct fs_inode *inode, const uint8_t *buf,
                            size_t len, uint64_t pos)
{
  ssize_t n;

  assert (ext4_should_journal_data (inode->i_fs));
  assert (len > 0 && (pos & (FS_BLOCK_SIZE - 1)) + len <= FS_BLOCK_SIZE);
  if (pos > inode->i_size)
    return -EFAULT;
  file_update_time (inode);
  /* ext4_journal_start (EXT4_HT_WRITE_PAGE), block_page_mkwrite with
   * ext4_get_block (allocating), do_journal_get_write_access, and the
   * copy, journalled: ext4_journalled_write does all of it in one handle
   * and retries ENOSPC as ext4_page_mkwrite's retry_alloc does. */
  n = ext4_journalled_write (inode, buf, len, pos);
  if (n < 0)
    return (int) n;
  return (size_t) n == len ? 0 : -EIO;
}
