/* ck_bdio: byte-granular writes and reads over struct fpfs_bdev.
 * Contract in ck_bdio.h. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ck_bdio.h"

#define BDIO_CHUNK (64u << 10)
#define BDIO_COPY  (1u << 20)

static bool
bdio_is_zero (const uint8_t *p, size_t len)
{
  return len == 0 || (p[0] == 0 && memcmp (p, p + 1, len - 1) == 0);
}

/* Read-modify-write the part [off, off+n) of one sector. */
static int
bdio_patch (struct fpfs_bdev *bd, const uint8_t *buf, uint64_t off, size_t n)
{
  uint8_t sec[4096];
  uint32_t ss = bd->sector_size;
  uint64_t s0 = off - off % ss;
  int err;

  assert (ss <= sizeof sec && off - s0 + n <= ss);
  err = fpfs_bdev_read (bd, sec, s0, ss);
  if (err)
    return err;
  if (buf)
    memcpy (sec + (off - s0), buf, n);
  else
    memset (sec + (off - s0), 0, n);
  return fpfs_bdev_write (bd, sec, s0, ss, 0);
}

int
ck_bd_put (struct fpfs_bdev *bd, const void *buf, uint64_t off, uint64_t len)
{
  const uint8_t *p = buf;
  uint32_t ss = bd->sector_size;
  int err;

  if (off > bd->size || len > bd->size - off)
    return -EINVAL;
  if (len && off % ss) {
    size_t n = ss - off % ss < len ? ss - off % ss : (size_t) len;
    err = bdio_patch (bd, p, off, n);
    if (err)
      return err;
    off += n, len -= n;
    if (p)
      p += n;
  }
  if (len >= ss) {
    uint64_t mid = len - len % ss;
    err = p ? fpfs_bdev_write (bd, p, off, mid, 0)
            : fpfs_bdev_trim (bd, off, mid);
    if (err)
      return err;
    off += mid, len -= mid;
    if (p)
      p += mid;
  }
  if (len)
    return bdio_patch (bd, p, off, len);
  return 0;
}

int
ck_bd_get (struct fpfs_bdev *bd, void *buf, uint64_t off, uint64_t len)
{
  uint8_t sec[4096], *p = buf;
  uint32_t ss = bd->sector_size;
  int err;

  if (off > bd->size || len > bd->size - off)
    return -EINVAL;
  while (len && (off % ss || len < ss)) {
    uint64_t s0 = off - off % ss;
    size_t n = ss - (off - s0) < len ? ss - (off - s0) : (size_t) len;
    err = fpfs_bdev_read (bd, sec, s0, ss);
    if (err)
      return err;
    memcpy (p, sec + (off - s0), n);
    p += n, off += n, len -= n;
  }
  if (len) {
    uint64_t mid = len - len % ss;
    err = fpfs_bdev_read (bd, p, off, mid);
    if (err)
      return err;
    p += mid, off += mid, len -= mid;
    if (len)
      return ck_bd_get (bd, p, off, len);
  }
  return 0;
}

int
ck_bd_put_changed (struct fpfs_bdev *bd, const void *buf, uint64_t off,
                   uint64_t len)
{
  const uint8_t *p = buf;
  size_t cap = len < BDIO_CHUNK ? (size_t) len : BDIO_CHUNK;
  uint8_t *cur = malloc (cap ? cap : 1);
  int err = 0;

  if (!cur)
    return -ENOMEM;
  while (len && !err) {
    size_t n = len < cap ? (size_t) len : cap;
    err = ck_bd_get (bd, cur, off, n);
    if (err)
      break;
    if (p ? memcmp (cur, p, n) != 0 : !bdio_is_zero (cur, n))
      err = ck_bd_put (bd, p, off, n);
    off += n, len -= n;
    if (p)
      p += n;
  }
  free (cur);
  return err;
}

int
ck_bd_copy (struct fpfs_bdev *dst, struct fpfs_bdev *src, uint64_t off,
            uint64_t len)
{
  /* Sized to the copy: a hole is usually one write of a few KiB, and a
   * 1 MiB buffer per state would be an mmap and munmap each time. */
  size_t cap = len < BDIO_COPY ? (size_t) len : BDIO_COPY;
  uint8_t *buf = malloc (cap ? cap : 1);
  int err = 0;

  if (!buf)
    return -ENOMEM;
  while (len && !err) {
    size_t n = len < cap ? (size_t) len : cap;
    err = ck_bd_get (src, buf, off, n);
    if (!err)
      err = ck_bd_put_changed (dst, bdio_is_zero (buf, n) ? NULL : buf,
                               off, n);
    off += n, len -= n;
  }
  free (buf);
  return err;
}
