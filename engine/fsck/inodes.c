/* inodes: the orphan chain, pass 1 (inodes and their extent trees)
 * and pass 1b (who else owns a doubly used block).
 *
 * An inode is in use when its inode-bitmap bit is set (ialloc.c: a slot's
 * contents mean nothing while its bit is clear).  A marked slot must hold a
 * live inode: a regular file, directory or slow symlink, extent-mapped, or
 * a fast symlink or special file with no tree (pass1_unmapped), with
 * links > 0
 * unless it is on the orphan chain (unlinked while open, or an interrupted
 * truncate, that orphan cleanup finishes at the next mount).
 *
 * The extent tree is ext4's (ondisk.h): every node's header is valid for
 * its place (magic, eh_max the node's capacity, eh_entries <= eh_max, the
 * depth its parent implies); index keys ascend strictly, stay inside the
 * range their parent gives them, and equal their child's first key; extents
 * ascend, do not overlap, lie inside
 * their index range, have 1 <= ee_len <= 32768 (an unwritten extent,
 * stored with 32768 added to its length, 1 <= ee_len <= 32767; never in a
 * directory), and map blocks inside the data area.  Only the root
 * may be empty, and only at depth 0 (the engine collapses an emptied tree),
 * except on an orphan, whose truncate may have stopped half way.
 *
 * Sizes.  A regular file maps no written block at or past
 * ceil(size / 4096): ext4 allows blocks past EOF only for unwritten
 * (fallocate KEEP_SIZE) extents; the engine's preallocations live in
 * memory, and
 * delalloc writeback moves i_disksize in the handle that maps the blocks.
 * An orphan is exempt (truncate in progress).  Extended attributes are
 * xattr.c's; their block counts in i_blocks.  A directory's size is a
 * positive multiple of the block size and it maps nothing past it (pass 2
 * finds holes).  i_blocks counts data and tree blocks in 512-byte units.
 *
 * Bounds.  A tree node is read only if its block was not claimed before, so
 * node reads are bounded by the block count even for a tree whose indexes
 * all point at one block; depth bounds recursion (at most EXT_MAX_DEPTH).
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsck_int.h"

#define S_FMT  FS_S_IFMT
#define S_REG  FS_S_IFREG
#define S_DIR  FS_S_IFDIR

/* The directory-entry file type of a mode; FT_UNKNOWN: not one fpfs has. */
static uint8_t
mode_ftype (uint32_t fmt)
{
  switch (fmt) {
  case FS_S_IFREG: return FT_REG;
  case FS_S_IFDIR: return FT_DIR;
  case FS_S_IFLNK: return FT_SYMLINK;
  case FS_S_IFCHR: return FT_CHRDEV;
  case FS_S_IFBLK: return FT_BLKDEV;
  case FS_S_IFIFO: return FT_FIFO;
  case FS_S_IFSOCK: return FT_SOCK;
  default: return FT_UNKNOWN;
  }
}

int
fsck_orphans (struct fsck *c)
{
  uint32_t ino = get_le32 (c->sb + SB_LAST_ORPHAN), prev = 0;

  /* Each step marks a new inode FI_ORPHAN or stops: bounded by the count. */
  while (ino != 0) {
    const uint8_t *raw;
    int ret;

    if (ino < FS_FIRST_INO || ino > c->g.inodes_count) {
      fsck_problem (c, FPFS_FSCK_SUPER, "orphan list: inode %" PRIu32
                    " (after inode %" PRIu32 ") out of range", ino, prev);
      break;
    }
    if (c->ino[ino].flags & FI_ORPHAN) {
      fsck_problem (c, FPFS_FSCK_SUPER, "orphan list: cycle at inode %"
                    PRIu32, ino);
      break;
    }
    if (!fsck_inode_marked (c, ino)) {
      fsck_problem (c, FPFS_FSCK_SUPER, "orphan list: inode %" PRIu32
                    " is free in the inode bitmap", ino);
      break;
    }
    c->ino[ino].flags |= FI_ORPHAN;
    ret = fsck_read_inode (c, ino, &raw);
    if (ret < 0)
      return ret;
    prev = ino;
    ino = get_le32 (raw + IN_NEXT_ORPHAN);
  }
  return 0;
}

/* ---- extent trees ---- */

struct walk {
  struct fsck *c;
  uint32_t ino;
  bool dir, orphan;
  bool resolve;              /* pass 1b: find first owners, report nothing */
  uint64_t *seen;            /* pass 1b: tree nodes already walked */
  bool bad;                  /* the tree is broken: skip derived checks */
  uint64_t data, nodes;      /* blocks mapped, tree blocks */
  uint64_t xattr;            /* the xattr block (xattr.c): 0 or 1 */
  uint64_t prev_end;         /* logical end of the previous extent */
  uint64_t written_end;      /* logical end of the last written extent */
};

#define WALK_PROBLEM(w, ...) \
  do { \
    (w)->bad = true; \
    if (!(w)->resolve) \
      fsck_problem ((w)->c, FPFS_FSCK_EXTENTS, __VA_ARGS__); \
  } while (0)

static const char *
node_name (char *buf, size_t len, uint64_t blk)
{
  if (blk == 0)
    snprintf (buf, len, "root");
  else
    snprintf (buf, len, "node at block %" PRIu64, blk);
  return buf;
}

/* Pass 1b: [start, start+len) is owned by w->ino; is it the first owner of
 * a recorded double use? */
static void
walk_resolve (struct walk *w, uint64_t start, uint64_t len)
{
  struct fsck *c = w->c;

  for (unsigned i = 0; i < c->ndups; i++) {
    struct fsck_dup *d = &c->dups[i];
    if (d->owner1 == UINT32_MAX && start < d->start + d->len
        && d->start < start + len)
      d->owner1 = w->ino;
  }
}

static bool
in_data_area (const struct fsck *c, uint64_t start, uint64_t len)
{
  return start >= c->g.first_data_block && start < c->g.blocks_count
         && len <= c->g.blocks_count - start;
}

static int
add_dext (struct fsck *c, uint32_t ino, uint32_t lblk, uint32_t len,
          uint64_t pblk)
{
  int ret = fsck_grow ((void **) &c->dext, &c->dext_cap, c->ndext,
                       sizeof *c->dext);
  if (ret < 0)
    return ret;
  c->dext[c->ndext++] = (struct fsck_dext) { ino, lblk, len, pblk };
  return 0;
}

static int
walk_leaf (struct walk *w, const uint8_t *node, unsigned n, uint64_t lo,
           uint64_t hi, const char *where)
{
  struct fsck *c = w->c;

  for (unsigned i = 0; i < n; i++) {
    struct ext_extent ex;
    uint64_t end;

    ext_extent_get (node + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE, &ex);
    end = (uint64_t) ex.ee_block + ex.ee_len;
    /* ondisk.h decodes ee_len: 1..32768 written, 1..32767 unwritten
     * (stored + 32768); only a stored 0 is invalid. */
    if (ex.ee_len == 0 || ex.ee_len > EXT_INIT_MAX_LEN) {
      WALK_PROBLEM (w, "inode %" PRIu32 ": extent %u of the %s: length %u "
                    "invalid", w->ino, i, where, (unsigned) ex.ee_len);
      continue;
    }
    if (ex.ee_unwritten && w->dir) {
      WALK_PROBLEM (w, "directory %" PRIu32 ": unwritten extent at logical "
                    "block %" PRIu32 " in the %s", w->ino, ex.ee_block, where);
      continue;
    }
    if (ex.ee_block < w->prev_end) {
      WALK_PROBLEM (w, "inode %" PRIu32 ": extent at logical block %" PRIu32
                    " in the %s overlaps or precedes the previous one "
                    "(ending at %" PRIu64 ")", w->ino, ex.ee_block, where,
                    w->prev_end);
      continue;
    }
    if (ex.ee_block < lo || end > hi || end > FS_MAX_FILE_BLOCKS) {
      WALK_PROBLEM (w, "inode %" PRIu32 ": extent [%" PRIu32 ", +%u) in the "
                    "%s lies outside its index range [%" PRIu64 ", %" PRIu64
                    ")", w->ino, ex.ee_block, (unsigned) ex.ee_len, where, lo,
                    hi < FS_MAX_FILE_BLOCKS ? hi
                    : (uint64_t) FS_MAX_FILE_BLOCKS);
      continue;
    }
    if (!in_data_area (c, ex.ee_start, ex.ee_len)) {
      WALK_PROBLEM (w, "inode %" PRIu32 ": extent at logical block %" PRIu32
                    " maps %u blocks at %" PRIu64 ", outside the data area "
                    "[%" PRIu64 ", %" PRIu64 ")", w->ino, ex.ee_block,
                    (unsigned) ex.ee_len, ex.ee_start,
                    c->g.first_data_block, c->g.blocks_count);
      continue;
    }
    w->prev_end = end;
    if (!ex.ee_unwritten)
      w->written_end = end;
    w->data += ex.ee_len;
    if (w->resolve) {
      walk_resolve (w, ex.ee_start, ex.ee_len);
      continue;
    }
    fsck_claim (c, w->ino, NULL, ex.ee_start, ex.ee_len);
    if (!w->dir)
      fsck_pa_window (c, ex.ee_start, ex.ee_len);
    else if (!c->claims_stopped) {
      int ret = add_dext (c, w->ino, ex.ee_block, ex.ee_len, ex.ee_start);
      if (ret < 0)
        return ret;
    }
  }
  return 0;
}

/* Walk the node at level (0 = the root in the inode), whose header must say
 * depth, covering logical blocks [lo, hi). */
static int
walk_node (struct walk *w, const uint8_t *node, unsigned level, unsigned depth,
           uint64_t lo, uint64_t hi, uint64_t blk)
{
  struct fsck *c = w->c;
  unsigned max = level == 0 ? EXT_ROOT_MAX : EXT_BLOCK_MAX;
  uint64_t prev_key = 0;
  struct ext_hdr h;
  char where[48];
  int ret;

  assert (level + depth <= EXT_MAX_DEPTH);
  node_name (where, sizeof where, blk);
  ext_hdr_get (node, &h);
  if (h.eh_magic != EXT_MAGIC || h.eh_max != max || h.eh_entries > max
      || h.eh_depth != depth) {
    WALK_PROBLEM (w, "inode %" PRIu32 ": extent tree %s: bad header (magic "
                  "0x%04x entries %u max %u depth %u, want max %u depth %u)",
                  w->ino, where, h.eh_magic, h.eh_entries, h.eh_max,
                  h.eh_depth, max, depth);
    return 0;
  }
  if (h.eh_entries == 0 && (level > 0 || depth > 0) && !w->orphan)
    WALK_PROBLEM (w, "inode %" PRIu32 ": extent tree %s at depth %u is empty",
                  w->ino, where, depth);
  if (depth == 0)
    return walk_leaf (w, node, h.eh_entries, lo, hi, where);

  for (unsigned i = 0; i < h.eh_entries; i++) {
    struct ext_index ix;
    uint64_t child_hi = hi;

    ext_index_get (node + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE, &ix);
    if (ix.ei_block < lo || ix.ei_block >= hi
        || (i > 0 && ix.ei_block <= prev_key)) {
      WALK_PROBLEM (w, "inode %" PRIu32 ": index %u of the extent tree %s: "
                    "key %" PRIu32 " out of order or outside [%" PRIu64 ", %"
                    PRIu64 ")", w->ino, i, where, ix.ei_block, lo, hi);
      continue;
    }
    prev_key = ix.ei_block;
    if (i + 1 < h.eh_entries) {
      uint32_t next = get_le32 (node + EXT_HDR_SIZE + (i + 1) * EXT_ENTRY_SIZE);
      if (next > ix.ei_block && next < hi)
        child_hi = next;
    }
    if (!in_data_area (c, ix.ei_leaf, 1)) {
      WALK_PROBLEM (w, "inode %" PRIu32 ": index %u of the extent tree %s "
                    "points at block %" PRIu64 ", outside the data area",
                    w->ino, i, where, ix.ei_leaf);
      continue;
    }
    w->nodes++;
    if (w->resolve) {
      walk_resolve (w, ix.ei_leaf, 1);
      if (w->seen[ix.ei_leaf >> 6] & (1ull << (ix.ei_leaf & 63))) {
        w->bad = true;
        continue;
      }
      w->seen[ix.ei_leaf >> 6] |= 1ull << (ix.ei_leaf & 63);
    } else if (fsck_claim (c, w->ino, NULL, ix.ei_leaf, 1) > 0) {
      w->bad = true;              /* someone's node: counted, not walked */
      continue;
    }
    ret = fsck_read_block (c, ix.ei_leaf, c->node[level + 1]);
    if (ret < 0)
      return ret;
    /* FORMAT.md: an index key is its child's first key. */
    if (get_le16 (c->node[level + 1] + 2) > 0
        && get_le32 (c->node[level + 1] + EXT_HDR_SIZE) != ix.ei_block)
      WALK_PROBLEM (w, "inode %" PRIu32 ": index %u of the extent tree %s: "
                    "key %" PRIu32 ", but its child at block %" PRIu64
                    " starts at %" PRIu32, w->ino, i, where, ix.ei_block,
                    ix.ei_leaf,
                    get_le32 (c->node[level + 1] + EXT_HDR_SIZE));
    ret = walk_node (w, c->node[level + 1], level + 1, depth - 1, ix.ei_block,
                     child_hi, ix.ei_leaf);
    if (ret < 0)
      return ret;
  }
  return 0;
}

static int
walk_tree (struct walk *w, const uint8_t *raw)
{
  uint8_t root[IN_BLOCK_BYTES];
  unsigned depth = get_le16 (raw + IN_BLOCK + 6);

  memcpy (root, raw + IN_BLOCK, sizeof root);   /* raw is the itable cache */
  if (depth > EXT_MAX_DEPTH) {
    WALK_PROBLEM (w, "inode %" PRIu32 ": extent tree depth %u exceeds %u",
                  w->ino, depth, EXT_MAX_DEPTH);
    return 0;
  }
  return walk_node (w, root, 0, depth, 0, FS_MAX_FILE_BLOCKS, 0);
}

/* ---- pass 1 ---- */

/* Is a marked slot a live inode?  Sets FI_* and reports what it is not. */
static bool
pass1_live (struct fsck *c, uint32_t ino, const uint8_t *raw)
{
  struct fsck_inode *fi = &c->ino[ino];
  uint16_t mode = get_le16 (raw + IN_MODE);
  uint16_t links = get_le16 (raw + IN_LINKS);
  uint32_t dtime = get_le32 (raw + IN_DTIME);
  uint32_t fmt = mode & S_FMT;

  if (mode == 0 || (links == 0 && dtime != 0 && !(fi->flags & FI_ORPHAN))) {
    fsck_problem (c, FPFS_FSCK_BITMAPS, "inode %" PRIu32 ": marked in the "
                  "inode bitmap but not in use (mode %#o, links %u, dtime %"
                  PRIu32 ")", ino, (unsigned) mode, (unsigned) links, dtime);
    return false;
  }
  if (mode_ftype (fmt) == FT_UNKNOWN) {
    fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": unsupported "
                  "mode %#o", ino, (unsigned) mode);
    return false;
  }
  if (ino == FS_ROOT_INO && fmt != S_DIR) {
    fsck_problem (c, FPFS_FSCK_DIRS, "inode %" PRIu32 ": the root is not a "
                  "directory (mode %#o)", ino, (unsigned) mode);
    return false;
  }
  fi->ftype = mode_ftype (fmt);
  if (!(get_le32 (raw + IN_FLAGS) & FS_INODE_FLAG_EXTENTS)
      && fmt != S_REG && fmt != S_DIR) {
    /* A fast symlink or a special file: no tree (pass1_unmapped). */
    fi->flags |= FI_INUSE | FI_UNMAPPED;
    fi->links = links;
    return true;
  }
  if (!(get_le32 (raw + IN_FLAGS) & FS_INODE_FLAG_EXTENTS)) {
    fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": not "
                  "extent-mapped (flags 0x%08" PRIx32 ")", ino,
                  get_le32 (raw + IN_FLAGS));
    return false;
  }
  fi->flags |= FI_INUSE | (fmt == S_DIR ? FI_DIR : 0);
  fi->links = links;
  return true;
}

/* A fast symlink (ext4_inode_is_fast_symlink: the target in i_block, its
 * length i_size < 60, nothing else there) or a special file (size 0; a
 * device's number in i_block): no blocks either way. */
static void
pass1_unmapped (struct fsck *c, uint32_t ino, const uint8_t *raw)
{
  uint64_t size = get_le64 (raw + IN_SIZE);
  uint64_t iblocks = get_le64 (raw + IN_BLOCKS);
  bool lnk = (get_le16 (raw + IN_MODE) & S_FMT) == FS_S_IFLNK;

  if (iblocks != 0)
    fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": %s with i_blocks "
                  "%" PRIu64 ", but it maps nothing", ino,
                  lnk ? "fast symlink" : "special file", iblocks);
  if (!lnk) {
    if (size != 0)
      fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": special file "
                    "with size %" PRIu64, ino, size);
    return;
  }
  if (size >= IN_BLOCK_BYTES
      || strnlen ((const char *) raw + IN_BLOCK, IN_BLOCK_BYTES) != size)
    fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": fast symlink of "
                  "size %" PRIu64 ", but its target in i_block is %zu bytes",
                  ino, size,
                  strnlen ((const char *) raw + IN_BLOCK, IN_BLOCK_BYTES));
}

/* A slow symlink: one block, 60 <= size <= 4095 (ext4_symlink), unless it
 * is an orphan whose creation a crash interrupted. */
static void
pass1_slow_symlink (struct fsck *c, uint32_t ino, const uint8_t *raw,
                    const struct walk *w)
{
  uint64_t size = get_le64 (raw + IN_SIZE);

  if (w->bad || w->orphan)
    return;
  if (size < IN_BLOCK_BYTES || size > FS_SYMLINK_MAX || w->data != 1)
    fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": slow symlink of "
                  "size %" PRIu64 " with %" PRIu64 " data blocks (want one, "
                  "and a size in [%u, %u])", ino, size, w->data,
                  IN_BLOCK_BYTES, FS_SYMLINK_MAX);
}

static void
pass1_sizes (struct fsck *c, uint32_t ino, const uint8_t *raw,
             const struct walk *w)
{
  uint64_t size = get_le64 (raw + IN_SIZE);
  uint64_t iblocks = get_le64 (raw + IN_BLOCKS);
  uint64_t want = (w->data + w->nodes + w->xattr) * (FS_BLOCK_SIZE / 512);
  uint64_t eof = (size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE;

  if (size > FS_MAX_FILE_BLOCKS * FS_BLOCK_SIZE) {
    fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": size %" PRIu64
                  " exceeds the largest file", ino, size);
    return;
  }
  if (w->dir && (size == 0 || size % FS_BLOCK_SIZE != 0)) {
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": size %" PRIu64
                  " is not a positive multiple of the block size", ino, size);
    return;
  }
  if (w->bad)
    return;
  /* Past EOF only unwritten extents (fallocate KEEP_SIZE), as e2fsck
   * allows them (EXT4_EOFBLOCKS_FL or not). */
  if (w->written_end > eof && !w->orphan)
    fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": blocks mapped up "
                  "to logical block %" PRIu64 ", past the end of file (size %"
                  PRIu64 ", %" PRIu64 " blocks)", ino, w->written_end - 1,
                  size, eof);
  if (iblocks != want)
    fsck_problem (c, FPFS_FSCK_EXTENTS, "inode %" PRIu32 ": i_blocks %"
                  PRIu64 " but %" PRIu64 " data, %" PRIu64 " tree and %"
                  PRIu64 " xattr blocks (%" PRIu64 ")", ino, iblocks, w->data,
                  w->nodes, w->xattr, want);
}

int
fsck_pass1 (struct fsck *c)
{
  for (uint32_t ino = 1; ino <= c->g.inodes_count; ino++) {
    struct walk w = { .c = c, .ino = ino };
    const uint8_t *raw;
    int ret;

    if (!fsck_inode_marked (c, ino)
        || (ino < FS_FIRST_INO && ino != FS_ROOT_INO))
      continue;
    ret = fsck_read_inode (c, ino, &raw);
    if (ret < 0)
      return ret;
    if (!pass1_live (c, ino, raw))
      continue;
    if (c->ino[ino].flags & FI_UNMAPPED) {
      pass1_unmapped (c, ino, raw);
      continue;
    }
    w.dir = (c->ino[ino].flags & FI_DIR) != 0;
    w.orphan = (c->ino[ino].flags & FI_ORPHAN) != 0;
    ret = walk_tree (&w, raw);
    if (ret < 0)
      return ret;
    /* The walk read tree nodes, not inodes: raw is still this inode. */
    w.xattr = fsck_xattrs (c, ino, raw);
    pass1_sizes (c, ino, raw, &w);
    if (c->ino[ino].ftype == FT_SYMLINK)
      pass1_slow_symlink (c, ino, raw, &w);
  }
  return 0;
}

/* ---- pass 1b ---- */

int
fsck_pass1b (struct fsck *c)
{
  uint32_t last = 0;
  uint64_t *seen;
  char rb[FSCK_RANGE_LEN];
  int ret = 0;

  if (c->ndups == 0)
    return 0;
  for (unsigned i = 0; i < c->ndups; i++)
    if (c->dups[i].owner2 > last)
      last = c->dups[i].owner2;
  seen = calloc (c->nwords, sizeof *seen);
  if (seen == NULL)
    return -ENOMEM;
  /* Fixed metadata is never a second owner (extents stay in the data
   * area), so the first owner is the first inode, in pass 1's order, that
   * maps the run. */
  for (uint32_t ino = FS_ROOT_INO; ino <= last && ret == 0; ino++) {
    struct walk w = { .c = c, .ino = ino, .resolve = true, .seen = seen };
    const uint8_t *raw;

    if (!(c->ino[ino].flags & FI_INUSE) || (c->ino[ino].flags & FI_UNMAPPED))
      continue;
    w.orphan = (c->ino[ino].flags & FI_ORPHAN) != 0;
    ret = fsck_read_inode (c, ino, &raw);
    if (ret == 0)
      ret = walk_tree (&w, raw);
    if (ret == 0)
      fsck_xattr_resolve (c, ino, raw);
  }
  free (seen);
  if (ret < 0)
    return ret;
  for (unsigned i = 0; i < c->ndups; i++) {
    const struct fsck_dup *d = &c->dups[i];
    fsck_blocks (rb, d->start, d->start + d->len);
    if (d->owner1 == UINT32_MAX)
      fsck_text (c, FPFS_FSCK_DOUBLE_USE, "%s: used twice, again by inode %"
                 PRIu32, rb, d->owner2);
    else if (d->owner1 == d->owner2)
      fsck_text (c, FPFS_FSCK_DOUBLE_USE, "%s: mapped twice by inode %"
                 PRIu32, rb, d->owner2);
    else
      fsck_text (c, FPFS_FSCK_DOUBLE_USE, "%s: used by inode %" PRIu32
                 " and inode %" PRIu32, rb, d->owner1, d->owner2);
  }
  return 0;
}
