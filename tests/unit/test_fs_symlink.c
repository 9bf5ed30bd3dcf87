/* test_fs_symlink: symlink, readlink and mknod as Linux 4.10's ext4_symlink
 * and ext4_mknod do them: fast and slow symlinks, what a crash keeps of
 * them, the no-follow path walk, special files and their device numbers,
 * and fsck clean on every image.  One behaviour per test. */
#include "fs_testlib.h"

#define DEV_SIZE (64ull << 20)

static const char *const modes[] = {
  "data=ordered", "data=writeback", "data=journal", "nojournal",
};
#define NMODES (sizeof modes / sizeof modes[0])

/* A target of len bytes, no NUL inside, distinct per seed. */
static void
make_target (char *buf, size_t len, unsigned seed)
{
  for (size_t i = 0; i < len; i++)
    buf[i] = (char) ('a' + (i * 7 + seed) % 26);
  buf[len] = '\0';
  if (len > 0)
    buf[0] = '/';
}

static void
check_link (struct fpfs *fs, const char *path, const char *target)
{
  char got[FPFS_BLOCK_SIZE];
  size_t len = strlen (target);
  struct fpfs_stat st;
  ssize_t n = fpfs_readlink (fs, path, got, sizeof got);

  if (n != (ssize_t) len || memcmp (got, target, len) != 0) {
    fprintf (stderr, "%s: readlink %zd, want %zu\n", path, n, len);
    assert (0);
  }
  CHECK0 (fpfs_stat (fs, path, &st));
  assert (st.mode == (0120000 | 0777));
  assert (st.size == len);
  assert (st.nlink == 1);
  /* fast: no blocks; slow: one block of 8 sectors */
  assert (st.blocks == (len < 60 ? 0 : 8));
}

static void
fsck_clean (struct fpfs_bdev *bd)
{
  struct fpfs_fsck_report r;
  char err[256] = "";
  int ret = fpfs_fsck (bd, &r, err, sizeof err);

  if (ret < 0 || r.errors)
    fprintf (stderr, "fsck: %d %s: %u errors\n%s", ret, err, r.errors,
             r.text);
  assert (ret == 0 && r.errors == 0);
}

/* Mount the state after op p of bd's record, on a fresh device. */
static struct fpfs *
mount_state (struct fpfs_bdev *bd, size_t p, const char *opts,
             struct fpfs_bdev **dev)
{
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, dev));
  shim_apply (bd, 0, p, *dev);
  return tfs_mount (*dev, opts, NULL);
}

static void
test_fast_and_slow_create_readlink_stat (void)
{
  static const size_t lens[] = { 1, 59, 60, 61, 200, 4095 };
  char target[FPFS_BLOCK_SIZE], path[32];

  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
      snprintf (path, sizeof path, "/l%zu", i);
      make_target (target, lens[i], (unsigned) i);
      CHECK0 (fpfs_symlink (fs, target, path));
      check_link (fs, path, target);
    }
    CHECK0 (fpfs_umount (fs));
    fsck_clean (bd);
    fs = tfs_mount (bd, modes[m], NULL);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
      snprintf (path, sizeof path, "/l%zu", i);
      make_target (target, lens[i], (unsigned) i);
      check_link (fs, path, target);
    }
    CHECK0 (fpfs_umount (fs));
    fpfs_bdev_close (bd);
  }
  printf ("ok fast_and_slow_create_readlink_stat\n");
}

static void
test_readlink_truncates_to_len (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  char target[200], got[8];

  make_target (target, 100, 3);
  CHECK0 (fpfs_symlink (fs, target, "/l"));
  assert (fpfs_readlink (fs, "/l", got, 5) == 5);
  assert (memcmp (got, target, 5) == 0);
  assert (fpfs_readlink (fs, "/l", got, 0) == -EINVAL);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  printf ("ok readlink_truncates_to_len\n");
}

static int
type_cb (void *ctx, const struct fpfs_dirent *de)
{
  uint8_t *types = ctx;
  types[de->name[0] - 'a'] = de->type;
  return 0;
}

static void
test_errors_and_no_follow (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  char big[FPFS_BLOCK_SIZE + 1], got[16];
  uint8_t types[26] = { 0 };
  int fd;

  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  CHECK0 (fpfs_symlink (fs, "/d", "/a"));
  assert (fpfs_symlink (fs, "/x", "/a") == -EEXIST);
  assert (fpfs_symlink (fs, "/x", "/d") == -EEXIST);
  assert (fpfs_symlink (fs, "/x", "/nodir/l") == -ENOENT);
  assert (fpfs_symlink (fs, "", "/e") == -ENOENT);
  make_target (big, FPFS_BLOCK_SIZE, 1);          /* 4096 bytes: too long */
  assert (fpfs_symlink (fs, big, "/e") == -ENAMETOOLONG);
  big[FPFS_BLOCK_SIZE - 1] = '\0';                /* 4095: the longest */
  CHECK0 (fpfs_symlink (fs, big, "/e"));
  /* The walk does not follow: the link is not a directory. */
  assert (fpfs_symlink (fs, "/x", "/a/l") == -ENOTDIR);
  assert (fpfs_open (fs, "/a", O_RDONLY, 0) == -ELOOP);
  assert (fpfs_open (fs, "/a", O_CREAT | O_WRONLY, 0644) == -ELOOP);
  assert (fpfs_open (fs, "/a", O_CREAT | O_EXCL | O_WRONLY, 0644) == -EEXIST);
  assert (fpfs_truncate (fs, "/a", 0) == -EINVAL);
  assert (fpfs_truncate (fs, "/e", 10) == -EINVAL);
  assert (fpfs_chmod (fs, "/a", 0600) == -EOPNOTSUPP);
  assert (fpfs_rmdir (fs, "/a") == -ENOTDIR);
  fd = fpfs_open (fs, "/b", O_CREAT | O_WRONLY, 0644);
  CHECK0 (fpfs_close (fs, fd));
  assert (fpfs_readlink (fs, "/b", got, sizeof got) == -EINVAL);
  assert (fpfs_readlink (fs, "/d", got, sizeof got) == -EINVAL);
  assert (fpfs_readlink (fs, "/none", got, sizeof got) == -ENOENT);
  CHECK0 (fpfs_readdir (fs, "/", type_cb, types));
  assert (types['a' - 'a'] == 10 /* DT_LNK */);
  assert (types['b' - 'a'] == 8 /* DT_REG */);
  assert (types['d' - 'a'] == 4 /* DT_DIR */);
  assert (types['e' - 'a'] == 10);
  assert (fpfs_readdir (fs, "/a", type_cb, types) == -ENOTDIR);
  CHECK0 (fpfs_umount (fs));
  fsck_clean (bd);
  fpfs_bdev_close (bd);
  printf ("ok errors_and_no_follow\n");
}

static void
test_rename_and_link_of_a_symlink (void)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  char target[300];
  struct fpfs_stat st;

  make_target (target, 299, 5);
  CHECK0 (fpfs_mkdir (fs, "/d", 0755));
  CHECK0 (fpfs_symlink (fs, target, "/s"));
  CHECK0 (fpfs_symlink (fs, "short", "/f"));
  CHECK0 (fpfs_rename (fs, "/s", "/d/s2"));
  check_link (fs, "/d/s2", target);
  CHECK0 (fpfs_link (fs, "/f", "/d/f2"));
  CHECK0 (fpfs_stat (fs, "/d/f2", &st));
  assert (st.nlink == 2 && st.size == 5);
  CHECK0 (fpfs_unlink (fs, "/f"));
  assert (fpfs_readlink (fs, "/d/f2", target, sizeof target) == 5);
  assert (memcmp (target, "short", 5) == 0);
  CHECK0 (fpfs_umount (fs));
  fsck_clean (bd);
  fpfs_bdev_close (bd);
  printf ("ok rename_and_link_of_a_symlink\n");
}

/* fsync of the parent directory, then a crash: the state at that moment
 * holds both links with their exact targets. */
static void
test_survives_parent_fsync_and_crash (void)
{
  char fast[40], slow[1000];

  make_target (fast, 39, 1);
  make_target (slow, 999, 2);
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    size_t p;
    int fd;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, modes[m], NULL);
    CHECK0 (fpfs_mkdir (fs, "/d", 0755));
    CHECK0 (fpfs_symlink (fs, fast, "/d/fast"));
    CHECK0 (fpfs_symlink (fs, slow, "/d/slow"));
    fd = fpfs_open (fs, "/d", O_RDONLY | O_DIRECTORY, 0);
    CHECK0 (fpfs_fsync (fs, fd));
    p = shim_of (bd)->n;
    CHECK0 (fpfs_close (fs, fd));
    CHECK0 (fpfs_unlink (fs, "/d/fast"));       /* after the fsync: lost */
    fpfs_crash (fs);
    if (strcmp (modes[m], "nojournal") == 0) {
      /* nojournal fsync of a directory writes its blocks and inode
       * (ext4_sync_file: sync_mapping_buffers), not the children's own
       * data: what it keeps is not promised.  Nothing more here. */
      fpfs_bdev_close (bd);
      continue;
    }
    fs = mount_state (bd, p, modes[m], &dev);
    check_link (fs, "/d/fast", fast);
    check_link (fs, "/d/slow", slow);
    CHECK0 (fpfs_umount (fs));
    fsck_clean (dev);
    fpfs_bdev_close (dev);
    fpfs_bdev_close (bd);
  }
  printf ("ok survives_parent_fsync_and_crash\n");
}

/* sync, then a crash: in every mode, nojournal included, both survive. */
static void
test_survives_sync_and_crash (void)
{
  char fast[20], slow[3000];

  make_target (fast, 19, 7);
  make_target (slow, 2999, 8);
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    size_t p;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, modes[m], NULL);
    CHECK0 (fpfs_symlink (fs, fast, "/fast"));
    CHECK0 (fpfs_symlink (fs, slow, "/slow"));
    CHECK0 (fpfs_sync (fs));
    p = shim_of (bd)->n;
    fpfs_crash (fs);
    fs = mount_state (bd, p, modes[m], &dev);
    check_link (fs, "/fast", fast);
    check_link (fs, "/slow", slow);
    CHECK0 (fpfs_umount (fs));
    fsck_clean (dev);
    fpfs_bdev_close (dev);
    fpfs_bdev_close (bd);
  }
  printf ("ok survives_sync_and_crash\n");
}

/* Every crash state of a slow symlink's creation mounts, is fsck-clean
 * after recovery, and has the link whole or not at all (journal modes). */
static void
test_slow_create_crash_states_are_whole_or_absent (void)
{
  char slow[500], got[600];

  make_target (slow, 499, 4);
  for (size_t m = 0; m < 3; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    size_t from, to, whole = 0;
    int fd;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, modes[m], NULL);
    CHECK0 (fpfs_sync (fs));
    from = shim_of (bd)->n;
    CHECK0 (fpfs_symlink (fs, slow, "/s"));
    fd = fpfs_open (fs, "/", O_RDONLY, 0);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
    CHECK0 (fpfs_umount (fs));
    to = shim_of (bd)->n;
    for (size_t p = from; p <= to; p++) {
      ssize_t n;
      fs = mount_state (bd, p, modes[m], &dev);
      n = fpfs_readlink (fs, "/s", got, sizeof got);
      assert (n == -ENOENT || (n == 499 && memcmp (got, slow, 499) == 0));
      whole += n == 499;
      CHECK0 (fpfs_umount (fs));
      fsck_clean (dev);
      fpfs_bdev_close (dev);
    }
    assert (whole > 0);
    fpfs_bdev_close (bd);
  }
  printf ("ok slow_create_crash_states_are_whole_or_absent\n");
}

static void
test_unlink_frees_block_and_inode (void)
{
  char slow[2000];

  make_target (slow, 1999, 9);
  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    struct fpfs_info a, b, c;

    CHECK0 (fpfs_sync (fs));
    fpfs_get_info (fs, &a);
    CHECK0 (fpfs_symlink (fs, slow, "/s"));
    CHECK0 (fpfs_symlink (fs, "fast", "/f"));
    CHECK0 (fpfs_sync (fs));
    fpfs_get_info (fs, &b);
    assert (b.free_inodes == a.free_inodes - 2);
    assert (b.free_blocks == a.free_blocks - 1);   /* the slow one's block */
    CHECK0 (fpfs_unlink (fs, "/s"));
    CHECK0 (fpfs_unlink (fs, "/f"));
    CHECK0 (fpfs_sync (fs));
    fpfs_get_info (fs, &c);
    assert (c.free_inodes == a.free_inodes);
    assert (c.free_blocks == a.free_blocks);
    assert (fpfs_readlink (fs, "/s", slow, sizeof slow) == -ENOENT);
    CHECK0 (fpfs_umount (fs));
    fsck_clean (bd);
    fpfs_bdev_close (bd);
  }
  printf ("ok unlink_frees_block_and_inode\n");
}

/* Enough names to need several directory blocks, in every mode: the
 * handles' credits cover a directory that grows. */
static void
test_many_in_one_directory (void)
{
  char target[200], path[64];

  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    CHECK0 (fpfs_mkdir (fs, "/d", 0755));
    for (unsigned i = 0; i < 600; i++) {
      snprintf (path, sizeof path, "/d/entry-with-a-longish-name-%u", i);
      make_target (target, i % 3 == 0 ? 150 : 20, i);
      if (i % 5 == 4)
        CHECK0 (fpfs_mknod (fs, path, 0010644, 0));
      else
        CHECK0 (fpfs_symlink (fs, target, path));
    }
    CHECK0 (fpfs_umount (fs));
    fsck_clean (bd);
    fs = tfs_mount (bd, modes[m], NULL);
    for (unsigned i = 0; i < 600; i += 7) {
      snprintf (path, sizeof path, "/d/entry-with-a-longish-name-%u", i);
      make_target (target, i % 3 == 0 ? 150 : 20, i);
      if (i % 5 != 4)
        check_link (fs, path, target);
    }
    CHECK0 (fpfs_umount (fs));
    fpfs_bdev_close (bd);
  }
  printf ("ok many_in_one_directory\n");
}

/* Out of inodes, then out of blocks: ENOSPC, and nothing leaks (a slow
 * symlink whose block cannot be had leaves no orphan behind). */
static void
test_enospc_leaks_nothing (void)
{
  struct fpfs_mkfs_opts mo = { .deterministic = true, .seed = 1,
                               .inodes = 32 };
  struct fpfs_bdev *bd = shim_new (4u << 20);
  struct fpfs_info a, b;
  char err[128], target[300], path[32];
  static uint8_t buf[1 << 16];
  struct fpfs *fs;
  unsigned i;
  int ret = 0, fd;

  CHECK0 (fpfs_mkfs (bd, &mo, err, sizeof err));
  fs = tfs_mount (bd, "", NULL);
  for (i = 0; i < 100 && ret == 0; i++) {
    snprintf (path, sizeof path, "/l%u", i);
    ret = fpfs_symlink (fs, "t", path);
  }
  assert (ret == -ENOSPC && i > 5);
  assert (fpfs_mknod (fs, "/n", 0010644, 0) == -ENOSPC);
  for (unsigned k = 0; k < 4; k++) {         /* free a few inodes */
    snprintf (path, sizeof path, "/l%u", k);
    CHECK0 (fpfs_unlink (fs, path));
  }
  fd = fpfs_open (fs, "/fill", O_CREAT | O_WRONLY, 0644);
  assert (fd >= 0);
  for (uint64_t off = 0;; off += sizeof buf)
    if (fpfs_pwrite (fs, fd, buf, sizeof buf, off) != (ssize_t) sizeof buf)
      break;
  CHECK0 (fpfs_fsync (fs, fd));
  while (fpfs_pwrite (fs, fd, buf, 4096, 1ull << 30) == 4096)
    CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_sync (fs));
  fpfs_get_info (fs, &a);
  make_target (target, 299, 1);
  assert (fpfs_symlink (fs, target, "/slow") == -ENOSPC);
  CHECK0 (fpfs_symlink (fs, "fast-still-fits", "/fast"));  /* no block */
  CHECK0 (fpfs_sync (fs));
  fpfs_get_info (fs, &b);
  assert (b.free_inodes == a.free_inodes - 1);
  assert (fpfs_readlink (fs, "/slow", target, sizeof target) == -ENOENT);
  CHECK0 (fpfs_umount (fs));
  fsck_clean (bd);
  fpfs_bdev_close (bd);
  printf ("ok enospc_leaks_nothing\n");
}

/* glibc's makedev */
static uint64_t
mkdev (uint64_t ma, uint64_t mi)
{
  return ((ma & 0xfffff000u) << 32) | ((ma & 0xfffu) << 8)
    | ((mi & 0xffffff00u) << 12) | (mi & 0xffu);
}

static void
test_mknod_types_and_rdev_roundtrip (void)
{
  static const struct { const char *path; uint32_t mode; uint64_t dev;
                        uint8_t dt; } n[] = {
    { "/a", 0010644, 0, 1 },                       /* FIFO, DT_FIFO */
    { "/b", 0020600, 0, 2 },                       /* char 1:3 below */
    { "/c", 0060660, 0, 6 },                       /* block 8:1 below */
    { "/d", 0140755, 0, 12 },                      /* socket */
    { "/e", 0020600, 0, 2 },                       /* char, new encoding */
    { "/f", 0100600, 0, 8 },                       /* S_IFREG: a file */
    { "/g", 0000600, 0, 8 },                       /* no type: a file */
  };
  uint64_t devs[7] = { 0, mkdev (1, 3), mkdev (8, 1), 0, mkdev (300, 70000),
                       0, 0 };

  for (size_t m = 0; m < NMODES; m++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, modes[m], NULL);
    uint8_t types[26] = { 0 };

    for (int round = 0; round < 2; round++) {
      for (size_t i = 0; i < 7; i++) {
        struct fpfs_stat st;
        if (round == 0)
          CHECK0 (fpfs_mknod (fs, n[i].path, n[i].mode, devs[i]));
        CHECK0 (fpfs_stat (fs, n[i].path, &st));
        assert (st.mode == ((n[i].mode & 0170000 ? n[i].mode : n[i].mode | 0100000)));
        assert (st.rdev == devs[i] && st.size == 0 && st.blocks == 0);
        assert (st.nlink == 1);
      }
      CHECK0 (fpfs_readdir (fs, "/", type_cb, types));
      for (size_t i = 0; i < 7; i++)
        assert (types[n[i].path[1] - 'a'] == n[i].dt);
      assert (fpfs_open (fs, "/a", O_RDONLY, 0) == -ENXIO);
      assert (fpfs_open (fs, "/c", O_RDWR, 0) == -ENXIO);
      CHECK0 (fpfs_umount (fs));
      fsck_clean (bd);
      fs = tfs_mount (bd, modes[m], NULL);
    }
    assert (fpfs_mknod (fs, "/a", 0010644, 0) == -EEXIST);
    assert (fpfs_mknod (fs, "/z", 0040755, 0) == -EPERM);
    assert (fpfs_mknod (fs, "/z", 0170755, 0) == -EINVAL);
    assert (fpfs_mknod (fs, "/z", 0020600, 1ull << 40) == -EINVAL);
    assert (fpfs_mknod (fs, "/no/z", 0010600, 0) == -ENOENT);
    CHECK0 (fpfs_rename (fs, "/b", "/bb"));
    CHECK0 (fpfs_unlink (fs, "/a"));
    CHECK0 (fpfs_unlink (fs, "/c"));
    CHECK0 (fpfs_umount (fs));
    fsck_clean (bd);
    fpfs_bdev_close (bd);
  }
  printf ("ok mknod_types_and_rdev_roundtrip\n");
}

/* The bug switch slow-symlink-unjournaled: after the commit that links the
 * name (fsync of the directory), a crash shows the link with a target
 * that never reached the disk; without the switch, the exact target. */
static void
test_bug_slow_symlink_unjournaled (void)
{
  char slow[700], got[800];

  make_target (slow, 699, 6);
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=slow-symlink-unjournaled" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    struct fpfs_stat st;
    ssize_t n;
    size_t p;
    int fd;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, opts, NULL);
    CHECK0 (fpfs_symlink (fs, slow, "/s"));
    assert (fpfs_readlink (fs, "/s", got, sizeof got) == 699);  /* in memory */
    fd = fpfs_open (fs, "/", O_RDONLY, 0);
    CHECK0 (fpfs_fsync (fs, fd));
    p = shim_of (bd)->n;
    CHECK0 (fpfs_close (fs, fd));
    fpfs_crash (fs);
    fs = mount_state (bd, p, "", &dev);
    CHECK0 (fpfs_stat (fs, "/s", &st));       /* the name is there */
    assert (st.size == 699);
    n = fpfs_readlink (fs, "/s", got, sizeof got);
    if (bug)
      assert (n != 699 || memcmp (got, slow, 699) != 0);
    else
      assert (n == 699 && memcmp (got, slow, 699) == 0);
    fpfs_crash (fs);
    fpfs_bdev_close (dev);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug slow-symlink-unjournaled\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_fast_and_slow_create_readlink_stat ();
  test_readlink_truncates_to_len ();
  test_errors_and_no_follow ();
  test_rename_and_link_of_a_symlink ();
  test_survives_parent_fsync_and_crash ();
  test_survives_sync_and_crash ();
  test_slow_create_crash_states_are_whole_or_absent ();
  test_unlink_frees_block_and_inode ();
  test_many_in_one_directory ();
  test_enospc_leaks_nothing ();
  test_mknod_types_and_rdev_roundtrip ();
  test_bug_slow_symlink_unjournaled ();
  return 0;
}
