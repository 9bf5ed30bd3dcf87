/* super: mkfs, mount, umount, power cut, and fs-wide state (fs/ext4/super.c).
 *
 * mkfs lays out the regions of ondisk.h, marks the metadata area and the
 * root directory's block in the block bitmap, inodes 1-10 in the inode
 * bitmap, writes the root inode and its directory block, formats an empty
 * journal (jbd_journal_format), and writes the superblock last, then a
 * FLUSH: the superblock makes the image valid, so it goes after everything
 * it describes.
 *
 * mount validates the superblock (ondisk_sb_check), loads the journal
 * (jbd_journal_load runs recovery), re-reads and re-validates the
 * superblock (recovery may have replayed it), builds the in-memory
 * allocator state from the bitmaps, checks the root, marks the superblock
 * "not clean", and finishes interrupted truncates and unlinks (orphan
 * cleanup).  With nojournal, a journal that needs recovery is still
 * recovered first, then closed.
 *
 * umount (vfs/super.c closes the files and runs sync_filesystem first):
 * ext4_put_super drops preallocations, closes the journal (commit,
 * checkpoint), then a FLUSH and the superblock marked clean, written FUA.
 * A power cut (fpfs_crash, ext4_kill_sb) frees memory and writes nothing.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include "errbuf.h"
#include "ext4.h"

#define DEFAULT_DIRTY_LIMIT (32ull << 20)
#define BUF_CACHE_BUFFERS   16384u           /* 64 MiB of metadata */
#define MIN_JOURNAL_BLOCKS  256u

void
ext4_abort (struct fpfs *fs, int err, const char *why)
{
  if (fs->s_aborted)
    return;
  FS_TRACE (fs, "ext4_abort", "dev %s err %d reason %s", fs->s_devname, err,
            why);
  fs->s_aborted = true;
  fs->s_ro = true;
  if (fs->s_journal && !jbd_journal_aborted (fs->s_journal))
    jbd_journal_abort (fs->s_journal, err ? err : -EIO);
  /* The journal aborts on a failed write or FLUSH: Linux >= 5.8 records a
   * failed buffer write on the super block too (mark_buffer_write_io_error),
   * so the next syncfs reports it even if no commit it waited for failed. */
  errseq_set (&fs->s_wb.wb_err, -EIO);
}

/* ext4_journal_check_start's "Detected aborted journal": a journal that
 * aborted behind the file system's back (a background commit failed)
 * makes the file system abort the moment anyone looks. */
void
ext4_check_journal_abort (struct fpfs *fs)
{
  if (fs->s_journal && !fs->s_aborted && jbd_journal_aborted (fs->s_journal))
    ext4_abort (fs, jbd_journal_errno (fs->s_journal),
                "detected aborted journal");
}

int
ext4_error_corrupt (struct fpfs *fs, const char *what, uint64_t n)
{
  FS_TRACE (fs, "ext4_error", "dev %s %s: %" PRIu64, fs->s_devname, what, n);
  if (fs->s_errmsg[0] == '\0')
    snprintf (fs->s_errmsg, sizeof fs->s_errmsg, "%s: %" PRIu64, what, n);
  return -EUCLEAN;
}

/* ---- mkfs ---- */

static void
mkfs_uuid (const struct fpfs_mkfs_opts *o, uint8_t uuid[16])
{
  if (o && o->uuid)
    memcpy (uuid, o->uuid, 16);
  else if (o && o->deterministic) {
    uint64_t x = o->seed;
    for (int i = 0; i < 16; i += 8) {
      uint64_t z = (x += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      memcpy (uuid + i, &z, 8);
    }
    uuid[6] = (uint8_t) ((uuid[6] & 0x0f) | 0x40);   /* version 4 */
    uuid[8] = (uint8_t) ((uuid[8] & 0x3f) | 0x80);   /* variant 1 */
  } else
    uuid_generate (uuid);
}

/* Write n bits' worth of bitmap blocks starting at blk: bits [0, used)
 * set, and the padding past nbits set too. */
static int
mkfs_bitmap (struct fpfs_bdev *bd, uint64_t blk, uint32_t nblocks,
             uint64_t used, uint64_t nbits, uint8_t *block)
{
  for (uint32_t i = 0; i < nblocks; i++) {
    uint64_t base = (uint64_t) i * FS_BITS_PER_BLOCK;
    int ret;
    memset (block, 0, FS_BLOCK_SIZE);
    for (uint32_t b = 0; b < FS_BITS_PER_BLOCK; b++)
      if (base + b < used || base + b >= nbits)
        bm_set (block, b);
    ret = fpfs_bdev_write (bd, block, (blk + i) * FS_BLOCK_SIZE, FS_BLOCK_SIZE, 0);
    if (ret < 0)
      return ret;
  }
  return 0;
}

int
fpfs_mkfs (struct fpfs_bdev *bd, const struct fpfs_mkfs_opts *o,
           char *errbuf, size_t errlen)
{
  struct fs_geometry g = { 0 };
  struct buf_cache *bc = NULL;
  uint8_t uuid[16], *blk = NULL, *in;
  struct ext_hdr eh = { EXT_MAGIC, 1, EXT_ROOT_MAX, 0, 0 };
  struct ext_extent ex;
  uint64_t inodes, now;
  int ret;

  if (bd == NULL || bd->sector_size == 0 || FS_BLOCK_SIZE % bd->sector_size) {
    fp_errbuf (errbuf, errlen, "mkfs: sector size not a divisor of %u",
               FS_BLOCK_SIZE);
    return -EINVAL;
  }
  g.blocks_count = bd->size / FS_BLOCK_SIZE;
  if (g.blocks_count >= (1ull << 40))
    g.blocks_count = (1ull << 40) - 1;
  g.journal_blocks = o && o->journal_blocks ? o->journal_blocks
    : (uint32_t) (g.blocks_count / 8 < MIN_JOURNAL_BLOCKS ? MIN_JOURNAL_BLOCKS
                  : g.blocks_count / 8 > 1024 ? 1024 : g.blocks_count / 8);
  if (g.journal_blocks < MIN_JOURNAL_BLOCKS) {
    fp_errbuf (errbuf, errlen, "mkfs: journal of %u blocks is too small (min %u)",
               g.journal_blocks, MIN_JOURNAL_BLOCKS);
    return -EINVAL;
  }
  inodes = o && o->inodes ? o->inodes : bd->size / 16384;
  if (inodes < 64)
    inodes = 64;
  inodes = (inodes + FS_INODES_PER_BLOCK - 1) / FS_INODES_PER_BLOCK
    * FS_INODES_PER_BLOCK;
  if (inodes > 0xFFFFFFF0ull)
    inodes = 0xFFFFFFF0ull;
  g.inodes_count = (uint32_t) inodes;
  g.journal_start = 1;
  g.bbitmap_start = g.journal_start + g.journal_blocks;
  g.bbitmap_blocks = (uint32_t) ((g.blocks_count + FS_BITS_PER_BLOCK - 1)
                                 / FS_BITS_PER_BLOCK);
  g.ibitmap_start = g.bbitmap_start + g.bbitmap_blocks;
  g.ibitmap_blocks = (g.inodes_count + FS_BITS_PER_BLOCK - 1) / FS_BITS_PER_BLOCK;
  g.itable_start = g.ibitmap_start + g.ibitmap_blocks;
  g.itable_blocks = g.inodes_count / FS_INODES_PER_BLOCK;
  g.first_data_block = g.itable_start + g.itable_blocks;
  if (g.first_data_block + 64 > g.blocks_count) {
    fp_errbuf (errbuf, errlen, "mkfs: device of %" PRIu64 " blocks is too "
               "small (metadata needs %" PRIu64 ")", g.blocks_count,
               g.first_data_block + 64);
    return -ENOSPC;
  }
  mkfs_uuid (o, uuid);
  now = o && o->deterministic ? 0 : (uint64_t) time (NULL);
  blk = calloc (1, FS_BLOCK_SIZE);
  if (blk == NULL)
    return -ENOMEM;

  /* Bitmaps: metadata + the root directory's block; inodes 1-10. */
  ret = mkfs_bitmap (bd, g.bbitmap_start, g.bbitmap_blocks,
                     g.first_data_block + 1, g.blocks_count, blk);
  if (ret == 0)
    ret = mkfs_bitmap (bd, g.ibitmap_start, g.ibitmap_blocks,
                       FS_FIRST_INO - 1, g.inodes_count, blk);
  if (ret < 0)
    goto io_fail;
  /* Root inode (ino 2), in the first inode-table block. */
  memset (blk, 0, FS_BLOCK_SIZE);
  in = blk + (FS_ROOT_INO - 1) * FS_INODE_SIZE;
  put_le16 (in + IN_MODE, 0040755);
  put_le16 (in + IN_LINKS, 2);
  put_le32 (in + IN_FLAGS, FS_INODE_FLAG_EXTENTS);
  put_le64 (in + IN_SIZE, FS_BLOCK_SIZE);
  put_le64 (in + IN_BLOCKS, FS_BLOCK_SIZE / 512);
  put_le16 (in + IN_EXTRA_ISIZE, FS_WANT_EXTRA_ISIZE);
  for (unsigned off = IN_ATIME; off <= IN_CRTIME; off += 8)
    put_le64 (in + off, now);
  ext_hdr_put (in + IN_BLOCK, &eh);
  ex = (struct ext_extent) { 0, 1, g.first_data_block, false };
  ext_extent_put (ext_entry (in + IN_BLOCK, 0), &ex);
  ret = fpfs_bdev_write (bd, blk, g.itable_start * FS_BLOCK_SIZE, FS_BLOCK_SIZE, 0);
  if (ret < 0)
    goto io_fail;
  /* Root directory block: "." and "..", both the root. */
  memset (blk, 0, FS_BLOCK_SIZE);
  put_le32 (blk, FS_ROOT_INO);
  put_le16 (blk + 4, 12);
  blk[6] = 1;
  blk[7] = FT_DIR;
  blk[8] = '.';
  put_le32 (blk + 12, FS_ROOT_INO);
  put_le16 (blk + 16, FS_BLOCK_SIZE - 12);
  blk[18] = 2;
  blk[19] = FT_DIR;
  blk[20] = blk[21] = '.';
  ret = fpfs_bdev_write (bd, blk, g.first_data_block * FS_BLOCK_SIZE,
                         FS_BLOCK_SIZE, 0);
  if (ret < 0)
    goto io_fail;
  /* The journal. */
  ret = buf_cache_create (bd, FS_BLOCK_SIZE, 64, &bc);
  if (ret < 0)
    goto out;
  {
    struct jbd_config cfg = {
      .bc = bc, .first_block = g.journal_start, .nblocks = g.journal_blocks,
      .barrier = true, .devname = "fp", .uuid = uuid,
    };
    ret = jbd_journal_format (&cfg, errbuf, errlen);
    buf_cache_destroy (bc);
    if (ret < 0)
      goto out;
  }
  /* The superblock, last. */
  memset (blk, 0, FS_BLOCK_SIZE);
  put_le32 (blk + SB_MAGIC, FS_SB_MAGIC);
  put_le32 (blk + SB_VERSION, FS_SB_VERSION);
  put_le32 (blk + SB_BLOCK_SIZE, FS_BLOCK_SIZE);
  put_le32 (blk + SB_FEAT_COMPAT, FS_FEATURE_COMPAT_HAS_JOURNAL);
  put_le32 (blk + SB_FEAT_INCOMPAT, FS_FEATURE_INCOMPAT_SUPPORTED);
  ondisk_geometry_put (blk, &g);
  put_le16 (blk + SB_INODE_SIZE, FS_INODE_SIZE);
  put_le16 (blk + SB_STATE, FS_STATE_VALID);
  put_le64 (blk + SB_FREE_BLOCKS, g.blocks_count - g.first_data_block - 1);
  put_le32 (blk + SB_FREE_INODES, g.inodes_count - (FS_FIRST_INO - 1));
  memcpy (blk + SB_UUID, uuid, 16);
  put_le64 (blk + SB_MKFS_TIME, now);
  put_le32 (blk + SB_FIRST_INO, FS_FIRST_INO);
  put_le32 (blk + SB_ROOT_INO, FS_ROOT_INO);
  memcpy (blk + SB_VOLUME_NAME, "flushpoint", 10);
  ondisk_sb_csum_set (blk);
  ret = fpfs_bdev_write (bd, blk, 0, FS_BLOCK_SIZE, 0);
  if (ret == 0)
    /* Makes the whole new file system durable before mkfs returns. */
    ret = fpfs_bdev_flush (bd);
io_fail:
  if (ret < 0)
    fp_errbuf (errbuf, errlen, "mkfs: %s: write failed (%d)", bd->desc, ret);
out:
  free (blk);
  return ret;
}

/* ---- mount ---- */

static int
fs_submit_inode_data (void *ctx, struct jbd_inode *ji)
{
  (void) ctx;
  return ext4_submit_inode_data (ji->i_owner);
}

static void
fs_commit_callback (void *ctx, tid_t tid)
{
  struct fpfs *fs = ctx;

  ext4_mb_commit_callback (fs, tid);
  ext4_submit_deferred (fs, tid);
}

static const struct jbd_fs_ops fs_jbd_ops = {
  .submit_inode_data = fs_submit_inode_data,
  .commit_callback = fs_commit_callback,
};

static void
fs_free (struct fpfs *fs)
{
  if (fs == NULL)
    return;
  assert (fs->s_files == NULL);        /* vfs/super.c closed them */
  if (fs->s_journal)
    jbd_journal_drop (fs->s_journal);
  fs->s_journal = NULL;
  ext4_icache_destroy (fs);
  ext4_balloc_destroy (fs);
  buf_put (fs->s_sbh);
  buf_cache_destroy (fs->s_bc);
  sched_destroy (fs->s_sched);
  free (fs);
}

static int
fs_load_journal (struct fpfs *fs, char *errbuf, size_t errlen)
{
  struct jbd_config cfg = {
    .bc = fs->s_bc, .first_block = fs->s_geo.journal_start,
    .nblocks = fs->s_geo.journal_blocks, .barrier = fs->s_opts.barrier,
    .commit_interval_ms = fs->s_opts.commit_interval_s * 1000u,
    .sched = fs->s_sched, .trace = fs->s_trace, .devname = fs->s_devname,
    .ops = &fs_jbd_ops, .fs_ctx = fs, .bugs = fs->s_opts.bugs,
    .uuid = fs->s_uuid, .scan_cache = fs->s_opts.scan_cache,
  };
  unsigned replayed = 0;
  int ret = jbd_journal_load (&cfg, &fs->s_journal, &replayed, errbuf, errlen);

  if (ret < 0)
    return ret;
  FS_TRACE (fs, "ext4_load_journal", "dev %s replayed %u", fs->s_devname,
            replayed);
  if (fs->s_opts.nojournal) {
    /* Recovered; now run without it. */
    ret = fs->s_opts.read_only ? 0 : jbd_journal_destroy (fs->s_journal);
    if (fs->s_opts.read_only)
      jbd_journal_drop (fs->s_journal);
    fs->s_journal = NULL;
    if (ret < 0)
      fp_errbuf (errbuf, errlen, "journal: closing after recovery failed (%d)",
                 ret);
  }
  return ret;
}

int
fpfs_mount (struct fpfs_bdev *bd, const struct fpfs_mount_opts *opts,
            struct fpfs **out, char *errbuf, size_t errlen)
{
  struct fpfs_mount_opts o;
  struct fs_geometry g2;
  struct fs_inode *root;
  struct fpfs *fs = NULL;
  uint8_t *raw = NULL;
  uint64_t dev_blocks;
  int ret;

  *out = NULL;
  if (opts)
    o = *opts;
  else
    fpfs_mount_opts_init (&o);
  ret = ext4_opts_check (&o, errbuf, errlen);
  if (ret < 0)
    return ret;
  if (bd == NULL || bd->sector_size == 0 || FS_BLOCK_SIZE % bd->sector_size
      || bd->size < FS_BLOCK_SIZE) {
    fp_errbuf (errbuf, errlen, "mount: device too small or sector size "
               "unsupported");
    return -EINVAL;
  }
  dev_blocks = bd->size / FS_BLOCK_SIZE;
  raw = malloc (FS_BLOCK_SIZE);
  fs = calloc (1, sizeof *fs);
  if (raw == NULL || fs == NULL) {
    ret = -ENOMEM;
    goto fail;
  }
  ret = fpfs_bdev_read (bd, raw, 0, FS_BLOCK_SIZE);
  if (ret < 0) {
    fp_errbuf (errbuf, errlen, "mount: %s: reading the superblock failed (%d)",
               bd->desc, ret);
    goto fail;
  }
  ret = ondisk_sb_check (raw, dev_blocks, errbuf, errlen);
  if (ret < 0)
    goto fail;
  if (!(get_le32 (raw + SB_FEAT_COMPAT) & FS_FEATURE_COMPAT_HAS_JOURNAL)) {
    if (o.data == FPFS_DATA_JOURNAL) {
      fp_errbuf (errbuf, errlen, "mount: data=journal on a file system "
                 "without a journal");
      ret = -EINVAL;
      goto fail;
    }
    o.nojournal = true;
  }
  fs->s_bdev = bd;
  fs->s_opts = o;
  fs->s_opts.trace = NULL;
  if (o.trace && o.trace->event) {
    fs->s_trace_sink = *o.trace;
    fs->s_trace = &fs->s_trace_sink;
  }
  snprintf (fs->s_devname, sizeof fs->s_devname, "fp");
  ondisk_geometry_get (raw, &fs->s_geo);
  memcpy (fs->s_uuid, raw + SB_UUID, 16);
  fs->s_ro = o.read_only;
  fs->s_mounting = true;
  fs->s_handle.h_fs = fs;
  ret = sched_create (o.seed, get_le64 (raw + SB_MOUNT_TIME), &fs->s_sched);
  if (ret == 0)
    ret = buf_cache_create (bd, FS_BLOCK_SIZE, BUF_CACHE_BUFFERS, &fs->s_bc);
  if (ret < 0)
    goto fail;
  wb_init (&fs->s_wb, &ext4_wb_ops, fs, fs->s_sched, fs->s_trace,
           fs->s_devname);
  if (get_le32 (raw + SB_FEAT_COMPAT) & FS_FEATURE_COMPAT_HAS_JOURNAL) {
    ret = fs_load_journal (fs, errbuf, errlen);
    if (ret < 0)
      goto fail;
  }
  /* Recovery may have replayed block 0: validate what is there now. */
  ret = buf_read (fs->s_bc, 0, &fs->s_sbh);
  if (ret == 0)
    ret = ondisk_sb_check (fs->s_sbh->b_data, dev_blocks, errbuf, errlen);
  if (ret < 0)
    goto fail;
  memset (&g2, 0, sizeof g2);          /* padding too: memcmp below */
  ondisk_geometry_get (fs->s_sbh->b_data, &g2);
  if (memcmp (&g2, &fs->s_geo, sizeof g2) != 0) {
    fp_errbuf (errbuf, errlen, "mount: superblock geometry changed by journal "
               "replay");
    ret = -EUCLEAN;
    goto fail;
  }
  ret = ext4_balloc_init (fs, errbuf, errlen);
  if (ret == 0)
    ret = ext4_ialloc_init (fs, errbuf, errlen);
  if (ret == 0)
    ret = ext4_icache_init (fs);
  if (ret < 0)
    goto fail;
  fs->s_wb.dirty_limit = (o.dirty_limit_bytes ? o.dirty_limit_bytes
                          : DEFAULT_DIRTY_LIMIT) / FS_BLOCK_SIZE;
  if (fs->s_wb.dirty_limit < 16)
    fs->s_wb.dirty_limit = 16;
  fs->s_wb.cache_limit = 2 * fs->s_wb.dirty_limit;
  fs->s_max_credits = FS_MAX_CREDITS;
  if (fs->s_journal && (fs->s_geo.journal_blocks - 1) / 4 < FS_MAX_CREDITS)
    fs->s_max_credits = (int) ((fs->s_geo.journal_blocks - 1) / 4);
  fs->s_next_generation = (uint32_t) sched_rand (fs->s_sched);
  ret = ext4_iget (fs, FS_ROOT_INO, &root);
  if (ret == 0 && !fs_isdir (root))
    ret = ext4_error_corrupt (fs, "root inode is not a directory", FS_ROOT_INO);
  if (ret == 0)
    iput (root);
  if (ret < 0) {
    fp_errbuf (errbuf, errlen, "mount: root directory: %s",
               fs->s_errmsg[0] ? fs->s_errmsg : "unreadable");
    goto fail;
  }
  if (!fs->s_ro) {
    /* ext4_setup_super: not clean while mounted (fsck's hint). */
    uint8_t *sb = fs->s_sbh->b_data;
    put_le16 (sb + SB_STATE, get_le16 (sb + SB_STATE) & ~FS_STATE_VALID);
    put_le32 (sb + SB_MOUNT_COUNT, get_le32 (sb + SB_MOUNT_COUNT) + 1);
    put_le64 (sb + SB_MOUNT_TIME, fs_now (fs));
    ondisk_sb_csum_set (sb);
    ret = buf_write (fs->s_sbh, 0);
    if (ret == 0)
      ret = ext4_orphan_cleanup (fs, errbuf, errlen);
    if (ret < 0)
      goto fail;
  }
  fs->s_mounting = false;
  FS_TRACE (fs, "ext4_mount", "dev %s blocks %" PRIu64 " free %" PRIu64
            " inodes %u free %u journal %d", fs->s_devname,
            fs->s_geo.blocks_count, fs->s_free_blocks, fs->s_geo.inodes_count,
            fs->s_free_inodes, fs->s_journal != NULL);
  free (raw);
  *out = fs;
  return 0;
fail:
  if (errbuf && errlen && errbuf[0] == '\0')
    fp_errbuf (errbuf, errlen, "mount: %s (%d)",
               fs && fs->s_errmsg[0] ? fs->s_errmsg : "failed", ret);
  free (raw);
  fs_free (fs);
  return ret;
}

/* ---- umount, crash, info ---- */

/* ext4_put_super, after vfs/super.c closed the files and ran
 * sync_filesystem (prev_err its result). */
int
ext4_put_super (struct fpfs *fs, int prev_err)
{
  int ret = prev_err, err;

  if (!fs->s_ro) {
    err = ext4_mb_discard_all (fs);
    if (!ret)
      ret = err;
  }
  wb_stop (&fs->s_wb);
  if (fs->s_journal) {
    err = jbd_journal_destroy (fs->s_journal);
    fs->s_journal = NULL;
    if (!ret)
      ret = err;
  } else if (!fs->s_ro) {
    err = buf_write_dirty (fs->s_bc, UINT64_MAX);
    if (!ret)
      ret = err;
  }
  if (!fs->s_ro) {
    uint8_t *sb = fs->s_sbh->b_data;
    /* Every in-place metadata write reaches media before the superblock
     * says "clean". */
    err = fpfs_bdev_flush (fs->s_bdev);
    if (!ret)
      ret = err;
    put_le16 (sb + SB_STATE, ret < 0 ? FS_STATE_ERROR : FS_STATE_VALID);
    put_le64 (sb + SB_FREE_BLOCKS, fs->s_free_blocks);
    put_le32 (sb + SB_FREE_INODES, fs->s_free_inodes);
    put_le64 (sb + SB_MOUNT_TIME, fs_now (fs));
    ondisk_sb_csum_set (sb);
    /* FUA: clean state durable when umount returns. */
    err = buf_write (fs->s_sbh, FPFS_BDEV_FUA);
    if (!ret)
      ret = err;
  } else if (fs->s_aborted)
    ret = -EROFS;
  fs_free (fs);
  return ret;
}

/* A power cut: free everything, write nothing. */
void
ext4_kill_sb (struct fpfs *fs)
{
  fs_free (fs);
}

void
fpfs_get_info (const struct fpfs *fs, struct fpfs_info *info)
{
  memset (info, 0, sizeof *info);
  if (fs->s_journal) {
    struct jbd_stats st;
    jbd_get_stats (fs->s_journal, &st);
    info->commits = st.commits;
    info->checkpoints = st.checkpoints;
    info->running_tid = jbd_running_tid (fs->s_journal);
    info->committed_tid = jbd_commit_sequence (fs->s_journal);
    info->journal_aborted = jbd_journal_aborted (fs->s_journal);
  }
  info->writeback_pages = fs->s_writeback_pages;
  info->free_blocks = fs->s_free_blocks;
  info->total_blocks = fs->s_geo.blocks_count;
  info->free_inodes = fs->s_free_inodes;
  info->total_inodes = fs->s_geo.inodes_count;
}
