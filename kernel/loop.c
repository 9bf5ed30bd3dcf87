/* loop: loop devices by ioctl, no losetup.
 *
 * Attach: LOOP_CTL_GET_FREE on /dev/loop-control names a free device;
 * LOOP_CONFIGURE (Linux 5.8) binds the backing file and sets the flags in
 * one call (older kernels: LOOP_SET_FD, then LOOP_SET_STATUS64).  Another
 * process can take the same free device between the two calls; the
 * configure then fails with EBUSY and we ask again.
 *
 * LO_FLAGS_AUTOCLEAR: the device detaches itself when its last opener
 * closes it.  We hold the device open from attach to detach, and mount(2)
 * holds it while mounted, so detaching is: umount, then close our
 * descriptor.  That also makes a crash safe without the reaper's help:
 * when this process dies its descriptor closes, and once the reaper has
 * unmounted, the device frees itself.  (Since Linux 6.x LOOP_CLR_FD only
 * marks the device and the last close does the work, so closing is the
 * detach on every kernel.)
 *
 * queue/write_cache: a loop device advertises a write-back cache, so the
 * kernel sends FLUSH to it.  "write through" makes the block layer strip
 * every PREFLUSH and FUA and complete empty flushes at once
 * (blk_queue_write_cache), which is what nobarrier does: the recording
 * stack sets it only to emulate nobarrier where a file system removed the
 * option (xfs).  The setting outlives the binding, so detaching restores
 * "write back" first, in the reaper too.
 *
 * The device is not given LO_FLAGS_PARTSCAN (no partition probing) nor
 * direct I/O: on the recording path the backing file is the FUSE file,
 * and every write must go through nbdfuse to the recorder as the kernel
 * issues it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kfs_int.h"

#define ATTACH_TRIES 64

/* Bind backing_fd to the open device fd.  0, -EBUSY (taken: try
 * another), or -errno. */
static int
loop_bind (int fd, int backing_fd, const char *name)
{
  struct loop_config cfg;
  struct loop_info64 info;

  memset (&cfg, 0, sizeof cfg);
  cfg.fd = (uint32_t) backing_fd;
  cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
  snprintf ((char *) cfg.info.lo_file_name, LO_NAME_SIZE, "%s", name);
  if (ioctl (fd, LOOP_CONFIGURE, &cfg) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOTTY)
    return -errno;
  /* Before 5.8: two steps. */
  if (ioctl (fd, LOOP_SET_FD, backing_fd) < 0)
    return -errno;
  info = cfg.info;
  if (ioctl (fd, LOOP_SET_STATUS64, &info) < 0) {
    int e = errno;
    ioctl (fd, LOOP_CLR_FD, 0);
    return -e;
  }
  return 0;
}

int
kfs_loop_attach (int backing_fd, const char *name, int prefer_nr,
                 struct kfs_loop *l, char *errbuf, size_t errlen)
{
  struct stat st;
  int ctl = -1, ret = 0, nr = -1;

  l->fd = -1;
  l->nr = -1;
  l->rid = 0;
  if (fstat (backing_fd, &st) < 0)
    return kfs_err (errbuf, errlen, -errno, "loop: fstat %s: %s", name,
                    strerror (errno));
  for (int tries = 0; tries < ATTACH_TRIES; tries++) {
    if (tries == 0 && prefer_nr >= 0)
      nr = prefer_nr;
    else {
      if (ctl < 0)
        ctl = open ("/dev/loop-control", O_RDWR | O_CLOEXEC);
      if (ctl < 0) {
        ret = kfs_err (errbuf, errlen, -errno, "loop: /dev/loop-control: %s",
                       strerror (errno));
        goto out;
      }
      nr = ioctl (ctl, LOOP_CTL_GET_FREE);
      if (nr < 0) {
        ret = kfs_err (errbuf, errlen, -errno,
                       "loop: LOOP_CTL_GET_FREE: %s", strerror (errno));
        goto out;
      }
    }
    kfs_loop_path (nr, l->dev, sizeof l->dev);
    l->fd = open (l->dev, O_RDWR | O_CLOEXEC);
    if (l->fd < 0 && (errno == ENOENT || errno == ENXIO)) {
      sched_yield ();              /* devtmpfs node not there yet */
      continue;
    }
    if (l->fd < 0) {
      ret = kfs_err (errbuf, errlen, -errno, "loop: open %s: %s", l->dev,
                     strerror (errno));
      goto out;
    }
    ret = loop_bind (l->fd, backing_fd, name);
    if (ret == 0)
      break;
    close (l->fd);
    l->fd = -1;
    if (ret != -EBUSY) {
      ret = kfs_err (errbuf, errlen, ret, "loop: configure %s with %s: %s",
                     l->dev, name, strerror (-ret));
      goto out;
    }
    sched_yield ();                /* someone else took it: another one */
  }
  if (l->fd < 0) {
    ret = kfs_err (errbuf, errlen, -EBUSY, "loop: no free loop device for "
                   "%s after %d tries (others keep taking them)", name,
                   ATTACH_TRIES);
    goto out;
  }
  l->nr = nr;
  ret = kfs_reaper_add (KFS_RES_LOOP, NULL, (uint64_t) nr,
                        (uint64_t) st.st_dev, (uint64_t) st.st_ino, &l->rid,
                        errbuf, errlen);
  if (ret)
    kfs_loop_detach (l);
 out:
  if (ctl >= 0)
    close (ctl);
  return ret;
}

/* "write back" unless it already says so; async-signal-safe. */
static void
restore_write_back (int nr)
{
  char path[64], now[32];

  kfs_loop_wc_path (nr, path, sizeof path);
  if (kfs_read_small (path, now, sizeof now) > 0
      && strcmp (now, "write back") != 0)
    kfs_write_small (path, "write back");
}

int
kfs_loop_write_cache (int nr, bool write_through, char *errbuf,
                      size_t errlen)
{
  const char *want = write_through ? "write through" : "write back";
  char path[64], now[32];
  int ret;

  kfs_loop_wc_path (nr, path, sizeof path);
  if (kfs_read_small (path, now, sizeof now) > 0 && strcmp (now, want) == 0)
    return 0;
  ret = kfs_write_small (path, want);
  if (ret)
    return kfs_err (errbuf, errlen, ret, "loop: write \"%s\" to %s: %s",
                    want, path, strerror (-ret));
  if (kfs_read_small (path, now, sizeof now) < 0)
    snprintf (now, sizeof now, "?");
  if (strcmp (now, want) != 0)
    return kfs_err (errbuf, errlen, -EIO, "loop: %s reads \"%s\" after "
                    "writing \"%s\"", path, now, want);
  return 0;
}

void
kfs_loop_detach (struct kfs_loop *l)
{
  if (l->nr >= 0)
    restore_write_back (l->nr);
  if (l->fd >= 0) {
    /* Marks the device for clearing on kernels where it would otherwise
     * stay bound; the close below is the last close (AUTOCLEAR). */
    ioctl (l->fd, LOOP_CLR_FD, 0);
    close (l->fd);
  }
  kfs_reaper_del (l->rid);
  l->fd = -1;
  l->nr = -1;
  l->rid = 0;
}

int
kfs_loop_clear_if (int nr, uint64_t st_dev, uint64_t st_ino)
{
  struct loop_info64 info;
  char dev[32];
  int fd, ret = 0;

  kfs_loop_path (nr, dev, sizeof dev);
  fd = open (dev, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (ioctl (fd, LOOP_GET_STATUS64, &info) < 0)
    ret = -errno;                  /* ENXIO: already detached */
  else if (info.lo_device != st_dev || info.lo_inode != st_ino)
    ret = -ESTALE;                 /* someone else's now */
  else {
    restore_write_back (nr);
    if (ioctl (fd, LOOP_CLR_FD, 0) < 0)
      ret = -errno;
  }
  close (fd);
  return ret;
}
