/* upcall: a "jbd2" object that calls up into ext4 through a hand-written
 * declaration, which no include path stops.  check_layers_catches_upcall
 * feeds it to scripts/check-layers.sh as the jbd2 layer and expects the
 * check to name the call: the link-direction check can fail. */
struct fpfs;
struct fs_inode;
int ext4_iget (struct fpfs *fs, unsigned ino, struct fs_inode **out);
int fp_layering_upcall (struct fpfs *fs);

int
fp_layering_upcall (struct fpfs *fs)
{
  struct fs_inode *inode;

  return ext4_iget (fs, 2, &inode);
}
