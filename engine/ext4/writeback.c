/* writeback: ext4_writepages and the mpage pipeline (fs/ext4/inode.c), the
 * ext4 side of writeback, as seeds 000 and 004 walk it:
 *
 *   __filemap_fdatawrite_range -> do_writepages -> ext4_writepages:
 *     tag_pages_for_writeback (VFS_I (WB_SYNC_ALL: snapshot DIRTY as TOWRITE))
 *     loop:
 *       ext4_journal_start_with_reserve       (ext4_journal_start, jbd2_handle_start)
 *       ext4_da_write_pages event
 *       mpage_prepare_extent_to_map: collect the next run of dirty pages
 *         whose blocks are delayed (the extent to allocate), submitting
 *         pages that are already mapped on the way
 *       mpage_map_and_submit_extent -> mpage_map_one_extent
 *         (ext4_da_write_pages_extent) -> ext4_map_blocks(CREATE), then
 *         mpage_map_and_submit_buffers, then i_disksize and
 *         ext4_mark_inode_dirty
 *       ext4_io_submit                         (the data write)
 *       ext4_journal_stop                      (jbd2_handle_stats)
 *     ext4_writepages_result event
 *
 * One deliberate reordering against the kernel: the data bio is submitted
 * before ext4_journal_stop, not after.  Here a commit runs synchronously
 * inside jbd_journal_stop when one is due, and in ordered mode the data of
 * the blocks this handle mapped must reach the device before that commit's
 * FLUSH; the kernel gets the same order from the commit waiting on pages
 * under writeback.
 *
 * Pages written into unwritten (fallocated) blocks are PG_UNWRITTEN; they
 * form runs of their own, which ext4_map_blocks(CREATE) converts to
 * written in the handle above (4.10's default, no dioread_nolock), and
 * whose data goes out, like a new block's, before that handle's commit.
 *
 * The generic half (__filemap_fdatawrite_range, do_writepages, the wait)
 * is in mm/filemap.c.  I/O is synchronous: a page is WRITEBACK only while
 * its bio is written.  A failed write marks its pages PG_ERROR, records
 * the error in the mapping's errseq and leaves them clean: they are not
 * retried (fsync reports it once per file).
 *
 * Bug FPFS_BUG_NO_ORDERED_DATA (the fs side): pages whose blocks were just
 * allocated are not submitted; they wait (PG_DEFERRED) until the
 * transaction mapping them commits, and ext4_submit_deferred writes them
 * from the commit callback, after the commit block.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ext4.h"

#define IO_MAX_PAGES 256u                 /* 1 MiB per data write */
#define MAX_WRITEPAGES_EXTENT_LEN 2048u   /* as mballoc's largest request */

struct ext4_io_submit {
  struct fs_inode *io_inode;
  struct page *io_pages[IO_MAX_PAGES];
  unsigned io_n;
  uint64_t io_pblk;
};

struct mpage_da_data {
  struct fs_inode *inode;
  struct writeback_control *wbc;
  uint64_t first_page, last_page;   /* scan range, inclusive */
  struct ext4_map_blocks map;       /* the extent of delayed pages to map */
  unsigned map_kind;                /* PG_DELAY or PG_UNWRITTEN: one per run */
  struct ext4_io_submit io_submit;
  long pages_written;
};

/* ext4_io_submit: write the accumulated run of pages in one request. */
static int
ext4_io_submit (struct ext4_io_submit *io)
{
  struct fs_inode *inode = io->io_inode;
  struct fpfs *fs = inode->i_fs;
  uint8_t *buf;
  int ret;

  if (io->io_n == 0)
    return 0;
  buf = malloc ((size_t) io->io_n * FS_BLOCK_SIZE);
  if (buf == NULL)
    ret = -ENOMEM;
  else {
    for (unsigned i = 0; i < io->io_n; i++) {
      struct page *pg = io->io_pages[i];
      uint64_t start = (uint64_t) pg->pg_index << FS_BLOCK_BITS;
      /* The page straddling EOF goes out with zeroes past i_size. */
      if (start + FS_BLOCK_SIZE > inode->i_size && start < inode->i_size)
        memset (pg->pg_data + (inode->i_size - start), 0,
                (size_t) (start + FS_BLOCK_SIZE - inode->i_size));
      memcpy (buf + (size_t) i * FS_BLOCK_SIZE, pg->pg_data, FS_BLOCK_SIZE);
    }
    ret = fpfs_bdev_write (fs->s_bdev, buf, io->io_pblk * FS_BLOCK_SIZE,
                           (size_t) io->io_n * FS_BLOCK_SIZE, 0);
    free (buf);
  }
  for (unsigned i = 0; i < io->io_n; i++) {
    struct page *pg = io->io_pages[i];
    if (ret < 0)
      pg->pg_flags |= PG_ERROR;
    end_page_writeback (pg);
  }
  if (ret < 0) {
    FS_TRACE (fs, "ext4_io_error", "dev %s ino %u block %" PRIu64 " count %u "
              "err %d", fs->s_devname, inode->i_ino, io->io_pblk, io->io_n,
              ret);
    mapping_set_error (VFS_I (inode), ret == -ENOMEM ? -ENOMEM : -EIO);
  }
  fs->s_writeback_pages += io->io_n;
  io->io_n = 0;
  return ret;
}

/* Add a page (mapped, dirty cleared, under writeback) to the bio. */
static int
io_submit_add_page (struct ext4_io_submit *io, struct page *pg)
{
  int ret = 0;

  if (io->io_n > 0 && (io->io_n == IO_MAX_PAGES
                       || pg->pg_pblk != io->io_pblk + io->io_n))
    ret = ext4_io_submit (io);
  if (io->io_n == 0)
    io->io_pblk = pg->pg_pblk;
  io->io_pages[io->io_n++] = pg;
  return ret;
}

/* mpage_submit_page */
static int
mpage_submit_page (struct mpage_da_data *mpd, struct page *pg)
{
  assert (pg->pg_flags & PG_MAPPED);
  clear_page_dirty_for_io (pg);
  set_page_writeback (pg);
  mpd->pages_written++;
  mpd->wbc->nr_to_write--;
  return io_submit_add_page (&mpd->io_submit, pg);
}

static int
mpage_prepare_extent_to_map (struct mpage_da_data *mpd)
{
  struct fs_inode *inode = mpd->inode;
  struct writeback_control *wbc = mpd->wbc;
  enum pc_tag tag = (wbc->sync_mode == WB_SYNC_ALL || wbc->tagged_writepages)
    ? PC_TAG_TOWRITE : PC_TAG_DIRTY;
  uint64_t eof = (inode->i_size + FS_BLOCK_SIZE - 1) >> FS_BLOCK_BITS;
  uint32_t index = (uint32_t) mpd->first_page;
  uint32_t end = mpd->last_page > UINT32_MAX ? UINT32_MAX
    : (uint32_t) mpd->last_page;
  struct page *v[16];
  unsigned n;
  int ret = 0;

  mpd->map.m_len = 0;
  while (mpd->first_page <= mpd->last_page
         && (n = pc_lookup_tag (VFS_I (inode), &index, end, tag, v, 16)) > 0) {
    for (unsigned i = 0; i < n; i++) {
      struct page *pg = v[i];
      if (wbc->sync_mode == WB_SYNC_NONE && wbc->nr_to_write <= mpd->map.m_len)
        return 0;
      /* If we cannot merge this page, the extent is complete. */
      if (mpd->map.m_len > 0
          && pg->pg_index != mpd->map.m_lblk + mpd->map.m_len)
        return 0;
      if (!(pg->pg_flags & PG_DIRTY) || (pg->pg_flags & PG_DEFERRED)) {
        pc_clear_tag (pg, PC_TAG_TOWRITE);
        mpd->first_page = (uint64_t) pg->pg_index + 1;
        continue;
      }
      assert (!(pg->pg_flags & PG_WRITEBACK));
      if (pg->pg_index >= eof) {
        /* Past EOF (a racing truncate in the kernel): nothing to write. */
        clear_page_dirty_for_io (pg);
        pc_clear_tag (pg, PC_TAG_TOWRITE);
        mpd->first_page = (uint64_t) pg->pg_index + 1;
        continue;
      }
      if (pg->pg_flags & (PG_DELAY | PG_UNWRITTEN)) {
        /* mpage_add_bh_to_extent: a run holds blocks of one kind (the
         * kernel compares the buffers' BH_Delay / BH_Unwritten state). */
        unsigned kind = pg->pg_flags & PG_DELAY ? PG_DELAY : PG_UNWRITTEN;
        if (mpd->map.m_len == 0) {
          mpd->map.m_lblk = pg->pg_index;
          mpd->map_kind = kind;
        } else if (mpd->map.m_len >= MAX_WRITEPAGES_EXTENT_LEN
                   || kind != mpd->map_kind)
          return 0;
        mpd->map.m_len++;
      } else {
        if (mpd->map.m_len > 0)
          return 0;
        ret = mpage_submit_page (mpd, pg);
      }
      mpd->first_page = (uint64_t) pg->pg_index + 1;
      if (ret < 0)
        return ret;
    }
    if (index == 0)
      break;                            /* wrapped past index 2^32 - 1 */
  }
  if (mpd->map.m_len == 0)
    mpd->first_page = mpd->last_page + 1;   /* scanned everything */
  return ret;
}

/* mpage_map_and_submit_buffers: the pages of a freshly mapped run. */
static int
mpage_map_and_submit_buffers (struct mpage_da_data *mpd, handle_t *h,
                              uint32_t lblk, uint32_t len, uint64_t pblk)
{
  struct fpfs *fs = mpd->inode->i_fs;
  bool defer = fs_bug (fs, FPFS_BUG_NO_ORDERED_DATA) && ext4_handle_valid (h);
  int ret = 0;

  for (uint32_t i = 0; i < len; i++) {
    struct page *pg = pc_find_page (VFS_I (mpd->inode), lblk + i);
    int err;
    assert (pg && (pg->pg_flags & (PG_DELAY | PG_UNWRITTEN))
            && (pg->pg_flags & PG_DIRTY));
    pg->pg_flags = (pg->pg_flags & ~(PG_DELAY | PG_UNWRITTEN)) | PG_MAPPED;
    pg->pg_pblk = pblk + i;
    if (defer) {
      pg->pg_flags |= PG_DEFERRED;
      pg->pg_tid = ext4_handle_tid (h);
      pc_clear_tag (pg, PC_TAG_TOWRITE);
      continue;
    }
    err = mpage_submit_page (mpd, pg);
    if (err && !ret)
      ret = err;
  }
  return ret;
}

static int
mpage_map_and_submit_extent (handle_t *h, struct mpage_da_data *mpd)
{
  struct fs_inode *inode = mpd->inode;
  struct fpfs *fs = inode->i_fs;
  struct ext4_map_blocks *map = &mpd->map;
  uint64_t disksize;
  int ret = 0;

  while (map->m_len > 0) {
    struct ext4_map_blocks m = { .m_lblk = map->m_lblk, .m_len = map->m_len };
    int got;
    /* mpage_map_one_extent */
    FS_TRACE (fs, "ext4_da_write_pages_extent", "dev %s ino %u lblk %u len %u "
              "flags 0x%x", fs->s_devname, inode->i_ino, map->m_lblk,
              map->m_len, 0x22u /* BH_Delay|BH_Dirty as the kernel shows */);
    /* mpage_map_one_extent: CREATE allocates the delayed blocks, or
     * converts the unwritten ones to written (4.10 without dioread_nolock:
     * ext4_ext_convert_to_initialized in this handle; the data is ordered
     * before its commit like a new block's).  DELALLOC_RESERVE only for a
     * run of delayed blocks, as BH_Delay decides in the kernel. */
    got = ext4_map_blocks (h, inode, &m,
                           EXT4_GET_BLOCKS_CREATE
                           | (mpd->map_kind == PG_DELAY
                              ? EXT4_GET_BLOCKS_DELALLOC_RESERVE : 0));
    if (got < 0)
      return got;
    assert ((uint32_t) got <= map->m_len);
    ret = mpage_map_and_submit_buffers (mpd, h, m.m_lblk, (uint32_t) got,
                                        m.m_pblk);
    map->m_lblk += (uint32_t) got;
    map->m_len -= (uint32_t) got;
    if (ret < 0)
      return ret;
  }
  /* Update on-disk size after the mapped pages went out. */
  disksize = (uint64_t) map->m_lblk << FS_BLOCK_BITS;
  if (disksize > inode->i_size)
    disksize = inode->i_size;
  if (disksize > inode->i_disksize) {
    ext4_update_i_disksize (inode, disksize);
    ret = ext4_mark_inode_dirty (h, inode);
  }
  return ret;
}

/* Give up on the delayed pages of map (ENOSPC that committing does not
 * cure): the kernel's "delayed block allocation failed" path.  The data is
 * lost; the error goes to the file's errseq. */
static void
mpage_give_up (struct mpage_da_data *mpd, int err)
{
  struct fs_inode *inode = mpd->inode;

  for (uint32_t i = 0; i < mpd->map.m_len; i++) {
    struct page *pg = pc_find_page (VFS_I (inode), mpd->map.m_lblk + i);
    if (pg == NULL)
      continue;
    clear_page_dirty_for_io (pg);
    pc_clear_tag (pg, PC_TAG_TOWRITE);
    pg->pg_flags |= PG_ERROR;
  }
  mapping_set_error (VFS_I (inode), err);
  mpd->map.m_len = 0;
}

static int
ext4_writepages_credits (struct fs_inode *inode)
{
  /* Converting part of an unwritten extent splits it in up to three: room
   * for two insertions (ext4_chunk_trans_blocks counts the split too). */
  int c = ext4_ext_calc_credits (inode)
    * (inode->i_ext4_state & EXT4_STATE_UNWRIT ? 2 : 1);
  return c < FS_MAX_CREDITS ? c : FS_MAX_CREDITS;
}

int
ext4_writepages (struct fs_inode *inode, struct writeback_control *wbc)
{
  struct fpfs *fs = inode->i_fs;
  struct mpage_da_data mpd;
  int ret = 0, enospc_retries = 0;
  uint32_t writeback_index = 0;
  bool done = false, cycled = true;

  FS_TRACE (fs, "ext4_writepages", "dev %s ino %u nr_to_write %ld "
            "pages_skipped %ld range_start %" PRIu64 " range_end %" PRIu64
            " sync_mode %d for_kupdate %d range_cyclic %d writeback_index %u",
            fs->s_devname, inode->i_ino, wbc->nr_to_write, wbc->pages_skipped,
            wbc->range_start, wbc->range_end, wbc->sync_mode, wbc->for_kupdate,
            wbc->range_cyclic, inode->vfs_inode.i_mapping.a_writeback_index);
  memset (&mpd, 0, sizeof mpd);
  mpd.inode = inode;
  mpd.wbc = wbc;
  mpd.io_submit.io_inode = inode;
  /* No pages to write? (also data=journal: its data never uses pages) */
  if (inode->vfs_inode.i_mapping.a_nrpages == 0
      || !pc_mapping_tagged (VFS_I (inode), PC_TAG_DIRTY))
    goto out;
  if (fs->s_aborted) {
    ret = -EROFS;
    goto out;
  }
  if (wbc->range_cyclic) {
    writeback_index = inode->vfs_inode.i_mapping.a_writeback_index;
    cycled = writeback_index == 0;
    mpd.first_page = writeback_index;
    mpd.last_page = UINT32_MAX;
  } else {
    mpd.first_page = wbc->range_start >> FS_BLOCK_BITS;
    mpd.last_page = wbc->range_end >> FS_BLOCK_BITS;
    if (mpd.last_page > UINT32_MAX)
      mpd.last_page = UINT32_MAX;
  }
retry:
  if (wbc->sync_mode == WB_SYNC_ALL || wbc->tagged_writepages)
    tag_pages_for_writeback (VFS_I (inode), (uint32_t) mpd.first_page,
                             (uint32_t) mpd.last_page);
  done = false;
  while (!done && mpd.first_page <= mpd.last_page) {
    handle_t *h;
    int err;

    ret = ext4_journal_start (fs, "writepages", ext4_writepages_credits (inode),
                              &h);
    if (ret < 0)
      break;
    FS_TRACE (fs, "ext4_da_write_pages", "dev %s ino %u first_page %" PRIu64
              " nr_to_write %ld sync_mode %d", fs->s_devname, inode->i_ino,
              mpd.first_page, wbc->nr_to_write, wbc->sync_mode);
    ret = mpage_prepare_extent_to_map (&mpd);
    if (ret == 0) {
      if (mpd.map.m_len)
        ret = mpage_map_and_submit_extent (h, &mpd);
      else
        done = true;
    }
    /* Submit before stopping the handle: see the top of the file. */
    err = ext4_io_submit (&mpd.io_submit);
    (void) err;                    /* reported through the errseq */
    err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
    if (ret == -ENOSPC) {
      /* Space freed by uncommitted transactions, or held in other inodes'
       * preallocations, may cure it: discard, commit, retry. */
      if (ext4_should_retry_alloc (fs, &enospc_retries)) {
        ret = 0;
        continue;
      }
      mpage_give_up (&mpd, -ENOSPC);
    }
    if (ret)
      break;
    if (wbc->sync_mode == WB_SYNC_NONE && wbc->nr_to_write <= 0)
      break;
  }
  if (!ret && !cycled && wbc->nr_to_write > 0) {
    /* range_cyclic: wrap around to the pages before writeback_index. */
    cycled = true;
    mpd.last_page = writeback_index - 1;
    mpd.first_page = 0;
    goto retry;
  }
  if (wbc->range_cyclic)
    inode->vfs_inode.i_mapping.a_writeback_index =
      mpd.first_page > UINT32_MAX ? 0 : (uint32_t) mpd.first_page;
out:
  FS_TRACE (fs, "ext4_writepages_result", "dev %s ino %u ret %d pages_written "
            "%ld pages_skipped %ld sync_mode %d writeback_index %u",
            fs->s_devname, inode->i_ino, ret, mpd.pages_written,
            wbc->pages_skipped, wbc->sync_mode,
            inode->vfs_inode.i_mapping.a_writeback_index);
  return ret;
}

int
ext4_submit_inode_data (struct fs_inode *inode)
{
  struct ext4_io_submit io = { .io_inode = inode };
  uint32_t index = 0;
  struct page *v[16];
  unsigned n;

  /* journal_submit_inode_data_buffers: write the mapped dirty pages (a
   * delayed page has no block yet and is left for writepages). */
  while ((n = pc_lookup_tag (VFS_I (inode), &index, UINT32_MAX, PC_TAG_DIRTY,
                             v, 16))) {
    for (unsigned i = 0; i < n; i++) {
      struct page *pg = v[i];
      if (!(pg->pg_flags & PG_MAPPED) || (pg->pg_flags & PG_DEFERRED))
        continue;
      clear_page_dirty_for_io (pg);
      set_page_writeback (pg);
      io_submit_add_page (&io, pg);
    }
    if (index == 0)
      break;
  }
  /* A write error is the file's (errseq, set by ext4_io_submit); the
   * journal gets it too and, without data_err=abort, ignores it. */
  return ext4_io_submit (&io);
}

void
ext4_submit_deferred (struct fpfs *fs, tid_t tid)
{
  struct fs_inode **v;
  size_t n;

  if (!fs_bug (fs, FPFS_BUG_NO_ORDERED_DATA)
      || ext4_icache_snapshot (fs, &v, &n) < 0)
    return;
  for (size_t k = 0; k < n; k++) {
    struct ext4_io_submit io = { .io_inode = v[k] };
    uint32_t index = 0;
    struct page *pv[16];
    unsigned m;
    while ((m = pc_lookup_tag (VFS_I (v[k]), &index, UINT32_MAX, PC_TAG_DIRTY, pv,
                               16))) {
      for (unsigned i = 0; i < m; i++) {
        struct page *pg = pv[i];
        if (!(pg->pg_flags & PG_DEFERRED) || !tid_geq (tid, pg->pg_tid))
          continue;
        pg->pg_flags &= ~PG_DEFERRED;
        clear_page_dirty_for_io (pg);
        set_page_writeback (pg);
        io_submit_add_page (&io, pg);
      }
      if (index == 0)
        break;
    }
    ext4_io_submit (&io);
  }
  ext4_icache_snapshot_put (v, n);
}
