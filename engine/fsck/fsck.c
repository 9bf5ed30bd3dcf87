/* fsck: the file-system checker (fpfs_fsck in fpfs.h), entry point,
 * superblock, bitmaps and the report.
 *
 * fpfs_fsck judges any image, not just one this engine wrote: it reads the
 * device read-only with its own block reads, independent of the mounted
 * fs's structures, and trusts no number it reads (fsck_int.h lists the
 * passes).  It answers
 *   - a negative errno when it cannot run at all: the device is unusable,
 *     a read fails, memory runs out, or block 0 does not carry the fpfs
 *     magic (not an fpfs image);
 *   - 0 otherwise, with r->errors problems, counted per check, and the
 *     first of them as text lines ("links: inode 12: links_count 1 but 2
 *     directory entries").  A superblock that fails validation is one
 *     "super" problem, and nothing behind it is checked.
 *
 * What each check covers:
 *   super       ondisk_sb_check (checksum, geometry, features); s_state
 *               ERROR; the orphan chain (range, cycles, free inodes) and
 *               an orphan list on a cleanly unmounted fs
 *   bitmaps     every claimed block marked (fixed metadata, tree nodes,
 *               extents); every marked block claimed (leaks, below);
 *               padding bits set; reserved inodes 1-10 marked; a marked
 *               slot that holds no live inode; an entry naming a live
 *               inode whose bit is clear
 *   double-use  a block claimed twice, naming both owners
 *   extents     inode mode and flags; tree headers, key order and ranges,
 *               index key = child's first key, extent lengths, blocks in
 *               the data area; no blocks past EOF (orphans excepted);
 *               i_blocks = data + tree blocks; size limits
 *   links       i_links_count = entries naming the inode (+ subdirectories
 *               for a directory); links 0 only on the orphan list
 *   dirs        records tile each block; names (no '/', NUL, empty, stray
 *               "." / ".."), file types, unique names, target inodes in
 *               range and in use, not the root; "." and ".."; no holes;
 *               directory sizes; every inode reachable from the root, a
 *               directory named once (no cycles), ".." = the parent
 *   journal     the journal superblock sane and the fs's; nothing
 *               committed left to replay from s_start
 *
 * Leaks.  A block marked in the block bitmap that nothing uses is an error,
 * with one exception this engine needs: its inode preallocations (PAs,
 * mballoc.c) are marked on disk while they live only in memory, so a crash
 * leaves the unused part of each PA marked, and neither recovery nor umount
 * gives it back.  A leaked run that lies within one PA's reach of a regular
 * file's extent (FSCK_PA_MAX_LEN blocks either side: mballoc.c's largest PA)
 * is counted as such a leak and reported as a note, not an error.  A marked
 * block far from any file is an error.  (ext4 itself marks only the used part
 * of a PA on disk, ext4_mb_use_inode_pa trimming ac_b_ex before
 * ext4_mb_mark_diskspace_used, so it never leaks; if the engine does the same,
 * set FSCK_PA_LEAKS to false and every leak is an error.)
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsck_int.h"

static const char *const fsck_check_names[FPFS_FSCK_NCHECKS] = {
  [FPFS_FSCK_SUPER] = "super",
  [FPFS_FSCK_BITMAPS] = "bitmaps",
  [FPFS_FSCK_DOUBLE_USE] = "double-use",
  [FPFS_FSCK_EXTENTS] = "extents",
  [FPFS_FSCK_LINKS] = "links",
  [FPFS_FSCK_DIRS] = "dirs",
  [FPFS_FSCK_JOURNAL] = "journal",
};

const char *
fpfs_fsck_check_name (int check)
{
  if (check < 0 || check >= FPFS_FSCK_NCHECKS)
    return "unknown";
  return fsck_check_names[check];
}

/* ---- the report ---- */

/* Room kept at the end of r->text for the "... more" line. */
#define FSCK_TEXT_RESERVE 48u

static void
fsck_vline (struct fsck *c, const char *prefix, const char *fmt, va_list ap)
{
  char line[320];
  int n = snprintf (line, sizeof line, "%s: ", prefix);
  size_t len, room = sizeof c->r->text - FSCK_TEXT_RESERVE;

  if (n < 0)
    return;
  vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
  len = strlen (line);
  if (c->text_len + len + 1 >= room) {
    c->text_dropped++;
    return;
  }
  memcpy (c->r->text + c->text_len, line, len);
  c->r->text[c->text_len + len] = '\n';
  c->text_len += len + 1;
  c->r->text[c->text_len] = '\0';
}

void
fsck_problem (struct fsck *c, enum fpfs_fsck_check chk, const char *fmt, ...)
{
  va_list ap;

  assert (chk >= 0 && chk < FPFS_FSCK_NCHECKS);
  c->r->errors++;
  c->r->per_check[chk]++;
  va_start (ap, fmt);
  fsck_vline (c, fsck_check_names[chk], fmt, ap);
  va_end (ap);
}

void
fsck_note (struct fsck *c, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  fsck_vline (c, "note", fmt, ap);
  va_end (ap);
}

void
fsck_text (struct fsck *c, enum fpfs_fsck_check chk, const char *fmt, ...)
{
  va_list ap;

  assert (chk >= 0 && chk < FPFS_FSCK_NCHECKS);
  va_start (ap, fmt);
  fsck_vline (c, fsck_check_names[chk], fmt, ap);
  va_end (ap);
}

const char *
fsck_blocks (char *buf, uint64_t start, uint64_t end)
{
  if (end - start == 1)
    snprintf (buf, FSCK_RANGE_LEN, "block %" PRIu64, start);
  else
    snprintf (buf, FSCK_RANGE_LEN, "blocks %" PRIu64 "-%" PRIu64, start,
              end - 1);
  return buf;
}

static void
fsck_text_finish (struct fsck *c)
{
  if (c->text_dropped)
    snprintf (c->r->text + c->text_len, sizeof c->r->text - c->text_len,
              "... %u more not shown\n", c->text_dropped);
}

/* ---- reads ---- */

int
fsck_read_block (struct fsck *c, uint64_t blk, uint8_t *buf)
{
  int ret;

  assert (blk < c->dev_blocks);
  ret = fpfs_bdev_read (c->bd, buf, blk * FS_BLOCK_SIZE, FS_BLOCK_SIZE);
  if (ret < 0 && c->errbuf && c->errlen)
    snprintf (c->errbuf, c->errlen, "fsck: %s: read of block %" PRIu64
              " failed: %s", c->bd->desc, blk, strerror (-ret));
  return ret;
}

bool
fsck_inode_marked (const struct fsck *c, uint32_t ino)
{
  assert (ino >= 1 && ino <= c->g.inodes_count);
  return bm_test (c->ibm, ino - 1);
}

int
fsck_read_inode (struct fsck *c, uint32_t ino, const uint8_t **raw)
{
  uint64_t blk;
  int ret;

  assert (ino >= 1 && ino <= c->g.inodes_count);
  blk = c->g.itable_start + (ino - 1) / FS_INODES_PER_BLOCK;
  if (blk != c->itab_blk) {
    c->itab_blk = 0;
    ret = fsck_read_block (c, blk, c->itab);
    if (ret < 0)
      return ret;
    c->itab_blk = blk;
  }
  *raw = c->itab + ((ino - 1) % FS_INODES_PER_BLOCK) * FS_INODE_SIZE;
  return 0;
}

int
fsck_grow (void **v, size_t *cap, size_t n, size_t elem)
{
  size_t ncap;
  void *p;

  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 64;
  if (ncap > SIZE_MAX / elem)
    return -ENOMEM;
  p = realloc (*v, ncap * elem);
  if (p == NULL)
    return -ENOMEM;
  *v = p;
  *cap = ncap;
  return 0;
}

/* ---- bit sets of blocks, a word at a time ---- */

/* First bit in [pos, end) of (a & ~b) (b may be NULL) equal to want, or
 * end. */
static uint64_t
bs_next (const uint64_t *a, const uint64_t *b, uint64_t pos, uint64_t end,
         bool want)
{
  while (pos < end) {
    uint64_t w = a[pos >> 6] & (b ? ~b[pos >> 6] : ~0ull);
    if (!want)
      w = ~w;
    w &= ~0ull << (pos & 63);
    if (w) {
      uint64_t i = (pos & ~63ull) + (uint64_t) __builtin_ctzll (w);
      return i < end ? i : end;
    }
    pos = (pos | 63) + 1;
  }
  return end;
}

/* First block in [pos, end) that is (want) / is not (!want) both free in
 * the bitmap and unclaimed, or end. */
static uint64_t
bs_next_free (const struct fsck *c, uint64_t pos, uint64_t end, bool want)
{
  while (pos < end) {
    uint64_t w = ~(c->bbm[pos >> 6] | c->owned[pos >> 6]);
    if (!want)
      w = ~w;
    w &= ~0ull << (pos & 63);
    if (w) {
      uint64_t i = (pos & ~63ull) + (uint64_t) __builtin_ctzll (w);
      return i < end ? i : end;
    }
    pos = (pos | 63) + 1;
  }
  return end;
}

static void
bs_set_range (uint64_t *a, uint64_t start, uint64_t end)
{
  while (start < end) {
    uint64_t bit = start & 63;
    uint64_t n = 64 - bit < end - start ? 64 - bit : end - start;
    uint64_t mask = n == 64 ? ~0ull : ((1ull << n) - 1) << bit;
    a[start >> 6] |= mask;
    start += n;
  }
}

uint64_t
fsck_claim (struct fsck *c, uint32_t owner, const char *what, uint64_t start,
            uint64_t len)
{
  uint64_t end = start + len, pos, ndup = 0;
  char rb[FSCK_RANGE_LEN];

  assert (len > 0 && start < c->g.blocks_count
          && len <= c->g.blocks_count - start);
  if (c->claims_stopped)
    return len;
  /* Runs already claimed: double use. */
  for (pos = start; pos < end;) {
    uint64_t a = bs_next (c->owned, NULL, pos, end, true), b;
    if (a >= end)
      break;
    b = bs_next (c->owned, NULL, a, end, false);
    c->r->errors++;
    c->r->per_check[FPFS_FSCK_DOUBLE_USE]++;
    if (c->ndups < FSCK_MAX_DUPS)
      c->dups[c->ndups++] = (struct fsck_dup) { a, b - a, UINT32_MAX, owner };
    else
      c->text_dropped++;
    ndup += b - a;
    pos = b;
  }
  /* Runs newly in use but free in the bitmap (a run claimed before was
   * reported then). */
  for (pos = start; pos < end;) {
    uint64_t a = bs_next_free (c, pos, end, true), b;
    if (a >= end)
      break;
    b = bs_next_free (c, a, end, false);
    if (owner)
      fsck_problem (c, FPFS_FSCK_BITMAPS, "inode %" PRIu32 ": %s in use but "
                    "free in the block bitmap", owner, fsck_blocks (rb, a, b));
    else
      fsck_problem (c, FPFS_FSCK_BITMAPS, "%s: %s free in the block bitmap",
                    what, fsck_blocks (rb, a, b));
    pos = b;
  }
  bs_set_range (c->owned, start, end);
  c->dup_blocks += ndup;
  if (c->dup_blocks > c->g.blocks_count) {
    /* More double use than the device has blocks: the image is garbage,
     * and further claims would only cost time. */
    c->claims_stopped = true;
    fsck_problem (c, FPFS_FSCK_DOUBLE_USE, "more blocks used twice than the "
                  "device holds: stopped checking block ownership");
  }
  return ndup;
}

/* ---- superblock and bitmaps ---- */

/* The first clear padding bit of one bitmap block (bits past nbits, which
 * must all be set, as mke2fs leaves them) into *pad_from, unless one was
 * found before.  Whole all-ones words are skipped 64 bits at a time: a small
 * file system's bitmap block is nearly all padding, read once a state. */
static void
fsck_pad_check (const uint8_t *bm, uint64_t nbits, uint64_t base,
                uint64_t *pad_from)
{
  uint32_t b = nbits > base ? (nbits - base < FS_BITS_PER_BLOCK
                               ? (uint32_t) (nbits - base)
                               : FS_BITS_PER_BLOCK) : 0;

  if (*pad_from != UINT64_MAX)
    return;
  while (b < FS_BITS_PER_BLOCK) {
    if ((b & 63) == 0 && get_le64 (bm + (b >> 3)) == UINT64_MAX) {
      b += 64;
      continue;
    }
    if (!bm_test (bm, b)) {
      *pad_from = base + b;
      return;
    }
    b++;
  }
}

static int
fsck_load_bitmaps (struct fsck *c)
{
  const struct fs_geometry *g = &c->g;
  uint64_t nbits = g->blocks_count, pad_from = UINT64_MAX;
  int ret;

  for (uint32_t i = 0; i < g->bbitmap_blocks; i++) {
    uint64_t base = (uint64_t) i * FS_BITS_PER_BLOCK;
    ret = fsck_read_block (c, g->bbitmap_start + i, c->blk);
    if (ret < 0)
      return ret;
    for (uint32_t w = 0; w < FS_BLOCK_SIZE / 8; w++) {
      uint64_t wi = base / 64 + w;
      if (wi < c->nwords)
        c->bbm[wi] = get_le64 (c->blk + 8 * w);
    }
    fsck_pad_check (c->blk, nbits, base, &pad_from);
  }
  if (pad_from != UINT64_MAX)
    fsck_problem (c, FPFS_FSCK_BITMAPS, "block bitmap: padding bit %" PRIu64
                  " (past the last block) is clear", pad_from);
  if (nbits % 64)                     /* bits past the end are not blocks */
    c->bbm[c->nwords - 1] &= (1ull << (nbits % 64)) - 1;

  nbits = g->inodes_count;
  pad_from = UINT64_MAX;
  for (uint32_t i = 0; i < g->ibitmap_blocks; i++) {
    uint64_t base = (uint64_t) i * FS_BITS_PER_BLOCK;
    uint8_t *p = c->ibm + (size_t) i * FS_BLOCK_SIZE;
    ret = fsck_read_block (c, g->ibitmap_start + i, p);
    if (ret < 0)
      return ret;
    fsck_pad_check (p, nbits, base, &pad_from);
  }
  if (pad_from != UINT64_MAX)
    fsck_problem (c, FPFS_FSCK_BITMAPS, "inode bitmap: padding bit %" PRIu64
                  " (past the last inode) is clear", pad_from);
  for (uint32_t ino = 1; ino < FS_FIRST_INO; ino++)
    if (!fsck_inode_marked (c, ino))
      fsck_problem (c, FPFS_FSCK_BITMAPS, "inode %" PRIu32 ": reserved, but "
                    "free in the inode bitmap", ino);
  return 0;
}

/* The regions of ondisk.h before the data area belong to no inode. */
static void
fsck_claim_metadata (struct fsck *c)
{
  const struct fs_geometry *g = &c->g;

  fsck_claim (c, 0, "superblock", 0, 1);
  if (c->has_journal)
    fsck_claim (c, 0, "journal", g->journal_start, g->journal_blocks);
  fsck_claim (c, 0, "block bitmap", g->bbitmap_start, g->bbitmap_blocks);
  fsck_claim (c, 0, "inode bitmap", g->ibitmap_start, g->ibitmap_blocks);
  fsck_claim (c, 0, "inode table", g->itable_start, g->itable_blocks);
}

void
fsck_pa_window (struct fsck *c, uint64_t pblk, uint64_t len)
{
  uint64_t lo = pblk > c->g.first_data_block + FSCK_PA_MAX_LEN
                ? pblk - FSCK_PA_MAX_LEN : c->g.first_data_block;
  uint64_t hi = pblk + len + FSCK_PA_MAX_LEN;

  if (hi > c->g.blocks_count)
    hi = c->g.blocks_count;
  if (FSCK_PA_LEAKS && lo < hi)
    bs_set_range (c->pa_win, lo, hi);
}

/* Pass 5: every marked block is claimed (claims already reported the
 * converse). */
static void
fsck_pass5 (struct fsck *c)
{
  uint64_t end = c->g.blocks_count, pos;
  char rb[FSCK_RANGE_LEN];

  for (pos = 0; pos < end;) {
    uint64_t a = bs_next (c->bbm, c->owned, pos, end, true), b;
    if (a >= end)
      break;
    b = bs_next (c->bbm, c->owned, a, end, false);
    c->r->unowned_blocks += b - a;
    if (FSCK_PA_LEAKS && bs_next (c->pa_win, NULL, a, b, false) >= b)
      c->n_leaked += b - a;
    else {
      c->r->unowned_problems++;
      fsck_problem (c, FPFS_FSCK_BITMAPS, "%s: marked in the block bitmap "
                    "but used by nothing", fsck_blocks (rb, a, b));
    }
    pos = b;
  }
  if (c->n_leaked)
    fsck_note (c, "%" PRIu64 " block(s) marked in the block bitmap but used "
               "by nothing, next to files: preallocations left by a crash, "
               "not an error", c->n_leaked);
}

static int
fsck_super (struct fsck *c, bool *ok)
{
  char msg[256] = "";
  uint32_t orphan;
  uint16_t state;
  int ret;

  *ok = false;
  ret = fsck_read_block (c, 0, c->sb);
  if (ret < 0)
    return ret;
  if (get_le32 (c->sb + SB_MAGIC) != FS_SB_MAGIC) {
    if (c->errbuf && c->errlen)
      snprintf (c->errbuf, c->errlen, "fsck: %s: not an fpfs image (magic "
                "0x%08" PRIx32 ")", c->bd->desc, get_le32 (c->sb + SB_MAGIC));
    return -EINVAL;
  }
  if (ondisk_sb_check (c->sb, c->dev_blocks, msg, sizeof msg) < 0) {
    fsck_problem (c, FPFS_FSCK_SUPER, "%s", msg);
    return 0;
  }
  ondisk_geometry_get (c->sb, &c->g);
  state = get_le16 (c->sb + SB_STATE);
  c->clean = (state & FS_STATE_VALID) != 0;
  c->has_journal = (get_le32 (c->sb + SB_FEAT_COMPAT)
                    & FS_FEATURE_COMPAT_HAS_JOURNAL) != 0;
  if (state & FS_STATE_ERROR)
    fsck_problem (c, FPFS_FSCK_SUPER, "superblock: state 0x%04x says errors "
                  "were found", (unsigned) state);
  orphan = get_le32 (c->sb + SB_LAST_ORPHAN);
  if (c->clean && orphan)
    fsck_problem (c, FPFS_FSCK_SUPER, "superblock: orphan list (head inode %"
                  PRIu32 ") on a cleanly unmounted file system", orphan);
  *ok = true;
  return 0;
}

static int
fsck_alloc (struct fsck *c)
{
  const struct fs_geometry *g = &c->g;

  c->nwords = (g->blocks_count + 63) / 64;
  c->owned = calloc (c->nwords, sizeof *c->owned);
  c->bbm = calloc (c->nwords, sizeof *c->bbm);
  c->pa_win = calloc (c->nwords, sizeof *c->pa_win);
  c->ibm = malloc ((size_t) g->ibitmap_blocks * FS_BLOCK_SIZE);
  c->ino = calloc ((size_t) g->inodes_count + 1, sizeof *c->ino);
  c->itab = malloc (FS_BLOCK_SIZE);
  if (!c->owned || !c->bbm || !c->pa_win || !c->ibm || !c->ino || !c->itab)
    return -ENOMEM;
  for (unsigned i = 0; i <= EXT_MAX_DEPTH; i++)
    if ((c->node[i] = malloc (FS_BLOCK_SIZE)) == NULL)
      return -ENOMEM;
  return 0;
}

static void
fsck_free (struct fsck *c)
{
  free (c->owned);
  free (c->bbm);
  free (c->pa_win);
  free (c->ibm);
  free (c->ino);
  free (c->itab);
  free (c->dext);
  free (c->edges);
  for (unsigned i = 0; i <= EXT_MAX_DEPTH; i++)
    free (c->node[i]);
  free (c->blk);
  free (c);
}

int
fpfs_fsck (struct fpfs_bdev *bd, struct fpfs_fsck_report *r, char *errbuf,
           size_t errlen)
{
  struct fsck *c;
  bool ok = false;
  int ret;

  memset (r, 0, sizeof *r);
  if (errbuf && errlen)
    errbuf[0] = '\0';
  if (bd == NULL || bd->sector_size == 0 || FS_BLOCK_SIZE % bd->sector_size
      || bd->size < FS_BLOCK_SIZE) {
    if (errbuf && errlen)
      snprintf (errbuf, errlen, "fsck: device too small or sector size "
                "unsupported");
    return -EINVAL;
  }
  c = calloc (1, sizeof *c);
  if (c == NULL)
    return -ENOMEM;
  c->bd = bd;
  c->r = r;
  c->errbuf = errbuf;
  c->errlen = errlen;
  c->dev_blocks = bd->size / FS_BLOCK_SIZE;
  c->blk = malloc (FS_BLOCK_SIZE);
  ret = c->blk ? fsck_super (c, &ok) : -ENOMEM;
  if (ret < 0 || !ok)
    goto out;
  ret = fsck_alloc (c);
  if (ret == 0)
    ret = fsck_load_bitmaps (c);
  if (ret < 0)
    goto out;
  fsck_claim_metadata (c);
  ret = fsck_orphans (c);
  if (ret == 0)
    ret = fsck_pass1 (c);
  if (ret == 0)
    ret = fsck_pass1b (c);
  if (ret == 0)
    ret = fsck_pass2 (c);
  if (ret == 0)
    ret = fsck_pass3 (c);
  if (ret < 0)
    goto out;
  fsck_pass4 (c);
  if (!c->claims_stopped)
    fsck_pass5 (c);
  if (c->has_journal)
    ret = fsck_journal (c);
out:
  if (ret == -ENOMEM && errbuf && errlen && errbuf[0] == '\0')
    snprintf (errbuf, errlen, "fsck: out of memory");
  if (ret == 0)
    fsck_text_finish (c);
  fsck_free (c);
  return ret;
}
