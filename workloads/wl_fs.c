/* wl_fs: what the table of system calls (wl_fs.h) offers on top of it. */
#include <fcntl.h>

#include "wl_fs.h"

long
wl_fs_read_path (const struct wl_fs *fs, const char *path, void *buf,
                 size_t len, uint64_t off)
{
  int fd = fs->ops->open (fs->ctx, path, O_RDONLY, 0);
  size_t got = 0;
  long ret;

  if (fd < 0)
    return fd;
  while (got < len) {
    ssize_t n = fs->ops->pread (fs->ctx, fd, (uint8_t *) buf + got,
                                len - got, off + got);
    if (n < 0) {
      fs->ops->close (fs->ctx, fd);
      return (long) n;
    }
    if (n == 0)
      break;
    got += (size_t) n;
  }
  ret = (long) got;
  fs->ops->close (fs->ctx, fd);
  return ret;
}
