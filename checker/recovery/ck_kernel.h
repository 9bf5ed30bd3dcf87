/* ck_kernel: recovering a crash state with the running kernel's file
 * system (kernel/kfs.h), for logs recorded with `run --fs ext4|xfs|btrfs`.
 *
 * Per worker: one image file (on /dev/shm when there is one) and one
 * kfs_recover (a loop device and a mount point).  A state is written out
 * from the builder's device into the image (only the pages that are not
 * zero: the image is sparse), attached and mounted read-write so that the
 * kernel replays its journal exactly as after a reboot, walked through
 * the mount (wl_fs_posix), unmounted, and checked with the file system's
 * own checker.  The image is rewritten for every state, so recovery's
 * writes never leak into the next one.
 */
#ifndef CK_KERNEL_H
#define CK_KERNEL_H

#include <stddef.h>

#include "fpfs.h"
#include "kfs.h"
#include "wl_fs.h"

struct ck_kernel;

int ck_kernel_open (const struct kfs_opts *ko, struct ck_kernel **out,
                    char *errbuf, size_t errlen);
void ck_kernel_close (struct ck_kernel *k);       /* NULL is fine */

/* Write bd out and mount it: *fs is the recovered file system.  -EIO or
 * -ENOMEM: the image could not be written (the checker's own failure);
 * any other -errno: the kernel did not mount it (a finding; why holds the
 * kernel's words). */
int ck_kernel_recover (struct ck_kernel *k, struct fpfs_bdev *bd,
                       struct wl_fs *fs, char *why, size_t len);
/* After ck_kernel_recover (whatever the walk found): unmount, then the
 * file system's checker on the image.  0 clean, 1 problems (why holds its
 * output), -errno when unmount or the checker failed to run. */
int ck_kernel_fsck (struct ck_kernel *k, char *why, size_t len);
/* After ck_kernel_fsck: mount the same image again (no new dump), for the
 * workload's after-recovery section; ck_kernel_fsck ends it as before. */
int ck_kernel_remount (struct ck_kernel *k, struct wl_fs *fs, char *why,
                       size_t len);

/* Where the state is mounted (after recover or remount, until fsck), or
 * NULL. */
const char *ck_kernel_dir (const struct ck_kernel *k);
/* The image file of this worker (for messages). */
const char *ck_kernel_image (const struct ck_kernel *k);

#endif /* CK_KERNEL_H */
