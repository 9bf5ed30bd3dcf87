/* fplog_write: the append side of the flushpoint write log.
 *
 * The byte layout is in fplog.h and LOG-FORMAT.md.  This file turns one
 * completed request into one entry and puts it in the file.
 *
 * Commit rule (the "real commit" of a request): an entry is committed when
 * the pwritev(2) that carries it has returned with every byte written.  Only
 * then does fplog_append() return 0, and only then may the plugin
 * acknowledge the request.  By default the log is not fsync'd: the crash
 * it survives is the death of the server process (kill -9), after which
 * the kernel's page cache still holds every byte write(2) accepted.  A
 * durable writer (opts.durable) also survives the death of the host for
 * every request the crash model calls durable: the append of a FLUSH entry
 * or of a FUA WRITE/TRIM/ZERO returns only after fdatasync(2), so that
 * entry and every one before it are on stable storage before the request
 * is acknowledged.
 *
 * Opening (fplog.h): refuse what is not a regular file before opening it
 * (a FIFO would block, /dev/null would swallow the log), lock, and only
 * then truncate -- and only a file that is empty or already a log, unless
 * told to overwrite.
 *
 * Invariants:
 * - w_end is the file offset just past the last committed entry (or the
 *   header); the file never keeps bytes past w_end while the writer is
 *   alive and healthy: a failed or short append is truncated back to w_end.
 * - Entries are written at w_end with pwritev, never through O_APPEND, so a
 *   later append overwrites whatever a failed one left behind even if the
 *   truncate could not be done.
 * - If that truncate fails the log may hold a partial entry the writer can
 *   no longer vouch for, so the writer is broken for good (a sticky error,
 *   like a jbd2 journal abort): every later append fails with -EIO.
 * - One append is one syscall in the common case (header, payload and pad
 *   gathered with one pwritev) and allocates nothing.
 *
 * The writer is not thread-safe: the caller serialises appends (the plugin
 * holds its disk lock across apply + append, which is what makes the log a
 * total order).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <xxhash.h>

#include "fplog.h"

struct fplog_writer {
  int w_fd;
  char *w_path;           /* for messages */
  uint64_t w_end;         /* file offset past the last committed entry */
  uint64_t w_next_seq;    /* seq the next entry gets */
  bool w_deterministic;   /* timestamps are 0 */
  bool w_durable;         /* fdatasync FLUSH and FUA entries */
  int w_broken;           /* sticky: 0, or the errno that broke the log */
};

static const uint8_t fplog_zero_pad[8];

static void
put_le16 (uint8_t *p, uint16_t v)
{
  p[0] = v; p[1] = v >> 8;
}

static void
put_le32 (uint8_t *p, uint32_t v)
{
  put_le16 (p, v); put_le16 (p + 2, v >> 16);
}

static void
put_le64 (uint8_t *p, uint64_t v)
{
  put_le32 (p, v); put_le32 (p + 4, v >> 32);
}

static uint64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static uint32_t
pad8 (uint64_t n)
{
  return (8 - (n & 7)) & 7;
}

/* Write all of iov at offset; on a short count carry on from where the
 * kernel stopped.  Returns 0 or -errno (-EIO if the kernel wrote nothing
 * and said nothing). */
static int
pwritev_all (int fd, struct iovec *iov, int iovcnt, uint64_t offset)
{
  while (iovcnt > 0) {
    ssize_t r = pwritev (fd, iov, iovcnt, (off_t) offset);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    if (r == 0)
      return -EIO;
    offset += (uint64_t) r;
    while (iovcnt > 0 && (size_t) r >= iov->iov_len) {
      r -= iov->iov_len;
      iov++;
      iovcnt--;
    }
    if (iovcnt > 0) {
      iov->iov_base = (uint8_t *) iov->iov_base + r;
      iov->iov_len -= r;
    }
  }
  return 0;
}

static int
check_opts (const struct fplog_writer_opts *o, char *errbuf, size_t errlen)
{
  if (!o->path || !*o->path) {
    snprintf (errbuf, errlen, "fplog_writer_open: no log path");
    return -EINVAL;
  }
  if (o->device_size == 0) {
    snprintf (errbuf, errlen, "fplog_writer_open: %s: device size is 0",
              o->path);
    return -EINVAL;
  }
  if (o->sector_size < 512 || o->sector_size > 4096 ||
      (o->sector_size & (o->sector_size - 1))) {
    snprintf (errbuf, errlen,
              "fplog_writer_open: %s: sector size %" PRIu32
              " is not a power of two from 512 to 4096", o->path,
              o->sector_size);
    return -EINVAL;
  }
  if (o->device_size > FPLOG_MAX_DEVICE) {
    snprintf (errbuf, errlen, "fplog_writer_open: %s: device size %" PRIu64
              " is larger than 16 TiB", o->path, o->device_size);
    return -EINVAL;
  }
  if (o->base_path && o->base_path[0] != '/') {
    snprintf (errbuf, errlen, "fplog_writer_open: %s: base path %s is not "
              "absolute", o->path, o->base_path);
    return -EINVAL;
  }
  if (o->base_path && strlen (o->base_path) >= FPLOG_MAX_PATH) {
    snprintf (errbuf, errlen,
              "fplog_writer_open: %s: base path longer than %u bytes",
              o->path, FPLOG_MAX_PATH - 1);
    return -ENAMETOOLONG;
  }
  return 0;
}

/* Encode the file header (fplog.h, "File header") into a fresh buffer of
 * *len bytes. */
static uint8_t *
encode_header (const struct fplog_writer_opts *o, uint32_t *len)
{
  size_t plen = o->base_path ? strlen (o->base_path) : 0;
  uint32_t hlen = FPLOG_HDR_FIXED + plen + pad8 (FPLOG_HDR_FIXED + plen);
  uint8_t *h = calloc (1, hlen);
  uuid_t uuid;

  if (!h)
    return NULL;
  if (o->uuid)
    memcpy (uuid, o->uuid, 16);
  else
    uuid_generate (uuid);

  memcpy (h, FPLOG_MAGIC, 8);
  put_le32 (h + 8, FPLOG_VERSION);
  put_le32 (h + 12, hlen);
  put_le32 (h + 16, o->base_path ? FPLOG_H_BASE_IMAGE : 0);
  put_le32 (h + 20, o->sector_size);
  memcpy (h + 24, uuid, 16);
  put_le64 (h + 40, o->device_size);
  put_le64 (h + 48, o->deterministic ? 0 : now_ns ());
  put_le64 (h + 56, o->base_path ? o->base_size : 0);
  put_le64 (h + 64, o->base_path ? o->base_checksum : 0);
  put_le32 (h + 72, plen);
  memcpy (h + FPLOG_HDR_FIXED, o->base_path ? o->base_path : "", plen);
  /* The header checksum covers all hlen bytes with its own field zero. */
  put_le64 (h + 80, XXH3_64bits (h, hlen));
  *len = hlen;
  return h;
}

static const char *
file_kind (mode_t m)
{
  return S_ISDIR (m) ? "a directory" : S_ISFIFO (m) ? "a FIFO"
       : S_ISCHR (m) ? "a character device" : S_ISBLK (m) ? "a block device"
       : S_ISSOCK (m) ? "a socket" : "not a regular file";
}

/* Open, check, lock and empty the log file (the rules in fplog.h). */
static int
open_log (const struct fplog_writer_opts *o, int *fdp, char *errbuf,
          size_t errlen)
{
  struct stat st;
  uint8_t magic[8];
  ssize_t n;
  int fd, ret;

  *fdp = -1;
  if (stat (o->path, &st) == 0 && !S_ISREG (st.st_mode)) {
    snprintf (errbuf, errlen, "open: %s: is %s, not a regular file (the log "
              "must be a file it can keep)", o->path, file_kind (st.st_mode));
    return -EINVAL;
  }
  /* O_NONBLOCK: should a FIFO appear after the stat, do not hang on it. */
  fd = open (o->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) {
    ret = -errno;
    snprintf (errbuf, errlen, "open: %s: %s", o->path, strerror (-ret));
    return ret;
  }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode)) {
    ret = -EINVAL;
    snprintf (errbuf, errlen, "open: %s: is %s, not a regular file", o->path,
              file_kind (st.st_mode));
    goto fail;
  }
  if ((ret = fplog_lock_take (fd, o->path, errbuf, errlen)) < 0)
    goto fail;
  if (st.st_size > 0 && !o->overwrite) {
    n = pread (fd, magic, sizeof magic, 0);
    if (n != (ssize_t) sizeof magic || memcmp (magic, FPLOG_MAGIC, 8) != 0) {
      ret = -EEXIST;
      snprintf (errbuf, errlen, "open: %s: exists (%jd bytes) and is not a "
                "flushpoint log: not replacing it (give log-overwrite=true "
                "to replace it)", o->path, (intmax_t) st.st_size);
      goto fail;
    }
  }
  if (ftruncate (fd, 0) < 0) {
    ret = -errno;
    snprintf (errbuf, errlen, "truncate: %s: %s", o->path, strerror (-ret));
    goto fail;
  }
  *fdp = fd;
  return 0;
 fail:
  close (fd);
  return ret;
}

/* A durable log must also survive as a name: sync the directory entry. */
static int
sync_parent_dir (const char *path, char *errbuf, size_t errlen)
{
  const char *slash = strrchr (path, '/');
  char dir[FPLOG_MAX_PATH];
  int fd, ret = 0;

  snprintf (dir, sizeof dir, "%.*s", slash ? (int) (slash - path) : 1,
            slash ? (slash == path ? "/" : path) : ".");
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync (fd) < 0) {
    ret = -errno;
    snprintf (errbuf, errlen, "fsync: %s (the log's directory): %s", dir,
              strerror (-ret));
  }
  if (fd >= 0)
    close (fd);
  return ret;
}

int
fplog_writer_open (const struct fplog_writer_opts *opts,
                   struct fplog_writer **out, char *errbuf, size_t errlen)
{
  struct fplog_writer *w = NULL;
  uint8_t *hdr = NULL;
  uint32_t hlen;
  struct iovec iov;
  int ret;

  *out = NULL;
  ret = check_opts (opts, errbuf, errlen);
  if (ret)
    goto out;

  w = calloc (1, sizeof *w);
  if (w)
    w->w_fd = -1;
  hdr = encode_header (opts, &hlen);
  if (!w || !hdr || !(w->w_path = strdup (opts->path))) {
    snprintf (errbuf, errlen, "fplog_writer_open: %s: out of memory",
              opts->path);
    ret = -ENOMEM;
    goto out;
  }
  if ((ret = open_log (opts, &w->w_fd, errbuf, errlen)) < 0)
    goto out;
  iov.iov_base = hdr;
  iov.iov_len = hlen;
  ret = pwritev_all (w->w_fd, &iov, 1, 0);
  if (ret) {
    snprintf (errbuf, errlen, "write header: %s: %s", opts->path,
              strerror (-ret));
    goto out;
  }
  /* Durable: the header and the log's name are on stable storage before
   * the first request can be acknowledged. */
  if (opts->durable) {
    if (fdatasync (w->w_fd) < 0) {
      ret = -errno;
      snprintf (errbuf, errlen, "fdatasync: %s: %s", opts->path,
                strerror (-ret));
      goto out;
    }
    if ((ret = sync_parent_dir (opts->path, errbuf, errlen)) < 0)
      goto out;
  }
  w->w_end = hlen;
  w->w_deterministic = opts->deterministic;
  w->w_durable = opts->durable;
  *out = w;
  w = NULL;

 out:
  if (w) {
    if (w->w_fd >= 0)
      close (w->w_fd);
    free (w->w_path);
    free (w);
  }
  free (hdr);
  return ret;
}

int
fplog_append (struct fplog_writer *w, enum fplog_type type, unsigned flags,
              uint64_t offset, uint64_t length,
              const void *payload, uint32_t payload_len,
              uint64_t *seq_out, char *errbuf, size_t errlen)
{
  uint8_t hdr[FPLOG_ENTRY_HDR] = { 0 };
  struct iovec iov[3];
  const char *what = "", *after = "";
  int iovcnt = 0, ret;

  assert (w);
  assert (type >= FPLOG_WRITE && type <= FPLOG_FAULT);
  assert (!(flags & ~0xffu));
  assert (payload_len <= FPLOG_MAX_PAYLOAD);
  assert (payload || payload_len == 0);
  /* NBD has no empty requests (nbdkit refuses them), so neither has the
   * log (LOG-FORMAT.md, "Entry rules"). */
  assert (length > 0 || type == FPLOG_FLUSH || type == FPLOG_FAULT);
  assert (payload_len > 0 || (type != FPLOG_MARK && type != FPLOG_FAULT));

  if (w->w_broken) {
    snprintf (errbuf, errlen,
              "log %s: not appending %s seq %" PRIu64
              ": the log was damaged by an earlier failure (%s)",
              w->w_path, fplog_type_name (type), w->w_next_seq,
              strerror (w->w_broken));
    return -EIO;
  }

  put_le32 (hdr + 0, FPLOG_ENTRY_MAGIC);
  hdr[4] = type;
  hdr[5] = flags;
  put_le32 (hdr + 8, payload_len);
  put_le64 (hdr + 16, w->w_next_seq);
  put_le64 (hdr + 24, offset);
  put_le64 (hdr + 32, length);
  put_le64 (hdr + 40, w->w_deterministic ? 0 : now_ns ());
  put_le64 (hdr + 48, fplog_entry_checksum (hdr, payload, payload_len));

  iov[iovcnt].iov_base = hdr;
  iov[iovcnt++].iov_len = sizeof hdr;
  if (payload_len) {
    iov[iovcnt].iov_base = (void *) payload;
    iov[iovcnt++].iov_len = payload_len;
  }
  if (pad8 (payload_len)) {
    iov[iovcnt].iov_base = (void *) fplog_zero_pad;
    iov[iovcnt++].iov_len = pad8 (payload_len);
  }

  ret = pwritev_all (w->w_fd, iov, iovcnt, w->w_end);
  /* Durable: a FLUSH or FUA entry, and with it every entry before it, is
   * on stable storage before the request it records is acknowledged.  A
   * failed fdatasync leaves the state of earlier pages unknown (they may
   * have been dropped from the page cache, and a retry would not say so),
   * so besides failing this request it breaks the writer for good. */
  if (!ret && w->w_durable && type != FPLOG_FAULT &&
      (type == FPLOG_FLUSH || (flags & FPLOG_F_FUA)) &&
      fdatasync (w->w_fd) < 0) {
    ret = -errno;
    w->w_broken = -ret;
    what = "fdatasync: ";
    after = " (the log cannot be made durable: every later request fails)";
  }
  if (ret) {
    /* Take back whatever part of the entry did reach the file, so that the
     * log never ends in a partial entry while we are alive to prevent it. */
    if (ftruncate (w->w_fd, (off_t) w->w_end) == -1) {
      w->w_broken = errno;
      after = " (and truncating the partial entry failed)";
    }
    snprintf (errbuf, errlen,
              "log %s: append %s seq %" PRIu64 " at byte %" PRIu64 ": %s%s%s",
              w->w_path, fplog_type_name (type), w->w_next_seq, w->w_end,
              what, strerror (-ret), after);
    return ret;
  }

  /* The real commit: the entry is in the file. */
  w->w_end += sizeof hdr + payload_len + pad8 (payload_len);
  if (seq_out)
    *seq_out = w->w_next_seq;
  w->w_next_seq++;
  return 0;
}

uint64_t
fplog_writer_next_seq (const struct fplog_writer *w)
{
  return w->w_next_seq;
}

uint64_t
fplog_writer_end (const struct fplog_writer *w)
{
  return w->w_end;
}

int
fplog_writer_fd (const struct fplog_writer *w)
{
  return w->w_fd;
}

int
fplog_writer_close (struct fplog_writer *w)
{
  int ret = 0;

  if (!w)
    return 0;
  /* Durable: a clean shutdown leaves the whole log on stable storage. */
  if (w->w_durable && !w->w_broken && fdatasync (w->w_fd) == -1)
    ret = -errno;
  if (close (w->w_fd) == -1 && !ret)
    ret = -errno;
  free (w->w_path);
  free (w);
  return ret;
}
