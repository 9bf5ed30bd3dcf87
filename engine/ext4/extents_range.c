/* extents_range: changing a range of the extent tree in place, for
 * fallocate (fs/ext4/extents.c, Linux 4.10):
 *
 *   ext4_ext_set_state  ext4_split_extent / ext4_ext_convert_to_initialized
 *                       and the CONVERT_UNWRITTEN half of zero range: part
 *                       of one extent changes between written and unwritten;
 *   ext4_ext_punch      ext4_ext_remove_space (start, end): the blocks of a
 *                       range are freed, extents cut at its edges;
 *   ext4_ext_shift      ext4_ext_shift_extents: the extents from a block on
 *                       move left (collapse) or right (insert).
 *
 * Unwritten extents: the same entries as written ones with bit 15 of
 * ee_len set on disk (ondisk.h decodes it into ee_unwritten).  Neighbours
 * merge only in the same state (extents.c).
 *
 * Invariants kept at every step (so that every handle, and so every
 * transaction, leaves a tree that fsck accepts): entries sorted with no
 * overlap; an index key equals the first key of its child (ext4_ext_
 * correct_indexes after a node's first entry moves or goes); empty
 * non-root nodes are freed and unhooked (ext4_ext_rm_idx).
 * A split needs room for new tree blocks: it checks for them (metadata
 * reserve) before it frees or moves anything, so that a failing insert
 * does not lose the right piece.  ext4 falls back to zeroing out
 * (EXT4_EXT_MAY_ZEROOUT); the engine does not (engine/FIDELITY.md).
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "extents_int.h"

#define RANGE_CREDITS 64

/* Restart h when fewer than need credits remain (the kernel's
 * ext4_ext_truncate_extend_restart): the inode is written first, so each
 * transaction holds a whole step. */
static int
range_ensure_credits (handle_t *h, struct fs_inode *inode, int need)
{
  int ret;

  if (ext4_handle_credits_left (h) >= need)
    return 0;
  ret = ext4_mark_inode_dirty (h, inode);
  if (ret == 0)
    ret = ext4_journal_restart (h, RANGE_CREDITS);
  return ret;
}

/* A split may grow the tree by one node per level. */
static int
range_split_room (struct fs_inode *inode)
{
  return ext4_claim_free_blocks (inode->i_fs,
                                 (uint64_t) ext4_ext_depth (inode) + 2, true);
}

/* The extent of the leaf path holding lblk, or -EUCLEAN. */
static int
range_extent_at (struct fs_inode *inode, struct ext_pathv *pv, uint32_t lblk,
                 struct ext_extent *ex)
{
  struct ext_path *leaf = &pv->p[pv->depth];

  if (leaf->p_pos >= 0) {
    ext_extent_get (ext_entry (leaf->p_node, (unsigned) leaf->p_pos), ex);
    if (lblk >= ex->ee_block && lblk < (uint64_t) ex->ee_block + ex->ee_len)
      return 0;
  }
  return ext4_error_corrupt (inode->i_fs, "no extent at block", lblk);
}

int
ext4_ext_set_state (handle_t *h, struct fs_inode *inode, uint32_t lblk,
                    uint32_t len, bool unwritten)
{
  struct ext_pathv pv;
  struct ext_path *leaf;
  struct ext_extent ex, piece;
  uint32_t end, left, right;
  uint64_t pstart;
  bool old;
  int ret;

  ret = ext_find_extent (inode, lblk, &pv);
  if (ret < 0)
    return ret;
  ret = range_extent_at (inode, &pv, lblk, &ex);
  if (ret < 0)
    goto out;
  end = ex.ee_block + ex.ee_len;
  if (len > end - lblk)
    len = end - lblk;
  ret = (int) len;
  if (ex.ee_unwritten == unwritten)
    goto out;
  if (unwritten && len > EXT_UNWRITTEN_MAX_LEN)
    len = EXT_UNWRITTEN_MAX_LEN;
  left = lblk - ex.ee_block;
  right = end - (lblk + len);
  old = ex.ee_unwritten;
  pstart = ex.ee_start;
  if (left || right) {
    ret = range_split_room (inode);
    if (ret < 0)
      goto out;
  }
  leaf = &pv.p[pv.depth];
  ret = ext_get_access (h, leaf);
  if (ret < 0)
    goto out;
  /* The entry keeps the first piece; the others are inserted after it. */
  piece = left ? (struct ext_extent) { ex.ee_block, (uint16_t) left, pstart, old }
    : (struct ext_extent) { lblk, (uint16_t) len, pstart, unwritten };
  ext_extent_put (ext_entry (leaf->p_node, (unsigned) leaf->p_pos), &piece);
  ret = ext_dirty (h, inode, leaf);
  ext_path_release (&pv);
  if (ret == 0 && left)
    ret = ext4_ext_insert_extent_state (h, inode, lblk, len, pstart + left,
                                        unwritten);
  if (ret == 0 && right)
    ret = ext4_ext_insert_extent_state (h, inode, lblk + len, right,
                                        pstart + left + len, old);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  FS_TRACE (inode->i_fs, "ext4_ext_set_state", "dev %s ino %u lblk %u len %u "
            "%s ret %d", inode->i_fs->s_devname, inode->i_ino, lblk, len,
            unwritten ? "unwritten" : "written", ret);
  return ret < 0 ? ret : (int) len;
out:
  ext_path_release (&pv);
  return ret;
}

/* The leaf of pv lost its last entry: free it and every ancestor left
 * empty, unhooking each from its parent (ext4_ext_rm_idx). */
static int
range_drop_empty (handle_t *h, struct fs_inode *inode, struct ext_pathv *pv)
{
  int ret = 0;

  for (int level = pv->depth - 1; level >= 0 && !ret; level--) {
    struct ext_path *p = &pv->p[level], *child = &pv->p[level + 1];
    unsigned n = p->p_hdr.eh_entries, pos = (unsigned) p->p_pos;
    if (child->p_hdr.eh_entries > 0)
      break;
    ret = ext_get_access (h, p);
    if (ret == 0)
      ret = ext4_free_blocks (h, inode, child->p_bh->b_blocknr, 1, true);
    if (ret < 0)
      break;
    memmove (ext_entry (p->p_node, pos), ext_entry (p->p_node, pos + 1),
             (size_t) (n - pos - 1) * EXT_ENTRY_SIZE);
    memset (ext_entry (p->p_node, n - 1), 0, EXT_ENTRY_SIZE);
    ext_set_entries (p, n - 1);
    ret = ext_dirty (h, inode, p);
    /* The node's first entry went: the keys above follow its new first. */
    if (ret == 0 && pos == 0 && n > 1 && level > 0)
      ret = ext_correct_indexes_from (h, inode, pv, level - 1,
                                      ext_key (p->p_node, 0));
  }
  if (ret == 0 && pv->depth > 0 && pv->p[0].p_hdr.eh_entries == 0) {
    ext4_ext_tree_init (inode);        /* empty tree: back to depth 0 */
    ret = ext4_mark_inode_dirty (h, inode);
  }
  return ret;
}

/* Cut [lblk, cut_end) out of the extent holding lblk. */
static int
range_cut (handle_t *h, struct fs_inode *inode, uint32_t lblk,
           uint32_t cut_end)
{
  struct ext_pathv pv;
  struct ext_path *leaf;
  struct ext_extent ex;
  uint32_t end;
  uint8_t *e;
  int ret;

  ret = ext_find_extent (inode, lblk, &pv);
  if (ret < 0)
    return ret;
  ret = range_extent_at (inode, &pv, lblk, &ex);
  if (ret < 0)
    goto out;
  leaf = &pv.p[pv.depth];
  e = ext_entry (leaf->p_node, (unsigned) leaf->p_pos);
  end = ex.ee_block + ex.ee_len;
  if (cut_end > end)
    cut_end = end;
  if (lblk > ex.ee_block && cut_end < end) {
    ret = range_split_room (inode);
    if (ret < 0)
      goto out;
  }
  ret = ext_get_access (h, leaf);
  if (ret == 0)
    ret = ext4_free_blocks (h, inode, ex.ee_start + (lblk - ex.ee_block),
                            cut_end - lblk, !fs_isreg (inode));
  if (ret < 0)
    goto out;
  if (lblk == ex.ee_block && cut_end == end) {
    unsigned n = leaf->p_hdr.eh_entries, pos = (unsigned) leaf->p_pos;
    memmove (e, ext_entry (leaf->p_node, pos + 1),
             (size_t) (n - pos - 1) * EXT_ENTRY_SIZE);
    memset (ext_entry (leaf->p_node, n - 1), 0, EXT_ENTRY_SIZE);
    ext_set_entries (leaf, n - 1);
    ret = ext_dirty (h, inode, leaf);
    if (ret == 0 && n == 1 && pv.depth > 0)
      ret = range_drop_empty (h, inode, &pv);
    else if (ret == 0 && pos == 0 && n > 1 && pv.depth > 0)
      ret = ext_correct_indexes_from (h, inode, &pv, pv.depth - 1,
                                      ext_key (leaf->p_node, 0));
    goto out;
  }
  if (lblk == ex.ee_block) {                  /* the head goes */
    ex.ee_start += cut_end - ex.ee_block;
    ex.ee_len = (uint16_t) (end - cut_end);
    ex.ee_block = cut_end;
  } else
    ex.ee_len = (uint16_t) (lblk - ex.ee_block);   /* the tail, or middle */
  ext_extent_put (e, &ex);
  ret = ext_dirty (h, inode, leaf);
  if (ret == 0 && ex.ee_block == cut_end && leaf->p_pos == 0 && pv.depth > 0)
    ret = ext_correct_indexes_from (h, inode, &pv, pv.depth - 1, cut_end);
  if (ret == 0 && lblk > ex.ee_block && cut_end < end) {
    struct ext_extent r = { cut_end, (uint16_t) (end - cut_end),
                            ex.ee_start + (cut_end - ex.ee_block),
                            ex.ee_unwritten };
    ext_path_release (&pv);
    return ext4_ext_insert_extent_state (h, inode, r.ee_block, r.ee_len,
                                         r.ee_start, r.ee_unwritten);
  }
out:
  ext_path_release (&pv);
  return ret;
}

int
ext4_ext_split_at (handle_t *h, struct fs_inode *inode, uint32_t lblk)
{
  struct ext_pathv pv;
  struct ext_path *leaf;
  struct ext_extent ex, r;
  int ret = ext_find_extent (inode, lblk, &pv);

  if (ret < 0)
    return ret;
  leaf = &pv.p[pv.depth];
  if (leaf->p_pos < 0)
    goto out;
  ext_extent_get (ext_entry (leaf->p_node, (unsigned) leaf->p_pos), &ex);
  if (lblk <= ex.ee_block || lblk >= (uint64_t) ex.ee_block + ex.ee_len)
    goto out;
  ret = range_split_room (inode);
  if (ret == 0)
    ret = ext_get_access (h, leaf);
  if (ret < 0)
    goto out;
  r = (struct ext_extent) { lblk, (uint16_t) (ex.ee_block + ex.ee_len - lblk),
                            ex.ee_start + (lblk - ex.ee_block),
                            ex.ee_unwritten };
  ex.ee_len = (uint16_t) (lblk - ex.ee_block);
  ext_extent_put (ext_entry (leaf->p_node, (unsigned) leaf->p_pos), &ex);
  ret = ext_dirty (h, inode, leaf);
  ext_path_release (&pv);
  if (ret == 0)
    ret = ext_insert_extent (h, inode, r.ee_block, r.ee_len, r.ee_start,
                             r.ee_unwritten, false);
  return ret;
out:
  ext_path_release (&pv);
  return ret;
}

int
ext4_ext_punch (handle_t *h, struct fs_inode *inode, uint32_t start,
                uint32_t end)
{
  uint64_t lblk = start;
  int ret = ext4_ext_check_inode (inode);

  FS_TRACE (inode->i_fs, "ext4_ext_remove_space", "dev %s ino %u since %u "
            "end %u depth %d", inode->i_fs->s_devname, inode->i_ino, start,
            end - 1, ext4_ext_depth (inode));
  while (ret == 0 && lblk < end) {
    uint64_t pblk;
    uint32_t len;
    ret = range_ensure_credits (h, inode, 3 * ext4_ext_depth (inode) + 8);
    if (ret == 0)
      ret = ext4_ext_lookup (inode, (uint32_t) lblk, &pblk, &len);
    if (ret < 0)
      break;
    if (pblk == 0) {                          /* a hole: skip to the next */
      lblk += len ? len : 1;
      continue;
    }
    if (len > end - lblk)
      len = (uint32_t) (end - lblk);
    ret = range_cut (h, inode, (uint32_t) lblk, (uint32_t) (lblk + len));
    lblk += len;
  }
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  return ret;
}

struct shift_ctx {
  handle_t *h;
  struct fs_inode *inode;
  uint32_t start;
  int64_t delta;
};

static uint32_t
shift_key (const struct shift_ctx *c, uint32_t key)
{
  return key >= c->start ? (uint32_t) ((int64_t) key + c->delta) : key;
}

/* Shift the entries of node (at depth) that lie at or after c->start;
 * *first gets the node's first key afterwards (UINT32_MAX when empty). */
static int
shift_node (struct shift_ctx *c, struct ext_path *p, int depth,
            uint32_t *first)
{
  struct fpfs *fs = c->inode->i_fs;
  unsigned n = p->p_hdr.eh_entries;
  int ret = 0;

  for (unsigned i = 0; i < n && !ret; i++) {
    uint8_t *e = ext_entry (p->p_node, i);
    if (depth == 0) {
      struct ext_extent ex;
      ext_extent_get (e, &ex);
      if (ex.ee_block >= c->start) {
        ret = range_ensure_credits (c->h, c->inode, 4);
        if (ret == 0)
          ret = ext_get_access (c->h, p);
        if (ret < 0)
          break;
        ex.ee_block = shift_key (c, ex.ee_block);
        ext_extent_put (e, &ex);
        ret = ext_dirty (c->h, c->inode, p);
      }
    } else {
      struct ext_index ix;
      struct ext_path child = { 0 };
      uint32_t cfirst = UINT32_MAX, key;
      ext_index_get (e, &ix);
      /* Only children that may hold blocks at or after start. */
      if (i + 1 < n && ext_key (p->p_node, i + 1) <= c->start)
        continue;
      if (!ext4_blk_in_data (fs, ix.ei_leaf, 1))
        return ext4_error_corrupt (fs, "extent index outside the data area",
                                   ix.ei_leaf);
      ret = buf_read (fs->s_bc, ix.ei_leaf, &child.p_bh);
      if (ret < 0)
        break;
      child.p_node = child.p_bh->b_data;
      ext_hdr_get (child.p_node, &child.p_hdr);
      if (child.p_hdr.eh_magic != EXT_MAGIC
          || child.p_hdr.eh_max != EXT_BLOCK_MAX
          || child.p_hdr.eh_entries > child.p_hdr.eh_max
          || child.p_hdr.eh_depth != depth - 1) {
        buf_put (child.p_bh);
        return ext4_error_corrupt (fs, "bad extent tree node", ix.ei_leaf);
      }
      ret = shift_node (c, &child, depth - 1, &cfirst);
      buf_put (child.p_bh);
      if (ret < 0)
        break;
      key = shift_key (c, ix.ei_block);
      if (cfirst != UINT32_MAX)
        key = cfirst;                 /* an index key is its child's first */
      if (key != ix.ei_block) {
        ret = range_ensure_credits (c->h, c->inode, 4);
        if (ret == 0)
          ret = ext_get_access (c->h, p);
        if (ret < 0)
          break;
        put_le32 (e, key);
        ret = ext_dirty (c->h, c->inode, p);
      }
    }
  }
  *first = n ? ext_key (p->p_node, 0) : UINT32_MAX;
  return ret;
}

int
ext4_ext_shift (handle_t *h, struct fs_inode *inode, uint32_t start,
                int64_t delta)
{
  struct shift_ctx c = { h, inode, start, delta };
  struct ext_path root = { 0 };
  uint32_t first;
  int ret = ext4_ext_check_inode (inode);

  if (ret < 0)
    return ret;
  root.p_node = inode->i_data;
  ext_hdr_get (inode->i_data, &root.p_hdr);
  FS_TRACE (inode->i_fs, "ext4_ext_shift_extents", "dev %s ino %u start %u "
            "shift %" PRId64, inode->i_fs->s_devname, inode->i_ino, start,
            delta);
  ret = shift_node (&c, &root, ext4_ext_depth (inode), &first);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  return ret;
}
