/* test_fs_xattr: extended attributes (engine/ext4/xattr.c, vfs/xattr.c),
 * one behaviour per test: in-inode set/get/list/remove, a value that only
 * the block holds, many attributes spilling to the block, the flag and
 * size errors, namespaces, the block freed when emptied and at unlink,
 * and the on-disk layout (magic, hashes, i_blocks). */
#include "fs_testlib.h"
#include "ext4.h"

#define DEV_SIZE (32ull << 20)

static struct fpfs_bdev *bd;

static struct fpfs *
fresh (const char *opts)
{
  bd = shim_new (DEV_SIZE);
  return tfs_mkfs_mount (bd, opts, NULL);
}

static void
done (struct fpfs *fs)
{
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
}

static struct fs_inode *
inode_of (struct fpfs *fs, const char *path)
{
  struct fs_inode *inode;

  CHECK0 (ext4_lookup_path (fs, path, &inode));
  iput (inode);                 /* still cached: the file is open or linked */
  return inode;
}

static void
touch (struct fpfs *fs, const char *path)
{
  int fd = fpfs_open (fs, path, O_CREAT | O_RDWR, 0644);
  CHECK (fd);
  CHECK0 (fpfs_close (fs, fd));
}

static void
test_inode_set_get_list_remove (void)
{
  struct fpfs *fs = fresh ("");
  char buf[256];
  struct fpfs_stat a, b;

  touch (fs, "/f");
  CHECK0 (fpfs_stat (fs, "/f", &a));
  CHECK0 (fpfs_setxattr (fs, "/f", "user.a", "hello", 5, 0));
  CHECK0 (fpfs_setxattr (fs, "/f", "trusted.b", "", 0, 0));
  assert (inode_of (fs, "/f")->i_file_acl == 0);           /* in the inode */
  assert (inode_of (fs, "/f")->i_ext4_state & EXT4_STATE_XATTR);
  CHECK0 (fpfs_stat (fs, "/f", &b));
  assert (b.ctime.sec > a.ctime.sec
          || (b.ctime.sec == a.ctime.sec && b.ctime.nsec > a.ctime.nsec));
  assert (fpfs_getxattr (fs, "/f", "user.a", NULL, 0) == 5);
  assert (fpfs_getxattr (fs, "/f", "user.a", buf, sizeof buf) == 5);
  assert (memcmp (buf, "hello", 5) == 0);
  assert (fpfs_getxattr (fs, "/f", "trusted.b", buf, sizeof buf) == 0);
  assert (fpfs_getxattr (fs, "/f", "user.c", buf, sizeof buf) == -ENODATA);
  /* Insertion order in the inode. */
  assert (fpfs_listxattr (fs, "/f", NULL, 0) == 17);
  assert (fpfs_listxattr (fs, "/f", buf, sizeof buf) == 17);
  assert (memcmp (buf, "user.a\0trusted.b\0", 17) == 0);
  assert (fpfs_listxattr (fs, "/f", buf, 10) == -ERANGE);
  /* Replace with another size, then remove both. */
  CHECK0 (fpfs_setxattr (fs, "/f", "user.a", "hi", 2, 0));
  assert (fpfs_getxattr (fs, "/f", "user.a", buf, sizeof buf) == 2);
  assert (memcmp (buf, "hi", 2) == 0);
  CHECK0 (fpfs_removexattr (fs, "/f", "user.a"));
  assert (fpfs_getxattr (fs, "/f", "user.a", buf, sizeof buf) == -ENODATA);
  assert (fpfs_removexattr (fs, "/f", "user.a") == -ENODATA);
  CHECK0 (fpfs_removexattr (fs, "/f", "trusted.b"));
  assert (fpfs_listxattr (fs, "/f", buf, sizeof buf) == 0);
  assert (!(inode_of (fs, "/f")->i_ext4_state & EXT4_STATE_XATTR));
  done (fs);
  printf ("ok inode set/get/list/remove\n");
}

static void
test_persist_umount (void)
{
  struct fpfs *fs = fresh ("");
  uint8_t big[3000], out[3000];
  char buf[64];

  tfs_pattern (big, sizeof big, 7);
  touch (fs, "/f");
  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  CHECK0 (fpfs_setxattr (fs, "/f", "user.small", "v", 1, 0));
  CHECK0 (fpfs_setxattr (fs, "/f", "security.big", big, sizeof big, 0));
  CHECK0 (fpfs_setxattr (fs, "/d", "user.dir", "x", 1, 0));
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, "", NULL);
  assert (fpfs_getxattr (fs, "/f", "user.small", buf, sizeof buf) == 1);
  assert (fpfs_getxattr (fs, "/f", "security.big", out, sizeof out)
          == (ssize_t) sizeof big);
  assert (memcmp (out, big, sizeof big) == 0);
  assert (fpfs_getxattr (fs, "/d", "user.dir", buf, sizeof buf) == 1);
  done (fs);
  printf ("ok persist across umount\n");
}

static void
test_big_value_goes_to_block (void)
{
  struct fpfs *fs = fresh ("");
  uint8_t big[FPFS_XATTR_SIZE_MAX], out[FPFS_XATTR_SIZE_MAX];
  struct fpfs_stat st;
  struct fpfs_info a, b;
  struct fs_inode *inode;

  tfs_pattern (big, sizeof big, 1);
  touch (fs, "/f");
  fpfs_get_info (fs, &a);
  CHECK0 (fpfs_setxattr (fs, "/f", "user.big", big, sizeof big, 0));
  fpfs_get_info (fs, &b);
  assert (a.free_blocks - b.free_blocks == 1);
  inode = inode_of (fs, "/f");
  assert (inode->i_file_acl != 0);
  assert (!(inode->i_ext4_state & EXT4_STATE_XATTR));
  CHECK0 (fpfs_stat (fs, "/f", &st));
  assert (st.blocks == 8);                          /* counted in i_blocks */
  assert (fpfs_getxattr (fs, "/f", "user.big", out, sizeof out)
          == (ssize_t) sizeof big);
  assert (memcmp (out, big, sizeof big) == 0);
  assert (fpfs_getxattr (fs, "/f", "user.big", out, 100) == -ERANGE);
  /* A small value for the same name moves it into the inode and frees
   * the emptied block. */
  CHECK0 (fpfs_setxattr (fs, "/f", "user.big", "s", 1, 0));
  assert (inode->i_file_acl == 0);
  CHECK0 (fpfs_stat (fs, "/f", &st));
  assert (st.blocks == 0);
  assert (fpfs_getxattr (fs, "/f", "user.big", out, sizeof out) == 1);
  /* Too big for the block: ENOSPC, as ext4 without ea_inode; over 64 KiB:
   * the VFS's E2BIG. */
  {
    static uint8_t huge[70000];
    assert (fpfs_setxattr (fs, "/f", "user.h", huge, 4090, 0) == -ENOSPC);
    assert (fpfs_setxattr (fs, "/f", "user.h", huge, sizeof huge, 0)
            == -E2BIG);
  }
  done (fs);
  printf ("ok big value goes to the block\n");
}

/* The block's entries are sorted and hashed as ext4 keeps them. */
static void
check_block_layout (struct fpfs *fs, uint64_t blk)
{
  struct buf *b;
  const uint8_t *d, *e, *prev = NULL;

  CHECK0 (buf_read (fs->s_bc, blk, &b));
  d = b->b_data;
  assert (get_le32 (d + XH_MAGIC) == XATTR_MAGIC);
  assert (get_le32 (d + XH_REFCOUNT) == 1 && get_le32 (d + XH_BLOCKS) == 1);
  for (e = d + XATTR_BLOCK_HDR; !xattr_is_last (e); e = xattr_next (e)) {
    assert (get_le32 (e + XE_HASH) == xattr_hash_entry (e, d));
    if (prev) {
      int cmp = prev[XE_NAME_INDEX] - e[XE_NAME_INDEX];
      if (!cmp)
        cmp = prev[XE_NAME_LEN] - e[XE_NAME_LEN];
      if (!cmp)
        cmp = memcmp (prev + XE_NAME, e + XE_NAME, e[XE_NAME_LEN]);
      assert (cmp < 0);
    }
    prev = e;
  }
  assert (get_le32 (d + XH_HASH) == xattr_block_hash (d + XATTR_BLOCK_HDR));
  assert (get_le32 (d + XH_HASH) != 0);
  buf_put (b);
}

static void
test_many_spill_to_block (void)
{
  struct fpfs *fs = fresh ("");
  char name[32], val[32], buf[4096];
  struct fs_inode *inode;
  ssize_t n;

  touch (fs, "/f");
  inode = inode_of (fs, "/f");
  for (int i = 0; i < 40; i++) {
    snprintf (name, sizeof name, "user.k%02d", (i * 7) % 40);
    snprintf (val, sizeof val, "value-%d", i);
    CHECK0 (fpfs_setxattr (fs, "/f", name, val, strlen (val), 0));
    if (i == 0)
      assert (inode->i_file_acl == 0);
  }
  /* The first ones filled the inode, the rest went to the block. */
  assert (inode->i_ext4_state & EXT4_STATE_XATTR);
  assert (inode->i_file_acl != 0);
  check_block_layout (fs, inode->i_file_acl);
  n = fpfs_listxattr (fs, "/f", buf, sizeof buf);
  assert (n == 40 * 9);
  for (int i = 0; i < 40; i++) {
    snprintf (name, sizeof name, "user.k%02d", (i * 7) % 40);
    snprintf (val, sizeof val, "value-%d", i);
    assert (fpfs_getxattr (fs, "/f", name, buf, sizeof buf)
            == (ssize_t) strlen (val));
    assert (memcmp (buf, val, strlen (val)) == 0);
  }
  /* Removing them all frees the block. */
  for (int i = 0; i < 40; i++) {
    snprintf (name, sizeof name, "user.k%02d", i);
    CHECK0 (fpfs_removexattr (fs, "/f", name));
  }
  assert (inode->i_file_acl == 0);
  assert (fpfs_listxattr (fs, "/f", buf, sizeof buf) == 0);
  done (fs);
  printf ("ok many attributes spill to the block\n");
}

static void
test_flag_and_name_errors (void)
{
  struct fpfs *fs = fresh ("");
  char longname[300], buf[8];

  touch (fs, "/f");
  assert (fpfs_setxattr (fs, "/f", "user.a", "1", 1, FPFS_XATTR_REPLACE)
          == -ENODATA);
  CHECK0 (fpfs_setxattr (fs, "/f", "user.a", "1", 1, FPFS_XATTR_CREATE));
  assert (fpfs_setxattr (fs, "/f", "user.a", "2", 1, FPFS_XATTR_CREATE)
          == -EEXIST);
  CHECK0 (fpfs_setxattr (fs, "/f", "user.a", "3", 1, FPFS_XATTR_REPLACE));
  assert (fpfs_getxattr (fs, "/f", "user.a", buf, sizeof buf) == 1
          && buf[0] == '3');
  assert (fpfs_setxattr (fs, "/f", "user.a", "1", 1, 4) == -EINVAL);
  memset (longname, 'n', sizeof longname);
  memcpy (longname, "user.", 5);
  longname[256] = '\0';
  assert (fpfs_setxattr (fs, "/f", longname, "1", 1, 0) == -ERANGE);
  assert (fpfs_getxattr (fs, "/f", longname, buf, sizeof buf) == -ERANGE);
  longname[255] = '\0';                          /* 255 bytes: allowed */
  CHECK0 (fpfs_setxattr (fs, "/f", longname, "1", 1, 0));
  assert (fpfs_getxattr (fs, "/f", longname, buf, sizeof buf) == 1);
  assert (fpfs_setxattr (fs, "/f", "", "1", 1, 0) == -ERANGE);
  assert (fpfs_setxattr (fs, "/f", "user.", "1", 1, 0) == -EINVAL);
  assert (fpfs_setxattr (fs, "/f", "system.posix_acl_access", "1", 1, 0)
          == -EOPNOTSUPP);
  assert (fpfs_setxattr (fs, "/f", "other.x", "1", 1, 0) == -EOPNOTSUPP);
  assert (fpfs_getxattr (fs, "/f", "other.x", buf, sizeof buf)
          == -EOPNOTSUPP);
  assert (fpfs_setxattr (fs, "/nope", "user.a", "1", 1, 0) == -ENOENT);
  done (fs);
  printf ("ok flag and name errors\n");
}

static void
test_unlink_frees_block (void)
{
  struct fpfs *fs = fresh ("");
  uint8_t big[2000];
  struct fpfs_info a, b, c;

  tfs_pattern (big, sizeof big, 3);
  fpfs_get_info (fs, &a);
  touch (fs, "/f");
  CHECK0 (fpfs_setxattr (fs, "/f", "user.big", big, sizeof big, 0));
  fpfs_get_info (fs, &b);
  assert (a.free_blocks - b.free_blocks == 1);
  CHECK0 (fpfs_unlink (fs, "/f"));
  CHECK0 (fpfs_sync (fs));              /* freed blocks return at commit */
  fpfs_get_info (fs, &c);
  assert (c.free_blocks == a.free_blocks);
  done (fs);
  printf ("ok unlink frees the xattr block\n");
}

static void
test_nojournal (void)
{
  struct fpfs *fs = fresh ("nojournal");
  uint8_t big[2000], out[2000];

  tfs_pattern (big, sizeof big, 4);
  touch (fs, "/f");
  CHECK0 (fpfs_setxattr (fs, "/f", "user.big", big, sizeof big, 0));
  CHECK0 (fpfs_setxattr (fs, "/f", "user.s", "s", 1, 0));
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, "nojournal", NULL);
  assert (fpfs_getxattr (fs, "/f", "user.big", out, sizeof out)
          == (ssize_t) sizeof big);
  assert (memcmp (out, big, sizeof big) == 0);
  CHECK0 (fpfs_unlink (fs, "/f"));
  done (fs);
  printf ("ok nojournal\n");
}

/* nojournal: fsync writes the inode (I_DIRTY_SYNC) and the xattr block
 * (tied to the inode, as mark_buffer_dirty_inode): a power cut right after
 * it keeps both. */
static void
test_nojournal_fsync_persists (void)
{
  struct fpfs *fs = fresh ("nojournal");
  uint8_t big[2000], out[2000];
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  tfs_pattern (big, sizeof big, 9);
  CHECK (fd);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_setxattr (fs, "/f", "user.s", "s", 1, 0));
  CHECK0 (fpfs_setxattr (fs, "/f", "user.big", big, sizeof big, 0));
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_crash (fs);
  fs = tfs_mount (bd, "nojournal", NULL);
  assert (fpfs_getxattr (fs, "/f", "user.s", out, sizeof out) == 1);
  assert (fpfs_getxattr (fs, "/f", "user.big", out, sizeof out)
          == (ssize_t) sizeof big);
  assert (memcmp (out, big, sizeof big) == 0);
  done (fs);
  printf ("ok nojournal fsync persists xattrs\n");
}

/* Commits run by an fsync or fdatasync right after a setxattr (in the
 * inode, or needing a new block): 4.10 moves i_sync_tid only, so fsync
 * commits and fdatasync does not, except under data=journal, where
 * ext4_sync_file always forces a commit. */
static uint64_t
sync_commits (const char *opts, bool block, bool datasync)
{
  struct fpfs *fs = fresh (opts);
  static uint8_t val[3000];
  struct fpfs_info a, b;
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  CHECK (fd);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_setxattr (fs, "/f", "user.v", val, block ? sizeof val : 8, 0));
  fpfs_get_info (fs, &a);
  CHECK0 (datasync ? fpfs_fdatasync (fs, fd) : fpfs_fsync (fs, fd));
  fpfs_get_info (fs, &b);
  CHECK0 (fpfs_close (fs, fd));
  done (fs);
  return b.commits - a.commits;
}

static void
test_fsync_commits_fdatasync_does_not (void)
{
  for (int block = 0; block < 2; block++) {
    assert (sync_commits ("", block, false) == 1);
    assert (sync_commits ("", block, true) == 0);
    assert (sync_commits ("data=writeback", block, true) == 0);
    assert (sync_commits ("data=journal", block, true) == 1);
  }
  printf ("ok fsync commits an xattr change, fdatasync does not\n");
}

int
main (void)
{
  test_inode_set_get_list_remove ();
  test_persist_umount ();
  test_big_value_goes_to_block ();
  test_many_spill_to_block ();
  test_flag_and_name_errors ();
  test_unlink_frees_block ();
  test_nojournal ();
  test_fsync_commits_fdatasync_does_not ();
  test_nojournal_fsync_persists ();
  return 0;
}
