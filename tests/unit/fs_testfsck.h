/* fs_testfsck.h: a small fsck over the engine's own structures, for the
 * file-system unit tests (uses the internal fs.h API).  fsck (fs) returns
 * the number of errors found and prints the first few:
 *   - every inode marked in use is readable (mode, extent root);
 *   - every extent and tree node lies in the data area, no block is owned
 *     twice, every owned block is marked in the block bitmap (a marked
 *     block owned by nobody is a preallocation leak, allowed);
 *   - link counts equal the references in the directory tree, and no entry
 *     points at a free inode.
 * Meant for journaled file systems after recovery.
 */
#ifndef FS_TESTFSCK_H
#define FS_TESTFSCK_H

#include "fs_testlib.h"
#include "ext4.h"

struct fsck {
  struct fpfs *fs;
  uint8_t *owned;             /* bitmap of blocks owned by some inode */
  uint32_t *refs;             /* directory references per inode */
  int errors;
  uint64_t leaked;
};

static inline void
fsck_err (struct fsck *c, const char *what, uint64_t n)
{
  if (c->errors++ < 5)
    fprintf (stderr, "fsck: %s: %" PRIu64 "\n", what, n);
}

static inline int
fsck_extent_cb (void *ctx, uint32_t lblk, uint32_t len, uint64_t pblk,
                int depth, uint64_t node)
{
  struct fsck *c = ctx;
  uint32_t n = len ? len : 1;           /* index entry: its child block */
  (void) lblk; (void) depth; (void) node;
  if (!ext4_blk_in_data (c->fs, pblk, n)) {
    fsck_err (c, "block outside the data area", pblk);
    return 0;
  }
  for (uint64_t b = pblk; b < pblk + n; b++) {
    if (bm_test (c->owned, (uint32_t) b))
      fsck_err (c, "block owned twice", b);
    bm_set (c->owned, (uint32_t) b);
  }
  return 0;
}

static inline int
fsck_dir_cb (void *ctx, const char *name, size_t namelen, uint32_t ino,
             uint8_t type)
{
  struct fsck *c = ctx;
  (void) name; (void) namelen; (void) type;
  if (ino > c->fs->s_geo.inodes_count)
    fsck_err (c, "entry with a bad inode", ino);
  else
    c->refs[ino]++;
  return 0;
}

static inline int
fsck (struct fpfs *fs)
{
  struct fsck c = { .fs = fs };
  const struct fs_geometry *g = &fs->s_geo;

  c.owned = calloc (g->blocks_count / 8 + 1, 1);
  c.refs = calloc (g->inodes_count + 1, sizeof *c.refs);
  c.refs[FS_ROOT_INO] = 1;                /* its own ".." */
  for (uint32_t ino = FS_ROOT_INO; ino <= g->inodes_count; ino++) {
    struct fs_inode *inode;
    struct buf *b;
    bool used;
    if (ino != FS_ROOT_INO && ino < FS_FIRST_INO)
      continue;
    CHECK (buf_read (fs->s_bc, g->ibitmap_start + (ino - 1) / FS_BITS_PER_BLOCK,
                     &b));
    used = bm_test (b->b_data, (ino - 1) % FS_BITS_PER_BLOCK);
    buf_put (b);
    if (!used)
      continue;
    if (ext4_iget (fs, ino, &inode) < 0) {
      fsck_err (&c, "inode in use but unreadable", ino);
      continue;
    }
    ext4_ext_walk (inode, fsck_extent_cb, &c);
    if (fs_isdir (inode)) {
      ext4_dir_iterate (inode, fsck_dir_cb, &c);
      /* ".." of each subdirectory counts on its parent: add 1 for "." */
      c.refs[ino]++;
    }
    iput (inode);
  }
  /* Directories' ".." entries. */
  for (uint32_t ino = FS_ROOT_INO; ino <= g->inodes_count; ino++) {
    struct fs_inode *inode;
    if (c.refs[ino] == 0 || ext4_iget (fs, ino, &inode) < 0)
      continue;
    if (fs_isdir (inode) && ino != FS_ROOT_INO) {
      struct ext4_dir_loc loc;
      if (ext4_find_entry (inode, "..", 2, &loc) == 0)
        c.refs[loc.ino]++;
    }
    iput (inode);
  }
  for (uint32_t ino = FS_ROOT_INO; ino <= g->inodes_count; ino++) {
    struct fs_inode *inode;
    if (ino != FS_ROOT_INO && ino < FS_FIRST_INO)
      continue;
    if (ext4_icache_find (fs, ino) == NULL && c.refs[ino] == 0)
      continue;
    if (ext4_iget (fs, ino, &inode) < 0) {
      if (c.refs[ino])
        fsck_err (&c, "entry points to a free inode", ino);
      continue;
    }
    if (inode->i_nlink != c.refs[ino]) {
      fprintf (stderr, "fsck: inode %u nlink %u, %u references\n", ino,
               inode->i_nlink, c.refs[ino]);
      c.errors++;
    }
    iput (inode);
  }
  for (uint64_t blk = g->first_data_block; blk < g->blocks_count; blk++) {
    struct buf *b;
    bool on_disk;
    CHECK (buf_read (fs->s_bc, g->bbitmap_start + blk / FS_BITS_PER_BLOCK, &b));
    on_disk = bm_test (b->b_data, (uint32_t) (blk % FS_BITS_PER_BLOCK));
    buf_put (b);
    if (bm_test (c.owned, (uint32_t) blk) && !on_disk)
      fsck_err (&c, "owned block free in the bitmap", blk);
    if (!bm_test (c.owned, (uint32_t) blk) && on_disk)
      c.leaked++;                       /* preallocation leak: allowed */
  }
  free (c.owned);
  free (c.refs);
  return c.errors;
}

#endif /* FS_TESTFSCK_H */
