/* namei: the name system calls (fs/namei.c, fs/stat.c, fs/attr.c,
 * fs/readdir.c): mkdir, rmdir, unlink, link, rename, stat, chmod,
 * utimensat, readdir, symlink, readlink, mknod.
 *
 * The walk never follows a symlink (fpfs.h, FIDELITY.md): stat, chmod,
 * utimens act on the link itself, as their AT_SYMLINK_NOFOLLOW forms do
 * (chmod of a link is EOPNOTSUPP, as fchmodat's), and a link in the
 * middle of a path is ENOTDIR.
 *
 * Each runs fs_syscall_enter, walks the path (ext4_lookup_path /
 * ext4_lookup_parent: the walk is ext4's, over its directories), makes the
 * VFS's checks (read-only, the name exists or not, the type, link limits)
 * and calls the inode operation: ext4_create, ext4_remove (ext4_unlink,
 * ext4_rmdir), ext4_link, ext4_setattr.  With one file-system type, the
 * kernel's i_op dispatch is a direct call.  rename's lookups and checks
 * are ext4_rename's own (ext4/rename.c), which holds both sides at once.
 */
#include <errno.h>
#include <string.h>

#include "vfs.h"

/* The VFS's checks for a name that must not exist yet (mkdir, symlink,
 * mknod: filename_create + may_create): on 0 *dir is its parent, held,
 * and [*name, *len) the last component. */
static int
vfs_new_name (struct fpfs *fs, const char *path, struct fs_inode **dir,
              const char **name, size_t *len)
{
  struct ext4_dir_loc loc;
  int ret = ext4_lookup_parent (fs, path, dir, name, len);

  if (ret < 0)
    return ret == -EBUSY || ret == -EINVAL ? -EEXIST : ret;
  if (fs->s_ro)
    ret = -EROFS;
  else if ((ret = ext4_find_entry (*dir, *name, *len, &loc)) == 0)
    ret = -EEXIST;
  else if (ret == -ENOENT)
    return 0;
  iput (*dir);
  return ret;
}

int
fpfs_mkdir (struct fpfs *fs, const char *path, uint32_t mode)
{
  struct fs_inode *dir, *inode;
  const char *name;
  size_t len;
  int ret;

  fs_syscall_enter (fs);
  if ((ret = vfs_new_name (fs, path, &dir, &name, &len)) < 0)
    return ret;
  ret = ext4_create (dir, name, len, (uint16_t) (0040000 | (mode & 07777)),
                     &inode);
  if (ret == 0)
    iput (inode);
  iput (dir);
  return ret;
}

static int
remove_path (struct fpfs *fs, const char *path, bool rmdir)
{
  struct fs_inode *dir, *inode;
  struct ext4_dir_loc loc;
  const char *name;
  size_t len;
  int ret;

  fs_syscall_enter (fs);
  ret = ext4_lookup_parent (fs, path, &dir, &name, &len);
  if (ret < 0)
    return ret;
  if (fs->s_ro) {
    iput (dir);
    return -EROFS;
  }
  ret = ext4_find_entry (dir, name, len, &loc);
  if (ret == 0)
    ret = ext4_iget (fs, loc.ino, &inode);
  if (ret < 0) {
    iput (dir);
    return ret;
  }
  if (rmdir && !fs_isdir (inode))
    ret = -ENOTDIR;
  else if (!rmdir && fs_isdir (inode))
    ret = -EISDIR;
  else if (rmdir && (ret = ext4_empty_dir (inode)) >= 0)
    ret = ret ? 0 : -ENOTEMPTY;
  if (ret == 0)
    ret = ext4_remove (dir, &loc, inode, rmdir);
  iput (inode);
  iput (dir);
  return ret;
}

int
fpfs_unlink (struct fpfs *fs, const char *path)
{
  return remove_path (fs, path, false);
}

int
fpfs_rmdir (struct fpfs *fs, const char *path)
{
  return remove_path (fs, path, true);
}

/* vfs_link's checks, then ext4_link: a name newpath for inode.  An inode
 * with no links may be named only if it is I_LINKABLE (an O_TMPFILE
 * without O_EXCL); once named it is an ordinary file. */
static int
do_link (struct fpfs *fs, struct fs_inode *inode, const char *newpath)
{
  struct fs_inode *dir;
  struct ext4_dir_loc loc;
  const char *name;
  size_t len;
  int ret;

  ret = ext4_lookup_parent (fs, newpath, &dir, &name, &len);
  if (ret < 0)
    return ret == -EBUSY || ret == -EINVAL ? -EEXIST : ret;
  if (fs->s_ro)
    ret = -EROFS;
  else if (fs_isdir (inode))
    ret = -EPERM;
  else if (inode->i_nlink == 0 && !(VFS_I (inode)->i_state & I_LINKABLE))
    ret = -ENOENT;
  else if (inode->i_nlink >= EXT4_LINK_MAX)
    ret = -EMLINK;
  else if ((ret = ext4_find_entry (dir, name, len, &loc)) == 0)
    ret = -EEXIST;
  else if (ret == -ENOENT)
    ret = ext4_link (dir, name, len, inode);
  if (ret == 0)
    VFS_I (inode)->i_state &= ~I_LINKABLE;
  iput (dir);
  return ret;
}

int
fpfs_link (struct fpfs *fs, const char *oldpath, const char *newpath)
{
  struct fs_inode *inode;
  int ret;

  fs_syscall_enter (fs);
  ret = ext4_lookup_path (fs, oldpath, &inode);
  if (ret < 0)
    return ret;
  ret = do_link (fs, inode, newpath);
  iput (inode);
  return ret;
}

int
fpfs_linkat_fd (struct fpfs *fs, int fd, const char *newpath)
{
  struct fpfs_file *f;

  fs_syscall_enter (fs);
  f = fs_fd_get (fs, fd);
  if (f == NULL)
    return -EBADF;
  return do_link (fs, f->f_inode, newpath);
}

int
fpfs_stat (struct fpfs *fs, const char *path, struct fpfs_stat *st)
{
  struct fs_inode *inode;
  int ret;

  fs_syscall_enter (fs);
  ret = ext4_lookup_path (fs, path, &inode);
  if (ret < 0)
    return ret;
  inode_stat (inode, st);
  iput (inode);
  return 0;
}

/* notify_change for mode and times: setattr_copy, then ext4_setattr
 * journals the inode. */
static int
setattr (struct fpfs *fs, const char *path, const uint32_t *mode,
         const struct fpfs_timespec times[2], bool times_now)
{
  struct fpfs_timespec now;
  struct fs_inode *inode;
  int ret;

  fs_syscall_enter (fs);
  now = fs_current_time (fs);
  ret = ext4_lookup_path (fs, path, &inode);
  if (ret < 0)
    return ret;
  if (fs->s_ro) {
    iput (inode);
    return -EROFS;
  }
  if (mode && fs_islnk (inode)) {
    iput (inode);
    return -EOPNOTSUPP;         /* fchmodat (AT_SYMLINK_NOFOLLOW) */
  }
  if (mode)
    inode->i_mode = (uint16_t) ((inode->i_mode & 0170000) | (*mode & 07777));
  if (times_now)
    inode->i_atime = inode->i_mtime = now;
  else if (times) {
    /* UTIME_NOW / UTIME_OMIT, as utimensat(2). */
    const uint32_t utime_now = (1u << 30) - 1, utime_omit = (1u << 30) - 2;
    for (int i = 0; i < 2; i++) {
      struct fpfs_timespec *t = i ? &inode->i_mtime : &inode->i_atime;
      if (times[i].nsec == utime_omit)
        continue;
      if (times[i].nsec == utime_now)
        *t = now;
      else if (times[i].nsec >= 1000000000u) {
        iput (inode);
        return -EINVAL;
      } else
        *t = times[i];
    }
  }
  inode->i_ctime = now;
  ret = ext4_setattr (inode);
  iput (inode);
  return ret;
}

int
fpfs_chmod (struct fpfs *fs, const char *path, uint32_t mode)
{
  return setattr (fs, path, &mode, NULL, false);
}

int
fpfs_utimens (struct fpfs *fs, const char *path,
              const struct fpfs_timespec times[2])
{
  return setattr (fs, path, NULL, times, times == NULL);
}

struct readdir_ctx {
  int (*cb) (void *ctx, const struct fpfs_dirent *de);
  void *ctx;
};

static int
readdir_cb (void *ctx, const char *name, size_t namelen, uint32_t ino,
            uint8_t type)
{
  struct readdir_ctx *rc = ctx;
  struct fpfs_dirent de;

  /* fs_ftype_to_dtype: ext4's EXT4_FT_* to the DT_* values. */
  static const uint8_t dtype[FT_MAX] = {
    [FT_UNKNOWN] = 0, [FT_REG] = 8, [FT_DIR] = 4, [FT_CHRDEV] = 2,
    [FT_BLKDEV] = 6, [FT_FIFO] = 1, [FT_SOCK] = 12, [FT_SYMLINK] = 10,
  };

  de.ino = ino;
  de.type = type < FT_MAX ? dtype[type] : 0;
  memcpy (de.name, name, namelen);
  de.name[namelen] = '\0';
  return rc->cb (rc->ctx, &de);
}

int
fpfs_readdir (struct fpfs *fs, const char *path,
              int (*cb) (void *ctx, const struct fpfs_dirent *de), void *ctx)
{
  struct readdir_ctx rc = { cb, ctx };
  struct fs_inode *dir;
  int ret;

  fs_syscall_enter (fs);
  ret = ext4_lookup_path (fs, path, &dir);
  if (ret < 0)
    return ret;
  ret = fs_isdir (dir) ? ext4_dir_iterate (dir, readdir_cb, &rc) : -ENOTDIR;
  iput (dir);
  return ret;
}

int
fpfs_rename (struct fpfs *fs, const char *oldpath, const char *newpath)
{
  fs_syscall_enter (fs);
  return ext4_rename (fs, oldpath, newpath, 0);
}

int
fpfs_rename2 (struct fpfs *fs, const char *oldpath, const char *newpath,
              unsigned flags)
{
  fs_syscall_enter (fs);
  return ext4_rename (fs, oldpath, newpath, flags);
}

/* sys_symlinkat: getname's checks, then vfs_symlink -> ext4_symlink. */
int
fpfs_symlink (struct fpfs *fs, const char *target, const char *linkpath)
{
  struct fs_inode *dir;
  const char *name;
  size_t len, tlen;
  int ret;

  fs_syscall_enter (fs);
  if (target == NULL)
    return -EFAULT;
  tlen = strnlen (target, FS_BLOCK_SIZE);
  if (tlen == 0)
    return -ENOENT;                     /* getname of "" */
  if (tlen >= FS_BLOCK_SIZE)
    return -ENAMETOOLONG;               /* ext4_symlink: len + 1 > blocksize */
  if ((ret = vfs_new_name (fs, linkpath, &dir, &name, &len)) < 0)
    return ret;
  ret = ext4_symlink (dir, name, len, target, tlen);
  iput (dir);
  return ret;
}

/* sys_readlinkat: the path's last component is not followed. */
ssize_t
fpfs_readlink (struct fpfs *fs, const char *path, char *buf, size_t len)
{
  struct fs_inode *inode;
  ssize_t ret;

  fs_syscall_enter (fs);
  if (len == 0 || len > INT32_MAX)
    return -EINVAL;                     /* bufsiz <= 0 */
  ret = ext4_lookup_path (fs, path, &inode);
  if (ret < 0)
    return ret;
  ret = ext4_get_link (inode, buf, len);
  iput (inode);
  return ret;
}

/* sys_mknodat: may_mknod's type check (no type or S_IFREG is a regular
 * file, as vfs_create; S_IFDIR is EPERM; others EINVAL), new_decode_dev of
 * the 32-bit number user space passes, then ext4_mknod. */
int
fpfs_mknod (struct fpfs *fs, const char *path, uint32_t mode, uint64_t dev)
{
  unsigned type = mode & FS_S_IFMT;
  struct fs_inode *dir, *inode;
  const char *name;
  uint32_t rdev;
  size_t len;
  int ret;

  fs_syscall_enter (fs);
  if (type == 0)
    type = FS_S_IFREG;
  if (type == FS_S_IFDIR)
    return -EPERM;
  if (type != FS_S_IFREG && type != FS_S_IFIFO && type != FS_S_IFSOCK
      && type != FS_S_IFCHR && type != FS_S_IFBLK)
    return -EINVAL;
  if (dev > UINT32_MAX)
    return -EINVAL;                     /* glibc: does not fit the kernel's */
  rdev = FS_MKDEV (((uint32_t) dev & 0xfff00u) >> 8,
                   ((uint32_t) dev & 0xffu) | (((uint32_t) dev >> 12) & 0xfff00u));
  if ((ret = vfs_new_name (fs, path, &dir, &name, &len)) < 0)
    return ret;
  if (type == FS_S_IFREG) {
    ret = ext4_create (dir, name, len, (uint16_t) (type | (mode & 07777)),
                       &inode);
    if (ret == 0)
      iput (inode);
  } else
    ret = ext4_mknod (dir, name, len, (uint16_t) (type | (mode & 07777)),
                      rdev);
  iput (dir);
  return ret;
}
