/* fsck: the file system's own checker, read-only, on an image file.
 *
 *   ext4   e2fsck -fn IMG         0 clean; 1..7 (4: errors left
 *                                 uncorrected) problems; 8+ could not run
 *   xfs    xfs_repair -n -f -P -o bhash=4096 IMG (fstype.c says why)
 *                                 0 clean; 1 problems; 2 a dirty log;
 *                                 else could not run
 *   btrfs  btrfs check --readonly IMG   0 clean; 1 problems (the tool
 *                                 also says 1 when it cannot open the
 *                                 image: we open it first ourselves)
 * A journal that needs replaying (xfs_repair -n: "valuable metadata
 * changes in a log", exit 1 or 2; e2fsck -n: "skipping journal
 * recovery") means the checker could not judge: -EUCLEAN, mount the
 * image first.  A tool killed by a signal could not run (-EIO).  Unless clean, out gets
 * "COMMAND: STATUS:" and the tool's words (cut at 16 KiB, then at
 * outlen).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kfs_int.h"

/* Map a wait status to 0 / 1 / -errno. */
static int
fsck_verdict (enum kfs_type t, int status)
{
  int x;

  if (!WIFEXITED (status))
    return -EIO;
  x = WEXITSTATUS (status);
  if (x == 0)
    return 0;
  switch (t) {
  case KFS_EXT4:
    return x < 8 ? 1 : -EIO;
  case KFS_XFS:
    return x == 1 ? 1 : x == 2 ? -EUCLEAN : -EIO;
  case KFS_BTRFS:
    return x == 1 ? 1 : -EIO;
  }
  return -EIO;
}

int
kfs_fsck (enum kfs_type t, const char *image, char *out, size_t outlen)
{
  const struct kfs_fs_desc *fs = kfs_fs_desc (t);
  const char *argv[KFS_FSCK_ARGS_MAX + 3];
  char tool[256], text[512], st[48];
  struct kfs_str s;
  struct stat sb;
  char said[16384];              /* the tool's words, cut */
  int status = 0, ret, fd, n = 0;

  if (fs == NULL)
    return kfs_err (out, outlen, -EINVAL, "fsck: file system type %d out of "
                    "range", (int) t);
  fd = open (image, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &sb) < 0) {
    ret = -errno;
    if (fd >= 0)
      close (fd);
    return kfs_err (out, outlen, ret, "fsck: %s: %s", image, strerror (-ret));
  }
  close (fd);
  if (!S_ISREG (sb.st_mode) && !S_ISBLK (sb.st_mode))
    return kfs_err (out, outlen, -EINVAL, "fsck: %s: not a file or a block "
                    "device", image);
  if (kfs_which (fs->fsck, tool, sizeof tool) < 0)
    return kfs_err (out, outlen, -ENOENT, "fsck: %s not found (package %s)",
                    fs->fsck, fs->pkg);
  argv[n++] = tool;
  for (size_t i = 0; i < KFS_FSCK_ARGS_MAX && fs->fsck_args[i]; i++)
    argv[n++] = fs->fsck_args[i];
  argv[n++] = image;
  argv[n] = NULL;
  kfs_argv_text (argv, text, sizeof text);
  ret = kfs_run (argv, NULL, said, sizeof said, &status);
  if (ret)
    return kfs_err (out, outlen, ret, "%s: cannot run: %s", text,
                    strerror (-ret));
  ret = fsck_verdict (t, status);
  /* Read-only checkers do not replay the journal: on an image that
   * needs it their verdict means nothing. */
  if (strstr (said, "valuable metadata changes in a log")
      || strstr (said, "skipping journal recovery"))
    ret = -EUCLEAN;
  kfs_str_init (&s, out, outlen);
  if (ret != 0) {
    kfs_status_text (status, st, sizeof st);
    kfs_str_add (&s, "%s: %s:\n%s", text, st, said);
  }
  return ret;
}
