/* sync: sync_filesystem, the two passes of sync(2) and syncfs(2), and
 * vfs_fsync_range (fs/sync.c).  The passes are Linux 4.10's
 * sync_filesystem (each __sync_filesystem writes the inodes, calls
 * sync_fs, then writes the block device), not the older order seed 003
 * draws (sync_inodes(0), sync_supers, sync_filesystems(0) and (1), then
 * sync_inodes(1)):
 *
 *   pass 1 (wait = 0): writeback_inodes_sb (WB_SYNC_NONE: start writing
 *     every dirty inode's pages; write_inode does not wait), ext4_sync_fs
 *     (0) (start a commit), and the block device's dirty buffers;
 *   pass 2 (wait = 1): sync_inodes_sb (WB_SYNC_ALL: write what is still
 *     dirty, including what pass 1 dirtied, and wait), ext4_sync_fs (1)
 *     (commit and wait, FLUSH if no commit will), the block device again.
 *   Then one FLUSH: it orders every in-place write of both passes (nojournal
 *   metadata, checkpointed journal buffers) before sync returns, so that
 *   sync covers everything written before it, journal or not.
 */
#include <errno.h>

#include "vfs.h"

static int
__sync_filesystem (struct fpfs *fs, int wait)
{
  int ret, err;

  if (wait)
    ret = writeback_inodes_sb (&fs->s_wb, WB_SYNC_ALL, true);  /* sync_inodes_sb */
  else
    ret = writeback_inodes_sb (&fs->s_wb, WB_SYNC_NONE, true);
  err = ext4_sync_fs (fs, wait);
  if (!ret)
    ret = err;
  err = buf_write_dirty (fs->s_bc, UINT64_MAX);             /* __sync_blockdev */
  if (!ret)
    ret = err;
  return ret;
}

int
sync_filesystem (struct fpfs *fs)
{
  int ret, err;

  ext4_check_journal_abort (fs);
  if (fs->s_ro)
    return fs->s_aborted ? -EROFS : 0;
  ret = __sync_filesystem (fs, 0);
  err = __sync_filesystem (fs, 1);
  if (!ret)
    ret = err;
  if (fs->s_opts.barrier) {
    /* Orders both passes' in-place metadata writes before we return. */
    err = blkdev_issue_flush (fs, "sync_filesystem");
    if (!ret)
      ret = err;
  }
  return ret;
}

/* vfs_fsync_range: fsync (not fdatasync) of an inode whose timestamps are
 * dirty only in memory (lazytime's I_DIRTY_TIME) first makes them a real
 * inode change (mark_inode_dirty_sync -> ext4_dirty_inode), then
 * ext4_sync_file. */
int
vfs_fsync_range (struct fpfs_file *f, uint64_t start, uint64_t end,
                 int datasync)
{
  struct fs_inode *inode = f->f_inode;

  if (!datasync && (inode->vfs_inode.i_state & I_DIRTY_TIME)) {
    inode->vfs_inode.i_state &= ~I_DIRTY_TIME;
    mark_inode_dirty_sync (VFS_I (inode));
  }
  return ext4_sync_file (f, start, end, datasync);
}
