/* test_fs_garbage_sync_ret: sync and umount return 0, not 1.
 *
 * Found by fuzz_mount.  engine/ext4/fsync.c ext4_sync_fs, pass 1 (wait == 0):
 *   ret = jbd_log_start_commit (fs->s_journal, target);
 * jbd_log_start_commit answers 1 when it started a commit (as the kernel's
 * jbd2_log_start_commit); the kernel's ext4_sync_fs uses it as a boolean,
 * the engine returns it.  It travels up through __sync_filesystem and
 * sync_filesystem: fpfs_sync returns 1, and fpfs_umount returns 1 and
 * writes s_state = FS_STATE_ERROR into the superblock of a clean unmount
 * (which fsck then reports).  Fixed in sync.c (the return is taken as a
 * boolean); this stays as the regression test.
 */
#include "fs_testlib.h"
#include "ondisk.h"

int
main (void)
{
  struct fpfs_bdev *bd;
  struct fpfs *fs;
  uint8_t sb[4096];
  int ret;

  CHECK (fpfs_bdev_mem_open (16u << 20, 512, &bd));
  fs = tfs_mkfs_mount (bd, "", NULL);
  CHECK (fpfs_mkdir (fs, "/a", 0755));
  ret = fpfs_sync (fs);
  fprintf (stderr, "fpfs_sync after mkdir: %d (want 0)\n", ret);
  assert (ret == 0);
  CHECK (fpfs_mkdir (fs, "/b", 0755));
  ret = fpfs_umount (fs);
  fprintf (stderr, "fpfs_umount after mkdir: %d (want 0)\n", ret);
  assert (ret == 0);
  CHECK (fpfs_bdev_read (bd, sb, 0, sizeof sb));
  fprintf (stderr, "s_state 0x%04x (want FS_STATE_VALID)\n",
           get_le16 (sb + SB_STATE));
  assert (get_le16 (sb + SB_STATE) == FS_STATE_VALID);
  fpfs_bdev_close (bd);
  return 0;
}
