/* wl_fs: the file system a workload runs on, as a table of system calls.
 *
 * The runner (wl_run.c, wl_exec*.c, wl_state.c) and the checker's view of
 * a recovered file system call only these, so the same workload, the same
 * marks and the same rules serve two backends:
 *
 *   wl_fs_engine   the engine (libfpfs): calls of the same name on a
 *                  mounted struct fpfs, on its virtual clock;
 *   wl_fs_posix    a directory of a kernel file system (ext4, xfs, btrfs
 *                  mounted by kernel/): the real system calls, relative to
 *                  the mount point, on the real clock.
 *
 * The shapes are the engine's (engine/include/fpfs.h): paths are absolute within
 * the file system ("/a/b"), results are >= 0 or -errno, struct fpfs_stat
 * and struct fpfs_dirent carry the answers.  Descriptors are the backend's
 * own small integers.
 *
 * Time: now() is nanoseconds since the epoch of the backend's clock (the
 * engine's virtual clock; CLOCK_REALTIME on a kernel file system), and
 * sleep() advances it (the engine runs the background work that falls
 * due; a kernel backend really sleeps, and the kernel's flusher and
 * commit thread run meanwhile on their own timers).
 */
#ifndef WL_FS_H
#define WL_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fpfs.h"

typedef int (*wl_fs_dirent_cb) (void *ctx, const struct fpfs_dirent *de);

struct wl_fs_ops {
  int (*open) (void *c, const char *path, int flags, uint32_t mode);
  int (*close) (void *c, int fd);
  ssize_t (*pread) (void *c, int fd, void *buf, size_t len, uint64_t off);
  ssize_t (*pwrite) (void *c, int fd, const void *buf, size_t len,
                     uint64_t off);
  int (*ftruncate) (void *c, int fd, uint64_t size);
  int (*truncate) (void *c, const char *path, uint64_t size);
  int (*fsync) (void *c, int fd);
  int (*fdatasync) (void *c, int fd);
  int (*fstat) (void *c, int fd, struct fpfs_stat *st);
  int (*stat) (void *c, const char *path, struct fpfs_stat *st);
  int (*mkdir) (void *c, const char *path, uint32_t mode);
  int (*rmdir) (void *c, const char *path);
  int (*unlink) (void *c, const char *path);
  int (*link) (void *c, const char *oldpath, const char *newpath);
  int (*rename) (void *c, const char *oldpath, const char *newpath);
  int (*chmod) (void *c, const char *path, uint32_t mode);
  int (*utimens) (void *c, const char *path,
                  const struct fpfs_timespec times[2]);
  /* Every entry but "." and "..", in the backend's order; a non-zero
   * return from cb stops the walk and is returned. */
  int (*readdir) (void *c, const char *path, wl_fs_dirent_cb cb, void *ctx);
  /* The operations of issue 14: fallocate(2), sync_file_range(2),
   * symlink(2), readlink(2) (the length, the target not NUL-terminated),
   * mknod(2), the l*xattr(2) calls on a path (never following a symlink),
   * and drop_caches (the engine's fpfs_drop_caches; on a kernel, a write
   * of WHAT to /proc/sys/vm/drop_caches, which acts on every file system
   * of the machine). */
  int (*fallocate) (void *c, int fd, int mode, uint64_t off, uint64_t len);
  int (*sync_file_range) (void *c, int fd, uint64_t off, uint64_t nbytes,
                          unsigned flags);
  int (*symlink) (void *c, const char *target, const char *linkpath);
  ssize_t (*readlink) (void *c, const char *path, char *buf, size_t len);
  int (*mknod) (void *c, const char *path, uint32_t mode, uint64_t dev);
  int (*setxattr) (void *c, const char *path, const char *name,
                   const void *value, size_t len, int flags);
  ssize_t (*getxattr) (void *c, const char *path, const char *name,
                       void *buf, size_t len);
  int (*removexattr) (void *c, const char *path, const char *name);
  ssize_t (*listxattr) (void *c, const char *path, char *buf, size_t len);
  int (*drop_caches) (void *c, int what);
  /* renameat2(2) with RENAME_* flags (not 0), and linkat(fd, "", ...,
   * AT_EMPTY_PATH): a name for an open (O_TMPFILE) file. */
  int (*rename2) (void *c, const char *oldpath, const char *newpath,
                  unsigned flags);
  int (*linkat_fd) (void *c, int fd, const char *newpath);
  /* Shared writable mappings (fpfs.h's contract): mmap returns an id;
   * mwrite stores at a file offset (-EFAULT past the end of the file or
   * the mapping: a kernel backend checks first, a store there would be
   * SIGBUS); msync with MS_* flags; munmap. */
  int (*mmap) (void *c, int fd, uint64_t off, uint64_t len);
  int (*mwrite) (void *c, int map, uint64_t off, const void *buf,
                 size_t len);
  int (*msync) (void *c, int map, uint64_t off, uint64_t len, int flags);
  int (*munmap) (void *c, int map);
  int (*sync) (void *c);
  int (*syncfs) (void *c);
  int (*sleep) (void *c, uint64_t ns);
  uint64_t (*now) (void *c);
};

struct wl_fs {
  const struct wl_fs_ops *ops;
  void *ctx;
  const char *name;              /* "engine", "ext4", ... for messages */
};

/* The engine, mounted. */
struct wl_fs wl_fs_engine (struct fpfs *fs);

/* A directory of a mounted kernel file system.  hide_root_names, if not
 * NULL, is a NULL-terminated list of names in the root directory that
 * readdir does not show (ext4's lost+found: mkfs made it, no workload
 * did).  Reads open files with O_NOATIME, so observing never dirties an
 * inode.  Returns -errno if root cannot be opened. */
struct wl_fs_posix;
int wl_fs_posix_open (const char *root, const char *name,
                      const char *const *hide_root_names,
                      struct wl_fs_posix **out, struct wl_fs *fs);
void wl_fs_posix_close (struct wl_fs_posix *p);   /* closes its fds; NULL ok */

/* Read up to len bytes of path at off, whole or until end of file:
 * the count, or -errno.  (For the checker's file reads.) */
long wl_fs_read_path (const struct wl_fs *fs, const char *path, void *buf,
                      size_t len, uint64_t off);

#endif /* WL_FS_H */
