/* bdev: the checked entry points to every block-device backend.
 *
 * The engine, the checker and the tests never call a backend's ops directly:
 * they go through fpfs_bdev_read/write/flush/trim/close, which
 *   - reject a request that is not sector-aligned, runs past the end of the
 *     device, or carries unknown flags, with -EINVAL, before the backend
 *     sees it (so every backend may assert alignment and bounds);
 *   - count the request in bd->stats.
 *
 * Stats count requests handed to the backend, whether or not the backend
 * then fails them: a FLUSH that returned -EIO was still sent, and the
 * question tests ask ("did fsync send a flush?") is about sending.
 * Zero-length reads, writes and trims are no-ops: they succeed, are not
 * counted and do not reach the backend.
 *
 * Ownership: a backend's open function mallocs the struct fpfs_bdev and its
 * priv; ops->close frees priv and fpfs_bdev_close frees the struct.  A
 * backend written elsewhere (a test's fault-injecting device, say) must
 * allocate its struct fpfs_bdev with malloc too.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fpfs.h"

/* 0 when [off, off+len) is sector-aligned and inside the device. */
static int
bdev_check_range (const struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  uint64_t mask;

  assert (bd->sector_size >= 512 &&
          (bd->sector_size & (bd->sector_size - 1)) == 0);
  mask = (uint64_t) bd->sector_size - 1;
  if ((off & mask) != 0 || ((uint64_t) len & mask) != 0)
    return -EINVAL;
  if (off > bd->size || (uint64_t) len > bd->size - off)
    return -EINVAL;
  return 0;
}

int
fpfs_bdev_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  int ret;

  if (bd == NULL || (buf == NULL && len > 0))
    return -EINVAL;
  ret = bdev_check_range (bd, off, len);
  if (ret < 0 || len == 0)
    return ret;
  bd->stats.reads++;
  bd->stats.bytes_read += len;
  return bd->ops->read (bd, buf, off, len);
}

int
fpfs_bdev_write (struct fpfs_bdev *bd, const void *buf, uint64_t off,
                 size_t len, unsigned flags)
{
  int ret;

  if (bd == NULL || (buf == NULL && len > 0))
    return -EINVAL;
  if (flags & ~(unsigned) FPFS_BDEV_FUA)
    return -EINVAL;
  ret = bdev_check_range (bd, off, len);
  if (ret < 0 || len == 0)
    return ret;
  bd->stats.writes++;
  if (flags & FPFS_BDEV_FUA)
    bd->stats.fua_writes++;
  bd->stats.bytes_written += len;
  return bd->ops->write (bd, buf, off, len, flags);
}

int
fpfs_bdev_flush (struct fpfs_bdev *bd)
{
  if (bd == NULL)
    return -EINVAL;
  bd->stats.flushes++;
  return bd->ops->flush (bd);
}

int
fpfs_bdev_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  int ret;

  if (bd == NULL)
    return -EINVAL;
  ret = bdev_check_range (bd, off, len);
  if (ret < 0 || len == 0)
    return ret;
  bd->stats.trims++;
  return bd->ops->trim (bd, off, len);
}

void
fpfs_bdev_close (struct fpfs_bdev *bd)
{
  if (bd == NULL)
    return;
  /* ops->close frees priv (fpfs.h); the struct itself is always malloc'd
   * by the backend's open function, and freed here. */
  bd->ops->close (bd);
  free (bd);
}
