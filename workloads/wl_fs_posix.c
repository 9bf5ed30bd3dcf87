/* wl_fs_posix: a directory of a mounted kernel file system behind the
 * wl_fs table (wl_fs.h).
 *
 * Every entry is the real system call, relative to the root directory's
 * descriptor (openat, renameat, ...), except truncate, which takes the
 * full path: truncate(2) by name and open+ftruncate+close differ on ext4
 * (closing a descriptor that truncated a file to 0 starts writeback under
 * auto_da_alloc, ext4_release_file), and the workload said truncate.
 *
 * Observing must not change what it observes: stat opens the file with
 * O_NOATIME (we run as root, so that is allowed) to ask for the inode
 * generation (FS_IOC_GETVERSION; 0 where the file system has none), and
 * readdir opens directories the same way.  The generation together with
 * the inode number identifies an inode, as the engine's do.
 *
 * The clock is CLOCK_REALTIME (the kernel stamps mtime from it), and sleep
 * really sleeps: the kernel's flusher and commit timer run meanwhile.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "wl_fs.h"

/* A shared mapping made by mmap: the address, the file range, and a
 * descriptor of its own, to check a store against the file's size (a
 * store past the end would be SIGBUS). */
struct wl_pmap {
  uint8_t *m_addr;               /* NULL: slot free */
  uint64_t m_off, m_len;
  int m_fd;
};

#define WL_P_MAPS 64

struct wl_fs_posix {
  int p_root;                    /* O_RDONLY|O_DIRECTORY on the root */
  struct wl_pmap p_maps[WL_P_MAPS];
  char *p_path;                  /* the root's path */
  char *p_name;
  const char *const *p_hide;     /* root names readdir does not show */
};

#define WL_P(c) ((struct wl_fs_posix *) (c))

/* "/" -> ".", "/a/b" -> "a/b": relative to the root descriptor. */
static const char *
p_rel (const char *path)
{
  while (*path == '/')
    path++;
  return *path ? path : ".";
}

static int
p_err (long r)
{
  return r < 0 ? -errno : (int) r;
}

static void
p_stat_from (const struct stat *s, uint32_t gen, struct fpfs_stat *st)
{
  memset (st, 0, sizeof *st);
  st->ino = s->st_ino;
  st->generation = gen;
  st->mode = s->st_mode;
  st->nlink = (uint32_t) s->st_nlink;
  st->size = (uint64_t) s->st_size;
  st->blocks = (uint64_t) s->st_blocks;
  st->rdev = (uint64_t) s->st_rdev;
  st->atime = (struct fpfs_timespec) { s->st_atim.tv_sec,
                                       (uint32_t) s->st_atim.tv_nsec };
  st->mtime = (struct fpfs_timespec) { s->st_mtim.tv_sec,
                                       (uint32_t) s->st_mtim.tv_nsec };
  st->ctime = (struct fpfs_timespec) { s->st_ctim.tv_sec,
                                       (uint32_t) s->st_ctim.tv_nsec };
}

static uint32_t
p_generation (int fd)
{
  int gen = 0;
  if (ioctl (fd, FS_IOC_GETVERSION, &gen) < 0)
    return 0;
  return (uint32_t) gen;
}

static int p_open (void *c, const char *path, int flags, uint32_t mode)
{ return p_err (openat (WL_P (c)->p_root, p_rel (path), flags | O_CLOEXEC,
                        (mode_t) mode)); }
static int p_close (void *c, int fd)
{ (void) c; return p_err (close (fd)); }
static ssize_t p_pread (void *c, int fd, void *b, size_t n, uint64_t off)
{ (void) c; ssize_t r = pread (fd, b, n, (off_t) off);
  return r < 0 ? -errno : r; }
static ssize_t p_pwrite (void *c, int fd, const void *b, size_t n,
                         uint64_t off)
{ (void) c; ssize_t r = pwrite (fd, b, n, (off_t) off);
  return r < 0 ? -errno : r; }
static int p_ftruncate (void *c, int fd, uint64_t s)
{ (void) c; return p_err (ftruncate (fd, (off_t) s)); }
static int p_fsync (void *c, int fd)
{ (void) c; return p_err (fsync (fd)); }
static int p_fdatasync (void *c, int fd)
{ (void) c; return p_err (fdatasync (fd)); }
static int p_mkdir (void *c, const char *p, uint32_t m)
{ return p_err (mkdirat (WL_P (c)->p_root, p_rel (p), (mode_t) m)); }
static int p_rmdir (void *c, const char *p)
{ return p_err (unlinkat (WL_P (c)->p_root, p_rel (p), AT_REMOVEDIR)); }
static int p_unlink (void *c, const char *p)
{ return p_err (unlinkat (WL_P (c)->p_root, p_rel (p), 0)); }
static int p_link (void *c, const char *a, const char *b)
{ return p_err (linkat (WL_P (c)->p_root, p_rel (a), WL_P (c)->p_root,
                        p_rel (b), 0)); }
static int p_rename (void *c, const char *a, const char *b)
{ return p_err (renameat (WL_P (c)->p_root, p_rel (a), WL_P (c)->p_root,
                          p_rel (b))); }
static int p_chmod (void *c, const char *p, uint32_t m)
{ return p_err (fchmodat (WL_P (c)->p_root, p_rel (p), (mode_t) m, 0)); }
static int p_syncfs (void *c)
{ return p_err (syncfs (WL_P (c)->p_root)); }

static int
p_truncate (void *c, const char *path, uint64_t size)
{
  char full[PATH_MAX];
  if ((size_t) snprintf (full, sizeof full, "%s/%s", WL_P (c)->p_path,
                         p_rel (path)) >= sizeof full)
    return -ENAMETOOLONG;
  return p_err (truncate (full, (off_t) size));
}

static int
p_fstat (void *c, int fd, struct fpfs_stat *st)
{
  struct stat s;
  (void) c;
  if (fstat (fd, &s) < 0)
    return -errno;
  p_stat_from (&s, p_generation (fd), st);
  return 0;
}

static int
p_stat (void *c, const char *path, struct fpfs_stat *st)
{
  struct wl_fs_posix *p = WL_P (c);
  struct stat s;
  int fd;

  /* Only regular files and directories are opened for their generation:
   * opening a FIFO or a device node would talk to it. */
  if (fstatat (p->p_root, p_rel (path), &s, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  fd = S_ISREG (s.st_mode) || S_ISDIR (s.st_mode)
       ? openat (p->p_root, p_rel (path), O_RDONLY | O_NOATIME | O_NOFOLLOW
                 | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) : -1;
  if (fd < 0) {
    /* A symlink, a special file, or a file we may not open: no
     * generation. */
    p_stat_from (&s, 0, st);
    return 0;
  }
  int e = p_fstat (c, fd, st);
  close (fd);
  return e;
}

static int
p_utimens (void *c, const char *p, const struct fpfs_timespec t[2])
{
  struct timespec ts[2] = {
    { (time_t) t[0].sec, (long) t[0].nsec },
    { (time_t) t[1].sec, (long) t[1].nsec },
  };
  return p_err (utimensat (WL_P (c)->p_root, p_rel (p), ts, 0));
}

/* The language's words carry Linux's values (wl_names.c). */
_Static_assert (FALLOC_FL_KEEP_SIZE == 0x01 && FALLOC_FL_PUNCH_HOLE == 0x02
                && FALLOC_FL_COLLAPSE_RANGE == 0x08
                && FALLOC_FL_ZERO_RANGE == 0x10
                && FALLOC_FL_INSERT_RANGE == 0x20, "fallocate modes");
_Static_assert (SYNC_FILE_RANGE_WAIT_BEFORE == 1 && SYNC_FILE_RANGE_WRITE == 2
                && SYNC_FILE_RANGE_WAIT_AFTER == 4, "sync_file_range flags");
_Static_assert (RENAME_NOREPLACE == FPFS_RENAME_NOREPLACE
                && RENAME_EXCHANGE == FPFS_RENAME_EXCHANGE
                && RENAME_WHITEOUT == FPFS_RENAME_WHITEOUT, "rename flags");
_Static_assert (MS_ASYNC == FPFS_MS_ASYNC && MS_SYNC == FPFS_MS_SYNC
                && MS_INVALIDATE == FPFS_MS_INVALIDATE, "msync flags");
_Static_assert (XATTR_CREATE == FPFS_XATTR_CREATE
                && XATTR_REPLACE == FPFS_XATTR_REPLACE, "xattr flags");

static int p_fallocate (void *c, int fd, int mode, uint64_t off, uint64_t len)
{ (void) c; return p_err (fallocate (fd, mode, (off_t) off, (off_t) len)); }
static int p_sync_file_range (void *c, int fd, uint64_t off, uint64_t n,
                              unsigned fl)
{ (void) c; return p_err (sync_file_range (fd, (off_t) off, (off_t) n, fl)); }
static int p_symlink (void *c, const char *t, const char *p)
{ return p_err (symlinkat (t, WL_P (c)->p_root, p_rel (p))); }
static ssize_t p_readlink (void *c, const char *p, char *b, size_t n)
{ ssize_t r = readlinkat (WL_P (c)->p_root, p_rel (p), b, n);
  return r < 0 ? -errno : r; }
static int p_mknod (void *c, const char *p, uint32_t m, uint64_t dev)
{ return p_err (mknodat (WL_P (c)->p_root, p_rel (p), (mode_t) m,
                         (dev_t) dev)); }

static int p_rename2 (void *c, const char *a, const char *b, unsigned fl)
{ return p_err (renameat2 (WL_P (c)->p_root, p_rel (a), WL_P (c)->p_root,
                           p_rel (b), fl)); }
/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH: we run as root. */
static int p_linkat_fd (void *c, int fd, const char *p)
{ return p_err (linkat (fd, "", WL_P (c)->p_root, p_rel (p),
                        AT_EMPTY_PATH)); }

/* The xattr calls have no *at form before Linux 6.13: the full path. */
static int
p_full (const struct wl_fs_posix *p, const char *path, char *full, size_t n)
{
  if ((size_t) snprintf (full, n, "%s/%s", p->p_path, p_rel (path)) >= n)
    return -ENAMETOOLONG;
  return 0;
}

static int
p_setxattr (void *c, const char *path, const char *name, const void *v,
            size_t len, int fl)
{
  char full[PATH_MAX];
  int e = p_full (WL_P (c), path, full, sizeof full);
  return e ? e : p_err (lsetxattr (full, name, v, len, fl));
}

static ssize_t
p_getxattr (void *c, const char *path, const char *name, void *b, size_t len)
{
  char full[PATH_MAX];
  int e = p_full (WL_P (c), path, full, sizeof full);
  ssize_t r;
  if (e)
    return e;
  r = lgetxattr (full, name, b, len);
  return r < 0 ? -errno : r;
}

static int
p_removexattr (void *c, const char *path, const char *name)
{
  char full[PATH_MAX];
  int e = p_full (WL_P (c), path, full, sizeof full);
  return e ? e : p_err (lremovexattr (full, name));
}

static ssize_t
p_listxattr (void *c, const char *path, char *b, size_t len)
{
  char full[PATH_MAX];
  int e = p_full (WL_P (c), path, full, sizeof full);
  ssize_t r;
  if (e)
    return e;
  r = llistxattr (full, b, len);
  return r < 0 ? -errno : r;
}

static int
p_mmap (void *c, int fd, uint64_t off, uint64_t len)
{
  struct wl_fs_posix *p = WL_P (c);
  int m, e;

  for (m = 0; m < WL_P_MAPS && p->p_maps[m].m_addr; m++)
    ;
  if (m == WL_P_MAPS)
    return -ENOMEM;
  if (len == 0)
    return -EINVAL;
  void *a = mmap (NULL, (size_t) len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                  (off_t) off);
  if (a == MAP_FAILED)
    return -errno;
  int dfd = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (dfd < 0) {
    e = -errno;
    munmap (a, (size_t) len);
    return e;
  }
  p->p_maps[m] = (struct wl_pmap) { a, off, len, dfd };
  return m;
}

static struct wl_pmap *
p_map (struct wl_fs_posix *p, int m)
{
  return m >= 0 && m < WL_P_MAPS && p->p_maps[m].m_addr ? &p->p_maps[m]
                                                         : NULL;
}

static int
p_mwrite (void *c, int m, uint64_t off, const void *buf, size_t len)
{
  struct wl_pmap *pm = p_map (WL_P (c), m);
  struct stat st;

  if (!pm)
    return -EINVAL;
  if (off < pm->m_off || off + len > pm->m_off + pm->m_len
      || fstat (pm->m_fd, &st) < 0 || off + len > (uint64_t) st.st_size)
    return -EFAULT;              /* SIGSEGV or SIGBUS on a real store */
  memcpy (pm->m_addr + (off - pm->m_off), buf, len);
  return 0;
}

static int
p_msync (void *c, int m, uint64_t off, uint64_t len, int fl)
{
  struct wl_pmap *pm = p_map (WL_P (c), m);

  if (!pm)
    return -EINVAL;
  if (off < pm->m_off || off + len > pm->m_off + pm->m_len)
    return -ENOMEM;
  return p_err (msync (pm->m_addr + (off - pm->m_off), (size_t) len, fl));
}

static int
p_munmap (void *c, int m)
{
  struct wl_pmap *pm = p_map (WL_P (c), m);
  int e;

  if (!pm)
    return -EINVAL;
  e = p_err (munmap (pm->m_addr, (size_t) pm->m_len));
  close (pm->m_fd);
  pm->m_addr = NULL;
  return e;
}

/* drop_caches acts on the whole machine (fs/drop_caches.c); it drops clean
 * pages and unused inodes only, so it changes nothing any file system must
 * write. */
static int
p_drop_caches (void *c, int what)
{
  char v[2] = { (char) ('0' + what), '\n' };
  int fd, e = 0;

  (void) c;
  if (what < 1 || what > 3)
    return -EINVAL;
  fd = open ("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (write (fd, v, sizeof v) != (ssize_t) sizeof v)
    e = -errno;
  close (fd);
  return e;
}

static bool
p_hidden (const struct wl_fs_posix *p, const char *path, const char *name)
{
  if (!p->p_hide || strcmp (p_rel (path), ".") != 0)
    return false;
  for (size_t i = 0; p->p_hide[i]; i++)
    if (strcmp (p->p_hide[i], name) == 0)
      return true;
  return false;
}

static int
p_readdir (void *c, const char *path, wl_fs_dirent_cb cb, void *ctx)
{
  struct wl_fs_posix *p = WL_P (c);
  struct fpfs_dirent de;
  struct dirent *d;
  int fd = openat (p->p_root, p_rel (path), O_RDONLY | O_DIRECTORY
                   | O_NOATIME | O_CLOEXEC);
  DIR *dir;
  int ret = 0;

  if (fd < 0)
    return -errno;
  if (!(dir = fdopendir (fd))) {
    ret = -errno;
    close (fd);
    return ret;
  }
  for (;;) {
    errno = 0;
    if (!(d = readdir (dir))) {
      if (errno)
        ret = -errno;
      break;
    }
    if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0
        || p_hidden (p, path, d->d_name))
      continue;
    if (strlen (d->d_name) > FPFS_NAME_MAX) {
      ret = -ENAMETOOLONG;       /* no workload makes such a name */
      break;
    }
    memset (&de, 0, sizeof de);
    de.ino = d->d_ino;
    de.type = d->d_type;
    strcpy (de.name, d->d_name);
    if ((ret = cb (ctx, &de)) != 0)
      break;
  }
  closedir (dir);
  return ret;
}

static int
p_sync (void *c)
{
  (void) c;
  sync ();                       /* sync(2) has no error to return */
  return 0;
}

static int
p_sleep (void *c, uint64_t ns)
{
  struct timespec ts = { (time_t) (ns / 1000000000u),
                         (long) (ns % 1000000000u) };
  (void) c;
  while (nanosleep (&ts, &ts) < 0)
    if (errno != EINTR)
      return -errno;
  return 0;
}

static uint64_t
p_now (void *c)
{
  struct timespec ts;
  (void) c;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static const struct wl_fs_ops wl_fs_posix_ops = {
  .open = p_open, .close = p_close, .pread = p_pread, .pwrite = p_pwrite,
  .ftruncate = p_ftruncate, .truncate = p_truncate, .fsync = p_fsync,
  .fdatasync = p_fdatasync, .fstat = p_fstat, .stat = p_stat,
  .mkdir = p_mkdir, .rmdir = p_rmdir, .unlink = p_unlink, .link = p_link,
  .rename = p_rename, .chmod = p_chmod, .utimens = p_utimens,
  .readdir = p_readdir, .sync = p_sync, .syncfs = p_syncfs,
  .sleep = p_sleep, .now = p_now,
  .fallocate = p_fallocate, .sync_file_range = p_sync_file_range,
  .symlink = p_symlink, .readlink = p_readlink, .mknod = p_mknod,
  .setxattr = p_setxattr, .getxattr = p_getxattr,
  .removexattr = p_removexattr, .listxattr = p_listxattr,
  .drop_caches = p_drop_caches, .rename2 = p_rename2,
  .linkat_fd = p_linkat_fd, .mmap = p_mmap, .mwrite = p_mwrite,
  .msync = p_msync, .munmap = p_munmap,
};

int
wl_fs_posix_open (const char *root, const char *name,
                  const char *const *hide_root_names,
                  struct wl_fs_posix **out, struct wl_fs *fs)
{
  struct wl_fs_posix *p = calloc (1, sizeof *p);
  int e;

  *out = NULL;
  if (!p)
    return -ENOMEM;
  p->p_root = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (p->p_root < 0) {
    e = -errno;
    free (p);
    return e;
  }
  p->p_path = strdup (root);
  p->p_name = strdup (name ? name : "kernel");
  if (!p->p_path || !p->p_name) {
    wl_fs_posix_close (p);
    return -ENOMEM;
  }
  p->p_hide = hide_root_names;
  *out = p;
  *fs = (struct wl_fs) { &wl_fs_posix_ops, p, p->p_name };
  return 0;
}

void
wl_fs_posix_close (struct wl_fs_posix *p)
{
  if (!p)
    return;
  for (int m = 0; m < WL_P_MAPS; m++)
    if (p->p_maps[m].m_addr)
      p_munmap (p, m);
  if (p->p_root >= 0)
    close (p->p_root);
  free (p->p_path);
  free (p->p_name);
  free (p);
}
