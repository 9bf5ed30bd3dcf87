/* probe: can this machine run a kernel file system under test?
 *
 * Everything the stack and recovery need, checked without changing
 * anything (except loading the file system's module, as mount would):
 * root (mount(2), loop ioctls), /dev/fuse (nbdfuse), nbdfuse, the mkfs and
 * fsck tools, /dev/loop-control, and the file system in
 * /proc/filesystems.  Every missing thing is named, so a skipped test
 * says what to install; nothing falls back to anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kfs_int.h"

static bool
fs_registered (const char *name)
{
  char text[4096], *save = NULL;

  if (kfs_read_small ("/proc/filesystems", text, sizeof text) < 0)
    return false;
  for (char *line = strtok_r (text, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    char *tab = strrchr (line, '\t');
    if (strcmp (tab ? tab + 1 : line, name) == 0)
      return true;
  }
  return false;
}

static bool
modprobe (const char *name)
{
  char tool[256], out[512];
  const char *argv[] = { tool, "-q", name, NULL };
  int status = 1;

  if (kfs_which ("modprobe", tool, sizeof tool) < 0)
    return false;
  return kfs_run (argv, NULL, out, sizeof out, &status) == 0 && status == 0;
}

static void
missing (struct kfs_str *s, int *ret, int err, const char *fmt, const char *a,
         const char *b)
{
  if (*ret == 0)
    *ret = err;
  if (s->pos)
    kfs_str_add (s, "; ");
  kfs_str_add (s, fmt, a, b);
}

static void
need_dev (const char *path, const char *what, struct kfs_str *s, int *ret)
{
  int fd = open (path, O_RDWR | O_CLOEXEC);

  if (fd >= 0) {
    close (fd);
    return;
  }
  missing (s, ret, -errno, "%s%s", what, strerror (errno));
}

int
kfs_probe (enum kfs_type t, char *errbuf, size_t errlen)
{
  const struct kfs_fs_desc *fs = kfs_fs_desc (t);
  char path[256], uid[32], msg[64];
  struct kfs_str s;
  int ret = 0;

  if (fs == NULL)
    return kfs_err (errbuf, errlen, -EINVAL, "probe: file system type %d "
                    "out of range", (int) t);
  kfs_str_init (&s, errbuf, errlen);
  if (geteuid () != 0) {
    snprintf (uid, sizeof uid, "%u", (unsigned) geteuid ());
    missing (&s, &ret, -EPERM, "not root (uid %s)%s", uid, "");
  }
  need_dev ("/dev/fuse", "/dev/fuse: ", &s, &ret);
  if (kfs_which ("nbdfuse", path, sizeof path) < 0)
    missing (&s, &ret, -ENOENT, "nbdfuse not found on PATH (package %s)%s",
             "libnbd-bin", "");
  if (kfs_which (fs->mkfs, path, sizeof path) < 0)
    missing (&s, &ret, -ENOENT, "%s not found (package %s)", fs->mkfs, fs->pkg);
  if (kfs_which (fs->fsck, path, sizeof path) < 0)
    missing (&s, &ret, -ENOENT, "%s not found (package %s)", fs->fsck, fs->pkg);
  need_dev ("/dev/loop-control", "no loop devices: /dev/loop-control: ",
            &s, &ret);
  if (!fs_registered (fs->name)
      && !(geteuid () == 0 && modprobe (fs->name) && fs_registered (fs->name))) {
    snprintf (msg, sizeof msg, "%s", geteuid () == 0 ? "modprobe failed"
              : "modprobe needs root");
    missing (&s, &ret, -ENODEV, "file system %s not in /proc/filesystems "
             "and %s", fs->name, msg);
  }
  return ret;
}
