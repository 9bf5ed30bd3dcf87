/* bdev_nbd: a block device on an NBD server, through libnbd.
 *
 * One synchronous libnbd handle per device: the engine has no threads and
 * issues one request at a time, so the order requests complete in is the
 * order they were issued, and the server's log (the flushpoint plugin) sees
 * exactly the engine's order.
 *
 * Mapping of requests:
 *   read  -> NBD_CMD_READ            write -> NBD_CMD_WRITE (+FUA)
 *   flush -> NBD_CMD_FLUSH           trim  -> NBD_CMD_TRIM
 * Large requests are split at the server's maximum block size (32 MiB when
 * it names none) and trims at 1 GiB, since an NBD request length is 32 bits.
 *
 * Where the server lacks a feature:
 *   - no FUA: a FUA write is the write followed by FLUSH, which makes it
 *     (and every earlier write) durable before completing; desc says
 *     "(FUA emulated)" so that a log reader is not surprised by the flushes;
 *   - no FLUSH: the server declares it has no volatile cache, so every
 *     completed write is already durable and flush is a no-op;
 *   - no TRIM: the range is written with zeroes (NBD_CMD_WRITE_ZEROES when
 *     offered, else plain writes), since our model reads trimmed ranges as
 *     zeroes (DESIGN.md section 3).
 * Errors become the negative errno libnbd reports (-EIO when it has none).
 *
 * Geometry: size from NBD_INFO_EXPORT; sector size 512 unless the server's
 * minimum block size is larger (at most 4096, the engine's block size).
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnbd.h>

#include "errbuf.h"
#include "fpfs.h"

#define NBD_DEFAULT_MAX_REQ (32u << 20)
#define NBD_MAX_TRIM        (1u << 30)

struct nbd_dev {
  struct nbd_handle *nd_h;
  bool nd_fua, nd_flush, nd_trim, nd_zero;
  size_t nd_max_req;             /* bytes per read/write request */
};

static int
nbd_err (void)
{
  int e = nbd_get_errno ();

  return e > 0 ? -e : -EIO;
}

static int
nbddev_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct nbd_dev *nd = bd->priv;
  uint8_t *p = buf;

  while (len > 0) {
    size_t n = len < nd->nd_max_req ? len : nd->nd_max_req;
    if (nbd_pread (nd->nd_h, p, n, off, 0) < 0)
      return nbd_err ();
    p += n;
    off += n;
    len -= n;
  }
  return 0;
}

static int
nbddev_flush (struct fpfs_bdev *bd)
{
  struct nbd_dev *nd = bd->priv;

  /* No FLUSH offered: the server has no volatile cache, so every write
   * that completed is durable already and there is nothing to order. */
  if (!nd->nd_flush)
    return 0;
  /* FLUSH: every write completed before this point is durable when it
   * returns (the NBD cache model; DESIGN.md section 3). */
  if (nbd_flush (nd->nd_h, 0) < 0)
    return nbd_err ();
  return 0;
}

static int
nbddev_write (struct fpfs_bdev *bd, const void *buf, uint64_t off,
              size_t len, unsigned flags)
{
  struct nbd_dev *nd = bd->priv;
  const uint8_t *p = buf;
  bool fua = flags & FPFS_BDEV_FUA;
  /* FUA: each chunk is durable when it completes. */
  uint32_t nflags = fua && nd->nd_fua ? LIBNBD_CMD_FLAG_FUA : 0;

  assert (!(flags & ~(unsigned) FPFS_BDEV_FUA));
  while (len > 0) {
    size_t n = len < nd->nd_max_req ? len : nd->nd_max_req;
    if (nbd_pwrite (nd->nd_h, p, n, off, nflags) < 0)
      return nbd_err ();
    p += n;
    off += n;
    len -= n;
  }
  /* Emulated FUA: the FLUSH after the write makes it durable before we
   * report completion (it also flushes earlier writes: stronger, allowed). */
  if (fua && !nd->nd_fua)
    return nbddev_flush (bd);
  return 0;
}

static int
nbddev_write_zeroes (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct nbd_dev *nd = bd->priv;
  uint8_t *zero;
  int ret = 0;

  if (nd->nd_zero) {
    while (len > 0) {
      size_t n = len < NBD_MAX_TRIM ? len : NBD_MAX_TRIM;
      if (nbd_zero (nd->nd_h, n, off, 0) < 0)
        return nbd_err ();
      off += n;
      len -= n;
    }
    return 0;
  }
  zero = calloc (1, nd->nd_max_req < len ? nd->nd_max_req : len);
  if (zero == NULL)
    return -ENOMEM;
  while (len > 0 && ret == 0) {
    size_t n = len < nd->nd_max_req ? len : nd->nd_max_req;
    if (nbd_pwrite (nd->nd_h, zero, n, off, 0) < 0)
      ret = nbd_err ();
    off += n;
    len -= n;
  }
  free (zero);
  return ret;
}

static int
nbddev_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct nbd_dev *nd = bd->priv;

  if (!nd->nd_trim)
    return nbddev_write_zeroes (bd, off, len);
  while (len > 0) {
    size_t n = len < NBD_MAX_TRIM ? len : NBD_MAX_TRIM;
    if (nbd_trim (nd->nd_h, n, off, 0) < 0)
      return nbd_err ();
    off += n;
    len -= n;
  }
  return 0;
}

static void
nbddev_close (struct fpfs_bdev *bd)
{
  struct nbd_dev *nd = bd->priv;

  /* Polite disconnect (NBD_CMD_DISC) so a server started with -s or
   * --exit-with-parent exits; nbd_close also reaps a command's process. */
  nbd_shutdown (nd->nd_h, 0);
  nbd_close (nd->nd_h);
  free (nd);
}

static const struct fpfs_bdev_ops nbd_ops = {
  .name = "nbd",
  .read = nbddev_read,
  .write = nbddev_write,
  .flush = nbddev_flush,
  .trim = nbddev_trim,
  .close = nbddev_close,
};

static const char *
nbd_msg (void)
{
  const char *m = nbd_get_error ();

  return m ? m : "unknown error";
}

/* uri with its export (the path) replaced by name, percent-encoded.
 * NULL on -ENOMEM. */
static char *
nbd_uri_with_export (const char *uri, const char *name)
{
  const char *auth = strstr (uri, "://"), *path, *rest;
  char *out, *o;

  assert (auth != NULL);
  auth += 3;
  path = auth + strcspn (auth, "/?#");
  rest = path + strcspn (path, "?#");
  out = malloc ((size_t) (path - uri) + 2 + 3 * strlen (name) + strlen (rest));
  if (out == NULL)
    return NULL;
  memcpy (out, uri, (size_t) (path - uri));
  o = out + (path - uri);
  *o++ = '/';
  for (; *name; name++) {
    unsigned char c = (unsigned char) *name;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || strchr ("-._~", c))
      *o++ = (char) c;
    else
      o += sprintf (o, "%%%02X", c);
  }
  strcpy (o, rest);
  return out;
}

/* After a connect: read the geometry and features into a new bdev. */
static int
nbddev_wrap (struct nbd_handle *h, const char *what, struct fpfs_bdev **out,
             char *errbuf, size_t errlen)
{
  struct fpfs_bdev *bd = NULL;
  struct nbd_dev *nd = NULL;
  int64_t size, minbs, maxbs;
  uint32_t sector = 512;
  int ret = 0;

  size = nbd_get_size (h);
  minbs = nbd_get_block_size (h, LIBNBD_SIZE_MINIMUM);
  maxbs = nbd_get_block_size (h, LIBNBD_SIZE_MAXIMUM);
  if (size < 0) {
    ret = nbd_err ();
    fp_errbuf (errbuf, errlen, "nbd: %s: get size: %s", what, nbd_msg ());
    goto out;
  }
  if (minbs > 512)
    sector = (uint32_t) minbs;
  if (minbs > 4096 || (sector & (sector - 1)) != 0) {
    ret = -EINVAL;
    fp_errbuf (errbuf, errlen, "nbd: %s: minimum block size %lld is not "
                  "a power of two up to 4096", what, (long long) minbs);
    goto out;
  }
  /* A ragged tail the engine could not address anyway is left out. */
  size -= size % sector;
  if (size == 0) {
    ret = -EINVAL;
    fp_errbuf (errbuf, errlen, "nbd: %s: export is smaller than a "
                  "sector", what);
    goto out;
  }
  bd = calloc (1, sizeof *bd);
  nd = calloc (1, sizeof *nd);
  if (bd == NULL || nd == NULL) {
    ret = -ENOMEM;
    fp_errbuf (errbuf, errlen, "nbd: %s: out of memory", what);
    goto out;
  }
  nd->nd_h = h;
  nd->nd_fua = nbd_can_fua (h) > 0;
  nd->nd_flush = nbd_can_flush (h) > 0;
  nd->nd_trim = nbd_can_trim (h) > 0;
  nd->nd_zero = nbd_can_zero (h) > 0;
  nd->nd_max_req = NBD_DEFAULT_MAX_REQ;
  if (maxbs >= (int64_t) sector && maxbs < NBD_DEFAULT_MAX_REQ)
    nd->nd_max_req = (size_t) maxbs / sector * sector;
  bd->ops = &nbd_ops;
  bd->priv = nd;
  bd->size = (uint64_t) size;
  bd->sector_size = sector;
  snprintf (bd->desc, sizeof bd->desc, "nbd:%.120s%s", what,
            nd->nd_fua || !nd->nd_flush ? "" : " (FUA emulated)");
  *out = bd;
  bd = NULL;
  nd = NULL;
 out:
  free (nd);
  free (bd);
  return ret;
}

int
fpfs_bdev_nbd_open (const char *uri, const char *export_name,
                    struct fpfs_bdev **out, char *errbuf, size_t errlen)
{
  struct nbd_handle *h = NULL;
  char *u = NULL;
  bool is_uri;
  int ret = 0;

  *out = NULL;
  if (uri == NULL || *uri == '\0') {
    fp_errbuf (errbuf, errlen, "nbd: no URI or socket path given");
    return -EINVAL;
  }
  is_uri = strstr (uri, "://") != NULL;
  h = nbd_create ();
  if (h == NULL) {
    ret = nbd_err ();
    fp_errbuf (errbuf, errlen, "nbd: create handle: %s", nbd_msg ());
    goto out;
  }
  if (is_uri) {
    /* The export in the URI's path, unless the caller names one. */
    if (export_name != NULL) {
      u = nbd_uri_with_export (uri, export_name);
      if (u == NULL) {
        ret = -ENOMEM;
        fp_errbuf (errbuf, errlen, "nbd: %s: out of memory", uri);
        goto out;
      }
    }
    if (nbd_connect_uri (h, u ? u : uri) < 0) {
      ret = nbd_err ();
      fp_errbuf (errbuf, errlen, "nbd: connect %s: %s", u ? u : uri,
                    nbd_msg ());
      goto out;
    }
  }
  else {
    if (nbd_set_export_name (h, export_name ? export_name : "") < 0 ||
        nbd_connect_unix (h, uri) < 0) {
      ret = nbd_err ();
      fp_errbuf (errbuf, errlen, "nbd: connect unix socket %s: %s", uri,
                    nbd_msg ());
      goto out;
    }
  }
  ret = nbddev_wrap (h, uri, out, errbuf, errlen);
  if (ret == 0)
    h = NULL;                           /* owned by *out now */
 out:
  if (h != NULL)
    nbd_close (h);
  free (u);
  return ret;
}

int
fpfs_bdev_nbd_command_open (char **argv, struct fpfs_bdev **out,
                            char *errbuf, size_t errlen)
{
  struct nbd_handle *h = NULL;
  int ret = 0;

  *out = NULL;
  if (argv == NULL || argv[0] == NULL) {
    fp_errbuf (errbuf, errlen, "nbd: no command given");
    return -EINVAL;
  }
  h = nbd_create ();
  if (h == NULL) {
    ret = nbd_err ();
    fp_errbuf (errbuf, errlen, "nbd: create handle: %s", nbd_msg ());
    goto out;
  }
  if (nbd_connect_command (h, argv) < 0) {
    ret = nbd_err ();
    fp_errbuf (errbuf, errlen, "nbd: connect command %s: %s", argv[0],
                  nbd_msg ());
    goto out;
  }
  ret = nbddev_wrap (h, argv[0], out, errbuf, errlen);
  if (ret == 0)
    h = NULL;
 out:
  if (h != NULL)
    nbd_close (h);
  return ret;
}
