/* namei: the path walk and the name operations (fs/ext4/namei.c): lookup,
 * create (and mkdir), unlink and rmdir (ext4_remove), link (with its
 * O_TMPFILE case), tmpfile, setattr; the
 * system calls around them, with the VFS's checks, are vfs/namei.c's.
 *
 * Each operation changes every block it touches inside one handle, so with
 * a journal it is atomic: rename replaces an existing name by rewriting the
 * entry in place (the name never points at nothing), and across
 * directories moves the entry, fixes "..", and both link counts, in the
 * same transaction.  (Bug switch FPFS_BUG_RENAME_TWO_TX splits it.)
 *
 * Paths are absolute; "." and ".." are honoured; a component is at most
 * FPFS_NAME_MAX bytes and a path at most 4096.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "ext4.h"

#define FS_PATH_MAX 4096u

static bool
is_dot (const char *n, size_t len)
{
  return (len == 1 && n[0] == '.') || (len == 2 && n[0] == '.' && n[1] == '.');
}

/* Next component of *p; false at the end. */
static bool
path_next (const char **p, const char **name, size_t *len)
{
  const char *s = *p;

  while (*s == '/')
    s++;
  if (*s == '\0')
    return false;
  *name = s;
  while (*s && *s != '/')
    s++;
  *len = (size_t) (s - *name);
  *p = s;
  return true;
}

static int
lookup_one (struct fs_inode *dir, const char *name, size_t len,
            struct fs_inode **out)
{
  struct ext4_dir_loc loc;
  int ret;

  if (!fs_isdir (dir))
    return -ENOTDIR;
  if (len > FPFS_NAME_MAX)
    return -ENAMETOOLONG;
  if (len == 1 && name[0] == '.') {
    ext4_ihold (dir);
    *out = dir;
    return 0;
  }
  ret = ext4_find_entry (dir, name, len, &loc);
  if (ret < 0)
    return ret;
  ret = ext4_iget (dir->i_fs, loc.ino, out);
  if (ret == 0 && !is_dot (name, len))
    (*out)->i_parent = dir->i_ino;
  return ret;
}

static int
path_check (const char *path)
{
  size_t n;

  if (path == NULL || path[0] != '/')
    return -EINVAL;
  n = strnlen (path, FS_PATH_MAX + 1);
  return n > FS_PATH_MAX ? -ENAMETOOLONG : 0;
}

int
ext4_lookup_path (struct fpfs *fs, const char *path, struct fs_inode **out)
{
  struct fs_inode *inode;
  const char *name;
  size_t len;
  int ret = path_check (path);

  if (ret < 0)
    return ret;
  ret = ext4_iget (fs, FS_ROOT_INO, &inode);
  if (ret < 0)
    return ret;
  while (path_next (&path, &name, &len)) {
    struct fs_inode *next;
    ret = lookup_one (inode, name, len, &next);
    iput (inode);
    if (ret < 0)
      return ret;
    inode = next;
  }
  *out = inode;
  return 0;
}

int
ext4_lookup_parent (struct fpfs *fs, const char *path, struct fs_inode **dir,
                    const char **name, size_t *namelen)
{
  const char *p = path, *last = NULL, *n;
  size_t lastlen = 0, len;
  struct fs_inode *inode;
  int ret = path_check (path);

  if (ret < 0)
    return ret;
  while (path_next (&p, &n, &len)) {
    last = n;
    lastlen = len;
  }
  if (last == NULL)
    return -EBUSY;                      /* "/" has no parent */
  if (lastlen > FPFS_NAME_MAX)
    return -ENAMETOOLONG;
  if (is_dot (last, lastlen))
    return -EINVAL;
  ret = ext4_iget (fs, FS_ROOT_INO, &inode);
  if (ret < 0)
    return ret;
  p = path;
  while (path_next (&p, &n, &len) && n != last) {
    struct fs_inode *next;
    ret = lookup_one (inode, n, len, &next);
    iput (inode);
    if (ret < 0)
      return ret;
    inode = next;
  }
  if (!fs_isdir (inode)) {
    iput (inode);
    return -ENOTDIR;
  }
  *dir = inode;
  *name = last;
  *namelen = lastlen;
  return 0;
}

int
ext4_create (struct fs_inode *dir, const char *name, size_t namelen,
             uint16_t mode, struct fs_inode **out)
{
  struct fpfs *fs = dir->i_fs;
  bool isdir = (mode & 0170000) == 0040000;
  struct fs_inode *inode = NULL;
  handle_t *h;
  int ret, err, retries = 0;

  if (isdir && dir->i_nlink >= EXT4_LINK_MAX)
    return -EMLINK;
retry:
  ret = ext4_journal_start (fs, isdir ? "mkdir" : "create",
                            ext4_dir_add_credits (dir) + 2 * ext4_ext_calc_credits (dir) + 6,
                            &h);
  if (ret < 0)
    return ret;
  ret = ext4_new_inode (h, dir, mode, &inode);
  if (ret < 0)
    goto stop;
  if (isdir) {
    ret = ext4_init_new_dir (h, dir, inode);
    inode->i_nlink = 2;
    if (ret == 0) {
      dir->i_nlink++;                   /* ext4_inc_count: the new ".." */
      ret = ext4_mark_inode_dirty (h, dir);
    }
  } else
    inode->i_nlink = 1;
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
  if (ret == 0)
    ret = ext4_add_entry (h, dir, name, namelen, inode);
  if (ret < 0 && inode)
    inode->i_nlink = 0;                 /* the iput below frees it */
stop:
  err = ext4_journal_stop (h);
  if (!ret)
    ret = err;
  if (ret < 0 && inode) {
    iput (inode);
    inode = NULL;
  }
  if (ret == -ENOSPC && ext4_should_retry_alloc (fs, &retries))
    goto retry;
  *out = inode;
  return ret;
}

/* Unlink the entry at loc in dir, dropping inode's link (or, for rmdir,
 * all of them): ext4_unlink / ext4_rmdir. */
int
ext4_remove (struct fs_inode *dir, const struct ext4_dir_loc *loc,
             struct fs_inode *inode, bool rmdir)
{
  struct fpfs *fs = dir->i_fs;
  handle_t *h;
  int ret, err;

  ret = ext4_journal_start (fs, rmdir ? "rmdir" : "unlink", 8, &h);
  if (ret < 0)
    return ret;
  ret = ext4_delete_entry (h, dir, loc);
  if (ret < 0)
    goto stop;
  dir->i_mtime = dir->i_ctime = fs_current_time (fs);
  if (rmdir) {
    inode->i_nlink = 0;                 /* clear_nlink */
    if (dir->i_nlink > 2)
      dir->i_nlink--;                   /* ext4_dec_count: its ".." */
  } else if (inode->i_nlink > 0)
    inode->i_nlink--;
  inode->i_ctime = dir->i_ctime;
  ret = ext4_mark_inode_dirty (h, dir);
  if (ret == 0 && inode->i_nlink == 0)
    ret = ext4_orphan_add (h, inode);
  if (ret == 0)
    ret = ext4_mark_inode_dirty (h, inode);
stop:
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

/* ext4_link: another name for inode in dir, in one handle.  An O_TMPFILE
 * inode (nlink 0, on the orphan list) linked for the first time leaves the
 * orphan list in the same handle that adds its entry, so no crash state
 * has the name and the orphan (which mount would free) together. */
int
ext4_link (struct fs_inode *dir, const char *name, size_t len,
           struct fs_inode *inode)
{
  struct fpfs *fs = dir->i_fs;
  handle_t *h;
  int ret, err;

  /* + 2: the superblock or previous orphan, for ext4_orphan_del. */
  ret = ext4_journal_start (fs, "link", ext4_dir_add_credits (dir) + 5, &h);
  if (ret < 0)
    return ret;
  inode->i_nlink++;
  inode->i_ctime = fs_current_time (fs);
  ret = ext4_add_entry (h, dir, name, len, inode);
  if (ret == 0) {
    ret = ext4_mark_inode_dirty (h, inode);
    /* "this can happen only for tmpfile being linked the first time" */
    if (ret == 0 && inode->i_nlink == 1)
      ret = ext4_orphan_del (h, inode);
  } else
    inode->i_nlink--;
  err = ext4_journal_stop (h);
  return ret ? ret : err;
}

/* ext4_tmpfile: a regular inode with no name.  One handle allocates it
 * and puts it on the orphan list (d_tmpfile leaves it with nlink 0), so
 * from its first commit on, a crash leaves an orphan that mount's orphan
 * cleanup frees; its last iput frees it otherwise (ext4_evict_inode).
 * Bug switch tmpfile-no-orphan skips the orphan list: after a crash the
 * inode stays allocated with no links and no list entry (a leak). */
int
ext4_tmpfile (struct fs_inode *dir, uint16_t mode, struct fs_inode **out)
{
  struct fpfs *fs = dir->i_fs;
  int ret, retries = 0;

  *out = NULL;
  do {
    struct fs_inode *inode = NULL;
    handle_t *h;
    int err;

    /* The inode bitmap and table block, the superblock (orphan head), and
     * EXT4_MAXQUOTAS_INIT_BLOCKS' spare: ext4_tmpfile's "4 + ...". */
    ret = ext4_journal_start (fs, "tmpfile", 8, &h);
    if (ret < 0)
      return ret;
    ret = ext4_new_inode (h, dir, mode, &inode);
    if (ret == 0) {
      assert (inode->i_nlink == 0);
      if (!fs_bug (fs, FPFS_BUG_TMPFILE_NO_ORPHAN))
        ret = ext4_orphan_add (h, inode);
      if (ret == 0)
        ret = ext4_mark_inode_dirty (h, inode);
    }
    err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
    if (ret < 0)
      iput (inode);                     /* nlink 0: evicted and freed */
    else
      *out = inode;
  } while (ret == -ENOSPC && ext4_should_retry_alloc (fs, &retries));
  return ret;
}

/* ext4_setattr, after the caller changed mode or times: the inode goes
 * into a handle, then notify_change's dirtying. */
int
ext4_setattr (struct fs_inode *inode)
{
  handle_t *h;
  int ret, err;

  ret = ext4_journal_start (inode->i_fs, "setattr", 2, &h);
  if (ret == 0) {
    ret = ext4_mark_inode_dirty (h, inode);
    err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
  }
  if (ret == 0)
    inode_mark_state (VFS_I (inode), I_DIRTY_SYNC);
  return ret;
}
