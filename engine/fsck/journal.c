/* journal: is the journal clean, with nothing committed left to
 * replay?
 *
 * The journal superblock must decode (jbd_sb_decode: magic, checksum,
 * features, bounds), describe the region the fs superblock gives it, and
 * carry the fs uuid.  s_start == 0 is clean.  Otherwise the log is live
 * from s_start, and the scan is recovery's PASS_SCAN (jbd2/recovery.c),
 * with the same rules and the same bounds: walk from s_start expecting tid
 * s_sequence; a block whose magic or tid does not match ends the log; a
 * descriptor must parse (tags naming blocks of the device outside the
 * journal, the uuid, LAST_TAG) and its copies fit in the log; the
 * transaction checksum runs over revoke, descriptor and copy blocks; a
 * commit block that verifies commits the transaction.  Any committed
 * transaction found means recovery has work to do: the journal is not
 * clean.  (After a mount the log is live from s_first with a tid no block
 * there carries, so a recovered image scans as clean.)
 *
 * The decoders are the journal's own (jbd2/ondisk.c): pure functions over
 * bytes, written for hostile input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsck_int.h"
#include "jbd_int.h"

struct jscan {
  struct fsck *c;
  struct jbd_sb sb;
  uint8_t *data;                /* a copy block being summed */
  struct jbd_tag *tags;
  uint32_t ntags_max;
};

static uint32_t
jscan_wrap (const struct jscan *s, uint32_t blk)
{
  return blk >= s->sb.s_maxlen ? blk - (s->sb.s_maxlen - s->sb.s_first) : blk;
}

static int
jscan_read (struct jscan *s, uint32_t logblk, uint8_t *buf)
{
  return fsck_read_block (s->c, s->c->g.journal_start + logblk, buf);
}

/* recovery's jbd_parse_descriptor */
static bool
jscan_descriptor (struct jscan *s, const uint8_t *blk, uint32_t *ntags)
{
  const struct fsck *c = s->c;
  uint64_t jstart = c->g.journal_start, jend = jstart + s->sb.s_maxlen;
  uint32_t off = 0, n = 0;
  int r;

  while ((r = jbd_tag_next (blk, FS_BLOCK_SIZE, &off, &s->tags[n])) == 1) {
    uint64_t b = s->tags[n].blocknr;
    if (b >= c->dev_blocks || (b >= jstart && b < jend))
      return false;
    if (n == 0 && memcmp (blk + JBD_HEADER_SIZE + JBD_TAG_SIZE, s->sb.s_uuid,
                          JBD_UUID_SIZE) != 0)
      return false;
    if (++n >= s->ntags_max)
      return false;
  }
  if (r < 0 || n == 0)
    return false;
  *ntags = n;
  return true;
}

static bool
jscan_revoke (const uint8_t *blk)
{
  uint32_t r = jbd_get_be32 (blk + JBD_HEADER_SIZE);

  return r >= JBD_REVOKE_HEADER_SIZE && r <= FS_BLOCK_SIZE
         && (r - JBD_REVOKE_HEADER_SIZE) % 8 == 0;
}

/* PASS_SCAN: the number of committed transactions from s_start. */
static int
jscan_scan (struct jscan *s, uint32_t *committed, uint32_t *first_commit_blk)
{
  const uint32_t limit = s->sb.s_maxlen - s->sb.s_first;
  uint8_t *blk = s->c->blk;
  struct jbd_commit_csum cs = { NULL };
  tid_t seq = s->sb.s_sequence;
  uint32_t next = s->sb.s_start, steps = 0;
  int ret;

  *committed = 0;
  ret = jbd_csum_begin (&cs, seq, s->sb.s_uuid);
  if (ret < 0)
    goto out;
  /* Every step consumes a log block: bounded by the log length. */
  while (steps++ < limit) {
    uint32_t type, ntags, here = next;

    ret = jscan_read (s, next, blk);
    if (ret < 0)
      goto out;
    next = jscan_wrap (s, next + 1);
    if (jbd_get_be32 (blk) != JBD_MAGIC || jbd_get_be32 (blk + 8) != seq)
      break;
    type = jbd_get_be32 (blk + 4);
    if (type == JBD_DESCRIPTOR_BLOCK) {
      if (!jscan_descriptor (s, blk, &ntags) || steps + ntags > limit)
        break;
      jbd_csum_add (&cs, blk, FS_BLOCK_SIZE);
      for (uint32_t i = 0; i < ntags; i++, steps++) {
        ret = jscan_read (s, next, s->data);
        if (ret < 0)
          goto out;
        next = jscan_wrap (s, next + 1);
        jbd_csum_add (&cs, s->data, FS_BLOCK_SIZE);
      }
    } else if (type == JBD_COMMIT_BLOCK) {
      if (!jbd_commit_block_verify (blk, FS_BLOCK_SIZE, seq,
                                    jbd_csum_end (&cs)))
        break;
      if ((*committed)++ == 0)
        *first_commit_blk = here;
      jbd_csum_free (&cs);
      seq++;
      ret = jbd_csum_begin (&cs, seq, s->sb.s_uuid);
      if (ret < 0)
        goto out;
    } else if (type == JBD_REVOKE_BLOCK) {
      if (!jscan_revoke (blk))
        break;
      jbd_csum_add (&cs, blk, FS_BLOCK_SIZE);
    } else
      break;
  }
out:
  if (cs.state)
    jbd_csum_free (&cs);
  return ret;
}

int
fsck_journal (struct fsck *c)
{
  struct jscan s = { .c = c };
  uint32_t committed = 0, at = 0;
  char msg[200] = "";
  int ret;

  ret = fsck_read_block (c, c->g.journal_start, c->blk);
  if (ret < 0)
    return ret;
  if (jbd_sb_decode (c->blk, FS_BLOCK_SIZE, &s.sb, msg, sizeof msg) < 0) {
    fsck_problem (c, FPFS_FSCK_JOURNAL, "%s", msg);
    return 0;
  }
  if (s.sb.s_maxlen != c->g.journal_blocks) {
    fsck_problem (c, FPFS_FSCK_JOURNAL, "journal superblock: %" PRIu32
                  " blocks, but the file system gives the journal %" PRIu32,
                  s.sb.s_maxlen, c->g.journal_blocks);
    return 0;
  }
  if (memcmp (s.sb.s_uuid, c->sb + SB_UUID, 16) != 0)
    fsck_problem (c, FPFS_FSCK_JOURNAL, "journal superblock: uuid is not the "
                  "file system's");
  if (s.sb.s_start == 0)
    return 0;                   /* clean: nothing to recover */
  s.ntags_max = jbd_tags_per_block (FS_BLOCK_SIZE) + 1;
  s.tags = malloc (s.ntags_max * sizeof *s.tags);
  s.data = malloc (FS_BLOCK_SIZE);
  ret = s.tags && s.data ? jscan_scan (&s, &committed, &at) : -ENOMEM;
  free (s.tags);
  free (s.data);
  if (ret < 0)
    return ret;
  if (committed)
    fsck_problem (c, FPFS_FSCK_JOURNAL, "%" PRIu32 " committed "
                  "transaction%s not replayed, from tid %" PRIu32 " at log "
                  "block %" PRIu32 " (commit block at %" PRIu32 ")", committed,
                  committed > 1 ? "s" : "", s.sb.s_sequence, s.sb.s_start, at);
  return 0;
}
