/* xattr_area: one list of xattr entries and its values, the in-inode
 * area or a block's (fs/ext4/xattr.c, Linux 4.10: ext4_xattr_check_names,
 * ext4_xattr_find_entry, ext4_xattr_ibody_find, ext4_xattr_block_find,
 * ext4_xattr_set_entry).  The layout is ondisk.h's (FORMAT.md,
 * "Extended attributes"): entries up from s->first, ended by 4 zero
 * bytes, values down from s->end, offsets from s->base.
 *
 * Invariant: an area is searched or changed only after
 * xattr_check_names accepted it, so every walk below stays inside it; a
 * change keeps it well-formed (set_entry checks the space first and
 * changes nothing when it does not fit).
 */
#include <errno.h>
#include <string.h>

#include "xattr_int.h"

/* ---- checking an area ---- */

/* ext4_xattr_check_names: entries end before end, values lie past the
 * entries' terminator and inside the area (padded too), no value block. */
int
xattr_check_names (const uint8_t *first, const uint8_t *end,
                   const uint8_t *vbase)
{
  const uint8_t *e = first, *last;

  while (true) {
    if (e + 4 > end)
      return -EUCLEAN;
    if (xattr_is_last (e))
      break;
    if (e + XATTR_ENTRY_SIZE > end || xattr_next (e) + 4 > end)
      return -EUCLEAN;
    e = xattr_next (e);
  }
  last = e;
  for (e = first; e < last; e = xattr_next (e)) {
    uint32_t size = get_le32 (e + XE_VALUE_SIZE);
    size_t offs = get_le16 (e + XE_VALUE_OFFS);
    if (get_le32 (e + XE_VALUE_BLOCK) != 0)
      return -EUCLEAN;
    if (size == 0)
      continue;
    if (offs > (size_t) (end - vbase) || vbase + offs < last + 4
        || XATTR_SIZE (size) > (size_t) (end - (vbase + offs)))
      return -EUCLEAN;
  }
  return 0;
}

/* ext4_xattr_check_block: magic, h_blocks 1, sane entries.  h_refcount 1
 * is this engine's (no sharing). */
int
xattr_check_block (struct fs_inode *inode, const uint8_t *b)
{
  if (get_le32 (b + XH_MAGIC) != XATTR_MAGIC || get_le32 (b + XH_BLOCKS) != 1
      || get_le32 (b + XH_REFCOUNT) != 1
      || xattr_check_names (b + XATTR_BLOCK_HDR, b + FS_BLOCK_SIZE, b) < 0)
    return ext4_error_corrupt (inode->i_fs, "bad xattr block of inode",
                               inode->i_ino);
  return 0;
}

/* ---- finding ---- */

/* ext4_xattr_find_entry: sorted (the block) stops at the first entry not
 * below the name, unsorted (the inode) only at the name or the end. */
int
xattr_find_entry (struct xattr_search *s, const struct xattr_info *i,
                  bool sorted)
{
  uint8_t *e = s->first;
  int cmp = 1;

  for (; !xattr_is_last (e); e = xattr_next (e)) {
    cmp = i->name_index - e[XE_NAME_INDEX];
    if (!cmp)
      cmp = (int) i->name_len - e[XE_NAME_LEN];
    if (!cmp)
      cmp = memcmp (i->name, e + XE_NAME, i->name_len);
    if (cmp <= 0 && (sorted || cmp == 0))
      break;
  }
  s->here = e;
  return cmp ? -ENODATA : 0;
}

/* ext4_xattr_ibody_find: raw is the inode's 256 bytes. */
int
xattr_ibody_find (struct fs_inode *inode, uint8_t *raw,
                  const struct xattr_info *i, struct xattr_search *s)
{
  uint8_t *hdr = raw + IN_GOOD_OLD_SIZE + inode->i_extra_isize;

  s->not_found = -ENODATA;
  s->base = s->first = s->here = hdr + XATTR_IBODY_HDR;
  s->end = raw + FS_INODE_SIZE;
  if (!(inode->i_ext4_state & EXT4_STATE_XATTR))
    return 0;
  if (xattr_check_names (s->first, s->end, s->base) < 0)
    return ext4_error_corrupt (inode->i_fs, "bad in-inode xattrs of inode",
                               inode->i_ino);
  s->not_found = i ? xattr_find_entry (s, i, false) : -ENODATA;
  return 0;
}

/* ext4_xattr_block_find: *bh is the block (NULL: none). */
int
xattr_block_find (struct fs_inode *inode, const struct xattr_info *i,
                  struct xattr_search *s, struct buf **bh)
{
  int ret;

  memset (s, 0, sizeof *s);
  s->not_found = -ENODATA;
  *bh = NULL;
  if (inode->i_file_acl == 0)
    return 0;
  ret = buf_read (inode->i_fs->s_bc, inode->i_file_acl, bh);
  if (ret < 0)
    return ret;
  ret = xattr_check_block (inode, (*bh)->b_data);
  if (ret < 0) {
    buf_put (*bh);
    *bh = NULL;
    return ret;
  }
  s->base = (*bh)->b_data;
  s->first = s->here = s->base + XATTR_BLOCK_HDR;
  s->end = s->base + FS_BLOCK_SIZE;
  s->not_found = i ? xattr_find_entry (s, i, true) : -ENODATA;
  return 0;
}

/* ---- changing an area ---- */

/* ext4_xattr_set_entry (4.10): put i into s at s->here (insert, replace or,
 * value NULL, remove); -ENOSPC, changing nothing, when it does not fit. */
int
xattr_set_entry (const struct xattr_info *i, struct xattr_search *s)
{
  size_t min_offs = (size_t) (s->end - s->base), free;
  uint8_t *last = s->first;

  for (; !xattr_is_last (last); last = xattr_next (last))
    if (get_le32 (last + XE_VALUE_SIZE)) {
      size_t offs = get_le16 (last + XE_VALUE_OFFS);
      if (offs < min_offs)
        min_offs = offs;
    }
  free = min_offs - (size_t) (last - s->base) - 4;
  if (!s->not_found) {
    free += XATTR_SIZE (get_le32 (s->here + XE_VALUE_SIZE));
    free += XATTR_LEN (i->name_len);
  }
  if (i->value && free < XATTR_LEN (i->name_len) + XATTR_SIZE (i->value_len))
    return -ENOSPC;

  if (i->value && s->not_found) {
    /* Insert the name: the entries from here on move up one entry. */
    size_t size = XATTR_LEN (i->name_len);
    size_t rest = (size_t) (last - s->here) + 4;
    memmove (s->here + size, s->here, rest);
    memset (s->here, 0, size);
    s->here[XE_NAME_INDEX] = (uint8_t) i->name_index;
    s->here[XE_NAME_LEN] = (uint8_t) i->name_len;
    memcpy (s->here + XE_NAME, i->name, i->name_len);
  } else {
    uint32_t old = get_le32 (s->here + XE_VALUE_SIZE);
    if (old) {
      uint8_t *first_val = s->base + min_offs;
      size_t offs = get_le16 (s->here + XE_VALUE_OFFS);
      uint8_t *val = s->base + offs;
      size_t size = XATTR_SIZE (old);

      if (i->value && size == XATTR_SIZE (i->value_len)) {
        /* Same padded size: replace in place. */
        put_le32 (s->here + XE_VALUE_SIZE, (uint32_t) i->value_len);
        memset (val + size - XATTR_PAD, 0, XATTR_PAD);
        memcpy (val, i->value, i->value_len);
        return 0;
      }
      /* Remove the old value: the values below it move up. */
      memmove (first_val + size, first_val, (size_t) (val - first_val));
      memset (first_val, 0, size);
      put_le32 (s->here + XE_VALUE_SIZE, 0);
      put_le16 (s->here + XE_VALUE_OFFS, 0);
      min_offs += size;
      for (uint8_t *e = s->first; !xattr_is_last (e); e = xattr_next (e)) {
        size_t o = get_le16 (e + XE_VALUE_OFFS);
        if (get_le32 (e + XE_VALUE_SIZE) && o < offs)
          put_le16 (e + XE_VALUE_OFFS, (uint16_t) (o + size));
      }
    }
    if (!i->value) {
      /* Remove the name: the entries after it move down. */
      size_t size = XATTR_LEN (i->name_len);
      last -= size;
      memmove (s->here, s->here + size, (size_t) (last - s->here) + 4);
      memset (last, 0, size);
    }
  }
  if (i->value) {
    put_le32 (s->here + XE_VALUE_SIZE, (uint32_t) i->value_len);
    if (i->value_len) {
      size_t size = XATTR_SIZE (i->value_len);
      uint8_t *val = s->base + min_offs - size;
      put_le16 (s->here + XE_VALUE_OFFS, (uint16_t) (min_offs - size));
      memset (val + size - XATTR_PAD, 0, XATTR_PAD);
      memcpy (val, i->value, i->value_len);
    }
  }
  return 0;
}
