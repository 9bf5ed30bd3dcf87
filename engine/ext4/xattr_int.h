/* xattr_int: the xattr area code (xattr_area.c: checking, searching and
 * changing one list of entries, ext4_xattr_check_names, _find_entry,
 * _set_entry) shared with xattr.c (the operations).  Not for other
 * modules.  The format is ondisk.h's; FORMAT.md has it in prose. */
#ifndef FP_XATTR_INT_H
#define FP_XATTR_INT_H

#include "ext4.h"

struct xattr_info {
  int name_index;
  const char *name;           /* the suffix, after the prefix */
  size_t name_len;
  const void *value;          /* NULL: remove */
  size_t value_len;
};

/* ext4_xattr_search */
struct xattr_search {
  uint8_t *base;              /* value offsets count from here */
  uint8_t *first;             /* first entry */
  uint8_t *here;              /* the entry found, or where it would go */
  uint8_t *end;               /* end of the area */
  int not_found;              /* 0 or -ENODATA */
};

/* ext4_xattr_check_names: 0 or -EUCLEAN. */
int xattr_check_names (const uint8_t *first, const uint8_t *end,
                       const uint8_t *vbase);
/* ext4_xattr_check_block: magic, h_blocks 1, h_refcount 1, the entries. */
int xattr_check_block (struct fs_inode *inode, const uint8_t *b);
/* ext4_xattr_find_entry: s->here, and 0 or -ENODATA. */
int xattr_find_entry (struct xattr_search *s, const struct xattr_info *i,
                      bool sorted);
/* ext4_xattr_ibody_find (raw: the inode's 256 bytes) and
 * ext4_xattr_block_find (*bh: the block, NULL if none); i NULL: no name,
 * just the area. */
int xattr_ibody_find (struct fs_inode *inode, uint8_t *raw,
                      const struct xattr_info *i, struct xattr_search *s);
int xattr_block_find (struct fs_inode *inode, const struct xattr_info *i,
                      struct xattr_search *s, struct buf **bh);
/* ext4_xattr_set_entry: -ENOSPC, changing nothing, when i does not fit. */
int xattr_set_entry (const struct xattr_info *i, struct xattr_search *s);

#endif /* FP_XATTR_INT_H */
