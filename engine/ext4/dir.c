/* dir: directory blocks (fs/ext4/dir.c, the linear part of namei.c).
 *
 * A directory is a file of whole blocks, each tiled by ext4_dir_entry_2
 * records: inode (u32), rec_len (u16), name_len (u8), file_type (u8),
 * name.  A record with inode 0 is free space; a deleted record's space
 * joins the record before it.  The first block starts with "." and "..".
 * Directory blocks are metadata: read and changed through the buffer cache
 * and journaled, allocated at once (no delalloc), and in nojournal mode
 * associated with the directory for fsync.
 *
 * Every block is validated when read (records tile it exactly, lengths are
 * sane), so a corrupt directory gives -EUCLEAN, never an overrun.  Lookup
 * is a linear scan, as ext4 without dir_index.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ext4.h"

struct dirent_view {
  uint32_t inode;
  uint16_t rec_len;
  uint8_t name_len;
  uint8_t type;
  const char *name;
};

static void
de_get (const uint8_t *p, struct dirent_view *d)
{
  d->inode = get_le32 (p);
  d->rec_len = get_le16 (p + 4);
  d->name_len = p[6];
  d->type = p[7];
  d->name = (const char *) p + DIRENT_HDR;
}

static void
de_put (uint8_t *p, uint32_t ino, uint16_t rec_len, const char *name,
        uint8_t name_len, uint8_t type)
{
  put_le32 (p, ino);
  put_le16 (p + 4, rec_len);
  p[6] = name_len;
  p[7] = type;
  if (name_len)
    memcpy (p + DIRENT_HDR, name, name_len);
}

uint8_t
ext4_mode_to_ft (uint16_t mode)
{
  switch (mode & 0170000) {
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

static int
dir_check_block (struct fs_inode *dir, const uint8_t *blk, uint64_t pblk)
{
  unsigned off = 0;

  while (off < FS_BLOCK_SIZE) {
    struct dirent_view d;
    if (FS_BLOCK_SIZE - off < DIRENT_MIN)
      break;
    de_get (blk + off, &d);
    if (d.rec_len < DIRENT_MIN || (d.rec_len & 3) || d.rec_len > FS_BLOCK_SIZE - off
        || (unsigned) d.name_len + DIRENT_HDR > d.rec_len
        || (d.inode && d.name_len == 0)
        || d.inode > dir->i_fs->s_geo.inodes_count)
      break;
    off += d.rec_len;
  }
  if (off != FS_BLOCK_SIZE)
    return ext4_error_corrupt (dir->i_fs, "bad directory block", pblk);
  return 0;
}

int
ext4_read_dir_block (struct fs_inode *dir, uint32_t lblk, struct buf **out)
{
  struct ext4_map_blocks map = { .m_lblk = lblk, .m_len = 1 };
  struct buf *b;
  int ret = ext4_map_blocks (NULL, dir, &map, 0);

  if (ret < 0)
    return ret;
  if (ret == 0)
    return ext4_error_corrupt (dir->i_fs, "directory has a hole", dir->i_ino);
  ret = buf_read (dir->i_fs->s_bc, map.m_pblk, &b);
  if (ret < 0)
    return ret;
  ret = dir_check_block (dir, b->b_data, map.m_pblk);
  if (ret < 0) {
    buf_put (b);
    return ret;
  }
  *out = b;
  return 0;
}

static uint32_t
dir_nblocks (const struct fs_inode *dir)
{
  uint64_t n = dir->i_size >> FS_BLOCK_BITS;
  return n > UINT32_MAX ? UINT32_MAX : (uint32_t) n;
}

int
ext4_find_entry (struct fs_inode *dir, const char *name, size_t namelen,
                 struct ext4_dir_loc *loc)
{
  for (uint32_t lblk = 0; lblk < dir_nblocks (dir); lblk++) {
    unsigned off = 0, prev = ~0u;
    struct buf *b;
    int ret = ext4_read_dir_block (dir, lblk, &b);
    if (ret < 0)
      return ret;
    while (off < FS_BLOCK_SIZE) {
      struct dirent_view d;
      de_get (b->b_data + off, &d);
      if (d.inode && d.name_len == namelen && memcmp (d.name, name, namelen) == 0) {
        loc->lblk = lblk;
        loc->offset = off;
        loc->prev = prev;
        loc->ino = d.inode;
        loc->type = d.type;
        buf_put (b);
        return 0;
      }
      prev = off;
      off += d.rec_len;
    }
    buf_put (b);
  }
  return -ENOENT;
}

int
ext4_dir_add_credits (const struct fs_inode *dir)
{
  /* The block holding the entry, or a new block and its mapping. */
  return ext4_ext_calc_credits (dir) + 2;
}

/* ext4_append: a new, empty block at the end of dir. */
static int
ext4_append (handle_t *h, struct fs_inode *dir, uint32_t *lblk,
             struct buf **out)
{
  struct ext4_map_blocks map = { .m_lblk = dir_nblocks (dir), .m_len = 1 };
  struct buf *b;
  int ret;

  if ((uint64_t) map.m_lblk + 1 >= (1u << 20))      /* 4 GiB of directory */
    return -ENOSPC;
  ret = ext4_map_blocks (h, dir, &map, EXT4_GET_BLOCKS_CREATE);
  if (ret < 0)
    return ret;
  ret = ext4_getblk_new (h, map.m_pblk, &b);
  if (ret < 0)
    return ret;
  de_put (b->b_data, 0, FS_BLOCK_SIZE, NULL, 0, 0);
  dir->i_size += FS_BLOCK_SIZE;
  dir->i_disksize = dir->i_size;
  *lblk = map.m_lblk;
  *out = b;
  return 0;
}

int
ext4_add_entry (handle_t *h, struct fs_inode *dir, const char *name,
                size_t namelen, struct fs_inode *inode)
{
  unsigned need = DIRENT_LEN (namelen);
  uint8_t type = ext4_mode_to_ft (inode->i_mode);
  struct buf *b = NULL;
  unsigned off = 0;
  uint32_t lblk;
  int ret;

  assert (namelen >= 1 && namelen <= FPFS_NAME_MAX);
  for (lblk = 0; lblk < dir_nblocks (dir) && b == NULL; lblk++) {
    ret = ext4_read_dir_block (dir, lblk, &b);
    if (ret < 0)
      return ret;
    for (off = 0; off < FS_BLOCK_SIZE;) {
      struct dirent_view d;
      unsigned used;
      de_get (b->b_data + off, &d);
      used = d.inode ? DIRENT_LEN (d.name_len) : 0;
      if (d.rec_len >= used + need)
        break;
      off += d.rec_len;
    }
    if (off >= FS_BLOCK_SIZE) {
      buf_put (b);
      b = NULL;
    }
  }
  if (b == NULL) {
    ret = ext4_append (h, dir, &lblk, &b);
    if (ret < 0)
      return ret;
    off = 0;
  } else {
    ret = ext4_journal_get_write_access (h, b);
    if (ret < 0) {
      buf_put (b);
      return ret;
    }
  }
  {
    struct dirent_view d;
    unsigned used;
    de_get (b->b_data + off, &d);
    used = d.inode ? DIRENT_LEN (d.name_len) : 0;
    if (used) {           /* split: the live record keeps what it uses */
      put_le16 (b->b_data + off + 4, (uint16_t) used);
      de_put (b->b_data + off + used, inode->i_ino,
              (uint16_t) (d.rec_len - used), name, (uint8_t) namelen, type);
    } else
      de_put (b->b_data + off, inode->i_ino, d.rec_len, name,
              (uint8_t) namelen, type);
  }
  ret = ext4_handle_dirty_metadata (h, dir, b);
  buf_put (b);
  if (ret < 0)
    return ret;
  dir->i_mtime = dir->i_ctime = fs_current_time (dir->i_fs);
  ret = ext4_mark_inode_dirty (h, dir);
  inode->i_ext4_state |= EXT4_STATE_NEWENTRY;
  inode->i_parent = dir->i_ino;
  return ret;
}

static int
dir_modify (handle_t *h, struct fs_inode *dir, uint32_t lblk, struct buf **out)
{
  int ret = ext4_read_dir_block (dir, lblk, out);
  if (ret < 0)
    return ret;
  ret = ext4_journal_get_write_access (h, *out);
  if (ret < 0)
    buf_put (*out);
  return ret;
}

int
ext4_delete_entry (handle_t *h, struct fs_inode *dir,
                   const struct ext4_dir_loc *loc)
{
  struct buf *b;
  int ret = dir_modify (h, dir, loc->lblk, &b);

  if (ret < 0)
    return ret;
  if (loc->prev != ~0u) {
    uint8_t *p = b->b_data + loc->prev;
    uint16_t len = get_le16 (b->b_data + loc->offset + 4);
    put_le16 (p + 4, (uint16_t) (get_le16 (p + 4) + len));
  } else
    put_le32 (b->b_data + loc->offset, 0);
  ret = ext4_handle_dirty_metadata (h, dir, b);
  buf_put (b);
  return ret;
}

int
ext4_set_entry (handle_t *h, struct fs_inode *dir,
                const struct ext4_dir_loc *loc, uint32_t ino, uint8_t type)
{
  struct buf *b;
  int ret = dir_modify (h, dir, loc->lblk, &b);

  if (ret < 0)
    return ret;
  put_le32 (b->b_data + loc->offset, ino);
  b->b_data[loc->offset + 7] = type;
  ret = ext4_handle_dirty_metadata (h, dir, b);
  buf_put (b);
  return ret;
}

int
ext4_init_new_dir (handle_t *h, struct fs_inode *dir, struct fs_inode *inode)
{
  struct buf *b;
  uint32_t lblk;
  int ret = ext4_append (h, inode, &lblk, &b);

  if (ret < 0)
    return ret;
  assert (lblk == 0);
  de_put (b->b_data, inode->i_ino, 12, ".", 1, FT_DIR);
  de_put (b->b_data + 12, dir->i_ino, FS_BLOCK_SIZE - 12, "..", 2, FT_DIR);
  ret = ext4_handle_dirty_metadata (h, inode, b);
  buf_put (b);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  return ret;
}

int
ext4_dir_iterate (struct fs_inode *dir,
                  int (*cb) (void *ctx, const char *name, size_t namelen,
                             uint32_t ino, uint8_t type),
                  void *ctx)
{
  for (uint32_t lblk = 0; lblk < dir_nblocks (dir); lblk++) {
    struct buf *b;
    unsigned off = 0;
    int ret = ext4_read_dir_block (dir, lblk, &b);
    if (ret < 0)
      return ret;
    while (off < FS_BLOCK_SIZE) {
      struct dirent_view d;
      de_get (b->b_data + off, &d);
      off += d.rec_len;
      if (d.inode == 0 || (d.name_len == 1 && d.name[0] == '.')
          || (d.name_len == 2 && d.name[0] == '.' && d.name[1] == '.'))
        continue;
      ret = cb (ctx, d.name, d.name_len, d.inode, d.type);
      if (ret) {
        buf_put (b);
        return ret;
      }
    }
    buf_put (b);
  }
  return 0;
}

static int
empty_cb (void *ctx, const char *name, size_t namelen, uint32_t ino,
          uint8_t type)
{
  (void) ctx; (void) name; (void) namelen; (void) ino; (void) type;
  return 1;
}

int
ext4_empty_dir (struct fs_inode *dir)
{
  int ret = ext4_dir_iterate (dir, empty_cb, NULL);
  if (ret < 0)
    return ret;
  return ret == 0;
}
