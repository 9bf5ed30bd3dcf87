/* wl_names: the name tables of the workload language -- operations, errno
 * names, open flags, persist choices -- and the osync/odsync write plan.
 * Every table is const; lookups are linear (the tables are short). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "wl.h"

static const char *const wl_op_names[WL_OP__COUNT] = {
  [WL_OP_MKDIR] = "mkdir", [WL_OP_RMDIR] = "rmdir", [WL_OP_CREAT] = "creat",
  [WL_OP_OPEN] = "open", [WL_OP_CLOSE] = "close", [WL_OP_UNLINK] = "unlink",
  [WL_OP_RENAME] = "rename", [WL_OP_LINK] = "link", [WL_OP_CHMOD] = "chmod",
  [WL_OP_UTIMES] = "utimes", [WL_OP_TRUNCATE] = "truncate",
  [WL_OP_WRITE] = "write", [WL_OP_PWRITE] = "pwrite",
  [WL_OP_APPEND] = "append", [WL_OP_FSYNC] = "fsync",
  [WL_OP_FDATASYNC] = "fdatasync", [WL_OP_SYNC] = "sync",
  [WL_OP_SYNCFS] = "syncfs", [WL_OP_PERSIST] = "persist",
  [WL_OP_SLEEP] = "sleep", [WL_OP_MARK] = "mark", [WL_OP_FAULT] = "fault",
  [WL_OP_FALLOCATE] = "fallocate", [WL_OP_SYNC_FILE_RANGE] = "sync_file_range",
  [WL_OP_READ] = "read", [WL_OP_DROP_CACHES] = "drop_caches",
  [WL_OP_SYMLINK] = "symlink", [WL_OP_MKNOD] = "mknod",
  [WL_OP_SETXATTR] = "setxattr", [WL_OP_REMOVEXATTR] = "removexattr",
  [WL_OP_LINKAT] = "linkat", [WL_OP_MMAP] = "mmap", [WL_OP_MWRITE] = "mwrite",
  [WL_OP_MSYNC] = "msync", [WL_OP_MUNMAP] = "munmap",
};

const char *
wl_op_name (enum wl_op_kind k)
{
  return (unsigned) k < WL_OP__COUNT ? wl_op_names[k] : "?";
}

int
wl_op_lookup (const char *name, enum wl_op_kind *k)
{
  for (int i = 0; i < WL_OP__COUNT; i++)
    if (strcmp (name, wl_op_names[i]) == 0) {
      *k = (enum wl_op_kind) i;
      return 0;
    }
  return -ENOENT;
}

/* The errnos a file system call can return, plus those fault injection
 * (issue 6) may produce.  Names are Linux's. */
static const struct { const char *name; int err; } wl_errnos[] = {
  { "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EIO", EIO },
  { "ENXIO", ENXIO }, { "EBADF", EBADF }, { "EAGAIN", EAGAIN },
  { "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EFAULT", EFAULT },
  { "EBUSY", EBUSY }, { "EEXIST", EEXIST }, { "EXDEV", EXDEV },
  { "ENOTDIR", ENOTDIR }, { "EISDIR", EISDIR }, { "EINVAL", EINVAL },
  { "EMFILE", EMFILE }, { "ENFILE", ENFILE }, { "ETXTBSY", ETXTBSY },
  { "EFBIG", EFBIG }, { "ENOSPC", ENOSPC }, { "ESPIPE", ESPIPE },
  { "EROFS", EROFS }, { "EMLINK", EMLINK }, { "ENAMETOOLONG", ENAMETOOLONG },
  { "ENOTEMPTY", ENOTEMPTY }, { "ELOOP", ELOOP }, { "EOVERFLOW", EOVERFLOW },
  { "EDQUOT", EDQUOT }, { "EUCLEAN", EUCLEAN }, { "ENOTSUP", ENOTSUP },
  { "ETIMEDOUT", ETIMEDOUT }, { "ENODATA", ENODATA },
  { "EBADMSG", EBADMSG }, { "ESTALE", ESTALE },
  { "EOPNOTSUPP", EOPNOTSUPP }, { "ERANGE", ERANGE }, { "E2BIG", E2BIG },
  { "ENODEV", ENODEV },
};

const char *
wl_errno_name (int err)
{
  for (size_t i = 0; i < sizeof wl_errnos / sizeof wl_errnos[0]; i++)
    if (wl_errnos[i].err == err)
      return wl_errnos[i].name;
  return NULL;
}

int
wl_errno_lookup (const char *name)
{
  for (size_t i = 0; i < sizeof wl_errnos / sizeof wl_errnos[0]; i++)
    if (strcmp (name, wl_errnos[i].name) == 0)
      return wl_errnos[i].err;
  return -ENOENT;
}

/* Access modes are values, not bits: they are handled apart. */
static const struct { const char *name; int flag; } wl_access[] = {
  { "O_RDONLY", O_RDONLY }, { "O_WRONLY", O_WRONLY }, { "O_RDWR", O_RDWR },
};
static const struct { const char *name; int flag; } wl_oflags[] = {
  { "O_CREAT", O_CREAT }, { "O_EXCL", O_EXCL }, { "O_TRUNC", O_TRUNC },
  { "O_APPEND", O_APPEND }, { "O_SYNC", O_SYNC }, { "O_DSYNC", O_DSYNC },
  { "O_TMPFILE", O_TMPFILE }, { "O_DIRECTORY", O_DIRECTORY },
  { "O_DIRECT", O_DIRECT },
};

int
wl_flags_parse (const char *s, int *flags)
{
  int f = 0;
  bool have_access = false;
  unsigned seen = 0;              /* bit i: wl_oflags[i] given */

  for (;;) {
    size_t n = strcspn (s, "|");
    bool found = false;
    for (size_t i = 0; !found && i < 3; i++)
      if (strlen (wl_access[i].name) == n
          && strncmp (s, wl_access[i].name, n) == 0) {
        if (have_access)
          return -EINVAL;             /* two access modes */
        have_access = true;
        f |= wl_access[i].flag;
        found = true;
      }
    for (size_t i = 0; !found && i < sizeof wl_oflags / sizeof wl_oflags[0];
         i++)
      if (strlen (wl_oflags[i].name) == n
          && strncmp (s, wl_oflags[i].name, n) == 0) {
        if (seen & (1u << i))
          return -EINVAL;             /* repeated */
        seen |= 1u << i;
        f |= wl_oflags[i].flag;
        found = true;
      }
    if (!found)
      return -EINVAL;
    if (s[n] == '\0')
      break;
    s += n + 1;
  }
  *flags = f;
  return 0;
}

int
wl_flags_format (int flags, char *buf, size_t len)
{
  size_t used = 0;
  int acc = flags & O_ACCMODE;
  int rest = flags & ~O_ACCMODE;
  int n;

  assert (len > 0);
  buf[0] = '\0';
  for (size_t i = 0; i < 3; i++)
    if (wl_access[i].flag == acc) {
      n = snprintf (buf, len, "%s", wl_access[i].name);
      if (n < 0 || (size_t) n >= len)
        return -ENOSPC;
      used = (size_t) n;
    }
  for (size_t i = 0; i < sizeof wl_oflags / sizeof wl_oflags[0]; i++) {
    int f = wl_oflags[i].flag;
    if ((rest & f) != f)
      continue;
    /* O_SYNC contains O_DSYNC: print O_SYNC alone for it. */
    if (f == O_DSYNC && (flags & O_SYNC) == O_SYNC)
      continue;
    /* O_TMPFILE contains O_DIRECTORY: print O_TMPFILE alone for it. */
    if (f == O_DIRECTORY && (flags & O_TMPFILE) == O_TMPFILE)
      continue;
    n = snprintf (buf + used, len - used, "|%s", wl_oflags[i].name);
    if (n < 0 || (size_t) n >= len - used)
      return -ENOSPC;
    used += (size_t) n;
  }
  return 0;
}

/* fallocate(2)'s mode and sync_file_range(2)'s flags as words.  The
 * values are Linux's (<linux/falloc.h>, <fcntl.h>); wl_fs_posix.c asserts
 * that they match the headers. */
struct wl_word { const char *name; int bit; };
static const struct wl_word wl_falloc_words[] = {
  { "keep_size", 0x01 }, { "punch_hole", 0x02 }, { "collapse_range", 0x08 },
  { "zero_range", 0x10 }, { "insert_range", 0x20 },
};
static const struct wl_word wl_sfr_words[] = {
  { "wait_before", 1 }, { "write", 2 }, { "wait_after", 4 },
};

static int
wl_words_parse (const struct wl_word *t, size_t nt, const char *s, int *out)
{
  int v = 0;

  for (;;) {
    size_t n = strcspn (s, "|");
    size_t i;
    for (i = 0; i < nt; i++)
      if (strlen (t[i].name) == n && strncmp (s, t[i].name, n) == 0)
        break;
    if (i == nt || (v & t[i].bit))
      return -EINVAL;                    /* unknown, or given twice */
    v |= t[i].bit;
    if (s[n] == '\0')
      break;
    s += n + 1;
  }
  *out = v;
  return 0;
}

static int
wl_words_format (const struct wl_word *t, size_t nt, int v, char *buf,
                 size_t len)
{
  size_t used = 0;

  assert (len > 0);
  buf[0] = '\0';
  for (size_t i = 0; i < nt; i++) {
    if (!(v & t[i].bit))
      continue;
    int n = snprintf (buf + used, len - used, "%s%s", used ? "|" : "",
                      t[i].name);
    if (n < 0 || (size_t) n >= len - used)
      return -ENOSPC;
    used += (size_t) n;
  }
  return 0;
}

#define WL_NWORDS(t) (sizeof (t) / sizeof (t)[0])

int
wl_falloc_parse (const char *s, int *mode)
{
  return wl_words_parse (wl_falloc_words, WL_NWORDS (wl_falloc_words), s,
                         mode);
}

int
wl_falloc_format (int mode, char *buf, size_t len)
{
  return wl_words_format (wl_falloc_words, WL_NWORDS (wl_falloc_words), mode,
                          buf, len);
}

int
wl_sfr_parse (const char *s, int *flags)
{
  return wl_words_parse (wl_sfr_words, WL_NWORDS (wl_sfr_words), s, flags);
}

int
wl_sfr_format (int flags, char *buf, size_t len)
{
  return wl_words_format (wl_sfr_words, WL_NWORDS (wl_sfr_words), flags, buf,
                          len);
}

static const char *const wl_persist_names[WL_PERSIST__COUNT] = {
  [WL_PERSIST_FSYNC] = "fsync", [WL_PERSIST_FDATASYNC] = "fdatasync",
  [WL_PERSIST_SYNC] = "sync", [WL_PERSIST_OSYNC] = "osync",
  [WL_PERSIST_ODSYNC] = "odsync", [WL_PERSIST_NONE] = "none",
};

const char *
wl_persist_name (enum wl_persist p)
{
  return (unsigned) p < WL_PERSIST__COUNT ? wl_persist_names[p] : "?";
}

int
wl_persist_lookup (const char *name, enum wl_persist *p)
{
  for (int i = 0; i < WL_PERSIST__COUNT; i++)
    if (strcmp (name, wl_persist_names[i]) == 0) {
      *p = (enum wl_persist) i;
      return 0;
    }
  return -ENOENT;
}

void
wl_persist_plan (const struct wl_workload *w, bool *sync_write)
{
  /* A write lies in the window "since the last persist" of some later
   * `persist` of its operand exactly when such a persist exists. */
  for (size_t i = 0; i < w->n_ops; i++) {
    const struct wl_op *op = &w->ops[i];
    sync_write[i] = false;
    if (op->kind != WL_OP_WRITE && op->kind != WL_OP_PWRITE
        && op->kind != WL_OP_APPEND)
      continue;
    for (size_t j = i + 1; j < w->n_ops; j++)
      if (w->ops[j].kind == WL_OP_PERSIST
          && strcmp (w->ops[j].path, op->path) == 0) {
        sync_write[i] = true;
        break;
      }
  }
}
