/* vfs: the vfs layer's internal header: the system-call surface over ext4
 * (fs/open.c, fs/read_write.c, fs/namei.c, fs/sync.c, fs/super.c).
 *
 * The fpfs_* entry points of fpfs.h live in this layer (file.c, namei.c,
 * sync.c, super.c, mmap.c), except fpfs_mkfs, fpfs_mount and fpfs_get_info, which
 * are ext4's own (mke2fs, ext4_fill_super, ext4_statfs: ext4/super.c).
 * Each entry point first runs fs_syscall_enter, then calls ext4 directly:
 * there is one file-system type, so the kernel's dispatch through f_op,
 * i_op and s_op is a plain call here.  The fd table (struct fpfs_file,
 * defined in ext4.h because ext4's write and fsync take it) is ours.
 */
#ifndef FP_VFS_H
#define FP_VFS_H

#include <stdbool.h>
#include <stdint.h>

#include "ext4.h"

/* ---- file.c ---- */
/* A system call starts: the clock ticks FPFS_SYSCALL_TICK_NS and
 * background work that fell due runs. */
void fs_syscall_enter (struct fpfs *fs);
/* Close every open file (release: as close(2) would; else just free). */
void fs_files_destroy (struct fpfs *fs, bool release);
/* The open file of fd, or NULL. */
struct fpfs_file *fs_fd_get (struct fpfs *fs, int fd);
/* fput: drop one reference (the fd's or a mapping's); the last runs
 * ext4_release_file (release) or only frees (a power cut). */
void fs_file_put (struct fpfs_file *f, bool release);

/* ---- mmap.c ---- */
/* Drop every mapping (release: as munmap would; else just free), before
 * fs_files_destroy. */
void fs_maps_destroy (struct fpfs *fs, bool release);

/* ---- sync.c ---- */
int vfs_fsync_range (struct fpfs_file *f, uint64_t start, uint64_t end,
                     int datasync);
int sync_filesystem (struct fpfs *fs);

#endif /* FP_VFS_H */
