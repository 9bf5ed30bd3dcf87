/* ck_after: the workload's `after-recovery` section, run on a recovered
 * crash state (property "after").
 *
 * Crash bugs do not only lose data: they leave a file system that recovers
 * and passes its checks but cannot be used -- a directory that cannot be
 * removed because its size is wrong after log replay (btrfs, xfstests
 * generic/034 and generic/039), a name that cannot be unlinked.  The
 * section lists operations a user would do next; the checker runs each on
 * every recovered state, through the same wl_fs table (the engine, or the
 * kernel's mount), after the state was judged and fscked as recovery left
 * it.  Then it unmounts cleanly and fscks again.
 *
 * An op must succeed (or fail with its `expect` errno), unless the
 * recovered state explains the failure: the op's name is not there
 * (ENOENT -- the crash came before it was made), a name it creates is
 * there already (EEXIST), or a directory rmdir removes is not empty
 * (ENOTEMPTY, when readdir shows an entry).  Any other failure -- EIO,
 * EUCLEAN, ENOSPC, EROFS, ENOTEMPTY of a directory readdir shows empty --
 * is a violation, or "lost" without a journal, where fsck repairs are
 * expected (as for the fsck property).  A damaged file system after the
 * ops and a clean unmount is the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ck_after.h"
#include "wl_pattern.h"

#define CK_FS(fs, call, ...) ((fs)->ops->call ((fs)->ctx, __VA_ARGS__))

static int
ck_after_readdir_cb (void *ctx, const struct fpfs_dirent *de)
{
  (void) de;
  *(bool *) ctx = true;
  return 1;                          /* one entry is enough */
}

/* The parent of path, into buf. */
static void
ck_after_parent (const char *path, char *buf, size_t len)
{
  const char *slash = strrchr (path, '/');
  size_t n = slash && slash != path ? (size_t) (slash - path) : 1;

  snprintf (buf, len, "%.*s", (int) (n < len ? n : len - 1), path);
}

static bool
ck_after_exists (const struct wl_fs *fs, const char *path)
{
  struct fpfs_stat st;
  return CK_FS (fs, stat, path, &st) == 0;
}

/* Does the state explain op failing with err? */
static bool
ck_after_explained (const struct wl_fs *fs, const struct wl_op *op, int err)
{
  char parent[WL_PATH_MAX + 1];
  bool creates = op->kind == WL_OP_MKDIR || op->kind == WL_OP_SYMLINK
                 || op->kind == WL_OP_MKNOD || op->kind == WL_OP_LINK
                 || op->kind == WL_OP_CREAT;
  /* The name whose creation may collide: link and rename's new name. */
  const char *made = op->kind == WL_OP_LINK ? op->path2 : op->path;

  switch (err) {
  case -ENOENT:
    if (op->kind == WL_OP_SYNC || op->kind == WL_OP_SYNCFS)
      return false;
    if (!ck_after_exists (fs, op->path) && op->kind != WL_OP_MKDIR
        && op->kind != WL_OP_SYMLINK && op->kind != WL_OP_MKNOD
        && op->kind != WL_OP_CREAT)
      return true;
    ck_after_parent (creates && op->kind != WL_OP_LINK ? op->path : made,
                     parent, sizeof parent);
    if (!ck_after_exists (fs, parent))
      return true;
    if (op->kind == WL_OP_RENAME) {
      ck_after_parent (op->path2, parent, sizeof parent);
      return !ck_after_exists (fs, parent);
    }
    return false;
  case -EEXIST:
    return creates && ck_after_exists (fs, made);
  case -ENOTEMPTY: {
    bool any = false;
    const char *dir = op->kind == WL_OP_RMDIR ? op->path : op->path2;
    if (op->kind != WL_OP_RMDIR && op->kind != WL_OP_RENAME)
      return false;
    CK_FS (fs, readdir, dir, ck_after_readdir_cb, &any);
    return any;
  }
  default:
    return false;
  }
}

/* Open path with flags for one call; the call's result; close. */
static int
ck_after_on_file (const struct wl_fs *fs, const struct wl_op *op, int flags)
{
  struct fpfs_stat st;
  uint8_t *buf = NULL;
  int fd = CK_FS (fs, open, op->path, flags, 0644), e;

  if (fd < 0)
    return fd;
  switch (op->kind) {
  case WL_OP_WRITE: case WL_OP_PWRITE: case WL_OP_APPEND: case WL_OP_READ: {
    uint64_t off = op->kind == WL_OP_PWRITE || op->kind == WL_OP_READ
                   ? op->off : 0;
    if (op->kind == WL_OP_APPEND && (e = CK_FS (fs, fstat, fd, &st)) < 0)
      break;
    if (op->kind == WL_OP_APPEND)
      off = st.size;
    if (!(buf = malloc (op->len ? op->len : 1))) {
      e = -ENOMEM;
      break;
    }
    wl_pattern_fill (op->pattern, op->seed, off, buf, op->len);
    ssize_t n = op->kind == WL_OP_READ
                ? CK_FS (fs, pread, fd, buf, op->len, off)
                : CK_FS (fs, pwrite, fd, buf, op->len, off);
    /* A short write is the file system running out of room. */
    e = n < 0 ? (int) n
        : op->kind != WL_OP_READ && (uint64_t) n < op->len ? -ENOSPC : 0;
    break;
  }
  case WL_OP_TRUNCATE:
    e = CK_FS (fs, ftruncate, fd, op->size);
    break;
  case WL_OP_FSYNC:
    e = CK_FS (fs, fsync, fd);
    break;
  case WL_OP_FDATASYNC:
    e = CK_FS (fs, fdatasync, fd);
    break;
  case WL_OP_FALLOCATE:
    e = CK_FS (fs, fallocate, fd, op->opflags, op->off, op->len);
    break;
  default:
    e = 0;                               /* creat: the open was the op */
    break;
  }
  free (buf);
  int c = CK_FS (fs, close, fd);
  return e ? e : c;
}

static int
ck_after_one (const struct wl_fs *fs, const struct wl_op *op)
{
  uint8_t *v;
  int e;

  switch (op->kind) {
  case WL_OP_MKDIR: return CK_FS (fs, mkdir, op->path, op->mode);
  case WL_OP_RMDIR: return CK_FS (fs, rmdir, op->path);
  case WL_OP_UNLINK: return CK_FS (fs, unlink, op->path);
  case WL_OP_RENAME:
    return op->opflags ? CK_FS (fs, rename2, op->path, op->path2,
                                (unsigned) op->opflags)
                       : CK_FS (fs, rename, op->path, op->path2);
  case WL_OP_LINK: return CK_FS (fs, link, op->path, op->path2);
  case WL_OP_CHMOD: return CK_FS (fs, chmod, op->path, op->mode);
  case WL_OP_SYMLINK: return CK_FS (fs, symlink, op->target, op->path);
  case WL_OP_MKNOD: return CK_FS (fs, mknod, op->path, op->mode, op->dev);
  case WL_OP_REMOVEXATTR: return CK_FS (fs, removexattr, op->path, op->xname);
  case WL_OP_SETXATTR:
    if (!(v = malloc (op->len ? op->len : 1)))
      return -ENOMEM;
    wl_pattern_fill (op->pattern, op->seed, 0, v, op->len);
    e = CK_FS (fs, setxattr, op->path, op->xname, v, op->len, op->opflags);
    free (v);
    return e;
  case WL_OP_UTIMES: {
    struct fpfs_timespec t[2] = {
      { op->atime.sec, op->atime.nsec }, { op->mtime.sec, op->mtime.nsec },
    };
    return CK_FS (fs, utimens, op->path, t);
  }
  case WL_OP_SYNC: return fs->ops->sync (fs->ctx);
  case WL_OP_SYNCFS: return fs->ops->syncfs (fs->ctx);
  case WL_OP_CREAT:
    return ck_after_on_file (fs, op, O_CREAT | O_WRONLY | O_TRUNC);
  case WL_OP_READ: case WL_OP_FSYNC: case WL_OP_FDATASYNC:
    return ck_after_on_file (fs, op, O_RDONLY);
  default:                               /* writes, truncate, fallocate */
    return ck_after_on_file (fs, op, O_WRONLY);
  }
}

int
ck_after_run (const struct wl_workload *w, const struct wl_fs *fs,
              bool lost_only, struct ck_state_result *res)
{
  int err = 0;

  for (size_t i = 0; i < w->n_rops && !err; i++) {
    const struct wl_op *op = &w->rops[i];
    int r = ck_after_one (fs, op);
    const char *en = r < 0 ? wl_errno_name (-r) : NULL;
    if (r == -ENOMEM)
      return r;
    if (op->expect_errno ? r == -op->expect_errno
                           || (r < 0 && ck_after_explained (fs, op, r))
                         : r >= 0 || ck_after_explained (fs, op, r)) {
      ck_result_held (res, CK_P_AFTER);
      continue;
    }
    if (op->expect_errno)
      err = ck_result_add (res, CK_P_AFTER, !lost_only, op->path, CK_NO_OP,
                           NULL, "after recovery, line %u `%s` %s%s, but "
                           "the workload expects %s", op->line, op->text,
                           r < 0 ? "failed with " : "succeeded",
                           r < 0 ? (en ? en : "an error") : "",
                           wl_errno_name (op->expect_errno));
    else
      err = ck_result_add (res, CK_P_AFTER, !lost_only, op->path, CK_NO_OP,
                           NULL, "after recovery, line %u `%s` failed with "
                           "%s (%s), and the recovered state does not "
                           "explain it", op->line, op->text,
                           en ? en : "an error", strerror (-r));
  }
  return err;
}
