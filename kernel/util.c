/* util: the small helpers every kernel/ file uses: the errbuf formatter,
 * a bounded string builder (with JSON and shell quoting), temporary
 * directories, finding a tool, and readers for small /proc and /sys
 * files.
 *
 * kfs_read_small, kfs_write_small, kfs_proc_starttime, kfs_loop_path and
 * kfs_loop_wc_path use only
 * async-signal-safe calls (open, read, close, no stdio, no malloc): the
 * reaper, a fork of a possibly multi-threaded process, calls them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kfs_int.h"

int
kfs_err (char *errbuf, size_t errlen, int ret, const char *fmt, ...)
{
  va_list ap;

  if (errbuf != NULL && errlen > 0) {
    va_start (ap, fmt);
    vsnprintf (errbuf, errlen, fmt, ap);
    va_end (ap);
  }
  return ret;
}

void
kfs_str_init (struct kfs_str *s, char *buf, size_t len)
{
  s->buf = buf;
  s->len = buf ? len : 0;
  s->pos = 0;
  s->over = false;
  if (s->len)
    buf[0] = '\0';
}

void
kfs_str_add (struct kfs_str *s, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (s->pos >= s->len) {
    s->over = true;
    return;
  }
  va_start (ap, fmt);
  n = vsnprintf (s->buf + s->pos, s->len - s->pos, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  if ((size_t) n >= s->len - s->pos) {
    s->over = true;
    s->pos = s->len;           /* buf is cut and NUL-terminated */
  }
  else
    s->pos += (size_t) n;
}

void
kfs_str_json (struct kfs_str *s, const char *text)
{
  kfs_str_add (s, "\"");
  for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
    if (*p == '"' || *p == '\\')
      kfs_str_add (s, "\\%c", *p);
    else if (*p == '\n')
      kfs_str_add (s, "\\n");
    else if (*p < 0x20)
      kfs_str_add (s, "\\u%04x", *p);
    else
      kfs_str_add (s, "%c", *p);
  }
  kfs_str_add (s, "\"");
}

void
kfs_str_shell (struct kfs_str *s, const char *word)
{
  /* Words made of safe characters stay bare, the rest go in '...' with
   * each ' written as '\''. */
  if (*word && strspn (word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789_-+=./,:@%^") == strlen (word)) {
    kfs_str_add (s, "%s", word);
    return;
  }
  kfs_str_add (s, "'");
  for (const char *p = word; *p; p++) {
    if (*p == '\'')
      kfs_str_add (s, "'\\''");
    else
      kfs_str_add (s, "%c", *p);
  }
  kfs_str_add (s, "'");
}

int
kfs_tmpdir (const char *workdir, const char *prefix, char *out,
            size_t outlen, char *errbuf, size_t errlen)
{
  const char *base = workdir;
  int n;

  if (base == NULL || *base == '\0')
    base = getenv ("TMPDIR");
  if (base == NULL || *base == '\0')
    base = "/tmp";
  n = snprintf (out, outlen, "%s/%sXXXXXX", base, prefix);
  if (n < 0 || (size_t) n >= outlen
      || (size_t) n >= KFS_REAPER_PATH_MAX - 32)
    return kfs_err (errbuf, errlen, -ENAMETOOLONG,
                    "mkdtemp: %s/%sXXXXXX: path too long", base, prefix);
  if (mkdtemp (out) == NULL)
    return kfs_err (errbuf, errlen, -errno, "mkdtemp: %s/%sXXXXXX: %s",
                    base, prefix, strerror (errno));
  return 0;
}

static bool
try_dir (const char *dir, size_t dlen, const char *name, char *out,
         size_t outlen)
{
  int n = snprintf (out, outlen, "%.*s/%s", (int) dlen, dir, name);

  return n > 0 && (size_t) n < outlen && access (out, X_OK) == 0;
}

int
kfs_which (const char *name, char *out, size_t outlen)
{
  static const char *const sbin[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
  const char *path = getenv ("PATH");

  if (strchr (name, '/'))
    return snprintf (out, outlen, "%s", name) > 0 && access (out, X_OK) == 0
      ? 0 : -ENOENT;
  for (const char *p = path; p && *p; ) {
    size_t l = strcspn (p, ":");
    if (l > 0 && try_dir (p, l, name, out, outlen))
      return 0;
    p += l;
    if (*p == ':')
      p++;
  }
  for (size_t i = 0; i < sizeof sbin / sizeof sbin[0]; i++)
    if (try_dir (sbin[i], strlen (sbin[i]), name, out, outlen))
      return 0;
  return -ENOENT;
}

int
kfs_write_small (const char *path, const char *text)
{
  size_t len = strlen (text), pos = 0;
  int fd, ret = 0;

  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  while (pos < len) {
    ssize_t n = write (fd, text + pos, len - pos);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ret = n < 0 ? -errno : -EIO;
      break;
    }
    pos += (size_t) n;
  }
  close (fd);
  return ret;
}

ssize_t
kfs_read_small (const char *path, char *buf, size_t len)
{
  size_t pos = 0;
  int fd;

  if (len == 0)
    return -EINVAL;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  while (pos < len - 1) {
    ssize_t n = read (fd, buf + pos, len - 1 - pos);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      close (fd);
      return -e;
    }
    if (n == 0)
      break;
    pos += (size_t) n;
  }
  close (fd);
  while (pos > 0 && buf[pos - 1] == '\n')
    pos--;
  buf[pos] = '\0';
  return (ssize_t) pos;
}

/* Decimal digits of v into out (no stdio: async-signal-safe). */
static void
put_u64 (uint64_t v, char *out, size_t outlen)
{
  char tmp[24];
  size_t n = 0, i;

  do {
    tmp[n++] = (char) ('0' + v % 10);
    v /= 10;
  } while (v && n < sizeof tmp);
  for (i = 0; i < n && i + 1 < outlen; i++)
    out[i] = tmp[n - 1 - i];
  if (outlen)
    out[i < outlen ? i : outlen - 1] = '\0';
}

int
kfs_proc_stat (pid_t pid, struct kfs_proc *p)
{
  char path[48] = "/proc/", stat[1024];
  const char *c;
  uint64_t v = 0;
  int field;

  memset (p, 0, sizeof *p);
  if (pid <= 0)
    return -ESRCH;
  put_u64 ((uint64_t) pid, path + 6, sizeof path - 6);
  memcpy (path + strlen (path), "/stat", 6);
  if (kfs_read_small (path, stat, sizeof stat) <= 0)
    return -ESRCH;
  /* "pid (comm) state ppid pgrp ...": comm may hold blanks and ')', so
   * count fields from the last ')'. */
  c = strrchr (stat, ')');
  if (c == NULL || c[1] != ' ')
    return -EINVAL;
  p->state = c[2];
  for (field = 2; *c; c++) {
    if (*c == ' ') {
      field++;
      v = 0;
      continue;
    }
    if (field < 3 || *c < '0' || *c > '9')
      continue;
    v = v * 10 + (uint64_t) (*c - '0');
    if (c[1] == ' ' || c[1] == '\0') {
      if (field == 5)
        p->pgrp = (pid_t) v;
      if (field == 22) {
        p->start = v;
        return 0;
      }
    }
  }
  return -EINVAL;
}

uint64_t
kfs_proc_starttime (pid_t pid, bool *zombie)
{
  struct kfs_proc p;

  if (kfs_proc_stat (pid, &p) < 0)
    return 0;
  if (zombie)
    *zombie = p.state == 'Z';
  return p.start;
}

/* prefix + nr + suffix, without stdio (the reaper uses it). */
static void
put_loop_path (const char *prefix, int nr, const char *suffix, char *out,
               size_t outlen)
{
  size_t p = strlen (prefix), n;

  if (outlen < p + 21 + strlen (suffix)) {
    if (outlen)
      out[0] = '\0';
    return;
  }
  memcpy (out, prefix, p + 1);
  put_u64 ((uint64_t) (nr < 0 ? 0 : nr), out + p, outlen - p);
  n = strlen (out);
  memcpy (out + n, suffix, strlen (suffix) + 1);
}

void
kfs_loop_path (int nr, char *out, size_t outlen)
{
  put_loop_path ("/dev/loop", nr, "", out, outlen);
}

void
kfs_loop_wc_path (int nr, char *out, size_t outlen)
{
  put_loop_path ("/sys/block/loop", nr, "/queue/write_cache", out, outlen);
}
