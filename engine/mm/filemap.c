/* filemap: writing and waiting on a range of a file's pages
 * (mm/filemap.c __filemap_fdatawrite_range, filemap_fdatawait_range,
 * filemap_write_and_wait_range; mm/page-writeback.c do_writepages).
 *
 * do_writepages hands the work to the file system's writepages (ext4's
 * ext4_writepages), as a_ops->writepages does in the kernel.  I/O is
 * synchronous: a page is WRITEBACK only while its write is submitted, so
 * filemap_fdatawait_range finds nothing to wait for; it still walks the
 * WRITEBACK tag to assert that.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>

#include "mm.h"

int
do_writepages (struct inode *inode, struct writeback_control *wbc)
{
  if (wbc->nr_to_write <= 0)
    return 0;
  return inode->i_wb->wb_ops->writepages (inode, wbc);
}

int
__filemap_fdatawrite_range (struct inode *inode, uint64_t start,
                            uint64_t end, enum wb_sync_mode mode)
{
  struct writeback_control wbc = {
    .sync_mode = mode, .nr_to_write = LONG_MAX,
    .range_start = start, .range_end = end,
  };
  return do_writepages (inode, &wbc);
}

int
filemap_fdatawait_range (struct inode *inode, uint64_t start, uint64_t end)
{
  uint32_t index = (uint32_t) (start >> MM_PAGE_SHIFT);
  uint32_t last = (end >> MM_PAGE_SHIFT) > UINT32_MAX ? UINT32_MAX
    : (uint32_t) (end >> MM_PAGE_SHIFT);
  struct page *v[16];
  unsigned n;

  /* Synchronous I/O: nothing can still be under writeback. */
  n = pc_lookup_tag (inode, &index, last, PC_TAG_WRITEBACK, v, 16);
  assert (n == 0);
  (void) n;
  return 0;
}

int
filemap_write_and_wait_range (struct inode *inode, uint64_t start,
                              uint64_t end)
{
  int err = 0;

  if (inode->i_mapping.a_nrpages) {
    err = __filemap_fdatawrite_range (inode, start, end, WB_SYNC_ALL);
    if (err != -EIO) {
      int err2 = filemap_fdatawait_range (inode, start, end);
      if (!err)
        err = err2;
    }
  }
  return err;
}
