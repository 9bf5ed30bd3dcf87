/* extents: the extent tree (fs/ext4/extents.c), lookup and insertion.
 *
 * The tree is ext4's: its root is the 60-byte i_block area of the inode
 * (header + 4 entries), other nodes are whole blocks (header + 340
 * entries).  Index entries point at child nodes; leaves hold extents
 * (logical start, length, physical start).  All leaves are at the same
 * depth, given by the root's eh_depth (at most 5).
 *
 * Insertion (ext4_ext_insert_extent): merge with a neighbour if contiguous;
 * else insert into the leaf if it has room; else make room and retry:
 * ext4_ext_create_new_leaf finds the lowest index level with a free slot
 * and splits every level below it (ext4_ext_split: the entries right of the
 * insertion point move to new nodes, so a steady append fills each leaf
 * completely), or, when every level is full, moves the root's contents into
 * a new block and grows the tree by one level (ext4_ext_grow_indepth).
 *
 * Every node read from disk is checked before use: magic, eh_max equal to
 * the node's capacity, eh_entries <= eh_max, the depth its parent implies,
 * and child pointers inside the data area.  A corrupt tree gives -EUCLEAN,
 * never a wild access; depth bounds every walk.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "extents_int.h"

static int
ext_check_node (struct fs_inode *inode, const uint8_t *node, unsigned max,
                int depth, uint64_t blk)
{
  struct ext_hdr h;

  ext_hdr_get (node, &h);
  if (h.eh_magic != EXT_MAGIC || h.eh_max != max || h.eh_entries > h.eh_max
      || (depth >= 0 && h.eh_depth != depth) || h.eh_depth > EXT_MAX_DEPTH)
    return ext4_error_corrupt (inode->i_fs, blk ? "bad extent tree node"
                               : "bad extent tree root",
                               blk ? blk : inode->i_ino);
  return 0;
}

void
ext4_ext_tree_init (struct fs_inode *inode)
{
  struct ext_hdr h = { EXT_MAGIC, 0, EXT_ROOT_MAX, 0, 0 };

  memset (inode->i_data, 0, sizeof inode->i_data);
  ext_hdr_put (inode->i_data, &h);
}

int
ext4_ext_check_inode (struct fs_inode *inode)
{
  return ext_check_node (inode, inode->i_data, EXT_ROOT_MAX, -1, 0);
}

int
ext4_ext_depth (const struct fs_inode *inode)
{
  return get_le16 (inode->i_data + 6);
}

void
ext_path_release (struct ext_pathv *pv)
{
  for (int i = 0; i <= pv->depth && i <= (int) EXT_MAX_DEPTH; i++) {
    buf_put (pv->p[i].p_bh);
    pv->p[i].p_bh = NULL;
  }
}

uint32_t
ext_key (const uint8_t *node, unsigned i)
{
  return get_le32 (ext_entry ((uint8_t *) node, i));
}

/* Last entry whose key is <= lblk, or -1. */
static int
ext_bsearch (const uint8_t *node, unsigned n, uint32_t lblk)
{
  int lo = 0, hi = (int) n - 1, ans = -1;

  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (ext_key (node, (unsigned) mid) <= lblk) {
      ans = mid;
      lo = mid + 1;
    } else
      hi = mid - 1;
  }
  return ans;
}

int
ext_find_extent (struct fs_inode *inode, uint32_t lblk, struct ext_pathv *pv)
{
  struct fpfs *fs = inode->i_fs;
  uint8_t *node = inode->i_data;
  int ret, depth;

  memset (pv, 0, sizeof *pv);
  ret = ext_check_node (inode, node, EXT_ROOT_MAX, -1, 0);
  if (ret < 0)
    return ret;
  depth = ext4_ext_depth (inode);
  pv->depth = depth;
  for (int level = 0; level <= depth; level++) {
    struct ext_path *p = &pv->p[level];
    p->p_node = node;
    ext_hdr_get (node, &p->p_hdr);
    p->p_pos = ext_bsearch (node, p->p_hdr.eh_entries, lblk);
    if (level < depth) {
      struct ext_index ix;
      struct buf *bh;
      if (p->p_hdr.eh_entries == 0) {
        ext_path_release (pv);
        return ext4_error_corrupt (fs, "empty extent index node",
                                   p->p_bh ? p->p_bh->b_blocknr : inode->i_ino);
      }
      if (p->p_pos < 0)
        p->p_pos = 0;
      ext_index_get (ext_entry (node, (unsigned) p->p_pos), &ix);
      if (!ext4_blk_in_data (fs, ix.ei_leaf, 1)) {
        ext_path_release (pv);
        return ext4_error_corrupt (fs, "extent index points outside the data "
                                   "area", ix.ei_leaf);
      }
      ret = buf_read (fs->s_bc, ix.ei_leaf, &bh);
      if (ret < 0) {
        ext_path_release (pv);
        return ret;
      }
      pv->p[level + 1].p_bh = bh;
      ret = ext_check_node (inode, bh->b_data, EXT_BLOCK_MAX,
                            depth - level - 1, ix.ei_leaf);
      if (ret < 0) {
        ext_path_release (pv);
        return ret;
      }
      node = bh->b_data;
    }
  }
  return 0;
}

/* First logical block mapped after the path's position, or 2^32. */
static uint64_t
ext_next_allocated (const struct ext_pathv *pv)
{
  for (int level = pv->depth; level >= 0; level--) {
    const struct ext_path *p = &pv->p[level];
    if (p->p_pos + 1 < (int) p->p_hdr.eh_entries)
      return ext_key (p->p_node, (unsigned) (p->p_pos + 1));
  }
  return 1ull << 32;
}

int
ext4_ext_lookup (struct fs_inode *inode, uint32_t lblk, uint64_t *pblk,
                 uint32_t *len)
{
  return ext4_ext_lookup_state (inode, lblk, pblk, len, NULL);
}

int
ext4_ext_lookup_state (struct fs_inode *inode, uint32_t lblk, uint64_t *pblk,
                       uint32_t *len, bool *unwritten)
{
  struct ext_pathv pv;
  struct ext_path *leaf;
  uint64_t next;
  int ret = ext_find_extent (inode, lblk, &pv);

  if (ret < 0)
    return ret;
  leaf = &pv.p[pv.depth];
  *pblk = 0;
  if (unwritten)
    *unwritten = false;
  if (leaf->p_pos >= 0) {
    struct ext_extent ex;
    ext_extent_get (ext_entry (leaf->p_node, (unsigned) leaf->p_pos), &ex);
    if (lblk < (uint64_t) ex.ee_block + ex.ee_len) {
      if (ex.ee_len == 0 || !ext4_blk_in_data (inode->i_fs, ex.ee_start,
                                                ex.ee_len)) {
        ext_path_release (&pv);
        return ext4_error_corrupt (inode->i_fs, "extent outside the data area",
                                   ex.ee_start);
      }
      *pblk = ex.ee_start + (lblk - ex.ee_block);
      *len = (uint32_t) (ex.ee_block + ex.ee_len - lblk);
      if (unwritten)
        *unwritten = ex.ee_unwritten;
      ext_path_release (&pv);
      return 0;
    }
  }
  next = ext_next_allocated (&pv);
  if (next <= lblk)                  /* unsorted keys: corrupt, stay sane */
    next = (uint64_t) lblk + 1;
  *len = next - lblk > UINT32_MAX ? UINT32_MAX : (uint32_t) (next - lblk);
  ext_path_release (&pv);
  return 0;
}

uint64_t
ext4_ext_find_goal (struct fs_inode *inode, uint32_t lblk)
{
  struct ext_pathv pv;
  uint64_t goal = 0;

  if (ext_find_extent (inode, lblk, &pv) == 0) {
    struct ext_path *leaf = &pv.p[pv.depth];
    if (leaf->p_pos >= 0) {
      struct ext_extent ex;
      ext_extent_get (ext_entry (leaf->p_node, (unsigned) leaf->p_pos), &ex);
      goal = ex.ee_start + (lblk - ex.ee_block);
    } else if (leaf->p_hdr.eh_entries > 0) {
      struct ext_extent ex;
      ext_extent_get (ext_entry (leaf->p_node, 0), &ex);
      goal = ex.ee_start > ex.ee_block - lblk ? ex.ee_start - (ex.ee_block - lblk)
        : ex.ee_start;
    } else if (leaf->p_bh)
      goal = leaf->p_bh->b_blocknr;
    ext_path_release (&pv);
  }
  if (!ext4_blk_in_data (inode->i_fs, goal, 1))
    goal = inode->i_fs->s_alloc_cursor;
  return goal;
}

int
ext_get_access (handle_t *h, struct ext_path *p)
{
  return p->p_bh ? ext4_journal_get_write_access (h, p->p_bh) : 0;
}

int
ext_dirty (handle_t *h, struct fs_inode *inode, struct ext_path *p)
{
  if (p->p_bh)
    return ext4_handle_dirty_metadata (h, inode, p->p_bh);
  return ext4_mark_inode_dirty (h, inode);     /* the root lives in the inode */
}

void
ext_set_entries (struct ext_path *p, unsigned n)
{
  p->p_hdr.eh_entries = (uint16_t) n;
  put_le16 (p->p_node + 2, (uint16_t) n);
}

int
ext_correct_indexes_from (handle_t *h, struct fs_inode *inode,
                          struct ext_pathv *pv, int from, uint32_t key)
{
  for (int level = from; level >= 0; level--) {
    struct ext_path *p = &pv->p[level];
    uint8_t *e = ext_entry (p->p_node, (unsigned) p->p_pos);
    int ret;
    if (get_le32 (e) == key)
      break;
    ret = ext_get_access (h, p);
    if (ret < 0)
      return ret;
    put_le32 (e, key);
    ret = ext_dirty (h, inode, p);
    if (ret < 0 || p->p_pos != 0)
      return ret;
  }
  return 0;
}

/* The leaf's first key changed to key: fix the index keys above it. */
static int
ext_correct_indexes (handle_t *h, struct fs_inode *inode, struct ext_pathv *pv,
                     uint32_t key)
{
  return ext_correct_indexes_from (h, inode, pv, pv->depth - 1, key);
}

/* ext4_ext_grow_indepth: the root's entries move to a new block. */
static int
ext_grow_indepth (handle_t *h, struct fs_inode *inode)
{
  struct ext_hdr rh, nh;
  struct ext_index ix;
  struct buf *b;
  uint64_t nb;
  int ret;

  ext_hdr_get (inode->i_data, &rh);
  if (rh.eh_depth >= EXT_MAX_DEPTH)
    return -EFBIG;
  ret = ext4_new_meta_block (h, inode, ext4_ext_find_goal (inode, 0), &nb);
  if (ret < 0)
    return ret;
  ret = ext4_getblk_new (h, nb, &b);
  if (ret < 0)
    return ret;
  nh = (struct ext_hdr) { EXT_MAGIC, rh.eh_entries, EXT_BLOCK_MAX, rh.eh_depth, 0 };
  ext_hdr_put (b->b_data, &nh);
  memcpy (ext_entry (b->b_data, 0), ext_entry (inode->i_data, 0),
          (size_t) rh.eh_entries * EXT_ENTRY_SIZE);
  ret = ext4_handle_dirty_metadata (h, inode, b);
  buf_put (b);
  if (ret < 0)
    return ret;
  ix.ei_block = rh.eh_entries ? ext_key (inode->i_data, 0) : 0;
  ix.ei_leaf = nb;
  memset (ext_entry (inode->i_data, 0), 0, IN_BLOCK_BYTES - EXT_HDR_SIZE);
  ext_index_put (ext_entry (inode->i_data, 0), &ix);
  rh.eh_entries = 1;
  rh.eh_depth++;
  ext_hdr_put (inode->i_data, &rh);
  FS_TRACE (inode->i_fs, "ext4_ext_grow_indepth", "dev %s ino %u depth %u",
            inode->i_fs->s_devname, inode->i_ino, rh.eh_depth);
  return ext4_mark_inode_dirty (h, inode);
}

/* Move entries [from, n) of p to fresh node b (after `lead` entries
 * already placed there) and cut p down to `from` entries. */
static int
ext_move_tail (handle_t *h, struct fs_inode *inode, struct ext_path *p,
               unsigned from, struct buf *b, unsigned lead, unsigned depth)
{
  unsigned n = p->p_hdr.eh_entries, m = n > from ? n - from : 0;
  struct ext_hdr nh = { EXT_MAGIC, (uint16_t) (lead + m), EXT_BLOCK_MAX,
                        (uint16_t) depth, 0 };
  int ret;

  ext_hdr_put (b->b_data, &nh);
  if (m)
    memcpy (ext_entry (b->b_data, lead), ext_entry (p->p_node, from),
            (size_t) m * EXT_ENTRY_SIZE);
  ret = ext4_handle_dirty_metadata (h, inode, b);
  if (ret < 0 || m == 0)
    return ret;
  ret = ext_get_access (h, p);
  if (ret < 0)
    return ret;
  memset (ext_entry (p->p_node, from), 0, (size_t) m * EXT_ENTRY_SIZE);
  ext_set_entries (p, from);
  return ext_dirty (h, inode, p);
}

/* ext4_ext_split: level `at` has room; split every level below it at the
 * path's position, and hang the new subtree off level `at`. */
static int
ext_split (handle_t *h, struct fs_inode *inode, struct ext_pathv *pv,
           uint32_t lblk, int at)
{
  int depth = pv->depth, nnew = depth - at;
  struct ext_path *leaf = &pv->p[depth];
  uint64_t nb[EXT_MAX_DEPTH + 1], goal;
  uint32_t border;
  int ret = 0, k;

  assert (at >= 0 && at < depth);
  if (leaf->p_pos + 1 < (int) leaf->p_hdr.eh_entries)
    border = ext_key (leaf->p_node, (unsigned) (leaf->p_pos + 1));
  else
    border = lblk;
  goal = leaf->p_bh ? leaf->p_bh->b_blocknr : ext4_ext_find_goal (inode, lblk);
  for (k = 0; k < nnew; k++) {
    ret = ext4_new_meta_block (h, inode, goal, &nb[k]);
    if (ret < 0) {
      while (k-- > 0)
        ext4_free_blocks (h, inode, nb[k], 1, true);
      return ret;
    }
  }
  /* k = 0 is the new leaf, k = nnew - 1 the new top, a child of `at`. */
  for (k = 0; k < nnew && !ret; k++) {
    int level = depth - k;
    struct ext_path *p = &pv->p[level];
    unsigned lead = 0;
    struct buf *b;
    ret = ext4_getblk_new (h, nb[k], &b);
    if (ret < 0)
      break;
    if (k > 0) {
      struct ext_index ix = { border, nb[k - 1] };
      ext_index_put (ext_entry (b->b_data, 0), &ix);
      lead = 1;
    }
    ret = ext_move_tail (h, inode, p, (unsigned) (p->p_pos + 1), b, lead,
                         (unsigned) k);
    buf_put (b);
  }
  if (ret == 0) {
    struct ext_path *p = &pv->p[at];
    unsigned pos = (unsigned) (p->p_pos + 1), n = p->p_hdr.eh_entries;
    struct ext_index ix = { border, nb[nnew - 1] };
    assert (n < p->p_hdr.eh_max);
    ret = ext_get_access (h, p);
    if (ret == 0) {
      memmove (ext_entry (p->p_node, pos + 1), ext_entry (p->p_node, pos),
               (size_t) (n - pos) * EXT_ENTRY_SIZE);
      ext_index_put (ext_entry (p->p_node, pos), &ix);
      ext_set_entries (p, n + 1);
      ret = ext_dirty (h, inode, p);
    }
  }
  FS_TRACE (inode->i_fs, "ext4_ext_split", "dev %s ino %u at %d border %u "
            "new %d ret %d", inode->i_fs->s_devname, inode->i_ino, at, border,
            nnew, ret);
  return ret;
}

static int
ext_create_new_leaf (handle_t *h, struct fs_inode *inode,
                     struct ext_pathv *pv, uint32_t lblk)
{
  int at = pv->depth - 1;

  while (at >= 0 && pv->p[at].p_hdr.eh_entries >= pv->p[at].p_hdr.eh_max)
    at--;
  if (at < 0)
    return ext_grow_indepth (h, inode);
  return ext_split (h, inode, pv, lblk, at);
}

int
ext4_ext_insert_extent (handle_t *h, struct fs_inode *inode, uint32_t lblk,
                        uint32_t len, uint64_t pblk)
{
  return ext4_ext_insert_extent_state (h, inode, lblk, len, pblk, false);
}

/* ext4_can_extents_be_merged: neighbours merge only in the same state
 * (written or unwritten), and within that state's length limit. */
static bool
ext_can_merge (const struct ext_extent *ex, bool unwritten, uint32_t len)
{
  uint32_t max = unwritten ? EXT_UNWRITTEN_MAX_LEN : EXT_INIT_MAX_LEN;
  return ex->ee_unwritten == unwritten && ex->ee_len + len <= max;
}

int
ext4_ext_insert_extent_state (handle_t *h, struct fs_inode *inode,
                              uint32_t lblk, uint32_t len, uint64_t pblk,
                              bool unwritten)
{
  return ext_insert_extent (h, inode, lblk, len, pblk, unwritten, true);
}

int
ext_insert_extent (handle_t *h, struct fs_inode *inode, uint32_t lblk,
                   uint32_t len, uint64_t pblk, bool unwritten, bool merge)
{
  int ret = -EUCLEAN;

  assert (len >= 1 && len <= (unwritten ? EXT_UNWRITTEN_MAX_LEN
                              : EXT_INIT_MAX_LEN));
  for (int attempt = 0; attempt < 2 * (int) EXT_MAX_DEPTH + 4; attempt++) {
    struct ext_pathv pv;
    struct ext_path *leaf;
    struct ext_extent ex;
    unsigned n, pos;

    ret = ext_find_extent (inode, lblk, &pv);
    if (ret < 0)
      return ret;
    leaf = &pv.p[pv.depth];
    n = leaf->p_hdr.eh_entries;
    pos = (unsigned) (leaf->p_pos + 1);       /* insertion point */
    if (leaf->p_pos >= 0) {                   /* append to the left one? */
      uint8_t *e = ext_entry (leaf->p_node, (unsigned) leaf->p_pos);
      ext_extent_get (e, &ex);
      if ((uint64_t) ex.ee_block + ex.ee_len > lblk) {
        ext_path_release (&pv);
        return ext4_error_corrupt (inode->i_fs, "inserting over a mapped "
                                   "block", lblk);
      }
      if (merge && ex.ee_block + ex.ee_len == lblk
          && ex.ee_start + ex.ee_len == pblk
          && ext_can_merge (&ex, unwritten, len)) {
        ret = ext_get_access (h, leaf);
        if (ret == 0) {
          ex.ee_len = (uint16_t) (ex.ee_len + len);
          ext_extent_put (e, &ex);
          ret = ext_dirty (h, inode, leaf);
        }
        ext_path_release (&pv);
        return ret;
      }
    }
    if (pos < n) {                            /* prepend to the right one? */
      uint8_t *e = ext_entry (leaf->p_node, pos);
      ext_extent_get (e, &ex);
      if ((uint64_t) lblk + len > ex.ee_block) {
        ext_path_release (&pv);
        return ext4_error_corrupt (inode->i_fs, "inserting over a mapped "
                                   "block", lblk);
      }
      if (merge && lblk + len == ex.ee_block && pblk + len == ex.ee_start
          && ext_can_merge (&ex, unwritten, len)) {
        ret = ext_get_access (h, leaf);
        if (ret == 0) {
          ex.ee_block = lblk;
          ex.ee_start = pblk;
          ex.ee_len = (uint16_t) (ex.ee_len + len);
          ext_extent_put (e, &ex);
          ret = ext_dirty (h, inode, leaf);
          leaf->p_pos = (int) pos;
          if (ret == 0 && pos == 0)
            ret = ext_correct_indexes (h, inode, &pv, lblk);
        }
        ext_path_release (&pv);
        return ret;
      }
    }
    if (n < leaf->p_hdr.eh_max) {             /* room in the leaf */
      ret = ext_get_access (h, leaf);
      if (ret == 0) {
        ex = (struct ext_extent) { lblk, (uint16_t) len, pblk, unwritten };
        memmove (ext_entry (leaf->p_node, pos + 1), ext_entry (leaf->p_node, pos),
                 (size_t) (n - pos) * EXT_ENTRY_SIZE);
        ext_extent_put (ext_entry (leaf->p_node, pos), &ex);
        ext_set_entries (leaf, n + 1);
        ret = ext_dirty (h, inode, leaf);
        leaf->p_pos = (int) pos;
        if (ret == 0 && pos == 0)
          ret = ext_correct_indexes (h, inode, &pv, lblk);
      }
      ext_path_release (&pv);
      return ret;
    }
    ret = ext_create_new_leaf (h, inode, &pv, lblk);
    ext_path_release (&pv);
    if (ret < 0)
      return ret;
  }
  return ret;
}

int
ext4_ext_calc_credits (const struct fs_inode *inode)
{
  int depth = ext4_ext_depth (inode);
  /* Per level: the node, a new node, its bitmap block; plus growth, the
   * inode, a bitmap for the data and the superblock (orphans). */
  return 3 * (depth + 2) + 6;
}

static int
ext_walk_node (struct fs_inode *inode, const uint8_t *node, int depth,
               uint64_t blk,
               int (*cb) (void *, uint32_t, uint32_t, uint64_t, int, uint64_t),
               void *ctx)
{
  struct ext_hdr hd;
  int ret = 0;

  ext_hdr_get (node, &hd);
  for (unsigned i = 0; i < hd.eh_entries && !ret; i++) {
    if (depth == 0) {
      struct ext_extent ex;
      ext_extent_get (ext_entry ((uint8_t *) node, i), &ex);
      ret = cb (ctx, ex.ee_block, ex.ee_len, ex.ee_start, 0, blk);
    } else {
      struct ext_index ix;
      struct buf *b;
      ext_index_get (ext_entry ((uint8_t *) node, i), &ix);
      ret = cb (ctx, ix.ei_block, 0, ix.ei_leaf, depth, blk);
      if (ret)
        break;
      if (!ext4_blk_in_data (inode->i_fs, ix.ei_leaf, 1))
        return ext4_error_corrupt (inode->i_fs, "extent index outside the "
                                   "data area", ix.ei_leaf);
      ret = buf_read (inode->i_fs->s_bc, ix.ei_leaf, &b);
      if (ret < 0)
        return ret;
      ret = ext_check_node (inode, b->b_data, EXT_BLOCK_MAX, depth - 1,
                            ix.ei_leaf);
      if (ret == 0)
        ret = ext_walk_node (inode, b->b_data, depth - 1, ix.ei_leaf, cb, ctx);
      buf_put (b);
    }
  }
  return ret;
}

int
ext4_ext_walk (struct fs_inode *inode,
               int (*cb) (void *ctx, uint32_t lblk, uint32_t len,
                          uint64_t pblk, int depth, uint64_t node),
               void *ctx)
{
  int ret = ext4_ext_check_inode (inode);
  if (ret < 0)
    return ret;
  return ext_walk_node (inode, inode->i_data, ext4_ext_depth (inode), 0, cb,
                        ctx);
}
