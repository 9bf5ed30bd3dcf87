/* rename: ext4_rename2 (fs/ext4/namei.c, Linux 4.10): ext4_rename with
 * RENAME_NOREPLACE and RENAME_WHITEOUT, and ext4_cross_rename for
 * RENAME_EXCHANGE (rename_exchange below), with the VFS's checks of
 * renameat2 and vfs_rename that need both sides.
 *
 * One handle does all of it, so with a journal the rename is atomic:
 *   - an existing target name is rewritten in place to the new inode (the
 *     name never disappears), and the replaced inode loses its link (and
 *     joins the orphan list if that was the last);
 *   - otherwise the new name is added;
 *   - the old name is removed -- or, with RENAME_WHITEOUT, rewritten in
 *     place to a whiteout: a character device 0:0 allocated in the same
 *     handle (ext4_whiteout_for_rename starts the handle by allocating it,
 *     with one link, as ext4_new_inode_start_handle; it is never an
 *     orphan in 4.10: if the rename fails, drop_nlink and iput free it);
 *   - a directory moving to another parent gets its ".." rewritten and
 *     both parents' link counts fixed.
 * RENAME_NOREPLACE is EEXIST when the target exists (renameat2, before
 * any of this); otherwise it is a plain rename.
 * RENAME_EXCHANGE swaps two existing names: both entries are rewritten in
 * place (ext4_setent), both inodes get the new ctime, a directory that
 * changes parent gets its ".." rewritten, and when a directory and a
 * non-directory trade parents, the parents' link counts move by one
 * (ext4_update_dir_count).
 * As ext4 with auto_da_alloc, replacing an existing file first starts
 * writeback of the source's delayed data (ext4_alloc_da_blocks), so that
 * the common "write temp, rename over" pattern does not expose an empty
 * file after a crash in data=ordered mode.
 *
 * Bug switch FPFS_BUG_RENAME_TWO_TX (plain, NOREPLACE and WHITEOUT): the
 * old name (whiteout: rewritten to the whiteout) and a replaced target go
 * in one transaction, committed, and the new name comes in the next, so a
 * crash in between leaves the file under neither name.
 * Bug switch FPFS_BUG_EXCHANGE_TWO_TX: the new name is pointed at the old
 * inode in one transaction, committed, and the old name at the new inode
 * in the next: a crash in between shows both names on one inode and the
 * other inode under no name.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "ext4.h"

struct rename_side {
  struct fs_inode *dir;
  const char *name;
  size_t len;
  struct ext4_dir_loc loc;
  struct fs_inode *inode;       /* NULL: no such name (target only) */
};

/* Is dir inside the subtree rooted at anc (or anc itself)? */
static int
is_subdir (struct fs_inode *dir, struct fs_inode *anc)
{
  struct fpfs *fs = dir->i_fs;
  uint32_t ino = dir->i_ino;

  for (uint32_t steps = 0; steps < fs->s_geo.inodes_count; steps++) {
    struct ext4_dir_loc loc;
    struct fs_inode *d;
    int ret;
    if (ino == anc->i_ino)
      return 1;
    if (ino == FS_ROOT_INO)
      return 0;
    ret = ext4_iget (fs, ino, &d);
    if (ret < 0)
      return ret;
    ret = ext4_find_entry (d, "..", 2, &loc);
    iput (d);
    if (ret < 0)
      return ret;
    ino = loc.ino;
  }
  return -EUCLEAN;
}

static int
rename_checks (struct rename_side *o, struct rename_side *n)
{
  struct fs_inode *src = o->inode, *tgt = n->inode;
  int ret;

  if (fs_isdir (src)) {
    if (tgt && !fs_isdir (tgt))
      return -ENOTDIR;
    if (tgt && (ret = ext4_empty_dir (tgt)) <= 0)
      return ret < 0 ? ret : -ENOTEMPTY;
    if (n->dir != o->dir) {
      ret = is_subdir (n->dir, src);
      if (ret)
        return ret < 0 ? ret : -EINVAL;
      if (!tgt && n->dir->i_nlink >= EXT4_LINK_MAX)
        return -EMLINK;
    }
  } else if (tgt && fs_isdir (tgt))
    return -EISDIR;
  return 0;
}

/* The old name goes: removed, or (RENAME_WHITEOUT) pointed at the
 * whiteout, as ext4_setent (ext4_rename does it before adding the new
 * name; the two-tx bug's path after removing the target). */
static int
rename_unlink_old (handle_t *h, struct rename_side *o, struct fs_inode *wh)
{
  struct ext4_dir_loc loc;
  /* The entry may have moved if adding the new name or removing the
   * target merged or split its neighbours: look it up again. */
  int ret = ext4_find_entry (o->dir, o->name, o->len, &loc);

  if (ret < 0)
    return ret;
  if (wh == NULL)
    return ext4_delete_entry (h, o->dir, &loc);
  ret = ext4_set_entry (h, o->dir, &loc, wh->i_ino, FT_CHRDEV);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, wh);
  return ret;
}

/* ext4_whiteout_for_rename: S_IFCHR | WHITEOUT_MODE with WHITEOUT_DEV
 * (0:0), allocated in the rename's own handle.  It has its link from the
 * start (new_inode's i_nlink is 1; ext4 only drops it on failure), so it
 * is never an orphan: until the handle commits, the inode bitmap and the
 * entry that names it are in the same transaction. */
static int
ext4_whiteout_for_rename (handle_t *h, struct fs_inode *dir,
                          struct fs_inode **out)
{
  int ret = ext4_new_inode (h, dir, FS_S_IFCHR, out);

  if (ret == 0) {
    (*out)->i_rdev = 0;                 /* init_special_inode, WHITEOUT_DEV */
    (*out)->i_nlink = 1;
  }
  return ret;
}

static int
rename_drop_target (handle_t *h, struct rename_side *n, bool isdir)
{
  struct fs_inode *tgt = n->inode;
  int ret;

  tgt->i_ctime = fs_current_time (tgt->i_fs);
  if (isdir)
    tgt->i_nlink = 0;             /* empty, checked: clear_nlink */
  else if (tgt->i_nlink)
    tgt->i_nlink--;
  ret = tgt->i_nlink == 0 ? ext4_orphan_add (h, tgt) : 0;
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, tgt);
  return ret;
}

static int
rename_fix_dirs (handle_t *h, struct rename_side *o, struct rename_side *n)
{
  struct fs_inode *src = o->inode;
  struct fpfs_timespec now = fs_current_time (src->i_fs);
  int ret = 0;

  if (fs_isdir (src)) {
    if (o->dir != n->dir) {
      struct ext4_dir_loc dotdot;
      ret = ext4_find_entry (src, "..", 2, &dotdot);
      if (ret == 0)
        ret = ext4_set_entry (h, src, &dotdot, n->dir->i_ino, FT_DIR);
      if (ret < 0)
        return ret;
    }
    /* ext4_dec_count (old.dir), and ext4_inc_count (new.dir) unless a
     * replaced directory's ".." already counted there. */
    if (o->dir->i_nlink > 2)
      o->dir->i_nlink--;
    if (!n->inode)
      n->dir->i_nlink++;
  }
  src->i_ctime = now;
  src->i_parent = n->dir->i_ino;
  src->i_ext4_state |= EXT4_STATE_NEWENTRY;
  o->dir->i_mtime = o->dir->i_ctime = now;
  n->dir->i_mtime = n->dir->i_ctime = now;
  ret = ext4_mark_inode_dirty (h, src);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, o->dir);
  if (ret == 0 && n->dir != o->dir)
    ret = ext4_mark_inode_dirty (h, n->dir);
  return ret;
}

static int
rename_credits (const struct rename_side *n, bool whiteout)
{
  /* A whiteout adds the inode bitmap, its inode-table block and the
   * superblock: ext4_whiteout_for_rename's "+ 4". */
  return ext4_dir_add_credits (n->dir) + 12 + (whiteout ? 4 : 0);
}

static int
do_rename (struct rename_side *o, struct rename_side *n, unsigned flags)
{
  struct fpfs *fs = o->dir->i_fs;
  bool isdir = fs_isdir (o->inode);
  bool two_tx = fs_bug (fs, FPFS_BUG_RENAME_TWO_TX) && fs->s_journal;
  bool whiteout = (flags & FPFS_RENAME_WHITEOUT) != 0;
  struct fs_inode *wh = NULL;
  handle_t *h;
  int ret, err;

  ret = ext4_journal_start (fs, "rename", rename_credits (n, whiteout), &h);
  if (ret < 0)
    return ret;
  if (whiteout)
    ret = ext4_whiteout_for_rename (h, o->dir, &wh);
  if (ret < 0)
    goto stop;
  if (two_tx) {
    /* The bug: both names go now (the old one to the whiteout), the new
     * one comes in the next transaction. */
    if (n->inode) {
      ret = ext4_delete_entry (h, n->dir, &n->loc);
      if (ret == 0)
        ret = rename_drop_target (h, n, isdir);
    }
    if (ret == 0)
      ret = rename_unlink_old (h, o, wh);
    err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
    if (ret == 0)
      ret = ext4_force_commit (fs);
    if (ret == 0)
      ret = ext4_journal_start (fs, "rename", rename_credits (n, false), &h);
    if (ret < 0) {
      h = NULL;
      goto stop;
    }
    ret = ext4_add_entry (h, n->dir, n->name, n->len, o->inode);
  } else {
    /* ext4_rename: the whiteout takes the old entry first, while o->loc
     * is sure to be where the lookup found it. */
    if (wh)
      ret = rename_unlink_old (h, o, wh);
    if (ret == 0 && n->inode) {
      ret = ext4_set_entry (h, n->dir, &n->loc, o->inode->i_ino,
                            ext4_mode_to_ft (o->inode->i_mode));
      if (ret == 0)
        ret = rename_drop_target (h, n, isdir);
    } else if (ret == 0)
      ret = ext4_add_entry (h, n->dir, n->name, n->len, o->inode);
    if (ret == 0 && !wh)
      ret = rename_unlink_old (h, o, NULL);
  }
  if (ret == 0)
    ret = rename_fix_dirs (h, o, n);
stop:
  if (wh && ret < 0)
    wh->i_nlink = 0;                    /* drop_nlink: the iput frees it */
  if (h) {
    err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
  }
  /* After the handle: evicting a failed whiteout starts its own. */
  iput (wh);
  return ret;
}

/* renameat2's and vfs_rename's checks for RENAME_EXCHANGE, and
 * ext4_cross_rename's EMLINK: neither inode may be an ancestor of the
 * other's new parent; a parent that gains a subdirectory must have room. */
static int
exchange_checks (struct rename_side *o, struct rename_side *n)
{
  int ret;

  if (o->dir == n->dir)
    return 0;
  if (fs_isdir (o->inode) && (ret = is_subdir (n->dir, o->inode)) != 0)
    return ret < 0 ? ret : -EINVAL;
  if (fs_isdir (n->inode) && (ret = is_subdir (o->dir, n->inode)) != 0)
    return ret < 0 ? ret : -EINVAL;
  if (fs_isdir (o->inode) != fs_isdir (n->inode)) {
    struct fs_inode *gains = fs_isdir (o->inode) ? n->dir : o->dir;
    if (gains->i_nlink >= EXT4_LINK_MAX)
      return -EMLINK;
  }
  return 0;
}

/* ext4_setent: the entry at side->loc now names inode; its directory's
 * mtime and ctime move and it is journalled. */
static int
exchange_setent (handle_t *h, struct rename_side *side, struct fs_inode *inode)
{
  struct fpfs_timespec now = fs_current_time (side->dir->i_fs);
  int ret = ext4_set_entry (h, side->dir, &side->loc, inode->i_ino,
                            ext4_mode_to_ft (inode->i_mode));

  side->dir->i_mtime = side->dir->i_ctime = now;
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, side->dir);
  return ret;
}

/* ext4_rename_dir_finish: a directory that now lives in parent gets its
 * ".." rewritten. */
static int
exchange_dotdot (handle_t *h, struct fs_inode *dir, struct fs_inode *parent)
{
  struct ext4_dir_loc dotdot;
  int ret = ext4_find_entry (dir, "..", 2, &dotdot);

  if (ret == 0)
    ret = ext4_set_entry (h, dir, &dotdot, parent->i_ino, FT_DIR);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, dir);
  return ret;
}

/* ext4_cross_rename, in one handle (two with the exchange-two-tx bug). */
static int
do_exchange (struct rename_side *o, struct rename_side *n)
{
  struct fpfs *fs = o->dir->i_fs;
  bool two_tx = fs_bug (fs, FPFS_BUG_EXCHANGE_TWO_TX) && fs->s_journal;
  int credits = 2 * ext4_dir_add_credits (n->dir) + 12;
  struct fpfs_timespec now;
  handle_t *h;
  int ret, err;

  ret = ext4_journal_start (fs, "rename", credits, &h);
  if (ret < 0)
    return ret;
  ret = exchange_setent (h, n, o->inode);
  if (ret == 0 && two_tx) {
    /* The bug: this transaction holds the new name's rewrite alone. */
    err = ext4_journal_stop (h);
    ret = err ? err : ext4_force_commit (fs);
    if (ret == 0)
      ret = ext4_journal_start (fs, "rename", credits, &h);
    if (ret < 0)
      return ret;
  }
  if (ret == 0)
    ret = exchange_setent (h, o, n->inode);
  if (ret < 0)
    goto stop;
  now = fs_current_time (fs);
  o->inode->i_ctime = n->inode->i_ctime = now;
  o->inode->i_parent = n->dir->i_ino;
  n->inode->i_parent = o->dir->i_ino;
  ret = ext4_mark_inode_dirty (h, o->inode);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, n->inode);
  if (ret == 0 && o->dir != n->dir && fs_isdir (o->inode))
    ret = exchange_dotdot (h, o->inode, n->dir);
  if (ret == 0 && o->dir != n->dir && fs_isdir (n->inode))
    ret = exchange_dotdot (h, n->inode, o->dir);
  /* ext4_update_dir_count: only a directory trading places with a
   * non-directory across parents moves a ".." link. */
  if (ret == 0 && o->dir != n->dir
      && fs_isdir (o->inode) != fs_isdir (n->inode)) {
    struct fs_inode *gains = fs_isdir (o->inode) ? n->dir : o->dir;
    struct fs_inode *loses = fs_isdir (o->inode) ? o->dir : n->dir;
    gains->i_nlink++;
    if (loses->i_nlink > 2)
      loses->i_nlink--;
    ret = ext4_mark_inode_dirty (h, gains);
    if (ret == 0)
      ret = ext4_mark_inode_dirty (h, loses);
  }
stop:
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

int
ext4_rename (struct fpfs *fs, const char *oldpath, const char *newpath,
             unsigned flags)
{
  struct rename_side o = { 0 }, n = { 0 };
  int ret;

  /* renameat2's flag checks come before any lookup. */
  if (flags & ~(FPFS_RENAME_NOREPLACE | FPFS_RENAME_EXCHANGE
                | FPFS_RENAME_WHITEOUT))
    return -EINVAL;
  if ((flags & FPFS_RENAME_EXCHANGE)
      && (flags & (FPFS_RENAME_NOREPLACE | FPFS_RENAME_WHITEOUT)))
    return -EINVAL;
  ret = ext4_lookup_parent (fs, oldpath, &o.dir, &o.name, &o.len);
  if (ret < 0)
    return ret;
  ret = ext4_lookup_parent (fs, newpath, &n.dir, &n.name, &n.len);
  if (ret < 0)
    goto out;
  if (fs->s_ro) {
    ret = -EROFS;
    goto out;
  }
  ret = ext4_find_entry (o.dir, o.name, o.len, &o.loc);
  if (ret == 0)
    ret = ext4_iget (fs, o.loc.ino, &o.inode);
  if (ret < 0)
    goto out;
  ret = ext4_find_entry (n.dir, n.name, n.len, &n.loc);
  if (ret == 0)
    ret = (flags & FPFS_RENAME_NOREPLACE) ? -EEXIST
      : ext4_iget (fs, n.loc.ino, &n.inode);
  else if (ret == -ENOENT && !(flags & FPFS_RENAME_EXCHANGE))
    ret = 0;                            /* EXCHANGE: both must exist */
  if (ret < 0)
    goto out;
  if (n.inode == o.inode) {             /* same inode: nothing to do */
    ret = 0;
    goto out;
  }
  if (flags & FPFS_RENAME_EXCHANGE) {
    ret = exchange_checks (&o, &n);
    if (ret == 0)
      ret = do_exchange (&o, &n);
    goto out;
  }
  ret = rename_checks (&o, &n);
  if (ret < 0)
    goto out;
  if (n.inode && !fs_isdir (o.inode) && !ext4_should_journal_data (fs))
    /* ext4_alloc_da_blocks (auto_da_alloc): filemap_flush the source. */
    __filemap_fdatawrite_range (VFS_I (o.inode), 0, UINT64_MAX, WB_SYNC_NONE);
  ret = do_rename (&o, &n, flags);
out:
  iput (n.inode);
  iput (o.inode);
  iput (n.dir);
  iput (o.dir);
  return ret;
}
