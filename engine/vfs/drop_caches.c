/* drop_caches: echo N > /proc/sys/vm/drop_caches (Linux 4.10
 * fs/drop_caches.c: drop_caches_sysctl_handler).
 *
 * 1: drop_pagecache_sb over the file system's inodes: each mapping's
 *    invalidate_mapping_pages, which frees only pages that are clean and
 *    not under writeback (dirty ones stay and are written as before); and
 *    the same over the block device's own page cache, which is where the
 *    buffer heads live: clean buffers that no one references and the
 *    journal does not hold (try_to_free_buffers' buffer_busy, and jbd2's
 *    reference through the journal head).
 * 2: drop_slab: the inode cache (prune_icache_sb: inodes with no
 *    reference, clean, on no writeback or journal list -- the engine's
 *    ext4_inode_evictable, which also keeps an inode whose last change is
 *    not committed, FIDELITY.md) and the extent status shrinker
 *    (ext4_es_scan: every cached extent but the delayed ones, of the
 *    inodes that stay).
 * 3: both, 1 first as the kernel does.
 *
 * Invariant: nothing is written, nothing changes on disk; what is dropped
 * is re-read from the device when next needed, and reads the same.
 */
#include <errno.h>

#include "vfs.h"

static int
drop_pagecache_sb (struct fpfs *fs)
{
  struct fs_inode **v;
  size_t n;
  int ret = ext4_icache_snapshot (fs, &v, &n);

  if (ret < 0)
    return ret;
  for (size_t k = 0; k < n; k++) {
    /* I_FREEING inodes are skipped, as drop_pagecache_sb does. */
    if (!(v[k]->vfs_inode.i_state & I_FREEING)
        && v[k]->vfs_inode.i_mapping.a_nrpages)
      invalidate_mapping_pages (VFS_I (v[k]), 0, UINT32_MAX);
  }
  ext4_icache_snapshot_put (v, n);
  /* The block device's inode is on the bdev super block's list. */
  buf_invalidate_clean (fs->s_bc);
  return 0;
}

static int
drop_slab (struct fpfs *fs)
{
  struct fs_inode **v;
  size_t n;
  int ret;

  ext4_icache_prune (fs);
  ret = ext4_icache_snapshot (fs, &v, &n);
  if (ret < 0)
    return ret;
  for (size_t k = 0; k < n; k++)
    ext4_es_reclaim (v[k]);
  ext4_icache_snapshot_put (v, n);
  return 0;
}

int
fpfs_drop_caches (struct fpfs *fs, int what)
{
  int ret = 0;

  fs_syscall_enter (fs);
  if (what < 1 || what > 3)
    return -EINVAL;             /* the sysctl's range is 1..4; 4 is quiet */
  if (what & 1)
    ret = drop_pagecache_sb (fs);
  if (ret == 0 && (what & 2))
    ret = drop_slab (fs);
  return ret;
}
