/* super: unmount and power cut (fs/super.c generic_shutdown_super).
 *
 * umount: close every open file (as close(2): last-writer preallocation
 * release, auto_da_alloc), sync_filesystem (both passes and the FLUSH),
 * then ext4_put_super (preallocations, journal, the clean superblock),
 * which frees the fs.  A power cut frees the files and the fs and writes
 * nothing.
 */
#include <assert.h>

#include "vfs.h"

int
fpfs_umount (struct fpfs *fs)
{
  int ret = 0;

  if (fs == NULL)
    return 0;
  assert (fs->s_handle.h_ref == 0);
  fs_maps_destroy (fs, !fs->s_ro);   /* their files' last references */
  fs_files_destroy (fs, !fs->s_ro);
  if (!fs->s_ro)
    ret = sync_filesystem (fs);
  return ext4_put_super (fs, ret);
}

void
fpfs_crash (struct fpfs *fs)
{
  if (fs == NULL)
    return;
  fs_maps_destroy (fs, false);
  fs_files_destroy (fs, false);
  ext4_kill_sb (fs);
}
