/* fsync: ext4_sync_file (fs/ext4/fsync.c) as seed 004 walks it for Linux
 * 4.10, and ext4_sync_fs (fs/ext4/super.c), which sync_filesystem calls.
 * (vfs_fsync_range, which calls ext4_sync_file, is in vfs/sync.c.)
 *
 *   ext4_sync_file:
 *     read-only fs: 0, or -EROFS if it went read-only by aborting;
 *     nojournal: __generic_file_fsync (write and wait the data, the
 *       inode's metadata buffers, the inode itself), ext4_sync_parent
 *       (the directories holding new entries), then a FLUSH;
 *     data=journal: ext4_force_commit (the data is in the journal);
 *     otherwise: filemap_write_and_wait_range, then commit_tid =
 *       datasync ? i_datasync_tid : i_sync_tid, needs_barrier = barrier &&
 *       !jbd_trans_will_send_data_barrier (a commit still to run will FLUSH
 *       before its commit block anyway), jbd_complete_transaction (commit
 *       and wait, or nothing if that tid already committed), and the FLUSH
 *       if needed (it orders the data written above, which no commit did).
 *
 * Errors follow errseq (Linux >= 4.13, and >= 4.17 for files opened after
 * an error nobody has seen): data write errors are not returned by the
 * writeback itself but reported once to each open file, at the end
 * (file_check_and_advance_wb_err).  A failed FLUSH, ours or the commit's
 * (which aborts the journal), makes fsync fail with -EIO.  ERRORS.md.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>

#include "ext4.h"

/* A failed FLUSH is returned to the caller (fsync, sync) as -EIO: nothing
 * the flush was to order is known to be durable. */
int
blkdev_issue_flush (struct fpfs *fs, const char *why)
{
  int ret;

  FS_TRACE (fs, "blkdev_issue_flush", "dev %s caller %s", fs->s_devname, why);
  ret = fpfs_bdev_flush (fs->s_bdev);
  return ret < 0 ? fs_io_error (ret) : 0;
}

int
ext4_force_commit (struct fpfs *fs)
{
  if (fs->s_journal == NULL)
    return 0;
  return jbd_force_commit (fs->s_journal);
}

/* sync_inode_metadata (inode, wait = 1) */
static int
sync_inode_metadata (struct fs_inode *inode)
{
  struct writeback_control wbc = {
    .sync_mode = WB_SYNC_ALL, .nr_to_write = 0,   /* metadata only */
    .range_end = UINT64_MAX,
  };
  return writeback_single_inode (VFS_I (inode), &wbc);
}

static int
__generic_file_fsync (struct fs_inode *inode, uint64_t start, uint64_t end,
                      int datasync)
{
  int ret, err;

  err = filemap_write_and_wait_range (VFS_I (inode), start, end);
  if (err)
    return err;
  ret = sync_mapping_buffers (inode);
  if (!(inode->vfs_inode.i_state & I_DIRTY_ALL))
    return ret;
  if (datasync && !(inode->vfs_inode.i_state & I_DIRTY_DATASYNC))
    return ret;
  err = sync_inode_metadata (inode);
  return ret ? ret : err;
}

/* ext4_sync_parent: without a journal a new file's directory entry is only
 * durable once its directory is written; so are the directory's own
 * entry's, up the chain of freshly created directories. */
static int
ext4_sync_parent (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  int ret = 0;

  if (!(inode->i_ext4_state & EXT4_STATE_NEWENTRY))
    return 0;
  ext4_ihold (inode);
  for (uint32_t steps = 0; (inode->i_ext4_state & EXT4_STATE_NEWENTRY)
       && steps < fs->s_geo.inodes_count; steps++) {
    struct fs_inode *next;
    inode->i_ext4_state &= ~EXT4_STATE_NEWENTRY;
    if (inode->i_parent == 0 || inode->i_parent == inode->i_ino)
      break;
    ret = ext4_iget (fs, inode->i_parent, &next);
    if (ret < 0)
      break;
    iput (inode);
    inode = next;
    ret = sync_mapping_buffers (inode);
    if (ret)
      break;
    ret = sync_inode_metadata (inode);
    if (ret)
      break;
  }
  iput (inode);
  return ret;
}

int
ext4_sync_file (struct fpfs_file *f, uint64_t start, uint64_t end,
                int datasync)
{
  struct fs_inode *inode = f->f_inode;
  struct fpfs *fs = inode->i_fs;
  struct journal *journal = fs->s_journal;
  bool needs_barrier = false;
  tid_t commit_tid;
  int ret = 0, err;

  assert (fs->s_handle.h_ref == 0);          /* no handle open by us */
  FS_TRACE (fs, "ext4_sync_file_enter", "dev %s ino %u parent %u datasync %d",
            fs->s_devname, inode->i_ino, inode->i_parent, datasync);
  ext4_check_journal_abort (fs);
  if (fs->s_ro) {
    if (fs->s_aborted)
      ret = -EROFS;
    goto out;
  }
  if (journal == NULL) {
    ret = __generic_file_fsync (inode, start, end, datasync);
    if (!ret && !fs_bug (fs, FPFS_BUG_NOJOURNAL_NO_PARENT_SYNC))
      ret = ext4_sync_parent (inode);
    if (fs->s_opts.barrier)
      goto issue_flush;
    goto out;
  }
  ret = filemap_write_and_wait_range (VFS_I (inode), start, end);
  if (ret)
    goto out;
  /* data=journal: the data sits in the journal with the metadata; a
   * commit makes both durable.  ext4_should_journal_data(inode) is per
   * inode in 4.10 and true for every directory, so fsync and fdatasync of
   * a directory force a commit (seen on this machine's ext4: fdatasync of
   * a directory writes a transaction and its commit block). */
  if (ext4_inode_journals_data (inode)) {
    ret = ext4_force_commit (fs);
    ext4_check_journal_abort (fs);
    goto out;
  }
  commit_tid = datasync ? inode->i_datasync_tid : inode->i_sync_tid;
  if (!datasync && fs_bug (fs, FPFS_BUG_FSYNC_SKIP_TIME_ONLY))
    /* The bug: only the last non-timestamp change is waited for. */
    commit_tid = tid_gt (inode->i_meta_tid, inode->i_datasync_tid)
      ? inode->i_meta_tid : inode->i_datasync_tid;
  if (fs->s_opts.barrier
      && !jbd_trans_will_send_data_barrier (journal, commit_tid))
    needs_barrier = true;
  ret = jbd_complete_transaction (journal, commit_tid);
  if (jbd_journal_aborted (journal) && !fs->s_aborted)
    ext4_abort (fs, jbd_journal_errno (journal), "commit failed");
  if (needs_barrier) {
issue_flush:
    /* Orders the data written above (and, nojournal, the inode and parent
     * blocks) before fsync returns: no commit FLUSH will cover them. */
    err = blkdev_issue_flush (fs, "ext4_sync_file");
    if (!ret)
      ret = err;
  }
out:
  err = errseq_check_and_advance (&VFS_I (inode)->i_mapping.a_wb_err,
                                  &f->f_wb_err);
  if (!ret)
    ret = err;
  FS_TRACE (fs, "ext4_sync_file_exit", "dev %s ino %u ret %d", fs->s_devname,
            inode->i_ino, ret);
  return ret;
}

/* ext4_sync_fs (fs/ext4/super.c), sync_filesystem's per-fs hook: start
 * (wait 0) or force (wait 1) a commit; a FLUSH when no commit will send
 * one. */
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
