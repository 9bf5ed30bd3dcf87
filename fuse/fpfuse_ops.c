/* fpfuse_ops: each FUSE request as the engine call of the same name.
 *
 * Paths are the engine's (FUSE's high-level API gives "/a/b" relative to
 * the mount, as fpfs_* want them).  Open files and directories carry the
 * engine's descriptor in fi->fh; with hard_remove and nullpath_ok, a call
 * on an open file that was unlinked gets no path and runs on fi->fh, so an
 * unlinked open file stays usable, as on ext4 (the engine keeps it on its
 * orphan list until the last close).
 *
 *   getattr     fpfs_fstat (open) or fpfs_stat; uid and gid are 0
 *   create      fpfs_open (O_CREAT | flags, mode)
 *   open        fpfs_open (flags: access mode, O_TRUNC, O_APPEND, O_SYNC,
 *               O_DSYNC, O_DIRECT), release fpfs_close
 *   read/write  fpfs_pread / fpfs_pwrite on fi->fh (direct_io: each
 *               write(2) arrives as it is made, in pieces of at most
 *               max_write bytes)
 *   fsync       fpfs_fdatasync when datasync is set, else fpfs_fsync;
 *   fsyncdir    the same on the directory's descriptor (opendir)
 *   truncate    fpfs_ftruncate (open) or fpfs_truncate
 *   mkdir rmdir unlink link symlink readlink mknod chmod utimens
 *   rename      fpfs_rename2 (RENAME_NOREPLACE, _EXCHANGE, _WHITEOUT)
 *   *xattr      fpfs_{set,get,list,remove}xattr
 *   fallocate   fpfs_fallocate on fi->fh
 *   readdir     fpfs_readdir, with "." and ".."
 *   statfs      fpfs_get_info's block and inode counts
 *   ioctl       FS_IOC_GETVERSION: the inode's generation, so that a
 *               program (and the run's own readback) identifies inodes by
 *               (ino, generation) as on ext4
 *   chown       the engine has no owners: to root (or -1) succeeds,
 *               anything else is EPERM
 * Not served: shared writable mmap, except on the files
 * fpfuse_opts.mapped_suffixes names (libfuse 3.14 cannot ask the kernel
 * for FUSE_DIRECT_IO_ALLOW_MMAP, so MAP_SHARED on a direct_io file is
 * ENODEV), O_TMPFILE (FUSE's tmpfile request needs libfuse 3.15's
 * lowlevel), locks (the kernel keeps them locally), copy_file_range (the
 * kernel falls back to read and write).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "fpfuse_int.h"

static struct fpfuse *
uf_enter (void)
{
  struct fpfuse *f = fuse_get_context ()->private_data;

  pthread_mutex_lock (&f->u_lock);
  atomic_fetch_add (&f->u_requests, 1);
  if (f->u_opts.clock_real)
    fpfuse_clock_catch_up (f);
  return f;
}

static int
uf_leave (struct fpfuse *f, int ret)
{
  pthread_mutex_unlock (&f->u_lock);
  return ret > 0 ? 0 : ret;
}

static void
uf_stat (const struct fpfs_stat *s, struct stat *st)
{
  memset (st, 0, sizeof *st);
  st->st_ino = s->ino;
  st->st_mode = s->mode;
  st->st_nlink = s->nlink;
  st->st_size = (off_t) s->size;
  st->st_blocks = (blkcnt_t) s->blocks;
  st->st_blksize = 4096;
  st->st_rdev = s->rdev;
  st->st_atim.tv_sec = s->atime.sec;
  st->st_atim.tv_nsec = s->atime.nsec;
  st->st_mtim.tv_sec = s->mtime.sec;
  st->st_mtim.tv_nsec = s->mtime.nsec;
  st->st_ctim.tv_sec = s->ctime.sec;
  st->st_ctim.tv_nsec = s->ctime.nsec;
}

static void *
uf_init (struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  /* The kernel caches nothing: each stat, read and write is a request. */
  cfg->use_ino = 1;
  cfg->readdir_ino = 1;
  cfg->direct_io = 0;            /* per file: uf_open_common */
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->hard_remove = 1;
  cfg->nullpath_ok = 0;          /* paths where the node has one; NULL
                                    for an unlinked open file */
  conn->want &= ~(unsigned) FUSE_CAP_WRITEBACK_CACHE;
  /* open(O_TRUNC) as one call, as do_open -> handle_truncate does it. */
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
    conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  return fuse_get_context ()->private_data;
}

static int
uf_getattr (const char *path, struct stat *st, struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  struct fpfs_stat s;
  int e = fi ? fpfs_fstat (f->u_fs, (int) fi->fh, &s)
             : path ? fpfs_stat (f->u_fs, path, &s) : -ESTALE;

  if (!e)
    uf_stat (&s, st);
  return uf_leave (f, e);
}

/* The open(2) flags the engine takes; the kernel has dealt with the rest
 * (O_CREAT and O_EXCL arrive through create, O_NOFOLLOW and O_CLOEXEC are
 * the caller's side). */
static int
uf_flags (int flags)
{
  return flags & (O_ACCMODE | O_TRUNC | O_APPEND | O_SYNC | O_DSYNC
                  | O_DIRECT | O_DIRECTORY | O_CREAT | O_EXCL);
}

const char *const fpfuse_default_mapped[] = { "-shm", NULL };

/* Is path one of the files opened without direct_io (fpfuse.h)? */
static bool
uf_mapped (const struct fpfuse *f, const char *path)
{
  size_t n = strlen (path);

  for (const char *const *s = f->u_opts.mapped_suffixes; s && *s; s++) {
    size_t k = strlen (*s);
    if (n > k && strcmp (path + n - k, *s) == 0)
      return true;
  }
  return false;
}

static int
uf_open_common (const char *path, int flags, mode_t mode,
                struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  int fd = fpfs_open (f->u_fs, path, uf_flags (flags), mode);

  if (fd >= 0) {
    fi->fh = (uint64_t) fd;
    fi->direct_io = !uf_mapped (f, path);
    fi->keep_cache = 0;
  }
  return uf_leave (f, fd);
}

static int
uf_create (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  return uf_open_common (path, fi->flags | O_CREAT, mode & 07777, fi);
}

static int
uf_open (const char *path, struct fuse_file_info *fi)
{
  return uf_open_common (path, fi->flags & ~(O_CREAT | O_EXCL), 0, fi);
}

static int
uf_opendir (const char *path, struct fuse_file_info *fi)
{
  return uf_open_common (path, O_RDONLY | O_DIRECTORY, 0, fi);
}

static int
uf_release (const char *path, struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  (void) path;
  return uf_leave (f, fpfs_close (f->u_fs, (int) fi->fh));
}

static int
uf_read (const char *path, char *buf, size_t len, off_t off,
         struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  ssize_t n = fpfs_pread (f->u_fs, (int) fi->fh, buf, len, (uint64_t) off);
  (void) path;
  pthread_mutex_unlock (&f->u_lock);
  return (int) n;
}

static int
uf_write (const char *path, const char *buf, size_t len, off_t off,
          struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  ssize_t n = fpfs_pwrite (f->u_fs, (int) fi->fh, buf, len, (uint64_t) off);
  (void) path;
  pthread_mutex_unlock (&f->u_lock);
  return (int) n;
}

static int
uf_fsync (const char *path, int datasync, struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  int fd = (int) fi->fh;
  (void) path;
  return uf_leave (f, datasync ? fpfs_fdatasync (f->u_fs, fd)
                               : fpfs_fsync (f->u_fs, fd));
}

static int
uf_flush (const char *path, struct fuse_file_info *fi)
{
  (void) path;
  (void) fi;
  return 0;                    /* close(2) of one of several descriptors */
}

static int
uf_truncate (const char *path, off_t size, struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  int e = fi ? fpfs_ftruncate (f->u_fs, (int) fi->fh, (uint64_t) size)
             : path ? fpfs_truncate (f->u_fs, path, (uint64_t) size)
             : -ESTALE;
  return uf_leave (f, e);
}

static int
uf_mkdir (const char *path, mode_t mode)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_mkdir (f->u_fs, path, mode & 07777));
}

static int
uf_rmdir (const char *path)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_rmdir (f->u_fs, path));
}

static int
uf_unlink (const char *path)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_unlink (f->u_fs, path));
}

static int
uf_link (const char *from, const char *to)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_link (f->u_fs, from, to));
}

static int
uf_symlink (const char *target, const char *path)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_symlink (f->u_fs, target, path));
}

static int
uf_readlink (const char *path, char *buf, size_t len)
{
  struct fpfuse *f = uf_enter ();
  ssize_t n;

  if (len == 0)
    return uf_leave (f, -EINVAL);
  n = fpfs_readlink (f->u_fs, path, buf, len - 1);
  if (n >= 0)
    buf[(size_t) n < len - 1 ? (size_t) n : len - 1] = '\0';
  return uf_leave (f, n < 0 ? (int) n : 0);
}

static int
uf_mknod (const char *path, mode_t mode, dev_t dev)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_mknod (f->u_fs, path, mode, dev));
}

static int
uf_rename (const char *from, const char *to, unsigned int flags)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_rename2 (f->u_fs, from, to, flags));
}

static int
uf_chmod (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  (void) fi;
  return uf_leave (f, path ? fpfs_chmod (f->u_fs, path, mode & 07777)
                           : -ESTALE);
}

static int
uf_chown (const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
  (void) path;
  (void) fi;
  return (uid == 0 || uid == (uid_t) -1) && (gid == 0 || gid == (gid_t) -1)
         ? 0 : -EPERM;
}

static int
uf_utimens (const char *path, const struct timespec tv[2],
            struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  struct fpfs_timespec t[2];
  (void) fi;

  for (int i = 0; i < 2; i++) {
    t[i].sec = tv[i].tv_sec;
    t[i].nsec = (uint32_t) tv[i].tv_nsec;   /* UTIME_NOW, UTIME_OMIT too */
  }
  return uf_leave (f, path ? fpfs_utimens (f->u_fs, path, t) : -ESTALE);
}

static int
uf_statfs (const char *path, struct statvfs *sv)
{
  struct fpfuse *f = uf_enter ();
  struct fpfs_info in;
  (void) path;

  fpfs_get_info (f->u_fs, &in);
  memset (sv, 0, sizeof *sv);
  sv->f_bsize = sv->f_frsize = 4096;
  sv->f_blocks = in.total_blocks;
  sv->f_bfree = sv->f_bavail = in.free_blocks;
  sv->f_files = in.total_inodes;
  sv->f_ffree = sv->f_favail = in.free_inodes;
  sv->f_namemax = FPFS_NAME_MAX;
  return uf_leave (f, 0);
}

static int
uf_setxattr (const char *path, const char *name, const char *value,
             size_t len, int flags)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_setxattr (f->u_fs, path, name, value, len,
                                     flags));
}

/* The engine copies at most len bytes and returns the whole length; a
 * buffer too small for it is ERANGE (getxattr(2)). */
static int
uf_xattr_len (ssize_t n, size_t len)
{
  if (n < 0)
    return (int) n;
  return len && (size_t) n > len ? -ERANGE : (int) n;
}

static int
uf_getxattr (const char *path, const char *name, char *buf, size_t len)
{
  struct fpfuse *f = uf_enter ();
  ssize_t n = fpfs_getxattr (f->u_fs, path, name, buf, len);
  pthread_mutex_unlock (&f->u_lock);
  return uf_xattr_len (n, len);
}

static int
uf_listxattr (const char *path, char *buf, size_t len)
{
  struct fpfuse *f = uf_enter ();
  ssize_t n = fpfs_listxattr (f->u_fs, path, buf, len);
  pthread_mutex_unlock (&f->u_lock);
  return uf_xattr_len (n, len);
}

static int
uf_removexattr (const char *path, const char *name)
{
  struct fpfuse *f = uf_enter ();
  return uf_leave (f, fpfs_removexattr (f->u_fs, path, name));
}

struct uf_dir {
  void *buf;
  fuse_fill_dir_t fill;
};

static int
uf_dirent (void *ctx, const struct fpfs_dirent *de)
{
  struct uf_dir *d = ctx;
  struct stat st;

  memset (&st, 0, sizeof st);
  st.st_ino = de->ino;
  st.st_mode = DTTOIF (de->type);
  return d->fill (d->buf, de->name, &st, 0, 0) ? -ENOMEM : 0;
}

static int
uf_readdir (const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
            struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
  struct fpfuse *f = uf_enter ();
  struct uf_dir d = { buf, fill };
  struct fpfs_stat s;
  struct stat st;
  int e;
  (void) off;
  (void) flags;

  /* A directory removed while open reads as empty, as on ext4. */
  e = fi ? fpfs_fstat (f->u_fs, (int) fi->fh, &s) : -ESTALE;
  if (e < 0 || s.nlink == 0 || !path)
    return uf_leave (f, e < 0 ? e : 0);
  uf_stat (&s, &st);
  if (fill (buf, ".", &st, 0, 0) || fill (buf, "..", NULL, 0, 0))
    return uf_leave (f, -ENOMEM);
  return uf_leave (f, fpfs_readdir (f->u_fs, path, uf_dirent, &d));
}

static int
uf_fallocate (const char *path, int mode, off_t off, off_t len,
              struct fuse_file_info *fi)
{
  struct fpfuse *f = uf_enter ();
  (void) path;
  return uf_leave (f, fpfs_fallocate (f->u_fs, (int) fi->fh, mode,
                                      (uint64_t) off, (uint64_t) len));
}

static int
uf_ioctl (const char *path, unsigned int cmd, void *arg,
          struct fuse_file_info *fi, unsigned int flags, void *data)
{
  struct fpfuse *f;
  struct fpfs_stat s;
  int e;
  (void) path;
  (void) arg;

  if (cmd != (unsigned int) FS_IOC_GETVERSION || (flags & FUSE_IOCTL_COMPAT))
    return -ENOTTY;
  f = uf_enter ();
  e = fpfs_fstat (f->u_fs, (int) fi->fh, &s);
  if (!e) {
    /* The kernel copies out _IOC_SIZE (cmd) bytes: a long here; ext4
     * puts an int (ext4_ioctl).  The low bytes carry the generation. */
    long gen = (long) s.generation;
    memcpy (data, &gen, sizeof gen);
  }
  return uf_leave (f, e);
}

const struct fuse_operations fpfuse_operations = {
  .init        = uf_init,
  .getattr     = uf_getattr,
  .create      = uf_create,
  .open        = uf_open,
  .opendir     = uf_opendir,
  .release     = uf_release,
  .releasedir  = uf_release,
  .read        = uf_read,
  .write       = uf_write,
  .fsync       = uf_fsync,
  .fsyncdir    = uf_fsync,
  .flush       = uf_flush,
  .truncate    = uf_truncate,
  .mkdir       = uf_mkdir,
  .rmdir       = uf_rmdir,
  .unlink      = uf_unlink,
  .link        = uf_link,
  .symlink     = uf_symlink,
  .readlink    = uf_readlink,
  .mknod       = uf_mknod,
  .rename      = uf_rename,
  .chmod       = uf_chmod,
  .chown       = uf_chown,
  .utimens     = uf_utimens,
  .statfs      = uf_statfs,
  .setxattr    = uf_setxattr,
  .getxattr    = uf_getxattr,
  .listxattr   = uf_listxattr,
  .removexattr = uf_removexattr,
  .readdir     = uf_readdir,
  .fallocate   = uf_fallocate,
  .ioctl       = uf_ioctl,
};
