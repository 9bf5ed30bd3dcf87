/* test_fs_garbage_ialloc_dup: allocating an inode that the inode bitmap
 * calls free but that is live in the inode cache is corruption, not an
 * assertion.
 *
 * Found by fuzz_mount.  engine/ext4/ialloc.c ext4_new_inode takes the first
 * clear bit (ialloc_claim) and calls ext4_icache_insert, which asserts
 * (engine/ext4/icache.c, `ext4_icache_find (fs, inode->i_ino) == NULL`).
 * With a corrupt inode bitmap (a live, cached inode's bit clear) that
 * assertion aborts the process.  ext4's __ext4_new_inode treats the same
 * case ("failed to insert inode %lu: doubly allocated?") as an ext4_error
 * and fails the call with -EFSCORRUPTED.  Here: /f's bit is cleared on
 * disk, /f is looked up (cached), then mkdir allocates.  Expected: mkdir
 * fails (-EUCLEAN), no abort.  Fixed in ialloc.c (a claimed number found
 * in the inode cache is refused as corruption); this stays as the
 * regression test.
 */
#include "test_fsck_lib.h"

int
main (void)
{
  struct fpfs_bdev *bd;
  struct fpfs_stat st;
  struct fpfs *fs;
  uint32_t ino;
  int fd, ret;

  CHECK (fpfs_bdev_mem_open (16u << 20, 512, &bd));
  fs = tfs_mkfs_mount (bd, "", NULL);
  fk_write_file (fs, "/f", 100, 1);
  ino = (uint32_t) fk_ino (fs, "/f");
  fk_umount (fs);
  fk_inode_bit (bd, ino, false);               /* the corruption */

  fs = tfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/f", O_RDONLY, 0);     /* /f now in the icache */
  CHECK (fd);
  CHECK (fpfs_stat (fs, "/f", &st));
  ret = fpfs_mkdir (fs, "/d", 0755);           /* claims /f's number */
  fprintf (stderr, "mkdir with inode %u doubly allocated: %d\n", ino, ret);
  assert (ret < 0);
  CHECK (fpfs_close (fs, fd));
  fpfs_crash (fs);
  fpfs_bdev_close (bd);
  return 0;
}
