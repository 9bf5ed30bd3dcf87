/* stubs: entry points of fpfs.h whose engine side is not written yet.
 * Each returns -EOPNOTSUPP, as a file system without the operation would.
 * An implementation replaces its stub here by the real function in the
 * layer it belongs to; this file goes when it is empty. */
#include <errno.h>

#include "vfs.h"

int
fpfs_symlink (struct fpfs *fs, const char *target, const char *linkpath)
{
  (void) fs; (void) target; (void) linkpath;
  return -EOPNOTSUPP;
}

ssize_t
fpfs_readlink (struct fpfs *fs, const char *path, char *buf, size_t len)
{
  (void) fs; (void) path; (void) buf; (void) len;
  return -EINVAL;
}

int
fpfs_mknod (struct fpfs *fs, const char *path, uint32_t mode, uint64_t dev)
{
  (void) fs; (void) path; (void) mode; (void) dev;
  return -EOPNOTSUPP;
}

int
fpfs_setxattr (struct fpfs *fs, const char *path, const char *name,
               const void *value, size_t len, int flags)
{
  (void) fs; (void) path; (void) name; (void) value; (void) len; (void) flags;
  return -EOPNOTSUPP;
}

ssize_t
fpfs_getxattr (struct fpfs *fs, const char *path, const char *name,
               void *buf, size_t len)
{
  (void) fs; (void) path; (void) name; (void) buf; (void) len;
  return -EOPNOTSUPP;
}

int
fpfs_removexattr (struct fpfs *fs, const char *path, const char *name)
{
  (void) fs; (void) path; (void) name;
  return -EOPNOTSUPP;
}

ssize_t
fpfs_listxattr (struct fpfs *fs, const char *path, char *buf, size_t len)
{
  (void) fs; (void) path; (void) buf; (void) len;
  return 0;
}

int
fpfs_drop_caches (struct fpfs *fs, int what)
{
  (void) fs; (void) what;
  return -EOPNOTSUPP;
}
