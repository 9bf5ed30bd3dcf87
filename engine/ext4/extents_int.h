/* extents_int: the extent-tree path, shared by extents.c (lookup and
 * insertion) and extents_rm.c (truncation).  Not for other modules. */
#ifndef FP_EXTENTS_INT_H
#define FP_EXTENTS_INT_H

#include "ext4.h"

struct ext_path {
  struct buf *p_bh;           /* NULL: the root, in inode->i_data */
  uint8_t *p_node;            /* header of the node */
  struct ext_hdr p_hdr;
  int p_pos;                  /* entry chosen for lblk; -1 before the first */
};

struct ext_pathv {
  int depth;
  struct ext_path p[EXT_MAX_DEPTH + 1];
};

int ext_find_extent (struct fs_inode *inode, uint32_t lblk,
                     struct ext_pathv *pv);
void ext_path_release (struct ext_pathv *pv);
uint32_t ext_key (const uint8_t *node, unsigned i);
int ext_get_access (handle_t *h, struct ext_path *p);
int ext_dirty (handle_t *h, struct fs_inode *inode, struct ext_path *p);
void ext_set_entries (struct ext_path *p, unsigned n);
/* ext4_ext_insert_extent; merge false keeps the new extent apart from
 * contiguous neighbours (a split that must stay split). */
int ext_insert_extent (handle_t *h, struct fs_inode *inode, uint32_t lblk,
                       uint32_t len, uint64_t pblk, bool unwritten,
                       bool merge);
/* The first key of the node at level + 1 changed to key: fix the index
 * keys from level up (while the changed entry is its node's first). */
int ext_correct_indexes_from (handle_t *h, struct fs_inode *inode,
                              struct ext_pathv *pv, int level, uint32_t key);

#endif /* FP_EXTENTS_INT_H */
