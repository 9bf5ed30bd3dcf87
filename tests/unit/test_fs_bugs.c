/* test_fs_bugs: each file-system bug switch breaks its one rule, visibly
 * in the device requests or in a crash state, and only when it is set.
 * (The jbd switches are tested in test_jbd_bugs.c.)  Also the bug table
 * and the mount option bug=NAME. */
#include "fs_testlib.h"
#include "ext4.h"

#define DEV_SIZE (64ull << 20)

/* Commits run by one write + sync call pair. */
static uint64_t
commits_of (const char *opts, bool append, bool datasync)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  struct fpfs_info a, b;
  uint8_t buf[4096] = { 1 };
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  for (int i = 0; i < 4; i++)
    assert (fpfs_pwrite (fs, fd, buf, 4096, (uint64_t) i * 4096) == 4096);
  CHECK0 (fpfs_fsync (fs, fd));
  fpfs_get_info (fs, &a);
  assert (fpfs_pwrite (fs, fd, buf, 4096, append ? 4 * 4096 : 4096) == 4096);
  CHECK (datasync ? fpfs_fdatasync (fs, fd) : fpfs_fsync (fs, fd));
  fpfs_get_info (fs, &b);
  CHECK0 (fpfs_close (fs, fd));
  fpfs_crash (fs);
  fpfs_bdev_close (bd);
  return b.commits - a.commits;
}

static void
test_no_datasync_tid (void)
{
  assert (commits_of ("", true, true) == 1);
  assert (commits_of ("bug=no-datasync-tid", true, true) == 0);
  assert (commits_of ("bug=no-datasync-tid", true, false) == 1);
  printf ("ok bug no-datasync-tid\n");
}

static void
test_fsync_skip_time_only (void)
{
  assert (commits_of ("", false, false) == 1);
  assert (commits_of ("bug=fsync-skip-time-only", false, false) == 0);
  assert (commits_of ("bug=fsync-skip-time-only", true, false) == 1);
  printf ("ok bug fsync-skip-time-only\n");
}

/* Mount the state after op p of bd's record. */
static struct fpfs *
mount_state (struct fpfs_bdev *bd, size_t p, const char *opts,
             struct fpfs_bdev **dev)
{
  CHECK (fpfs_bdev_mem_open (DEV_SIZE, 512, dev));
  shim_apply (bd, 0, p, *dev);
  return tfs_mount (*dev, opts, NULL);
}

static void
test_rename_two_tx (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=rename-two-tx" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    struct fpfs_info a, b;
    struct fpfs_stat st;
    size_t from, p, found = 0;
    int fd;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, opts, NULL);
    CHECK0 (fpfs_mkdir (fs, "/d", 0755));
    fd = fpfs_open (fs, "/d/old", O_CREAT | O_RDWR, 0644);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
    fd = fpfs_open (fs, "/new", O_CREAT | O_RDWR, 0644);
    CHECK0 (fpfs_fsync (fs, fd));
    fpfs_get_info (fs, &a);
    from = shim_of (bd)->n;
    CHECK0 (fpfs_rename (fs, "/d/old", "/new"));
    fpfs_get_info (fs, &b);
    assert (b.commits - a.commits == (uint64_t) bug);
    CHECK0 (fpfs_fsync (fs, fd));
    fpfs_crash (fs);
    /* Every state from the rename on has one of the two names. */
    for (p = from; p <= shim_of (bd)->n; p++) {
      bool has_old, has_new;
      fs = mount_state (bd, p, "", &dev);
      has_old = fpfs_stat (fs, "/d/old", &st) == 0;
      has_new = fpfs_stat (fs, "/new", &st) == 0;
      if (!has_old && !has_new)
        found++;
      fpfs_crash (fs);
      fpfs_bdev_close (dev);
    }
    assert (bug ? found > 0 : found == 0);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug rename-two-tx\n");
}

static void
test_nojournal_no_parent_sync (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "nojournal,bug=nojournal-no-parent-sync"
      : "nojournal";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    struct fpfs_stat st;
    uint8_t buf[4096] = { 7 };
    int fd;

    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, opts, NULL);
    CHECK0 (fpfs_mkdir (fs, "/d", 0755));
    CHECK0 (fpfs_sync (fs));
    fd = fpfs_open (fs, "/d/f", O_CREAT | O_RDWR, 0644);
    assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
    CHECK0 (fpfs_fsync (fs, fd));
    {
      size_t p = shim_of (bd)->n;
      fpfs_crash (fs);
      fs = mount_state (bd, p, "nojournal", &dev);
    }
    assert ((fpfs_stat (fs, "/d/f", &st) == 0) == !bug);
    fpfs_crash (fs);
    fpfs_bdev_close (dev);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug nojournal-no-parent-sync\n");
}

static void
test_no_ordered_data (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=no-ordered-data" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct shim_dev *sd = shim_of (bd);
    struct fpfs *fs;
    uint8_t buf[4096], got[4096];
    size_t from, data_at = 0, commit_at = 0;
    int fd;

    sd->record_data = true;
    fs = tfs_mkfs_mount (bd, opts, NULL);
    fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
    CHECK0 (fpfs_fsync (fs, fd));
    tfs_pattern (buf, sizeof buf, 11);
    from = sd->n;
    assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
    CHECK0 (fpfs_fsync (fs, fd));
    for (size_t i = from; i < sd->n; i++) {
      struct shim_op *op = &sd->ops[i];
      if (op->type != SHIM_WRITE)
        continue;
      if (op->off / 4096 >= fs->s_geo.first_data_block && data_at == 0)
        data_at = i;
      if ((op->flags & FPFS_BDEV_FUA) && op->off / 4096 > 1
          && op->off / 4096 <= fs->s_geo.journal_blocks && commit_at == 0)
        commit_at = i;
    }
    assert (data_at && commit_at);
    assert (bug ? data_at > commit_at : data_at < commit_at);
    fpfs_crash (fs);
    /* Power cut right after the commit block: the size is there; the data
     * only without the bug. */
    fs = mount_state (bd, commit_at + 1, "", &dev);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);
    assert ((memcmp (got, buf, 4096) == 0) == !bug);
    fpfs_crash (fs);
    fpfs_bdev_close (dev);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug no-ordered-data (fs side)\n");
}

/* A value only the xattr block holds, set and fsynced: every crash state
 * from the setxattr on reads the value or no attribute (ENODATA); with the
 * switch some state has the inode pointing at a block that was never
 * written (getxattr fails: -EUCLEAN). */
static void
test_xattr_block_two_tx (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=xattr-block-two-tx" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE), *dev;
    struct fpfs *fs;
    struct fpfs_info a, b;
    static uint8_t val[3000], out[3000];
    size_t from, p, corrupt = 0, held = 0;
    int fd;

    tfs_pattern (val, sizeof val, 13);
    shim_of (bd)->record_data = true;
    fs = tfs_mkfs_mount (bd, opts, NULL);
    fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
    CHECK0 (fpfs_fsync (fs, fd));
    fpfs_get_info (fs, &a);
    from = shim_of (bd)->n;
    CHECK0 (fpfs_setxattr (fs, "/f", "user.v", val, sizeof val, 0));
    fpfs_get_info (fs, &b);
    assert (b.commits - a.commits == (uint64_t) bug);
    CHECK0 (fpfs_fsync (fs, fd));
    fpfs_crash (fs);
    for (p = from; p <= shim_of (bd)->n; p++) {
      ssize_t n;
      fs = mount_state (bd, p, "", &dev);
      n = fpfs_getxattr (fs, "/f", "user.v", out, sizeof out);
      if (n == (ssize_t) sizeof val) {
        assert (memcmp (out, val, sizeof val) == 0);
        held++;
      } else if (n != -ENODATA) {
        assert (n == -EUCLEAN);
        corrupt++;
      }
      fpfs_crash (fs);
      fpfs_bdev_close (dev);
    }
    assert (held > 0);                  /* the last state has it */
    assert (bug ? corrupt > 0 : corrupt == 0);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug xattr-block-two-tx\n");
}

static bool
all_zero (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

/* A fallocated block holding an earlier owner's bytes on the device; a
 * write into it, not fsynced; a commit for another file; power cut.  The
 * block must read as zeroes (still unwritten) or the new data -- never the
 * stale bytes.  With the switch the commit carried the conversion without
 * the data: the stale bytes show. */
static void
test_unwritten_convert_early (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=unwritten-convert-early" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
    struct fs_inode *inode;
    uint8_t stale[4096], buf[4096], got[4096];
    uint64_t pblk;
    uint32_t len;
    int fd, g;

    fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);
    CHECK0 (fpfs_fallocate (fs, fd, 0, 0, 4 * 4096));
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (ext4_lookup_path (fs, "/f", &inode));
    CHECK0 (ext4_ext_lookup (inode, 0, &pblk, &len));
    iput (inode);
    assert (pblk != 0);
    memset (stale, 0x5A, sizeof stale);      /* what an old owner left */
    CHECK0 (fpfs_bdev_write (shim_of (bd)->lower, stale, pblk * 4096, 4096, 0));
    tfs_pattern (buf, sizeof buf, 3);
    assert (fpfs_pwrite (fs, fd, buf, 4096, 0) == 4096);
    g = fpfs_open (fs, "/g", O_CREAT | O_RDWR, 0644);
    CHECK0 (fpfs_fsync (fs, g));             /* commits the running tx */
    fpfs_crash (fs);
    fs = tfs_mount (bd, "", NULL);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    assert (fpfs_pread (fs, fd, got, 4096, 0) == 4096);
    if (bug)
      assert (memcmp (got, stale, 4096) == 0);
    else
      assert (all_zero (got, 4096) || memcmp (got, buf, 4096) == 0);
    fpfs_crash (fs);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug unwritten-convert-early\n");
}

/* Punch [1000, 9000) of a 16 KiB file, fsync, power cut: the partial
 * blocks' bytes in the range read as zeroes, unless the switch skipped
 * ext4_zero_partial_blocks. */
static void
test_punch_hole_no_zero (void)
{
  for (int bug = 0; bug < 2; bug++) {
    const char *opts = bug ? "bug=punch-hole-no-zero" : "";
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
    uint8_t buf[4 * 4096], got[4 * 4096];
    int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

    tfs_pattern (buf, sizeof buf, 8);
    assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == sizeof buf);
    CHECK0 (fpfs_fsync (fs, fd));
    CHECK0 (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_PUNCH_HOLE
                            | FPFS_FALLOC_FL_KEEP_SIZE, 1000, 8000));
    CHECK0 (fpfs_fsync (fs, fd));
    fpfs_crash (fs);
    fs = tfs_mount (bd, "", NULL);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    assert (fpfs_pread (fs, fd, got, sizeof got, 0) == sizeof got);
    assert (memcmp (got, buf, 1000) == 0 && memcmp (got + 9000, buf + 9000,
                                                    sizeof got - 9000) == 0);
    assert (all_zero (got + 4096, 4096));    /* the whole block: a hole */
    if (bug)
      assert (memcmp (got + 1000, buf + 1000, 4096 - 1000) == 0
              && memcmp (got + 8192, buf + 8192, 9000 - 8192) == 0);
    else
      assert (all_zero (got + 1000, 8000));
    fpfs_crash (fs);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug punch-hole-no-zero\n");
}

/* msync(MS_SYNC) of a store into a hole: the data goes out, but with the
 * switch the transaction that maps its new block is never committed and
 * no FLUSH is sent, so the state right after msync returns has lost it. */
static void
test_msync_no_wait (void)
{
  for (int bug = 0; bug < 2; bug++) {
    struct fpfs_bdev *bd = shim_new (DEV_SIZE);
    struct fpfs *fs = tfs_mkfs_mount (bd, bug ? "bug=msync-no-wait" : "",
                                      NULL);
    struct fpfs_info a, b;
    struct fpfs_fsck_report r;
    uint8_t buf[4096], got[4096];
    char err[128];
    size_t from, flushes = 0, writes = 0;
    int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644), map;

    CHECK0 (fpfs_ftruncate (fs, fd, sizeof buf));
    CHECK0 (fpfs_fsync (fs, fd));
    map = fpfs_mmap (fs, fd, 0, sizeof buf);
    CHECK (map);
    memset (buf, 0x6B, sizeof buf);
    CHECK0 (fpfs_mwrite (fs, map, 0, buf, sizeof buf));
    fpfs_get_info (fs, &a);
    from = shim_of (bd)->n;
    CHECK0 (fpfs_msync (fs, map, 0, sizeof buf, FPFS_MS_SYNC));
    fpfs_get_info (fs, &b);
    for (size_t i = from; i < shim_of (bd)->n; i++) {
      flushes += shim_of (bd)->ops[i].type == SHIM_FLUSH;
      writes += shim_of (bd)->ops[i].type == SHIM_WRITE;
    }
    assert (writes >= 1);                    /* the data, either way */
    assert (bug ? b.commits == a.commits && flushes == 0
            : b.commits == a.commits + 1 && flushes >= 1);
    fpfs_crash (fs);
    fs = tfs_mount (bd, "", NULL);
    fd = fpfs_open (fs, "/f", O_RDONLY, 0);
    assert (fpfs_pread (fs, fd, got, sizeof got, 0) == sizeof got);
    if (bug)
      assert (all_zero (got, sizeof got));   /* the block is a hole again */
    else
      assert (memcmp (got, buf, sizeof buf) == 0);
    CHECK0 (fpfs_close (fs, fd));
    CHECK0 (fpfs_umount (fs));
    CHECK0 (fpfs_fsck (bd, &r, err, sizeof err));
    assert (r.errors == 0);
    fpfs_bdev_close (bd);
  }
  printf ("ok bug msync-no-wait\n");
}

static void
test_bug_table (void)
{
  struct fpfs_mount_opts o;
  char err[128], text[512];
  uint64_t bit, all = 0;

  assert (fpfs_bug_count () >= 8);
  for (int i = 0; i < fpfs_bug_count (); i++) {
    const char *name = fpfs_bug_name (i);
    assert (name && fpfs_bug_doc (i) && strlen (fpfs_bug_doc (i)) > 20);
    CHECK (fpfs_bug_lookup (name, &bit));
    assert (bit && !(all & bit));
    all |= bit;
    fpfs_mount_opts_init (&o);
    snprintf (text, sizeof text, "bug=%s", name);
    CHECK (fpfs_mount_opts_parse (text, &o, err, sizeof err));
    assert (o.bugs == bit);
  }
  assert (all == (FPFS_BUG_NO_COMMIT_FLUSH | FPFS_BUG_NO_COMMIT_FUA
                  | FPFS_BUG_NO_ORDERED_DATA | FPFS_BUG_NO_DATASYNC_TID
                  | FPFS_BUG_FSYNC_SKIP_TIME_ONLY
                  | FPFS_BUG_CHECKPOINT_BEFORE_COMMIT
                  | FPFS_BUG_REPLAY_UNCOMMITTED | FPFS_BUG_RENAME_TWO_TX
                  | FPFS_BUG_NOJOURNAL_NO_PARENT_SYNC | FPFS_BUG_NO_REVOKE
                  | FPFS_BUG_SLOW_SYMLINK_UNJOURNALED
                  | FPFS_BUG_XATTR_BLOCK_TWO_TX
                  | FPFS_BUG_UNWRITTEN_CONVERT_EARLY
                  | FPFS_BUG_PUNCH_HOLE_NO_ZERO
                  | FPFS_BUG_EXCHANGE_TWO_TX | FPFS_BUG_TMPFILE_NO_ORPHAN
                  | FPFS_BUG_MSYNC_NO_WAIT));
  assert (fpfs_bug_lookup ("no-such-bug", &bit) == -ENOENT);
  fpfs_mount_opts_init (&o);
  assert (fpfs_mount_opts_parse ("bug=nonsense", &o, err, sizeof err) == -EINVAL);
  assert (strstr (err, "nonsense"));
  printf ("ok bug_table\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_bug_table ();
  test_no_datasync_tid ();
  test_fsync_skip_time_only ();
  test_rename_two_tx ();
  test_nojournal_no_parent_sync ();
  test_no_ordered_data ();
  test_xattr_block_two_tx ();
  test_unwritten_convert_early ();
  test_punch_hole_no_zero ();
  test_msync_no_wait ();
  return 0;
}
