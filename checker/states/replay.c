/* replay: rebuild the disk image at one point of a write log.
 * The contract (stop rules, what each entry does, errors) is in replay.h.
 *
 * Order of work, chosen so that bad input never costs the user a file:
 *   1. open the log (the reader checks the header);
 *   2. find and open the base image, check its size against the header;
 *   3. refuse an output that is the log or the base itself;
 *   4. create/truncate the output, size it to device_size (sparse);
 *   5. copy the base's non-zero blocks while hashing it, and compare the
 *      hash with the header's base checksum;
 *   6. apply entries until the stop rule fires.
 * Any failure from step 4 on removes the output.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "fplog.h"
#include "replay.h"

#define RP_CHUNK (1u << 20)
#define RP_BLOCK 4096u               /* sparseness granularity of the copy */

struct rp_ctx {
  const struct ck_replay_opts *o;
  struct ck_replay_result *res;
  char *errbuf;
  size_t errlen;
  struct fplog_reader *log;
  const struct fplog_header *hdr;
  int base_fd;
  int out_fd;
  bool out_created;
  uint8_t *buf;                      /* RP_CHUNK bytes */
};

static void
rp_msg (struct rp_ctx *c, const char *fmt, ...)
{
  va_list ap;

  if (!c->errbuf || !c->errlen)
    return;
  va_start (ap, fmt);
  vsnprintf (c->errbuf, c->errlen, fmt, ap);
  va_end (ap);
}

static int
rp_pwrite_all (int fd, const void *data, size_t len, uint64_t off)
{
  const uint8_t *p = data;

  while (len) {
    ssize_t n = pwrite (fd, p, len, off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    p += n;
    len -= n;
    off += n;
  }
  return 0;
}

static bool
rp_is_zero (const uint8_t *p, size_t len)
{
  return len == 0 || (p[0] == 0 && memcmp (p, p + 1, len - 1) == 0);
}

/* Open the base image named by --base or by the header (step 2). */
static int
rp_open_base (struct rp_ctx *c)
{
  const char *path = c->o->base_path;
  char alt[4096];
  struct stat st;
  int err;

  c->base_fd = -1;
  if (!(c->hdr->flags & FPLOG_H_BASE_IMAGE)) {
    if (path) {
      rp_msg (c, "%s: --base given, but the log starts from zeroes, not "
              "from a base image", c->o->log_path);
      return -EINVAL;
    }
    c->res->base_used[0] = '\0';
    return 0;
  }
  if (!path) {
    path = c->hdr->base_path;
    c->base_fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (c->base_fd < 0 && errno == ENOENT && path[0] != '/') {
      /* A relative base path: also try beside the log. */
      const char *slash = strrchr (c->o->log_path, '/');
      int dirlen = slash ? (int) (slash - c->o->log_path) : 0;

      if (slash && (size_t) snprintf (alt, sizeof alt, "%.*s/%s", dirlen,
                                      c->o->log_path, path) < sizeof alt) {
        int fd = open (alt, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
          c->base_fd = fd;
          path = alt;
        }
      }
    }
  }
  else
    c->base_fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  snprintf (c->res->base_used, sizeof c->res->base_used, "%.4095s", path);
  if (c->base_fd < 0) {
    err = -errno;
    rp_msg (c, "base image %s: open: %s%s", path, strerror (-err),
            c->o->base_path ? "" : " (give its new place with --base)");
    return err;
  }
  if (fstat (c->base_fd, &st) < 0) {
    err = -errno;
    rp_msg (c, "base image %s: stat: %s", path, strerror (-err));
    return err;
  }
  if (!S_ISREG (st.st_mode)) {
    rp_msg (c, "base image %s: not a regular file", path);
    return -EINVAL;
  }
  if ((uint64_t) st.st_size != c->hdr->base_size) {
    rp_msg (c, "base image %s: size %" PRIu64 " bytes, but the log was "
            "recorded over a base of %" PRIu64 " bytes", path,
            (uint64_t) st.st_size, c->hdr->base_size);
    return -EINVAL;
  }
  return 0;
}

/* Step 3: the output must not be the log or the base. */
static int
rp_check_out_path (struct rp_ctx *c)
{
  struct stat so, sl;

  if (stat (c->o->out_path, &so) < 0)
    return 0;                        /* does not exist yet: fine */
  if (stat (c->o->log_path, &sl) == 0 &&
      so.st_dev == sl.st_dev && so.st_ino == sl.st_ino) {
    rp_msg (c, "%s: the output is the log itself", c->o->out_path);
    return -EINVAL;
  }
  if (c->base_fd >= 0 && fstat (c->base_fd, &sl) == 0 &&
      so.st_dev == sl.st_dev && so.st_ino == sl.st_ino) {
    rp_msg (c, "%s: the output is the base image itself", c->o->out_path);
    return -EINVAL;
  }
  return 0;
}

/* Step 4. */
static int
rp_create_out (struct rp_ctx *c)
{
  struct stat st;
  int err;

  c->out_fd = open (c->o->out_path,
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0666);
  if (c->out_fd < 0) {
    err = -errno;
    rp_msg (c, "%s: open: %s", c->o->out_path, strerror (-err));
    return err;
  }
  if (fstat (c->out_fd, &st) < 0 || !S_ISREG (st.st_mode)) {
    /* Never go on to unlink a device node such as /dev/null. */
    rp_msg (c, "%s: not a regular file", c->o->out_path);
    return -EINVAL;
  }
  c->out_created = true;
  if (ftruncate (c->out_fd, c->hdr->device_size) < 0) {
    err = -errno;
    rp_msg (c, "%s: ftruncate: %s", c->o->out_path, strerror (-err));
    return err;
  }
  return 0;
}

/* Step 5: copy the base's non-zero blocks, hashing all of it. */
static int
rp_copy_base (struct rp_ctx *c)
{
  XXH3_state_t *st;
  uint64_t off = 0, sum;
  int err = 0;

  if (c->base_fd < 0)
    return 0;
  st = XXH3_createState ();
  if (!st) {
    rp_msg (c, "base image %s: %s", c->res->base_used, strerror (ENOMEM));
    return -ENOMEM;
  }
  XXH3_64bits_reset (st);
  while (!err && off < c->hdr->base_size) {
    size_t want = c->hdr->base_size - off < RP_CHUNK ?
      c->hdr->base_size - off : RP_CHUNK;
    ssize_t n = pread (c->base_fd, c->buf, want, off);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      err = n < 0 ? -errno : -EIO;
      rp_msg (c, "base image %s: read: %s", c->res->base_used,
              n < 0 ? strerror (-err) : "file shrank while being read");
      break;
    }
    XXH3_64bits_update (st, c->buf, n);
    for (size_t b = 0; !err && b < (size_t) n; b += RP_BLOCK) {
      size_t len = (size_t) n - b < RP_BLOCK ? (size_t) n - b : RP_BLOCK;

      if (rp_is_zero (c->buf + b, len))
        continue;                    /* leave a hole: it reads as zeroes */
      err = rp_pwrite_all (c->out_fd, c->buf + b, len, off + b);
      if (err)
        rp_msg (c, "%s: write: %s", c->o->out_path, strerror (-err));
    }
    off += n;
  }
  sum = XXH3_64bits_digest (st);
  XXH3_freeState (st);
  if (!err && sum != c->hdr->base_checksum) {
    rp_msg (c, "base image %s: checksum %016" PRIx64 ", but the log was "
            "recorded over a base with checksum %016" PRIx64 " (not the same "
            "image)", c->res->base_used, sum, c->hdr->base_checksum);
    err = -EINVAL;
  }
  return err;
}

/* Make [off, off+len) of the output read as zeroes. */
static int
rp_zero_range (struct rp_ctx *c, uint64_t off, uint64_t len)
{
  int err;

  if (len == 0)
    return 0;
  if (fallocate (c->out_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                 off, len) == 0)
    return 0;
  if (errno != EOPNOTSUPP && errno != ENOSYS) {
    err = -errno;
    rp_msg (c, "%s: punch hole: %s", c->o->out_path, strerror (-err));
    return err;
  }
  memset (c->buf, 0, RP_CHUNK);
  while (len) {
    size_t n = len < RP_CHUNK ? len : RP_CHUNK;

    if ((err = rp_pwrite_all (c->out_fd, c->buf, n, off)) != 0) {
      rp_msg (c, "%s: write: %s", c->o->out_path, strerror (-err));
      return err;
    }
    off += n;
    len -= n;
  }
  return 0;
}

static int
rp_apply (struct rp_ctx *c, const struct fplog_entry *e)
{
  int err;

  switch (e->type) {
  case FPLOG_WRITE:
    err = rp_pwrite_all (c->out_fd, e->payload, e->payload_len, e->offset);
    if (err)
      rp_msg (c, "%s: write: %s", c->o->out_path, strerror (-err));
    else
      c->res->data_bytes += e->payload_len;
    return err;
  case FPLOG_TRIM:
  case FPLOG_ZERO:
    return rp_zero_range (c, e->offset, e->length);
  case FPLOG_FLUSH:
    c->res->flushes++;
    return 0;
  default:                           /* MARK, FAULT: no effect on the disk */
    return 0;
  }
}

static bool
rp_stop_here (const struct rp_ctx *c, const struct fplog_entry *e)
{
  const struct ck_replay_opts *o = c->o;

  switch (o->stop) {
  case CK_REPLAY_TO_ENTRY:
    return e->seq == o->stop_n;
  case CK_REPLAY_TO_FLUSH:
    return e->type == FPLOG_FLUSH && c->res->flushes == o->stop_n;
  case CK_REPLAY_TO_MARK:
    return e->type == FPLOG_MARK && e->payload_len &&
      memmem (e->payload, e->payload_len, o->stop_mark,
              strlen (o->stop_mark)) != NULL;
  case CK_REPLAY_ALL:
    return false;
  }
  return false;
}

static void
rp_not_reached (struct rp_ctx *c, const char *why)
{
  const struct ck_replay_opts *o = c->o;

  switch (o->stop) {
  case CK_REPLAY_TO_ENTRY:
    rp_msg (c, "%s: --to-entry %" PRIu64 ": the log has only %" PRIu64
            " good entries%s%s", o->log_path, o->stop_n, c->res->entries,
            why ? "; " : "", why ? why : "");
    break;
  case CK_REPLAY_TO_FLUSH:
    rp_msg (c, "%s: --to-flush %" PRIu64 ": the log has only %" PRIu64
            " FLUSH entries%s%s", o->log_path, o->stop_n, c->res->flushes,
            why ? "; " : "", why ? why : "");
    break;
  case CK_REPLAY_TO_MARK:
    rp_msg (c, "%s: --to-mark: no MARK entry contains \"%s\"%s%s",
            o->log_path, o->stop_mark, why ? "; " : "", why ? why : "");
    break;
  case CK_REPLAY_ALL:
    break;
  }
}

/* Step 6. */
static int
rp_run (struct rp_ctx *c)
{
  struct fplog_entry e;
  char msg[512];
  int ret, err;

  if (c->o->stop == CK_REPLAY_TO_FLUSH && c->o->stop_n == 0)
    return 0;                        /* the empty prefix: base alone */
  for (;;) {
    ret = fplog_next (c->log, &e, msg, sizeof msg);
    if (ret < 0) {
      rp_msg (c, "%s", msg);
      return ret;
    }
    if (ret == FPLOG_NEXT_END || ret == FPLOG_NEXT_TRUNCATED) {
      if (c->o->stop == CK_REPLAY_ALL) {
        c->res->truncated = ret == FPLOG_NEXT_TRUNCATED;
        if (c->res->truncated)
          snprintf (c->res->tail_msg, sizeof c->res->tail_msg, "%s", msg);
        return 0;
      }
      rp_not_reached (c, ret == FPLOG_NEXT_TRUNCATED ? msg : NULL);
      return -ENOENT;
    }
    c->res->entries++;
    if ((err = rp_apply (c, &e)) != 0)
      return err;
    if (rp_stop_here (c, &e))
      return 0;
  }
}

int
ck_replay_to_image (const struct ck_replay_opts *o,
                    struct ck_replay_result *res,
                    char *errbuf, size_t errlen)
{
  struct rp_ctx c = {
    .o = o, .res = res, .errbuf = errbuf, .errlen = errlen,
    .base_fd = -1, .out_fd = -1,
  };
  int err;

  assert (o->log_path && o->out_path);
  assert (o->stop != CK_REPLAY_TO_MARK || (o->stop_mark && *o->stop_mark));
  memset (res, 0, sizeof *res);
  c.buf = malloc (RP_CHUNK);
  if (!c.buf) {
    rp_msg (&c, "replay: %s", strerror (ENOMEM));
    return -ENOMEM;
  }
  if ((err = fplog_reader_open (o->log_path, &c.log, errbuf, errlen)) != 0)
    goto out;
  c.hdr = fplog_reader_header (c.log);
  if ((err = rp_open_base (&c)) != 0 ||
      (err = rp_check_out_path (&c)) != 0 ||
      (err = rp_create_out (&c)) != 0 ||
      (err = rp_copy_base (&c)) != 0 ||
      (err = rp_run (&c)) != 0)
    goto out;
  if (close (c.out_fd) < 0) {
    err = -errno;
    rp_msg (&c, "%s: close: %s", o->out_path, strerror (-err));
  }
  c.out_fd = -1;

 out:
  if (c.out_fd >= 0)
    close (c.out_fd);
  if (err && c.out_created)
    unlink (o->out_path);            /* never leave a half-built image */
  if (c.base_fd >= 0)
    close (c.base_fd);
  fplog_reader_close (c.log);
  free (c.buf);
  return err;
}
