/* stubs: entry points of fpfs.h whose engine side is not written yet.
 * Each returns -EOPNOTSUPP, as a file system without the operation would.
 * An implementation replaces its stub here by the real function in the
 * layer it belongs to; this file goes when it is empty. */
#include <errno.h>

#include "vfs.h"

int
fpfs_mmap (struct fpfs *fs, int fd, uint64_t off, uint64_t len)
{
  (void) fs; (void) fd; (void) off; (void) len;
  return -EOPNOTSUPP;
}

int
fpfs_mwrite (struct fpfs *fs, int map, uint64_t off, const void *buf,
             size_t len)
{
  (void) fs; (void) map; (void) off; (void) buf; (void) len;
  return -EOPNOTSUPP;
}

int
fpfs_msync (struct fpfs *fs, int map, uint64_t off, uint64_t len, int flags)
{
  (void) fs; (void) map; (void) off; (void) len; (void) flags;
  return -EOPNOTSUPP;
}

int
fpfs_munmap (struct fpfs *fs, int map)
{
  (void) fs; (void) map;
  return -EOPNOTSUPP;
}
