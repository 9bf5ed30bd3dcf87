/* stubs: entry points of fpfs.h whose engine side is not written yet.
 * Each returns -EOPNOTSUPP, as a file system without the operation would.
 * An implementation replaces its stub here by the real function in the
 * layer it belongs to; this file goes when it is empty. */
#include <errno.h>

#include "vfs.h"

int
fpfs_fallocate (struct fpfs *fs, int fd, int mode, uint64_t off, uint64_t len)
{
  (void) fs; (void) fd; (void) mode; (void) off; (void) len;
  return -EOPNOTSUPP;
}

int
fpfs_sync_file_range (struct fpfs *fs, int fd, uint64_t off, uint64_t nbytes,
                      unsigned flags)
{
  (void) fs; (void) fd; (void) off; (void) nbytes; (void) flags;
  return -EOPNOTSUPP;
}

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
fpfs_drop_caches (struct fpfs *fs, int what)
{
  (void) fs; (void) what;
  return -EOPNOTSUPP;
}
