/* mount: mount(2) and umount2(2) for the stack and for recovery, with the
 * kernel's reason on failure (kmsg.c).
 *
 * Unmounting retries while the mount is busy (a process of ours may still
 * be closing files) and then detaches lazily (MNT_DETACH): the mount
 * point is free at once and the file system goes away when its last user
 * does, which is all a teardown can do.  UMOUNT_NOFOLLOW: the reaper
 * unmounts paths in a temporary directory another user could, in
 * principle, have replaced by a symlink.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>

#include "kfs_int.h"

int
kfs_mount_dev (const char *dev, const char *dir, const char *fstype,
               unsigned long flags, const char *data, int kmsg_fd,
               char *errbuf, size_t errlen)
{
  char flagtext[64], kern[1024];
  const char *base;
  struct kfs_str s;
  int e;

  kfs_kmsg_mark (kmsg_fd);
  if (mount (dev, dir, fstype, flags, data) == 0)
    return 0;
  e = errno;
  base = strrchr (dev, '/');
  base = base ? base + 1 : dev;
  kfs_str_init (&s, kern, sizeof kern);
  kfs_kmsg_collect (kmsg_fd, base, fstype, &s);
  kfs_mount_flags_text (flags, flagtext, sizeof flagtext);
  return kfs_err (errbuf, errlen, -e,
                  "mount %s on %s (-t %s -o %s%s%s): %s%s%s", dev, dir,
                  fstype, data && *data ? data : "defaults",
                  *flagtext ? ", flags " : "", flagtext, strerror (e),
                  *kern ? ": " : "", kern);
}

int
kfs_umount_retry (const char *dir, int busy_ms)
{
  struct timespec nap = { 0, 10 * 1000 * 1000 };

  for (int waited = 0; ; waited += 10) {
    if (umount2 (dir, UMOUNT_NOFOLLOW) == 0)
      return 0;
    if (errno != EBUSY)
      return -errno;
    if (waited >= busy_ms)
      break;
    nanosleep (&nap, NULL);
  }
  umount2 (dir, MNT_DETACH | UMOUNT_NOFOLLOW);
  return -EBUSY;
}

void
kfs_mount_flags_text (unsigned long flags, char *buf, size_t len)
{
  static const struct { unsigned long bit; const char *name; } names[] = {
    { MS_RDONLY, "ro" }, { MS_LAZYTIME, "lazytime" },
    { MS_NOATIME, "noatime" }, { MS_SYNCHRONOUS, "sync" },
  };
  struct kfs_str s;

  kfs_str_init (&s, buf, len);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (flags & names[i].bit)
      kfs_str_add (&s, "%s%s", s.pos ? "," : "", names[i].name);
}
