/* fstype: what differs between ext4, xfs and btrfs and is not a mount
 * option: the tools and their packages, the smallest disk mkfs accepts,
 * the commit interval default, what recovery mounts add.
 *
 * Sizes were measured with this machine's tools (e2fsprogs 1.47.0,
 * xfsprogs 6.1.0, btrfs-progs 6.2): mkfs.xfs says "Filesystem must be
 * larger than 300MB" below 314572800 bytes; mkfs.btrfs says "minimum size
 * for each btrfs device is 114294784"; mkfs.ext4 -b 4096 makes no journal
 * below 8 MiB (silently, so we refuse instead).
 */
#include <errno.h>
#include <string.h>

#include "kfs_int.h"

static const struct kfs_fs_desc fs_table[] = {
  [KFS_EXT4] = { "ext4", "mkfs.ext4", "e2fsck", { "-fn" }, "e2fsprogs",
                 8ull << 20, 5, "" },
  /* nouuid: workers mount several crash states of one file system at
   * once, and xfs refuses a second mount of the same uuid. */
  /* xfs_repair -P -o bhash=4096: no prefetch threads, and a buffer
   * cache hash sized for a small image rather than for this machine's
   * memory; 12 ms -> 6 ms a state on a 320 MiB image, same verdicts. */
  [KFS_XFS] = { "xfs", "mkfs.xfs", "xfs_repair",
                { "-n", "-f", "-P", "-o", "bhash=4096" }, "xfsprogs",
                300ull << 20, 0, "nouuid" },
  [KFS_BTRFS] = { "btrfs", "mkfs.btrfs", "btrfs", { "check", "--readonly" },
                  "btrfs-progs",
                  109ull << 20, 30, "" },
};

const struct kfs_fs_desc *
kfs_fs_desc (enum kfs_type t)
{
  if ((unsigned) t >= sizeof fs_table / sizeof fs_table[0])
    return NULL;
  return &fs_table[t];
}

int
kfs_type_parse (const char *name, enum kfs_type *t)
{
  for (size_t i = 0; i < sizeof fs_table / sizeof fs_table[0]; i++)
    if (name && strcmp (name, fs_table[i].name) == 0) {
      *t = (enum kfs_type) i;
      return 0;
    }
  return -EINVAL;
}

const char *
kfs_type_name (enum kfs_type t)
{
  const struct kfs_fs_desc *d = kfs_fs_desc (t);

  return d ? d->name : "?";
}

uint64_t
kfs_min_size (enum kfs_type t)
{
  const struct kfs_fs_desc *d = kfs_fs_desc (t);

  return d ? d->min_size : 0;
}
