/* flusher: inode dirty state, background writeback and dirty throttling
 * (fs/fs-writeback.c, mm/page-writeback.c), on the virtual clock.
 *
 * __mark_inode_dirty records I_DIRTY_* in i_state (after the file
 * system's dirty_inode hook) and queues the inode.  Dirty inodes sit on
 * b_dirty in the order they were first dirtied (dirtied_when); inodes dirty only in their timestamps (lazytime) sit on
 * b_dirty_time.  The flusher is one sched timer, armed
 * dirty_writeback_interval (5 s) after the first inode gets dirty
 * (wb_wakeup_delayed).  When it fires (wb_workfn -> wb_do_writeback):
 *   - kupdate: every inode dirtied more than dirty_expire_interval (30 s)
 *     ago is written back, WB_SYNC_NONE (writeback_single_inode);
 *     lazytime inodes after dirtytime_expire_interval (12 h);
 *   - background: while dirty pages exceed the background threshold, the
 *     oldest inodes are written;
 *   - metadata that expired: the file system's write_metadata (ext4:
 *     nojournal, dirty buffers written in place; with a journal,
 *     committed buffers checkpointed, jbd_checkpoint);
 *   - re-armed 5 s later while anything is dirty.
 * balance_dirty_pages runs after each page a write dirties: above the dirty
 * limit the writer itself writes back (WB_SYNC_NONE) down to half of it,
 * so memory stays bounded however large the file.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "mm.h"

#define DIRTY_WRITEBACK_INTERVAL_NS (5ull * FPFS_NSEC_PER_SEC)
#define DIRTY_EXPIRE_INTERVAL_NS    (30ull * FPFS_NSEC_PER_SEC)
#define DIRTYTIME_EXPIRE_INTERVAL_NS (12ull * 3600 * FPFS_NSEC_PER_SEC)

static void
io_list_unlink (struct inode *inode)
{
  struct bdi_writeback *wb = inode->i_wb;
  struct inode **head, **tail;

  if (inode->i_io_list == 0)
    return;
  head = inode->i_io_list == 1 ? &wb->b_dirty_head : &wb->b_dtime_head;
  tail = inode->i_io_list == 1 ? &wb->b_dirty_tail : &wb->b_dtime_tail;
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
inode_io_list_del (struct inode *inode)
{
  io_list_unlink (inode);
}

/* Append to b_dirty (which == 1) or b_dirty_time (which == 2). */
static void
io_list_append (struct inode *inode, int which)
{
  struct bdi_writeback *wb = inode->i_wb;
  struct inode **head = which == 1 ? &wb->b_dirty_head : &wb->b_dtime_head;
  struct inode **tail = which == 1 ? &wb->b_dirty_tail : &wb->b_dtime_tail;

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
inode_io_list_add (struct inode *inode)
{
  io_list_append (inode,
                  (inode->i_state & (I_DIRTY_INODE | I_DIRTY_PAGES)) ? 1 : 2);
}

void
wb_wakeup_delayed (struct bdi_writeback *wb)
{
  if (wb->wb_armed)
    return;
  wb->wb_armed = true;
  sched_timer_arm (wb->wb_sched, &wb->wb_timer,
                   sched_after (sched_now (wb->wb_sched),
                                DIRTY_WRITEBACK_INTERVAL_NS));
}

/* __mark_inode_dirty: the file system's dirty_inode hook (ext4_dirty_inode
 * journals the inode) unless only pages or timestamps under lazytime are
 * being dirtied, then the bookkeeping. */
void
__mark_inode_dirty (struct inode *inode, unsigned flags)
{
  if (flags & (I_DIRTY_SYNC | I_DIRTY_DATASYNC | I_DIRTY_TIME))
    inode->i_wb->wb_ops->dirty_inode (inode, flags);
  inode_mark_state (inode, flags);
}

/* The bookkeeping half of __mark_inode_dirty: i_state and the io lists. */
void
inode_mark_state (struct inode *inode, unsigned flags)
{
  struct bdi_writeback *wb = inode->i_wb;
  bool dirtytime, was_dirty;

  if (flags & I_DIRTY_INODE)
    flags &= ~I_DIRTY_TIME;
  dirtytime = (flags & I_DIRTY_TIME) != 0;
  /* Linux 4.10 also returns here when dirtytime and the inode is still
   * I_DIRTY_SYNC from an earlier, already committed change: the new
   * timestamps then sit in no transaction and an fsync, finding no
   * I_DIRTY_TIME to promote, does not commit them.  We keep I_DIRTY_TIME
   * so fsync always covers the latest mtime (DESIGN-NOTES). */
  if ((inode->i_state & flags) == flags)
    return;
  was_dirty = (inode->i_state & I_DIRTY_ALL) != 0;
  if (flags & I_DIRTY_INODE)
    inode->i_state &= ~I_DIRTY_TIME;
  inode->i_state |= flags;
  if (inode->i_state & I_FREEING)
    return;
  if (!was_dirty) {
    inode->dirtied_when = sched_now (wb->wb_sched);
    if (dirtytime)
      inode->dirtied_time_when = sched_now (wb->wb_sched);
    inode_io_list_add (inode);
    wb_wakeup_delayed (wb);
  } else if ((flags & (I_DIRTY_INODE | I_DIRTY_PAGES))
             && inode->i_io_list == 2)
    inode_io_list_add (inode);       /* from b_dirty_time to b_dirty */
}

int
writeback_single_inode (struct inode *inode, struct writeback_control *wbc)
{
  struct bdi_writeback *wb = inode->i_wb;
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
          || sched_now (wb->wb_sched) >= inode->dirtied_time_when
             + DIRTYTIME_EXPIRE_INTERVAL_NS)) {
    WB_TRACE (wb, "writeback_lazytime", "dev %s ino %u", wb->wb_devname,
              inode->i_ino);
    mark_inode_dirty_sync (inode);
  }
  dirty = inode->i_state & I_DIRTY;
  inode->i_state &= ~dirty;
  if (pc_mapping_tagged (inode, PC_TAG_DIRTY))
    inode->i_state |= I_DIRTY_PAGES;
  /* Don't write the inode if only I_DIRTY_PAGES was set. */
  if (dirty & ~I_DIRTY_PAGES) {
    int err = wb->wb_ops->write_inode (inode, wbc);
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
list_snapshot (struct bdi_writeback *wb, struct inode *head,
               struct inode ***out, size_t *n)
{
  size_t k = 0, cap = 16;
  struct inode **v = malloc (cap * sizeof *v);

  if (v == NULL)
    return -ENOMEM;
  for (struct inode *i = head; i; i = i->i_io_next) {
    if (k == cap) {
      struct inode **nv = realloc (v, 2 * cap * sizeof *v);
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
    wb->wb_ops->ihold (v[j]);
  *out = v;
  *n = k;
  return 0;
}

static void
list_snapshot_put (struct bdi_writeback *wb, struct inode **v, size_t n)
{
  for (size_t j = 0; j < n; j++)
    wb->wb_ops->iput (v[j]);
  free (v);
}

/* writeback_inodes_sb / sync_inodes_sb: every dirty inode once. */
int
writeback_inodes_sb (struct bdi_writeback *wb, enum wb_sync_mode mode, bool for_sync)
{
  struct inode **v;
  size_t n;
  int ret;

  /* queue_io: for sync, lazytime inodes join the pass. */
  while (for_sync && wb->b_dtime_head)
    io_list_append (wb->b_dtime_head, 1);
  ret = list_snapshot (wb, wb->b_dirty_head, &v, &n);
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
  list_snapshot_put (wb, v, n);
  return ret;
}

/* wb_writeback for kupdate and background work. */
static void
wb_writeback (struct bdi_writeback *wb, bool kupdate, uint64_t expired)
{
  struct inode **v;
  size_t n;

  if (list_snapshot (wb, wb->b_dirty_head, &v, &n) < 0)
    return;
  for (size_t k = 0; k < n; k++) {
    struct writeback_control wbc = {
      .sync_mode = WB_SYNC_NONE, .nr_to_write = LONG_MAX,
      .range_cyclic = true, .range_end = UINT64_MAX,
      .for_kupdate = kupdate, .for_background = !kupdate,
    };
    if (kupdate && v[k]->dirtied_when > expired)
      break;                          /* b_dirty is in dirtied_when order */
    if (!kupdate && wb->nr_dirty <= wb->dirty_limit / 2)
      break;
    writeback_single_inode (v[k], &wbc);
  }
  list_snapshot_put (wb, v, n);
}

static void
wb_workfn (void *arg)
{
  struct bdi_writeback *wb = arg;
  uint64_t now = sched_now (wb->wb_sched);
  uint64_t expired = now > DIRTY_EXPIRE_INTERVAL_NS
    ? now - DIRTY_EXPIRE_INTERVAL_NS : 0;

  wb->wb_armed = false;
  if (wb->wb_in_writeback || wb->wb_ops->sb_rdonly (wb->wb_fs))
    return;
  wb->wb_in_writeback = true;
  WB_TRACE (wb, "writeback_wake_background", "dev %s nr_dirty %llu",
            wb->wb_devname, (unsigned long long) wb->nr_dirty);
  wb_writeback (wb, true, expired);                      /* kupdate */
  for (struct inode *i = wb->b_dtime_head, *next; i; i = next) {
    next = i->i_io_next;
    if (now >= i->dirtied_time_when + DIRTYTIME_EXPIRE_INTERVAL_NS) {
      wb->wb_ops->ihold (i);
      mark_inode_dirty_sync (i);
      wb->wb_ops->iput (i);
    }
  }
  if (wb->nr_dirty > wb->dirty_limit / 2)
    wb_writeback (wb, false, 0);                         /* background */
  wb->wb_ops->write_metadata (wb->wb_fs, expired);
  wb->wb_in_writeback = false;
  pc_shrink (wb);
  if (wb->b_dirty_head || wb->b_dtime_head
      || wb->wb_ops->metadata_dirty (wb->wb_fs))
    wb_wakeup_delayed (wb);
}

void
wb_init (struct bdi_writeback *wb, const struct wb_operations *ops, void *fs,
         struct fp_sched *sched, const struct fpfs_trace_sink *trace,
         const char *devname)
{
  wb->wb_ops = ops;
  wb->wb_fs = fs;
  wb->wb_sched = sched;
  wb->wb_trace = trace;
  wb->wb_devname = devname;
  sched_timer_init (&wb->wb_timer, "flusher", wb_workfn, wb);
}

void
wb_stop (struct bdi_writeback *wb)
{
  sched_timer_cancel (wb->wb_sched, &wb->wb_timer);
  wb->wb_armed = false;
}

void
balance_dirty_pages (struct bdi_writeback *wb)
{
  if (wb->nr_dirty > wb->dirty_limit && !wb->wb_in_writeback) {
    WB_TRACE (wb, "balance_dirty_pages", "dev %s nr_dirty %llu limit %llu",
              wb->wb_devname, (unsigned long long) wb->nr_dirty,
              (unsigned long long) wb->dirty_limit);
    wb->wb_in_writeback = true;
    wb_writeback (wb, false, 0);
    wb->wb_in_writeback = false;
  }
  pc_shrink (wb);
}
