/* mballoc: ext4_mb_new_blocks with inode preallocation, and block freeing.
 *
 * A data allocation for a regular file first looks for an inode
 * preallocation (PA) covering the logical block: PA space is already marked
 * in the on-disk bitmap, so a steady append takes blocks from its PA
 * without touching a bitmap block at all, and its commits carry only the
 * inode-table block.  Without a PA the request is normalized as
 * ext4_mb_normalize_request does (by file size: 16 KiB ... 1 MiB, then
 * 2, 4 and 8 MiB aligned windows), clipped to the neighbouring mapped
 * blocks and to other PAs, and if a free run of that size exists the whole
 * run is marked used and becomes a new PA.  Otherwise the best free run
 * near the goal is taken as it is.
 *
 * PAs live in memory only.  Unused PA blocks go back to the bitmap when the
 * file's last writer closes it, on truncate, and on eviction.  After a
 * crash the on-disk bitmap still marks them: a leak that fsck reports as
 * a note ("marked in use, owned by nobody"), not an error.  This departs
 * from ext4 on purpose: ext4 marks only the used part of a PA on disk
 * (ext4_mb_use_inode_pa trims ac_b_ex before ext4_mb_mark_diskspace_used,
 * and ext4_mb_generate_from_pa re-adds PAs to the in-core bitmap), so its
 * bitmap block joins nearly every allocating commit.  Marking the window
 * once keeps the bitmap out of steady-state commits (FORMAT.md,
 * "Preallocation"; docs/DESIGN-NOTES.md).
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "ext4.h"

#define MB_MAX_PA_LEN FS_PA_MAX_BLOCKS   /* 8 MiB, ondisk.h */

static bool
pa_slot_used (const struct mb_pa *pa, uint32_t off)
{
  return (pa->pa_used[off >> 3] >> (off & 7)) & 1;
}

/* ext4_mb_use_inode_pa: take up to len blocks at lblk from a PA. */
static bool
mb_use_inode_pa (struct fs_inode *inode, uint32_t lblk, uint32_t len,
                 uint64_t *pblk, uint32_t *got)
{
  for (struct mb_pa *pa = inode->i_prealloc; pa; pa = pa->pa_next) {
    uint32_t off, n = 0;
    if (lblk < pa->pa_lstart || lblk - pa->pa_lstart >= pa->pa_len)
      continue;
    off = lblk - pa->pa_lstart;
    while (n < len && off + n < pa->pa_len && !pa_slot_used (pa, off + n))
      n++;
    if (n == 0)
      return false;
    for (uint32_t i = 0; i < n; i++)
      pa->pa_used[(off + i) >> 3] |= (uint8_t) (1u << ((off + i) & 7));
    pa->pa_free -= n;
    inode->i_fs->s_pa_free -= n;
    *pblk = pa->pa_pstart + off;
    *got = n;
    FS_TRACE (inode->i_fs, "ext4_mballoc_prealloc",
              "dev %s inode %u orig %u/%u result %" PRIu64 "/%u",
              inode->i_fs->s_devname, inode->i_ino, lblk, len, *pblk, n);
    return true;
  }
  return false;
}

/* ext4_mb_normalize_request: the logical window a new PA should cover. */
static void
mb_normalize_request (struct fs_inode *inode, uint32_t lblk, uint32_t len,
                      uint32_t *start, uint32_t *size)
{
  uint64_t bytes = ((uint64_t) lblk + len) << FS_BLOCK_BITS;
  uint64_t sz, st = 0;

  if (bytes < inode->i_size)
    bytes = inode->i_size;
  if (bytes <= 16 * 1024) sz = 16 * 1024;
  else if (bytes <= 32 * 1024) sz = 32 * 1024;
  else if (bytes <= 64 * 1024) sz = 64 * 1024;
  else if (bytes <= 128 * 1024) sz = 128 * 1024;
  else if (bytes <= 256 * 1024) sz = 256 * 1024;
  else if (bytes <= 512 * 1024) sz = 512 * 1024;
  else if (bytes <= 1024 * 1024) sz = 1024 * 1024;
  else if (bytes <= 4u << 20) { sz = 2u << 20; st = ((uint64_t) lblk << FS_BLOCK_BITS) & ~(uint64_t) ((2u << 20) - 1); }
  else if (bytes <= 8u << 20) { sz = 4u << 20; st = ((uint64_t) lblk << FS_BLOCK_BITS) & ~(uint64_t) ((4u << 20) - 1); }
  else { sz = 8u << 20; st = ((uint64_t) lblk << FS_BLOCK_BITS) & ~(uint64_t) ((8u << 20) - 1); }
  *start = (uint32_t) (st >> FS_BLOCK_BITS);
  *size = (uint32_t) (sz >> FS_BLOCK_BITS);
  if ((uint64_t) *start + *size > FS_MAX_FILE_BLOCKS)
    *size = (uint32_t) (FS_MAX_FILE_BLOCKS - *start);
}

/* Clip [*start, *start + *size) so it holds lblk but no other PA and no
 * mapped block.  False when nothing sensible is left. */
static bool
mb_clip_window (struct fs_inode *inode, uint32_t lblk, uint32_t len,
                uint32_t *start, uint32_t *size)
{
  uint64_t s = *start, e = (uint64_t) *start + *size;
  uint64_t pblk;
  uint32_t mlen;

  if (lblk < s || lblk + (uint64_t) len > e)
    return false;
  for (struct mb_pa *pa = inode->i_prealloc; pa; pa = pa->pa_next) {
    uint64_t ps = pa->pa_lstart, pe = ps + pa->pa_len;
    if (pe <= s || ps >= e)
      continue;
    if (pe <= lblk)
      s = pe;
    else if (ps >= (uint64_t) lblk + len)
      e = ps;
    else
      return false;
  }
  /* Mapped blocks to the left: walk runs from s up to lblk (a bounded
   * walk: past 64 runs the window simply starts at lblk). */
  for (uint64_t b = s, steps = 0; b < lblk; steps++) {
    if (steps == 64) {
      s = lblk;
      break;
    }
    if (ext4_ext_lookup (inode, (uint32_t) b, &pblk, &mlen) < 0)
      return false;
    if (pblk)
      s = b + mlen;
    b += mlen ? mlen : 1;
  }
  /* To the right: the first mapped block after the request ends it. */
  if (e > (uint64_t) lblk + len) {
    if (ext4_ext_lookup (inode, lblk + len, &pblk, &mlen) < 0)
      return false;
    if (pblk)
      e = (uint64_t) lblk + len;
    else if ((uint64_t) lblk + len + mlen < e)
      e = (uint64_t) lblk + len + mlen;
  }
  if (s > lblk || e < (uint64_t) lblk + len || e - s <= len)
    return false;
  *start = (uint32_t) s;
  *size = (uint32_t) (e - s);
  return true;
}

static int
mb_new_inode_pa (handle_t *h, struct fs_inode *inode, uint32_t lstart,
                 uint32_t size, uint64_t pstart)
{
  struct mb_pa *pa = calloc (1, sizeof *pa);
  int ret;

  if (pa == NULL || (pa->pa_used = calloc ((size + 7) / 8, 1)) == NULL) {
    free (pa);
    return -ENOMEM;
  }
  ret = ext4_mb_mark_used (h, pstart, size);
  if (ret < 0) {
    free (pa->pa_used);
    free (pa);
    return ret;
  }
  pa->pa_lstart = lstart;
  pa->pa_len = size;
  pa->pa_pstart = pstart;
  pa->pa_free = size;
  pa->pa_next = inode->i_prealloc;
  inode->i_prealloc = pa;
  inode->i_fs->s_pa_free += size;
  return 0;
}

int
ext4_mb_new_blocks (handle_t *h, struct ext4_allocation_request *ar,
                    uint64_t *pblk, uint32_t *len)
{
  struct fpfs *fs = h->h_fs;
  struct fs_inode *inode = ar->inode;
  uint32_t got = 0;
  uint64_t blk = 0;
  int ret = 0;

  assert (ar->len >= 1);
  FS_TRACE (fs, "ext4_request_blocks",
            "dev %s ino %u flags 0x%x len %u lblk %u goal %" PRIu64,
            fs->s_devname, inode ? inode->i_ino : 0, ar->flags, ar->len,
            ar->logical, ar->goal);
  /* Blocks not reserved at write time must be claimed now. */
  if (!(ar->flags & EXT4_MB_DELALLOC_RESERVED)) {
    ret = ext4_claim_free_blocks (fs, ar->len,
                                  (ar->flags & EXT4_MB_HINT_METADATA) != 0);
    if (ret < 0)
      return ret;
  }
  if ((ar->flags & EXT4_MB_HINT_DATA) && inode
      && mb_use_inode_pa (inode, ar->logical, ar->len, &blk, &got))
    goto done;
  if ((ar->flags & EXT4_MB_HINT_DATA) && inode) {
    uint32_t start, size, runlen;
    uint64_t pgoal, run;
    mb_normalize_request (inode, ar->logical, ar->len, &start, &size);
    if (size > MB_MAX_PA_LEN)
      size = MB_MAX_PA_LEN;
    if (mb_clip_window (inode, ar->logical, ar->len, &start, &size)) {
      pgoal = ar->goal > ar->logical - start ? ar->goal - (ar->logical - start)
        : ar->goal;
      run = ext4_mb_find_free (fs, pgoal, size, size, &runlen);
      if (run) {
        ret = mb_new_inode_pa (h, inode, start, size, run);
        if (ret < 0)
          return ret;
        if (mb_use_inode_pa (inode, ar->logical, ar->len, &blk, &got))
          goto done;
      }
    }
  }
  blk = ext4_mb_find_free (fs, ar->goal, 1, ar->len, &got);
  if (blk == 0)
    return -ENOSPC;
  ret = ext4_mb_mark_used (h, blk, got);
  if (ret < 0)
    return ret;
done:
  fs->s_alloc_cursor = blk + got;
  FS_TRACE (fs, "ext4_allocate_blocks",
            "dev %s ino %u flags 0x%x len %u block %" PRIu64 " lblk %u goal %"
            PRIu64, fs->s_devname, inode ? inode->i_ino : 0, ar->flags, got,
            blk, ar->logical, ar->goal);
  *pblk = blk;
  *len = got;
  return 0;
}

int
ext4_new_meta_block (handle_t *h, struct fs_inode *inode, uint64_t goal,
                     uint64_t *pblk)
{
  struct ext4_allocation_request ar = {
    .inode = inode, .logical = 0, .len = 1, .goal = goal,
    .flags = EXT4_MB_HINT_METADATA,
  };
  uint32_t got;
  int ret = ext4_mb_new_blocks (h, &ar, pblk, &got);

  if (ret == 0 && inode)
    inode->i_blocks += FS_BLOCK_SIZE / 512;
  return ret;
}

int
ext4_free_blocks (handle_t *h, struct fs_inode *inode, uint64_t blk,
                  uint32_t count, bool is_metadata)
{
  struct fpfs *fs = h->h_fs;
  int ret;

  FS_TRACE (fs, "ext4_free_blocks",
            "dev %s ino %u block %" PRIu64 " count %u metadata %d",
            fs->s_devname, inode ? inode->i_ino : 0, blk, count, is_metadata);
  if (is_metadata || ext4_should_journal_data (fs))
    for (uint32_t i = 0; i < count; i++) {
      ret = ext4_forget (h, is_metadata, blk + i);
      if (ret < 0)
        return ret;
    }
  ret = ext4_mb_mark_free (h, blk, count);
  if (ret == 0 && inode) {
    uint64_t sectors = (uint64_t) count * (FS_BLOCK_SIZE / 512);
    inode->i_blocks = inode->i_blocks > sectors ? inode->i_blocks - sectors : 0;
  }
  return ret;
}

static void
pa_release_mem (struct fs_inode *inode, struct mb_pa *pa)
{
  inode->i_fs->s_pa_free -= pa->pa_free;
  free (pa->pa_used);
  free (pa);
}

void
ext4_mb_pa_free_all (struct fs_inode *inode)
{
  while (inode->i_prealloc) {
    struct mb_pa *pa = inode->i_prealloc;
    inode->i_prealloc = pa->pa_next;
    pa_release_mem (inode, pa);
  }
}

int
ext4_discard_preallocations (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  handle_t *h;
  int ret;

  if (inode->i_prealloc == NULL)
    return 0;
  FS_TRACE (fs, "ext4_discard_preallocations", "dev %s ino %u",
            fs->s_devname, inode->i_ino);
  if (fs->s_ro) {
    ext4_mb_pa_free_all (inode);      /* nothing may be written */
    return 0;
  }
  ret = ext4_journal_start (fs, "discard_pa", 16, &h);
  if (ret < 0) {
    ext4_mb_pa_free_all (inode);
    return ret;
  }
  while (inode->i_prealloc && !ret) {
    struct mb_pa *pa = inode->i_prealloc;
    uint32_t i = 0;
    while (i < pa->pa_len && !ret) {
      uint32_t j;
      if (pa_slot_used (pa, i)) {
        i++;
        continue;
      }
      for (j = i; j < pa->pa_len && !pa_slot_used (pa, j); j++)
        ;
      if (ext4_handle_credits_left (h) < 3)
        ret = ext4_journal_restart (h, 16);
      if (!ret)
        ret = ext4_mb_mark_free (h, pa->pa_pstart + i, j - i);
      i = j;
    }
    inode->i_prealloc = pa->pa_next;
    pa_release_mem (inode, pa);
  }
  if (ret)
    ext4_mb_pa_free_all (inode);
  {
    int err = ext4_journal_stop (h);
    if (!ret)
      ret = err;
  }
  return ret;
}

bool
ext4_should_retry_alloc (struct fpfs *fs, int *retries)
{
  /* Blocks freed by transactions not yet committed, or parked in
   * preallocations, come back with a commit. */
  if (fs->s_ro || ++*retries > 3)
    return false;
  FS_TRACE (fs, "ext4_should_retry_alloc", "dev %s retries %d",
            fs->s_devname, *retries);
  ext4_mb_discard_all (fs);
  if (fs->s_journal)
    ext4_force_commit (fs);
  return true;
}
