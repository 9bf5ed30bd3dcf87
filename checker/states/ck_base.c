/* ck_base: the base image into a block device (contract in ck_base.h). */
#define XXH_STATIC_LINKING_ONLY
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "errbuf.h"
#include "ck_base.h"

#define BASE_CHUNK (1u << 20)
#define BASE_BLOCK 4096u

static int
base_open (const struct fplog_header *h, const char *log_path,
           const char *override, char *used, size_t usedlen)
{
  const char *path = override ? override : h->base_path;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  snprintf (used, usedlen, "%s", path);
  if (fd < 0 && errno == ENOENT && !override && path[0] != '/') {
    const char *slash = strrchr (log_path, '/');
    if (slash && (size_t) snprintf (used, usedlen, "%.*s/%s",
                                    (int) (slash - log_path), log_path,
                                    path) < usedlen)
      fd = open (used, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      snprintf (used, usedlen, "%s", path);
    errno = ENOENT;
  }
  return fd;
}

static bool
base_is_zero (const uint8_t *p, size_t len)
{
  return len == 0 || (p[0] == 0 && memcmp (p, p + 1, len - 1) == 0);
}

int
ck_base_load (const struct fplog_header *h, const char *log_path,
              const char *override, struct fpfs_bdev *bd,
              char *errbuf, size_t errlen)
{
  char used[FPLOG_MAX_PATH + 256];
  XXH3_state_t *st = NULL;
  uint8_t *buf = NULL;
  struct stat sb;
  uint64_t off = 0;
  int fd, err = 0;

  if (!(h->flags & FPLOG_H_BASE_IMAGE))
    return 0;
  fd = base_open (h, log_path, override, used, sizeof used);
  if (fd < 0) {
    err = -errno;
    fp_errbuf (errbuf, errlen, "base image %s: open: %s%s", used,
              strerror (-err), override ? "" : " (give its place with --base)");
    return err;
  }
  if (fstat (fd, &sb) < 0 || (uint64_t) sb.st_size != h->base_size ||
      h->base_size > bd->size) {
    fp_errbuf (errbuf, errlen, "base image %s: size %" PRIu64 " bytes, but "
              "the log was recorded over a base of %" PRIu64 " bytes", used,
              (uint64_t) sb.st_size, h->base_size);
    err = -EINVAL;
    goto out;
  }
  st = XXH3_createState ();
  buf = malloc (BASE_CHUNK);
  if (!st || !buf) {
    err = -ENOMEM;
    goto out;
  }
  XXH3_64bits_reset (st);
  while (!err && off < h->base_size) {
    size_t want = h->base_size - off < BASE_CHUNK ? h->base_size - off
                                                   : BASE_CHUNK;
    ssize_t n = pread (fd, buf, want, (off_t) off);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      err = n < 0 ? -errno : -EIO;
      fp_errbuf (errbuf, errlen, "base image %s: read: %s", used,
                n < 0 ? strerror (-err) : "file shrank while being read");
      break;
    }
    XXH3_64bits_update (st, buf, (size_t) n);
    for (size_t b = 0; !err && b < (size_t) n; b += BASE_BLOCK) {
      size_t len = (size_t) n - b < BASE_BLOCK ? (size_t) n - b : BASE_BLOCK;
      /* A short last block still fills whole sectors: the device size is
       * a multiple of the sector size, and the rest reads as zeroes. */
      uint8_t blk[BASE_BLOCK] = { 0 };
      size_t whole = (len + bd->sector_size - 1) / bd->sector_size *
                     bd->sector_size;
      if (base_is_zero (buf + b, len))
        continue;
      memcpy (blk, buf + b, len);
      err = fpfs_bdev_write (bd, blk, off + b, whole, 0);
      if (err)
        fp_errbuf (errbuf, errlen, "%s: write: %s", bd->desc, strerror (-err));
    }
    off += (uint64_t) n;
  }
  if (!err && XXH3_64bits_digest (st) != h->base_checksum) {
    fp_errbuf (errbuf, errlen, "base image %s: checksum %016" PRIx64 ", but "
              "the log was recorded over a base with checksum %016" PRIx64
              " (not the same image)", used, XXH3_64bits_digest (st),
              h->base_checksum);
    err = -EINVAL;
  }
 out:
  if (st)
    XXH3_freeState (st);
  free (buf);
  close (fd);
  return err;
}
