/* stubs: entry points of fpfs.h whose engine side is not written yet.
 * Each returns -EOPNOTSUPP, as a file system without the operation would.
 * An implementation replaces its stub here by the real function in the
 * layer it belongs to; this file goes when it is empty. */
#include <errno.h>

#include "vfs.h"

int
fpfs_rename2 (struct fpfs *fs, const char *oldpath, const char *newpath,
              unsigned flags)
{
  if (flags == 0)
    return fpfs_rename (fs, oldpath, newpath);
  return -EINVAL;
}

int
fpfs_linkat_fd (struct fpfs *fs, int fd, const char *newpath)
{
  (void) fs; (void) fd; (void) newpath;
  return -EOPNOTSUPP;
}
