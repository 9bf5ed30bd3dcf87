/* sync: sync(2) and syncfs(2) (fs/sync.c, ext4_sync_fs), after seed 003's
 * two passes:
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

#include "fs.h"

int
ext4_sync_fs (struct fpfs *fs, int wait)
{
  bool needs_barrier = false;
  int ret = 0, err;

  FS_TRACE (fs, "ext4_sync_fs", "dev %s wait %d", fs->s_devname, wait);
  if (fs->s_journal) {
    tid_t target = jbd_running_tid (fs->s_journal);
    if (wait && fs->s_opts.barrier
        && !jbd_trans_will_send_data_barrier (fs->s_journal, target))
      needs_barrier = true;
    if (wait)
      ret = jbd_force_commit (fs->s_journal);
    else if (jbd_log_start_commit (fs->s_journal, target) < 0)
      ret = -EIO;       /* 1 means "a commit was started": a boolean */
    if (jbd_journal_aborted (fs->s_journal)) {
      if (!fs->s_aborted)
        ext4_abort (fs, jbd_journal_errno (fs->s_journal), "commit failed");
      /* jbd2_log_wait_commit on an aborted journal: -EIO. */
      if (wait && !ret)
        ret = -EIO;
    }
  } else if (wait && fs->s_opts.barrier)
    needs_barrier = true;
  if (needs_barrier) {
    /* Orders the data the inode passes wrote before sync_fs returns. */
    err = blkdev_issue_flush (fs, "ext4_sync_fs");
    if (!ret)
      ret = err;
  }
  return ret;
}

static int
__sync_filesystem (struct fpfs *fs, int wait)
{
  int ret, err;

  if (wait)
    ret = writeback_inodes_sb (fs, WB_SYNC_ALL, true);      /* sync_inodes_sb */
  else
    ret = writeback_inodes_sb (fs, WB_SYNC_NONE, true);     /* writeback_inodes_sb */
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
