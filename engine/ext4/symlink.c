/* symlink: symbolic links and special files (Linux 4.10 fs/ext4/namei.c:
 * ext4_symlink, ext4_mknod, ext4_add_nondir; fs/ext4/symlink.c and
 * fs/namei.c: the get_link of fast and page symlinks; fs/inode.c:
 * init_special_inode).
 *
 * Fast symlink (target and its NUL fit i_block's 60 bytes): one handle
 * allocates the inode, clears its EXTENTS flag, copies the target into
 * i_data, sets i_size to the target's length and adds the entry
 * (ext4_add_nondir).  No block.
 *
 * Slow symlink (60 to 4096 bytes with the NUL), as 4.10 for an unencrypted
 * target: the first handle allocates the inode (nlink 0) and puts it on the
 * orphan list, then stops -- page_symlink cannot run inside a handle, since
 * write_begin may wait for a commit.  page_symlink writes the target
 * through the inode's aops, which ext4_set_aops picks by
 * ext4_inode_journal_mode: with a journal every non-regular inode is in
 * data=journal mode (ext4_journalled_aops: the block is allocated in
 * write_begin's handle and journaled in write_end's, jdata.c); without one
 * it is writeback mode with delalloc (ext4_da_aops, da.c), written later
 * like file data.  A second handle takes the inode off the orphan list,
 * sets nlink 1 and i_disksize, and adds the entry.  A crash between the
 * handles leaves an orphan that mount frees; after the second handle's
 * commit the name and the journaled target are both on disk.
 *
 * Invariants: a fast symlink has no EXTENTS flag, no blocks and
 * strnlen(i_data) == i_size < 60; a slow one is extent-mapped with one
 * block and 60 <= i_size <= 4095; a special inode has no EXTENTS flag, no
 * blocks, size 0, and (char/block) its number in i_rdev, encoded into
 * i_block by ext4_do_update_inode (inode.c, FORMAT.md).
 *
 * Bug switch slow-symlink-unjournaled (BUGS.md): with a journal the
 * target takes the delalloc path anyway, so the commit that links the
 * name carries an unmapped block.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "ext4.h"

/* Credits to create one inode and its entry in dir (ext4_create's). */
static int
create_credits (const struct fs_inode *dir)
{
  return ext4_dir_add_credits (dir) + 2 * ext4_ext_calc_credits (dir) + 6;
}

/* ext4_add_nondir: the entry, then the inode; on failure the inode loses
 * its link and the caller's iput frees it. */
static int
ext4_add_nondir (handle_t *h, struct fs_inode *dir, const char *name,
                 size_t namelen, struct fs_inode *inode)
{
  int ret = ext4_add_entry (h, dir, name, namelen, inode);

  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  if (ret < 0)
    inode->i_nlink = 0;                         /* drop_nlink */
  return ret;
}

/* Finish a creation: stop h (if still open), drop the inode on failure. */
static int
create_finish (handle_t *h, struct fs_inode *inode, int ret)
{
  if (h) {
    int err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
  }
  if (inode) {
    if (ret < 0)
      inode->i_nlink = 0;                       /* clear_nlink */
    iput (inode);                               /* frees it when unlinked */
  }
  return ret;
}

/* ext4_set_aops by ext4_inode_journal_mode: the journalled aops, or
 * (nojournal, or the bug switch) the delalloc ones. */
static bool
symlink_journalled_aops (const struct fs_inode *inode)
{
  return ext4_inode_journals_data (inode)
    && !fs_bug (inode->i_fs, FPFS_BUG_SLOW_SYMLINK_UNJOURNALED);
}

/* page_symlink: the target through the inode's address-space operations. */
static int
page_symlink (struct fs_inode *inode, const char *target, size_t len)
{
  ssize_t n;

  if (symlink_journalled_aops (inode))
    n = ext4_journalled_write (inode, (const uint8_t *) target, len, 0);
  else {
    /* ext4_da_aops; the write path takes a file, which here is only the
     * inode behind it. */
    struct fpfs_file f = { .f_inode = inode, .f_flags = O_WRONLY };
    n = ext4_file_write (&f, (const uint8_t *) target, len, 0);
  }
  if (n < 0)
    return (int) n;
  return (size_t) n == len ? 0 : -EIO;   /* a short write is an error here */
}

static int
symlink_fast (struct fs_inode *dir, const char *name, size_t namelen,
              const char *target, size_t len)
{
  struct fpfs *fs = dir->i_fs;
  struct fs_inode *inode = NULL;
  handle_t *h;
  int ret;

  /* EXT4_DATA_TRANS_BLOCKS + EXT4_INDEX_EXTRA_TRANS_BLOCKS + 3: the entry
   * (which may map a new directory block), the inode's bitmap and table
   * block; the engine's count is ext4_create's. */
  ret = ext4_journal_start (fs, "symlink", create_credits (dir), &h);
  if (ret < 0)
    return ret;
  ret = ext4_new_inode (h, dir, (uint16_t) (FS_S_IFLNK | 0777), &inode);
  if (ret < 0)
    return create_finish (h, NULL, ret);
  /* "clear the extent format for fast symlink" */
  inode->i_flags &= ~FS_INODE_FLAG_EXTENTS;
  memset (inode->i_data, 0, sizeof inode->i_data);
  memcpy (inode->i_data, target, len);
  inode->i_size = inode->i_disksize = len;
  inode->i_nlink = 1;
  ret = ext4_add_nondir (h, dir, name, namelen, inode);
  return create_finish (h, inode, ret);
}

static int
symlink_slow (struct fs_inode *dir, const char *name, size_t namelen,
              const char *target, size_t len)
{
  struct fpfs *fs = dir->i_fs;
  struct fs_inode *inode = NULL;
  handle_t *h;
  int ret, err;

  /* "we just allocate inode and put it on orphan list in the first
   * transaction": bitmap, inode block, superblock (4 + quota + xattr). */
  ret = ext4_journal_start (fs, "symlink", 6, &h);
  if (ret < 0)
    return ret;
  ret = ext4_new_inode (h, dir, (uint16_t) (FS_S_IFLNK | 0777), &inode);
  if (ret < 0)
    return create_finish (h, NULL, ret);
  /* drop_nlink: the engine's new inode already has none. */
  assert (inode->i_nlink == 0);
  ret = ext4_orphan_add (h, inode);
  err = ext4_journal_stop (h);
  h = NULL;
  if (!ret)
    ret = err;
  if (ret == 0)
    ret = page_symlink (inode, target, len);
  if (ret < 0)
    return create_finish (NULL, inode, ret);
  /* "Now inode is being linked into dir": the entry and the inode. */
  ret = ext4_journal_start (fs, "symlink", create_credits (dir), &h);
  if (ret < 0)
    return create_finish (NULL, inode, ret);
  inode->i_nlink = 1;                           /* set_nlink */
  ret = ext4_orphan_del (h, inode);
  if (ret == 0) {
    /* EXT4_I(inode)->i_disksize = inode->i_size, whatever the delalloc
     * write left it at. */
    inode->i_disksize = inode->i_size;
    ret = ext4_add_nondir (h, dir, name, namelen, inode);
  }
  return create_finish (h, inode, ret);
}

int
ext4_symlink (struct fs_inode *dir, const char *name, size_t namelen,
              const char *target, size_t len)
{
  struct fpfs *fs = dir->i_fs;
  int ret, retries = 0;

  /* disk_link.len = strlen + 1 must fit a block. */
  if (len + 1 > FS_BLOCK_SIZE)
    return -ENAMETOOLONG;
  assert (len > 0);
  do {
    if (len + 1 > IN_BLOCK_BYTES)
      ret = symlink_slow (dir, name, namelen, target, len);
    else
      ret = symlink_fast (dir, name, namelen, target, len);
  } while (ret == -ENOSPC && ext4_should_retry_alloc (fs, &retries));
  return ret;
}

int
ext4_mknod (struct fs_inode *dir, const char *name, size_t namelen,
            uint16_t mode, uint32_t rdev)
{
  struct fpfs *fs = dir->i_fs;
  unsigned type = mode & FS_S_IFMT;
  int ret, retries = 0;

  assert (type == FS_S_IFIFO || type == FS_S_IFSOCK || type == FS_S_IFCHR
          || type == FS_S_IFBLK);
  do {
    struct fs_inode *inode = NULL;
    handle_t *h;

    ret = ext4_journal_start (fs, "mknod", create_credits (dir), &h);
    if (ret < 0)
      return ret;
    ret = ext4_new_inode (h, dir, mode, &inode);
    if (ret < 0) {
      ret = create_finish (h, NULL, ret);
      continue;
    }
    /* init_special_inode: only devices carry a number. */
    if (type == FS_S_IFCHR || type == FS_S_IFBLK)
      inode->i_rdev = rdev;
    inode->i_nlink = 1;
    ret = ext4_add_nondir (h, dir, name, namelen, inode);
    ret = create_finish (h, inode, ret);
  } while (ret == -ENOSPC && ext4_should_retry_alloc (fs, &retries));
  return ret;
}

ssize_t
ext4_get_link (struct fs_inode *inode, char *buf, size_t len)
{
  char page[FS_BLOCK_SIZE];
  size_t n;

  if (!fs_islnk (inode))
    return -EINVAL;
  if (ext4_inode_is_fast_symlink (inode)) {
    /* ext4_fast_symlink_inode_operations: i_link is i_data. */
    n = strnlen ((const char *) inode->i_data, (size_t) inode->i_size);
    memcpy (page, inode->i_data, n);
  } else {
    /* page_get_link: the first page, cut at i_size (nd_terminate_link),
     * read as a string: a block of zeroes is an empty target. */
    ssize_t got;
    size_t size = inode->i_size < FS_SYMLINK_MAX ? (size_t) inode->i_size
      : FS_SYMLINK_MAX;
    if (symlink_journalled_aops (inode))
      got = ext4_journalled_read (inode, (uint8_t *) page, size, 0);
    else
      got = ext4_file_read (inode, (uint8_t *) page, size, 0);
    if (got < 0)
      return got;
    n = strnlen (page, (size_t) got);
  }
  if (n > len)
    n = len;
  memcpy (buf, page, n);
  return (ssize_t) n;
}
