/* xattr: extended attributes, as Linux 4.10's fs/ext4/xattr.c.
 *
 * Where they live (FORMAT.md, "Extended attributes"):
 *   - in the inode body, after i_extra_isize: a 4-byte magic, entries
 *     growing up from there in the order they were added, values growing
 *     down from the inode's end; value offsets count from the first entry;
 *     entry hashes are 0 (ext4_xattr_ibody_set never hashes);
 *   - then in one xattr block (i_file_acl): a 32-byte header (magic,
 *     h_refcount 1, h_blocks 1, h_hash), entries sorted by (name index,
 *     name length, name) as ext4_xattr_find_entry's sorted search keeps
 *     them, values from the block's end; each entry hashed with
 *     ext4_xattr_hash_entry, the header with ext4_xattr_rehash.
 * A value goes into the inode when it fits, else into the block (and out
 * of the inode), as ext4_xattr_set_handle decides; a removal takes it from
 * where it is.  An emptied block is freed (ext4_xattr_release_block).
 *
 * Journalling: ext4_xattr_set runs ext4_xattr_set_handle in one handle of
 * ext4_jbd2_credits_xattr credits.  The inode-table block and the xattr
 * block are journalled metadata (get_write_access / create access, then
 * dirty_metadata; without a journal the xattr block is tied to the inode
 * for fsync, as mark_buffer_dirty_inode); the inode is written with
 * ext4_mark_inode_dirty (4.10's ext4_mark_iloc_dirty), which moves
 * i_sync_tid only: fdatasync does not commit an xattr change (ext4_sync_file
 * waits for i_datasync_tid), fsync does.  ctime becomes now.
 *
 * Not done, as the engine does not need them (engine/FIDELITY.md):
 *   - mbcache block sharing: a block belongs to one inode, h_refcount is
 *     always 1 (a block with another count is corruption here; 4.10 would
 *     clone it);
 *   - ACLs (system.posix_acl_*) and the other namespaces: EOPNOTSUPP;
 *   - growing i_extra_isize (ext4_expand_extra_isize_ea): every inode has
 *     the engine's one extra size.
 *
 * Invariants: an area is read only after ext4_xattr_check_names accepted
 * it (entries and values inside, values past the entries), so the list
 * walks below stay in bounds; the area code (check, find, set_entry) is
 * xattr_area.c's.  An ENOSPC is retried after a commit
 * (ext4_should_retry_alloc), as 4.10 does, even when the value cannot fit
 * any block.
 *
 * Bug switch FPFS_BUG_XATTR_BLOCK_TWO_TX: a newly allocated xattr block is
 * linked from the inode (i_file_acl, the bitmap) in one transaction, which
 * is committed, and its contents are written in the next: a crash in
 * between finds the inode pointing at a block that holds whatever it held
 * before.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xattr_int.h"

/* ext4_jbd2_credits_xattr (4.10): EXT4_DATA_TRANS_BLOCKS, i.e. 20 for an
 * extent-mapped single-data operation + EXT4_XATTR_TRANS_BLOCKS (6) - 2,
 * no quota.  We touch at most the inode block, the old and the new xattr
 * block, the block bitmap and the superblock. */
#define XATTR_CREDITS 24

/* ---- namespaces (the xattr handlers of fs/ext4/xattr.c) ---- */

static const struct {
  const char *prefix;
  int index;
} xattr_handlers[] = {
  { "user.", XATTR_INDEX_USER },
  { "trusted.", XATTR_INDEX_TRUSTED },
  { "security.", XATTR_INDEX_SECURITY },
};
#define NHANDLERS (sizeof xattr_handlers / sizeof xattr_handlers[0])

int
ext4_xattr_resolve_name (const char *name, int *index, const char **suffix)
{
  for (size_t i = 0; i < NHANDLERS; i++) {
    size_t n = strlen (xattr_handlers[i].prefix);
    if (strncmp (name, xattr_handlers[i].prefix, n) == 0) {
      if (name[n] == '\0')
        return -EINVAL;
      *index = xattr_handlers[i].index;
      *suffix = name + n;
      return 0;
    }
  }
  return -EOPNOTSUPP;
}

static const char *
xattr_prefix (int index)
{
  for (size_t i = 0; i < NHANDLERS; i++)
    if (xattr_handlers[i].index == index)
      return xattr_handlers[i].prefix;
  return NULL;
}

/* ext4_xattr_ibody_set: the area keeps its magic while it holds entries.
 * An area without the magic holds none: it is cleared before its first
 * entry (ext4 relies on EXT4_STATE_NEW's memset for the same). */
static int
xattr_ibody_set (struct fs_inode *inode, uint8_t *raw,
                 const struct xattr_info *i, struct xattr_search *s)
{
  uint8_t *hdr = raw + IN_GOOD_OLD_SIZE + inode->i_extra_isize;
  int ret;

  if (inode->i_extra_isize == 0)
    return -ENOSPC;
  if (!(inode->i_ext4_state & EXT4_STATE_XATTR))
    memset (s->first, 0, (size_t) (s->end - s->first));
  ret = xattr_set_entry (i, s);
  if (ret < 0)
    return ret;
  if (!xattr_is_last (s->first)) {
    put_le32 (hdr, XATTR_MAGIC);
    inode->i_ext4_state |= EXT4_STATE_XATTR;
  } else {
    put_le32 (hdr, 0);
    inode->i_ext4_state &= ~EXT4_STATE_XATTR;
  }
  return 0;
}

/* ext4_xattr_rehash: here's hash, then the block's. */
static void
xattr_rehash (uint8_t *block, uint8_t *here)
{
  put_le32 (here + XE_HASH, xattr_hash_entry (here, block));
  put_le32 (block + XH_HASH, xattr_block_hash (block + XATTR_BLOCK_HDR));
}

/* ext4_xattr_release_block, for a block of h_refcount 1: freed as
 * metadata (forgotten, and revoked outside data=journal: ext4_forget). */
static int
xattr_release_block (handle_t *h, struct fs_inode *inode, uint64_t blk)
{
  FS_TRACE (inode->i_fs, "ext4_xattr_release_block", "dev %s ino %u block %"
            PRIu64, inode->i_fs->s_devname, inode->i_ino, blk);
  return ext4_free_blocks (h, inode, blk, 1, true);
}

/* The bug switch: commit the inode's link to the new block first. */
static int
xattr_bug_commit_link (handle_t *h, struct fs_inode *inode, struct buf *ibh)
{
  struct fpfs *fs = inode->i_fs;
  handle_t *nh;
  int ret, err;

  ret = ext4_mark_inode_dirty (h, inode);
  err = ext4_journal_stop (h);
  if (!ret)
    ret = err;
  if (ret == 0)
    ret = ext4_force_commit (fs);
  err = ext4_journal_start (fs, "xattr", XATTR_CREDITS, &nh);
  if (!ret)
    ret = err;
  assert (err < 0 || nh == h);
  if (ret == 0)
    ret = ext4_journal_get_write_access (h, ibh);
  return ret;
}

/* ext4_xattr_block_set: s is the block's search (base NULL: no block).
 * bh is the block's buffer; ibh the inode's (the bug switch restarts the
 * handle and needs write access to it again). */
static int
xattr_block_set (handle_t *h, struct fs_inode *inode, struct buf *ibh,
                 const struct xattr_info *i, struct xattr_search *s,
                 struct buf *bh)
{
  struct fpfs *fs = inode->i_fs;
  uint8_t *scratch = NULL;
  struct buf *nb = NULL;
  uint64_t blk = 0, old = inode->i_file_acl;
  int ret;

  if (s->base) {
    /* h_refcount is 1 (xattr_check_block): modify in place. */
    ret = ext4_journal_get_write_access (h, bh);
    if (ret < 0)
      return ret;
    ret = xattr_set_entry (i, s);
    if (ret < 0)
      return ret;
    if (!xattr_is_last (s->first))
      xattr_rehash (s->base, s->here);
    ret = ext4_handle_dirty_metadata (h, inode, bh);
    if (ret < 0)
      return ret;
    if (!xattr_is_last (s->first))
      return 0;                           /* "keeping this block" */
    inode->i_file_acl = 0;
    return xattr_release_block (h, inode, old);
  }

  /* A new block, built in memory first. */
  scratch = calloc (1, FS_BLOCK_SIZE);
  if (scratch == NULL)
    return -ENOMEM;
  put_le32 (scratch + XH_MAGIC, XATTR_MAGIC);
  put_le32 (scratch + XH_BLOCKS, 1);
  put_le32 (scratch + XH_REFCOUNT, 1);
  s->base = scratch;
  s->first = s->here = scratch + XATTR_BLOCK_HDR;
  s->end = scratch + FS_BLOCK_SIZE;
  s->not_found = -ENODATA;
  ret = xattr_set_entry (i, s);
  if (ret < 0 || xattr_is_last (s->first))
    goto out;
  xattr_rehash (s->base, s->here);
  /* The goal is the inode's neighbourhood (ext4: its group's first block). */
  ret = ext4_new_meta_block (h, inode, fs->s_alloc_cursor, &blk);
  if (ret < 0)
    goto out;
  /* ext4_mb_new_blocks' dquot_alloc_block marks the inode dirty
   * (mark_inode_dirty): ext4_dirty_inode writes it inside this handle,
   * which moves i_sync_tid only, but without a journal I_DIRTY_DATASYNC
   * makes fdatasync write it.  (Not I_DIRTY_PAGES: the engine's flusher
   * would look for pages of a directory.) */
  __mark_inode_dirty (VFS_I (inode), I_DIRTY_INODE);
  inode->i_file_acl = blk;
  if (fs_bug (fs, FPFS_BUG_XATTR_BLOCK_TWO_TX) && fs->s_journal) {
    ret = xattr_bug_commit_link (h, inode, ibh);
    if (ret < 0)
      goto out;
  }
  ret = ext4_getblk_new (h, blk, &nb);
  if (ret < 0) {
    /* getblk_failed: give the block back. */
    inode->i_file_acl = old;
    ext4_free_blocks (h, inode, blk, 1, true);
    goto out;
  }
  memcpy (nb->b_data, scratch, FS_BLOCK_SIZE);
  ret = ext4_handle_dirty_metadata (h, inode, nb);
  buf_put (nb);
out:
  s->base = s->first = s->here = s->end = NULL;
  free (scratch);
  return ret;
}

/* ext4_xattr_update_super_block: the first xattr sets EXT_ATTR. */
static void
ext4_xattr_update_super_block (handle_t *h)
{
  struct fpfs *fs = h->h_fs;
  uint8_t *sb = fs->s_sbh->b_data;

  if (get_le32 (sb + SB_FEAT_COMPAT) & FS_FEATURE_COMPAT_EXT_ATTR)
    return;
  if (ext4_journal_get_write_access (h, fs->s_sbh) == 0) {
    put_le32 (sb + SB_FEAT_COMPAT,
              get_le32 (sb + SB_FEAT_COMPAT) | FS_FEATURE_COMPAT_EXT_ATTR);
    ext4_handle_dirty_super (h);
  }
}

/* ext4_xattr_set_handle (4.10), in h. */
static int
xattr_set_handle (handle_t *h, struct fs_inode *inode,
                  const struct xattr_info *in, int flags)
{
  struct xattr_info i = *in;
  struct xattr_search is, bs;
  struct buf *ibh = NULL, *bh = NULL;
  uint8_t *raw;
  unsigned off;
  int ret;

  if (i.name_len > FPFS_XATTR_NAME_MAX)
    return -ERANGE;
  memset (&bs, 0, sizeof bs);
  bs.not_found = -ENODATA;
  /* ext4_reserve_inode_write */
  ret = ext4_get_inode_loc (inode, &ibh, &off);
  if (ret < 0)
    return ret;
  ret = ext4_journal_get_write_access (h, ibh);
  if (ret < 0)
    goto out;
  raw = ibh->b_data + off;
  ret = xattr_ibody_find (inode, raw, &i, &is);
  if (ret == 0 && is.not_found)
    ret = xattr_block_find (inode, &i, &bs, &bh);
  if (ret < 0)
    goto out;
  if (is.not_found && bs.not_found) {
    ret = -ENODATA;
    if (flags & FPFS_XATTR_REPLACE)
      goto out;
    ret = 0;
    if (!i.value)
      goto out;
  } else {
    ret = -EEXIST;
    if (flags & FPFS_XATTR_CREATE)
      goto out;
  }

  if (!i.value) {
    if (!is.not_found)
      ret = xattr_ibody_set (inode, raw, &i, &is);
    else
      ret = xattr_block_set (h, inode, ibh, &i, &bs, bh);
  } else {
    ret = xattr_ibody_set (inode, raw, &i, &is);
    if (ret == 0 && !bs.not_found) {
      /* Now in the inode: out of the block. */
      i.value = NULL;
      ret = xattr_block_set (h, inode, ibh, &i, &bs, bh);
    } else if (ret == -ENOSPC) {
      if (inode->i_file_acl && !bs.base) {
        ret = xattr_block_find (inode, &i, &bs, &bh);
        if (ret < 0)
          goto out;
      }
      ret = xattr_block_set (h, inode, ibh, &i, &bs, bh);
      if (ret == 0 && !is.not_found) {
        /* Now in the block: out of the inode. */
        i.value = NULL;
        ret = xattr_ibody_set (inode, raw, &i, &is);
      }
    }
  }
  if (ret == 0) {
    ext4_xattr_update_super_block (h);
    inode->i_ctime = fs_current_time (inode->i_fs);
    ret = ext4_mark_inode_dirty (h, inode);
    /* Not a timestamp-only change (ext4_do_update_inode saw the area
     * already changed): for the fsync-skip-time-only switch's record. */
    if (ext4_handle_valid (h))
      inode->i_meta_tid = ext4_handle_tid (h);
  }
out:
  buf_put (bh);
  buf_put (ibh);
  return ret;
}

int
ext4_xattr_set (struct fs_inode *inode, int index, const char *name,
                const void *value, size_t len, int flags)
{
  struct fpfs *fs = inode->i_fs;
  struct xattr_info i = {
    .name_index = index, .name = name, .name_len = strlen (name),
    .value = value, .value_len = len,
  };
  int retries = 0, ret, err;
  handle_t *h;

  assert (!(flags & ~(FPFS_XATTR_CREATE | FPFS_XATTR_REPLACE)));
  FS_TRACE (fs, "ext4_xattr_set", "dev %s ino %u index %d name %s len %zu "
            "flags %d", fs->s_devname, inode->i_ino, index, name,
            value ? len : 0, flags);
retry:
  ret = ext4_journal_start (fs, "xattr", XATTR_CREDITS, &h);
  if (ret < 0)
    return ret;
  ret = xattr_set_handle (h, inode, &i, flags);
  err = ext4_journal_stop (h);
  if (ret == -ENOSPC && ext4_should_retry_alloc (fs, &retries))
    goto retry;
  return ret ? ret : err;
}

/* Copy the value of entry e (values at vbase) to buf: ext4_xattr_*_get. */
static ssize_t
xattr_copy_value (const uint8_t *e, const uint8_t *vbase, void *buf,
                  size_t len)
{
  uint32_t size = get_le32 (e + XE_VALUE_SIZE);

  if (buf) {
    if (size > len)
      return -ERANGE;
    memcpy (buf, vbase + get_le16 (e + XE_VALUE_OFFS), size);
  }
  return size;
}

ssize_t
ext4_xattr_get (struct fs_inode *inode, int index, const char *name,
                void *buf, size_t len)
{
  struct xattr_info i = {
    .name_index = index, .name = name, .name_len = strlen (name),
  };
  struct xattr_search s;
  struct buf *ibh, *bh;
  unsigned off;
  ssize_t ret;

  if (i.name_len > FPFS_XATTR_NAME_MAX)
    return -ERANGE;
  ret = ext4_get_inode_loc (inode, &ibh, &off);
  if (ret < 0)
    return ret;
  ret = xattr_ibody_find (inode, ibh->b_data + off, &i, &s);
  if (ret == 0 && !s.not_found)
    ret = xattr_copy_value (s.here, s.base, buf, len);
  else if (ret == 0) {
    ret = xattr_block_find (inode, &i, &s, &bh);
    if (ret == 0)
      ret = s.not_found ? s.not_found
        : xattr_copy_value (s.here, s.base, buf, len);
    buf_put (bh);
  }
  buf_put (ibh);
  return ret;
}

/* ext4_xattr_list_entries: "prefix" "name" NUL for each entry of a known
 * namespace; *rest counts down (wrapping, as the kernel's size_t does,
 * when buf is NULL). */
static int
xattr_list_entries (const uint8_t *first, char **buf, size_t *rest)
{
  for (const uint8_t *e = first; !xattr_is_last (e); e = xattr_next (e)) {
    const char *prefix = xattr_prefix (e[XE_NAME_INDEX]);
    size_t plen, size;

    if (prefix == NULL)
      continue;
    plen = strlen (prefix);
    size = plen + e[XE_NAME_LEN] + 1;
    if (*buf) {
      if (size > *rest)
        return -ERANGE;
      memcpy (*buf, prefix, plen);
      memcpy (*buf + plen, e + XE_NAME, e[XE_NAME_LEN]);
      (*buf)[size - 1] = '\0';
      *buf += size;
    }
    *rest -= size;
  }
  return 0;
}

ssize_t
ext4_listxattr (struct fs_inode *inode, char *buf, size_t len)
{
  struct xattr_search s;
  struct buf *ibh, *bh = NULL;
  size_t rest = buf ? len : 0;
  unsigned off;
  int ret;

  ret = ext4_get_inode_loc (inode, &ibh, &off);
  if (ret < 0)
    return ret;
  ret = xattr_ibody_find (inode, ibh->b_data + off, NULL, &s);
  if (ret == 0 && (inode->i_ext4_state & EXT4_STATE_XATTR))
    ret = xattr_list_entries (s.first, &buf, &rest);
  if (ret == 0)
    ret = xattr_block_find (inode, NULL, &s, &bh);
  if (ret == 0 && bh)
    ret = xattr_list_entries (s.first, &buf, &rest);
  buf_put (bh);
  buf_put (ibh);
  if (ret < 0)
    return ret;
  return (ssize_t) ((buf ? len : 0) - rest);
}

int
ext4_xattr_delete_inode (handle_t *h, struct fs_inode *inode)
{
  struct buf *bh;
  int ret;

  if (inode->i_file_acl == 0)
    return 0;
  ret = buf_read (inode->i_fs->s_bc, inode->i_file_acl, &bh);
  if (ret < 0)
    return ret;
  /* 4.10 checks magic and h_blocks only; a bad block is reported and
   * left alone (fsck finds it marked and unowned), the inode still goes. */
  if (get_le32 (bh->b_data + XH_MAGIC) != XATTR_MAGIC
      || get_le32 (bh->b_data + XH_BLOCKS) != 1) {
    ext4_error_corrupt (inode->i_fs, "bad xattr block of inode",
                        inode->i_ino);
    buf_put (bh);
    return 0;
  }
  buf_put (bh);
  ret = xattr_release_block (h, inode, inode->i_file_acl);
  if (ret == 0)
    inode->i_file_acl = 0;
  return ret;
}
