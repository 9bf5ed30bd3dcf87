/* flusher: background writeback and dirty throttling (fs/fs-writeback.c,
 * mm/page-writeback.c), on the virtual clock.
 *
 * Dirty inodes sit on b_dirty in the order they were first dirtied
 * (dirtied_when); inodes dirty only in their timestamps (lazytime) sit on
 * b_dirty_time.  The flusher is one sched timer, armed
 * dirty_writeback_interval (5 s) after the first inode gets dirty
 * (wb_wakeup_delayed).  When it fires (wb_workfn -> wb_do_writeback):
 *   - kupdate: every inode dirtied more than dirty_expire_interval (30 s)
 *     ago is written back, WB_SYNC_NONE (writeback_single_inode);
 *     lazytime inodes after dirtytime_expire_interval (12 h);
 *   - background: while dirty pages exceed the background threshold, the
 *     oldest inodes are written;
 *   - metadata that expired: nojournal, dirty buffers written in place;
 *     with a journal, committed buffers checkpointed (jbd_checkpoint);
 *   - re-armed 5 s later while anything is dirty.
 * balance_dirty_pages runs after each page a write dirties: above the dirty
 * limit the writer itself writes back (WB_SYNC_NONE) down to half of it,
 * so memory stays bounded however large the file.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "fs.h"

#define DIRTY_WRITEBACK_INTERVAL_NS (5ull * FPFS_NSEC_PER_SEC)
#define DIRTY_EXPIRE_INTERVAL_NS    (30ull * FPFS_NSEC_PER_SEC)
#define DIRTYTIME_EXPIRE_INTERVAL_NS (12ull * 3600 * FPFS_NSEC_PER_SEC)

static void
io_list_unlink (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  struct fs_inode **head, **tail;

  if (inode->i_io_list == 0)
    return;
  head = inode->i_io_list == 1 ? &fs->s_dirty_head : &fs->s_dtime_head;
  tail = inode->i_io_list == 1 ? &fs->s_dirty_tail : &fs->s_dtime_tail;
  if (inode->i_io_prev)
    inode->i_io_prev->i_io_next = inode->i_io_next;
  else
    *head = inode->i_io_next;
  if (inode->i_io_next)
    inode->i_io_next->i_io_prev = inode->i_io_prev;
  else
    *tail = inode->i_io_prev;
  inode->i_io_prev = inode->i_io_next = NULL;
  inode->i_io_list = 0;
}

void
inode_io_list_del (struct fs_inode *inode)
{
  io_list_unlink (inode);
}

/* Append to b_dirty (which == 1) or b_dirty_time (which == 2). */
static void
io_list_append (struct fs_inode *inode, int which)
{
  struct fpfs *fs = inode->i_fs;
  struct fs_inode **head = which == 1 ? &fs->s_dirty_head : &fs->s_dtime_head;
  struct fs_inode **tail = which == 1 ? &fs->s_dirty_tail : &fs->s_dtime_tail;

  io_list_unlink (inode);
  inode->i_io_list = which;
  inode->i_io_next = NULL;
  inode->i_io_prev = *tail;
  if (*tail)
    (*tail)->i_io_next = inode;
  else
    *head = inode;
  *tail = inode;
}

/* inode_io_list_move_locked: to the tail of b_dirty or b_dirty_time. */
void
inode_io_list_add (struct fs_inode *inode)
{
  io_list_append (inode,
                  (inode->i_state & (I_DIRTY_INODE | I_DIRTY_PAGES)) ? 1 : 2);
}

void
wb_wakeup_delayed (struct fpfs *fs)
{
  if (fs->s_flusher_armed)
    return;
  fs->s_flusher_armed = true;
  sched_timer_arm (fs->s_sched, &fs->s_flusher,
                   fs_now (fs) + DIRTY_WRITEBACK_INTERVAL_NS);
}

int
writeback_single_inode (struct fs_inode *inode, struct writeback_control *wbc)
{
  unsigned dirty;
  int ret = 0;

  if (inode->i_state & I_DIRTY_PAGES || pc_mapping_tagged (inode, PC_TAG_DIRTY))
    ret = do_writepages (inode, wbc);
  if (wbc->sync_mode == WB_SYNC_ALL) {
    int err = filemap_fdatawait_range (inode, 0, UINT64_MAX);
    if (!ret)
      ret = err;
  }
  /* Timestamps dirty under lazytime go out for sync, or when old. */
  if ((inode->i_state & I_DIRTY_TIME)
      && (wbc->sync_mode == WB_SYNC_ALL || wbc->for_sync
          || fs_now (inode->i_fs) >= inode->dirtied_time_when
             + DIRTYTIME_EXPIRE_INTERVAL_NS)) {
    FS_TRACE (inode->i_fs, "writeback_lazytime", "dev %s ino %u",
              inode->i_fs->s_devname, inode->i_ino);
    mark_inode_dirty_sync (inode);
  }
  dirty = inode->i_state & I_DIRTY;
  inode->i_state &= ~dirty;
  if (pc_mapping_tagged (inode, PC_TAG_DIRTY))
    inode->i_state |= I_DIRTY_PAGES;
  /* Don't write the inode if only I_DIRTY_PAGES was set. */
  if (dirty & ~I_DIRTY_PAGES) {
    int err = ext4_write_inode (inode, wbc);
    if (!ret)
      ret = err;
  }
  /* requeue_inode */
  if (!(inode->i_state & I_DIRTY_ALL))
    io_list_unlink (inode);
  else if ((inode->i_state & I_DIRTY_ALL) == I_DIRTY_TIME
           && inode->i_io_list == 1)
    inode_io_list_add (inode);
  return ret;
}

/* Snapshot a list (writeback moves inodes around while we walk). */
static int
list_snapshot (struct fs_inode *head, struct fs_inode ***out, size_t *n)
{
  size_t k = 0, cap = 16;
  struct fs_inode **v = malloc (cap * sizeof *v);

  if (v == NULL)
    return -ENOMEM;
  for (struct fs_inode *i = head; i; i = i->i_io_next) {
    if (k == cap) {
      struct fs_inode **nv = realloc (v, 2 * cap * sizeof *v);
      if (nv == NULL) {
        free (v);
        return -ENOMEM;
      }
      v = nv;
      cap *= 2;
    }
    v[k++] = i;
  }
  for (size_t j = 0; j < k; j++)
    ext4_ihold (v[j]);
  *out = v;
  *n = k;
  return 0;
}

static void
list_snapshot_put (struct fs_inode **v, size_t n)
{
  for (size_t j = 0; j < n; j++)
    iput (v[j]);
  free (v);
}

/* writeback_inodes_sb / sync_inodes_sb: every dirty inode once. */
int
writeback_inodes_sb (struct fpfs *fs, enum wb_sync_mode mode, bool for_sync)
{
  struct fs_inode **v;
  size_t n;
  int ret;

  /* queue_io: for sync, lazytime inodes join the pass. */
  while (for_sync && fs->s_dtime_head)
    io_list_append (fs->s_dtime_head, 1);
  ret = list_snapshot (fs->s_dirty_head, &v, &n);
  if (ret < 0)
    return ret;
  for (size_t k = 0; k < n; k++) {
    struct writeback_control wbc = {
      .sync_mode = mode, .nr_to_write = LONG_MAX,
      .range_start = 0, .range_end = UINT64_MAX,
      .tagged_writepages = for_sync, .for_sync = for_sync,
    };
    int err = writeback_single_inode (v[k], &wbc);
    if (err && !ret)
      ret = err;
  }
  list_snapshot_put (v, n);
  return ret;
}

/* wb_writeback for kupdate and background work. */
static void
wb_writeback (struct fpfs *fs, bool kupdate, uint64_t expired)
{
  struct fs_inode **v;
  size_t n;

  if (list_snapshot (fs->s_dirty_head, &v, &n) < 0)
    return;
  for (size_t k = 0; k < n; k++) {
    struct writeback_control wbc = {
      .sync_mode = WB_SYNC_NONE, .nr_to_write = LONG_MAX,
      .range_cyclic = true, .range_end = UINT64_MAX,
      .for_kupdate = kupdate, .for_background = !kupdate,
    };
    if (kupdate && v[k]->dirtied_when > expired)
      break;                          /* b_dirty is in dirtied_when order */
    if (!kupdate && fs->s_nr_dirty <= fs->s_dirty_limit / 2)
      break;
    writeback_single_inode (v[k], &wbc);
  }
  list_snapshot_put (v, n);
}

static void
wb_workfn (void *arg)
{
  struct fpfs *fs = arg;
  uint64_t now = fs_now (fs);
  uint64_t expired = now > DIRTY_EXPIRE_INTERVAL_NS
    ? now - DIRTY_EXPIRE_INTERVAL_NS : 0;

  fs->s_flusher_armed = false;
  if (fs->s_in_writeback || fs->s_ro)
    return;
  fs->s_in_writeback = true;
  FS_TRACE (fs, "writeback_wake_background", "dev %s nr_dirty %llu",
            fs->s_devname, (unsigned long long) fs->s_nr_dirty);
  wb_writeback (fs, true, expired);                      /* kupdate */
  for (struct fs_inode *i = fs->s_dtime_head, *next; i; i = next) {
    next = i->i_io_next;
    if (now >= i->dirtied_time_when + DIRTYTIME_EXPIRE_INTERVAL_NS) {
      ext4_ihold (i);
      mark_inode_dirty_sync (i);
      iput (i);
    }
  }
  if (fs->s_nr_dirty > fs->s_dirty_limit / 2)
    wb_writeback (fs, false, 0);                         /* background */
  if (fs->s_journal)
    jbd_checkpoint (fs->s_journal, expired);
  else
    buf_write_dirty (fs->s_bc, expired);
  fs->s_in_writeback = false;
  pc_shrink (fs);
  if (fs->s_dirty_head || fs->s_dtime_head || buf_dirty_count (fs->s_bc))
    wb_wakeup_delayed (fs);
}

void
ext4_flusher_init (struct fpfs *fs)
{
  sched_timer_init (&fs->s_flusher, "flusher", wb_workfn, fs);
}

void
ext4_flusher_stop (struct fpfs *fs)
{
  sched_timer_cancel (fs->s_sched, &fs->s_flusher);
  fs->s_flusher_armed = false;
}

void
balance_dirty_pages (struct fpfs *fs)
{
  if (fs->s_nr_dirty > fs->s_dirty_limit && !fs->s_in_writeback) {
    FS_TRACE (fs, "balance_dirty_pages", "dev %s nr_dirty %llu limit %llu",
              fs->s_devname, (unsigned long long) fs->s_nr_dirty,
              (unsigned long long) fs->s_dirty_limit);
    fs->s_in_writeback = true;
    wb_writeback (fs, false, 0);
    fs->s_in_writeback = false;
  }
  pc_shrink (fs);
}
