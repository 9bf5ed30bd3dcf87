/* extents_rm: removing the tail of the extent tree (ext4_ext_remove_space).
 *
 * Truncation to lblk frees every block at or after lblk: extents wholly past
 * it go, the one straddling it is cut, and tree nodes left empty are freed
 * and unhooked from their parents; an empty root goes back to depth 0.
 * The walk is depth-first from the right, so entries always leave from the
 * end of a node.
 *
 * Each step (cut an extent and free its blocks; free an empty child and
 * drop its index entry) is complete within one handle, and i_blocks and the
 * root are written (ext4_mark_inode_dirty) before a handle is restarted, so
 * every transaction leaves a consistent tree.  A truncate spanning several
 * transactions is protected by the orphan list (truncate.c): after a crash
 * orphan cleanup finishes it.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "extents_int.h"

#define RM_CREDITS 64

struct rm_ctx {
  handle_t *h;
  struct fs_inode *inode;
  uint32_t start;
  int depth;
};

/* Restart the handle when fewer than need credits remain. */
static int
rm_ensure_credits (struct rm_ctx *c, int need)
{
  int ret;

  if (ext4_handle_credits_left (c->h) >= need)
    return 0;
  ret = ext4_mark_inode_dirty (c->h, c->inode);
  if (ret == 0)
    ret = ext4_journal_restart (c->h, RM_CREDITS);
  return ret;
}

static int
rm_leaf (struct rm_ctx *c, struct ext_path *p)
{
  struct fpfs *fs = c->inode->i_fs;
  int ret = 0;

  while (p->p_hdr.eh_entries > 0 && !ret) {
    unsigned i = p->p_hdr.eh_entries - 1u;
    uint8_t *e = ext_entry (p->p_node, i);
    struct ext_extent ex;
    uint32_t keep;

    ext_extent_get (e, &ex);
    if ((uint64_t) ex.ee_block + ex.ee_len <= c->start)
      break;
    if (ex.ee_len == 0 || !ext4_blk_in_data (fs, ex.ee_start, ex.ee_len))
      return ext4_error_corrupt (fs, "extent outside the data area",
                                 ex.ee_start);
    ret = rm_ensure_credits (c, c->depth + 6);
    if (ret == 0)
      ret = ext_get_access (c->h, p);
    if (ret < 0)
      break;
    keep = ex.ee_block >= c->start ? 0 : c->start - ex.ee_block;
    /* A directory's blocks are metadata (ext4's get_default_free_blocks_
     * flags: METADATA|FORGET for directories and symlinks): freeing them
     * must revoke, or recovery may replay an old journaled copy over the
     * block once it is reused as file data. */
    ret = ext4_free_blocks (c->h, c->inode, ex.ee_start + keep,
                            ex.ee_len - keep, !fs_isreg (c->inode));
    if (ret < 0)
      break;
    if (keep) {
      ex.ee_len = (uint16_t) keep;
      ext_extent_put (e, &ex);
    } else {
      memset (e, 0, EXT_ENTRY_SIZE);
      ext_set_entries (p, i);
    }
    ret = ext_dirty (c->h, c->inode, p);
    if (keep)
      break;
  }
  return ret;
}

static int
rm_node (struct rm_ctx *c, struct ext_path *p, int level_depth)
{
  struct fpfs *fs = c->inode->i_fs;
  uint64_t upper = 1ull << 32;        /* end of the last child's range */
  int ret = 0;

  if (level_depth == 0)
    return rm_leaf (c, p);
  while (p->p_hdr.eh_entries > 0 && !ret) {
    unsigned i = p->p_hdr.eh_entries - 1u;
    struct ext_index ix;
    struct ext_path child = { 0 };
    struct ext_hdr ch;

    ext_index_get (ext_entry (p->p_node, i), &ix);
    if (upper <= c->start)
      break;
    if (!ext4_blk_in_data (fs, ix.ei_leaf, 1))
      return ext4_error_corrupt (fs, "extent index outside the data area",
                                 ix.ei_leaf);
    ret = buf_read (fs->s_bc, ix.ei_leaf, &child.p_bh);
    if (ret < 0)
      break;
    child.p_node = child.p_bh->b_data;
    ext_hdr_get (child.p_node, &ch);
    if (ch.eh_magic != EXT_MAGIC || ch.eh_max != EXT_BLOCK_MAX
        || ch.eh_entries > ch.eh_max || ch.eh_depth != level_depth - 1) {
      buf_put (child.p_bh);
      return ext4_error_corrupt (fs, "bad extent tree node", ix.ei_leaf);
    }
    child.p_hdr = ch;
    ret = rm_node (c, &child, level_depth - 1);
    if (ret == 0 && child.p_hdr.eh_entries == 0) {
      /* The child is empty: free it and drop its index entry. */
      buf_put (child.p_bh);
      child.p_bh = NULL;
      ret = rm_ensure_credits (c, c->depth + 6);
      if (ret == 0)
        ret = ext_get_access (c->h, p);
      if (ret == 0)
        ret = ext4_free_blocks (c->h, c->inode, ix.ei_leaf, 1, true);
      if (ret == 0) {
        memset (ext_entry (p->p_node, i), 0, EXT_ENTRY_SIZE);
        ext_set_entries (p, i);
        ret = ext_dirty (c->h, c->inode, p);
      }
    } else {
      buf_put (child.p_bh);
      break;                          /* the child kept blocks below start */
    }
    upper = ix.ei_block;
    if (ix.ei_block <= c->start)
      break;
  }
  return ret;
}

int
ext4_ext_remove_space (handle_t *h, struct fs_inode *inode, uint32_t lblk)
{
  struct rm_ctx c = { h, inode, lblk, ext4_ext_depth (inode) };
  struct ext_path root = { 0 };
  int ret = ext4_ext_check_inode (inode);

  if (ret < 0)
    return ret;
  root.p_node = inode->i_data;
  ext_hdr_get (inode->i_data, &root.p_hdr);
  FS_TRACE (inode->i_fs, "ext4_ext_remove_space", "dev %s ino %u since %u "
            "end %u depth %d", inode->i_fs->s_devname, inode->i_ino, lblk,
            0xffffffffu, c.depth);
  ret = rm_node (&c, &root, c.depth);
  if (ret == 0 && root.p_hdr.eh_entries == 0 && c.depth > 0)
    ext4_ext_tree_init (inode);       /* empty tree: back to depth 0 */
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  return ret;
}
