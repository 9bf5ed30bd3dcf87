/* rename: ext4_rename (fs/ext4/namei.c).
 *
 * One handle does all of it, so with a journal the rename is atomic:
 *   - an existing target name is rewritten in place to the new inode (the
 *     name never disappears), and the replaced inode loses its link (and
 *     joins the orphan list if that was the last);
 *   - otherwise the new name is added;
 *   - the old name is removed;
 *   - a directory moving to another parent gets its ".." rewritten and
 *     both parents' link counts fixed.
 * As ext4 with auto_da_alloc, replacing an existing file first starts
 * writeback of the source's delayed data (ext4_alloc_da_blocks), so that
 * the common "write temp, rename over" pattern does not expose an empty
 * file after a crash in data=ordered mode.
 *
 * Bug switch FPFS_BUG_RENAME_TWO_TX: the names are removed in one
 * transaction, committed, and the new name added in the next, so a crash in
 * between leaves the file under neither name.
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

/* Remove the old name (and, two-tx bug, the target's). */
static int
rename_unlink_old (handle_t *h, struct rename_side *o)
{
  struct ext4_dir_loc loc;
  /* The entry may have moved if adding the new name split its
   * neighbour: look it up again. */
  int ret = ext4_find_entry (o->dir, o->name, o->len, &loc);

  if (ret == 0)
    ret = ext4_delete_entry (h, o->dir, &loc);
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
rename_credits (const struct rename_side *n)
{
  return ext4_dir_add_credits (n->dir) + 12;
}

static int
do_rename (struct rename_side *o, struct rename_side *n)
{
  struct fpfs *fs = o->dir->i_fs;
  bool isdir = fs_isdir (o->inode);
  bool two_tx = fs_bug (fs, FPFS_BUG_RENAME_TWO_TX) && fs->s_journal;
  handle_t *h;
  int ret, err;

  ret = ext4_journal_start (fs, "rename", rename_credits (n), &h);
  if (ret < 0)
    return ret;
  if (two_tx) {
    /* The bug: both names go now, the new one comes in the next tx. */
    if (n->inode) {
      ret = ext4_delete_entry (h, n->dir, &n->loc);
      if (ret == 0)
        ret = rename_drop_target (h, n, isdir);
    }
    if (ret == 0)
      ret = rename_unlink_old (h, o);
    err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
    if (ret == 0)
      ret = ext4_force_commit (fs);
    if (ret == 0)
      ret = ext4_journal_start (fs, "rename", rename_credits (n), &h);
    if (ret < 0)
      return ret;
    ret = ext4_add_entry (h, n->dir, n->name, n->len, o->inode);
  } else if (n->inode) {
    ret = ext4_set_entry (h, n->dir, &n->loc, o->inode->i_ino,
                          ext4_mode_to_ft (o->inode->i_mode));
    if (ret == 0)
      ret = rename_drop_target (h, n, isdir);
    if (ret == 0)
      ret = rename_unlink_old (h, o);
  } else {
    ret = ext4_add_entry (h, n->dir, n->name, n->len, o->inode);
    if (ret == 0)
      ret = rename_unlink_old (h, o);
  }
  if (ret == 0)
    ret = rename_fix_dirs (h, o, n);
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

int
ext4_rename (struct fpfs *fs, const char *oldpath, const char *newpath)
{
  struct rename_side o = { 0 }, n = { 0 };
  int ret;

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
    ret = ext4_iget (fs, n.loc.ino, &n.inode);
  else if (ret == -ENOENT)
    ret = 0;
  if (ret < 0)
    goto out;
  if (n.inode == o.inode) {             /* same inode: nothing to do */
    ret = 0;
    goto out;
  }
  ret = rename_checks (&o, &n);
  if (ret < 0)
    goto out;
  if (n.inode && !fs_isdir (o.inode) && !ext4_should_journal_data (fs))
    /* ext4_alloc_da_blocks (auto_da_alloc): filemap_flush the source. */
    __filemap_fdatawrite_range (VFS_I (o.inode), 0, UINT64_MAX, WB_SYNC_NONE);
  ret = do_rename (&o, &n);
out:
  iput (n.inode);
  iput (o.inode);
  iput (n.dir);
  iput (o.dir);
  return ret;
}
