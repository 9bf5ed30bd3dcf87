/* test_fs_extents: the extent tree below the inode root.
 *
 * - 100,000 scattered blocks in one file (every other logical block, so
 *   no two extents merge): the tree grows to depth 2, every block maps
 *   back, it survives a remount, and truncating it frees every block.
 * - Blocks written in a seeded random order, so leaves split in the
 *   middle, not only at the end; partial truncates cutting extents.
 * Block contents: a stamp of the logical block number in every 16th block
 * (the rest zero, which the memory device stores for free).
 */
#include "fs_testlib.h"
#include "ext4.h"

#define DEV_SIZE (2ull << 30)

struct walk {
  uint64_t extents, blocks, nodes;
  int max_depth;
  uint32_t last_lblk;
  bool sorted;
};

static int
walk_cb (void *ctx, uint32_t lblk, uint32_t len, uint64_t pblk, int depth,
         uint64_t node)
{
  struct walk *w = ctx;
  (void) pblk;
  (void) node;
  if (len == 0) {
    w->nodes++;
    if (depth > w->max_depth)
      w->max_depth = depth;
    return 0;
  }
  if (w->extents && lblk <= w->last_lblk)
    w->sorted = false;
  w->last_lblk = lblk;
  w->extents++;
  w->blocks += len;
  return 0;
}

static struct walk
walk_file (struct fpfs *fs, const char *path)
{
  struct walk w = { .sorted = true };
  struct fs_inode *inode;

  CHECK (ext4_lookup_path (fs, path, &inode));
  CHECK (ext4_ext_walk (inode, walk_cb, &w));
  w.max_depth = ext4_ext_depth (inode);
  iput (inode);
  return w;
}

static void
stamp (uint8_t *buf, uint32_t lblk)
{
  memset (buf, 0, 4096);
  if (lblk % 16 == 0)
    for (int i = 0; i < 4096; i += 8)
      memcpy (buf + i, &lblk, sizeof lblk);
}

static void
check_blocks (struct fpfs *fs, int fd, const uint32_t *lblks, size_t n)
{
  uint8_t want[4096], got[4096];

  for (size_t i = 0; i < n; i++) {
    stamp (want, lblks[i]);
    assert (fpfs_pread (fs, fd, got, 4096, (uint64_t) lblks[i] * 4096) == 4096);
    if (memcmp (want, got, 4096) != 0) {
      fprintf (stderr, "block %u reads wrong\n", lblks[i]);
      assert (0);
    }
  }
}

static void
test_scattered_100k (void)
{
  const size_t n = 100000;
  struct fpfs_bdev *bd = shim_new (DEV_SIZE);
  struct fpfs *fs = tfs_mkfs_mount (bd, "", NULL);
  uint32_t *lblks = malloc (n * sizeof *lblks);
  struct fpfs_info info0, info;
  uint8_t buf[4096];
  struct walk w;
  int fd;

  assert (lblks);
  CHECK0 (fpfs_sync (fs));
  fpfs_get_info (fs, &info0);
  fd = fpfs_open (fs, "/big", O_CREAT | O_RDWR, 0644);
  assert (fd >= 0);
  for (size_t i = 0; i < n; i++) {
    lblks[i] = (uint32_t) (2 * i);
    stamp (buf, lblks[i]);
    assert (fpfs_pwrite (fs, fd, buf, 4096, (uint64_t) lblks[i] * 4096) == 4096);
  }
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_close (fs, fd));
  w = walk_file (fs, "/big");
  printf ("100k scattered: %" PRIu64 " extents, %" PRIu64 " blocks, depth %d, "
          "%" PRIu64 " index entries\n", w.extents, w.blocks, w.max_depth,
          w.nodes);
  assert (w.extents == n && w.blocks == n && w.sorted && w.max_depth >= 2);
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, "", NULL);
  fd = fpfs_open (fs, "/big", O_RDWR, 0);
  assert (fd >= 0);
  check_blocks (fs, fd, lblks, n);
  {
    struct fpfs_stat st;
    CHECK (fpfs_fstat (fs, fd, &st));
    assert (st.size == (uint64_t) (2 * n - 1) * 4096);
    assert (st.blocks >= n * 8);      /* data plus tree nodes */
  }
  /* Cut in the middle of the tree, then all of it. */
  CHECK0 (fpfs_ftruncate (fs, fd, (uint64_t) n * 4096 + 100));
  w = walk_file (fs, "/big");
  assert (w.extents == n / 2 + 1 && w.sorted);
  check_blocks (fs, fd, lblks, n / 2);
  CHECK0 (fpfs_ftruncate (fs, fd, 0));
  w = walk_file (fs, "/big");
  assert (w.extents == 0 && w.max_depth == 0);
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_unlink (fs, "/big"));
  CHECK0 (fpfs_sync (fs));
  fpfs_get_info (fs, &info);
  if (info.free_blocks != info0.free_blocks)
    fprintf (stderr, "free blocks %" PRIu64 " != %" PRIu64 " at start\n",
             info.free_blocks, info0.free_blocks);
  assert (info.free_blocks == info0.free_blocks);
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, "", NULL);
  fpfs_get_info (fs, &info);
  assert (info.free_blocks == info0.free_blocks);
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  free (lblks);
  printf ("ok scattered_100k\n");
}

static void
test_random_order (const char *opts, uint64_t seed)
{
  const size_t n = 12000;
  struct fpfs_bdev *bd = shim_new (DEV_SIZE / 4);
  struct fpfs *fs = tfs_mkfs_mount (bd, opts, NULL);
  uint32_t *lblks = malloc (n * sizeof *lblks);
  uint64_t x = seed;
  uint8_t buf[4096];
  struct walk w;
  int fd;

  printf ("random_order %s seed %" PRIu64 "\n", opts, seed);
  for (size_t i = 0; i < n; i++)
    lblks[i] = (uint32_t) (3 * i);
  for (size_t i = n - 1; i > 0; i--) {      /* Fisher-Yates, seeded */
    size_t j;
    uint32_t t;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    j = (size_t) (x % (i + 1));
    t = lblks[i]; lblks[i] = lblks[j]; lblks[j] = t;
  }
  fd = fpfs_open (fs, "/r", O_CREAT | O_RDWR, 0644);
  for (size_t i = 0; i < n; i++) {
    stamp (buf, lblks[i]);
    assert (fpfs_pwrite (fs, fd, buf, 4096, (uint64_t) lblks[i] * 4096) == 4096);
    if (i % 3000 == 2999)
      CHECK0 (fpfs_fsync (fs, fd));
  }
  CHECK0 (fpfs_fsync (fs, fd));
  w = walk_file (fs, "/r");
  assert (w.blocks == n && w.sorted && w.max_depth >= 1);
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fs = tfs_mount (bd, opts, NULL);
  fd = fpfs_open (fs, "/r", O_RDWR, 0);
  check_blocks (fs, fd, lblks, n);
  /* Truncate inside an extent of several blocks. */
  memset (buf, 0xab, sizeof buf);
  for (int i = 0; i < 8; i++)
    assert (fpfs_pwrite (fs, fd, buf, 4096, (uint64_t) (3 * n + i) * 4096) == 4096);
  CHECK0 (fpfs_fsync (fs, fd));
  CHECK0 (fpfs_ftruncate (fs, fd, (uint64_t) (3 * n + 3) * 4096 + 17));
  CHECK0 (fpfs_fsync (fs, fd));
  w = walk_file (fs, "/r");
  assert (w.blocks == n + 4);
  {
    uint8_t got[4096];
    assert (fpfs_pread (fs, fd, got, 4096, (uint64_t) (3 * n + 3) * 4096) == 17);
    assert (got[0] == 0xab && got[16] == 0xab);
  }
  CHECK0 (fpfs_close (fs, fd));
  CHECK0 (fpfs_umount (fs));
  fpfs_bdev_close (bd);
  free (lblks);
  printf ("ok random_order %s\n", opts);
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_random_order ("", 12345);
  test_random_order ("nojournal", 777);
  test_scattered_100k ();
  return 0;
}
