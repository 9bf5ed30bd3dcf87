/* ck_kernel: a crash state recovered by the kernel (ck_kernel.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck_kernel.h"

#define CK_K_CHUNK (1u << 20)
#define CK_K_PAGE  4096u

struct ck_kernel {
  struct kfs_opts k_opts;
  struct kfs_recover *k_rec;
  struct wl_fs_posix *k_fs;      /* while mounted */
  bool k_mounted;
  int k_fd;                      /* the image */
  char k_path[128];
  char k_dir[4096];               /* the mount point, while mounted */
  uint8_t *k_buf;                /* CK_K_CHUNK */
};

/* ext4's mkfs made /lost+found; the run did not see it either. */
static const char *const ck_ext4_hidden[] = { "lost+found", NULL };

int
ck_kernel_open (const struct kfs_opts *ko, struct ck_kernel **out,
                char *errbuf, size_t errlen)
{
  struct ck_kernel *k = calloc (1, sizeof *k);
  struct stat sb;
  int e;

  *out = NULL;
  if (!k || !(k->k_buf = malloc (CK_K_CHUNK))) {
    free (k);
    snprintf (errbuf, errlen, "out of memory");
    return -ENOMEM;
  }
  k->k_opts = *ko;
  k->k_fd = -1;
  snprintf (k->k_path, sizeof k->k_path, "%s/flushpoint-state-XXXXXX.img",
            stat ("/dev/shm", &sb) == 0 && S_ISDIR (sb.st_mode)
            ? "/dev/shm" : "/tmp");
  k->k_fd = mkostemps (k->k_path, 4, O_CLOEXEC);
  if (k->k_fd < 0) {
    e = -errno;
    snprintf (errbuf, errlen, "state image %s: %s", k->k_path, strerror (-e));
    goto fail;
  }
  if ((e = kfs_recover_open (ko, &k->k_rec, errbuf, errlen)) < 0)
    goto fail;
  *out = k;
  return 0;
fail:
  ck_kernel_close (k);
  return e;
}

void
ck_kernel_close (struct ck_kernel *k)
{
  char why[256];

  if (!k)
    return;
  if (k->k_mounted)
    ck_kernel_fsck (k, why, sizeof why);
  kfs_recover_close (k->k_rec);
  if (k->k_fd >= 0) {
    close (k->k_fd);
    unlink (k->k_path);
  }
  free (k->k_buf);
  free (k);
}

const char *
ck_kernel_dir (const struct ck_kernel *k)
{
  return k->k_mounted ? k->k_dir : NULL;
}

const char *
ck_kernel_image (const struct ck_kernel *k)
{
  return k->k_path;
}

static bool
ck_k_zero (const uint8_t *p, size_t n)
{
  return p[0] == 0 && memcmp (p, p + 1, n - 1) == 0;
}

/* The whole device into the image, sparse: holes where the device reads
 * as zeroes. */
static int
ck_k_dump (struct ck_kernel *k, struct fpfs_bdev *bd, char *why, size_t len)
{
  if (ftruncate (k->k_fd, 0) < 0 || ftruncate (k->k_fd, (off_t) bd->size) < 0)
    goto io;
  for (uint64_t off = 0; off < bd->size; off += CK_K_CHUNK) {
    size_t n = bd->size - off < CK_K_CHUNK ? (size_t) (bd->size - off)
                                           : CK_K_CHUNK;
    int e = fpfs_bdev_read (bd, k->k_buf, off, n);
    if (e < 0) {
      snprintf (why, len, "reading the state at byte %llu: %s",
                (unsigned long long) off, strerror (-e));
      return -EIO;
    }
    for (size_t p = 0; p < n; p += CK_K_PAGE) {
      size_t m = n - p < CK_K_PAGE ? n - p : CK_K_PAGE;
      if (!ck_k_zero (k->k_buf + p, m)
          && pwrite (k->k_fd, k->k_buf + p, m, (off_t) (off + p))
             != (ssize_t) m)
        goto io;
    }
  }
  return 0;
io:
  snprintf (why, len, "writing the state image %s: %s", k->k_path,
            strerror (errno));
  return -EIO;
}

int
ck_kernel_remount (struct ck_kernel *k, struct wl_fs *fs, char *why,
                   size_t len)
{
  const char *dir;
  int e;

  if ((e = kfs_recover_mount (k->k_rec, k->k_path, &dir, why, len)) < 0)
    return e == -EIO ? -EUCLEAN : e;   /* -EIO is ours: keep it apart */
  k->k_mounted = true;
  snprintf (k->k_dir, sizeof k->k_dir, "%s", dir);
  e = wl_fs_posix_open (dir, kfs_type_name (k->k_opts.type),
                        k->k_opts.type == KFS_EXT4 ? ck_ext4_hidden : NULL,
                        &k->k_fs, fs);
  if (e < 0) {
    snprintf (why, len, "open %s: %s", dir, strerror (-e));
    return e == -ENOMEM ? e : -EIO;
  }
  return 0;
}

int
ck_kernel_recover (struct ck_kernel *k, struct fpfs_bdev *bd,
                   struct wl_fs *fs, char *why, size_t len)
{
  int e = ck_k_dump (k, bd, why, len);
  return e < 0 ? e : ck_kernel_remount (k, fs, why, len);
}

int
ck_kernel_fsck (struct ck_kernel *k, char *why, size_t len)
{
  int e;

  wl_fs_posix_close (k->k_fs);
  k->k_fs = NULL;
  if (k->k_mounted) {
    k->k_mounted = false;
    if ((e = kfs_recover_umount (k->k_rec, why, len)) < 0)
      return e;
  }
  return kfs_fsck (k->k_opts.type, k->k_path, why, len);
}
