/* test_fs_opshape: the device-op shape of fsync and fdatasync per 4 KiB
 * call in steady state with default options (issue 3), and the trace of
 * "open, write 4 KiB, fsync".
 *
 * Counted on a recording shim over the memory device:
 *   append + fsync        one commit
 *   append + fdatasync    one commit (the size changed)
 *   overwrite + fdatasync no commit: the data write and one FLUSH
 *   overwrite + fsync     one commit (mtime changed)
 * and every commit has a FLUSH before its commit block, which is FUA.
 * Real ext4 issues about 4.7 writes and 2 flushes per append+fsync; the
 * engine must issue no more.  The figures are printed for the report.
 */
#include "fs_testlib.h"

#define DEV_SIZE (256ull << 20)
#define WARMUP 64
#define ROUNDS 256

struct shape {
  double writes, flushes, fua, commits;
};

enum call { APPEND_FSYNC, APPEND_FDATASYNC, OVERWRITE_FDATASYNC,
            OVERWRITE_FSYNC };
static const char *const call_names[] = {
  "append+fsync", "append+fdatasync", "overwrite+fdatasync", "overwrite+fsync",
};

/* The commit blocks in ops [from, to): each must be FUA and follow a FLUSH
 * that follows every other write of the commit. */
static unsigned
check_commit_order (struct fpfs_bdev *bd, size_t from, size_t to,
                    uint64_t jblocks)
{
  struct shim_dev *sd = shim_of (bd);
  unsigned commits = 0;

  for (size_t i = from; i < to; i++) {
    struct shim_op *op = &sd->ops[i];
    uint64_t blk = op->off / 4096;
    if (op->type != SHIM_WRITE || !(op->flags & FPFS_BDEV_FUA)
        || blk < 1 || blk >= 1 + jblocks)
      continue;
    /* A FUA write in the log: a commit block (or the journal superblock
     * at block 1, which checkpoints write after their own FLUSH). */
    assert (i > from && sd->ops[i - 1].type == SHIM_FLUSH);
    if (blk != 1)
      commits++;
  }
  return commits;
}

static struct shape
measure (enum call call)
{
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint64_t jblocks = 1024;
  uint8_t buf[4096];
  struct fpfs_info a, b;
  struct shape s = { 0 };
  bool append = call == APPEND_FSYNC || call == APPEND_FDATASYNC;
  bool datasync = call == APPEND_FDATASYNC || call == OVERWRITE_FDATASYNC;
  int fd = fpfs_open (fs, "/f", O_CREAT | O_RDWR, 0644);

  assert (fd >= 0);
  if (!append) {                      /* a file to overwrite, on disk */
    for (int i = 0; i < ROUNDS; i++) {
      tfs_pattern (buf, sizeof buf, (uint64_t) i);
      assert (fpfs_pwrite (fs, fd, buf, sizeof buf, (uint64_t) i * 4096) == 4096);
    }
    CHECK0 (fpfs_fsync (fs, fd));
  }
  for (int r = 0; r < WARMUP + ROUNDS; r++) {
    uint64_t off = append ? (uint64_t) r * 4096
      : (uint64_t) ((r * 7) % ROUNDS) * 4096;
    size_t before = shim_of (bd)->n;
    struct shim_counts c;
    unsigned commits_seen;

    fpfs_get_info (fs, &a);
    tfs_pattern (buf, sizeof buf, 1000 + (uint64_t) r);
    assert (fpfs_pwrite (fs, fd, buf, sizeof buf, off) == 4096);
    CHECK (datasync ? fpfs_fdatasync (fs, fd) : fpfs_fsync (fs, fd));
    fpfs_get_info (fs, &b);
    c = shim_count (bd, before, shim_of (bd)->n, jblocks);
    commits_seen = check_commit_order (bd, before, shim_of (bd)->n, jblocks);
    assert (commits_seen == b.commits - a.commits);
    if (r < WARMUP)
      continue;
    s.writes += c.writes;
    s.flushes += c.flushes;
    s.fua += c.fua;
    s.commits += (double) (b.commits - a.commits);
    /* Per call, not just on average: */
    if (call == OVERWRITE_FDATASYNC) {
      assert (b.commits == a.commits);
      assert (c.writes == 1 && c.flushes == 1 && c.fua == 0);
    } else
      assert (b.commits - a.commits == 1);
  }
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  s.writes /= ROUNDS;
  s.flushes /= ROUNDS;
  s.fua /= ROUNDS;
  s.commits /= ROUNDS;
  return s;
}

static void
test_op_shape (void)
{
  for (int call = 0; call < 4; call++) {
    struct shape s = measure ((enum call) call);
    printf ("op shape %-20s writes %.2f flushes %.2f fua %.2f commits %.2f "
            "per 4 KiB call (%d rounds)\n", call_names[call], s.writes,
            s.flushes, s.fua, s.commits, ROUNDS);
    switch ((enum call) call) {
    case APPEND_FSYNC:
    case APPEND_FDATASYNC:
    case OVERWRITE_FSYNC:
      assert (s.commits == 1.0);
      assert (s.writes <= 4.7 && s.flushes <= 2.0);
      break;
    case OVERWRITE_FDATASYNC:
      assert (s.commits == 0 && s.writes == 1.0 && s.flushes == 1.0);
      break;
    }
  }
  printf ("ok op_shape\n");
}

static void
test_trace_order (void)
{
  static const char *const want[] = {
    "ext4_sync_file_enter", "ext4_writepages", "ext4_journal_start",
    "jbd2_handle_start", "ext4_da_write_pages", "ext4_da_write_pages_extent",
    "ext4_es_lookup_extent_enter", "ext4_es_lookup_extent_exit",
    "ext4_ext_map_blocks_enter", "ext4_request_blocks", "ext4_allocate_blocks",
    "ext4_mark_inode_dirty", "ext4_ext_map_blocks_exit",
    "ext4_es_insert_extent", "jbd2_handle_stats", "ext4_writepages_result",
    "jbd2_start_commit", "jbd2_commit_locking", "jbd2_commit_flushing",
    "jbd2_commit_logging", "jbd2_run_stats", "jbd2_end_commit",
    "ext4_sync_file_exit",
  };
  const size_t nwant = sizeof want / sizeof want[0];
  struct tcap cap = { 0 };
  struct fpfs_trace_sink sink = { tcap_event, &cap };
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", &sink);
  uint8_t buf[4096];
  size_t got;
  int fd;

  tcap_clear (&cap);
  if (getenv ("FP_TRACE"))
    cap.echo = stdout;
  fd = fpfs_open (fs, "/f", O_CREAT | O_WRONLY, 0644);
  assert (fd >= 0);
  tfs_pattern (buf, sizeof buf, 5);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == 4096);
  CHECK0 (fpfs_fsync (fs, fd));
  got = tcap_subsequence (&cap, want, nwant);
  if (got != nwant) {
    fprintf (stderr, "trace: missing \"%s\" (after %zu in order); trace was:\n",
             want[got], got);
    for (size_t i = 0; i < cap.n; i++)
      fprintf (stderr, "  %s\n", cap.names[i]);
  }
  assert (got == nwant);
  /* The fsync ran exactly one commit. */
  assert (tcap_count (&cap, "jbd2_start_commit") == 1);
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  tcap_free (&cap);
  printf ("ok trace_order\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_trace_order ();
  test_op_shape ();
  return 0;
}
