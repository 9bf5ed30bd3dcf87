/* wl_fs_engine: the engine (libfpfs) behind the wl_fs table (wl_fs.h).
 * Each entry is the fpfs_* call of the same name; the clock is the
 * engine's virtual clock. */
#include "wl_fs.h"

#define WL_FS_FS(c) ((struct fpfs *) (c))

static int e_open (void *c, const char *p, int fl, uint32_t m)
{ return fpfs_open (WL_FS_FS (c), p, fl, m); }
static int e_close (void *c, int fd)
{ return fpfs_close (WL_FS_FS (c), fd); }
static ssize_t e_pread (void *c, int fd, void *b, size_t n, uint64_t off)
{ return fpfs_pread (WL_FS_FS (c), fd, b, n, off); }
static ssize_t e_pwrite (void *c, int fd, const void *b, size_t n,
                         uint64_t off)
{ return fpfs_pwrite (WL_FS_FS (c), fd, b, n, off); }
static int e_ftruncate (void *c, int fd, uint64_t s)
{ return fpfs_ftruncate (WL_FS_FS (c), fd, s); }
static int e_truncate (void *c, const char *p, uint64_t s)
{ return fpfs_truncate (WL_FS_FS (c), p, s); }
static int e_fsync (void *c, int fd)
{ return fpfs_fsync (WL_FS_FS (c), fd); }
static int e_fdatasync (void *c, int fd)
{ return fpfs_fdatasync (WL_FS_FS (c), fd); }
static int e_fstat (void *c, int fd, struct fpfs_stat *st)
{ return fpfs_fstat (WL_FS_FS (c), fd, st); }
static int e_stat (void *c, const char *p, struct fpfs_stat *st)
{ return fpfs_stat (WL_FS_FS (c), p, st); }
static int e_mkdir (void *c, const char *p, uint32_t m)
{ return fpfs_mkdir (WL_FS_FS (c), p, m); }
static int e_rmdir (void *c, const char *p)
{ return fpfs_rmdir (WL_FS_FS (c), p); }
static int e_unlink (void *c, const char *p)
{ return fpfs_unlink (WL_FS_FS (c), p); }
static int e_link (void *c, const char *a, const char *b)
{ return fpfs_link (WL_FS_FS (c), a, b); }
static int e_rename (void *c, const char *a, const char *b)
{ return fpfs_rename (WL_FS_FS (c), a, b); }
static int e_chmod (void *c, const char *p, uint32_t m)
{ return fpfs_chmod (WL_FS_FS (c), p, m); }
static int e_utimens (void *c, const char *p, const struct fpfs_timespec t[2])
{ return fpfs_utimens (WL_FS_FS (c), p, t); }
static int e_readdir (void *c, const char *p, wl_fs_dirent_cb cb, void *ctx)
{ return fpfs_readdir (WL_FS_FS (c), p, cb, ctx); }
static int e_sync (void *c)
{ return fpfs_sync (WL_FS_FS (c)); }
static int e_syncfs (void *c)
{ return fpfs_syncfs (WL_FS_FS (c)); }
static int e_sleep (void *c, uint64_t ns)
{ return fpfs_clock_advance (WL_FS_FS (c), ns); }
static uint64_t e_now (void *c)
{ return fpfs_clock_now (WL_FS_FS (c)); }

static int e_fallocate (void *c, int fd, int mode, uint64_t off, uint64_t len)
{ return fpfs_fallocate (WL_FS_FS (c), fd, mode, off, len); }
static int e_sync_file_range (void *c, int fd, uint64_t off, uint64_t n,
                              unsigned fl)
{ return fpfs_sync_file_range (WL_FS_FS (c), fd, off, n, fl); }
static int e_symlink (void *c, const char *t, const char *p)
{ return fpfs_symlink (WL_FS_FS (c), t, p); }
static ssize_t e_readlink (void *c, const char *p, char *b, size_t n)
{ return fpfs_readlink (WL_FS_FS (c), p, b, n); }
static int e_mknod (void *c, const char *p, uint32_t m, uint64_t dev)
{ return fpfs_mknod (WL_FS_FS (c), p, m, dev); }
static int e_setxattr (void *c, const char *p, const char *n, const void *v,
                       size_t len, int fl)
{ return fpfs_setxattr (WL_FS_FS (c), p, n, v, len, fl); }
static ssize_t e_getxattr (void *c, const char *p, const char *n, void *b,
                           size_t len)
{ return fpfs_getxattr (WL_FS_FS (c), p, n, b, len); }
static int e_removexattr (void *c, const char *p, const char *n)
{ return fpfs_removexattr (WL_FS_FS (c), p, n); }
static ssize_t e_listxattr (void *c, const char *p, char *b, size_t len)
{ return fpfs_listxattr (WL_FS_FS (c), p, b, len); }
static int e_drop_caches (void *c, int what)
{ return fpfs_drop_caches (WL_FS_FS (c), what); }
static int e_rename2 (void *c, const char *a, const char *b, unsigned fl)
{ return fpfs_rename2 (WL_FS_FS (c), a, b, fl); }
static int e_linkat_fd (void *c, int fd, const char *p)
{ return fpfs_linkat_fd (WL_FS_FS (c), fd, p); }
static int e_mmap (void *c, int fd, uint64_t off, uint64_t len)
{ return fpfs_mmap (WL_FS_FS (c), fd, off, len); }
static int e_mwrite (void *c, int m, uint64_t off, const void *b, size_t n)
{ return fpfs_mwrite (WL_FS_FS (c), m, off, b, n); }
static int e_msync (void *c, int m, uint64_t off, uint64_t len, int fl)
{ return fpfs_msync (WL_FS_FS (c), m, off, len, fl); }
static int e_munmap (void *c, int m)
{ return fpfs_munmap (WL_FS_FS (c), m); }

static const struct wl_fs_ops wl_fs_engine_ops = {
  .open = e_open, .close = e_close, .pread = e_pread, .pwrite = e_pwrite,
  .ftruncate = e_ftruncate, .truncate = e_truncate, .fsync = e_fsync,
  .fdatasync = e_fdatasync, .fstat = e_fstat, .stat = e_stat,
  .mkdir = e_mkdir, .rmdir = e_rmdir, .unlink = e_unlink, .link = e_link,
  .rename = e_rename, .chmod = e_chmod, .utimens = e_utimens,
  .readdir = e_readdir, .sync = e_sync, .syncfs = e_syncfs,
  .sleep = e_sleep, .now = e_now,
  .fallocate = e_fallocate, .sync_file_range = e_sync_file_range,
  .symlink = e_symlink, .readlink = e_readlink, .mknod = e_mknod,
  .setxattr = e_setxattr, .getxattr = e_getxattr,
  .removexattr = e_removexattr, .listxattr = e_listxattr,
  .drop_caches = e_drop_caches, .rename2 = e_rename2,
  .linkat_fd = e_linkat_fd, .mmap = e_mmap, .mwrite = e_mwrite,
  .msync = e_msync, .munmap = e_munmap,
};

struct wl_fs
wl_fs_engine (struct fpfs *fs)
{
  return (struct wl_fs) { &wl_fs_engine_ops, fs, "engine" };
}
