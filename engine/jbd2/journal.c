/* journal: the journal's lifecycle and its superblock (fs/jbd2/journal.c).
 *
 * Format writes one journal superblock (s_start = 0: clean).  Load reads
 * it, runs recovery (recovery.c) when s_start != 0, then resets the log
 * and, as journal_reset() in Linux 4.10: if the superblock on disk says
 * clean (s_start = 0) it is not written (JBD_FLUSHED: the first commit
 * rewrites it, jbd2_journal_commit_transaction, without FUA: "it is ok for
 * write to be flushed only with transaction commit"); otherwise (recovery
 * ran) it is written at once, FUA, with s_start = the first log block and
 * s_sequence = the first tid this mount will use.  From then on the
 * superblock is written when the tail moves (checkpoint.c) and at
 * destroy, which checkpoints everything and marks the journal clean
 * (s_start = 0) after a FLUSH.  (Until issue 10's deviation 10 the engine
 * always wrote it at mount, FUA: under nobarrier that write could be lost
 * in every cell, and real ext4 sends no write at a clean mount.)
 *
 * Log blocks are numbered inside the journal: block 0 is the superblock,
 * [j_first, j_last) the circular log; jbd_log_to_dev maps them to fs block
 * numbers.  j_head is the next block to write, j_tail the oldest block
 * still needed, j_free the blocks between them that are free.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "jbd_int.h"
#include "trace.h"

int jbd_journal_recover (struct journal *j, const struct jbd_sb *sb,
                         unsigned *replayed, char *errbuf, size_t errlen);

uint64_t
jbd_now (const struct journal *j)
{
  return j->j_cfg.sched ? sched_now (j->j_cfg.sched) : 0;
}

const char *
jbd_devname (const struct journal *j)
{
  return j->j_cfg.devname ? j->j_cfg.devname : "fp";
}

bool
jbd_is_aborted (const struct journal *j)
{
  return (j->j_flags & JBD_ABORT) != 0;
}

uint64_t
jbd_log_to_dev (const struct journal *j, uint32_t logblk)
{
  assert (logblk < j->j_maxlen);
  return j->j_cfg.first_block + logblk;
}

uint32_t
jbd_wrap (const struct journal *j, uint32_t blk)
{
  if (blk >= j->j_last)
    blk -= j->j_last - j->j_first;
  return blk;
}

/* jbd2_journal_next_log_block: the caller reserved the space. */
int
jbd_next_log_block (struct journal *j, uint32_t *out)
{
  assert (j->j_free > 0);
  *out = j->j_head;
  j->j_head = jbd_wrap (j, j->j_head + 1);
  j->j_free--;
  return 0;
}

/* Write one log block; any error aborts the journal (sticky). */
int
jbd_log_write (struct journal *j, uint32_t logblk, const void *data,
               unsigned flags)
{
  int ret;

  ret = fpfs_bdev_write (j->j_dev, data,
                         jbd_log_to_dev (j, logblk) * j->j_blocksize,
                         j->j_blocksize, flags);
  if (ret < 0) {
    jbd_journal_abort (j, ret);
    return ret;
  }
  j->j_stats.log_blocks_written++;
  return 0;
}

int
jbd_dev_flush (struct journal *j)
{
  int ret = fpfs_bdev_flush (j->j_dev);

  if (ret < 0)
    jbd_journal_abort (j, ret);
  return ret;
}

static int
jbd_cfg_check (const struct jbd_config *cfg, char *errbuf, size_t errlen)
{
  struct fpfs_bdev *bd;
  uint64_t dev_blocks;

  if (cfg == NULL || cfg->bc == NULL) {
    snprintf (errbuf, errlen, "journal: no buffer cache");
    return -EINVAL;
  }
  bd = buf_bdev (cfg->bc);
  dev_blocks = bd->size / buf_block_size (cfg->bc);
  if (cfg->nblocks < JBD_MIN_JOURNAL_BLOCKS) {
    snprintf (errbuf, errlen, "journal: %u blocks, at least %u needed",
              cfg->nblocks, JBD_MIN_JOURNAL_BLOCKS);
    return -EINVAL;
  }
  if (cfg->first_block == 0 || cfg->first_block > dev_blocks
      || cfg->nblocks > dev_blocks - cfg->first_block) {
    snprintf (errbuf, errlen,
              "journal: blocks [%llu, +%u) outside the device (%llu blocks)",
              (unsigned long long) cfg->first_block, cfg->nblocks,
              (unsigned long long) dev_blocks);
    return -EINVAL;
  }
  return 0;
}

/* jbd2_write_superblock.  Without barriers the FLUSH and FUA are dropped,
 * as the kernel does (the user said the device has no volatile cache). */
static int
jbd_write_superblock (struct journal *j, tid_t seq, uint32_t start,
                      bool preflush, unsigned flags)
{
  struct jbd_sb sb = {
    .s_blocksize = j->j_blocksize, .s_maxlen = j->j_maxlen,
    .s_first = j->j_first, .s_sequence = seq, .s_start = start,
    .s_feature_compat = JBD_FEATURE_COMPAT_CHECKSUM,
    .s_feature_incompat = JBD_FEATURE_INCOMPAT_REVOKE
                          | JBD_FEATURE_INCOMPAT_64BIT
                          | JBD_FEATURE_INCOMPAT_XXH3,
  };
  uint8_t *block;
  int ret = 0;

  if (jbd_is_aborted (j))
    return -EIO;
  if (!(j->j_flags & JBD_BARRIER)) {
    preflush = false;
    flags &= ~FPFS_BDEV_FUA;
  }
  memcpy (sb.s_uuid, j->j_uuid, 16);
  block = malloc (j->j_blocksize);
  if (block == NULL)
    return -ENOMEM;
  jbd_sb_encode (&sb, block, j->j_blocksize);
  jbd_trace (j, "jbd2_write_superblock", "dev %s write_op %s%s start %u seq %u",
             jbd_devname (j), preflush ? "FLUSH|" : "",
             (flags & FPFS_BDEV_FUA) ? "FUA" : "WRITE", start, seq);
  /* PREFLUSH (mark_journal_empty): every checkpoint write is durable
   * before the superblock can say the log holds nothing. */
  if (preflush)
    ret = jbd_dev_flush (j);
  if (ret == 0)
    ret = fpfs_bdev_write (j->j_dev, block,
                           j->j_cfg.first_block * j->j_blocksize,
                           j->j_blocksize, flags);
  if (ret < 0)
    jbd_journal_abort (j, ret);
  free (block);
  return ret;
}

/* jbd2_journal_update_sb_log_tail */
int
jbd_update_sb_log_tail (struct journal *j, tid_t tail_tid, uint32_t tail_block,
                        unsigned flags)
{
  assert (tail_block >= j->j_first && tail_block < j->j_last);
  j->j_flags &= ~JBD_FLUSHED;
  return jbd_write_superblock (j, tail_tid, tail_block, false, flags);
}

/* jbd2_mark_journal_empty: s_start = 0, the clean state (umount only). */
int
jbd_mark_journal_empty (struct journal *j)
{
  assert (j->j_checkpoint_transactions == NULL);
  j->j_tail_sequence = ++j->j_transaction_sequence;
  return jbd_write_superblock (j, j->j_tail_sequence, 0, true, FPFS_BDEV_FUA);
}

int
jbd_journal_format (const struct jbd_config *cfg, char *errbuf, size_t errlen)
{
  struct jbd_sb sb = { 0 };
  uint32_t bs;
  uint8_t *block;
  int ret;

  ret = jbd_cfg_check (cfg, errbuf, errlen);
  if (ret < 0)
    return ret;
  bs = buf_block_size (cfg->bc);
  sb.s_blocksize = bs;
  sb.s_maxlen = cfg->nblocks;
  sb.s_first = 1;
  sb.s_sequence = 1;
  sb.s_start = 0;
  sb.s_feature_compat = JBD_FEATURE_COMPAT_CHECKSUM;
  sb.s_feature_incompat = JBD_FEATURE_INCOMPAT_REVOKE
                          | JBD_FEATURE_INCOMPAT_64BIT
                          | JBD_FEATURE_INCOMPAT_XXH3;
  if (cfg->uuid)
    memcpy (sb.s_uuid, cfg->uuid, 16);
  block = malloc (bs);
  if (block == NULL)
    return -ENOMEM;
  jbd_sb_encode (&sb, block, bs);
  trace_event (cfg->trace, cfg->sched ? sched_now (cfg->sched) : 0,
               "jbd2_write_superblock", "dev %s write_op %s start 0 seq 1",
               cfg->devname ? cfg->devname : "fp",
               cfg->barrier ? "FUA" : "WRITE");
  /* FUA: the empty journal is on media before mkfs reports success. */
  ret = fpfs_bdev_write (buf_bdev (cfg->bc), block, cfg->first_block * bs, bs,
                         cfg->barrier ? FPFS_BDEV_FUA : 0);
  if (ret < 0)
    snprintf (errbuf, errlen, "journal format: write of block %llu: %s",
              (unsigned long long) cfg->first_block, strerror (-ret));
  free (block);
  return ret;
}

void
jbd_free_transaction (struct jbd_transaction *t)
{
  assert (t->t_buffers == NULL && t->t_forget == NULL
          && t->t_reserved_list == NULL && t->t_checkpoint_list == NULL
          && t->t_inode_list == NULL);
  jbd_rt_free (&t->t_revoke);
  free (t);
}

static void
jbd_journal_free (struct journal *j)
{
  jbd_stop_commit_timer (j);
  jbd_checkpoint_release_all (j);
  free (j->j_scratch);
  free (j->j_scratch2);
  free (j);
}

int
jbd_journal_load (const struct jbd_config *cfg, struct journal **out,
                  unsigned *replayed, char *errbuf, size_t errlen)
{
  struct journal *j = NULL;
  struct jbd_sb sb;
  unsigned nrep = 0;
  char dummy[1];
  int ret;

  if (errbuf == NULL) {
    errbuf = dummy;
    errlen = sizeof dummy;
  }
  *out = NULL;
  if (replayed)
    *replayed = 0;
  ret = jbd_cfg_check (cfg, errbuf, errlen);
  if (ret < 0)
    return ret;
  j = calloc (1, sizeof *j);
  if (j == NULL)
    return -ENOMEM;
  j->j_cfg = *cfg;
  j->j_bc = cfg->bc;
  j->j_dev = buf_bdev (cfg->bc);
  j->j_blocksize = buf_block_size (cfg->bc);
  j->j_dev_blocks = j->j_dev->size / j->j_blocksize;
  j->j_scratch = malloc (j->j_blocksize);
  j->j_scratch2 = malloc (j->j_blocksize);
  if (j->j_scratch == NULL || j->j_scratch2 == NULL) {
    ret = -ENOMEM;
    goto out;
  }
  ret = fpfs_bdev_read (j->j_dev, j->j_scratch,
                        cfg->first_block * j->j_blocksize, j->j_blocksize);
  if (ret < 0) {
    snprintf (errbuf, errlen, "journal superblock: read of block %llu: %s",
              (unsigned long long) cfg->first_block, strerror (-ret));
    goto out;
  }
  ret = jbd_sb_decode (j->j_scratch, j->j_blocksize, &sb, errbuf, errlen);
  if (ret < 0)
    goto out;
  if (sb.s_maxlen != cfg->nblocks) {
    snprintf (errbuf, errlen,
              "journal superblock: maxlen %u, file system says %u",
              sb.s_maxlen, cfg->nblocks);
    ret = -EINVAL;
    goto out;
  }
  j->j_maxlen = sb.s_maxlen;
  j->j_first = sb.s_first;
  j->j_last = sb.s_maxlen;
  memcpy (j->j_uuid, sb.s_uuid, 16);
  if (cfg->barrier)
    j->j_flags |= JBD_BARRIER;
  j->j_max_transaction_buffers = (int) ((j->j_last - j->j_first) / 4);
  j->j_reserved_blocks = j->j_maxlen / 32 < 32 ? j->j_maxlen / 32 : 32;
  j->j_commit_interval_ns = (uint64_t) cfg->commit_interval_ms * 1000000ull;

  ret = jbd_journal_recover (j, &sb, &nrep, errbuf, errlen);
  if (ret < 0)
    goto out;

  /* journal_reset */
  j->j_head = j->j_tail = j->j_first;
  j->j_free = j->j_last - j->j_first;
  j->j_tail_sequence = j->j_transaction_sequence;
  j->j_commit_sequence = j->j_transaction_sequence - 1;
  j->j_commit_request = j->j_commit_sequence;
  /* A clean journal: defer the write to the first commit (JBD2_FLUSHED).
   * Otherwise FUA: recovery's replayed blocks were flushed before this;
   * the log is live from here on, and the tail must be on media before a
   * commit reuses the log space the old tail still covered. */
  if (sb.s_start == 0)
    j->j_flags |= JBD_FLUSHED;
  else
    ret = jbd_update_sb_log_tail (j, j->j_tail_sequence, j->j_tail,
                                  FPFS_BDEV_FUA);
  if (ret < 0) {
    snprintf (errbuf, errlen, "journal superblock: write: %s",
              strerror (-ret));
    goto out;
  }
  j->j_stats.replayed = nrep;
  jbd_start_commit_timer (j);
  if (replayed)
    *replayed = nrep;
  *out = j;
  j = NULL;
out:
  if (j)
    jbd_journal_free (j);
  return ret;
}

int
jbd_journal_destroy (struct journal *j)
{
  int ret = 0, err;

  if (j == NULL)
    return 0;
  assert (j->j_handle.h_ref == 0);
  jbd_stop_commit_timer (j);
  j->j_flags |= JBD_UNMOUNT;
  if (j->j_running_transaction && !jbd_is_aborted (j))
    ret = jbd_force_commit (j);
  if (!jbd_is_aborted (j)) {
    err = jbd_log_do_checkpoint (j, 0, UINT64_MAX, false);
    if (err < 0 && !ret)
      ret = err;
  }
  if (!jbd_is_aborted (j)) {
    err = jbd_mark_journal_empty (j);
    if (err < 0 && !ret)
      ret = err;
  }
  if (jbd_is_aborted (j) && !ret)
    ret = -EIO;
  jbd_journal_free (j);
  return ret;
}

void
jbd_journal_drop (struct journal *j)
{
  if (j == NULL)
    return;
  jbd_journal_free (j);
}

/* jbd2_journal_abort.  The kernel also records the errno in the journal
 * superblock; flushpoint writes nothing more to a device that just failed. */
void
jbd_journal_abort (struct journal *j, int err)
{
  if (jbd_is_aborted (j))
    return;
  j->j_flags |= JBD_ABORT;
  j->j_errno = err < 0 ? err : -EIO;
  jbd_stop_commit_timer (j);
}

bool
jbd_journal_aborted (const struct journal *j)
{
  return jbd_is_aborted (j);
}

int
jbd_journal_errno (const struct journal *j)
{
  return j->j_errno;
}

tid_t
jbd_running_tid (const struct journal *j)
{
  return j->j_running_transaction ? j->j_running_transaction->t_tid
                                  : j->j_transaction_sequence;
}

tid_t
jbd_commit_sequence (const struct journal *j)
{
  return j->j_commit_sequence;
}

void
jbd_get_stats (const struct journal *j, struct jbd_stats *st)
{
  *st = j->j_stats;
  st->free_log_blocks = j->j_free;
}
