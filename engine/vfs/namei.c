/* namei: the name system calls (fs/namei.c, fs/stat.c, fs/attr.c,
 * fs/readdir.c): mkdir, rmdir, unlink, link, rename, stat, chmod,
 * utimensat, readdir.
 *
 * Each runs fs_syscall_enter and hands the path to ext4 (ext4/namei.c,
 * ext4/rename.c), which walks it and does the operation in one handle:
 * with one file-system type, the kernel's vfs_mkdir -> i_op->mkdir
 * dispatch is a direct call, and the path walk is ext4's own.
 */
#include "vfs.h"

int
fpfs_mkdir (struct fpfs *fs, const char *path, uint32_t mode)
{
  fs_syscall_enter (fs);
  return ext4_mkdir (fs, path, mode);
}

int
fpfs_rmdir (struct fpfs *fs, const char *path)
{
  fs_syscall_enter (fs);
  return ext4_rmdir (fs, path);
}

int
fpfs_unlink (struct fpfs *fs, const char *path)
{
  fs_syscall_enter (fs);
  return ext4_unlink (fs, path);
}

int
fpfs_link (struct fpfs *fs, const char *oldpath, const char *newpath)
{
  fs_syscall_enter (fs);
  return ext4_link (fs, oldpath, newpath);
}

int
fpfs_rename (struct fpfs *fs, const char *oldpath, const char *newpath)
{
  fs_syscall_enter (fs);
  return ext4_rename (fs, oldpath, newpath);
}

int
fpfs_stat (struct fpfs *fs, const char *path, struct fpfs_stat *st)
{
  fs_syscall_enter (fs);
  return ext4_getattr (fs, path, st);
}

int
fpfs_chmod (struct fpfs *fs, const char *path, uint32_t mode)
{
  fs_syscall_enter (fs);
  return ext4_chmod (fs, path, mode);
}

int
fpfs_utimens (struct fpfs *fs, const char *path,
              const struct fpfs_timespec times[2])
{
  fs_syscall_enter (fs);
  return ext4_utimens (fs, path, times);
}

int
fpfs_readdir (struct fpfs *fs, const char *path,
              int (*cb) (void *ctx, const struct fpfs_dirent *de), void *ctx)
{
  fs_syscall_enter (fs);
  return ext4_readdir (fs, path, cb, ctx);
}
