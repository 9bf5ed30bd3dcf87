/* inspect: the shell commands a human types to look at a crash-state
 * image with the kernel, for reports.  They do by hand what
 * kfs_recover_mount and kfs_fsck do (losetup instead of the ioctls, the
 * same mount options, recovery's noatime and xfs's nouuid); the fsck line
 * comes last, after the mount has replayed the journal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "kfs_int.h"

int
kfs_inspect_commands (const struct kfs_opts *o, const char *image,
                      char *buf, size_t len)
{
  const struct kfs_fs_desc *fs = kfs_fs_desc (o->type);
  char flags[64], opts[512];
  struct kfs_str s, os;

  if (fs == NULL || image == NULL)
    return -EINVAL;
  kfs_mount_flags_text (o->flags | MS_NOATIME, flags, sizeof flags);
  kfs_str_init (&os, opts, sizeof opts);
  kfs_str_add (&os, "%s", flags);
  if (*o->data)
    kfs_str_add (&os, ",%s", o->data);
  if (*fs->recover_data)
    kfs_str_add (&os, ",%s", fs->recover_data);
  kfs_str_init (&s, buf, len);
  kfs_str_add (&s, "dev=$(losetup -f --show ");
  kfs_str_shell (&s, image);
  kfs_str_add (&s, ") && mkdir -p /mnt/flushpoint && mount -t %s -o ", fs->name);
  kfs_str_shell (&s, opts);
  kfs_str_add (&s, " \"$dev\" /mnt/flushpoint\n"
               "ls -laR /mnt/flushpoint    # look around, then:\n"
               "umount /mnt/flushpoint && losetup -d \"$dev\"\n");
  kfs_str_add (&s, "%s ", fs->fsck);
  for (size_t i = 0; i < KFS_FSCK_ARGS_MAX && fs->fsck_args[i]; i++)
    kfs_str_add (&s, "%s ", fs->fsck_args[i]);
  kfs_str_shell (&s, image);
  kfs_str_add (&s, "\n");
  return s.over || os.over ? -ERANGE : 0;
}
