/* recovery: replay the log at mount (fs/jbd2/recovery.c).
 *
 * Three passes walk the log from s_start, expecting s_sequence:
 *   PASS_SCAN    find the end of the log: the first transaction whose
 *                blocks do not follow, or whose commit block is missing,
 *                torn or records another checksum than the one computed
 *                over its revoke, descriptor and data blocks.  That
 *                transaction and everything after it are not committed.
 *   PASS_REVOKE  collect revoke records of the committed transactions:
 *                block -> newest revoking tid.
 *   PASS_REPLAY  write each logged copy in place unless a revoke record
 *                of the same or a later transaction covers it; an escaped
 *                copy gets its magic back.
 * The replayed blocks go through the buffer cache (so the fs sees them),
 * are written once each in block order, then, with barriers, a FLUSH
 * orders them before the journal superblock jbd_journal_load writes next:
 * once it no longer points at these transactions, only the in-place
 * copies remain.
 *
 * The log may be garbage: every walk is bounded by the log length, every
 * tag's block number is checked against the device and the journal
 * region, and a descriptor that does not parse ends the scan.  Garbage
 * never crashes and never replays: at worst nothing is replayed.
 *
 * PASS_SCAN reads a transaction's blocks for its checksum only once it has
 * found the transaction's commit block (scan_defer): the walk itself needs
 * only the descriptor, revoke and commit blocks, and the checksum is fed
 * the same blocks in the same log order as if each had been read on the
 * way.  So a transaction that never committed has its data blocks read by
 * no pass, and the checker's read-set cache (ck_check.c) can tell that a
 * crash state differing from another only there recovers the same way.
 * (The kernel's do_one_pass reads them on the way, in calc_chksums, with
 * JBD2_FEATURE_COMPAT_CHECKSUM; the outcome differs only if such a read
 * fails, which the checker's in-memory images never do.)
 *
 * FPFS_BUG_REPLAY_UNCOMMITTED: the transaction at the end of the log is
 * replayed too when its commit block is missing or invalid, as long as a
 * descriptor of it parsed and its blocks lie within the log.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "jbd_int.h"
#include "trace.h"

enum jbd_pass { PASS_SCAN, PASS_REVOKE, PASS_REPLAY };

struct recovery_info {
  tid_t start_transaction;
  tid_t end_transaction;        /* first tid not replayed */
  unsigned nr_replays, nr_revokes, nr_revoke_hits;
  struct jbd_revoke_table revoke;   /* blocknr -> newest revoking tid */
  struct buf **replayed;        /* buffers written in place, referenced */
  size_t nreplayed, replayed_cap;
  uint8_t *block;               /* the log block being looked at */
  uint8_t *data;                /* a data block being replayed */
  char *errbuf;
  size_t errlen;
};

static int
jbd_read_log_block (struct journal *j, uint32_t logblk, uint8_t *out,
                    struct recovery_info *info)
{
  int ret = fpfs_bdev_read (j->j_dev, out,
                            jbd_log_to_dev (j, logblk) * j->j_blocksize,
                            j->j_blocksize);
  if (ret < 0)
    snprintf (info->errbuf, info->errlen,
              "journal recovery: read of log block %u: %s", logblk,
              strerror (-ret));
  return ret;
}

/* A tag may only name a block of the device outside the journal. */
static bool
jbd_valid_target (const struct journal *j, uint64_t blk)
{
  return blk < j->j_dev_blocks
         && (blk < j->j_cfg.first_block
             || blk >= j->j_cfg.first_block + j->j_maxlen);
}

/* Parse a descriptor: its tags, or -EUCLEAN if it is not one we wrote. */
static int
jbd_parse_descriptor (const struct journal *j, const uint8_t *blk,
                      struct jbd_tag *tags, uint32_t *ntags)
{
  uint32_t off = 0, n = 0;
  uint32_t max = jbd_tags_per_block (j->j_blocksize) + 1;
  int r;

  while ((r = jbd_tag_next (blk, j->j_blocksize, &off, &tags[n])) == 1) {
    if (!jbd_valid_target (j, tags[n].blocknr))
      return -EUCLEAN;
    if (n == 0 && memcmp (blk + JBD_HEADER_SIZE + JBD_TAG_SIZE, j->j_uuid,
                          JBD_UUID_SIZE) != 0)
      return -EUCLEAN;          /* another file system's log */
    if (++n >= max)
      return -EUCLEAN;
  }
  if (r < 0 || n == 0)
    return -EUCLEAN;
  *ntags = n;
  return 0;
}

static bool
jbd_parse_revoke (const struct journal *j, const uint8_t *blk,
                  uint32_t *count)
{
  uint32_t r = jbd_get_be32 (blk + JBD_HEADER_SIZE);

  if (r < JBD_REVOKE_HEADER_SIZE || r > j->j_blocksize
      || (r - JBD_REVOKE_HEADER_SIZE) % 8 != 0)
    return false;
  *count = (r - JBD_REVOKE_HEADER_SIZE) / 8;
  return true;
}

static int
jbd_replay_block (struct journal *j, struct recovery_info *info,
                  const struct jbd_tag *tag, tid_t seq)
{
  uint32_t rseq;
  struct buf *b;
  int ret;

  if (jbd_rt_get (&info->revoke, tag->blocknr, &rseq) && tid_geq (rseq, seq)) {
    info->nr_revoke_hits++;
    return 0;
  }
  if (tag->flags & JBD_FLAG_ESCAPE)
    jbd_put_be32 (info->data, JBD_MAGIC);
  ret = buf_get_fill (j->j_bc, tag->blocknr, info->data, &b);
  if (ret < 0)
    return ret;
  if (b->b_state & BUF_DIRTY) {       /* already ours: a newer copy */
    buf_put (b);
  } else {
    if (info->nreplayed == info->replayed_cap) {
      size_t cap = info->replayed_cap ? info->replayed_cap * 2 : 64;
      struct buf **v = realloc (info->replayed, cap * sizeof *v);
      if (v == NULL) {
        buf_put (b);
        return -ENOMEM;
      }
      info->replayed = v;
      info->replayed_cap = cap;
    }
    buf_mark_dirty (b, jbd_now (j));
    info->replayed[info->nreplayed++] = b;
  }
  info->nr_replays++;
  return 0;
}

/* PASS_SCAN: log blocks of the current transaction waiting to be fed to
 * its checksum, in log order. */
struct scan_defer {
  uint32_t *blk;
  size_t n, cap;
};

static int
scan_defer_add (struct scan_defer *d, uint32_t logblk)
{
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 64;
    uint32_t *v = realloc (d->blk, cap * sizeof *v);
    if (v == NULL)
      return -ENOMEM;
    d->blk = v;
    d->cap = cap;
  }
  d->blk[d->n++] = logblk;
  return 0;
}

/* The commit block is here: read the deferred blocks and feed them. */
static int
scan_defer_feed (struct journal *j, struct scan_defer *d,
                 struct jbd_scan_tx *stx, struct jbd_commit_csum *cs,
                 struct recovery_info *info)
{
  for (size_t i = 0; i < d->n; i++) {
    int ret = jbd_read_log_block (j, d->blk[i], info->data, info);
    if (ret < 0)
      return ret;
    jbd_scan_tx_add (stx, cs, info->data);
  }
  d->n = 0;
  return 0;
}

/* do_one_pass */
static int
jbd_do_one_pass (struct journal *j, const struct jbd_sb *sb,
                 struct recovery_info *info, enum jbd_pass pass)
{
  const uint32_t limit = j->j_last - j->j_first;
  struct jbd_tag *tags;
  struct jbd_commit_csum cs = { NULL };
  struct jbd_scan_tx stx;       /* PASS_SCAN: the scan cache */
  struct scan_defer defer = { NULL, 0, 0 };
  tid_t next_commit_ID = sb->s_sequence;
  uint32_t next_log_block = sb->s_start, steps = 0;
  bool has_desc = false;        /* the current transaction had one */
  int ret = 0;

  memset (&stx, 0, sizeof stx);
  tags = malloc ((jbd_tags_per_block (j->j_blocksize) + 1) * sizeof *tags);
  if (tags == NULL)
    return -ENOMEM;
  if (pass == PASS_SCAN) {
    info->start_transaction = next_commit_ID;
    ret = jbd_csum_begin (&cs, next_commit_ID, j->j_uuid);
    if (ret < 0)
      goto out;
    jbd_scan_tx_begin (&stx, j->j_cfg.scan_cache, next_commit_ID,
                       next_log_block, j->j_blocksize, j->j_uuid);
  }
  for (;;) {
    uint32_t ntags, count, type;

    if (pass != PASS_SCAN && tid_geq (next_commit_ID, info->end_transaction))
      break;
    /* A log never holds more blocks than it has. */
    if (steps++ >= limit)
      break;
    uint32_t this_block = next_log_block;
    ret = jbd_read_log_block (j, next_log_block, info->block, info);
    if (ret < 0)
      goto out;
    next_log_block = jbd_wrap (j, next_log_block + 1);
    if (jbd_get_be32 (info->block) != JBD_MAGIC
        || jbd_get_be32 (info->block + 8) != next_commit_ID)
      break;
    type = jbd_get_be32 (info->block + 4);
    if (type == JBD_DESCRIPTOR_BLOCK) {
      if (jbd_parse_descriptor (j, info->block, tags, &ntags) < 0
          || steps + ntags > limit)
        break;    /* later passes stop here only under the replay bug */
      has_desc = true;
      if (pass == PASS_SCAN && (ret = scan_defer_add (&defer, this_block)) < 0)
        goto out;
      for (uint32_t i = 0; i < ntags; i++) {
        uint32_t logblk = next_log_block;
        next_log_block = jbd_wrap (j, next_log_block + 1);
        steps++;
        if (pass == PASS_REVOKE)
          continue;
        if (pass == PASS_SCAN) {
          if ((ret = scan_defer_add (&defer, logblk)) < 0)
            goto out;
          continue;
        }
        ret = jbd_read_log_block (j, logblk, info->data, info);
        if (ret < 0)
          goto out;
        {
          ret = jbd_replay_block (j, info, &tags[i], next_commit_ID);
          if (ret < 0) {
            snprintf (info->errbuf, info->errlen,
                      "journal recovery: replay of block %llu: %s",
                      (unsigned long long) tags[i].blocknr, strerror (-ret));
            goto out;
          }
        }
      }
      continue;
    }
    if (type == JBD_COMMIT_BLOCK) {
      if (pass == PASS_SCAN) {
        if ((ret = scan_defer_feed (j, &defer, &stx, &cs, info)) < 0)
          goto out;
        if (!jbd_scan_tx_commit (&stx, &cs, info->block))
          break;                /* not committed: the log ends here */
        jbd_scan_tx_end (&stx);
        jbd_csum_free (&cs);
        ret = jbd_csum_begin (&cs, next_commit_ID + 1, j->j_uuid);
        if (ret < 0)
          goto out;
        jbd_scan_tx_begin (&stx, j->j_cfg.scan_cache, next_commit_ID + 1,
                           next_log_block, j->j_blocksize, j->j_uuid);
      }
      next_commit_ID++;
      has_desc = false;
      continue;
    }
    if (type == JBD_REVOKE_BLOCK) {
      if (!jbd_parse_revoke (j, info->block, &count))
        break;
      if (pass == PASS_SCAN && (ret = scan_defer_add (&defer, this_block)) < 0)
        goto out;
      if (pass == PASS_REVOKE)
        for (uint32_t i = 0; i < count; i++) {
          uint64_t blk = jbd_get_be64 (info->block + JBD_REVOKE_HEADER_SIZE
                                       + 8 * i);
          if (blk >= j->j_dev_blocks)
            continue;           /* cannot name a block we would replay */
          ret = jbd_rt_set (&info->revoke, blk, next_commit_ID, true);
          if (ret < 0)
            goto out;
          info->nr_revokes++;
        }
      continue;
    }
    break;                      /* an unknown block type ends the log */
  }
  if (pass == PASS_SCAN) {
    info->end_transaction = next_commit_ID;
    if ((j->j_cfg.bugs & FPFS_BUG_REPLAY_UNCOMMITTED) && has_desc)
      info->end_transaction++;  /* the bug: replay it anyway */
  }
out:
  if (cs.state)
    jbd_csum_free (&cs);
  jbd_scan_tx_end (&stx);
  free (defer.blk);
  free (tags);
  return ret;
}

static int
cmp_buf_blocknr (const void *a, const void *b)
{
  const struct buf *x = *(struct buf *const *) a;
  const struct buf *y = *(struct buf *const *) b;
  return x->b_blocknr < y->b_blocknr ? -1 : x->b_blocknr > y->b_blocknr;
}

/* Write the replayed blocks in place, in block order, then FLUSH. */
static int
jbd_recovery_sync (struct journal *j, struct recovery_info *info)
{
  int ret = 0;

  if (info->nreplayed > 0)
    qsort (info->replayed, info->nreplayed, sizeof *info->replayed,
           cmp_buf_blocknr);
  for (size_t i = 0; i < info->nreplayed; i++) {
    int err = buf_write (info->replayed[i], 0);
    if (err < 0 && !ret) {
      ret = err;
      snprintf (info->errbuf, info->errlen,
                "journal recovery: write of block %llu: %s",
                (unsigned long long) info->replayed[i]->b_blocknr,
                strerror (-err));
    }
  }
  /* FLUSH: the replayed blocks are durable before the superblock stops
   * pointing at the log that holds them. */
  if (ret == 0 && info->nreplayed > 0 && (j->j_flags & JBD_BARRIER)) {
    ret = fpfs_bdev_flush (j->j_dev);
    if (ret < 0)
      snprintf (info->errbuf, info->errlen, "journal recovery: flush: %s",
                strerror (-ret));
  }
  return ret;
}

/* jbd2_journal_recover: sets j_transaction_sequence. */
int
jbd_journal_recover (struct journal *j, const struct jbd_sb *sb,
                     unsigned *replayed, char *errbuf, size_t errlen)
{
  struct recovery_info info = { .errbuf = errbuf, .errlen = errlen };
  int ret;

  *replayed = 0;
  if (sb->s_start == 0) {
    /* Clean: nothing to replay. */
    j->j_transaction_sequence = sb->s_sequence + 1;
    return 0;
  }
  info.block = malloc (j->j_blocksize);
  info.data = malloc (j->j_blocksize);
  if (info.block == NULL || info.data == NULL) {
    ret = -ENOMEM;
    goto out;
  }
  ret = jbd_do_one_pass (j, sb, &info, PASS_SCAN);
  if (ret == 0)
    ret = jbd_do_one_pass (j, sb, &info, PASS_REVOKE);
  if (ret == 0)
    ret = jbd_do_one_pass (j, sb, &info, PASS_REPLAY);
  if (ret == 0)
    ret = jbd_recovery_sync (j, &info);
  if (ret == 0) {
    *replayed = info.end_transaction - info.start_transaction;
    /* Skip a tid: blocks of a transaction that never committed may still
     * sit in the log with tid end_transaction. */
    j->j_transaction_sequence = info.end_transaction + 1;
  }
out:
  for (size_t i = 0; i < info.nreplayed; i++) {
    buf_clear_dirty (info.replayed[i]);   /* on failure: nothing owed */
    buf_put (info.replayed[i]);
  }
  free (info.replayed);
  jbd_rt_free (&info.revoke);
  free (info.block);
  free (info.data);
  return ret;
}
