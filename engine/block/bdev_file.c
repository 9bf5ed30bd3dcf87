/* bdev_file: a block device backed by an image file (or a block device).
 *
 * Requests map one to one onto the file: read = pread, write = pwrite,
 * flush = fdatasync, trim = fallocate (PUNCH_HOLE | KEEP_SIZE), falling
 * back to writing zeroes where the file system cannot punch holes.  The
 * sector size is 512; the device size is the file's size (created sparse
 * with ftruncate when asked to create).
 *
 * Durability follows the host: a completed pwrite sits in the host page
 * cache, which is this device's volatile write cache; fdatasync is its
 * FLUSH.  A FUA write is pwrite followed by fdatasync of the file, which
 * makes the write (and, as a side effect, every earlier one) durable before
 * it completes: stronger than FUA, never weaker.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"
#include "fpfs.h"

#define FILE_SECTOR 512u

struct file_dev {
  int fd_fd;
  bool fd_no_punch;             /* the fs said it cannot punch holes */
};

static int
file_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct file_dev *fd = bd->priv;
  uint8_t *p = buf;
  ssize_t r;

  while (len > 0) {
    r = pread (fd->fd_fd, p, len, (off_t) off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -errno;
    if (r == 0) {
      /* The file shrank under us: read the rest as a hole. */
      memset (p, 0, len);
      break;
    }
    p += r;
    off += (uint64_t) r;
    len -= (size_t) r;
  }
  return 0;
}

static int
file_pwrite_all (int fdes, const void *buf, uint64_t off, size_t len)
{
  const uint8_t *p = buf;
  ssize_t r;

  while (len > 0) {
    r = pwrite (fdes, p, len, (off_t) off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -errno;
    if (r == 0)
      return -EIO;
    p += r;
    off += (uint64_t) r;
    len -= (size_t) r;
  }
  return 0;
}

static int
file_flush (struct fpfs_bdev *bd)
{
  struct file_dev *fd = bd->priv;

  /* FLUSH: every write completed so far reaches stable storage before
   * this returns (the host page cache is our volatile cache). */
  if (fdatasync (fd->fd_fd) < 0)
    return -errno;
  return 0;
}

static int
file_write (struct fpfs_bdev *bd, const void *buf, uint64_t off, size_t len,
            unsigned flags)
{
  struct file_dev *fd = bd->priv;
  int ret;

  assert (!(flags & ~(unsigned) FPFS_BDEV_FUA));
  ret = file_pwrite_all (fd->fd_fd, buf, off, len);
  /* FUA: this write is durable before it completes.  fdatasync also
   * flushes earlier writes, which FUA allows (it is a superset). */
  if (ret == 0 && (flags & FPFS_BDEV_FUA))
    ret = file_flush (bd);
  return ret;
}

static int
file_write_zeroes (struct file_dev *fd, uint64_t off, size_t len)
{
  static const uint8_t zero[64 * 1024];
  int ret;

  while (len > 0) {
    size_t n = len < sizeof zero ? len : sizeof zero;
    ret = file_pwrite_all (fd->fd_fd, zero, off, n);
    if (ret < 0)
      return ret;
    off += n;
    len -= n;
  }
  return 0;
}

static int
file_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct file_dev *fd = bd->priv;

  if (!fd->fd_no_punch) {
    if (fallocate (fd->fd_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                   (off_t) off, (off_t) len) == 0)
      return 0;
    if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL &&
        errno != ENODEV)
      return -errno;
    fd->fd_no_punch = true;
  }
  /* Trimmed ranges must read back as zeroes (DESIGN.md section 3). */
  return file_write_zeroes (fd, off, len);
}

static void
file_close (struct fpfs_bdev *bd)
{
  struct file_dev *fd = bd->priv;

  close (fd->fd_fd);
  free (fd);
}

static const struct fpfs_bdev_ops file_ops = {
  .name = "file",
  .read = file_read,
  .write = file_write,
  .flush = file_flush,
  .trim = file_trim,
  .close = file_close,
};

/* The size of an open image: the file's size, or a block device's. */
static int
file_get_size (int fdes, uint64_t *size)
{
  struct stat st;

  if (fstat (fdes, &st) < 0)
    return -errno;
  if (S_ISBLK (st.st_mode)) {
    if (ioctl (fdes, BLKGETSIZE64, size) < 0)
      return -errno;
    return 0;
  }
  if (!S_ISREG (st.st_mode))
    return -EINVAL;
  *size = (uint64_t) st.st_size;
  return 0;
}

/* create: make (or truncate to empty and re-size) the image, sparse, of
 * size bytes.  Otherwise open the existing image; size 0 takes the file's
 * size, and any other size must equal it. */
int
fpfs_bdev_file_open (const char *path, bool create, uint64_t size,
                     struct fpfs_bdev **out, char *errbuf, size_t errlen)
{
  struct fpfs_bdev *bd = NULL;
  struct file_dev *fd = NULL;
  int fdes = -1, ret = 0;
  uint64_t have;

  *out = NULL;
  if (path == NULL) {
    fp_errbuf (errbuf, errlen, "file: no image path given");
    return -EINVAL;
  }
  if (create && (size == 0 || size % FILE_SECTOR != 0)) {
    fp_errbuf (errbuf, errlen, "file: %s: size %llu is not a positive "
                "multiple of %u", path, (unsigned long long) size,
                FILE_SECTOR);
    return -EINVAL;
  }
  fdes = open (path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0),
               0644);
  if (fdes < 0) {
    ret = -errno;
    fp_errbuf (errbuf, errlen, "file: open: %s: %s", path, strerror (-ret));
    goto out;
  }
  if (create && ftruncate (fdes, (off_t) size) < 0) {
    ret = -errno;
    fp_errbuf (errbuf, errlen, "file: ftruncate: %s: %s", path,
                strerror (-ret));
    goto out;
  }
  ret = file_get_size (fdes, &have);
  if (ret < 0) {
    fp_errbuf (errbuf, errlen, "file: size of %s: %s", path,
                ret == -EINVAL ? "not a regular file or block device"
                : strerror (-ret));
    goto out;
  }
  if (size != 0 && have != size) {
    ret = -EINVAL;
    fp_errbuf (errbuf, errlen, "file: %s: size is %llu, expected %llu",
                path, (unsigned long long) have, (unsigned long long) size);
    goto out;
  }
  if (have == 0 || have % FILE_SECTOR != 0) {
    ret = -EINVAL;
    fp_errbuf (errbuf, errlen, "file: %s: size %llu is not a positive "
                "multiple of %u", path, (unsigned long long) have,
                FILE_SECTOR);
    goto out;
  }
  bd = calloc (1, sizeof *bd);
  fd = calloc (1, sizeof *fd);
  if (bd == NULL || fd == NULL) {
    ret = -ENOMEM;
    fp_errbuf (errbuf, errlen, "file: %s: out of memory", path);
    goto out;
  }
  fd->fd_fd = fdes;
  bd->ops = &file_ops;
  bd->priv = fd;
  bd->size = have;
  bd->sector_size = FILE_SECTOR;
  snprintf (bd->desc, sizeof bd->desc, "file:%s", path);
  *out = bd;
  bd = NULL;
  fd = NULL;
  fdes = -1;
 out:
  if (fdes >= 0)
    close (fdes);
  free (fd);
  free (bd);
  return ret;
}
