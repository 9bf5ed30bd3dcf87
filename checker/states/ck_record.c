/* ck_record: the in-process recording device (ck_record.h).
 *
 * Each request is applied to the memory device first and logged after it
 * completed, so the log order is completion order; a request that fails
 * is not logged.  A failed append fails the request with -EIO, as the
 * plugin does: an acknowledged request is never missing from the log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_record.h"

struct ck_recorder {
  struct fplog_writer *w;
  struct fpfs_bdev *mem;       /* where the data lives */
  struct fpfs_bdev *bd;        /* the recording device handed out */
};

static int
rec_log (struct ck_recorder *r, enum fplog_type t, unsigned flags,
         uint64_t off, uint64_t len, const void *data, uint32_t dlen)
{
  char err[256];
  uint64_t seq;

  return fplog_append (r->w, t, flags, off, len, data, dlen, &seq, err,
                       sizeof err) ? -EIO : 0;
}

static int
rec_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct ck_recorder *r = bd->priv;
  return fpfs_bdev_read (r->mem, buf, off, len);
}

static int
rec_write (struct fpfs_bdev *bd, const void *buf, uint64_t off, size_t len,
           unsigned flags)
{
  struct ck_recorder *r = bd->priv;
  int err = fpfs_bdev_write (r->mem, buf, off, len, flags);

  if (err)
    return err;
  return rec_log (r, FPLOG_WRITE, flags & FPFS_BDEV_FUA ? FPLOG_F_FUA : 0,
                  off, len, buf, (uint32_t) len);
}

static int
rec_flush (struct fpfs_bdev *bd)
{
  struct ck_recorder *r = bd->priv;
  int err = fpfs_bdev_flush (r->mem);

  return err ? err : rec_log (r, FPLOG_FLUSH, 0, 0, 0, NULL, 0);
}

static int
rec_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct ck_recorder *r = bd->priv;
  int err = fpfs_bdev_trim (r->mem, off, len);

  return err ? err : rec_log (r, FPLOG_TRIM, 0, off, len, NULL, 0);
}

static void
rec_close (struct fpfs_bdev *bd)
{
  /* fpfs_bdev_close frees the struct itself; forget it here. */
  struct ck_recorder *r = bd->priv;
  r->bd = NULL;
}

static const struct fpfs_bdev_ops rec_ops = {
  .name = "record", .read = rec_read, .write = rec_write,
  .flush = rec_flush, .trim = rec_trim, .close = rec_close,
};

int
ck_record_open (const char *log_path, uint64_t size, uint32_t sector_size,
                const uint8_t *uuid, struct ck_recorder **out,
                struct fpfs_bdev **bd, char *errbuf, size_t errlen)
{
  struct fplog_writer_opts wo = {
    .path = log_path, .device_size = size, .sector_size = sector_size,
    .uuid = uuid, .deterministic = true,
  };
  struct ck_recorder *r = calloc (1, sizeof *r);
  int err;

  *out = NULL;
  if (!r)
    return -ENOMEM;
  r->bd = calloc (1, sizeof *r->bd);
  err = r->bd ? fpfs_bdev_mem_open (size, sector_size, &r->mem) : -ENOMEM;
  if (!err)
    err = fplog_writer_open (&wo, &r->w, errbuf, errlen);
  if (err) {
    fpfs_bdev_close (r->mem);
    free (r->bd);
    free (r);
    return err;
  }
  r->bd->ops = &rec_ops;
  r->bd->priv = r;
  r->bd->size = size;
  r->bd->sector_size = sector_size;
  snprintf (r->bd->desc, sizeof r->bd->desc, "record:%.150s", log_path);
  *out = r;
  *bd = r->bd;
  return 0;
}

int
ck_record_mark (void *recorder, const void *buf, size_t len, char *errbuf,
                size_t errlen)
{
  struct ck_recorder *r = recorder;
  uint64_t seq;

  return fplog_append (r->w, FPLOG_MARK, 0, 0, len, buf, (uint32_t) len,
                       &seq, errbuf, errlen);
}

int
ck_record_close (struct ck_recorder *r)
{
  int err;

  if (!r)
    return 0;
  err = fplog_writer_close (r->w);
  fpfs_bdev_close (r->mem);
  free (r->bd);
  free (r);
  return err;
}
