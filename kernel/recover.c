/* recover: mounting crash-state images with the kernel, one after
 * another, as fast as the kernel allows.
 *
 * A kfs_recover is one worker's: a mount point (mkdtemp) and, while an
 * image is mounted, a loop device.  Per image: open the image, bind it to
 * a loop device (the one used last time first: it is free again as soon
 * as the previous image's last close has cleared it), mount(2) read-write
 * so that the file system replays its journal; later umount2(2) and
 * close the loop device (AUTOCLEAR detaches it).  No udev, no losetup, no
 * mount(8): a state costs two opens, one ioctl, mount and umount.
 *
 * Recovery mounts add MS_NOATIME (the caller's walk of the tree must not
 * dirty inodes: that would cost writes at umount and change the image the
 * fsck then sees) and the file system's recover_data (xfs: nouuid, so
 * workers can mount states of one file system side by side).
 *
 * State: idle <-> mounted; kfs_recover_mount asserts idle.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kfs_int.h"

struct kfs_recover {
  struct kfs_opts opts;
  char dir[KFS_REAPER_PATH_MAX];
  char data[sizeof ((struct kfs_opts *) 0)->data + 64];
  unsigned long flags;
  uint64_t rid_dir, rid_mount;
  struct kfs_loop loop;
  int last_nr;                   /* loop device to try first, -1: any */
  bool mounted;
  int kmsg;
};

int
kfs_recover_open (const struct kfs_opts *o, struct kfs_recover **out,
                  char *errbuf, size_t errlen)
{
  const struct kfs_fs_desc *fs = o ? kfs_fs_desc (o->type) : NULL;
  struct kfs_recover *k;
  struct kfs_str d;
  int ret;

  *out = NULL;
  if (fs == NULL)
    return kfs_err (errbuf, errlen, -EINVAL, "recover: no options");
  k = calloc (1, sizeof *k);
  if (k == NULL)
    return kfs_err (errbuf, errlen, -ENOMEM, "recover: out of memory");
  k->opts = *o;
  k->loop = (struct kfs_loop) KFS_LOOP_INIT;
  k->last_nr = -1;
  k->flags = o->flags | MS_NOATIME;
  kfs_str_init (&d, k->data, sizeof k->data);
  kfs_str_add (&d, "%s", o->data);
  if (*fs->recover_data)
    kfs_str_add (&d, "%s%s", *o->data ? "," : "", fs->recover_data);
  k->kmsg = kfs_kmsg_open ();
  ret = kfs_tmpdir (NULL, "kfs-recover-", k->dir, sizeof k->dir, errbuf,
                    errlen);
  if (!ret)
    ret = kfs_reaper_add (KFS_RES_PATH, k->dir, 0, 0, 0, &k->rid_dir,
                          errbuf, errlen);
  if (ret) {
    kfs_recover_close (k);
    return ret;
  }
  *out = k;
  return 0;
}

int
kfs_recover_mount (struct kfs_recover *k, const char *image,
                   const char **dir, char *errbuf, size_t errlen)
{
  int fd, ret;

  assert (!k->mounted);
  fd = open (image, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return kfs_err (errbuf, errlen, -errno, "recover: open %s: %s", image,
                    strerror (errno));
  ret = kfs_loop_attach (fd, image, k->last_nr, &k->loop, errbuf, errlen);
  close (fd);
  if (ret)
    return ret;
  ret = kfs_reaper_add (KFS_RES_MOUNT, k->dir, 0, 0, 0, &k->rid_mount,
                        errbuf, errlen);
  if (!ret)
    ret = kfs_mount_dev (k->loop.dev, k->dir, kfs_type_name (k->opts.type),
                         k->flags, k->data, k->kmsg, errbuf, errlen);
  k->last_nr = k->loop.nr;
  if (ret) {
    kfs_reaper_del (k->rid_mount);
    k->rid_mount = 0;
    kfs_loop_detach (&k->loop);
    return ret;
  }
  k->mounted = true;
  if (dir)
    *dir = k->dir;
  return 0;
}

int
kfs_recover_umount (struct kfs_recover *k, char *errbuf, size_t errlen)
{
  int ret = 0, r;

  if (!k->mounted)
    return 0;
  r = kfs_umount_retry (k->dir, 1000);
  if (r == -EBUSY) {
    /* Detached lazily: the device stays bound until the last user goes,
     * so do not try it first next time. */
    k->last_nr = -1;
    ret = kfs_err (errbuf, errlen, r, "recover: umount %s: busy (detached "
                   "lazily; close what is open in it)", k->dir);
  }
  else if (r)
    ret = kfs_err (errbuf, errlen, r, "recover: umount %s: %s", k->dir,
                   strerror (-r));
  k->mounted = false;
  kfs_reaper_del (k->rid_mount);
  k->rid_mount = 0;
  kfs_loop_detach (&k->loop);
  return ret;
}

void
kfs_recover_close (struct kfs_recover *k)
{
  if (k == NULL)
    return;
  kfs_recover_umount (k, NULL, 0);
  if (*k->dir)
    rmdir (k->dir);
  kfs_reaper_del (k->rid_dir);
  if (k->kmsg >= 0)
    close (k->kmsg);
  free (k);
}
