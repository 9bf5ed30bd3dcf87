/* truncate: size changes, inode eviction and the orphan list
 * (fs/ext4/inode.c: ext4_setattr, ext4_truncate, ext4_evict_inode;
 * fs/ext4/namei.c: ext4_orphan_add, ext4_orphan_del; super.c:
 * ext4_orphan_cleanup).
 *
 * Shrinking a file takes several transactions when it frees many blocks, so
 * first the inode joins the on-disk orphan list (superblock s_last_orphan ->
 * inode -> inode ...) in the same transaction that lowers i_disksize; it
 * leaves the list when the last block is gone.  An unlinked file that is
 * still open stays on the list until its last close.  After a crash, mount
 * walks the list: inodes with no links are freed, the others truncated to
 * their size.  Without a journal there is no orphan list, as in ext4.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ext4.h"

#define TRUNC_CREDITS 64
/* superblock, inode block, inode bitmap, and the xattr block's */
#define EVICT_TAIL_CREDITS (3 + EXT4_XATTR_DELETE_CREDITS)

int
ext4_orphan_add (handle_t *h, struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  uint8_t *sb = fs->s_sbh->b_data;
  int ret;

  if (!fs->s_journal || (inode->i_ext4_state & EXT4_STATE_ORPHAN))
    return 0;
  ret = ext4_journal_get_write_access (h, fs->s_sbh);
  if (ret < 0)
    return ret;
  inode->i_next_orphan = get_le32 (sb + SB_LAST_ORPHAN);
  put_le32 (sb + SB_LAST_ORPHAN, inode->i_ino);
  ret = ext4_handle_dirty_super (h);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  inode->i_ext4_state |= EXT4_STATE_ORPHAN;
  inode->i_orphan_next = fs->s_orphans;
  fs->s_orphans = inode;
  FS_TRACE (fs, "ext4_orphan_add", "dev %s ino %u next %u", fs->s_devname,
            inode->i_ino, inode->i_next_orphan);
  return ret;
}

int
ext4_orphan_del (handle_t *h, struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  struct fs_inode **pp = &fs->s_orphans, *prev = NULL;
  uint8_t *sb = fs->s_sbh->b_data;
  int ret = 0;

  if (!(inode->i_ext4_state & EXT4_STATE_ORPHAN))
    return 0;
  /* The in-memory list mirrors the on-disk chain, newest first. */
  while (*pp && *pp != inode) {
    prev = *pp;
    pp = &(*pp)->i_orphan_next;
  }
  assert (*pp == inode);
  *pp = inode->i_orphan_next;
  inode->i_orphan_next = NULL;
  inode->i_ext4_state &= ~EXT4_STATE_ORPHAN;
  FS_TRACE (fs, "ext4_orphan_del", "dev %s ino %u", fs->s_devname,
            inode->i_ino);
  if (h == NULL || !fs->s_journal)
    return 0;
  if (prev == NULL) {
    ret = ext4_journal_get_write_access (h, fs->s_sbh);
    if (ret == 0) {
      put_le32 (sb + SB_LAST_ORPHAN, inode->i_next_orphan);
      ret = ext4_handle_dirty_super (h);
    }
  } else {
    prev->i_next_orphan = inode->i_next_orphan;
    ret = ext4_mark_inode_dirty (h, prev);
  }
  inode->i_next_orphan = 0;
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  return ret;
}

/* ext4_block_truncate_page: zero the tail of the block holding EOF, so a
 * later extension reads zeroes there.  1 when it dirtied a page (the
 * caller then orders it, as ext4_block_zero_page_range does), 0 when
 * there was nothing to zero, or -errno. */
static int
ext4_block_truncate_page (struct fs_inode *inode, uint64_t size)
{
  size_t off = size & (FS_BLOCK_SIZE - 1);
  struct page *pg;
  int ret;

  if (off == 0)
    return 0;
  if (ext4_should_journal_data (inode->i_fs))
    return 0;                   /* done in ext4_truncate's handle */
  pg = pc_find_page (VFS_I (inode), (uint32_t) (size >> FS_BLOCK_BITS));
  if (pg == NULL) {
    struct ext4_map_blocks map = { .m_lblk = (uint32_t) (size >> FS_BLOCK_BITS),
                                   .m_len = 1 };
    ret = ext4_map_blocks (NULL, inode, &map, 0);
    if (ret <= 0)
      return ret;               /* a hole: nothing on disk to zero */
    ret = pc_grab_page (VFS_I (inode), map.m_lblk, &pg);
    if (ret == 0)
      ret = ext4_read_page (inode, pg);
    if (ret < 0)
      return ret;
  }
  memset (pg->pg_data + off, 0, FS_BLOCK_SIZE - off);
  if (!(pg->pg_flags & (PG_MAPPED | PG_DELAY)))
    return 0;
  set_page_dirty (pg);
  return 1;
}

int
ext4_truncate (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  uint64_t last = (inode->i_size + FS_BLOCK_SIZE - 1) >> FS_BLOCK_BITS;
  handle_t *h;
  int ret, err, zeroed;

  if (!ext4_has_extents (inode))
    return 0;                   /* !ext4_can_truncate: nothing mapped */
  FS_TRACE (fs, "ext4_truncate_enter", "dev %s ino %u blocks %" PRIu64,
            fs->s_devname, inode->i_ino, inode->i_blocks);
  ext4_discard_preallocations (inode);
  zeroed = ext4_block_truncate_page (inode, inode->i_size);
  if (zeroed < 0)
    return zeroed;
  ret = ext4_journal_start (fs, "truncate", TRUNC_CREDITS, &h);
  if (ret < 0)
    return ret;
  /* __ext4_block_zero_page_range: in data=ordered the zeroed block joins
   * the transaction's ordered data (ext4_jbd2_inode_add_write), so the
   * commit that records the new size writes it first -- otherwise a later
   * extension could show the bytes the truncate cut off.  Writeback and
   * nojournal do not order it. */
  if (zeroed > 0 && ext4_should_order_data (fs) && ext4_handle_valid (h))
    ret = jbd_file_inode (h->h_jh, &inode->i_jinode);
  if (ret == 0 && inode->i_nlink)
    ret = ext4_orphan_add (h, inode);
  if (ret == 0 && ext4_should_journal_data (fs))
    ret = ext4_journalled_zero_tail (h, inode, inode->i_size);
  if (ret == 0 && last <= UINT32_MAX) {
    uint32_t delayed = ext4_es_delayed_count (inode, (uint32_t) last,
                                              (uint32_t) (UINT32_MAX - last));
    ext4_es_remove_extent (inode, (uint32_t) last,
                           (uint32_t) (UINT32_MAX - last));
    ext4_da_release_space (inode, delayed);
    ret = ext4_ext_remove_space (h, inode, (uint32_t) last);
  }
  /* If this was a simple ftruncate and the file remains linked, it leaves
   * the orphan list now. */
  if (ret == 0 && inode->i_nlink)
    ret = ext4_orphan_del (h, inode);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  err = ext4_journal_stop (h);
  FS_TRACE (fs, "ext4_truncate_exit", "dev %s ino %u blocks %" PRIu64,
            fs->s_devname, inode->i_ino, inode->i_blocks);
  return ret ? ret : err;
}

int
ext4_setsize (struct fs_inode *inode, uint64_t size)
{
  struct fpfs *fs = inode->i_fs;
  bool shrink = size < inode->i_size;
  handle_t *h;
  int ret, err;

  if (size > (FS_MAX_FILE_BLOCKS << FS_BLOCK_BITS))
    return -EFBIG;
  ret = ext4_journal_start (fs, "setattr", 4, &h);
  if (ret < 0)
    return ret;
  if (shrink && ext4_handle_valid (h))
    ret = ext4_orphan_add (h, inode);
  /* do_truncate passes ATTR_MTIME | ATTR_CTIME for (f)truncate. */
  inode->i_mtime = inode->i_ctime = fs_current_time (fs);
  inode->i_disksize = size;
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  err = ext4_journal_stop (h);
  if (!ret)
    ret = err;
  if (ret < 0)
    return ret;
  inode->i_size = size;
  if (shrink) {
    uint64_t keep = (size + FS_BLOCK_SIZE - 1) & ~(uint64_t) (FS_BLOCK_SIZE - 1);
    pc_truncate_pages (VFS_I (inode), keep);             /* truncate_pagecache */
    ret = ext4_truncate (inode);
  }
  return ret;
}

void
ext4_evict_inode (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  handle_t *h;
  int ret;

  assert (inode->i_count == 0 && inode->i_nlink == 0);
  assert (fs->s_handle.h_ref == 0);      /* evicting restarts handles */
  FS_TRACE (fs, "ext4_evict_inode", "dev %s ino %u nlink %u", fs->s_devname,
            inode->i_ino, inode->i_nlink);
  inode->vfs_inode.i_state |= I_FREEING;
  inode_io_list_del (VFS_I (inode));
  {
    uint32_t delayed = inode->i_reserved_data_blocks;
    pc_drop_all (VFS_I (inode));
    ext4_es_destroy (&inode->i_es);
    ext4_da_release_space (inode, delayed);
  }
  ext4_discard_preallocations (inode);
  inode->i_size = inode->i_disksize = 0;
  ret = ext4_journal_start (fs, "evict", TRUNC_CREDITS, &h);
  if (ret == 0) {
    /* ext4_evict_inode truncates only what ext4_can_truncate: not a fast
     * symlink's target nor a device's number, which are not extents. */
    if (ext4_has_extents (inode))
      ret = ext4_ext_remove_space (h, inode, 0);
    /* 4.10 ext4_evict_inode: the truncate may have used up the handle;
     * the orphan list, the inode, its bitmap and its xattr block
     * (ext4_free_inode) need a few more. */
    if (ret == 0 && ext4_handle_credits_left (h) < EVICT_TAIL_CREDITS)
      ret = ext4_journal_restart (h, EVICT_TAIL_CREDITS);
    if (ret == 0)
      ret = ext4_orphan_del (h, inode);
    if (ret == 0) {
      inode->i_dtime = (uint32_t) fs_current_time (fs).sec;
      ret = ext4_mark_inode_dirty (h, inode);
    }
    if (ret == 0)
      ret = ext4_free_inode (h, inode);
    ext4_journal_stop (h);
  }
  if (ret < 0) {
    /* Could not free it (aborted, I/O error): the orphan list, or fsck,
     * reclaims it; only memory goes. */
    ext4_orphan_del (NULL, inode);
  }
  ext4_icache_remove (fs, inode);
  inode_free_mem (inode);
}

int
ext4_orphan_cleanup (struct fpfs *fs, char *errbuf, size_t errlen)
{
  uint32_t ino = get_le32 (fs->s_sbh->b_data + SB_LAST_ORPHAN);
  struct fs_inode *list = NULL, **tail = &list;
  uint32_t n = 0;
  int ret = 0;

  if (ino == 0 || !fs->s_journal || fs->s_ro)
    return 0;
  /* Load the whole chain first (bounded: a cycle is corruption). */
  while (ino) {
    struct fs_inode *inode;
    if (++n > fs->s_geo.inodes_count) {
      snprintf (errbuf, errlen, "orphan list: cycle at inode %u", ino);
      ret = -EUCLEAN;
      break;
    }
    if (ext4_icache_find (fs, ino)) {
      snprintf (errbuf, errlen, "orphan list: inode %u listed twice", ino);
      ret = -EUCLEAN;
      break;
    }
    ret = ext4_iget (fs, ino, &inode);
    if (ret < 0) {
      snprintf (errbuf, errlen, "orphan list: inode %u: unreadable (%d)", ino,
                ret);
      break;
    }
    inode->i_ext4_state |= EXT4_STATE_ORPHAN;
    *tail = inode;
    tail = &inode->i_orphan_next;
    ino = inode->i_next_orphan;
  }
  fs->s_orphans = list;
  if (ret < 0) {
    fs->s_orphans = NULL;
    for (struct fs_inode *i = list, *next; i; i = next) {
      next = i->i_orphan_next;
      i->i_orphan_next = NULL;
      i->i_ext4_state &= ~EXT4_STATE_ORPHAN;
      i->i_nlink = i->i_nlink ? i->i_nlink : 1;   /* do not free on iput */
      iput (i);
    }
    return ret;
  }
  /* Process from the head: ext4_orphan_del keeps the chain valid. */
  while (fs->s_orphans && ret == 0) {
    struct fs_inode *inode = fs->s_orphans;
    FS_TRACE (fs, "ext4_orphan_cleanup", "dev %s ino %u nlink %u size %"
              PRIu64, fs->s_devname, inode->i_ino, inode->i_nlink,
              inode->i_size);
    if (inode->i_nlink == 0) {
      iput (inode);                       /* evict: truncate, free, del */
      continue;
    }
    ret = ext4_truncate (inode);
    if (ret == 0 && (inode->i_ext4_state & EXT4_STATE_ORPHAN)) {
      handle_t *h;
      ret = ext4_journal_start (fs, "orphan_cleanup", 4, &h);
      if (ret == 0) {
        ret = ext4_orphan_del (h, inode);
        ext4_journal_stop (h);
      }
    }
    iput (inode);
  }
  if (ret < 0)
    snprintf (errbuf, errlen, "orphan cleanup failed (%d)", ret);
  return ret;
}
