/* xattr: the extended-attribute system calls (fs/xattr.c, Linux 4.10):
 * setxattr, getxattr, listxattr, removexattr on a path.
 *
 * The VFS half is here, in the kernel's order: the path walk, then
 * (writers) mnt_want_write's EROFS, then the flags (EINVAL), the name
 * (ERANGE when empty or over XATTR_NAME_MAX), the value's size (E2BIG over
 * XATTR_SIZE_MAX, 64 KiB: larger than any value ext4 can store, which then
 * fails with ENOSPC), xattr_permission (user.* only on regular files and
 * directories: EPERM to write, ENODATA to read; the caller is root, so
 * trusted.* is allowed), and the handler's namespace (EOPNOTSUPP,
 * xattr_resolve_name).  ext4's half is ext4/xattr.c.
 *
 * A zero-length value is an empty attribute, not a removal
 * (__vfs_setxattr); a get or list with len 0 returns the size needed.
 */
#include <errno.h>
#include <string.h>

#include "vfs.h"

#define XATTR_SIZE_MAX 65536u    /* include/uapi/linux/limits.h */
#define XATTR_LIST_MAX 65536u

/* The name checks of setxattr/getxattr/removexattr (strncpy_from_user into
 * kname[XATTR_NAME_MAX + 1]): empty or too long is ERANGE. */
static int
xattr_name_check (const char *name)
{
  size_t n = name ? strnlen (name, FPFS_XATTR_NAME_MAX + 1) : 0;

  return n == 0 || n > FPFS_XATTR_NAME_MAX ? -ERANGE : 0;
}

/* xattr_permission + xattr_resolve_name; write: MAY_WRITE. */
static int
xattr_resolve (struct fs_inode *inode, const char *name, bool write,
               int *index, const char **suffix)
{
  int ret = ext4_xattr_resolve_name (name, index, suffix);

  if (ret == 0 && *index == XATTR_INDEX_USER && !fs_isreg (inode)
      && !fs_isdir (inode))
    return write ? -EPERM : -ENODATA;
  return ret;
}

/* The path's inode for a writer (EROFS after the walk, as
 * mnt_want_write). */
static int
xattr_lookup (struct fpfs *fs, const char *path, bool write,
              struct fs_inode **out)
{
  int ret = ext4_lookup_path (fs, path, out);

  if (ret < 0)
    return ret;
  if (write && fs->s_ro) {
    iput (*out);
    *out = NULL;
    return -EROFS;
  }
  return 0;
}

static int
xattr_do_set (struct fpfs *fs, const char *path, const char *name,
              const void *value, size_t len, int flags)
{
  struct fs_inode *inode;
  const char *suffix;
  int index, ret;

  ret = xattr_lookup (fs, path, true, &inode);
  if (ret < 0)
    return ret;
  if (flags & ~(FPFS_XATTR_CREATE | FPFS_XATTR_REPLACE))
    ret = -EINVAL;
  else if ((ret = xattr_name_check (name)) == 0 && len > XATTR_SIZE_MAX)
    ret = -E2BIG;
  if (ret == 0)
    ret = xattr_resolve (inode, name, true, &index, &suffix);
  if (ret == 0)
    ret = ext4_xattr_set (inode, index, suffix, value, len, flags);
  iput (inode);
  return ret;
}

int
fpfs_setxattr (struct fpfs *fs, const char *path, const char *name,
               const void *value, size_t len, int flags)
{
  fs_syscall_enter (fs);
  if (value == NULL && len > 0)
    return -EFAULT;
  /* __vfs_setxattr: "empty EA, do not remove". */
  return xattr_do_set (fs, path, name, value ? value : "", len, flags);
}

int
fpfs_removexattr (struct fpfs *fs, const char *path, const char *name)
{
  fs_syscall_enter (fs);
  /* __vfs_removexattr: the handler's set with no value, XATTR_REPLACE. */
  return xattr_do_set (fs, path, name, NULL, 0, FPFS_XATTR_REPLACE);
}

ssize_t
fpfs_getxattr (struct fpfs *fs, const char *path, const char *name,
               void *buf, size_t len)
{
  struct fs_inode *inode;
  const char *suffix;
  ssize_t ret;
  int index;

  fs_syscall_enter (fs);
  ret = xattr_lookup (fs, path, false, &inode);
  if (ret < 0)
    return ret;
  if (len > XATTR_SIZE_MAX)
    len = XATTR_SIZE_MAX;
  ret = xattr_name_check (name);
  if (ret == 0)
    ret = xattr_resolve (inode, name, false, &index, &suffix);
  if (ret == 0)
    ret = ext4_xattr_get (inode, index, suffix, len ? buf : NULL, len);
  if (ret == -ERANGE && len >= XATTR_SIZE_MAX)
    ret = -E2BIG;
  iput (inode);
  return ret;
}

ssize_t
fpfs_listxattr (struct fpfs *fs, const char *path, char *buf, size_t len)
{
  struct fs_inode *inode;
  ssize_t ret;

  fs_syscall_enter (fs);
  ret = xattr_lookup (fs, path, false, &inode);
  if (ret < 0)
    return ret;
  if (len > XATTR_LIST_MAX)
    len = XATTR_LIST_MAX;
  ret = ext4_listxattr (inode, len ? buf : NULL, len);
  if (ret == -ERANGE && len >= XATTR_LIST_MAX)
    ret = -E2BIG;
  iput (inode);
  return ret;
}
