/* xattr: pass 1's check of an inode's extended attributes (e2fsck's
 * check_ext_attr and check_ea_in_inode), on ext4's format (ondisk.h,
 * FORMAT.md "Extended attributes").
 *
 * In the inode: i_extra_isize leaves room for the 4-byte header (and is a
 * multiple of 4); when the header holds XATTR_MAGIC the entries must end
 * inside the inode, each value lie between the entries' terminator and the
 * inode's end, and an entry's hash be 0 (what ext4 4.10 writes there) or
 * its ext4_xattr_hash_entry.
 *
 * The block (i_file_acl, 0 for none): inside the data area; claimed for
 * the inode like an extent (so the bitmap and double-use checks cover it)
 * and counted in i_blocks; the header has XATTR_MAGIC, h_blocks 1 and
 * h_refcount 1 (the engine shares no blocks); entries well-formed as
 * above, sorted as ext4 keeps them, each hash right, and h_hash the
 * ext4_xattr_rehash of them.  A block someone else claimed first is not
 * read (it is theirs: pass 1b names both owners).
 *
 * Problems are counted under FPFS_FSCK_EXTENTS, the check of an inode's
 * own block structures (fpfs.h's list of checks is the API: unchanged).
 * Every walk is bounded by the area's size: an entry is at least 16 bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fsck_int.h"

#define XPROBLEM(c, ...) fsck_problem ((c), FPFS_FSCK_EXTENTS, __VA_ARGS__)

/* Entries from first, values counted from vbase, all inside end.  Returns
 * false (after reporting) when they are not well-formed. */
static bool
xattr_entries_ok (struct fsck *c, uint32_t ino, const char *where,
                  const uint8_t *first, const uint8_t *end,
                  const uint8_t *vbase, bool block)
{
  const uint8_t *e = first, *last, *prev = NULL;
  unsigned i = 0;

  for (;; i++) {
    if (e + 4 > end) {
      XPROBLEM (c, "inode %" PRIu32 ": %s: xattr entries run past the end",
                ino, where);
      return false;
    }
    if (xattr_is_last (e))
      break;
    if (e + XATTR_ENTRY_SIZE > end || xattr_next (e) + 4 > end
        || e[XE_NAME_LEN] == 0) {
      XPROBLEM (c, "inode %" PRIu32 ": %s: xattr entry %u is malformed",
                ino, where, i);
      return false;
    }
    e = xattr_next (e);
  }
  last = e;
  for (e = first, i = 0; e < last; e = xattr_next (e), i++) {
    uint32_t size = get_le32 (e + XE_VALUE_SIZE), hash;
    size_t offs = get_le16 (e + XE_VALUE_OFFS);

    if (get_le32 (e + XE_VALUE_BLOCK) != 0
        || (size && (offs > (size_t) (end - vbase) || vbase + offs < last + 4
                     || XATTR_SIZE (size) > (size_t) (end - (vbase + offs))))) {
      XPROBLEM (c, "inode %" PRIu32 ": %s: xattr entry %u: value (offset %zu"
                ", size %" PRIu32 ") outside the area", ino, where, i, offs,
                size);
      return false;
    }
    hash = xattr_hash_entry (e, vbase);
    if (get_le32 (e + XE_HASH) != hash && (block || get_le32 (e + XE_HASH))) {
      XPROBLEM (c, "inode %" PRIu32 ": %s: xattr entry %u: hash 0x%08" PRIx32
                ", want 0x%08" PRIx32, ino, where, i, get_le32 (e + XE_HASH),
                hash);
      return false;
    }
    if (block && prev) {
      int cmp = prev[XE_NAME_INDEX] - e[XE_NAME_INDEX];
      if (!cmp)
        cmp = prev[XE_NAME_LEN] - e[XE_NAME_LEN];
      if (!cmp)
        cmp = memcmp (prev + XE_NAME, e + XE_NAME, e[XE_NAME_LEN]);
      if (cmp >= 0) {
        XPROBLEM (c, "inode %" PRIu32 ": %s: xattr entry %u out of order",
                  ino, where, i);
        return false;
      }
    }
    prev = e;
  }
  return true;
}

static void
xattr_check_ibody (struct fsck *c, uint32_t ino, const uint8_t *raw)
{
  unsigned extra = get_le16 (raw + IN_EXTRA_ISIZE);
  const uint8_t *hdr;

  if (IN_GOOD_OLD_SIZE + extra + XATTR_IBODY_HDR > FS_INODE_SIZE
      || (extra & 3)) {
    XPROBLEM (c, "inode %" PRIu32 ": i_extra_isize %u invalid", ino, extra);
    return;
  }
  if (extra == 0)
    return;                      /* no extra space in use: no xattrs */
  hdr = raw + IN_GOOD_OLD_SIZE + extra;
  if (get_le32 (hdr) != XATTR_MAGIC)
    return;
  xattr_entries_ok (c, ino, "in-inode xattrs", hdr + XATTR_IBODY_HDR,
                    raw + FS_INODE_SIZE, hdr + XATTR_IBODY_HDR, false);
}

uint64_t
fsck_xattrs (struct fsck *c, uint32_t ino, const uint8_t *raw)
{
  uint64_t blk = get_le64 (raw + IN_FILE_ACL);
  const uint8_t *b = c->blk;
  char where[48];

  xattr_check_ibody (c, ino, raw);
  if (blk == 0)
    return 0;
  if (blk < c->g.first_data_block || blk >= c->g.blocks_count) {
    XPROBLEM (c, "inode %" PRIu32 ": xattr block %" PRIu64 " outside the "
              "data area", ino, blk);
    return 0;
  }
  if (fsck_claim (c, ino, NULL, blk, 1) > 0)
    return 1;                    /* someone's block: counted, not read */
  if (fsck_read_block (c, blk, c->blk) < 0)
    return 1;                    /* reported with the read */
  snprintf (where, sizeof where, "xattr block %" PRIu64, blk);
  if (get_le32 (b + XH_MAGIC) != XATTR_MAGIC || get_le32 (b + XH_BLOCKS) != 1
      || get_le32 (b + XH_REFCOUNT) != 1) {
    XPROBLEM (c, "inode %" PRIu32 ": %s: bad header (magic 0x%08" PRIx32
              " refcount %" PRIu32 " blocks %" PRIu32 ")", ino, where,
              get_le32 (b + XH_MAGIC), get_le32 (b + XH_REFCOUNT),
              get_le32 (b + XH_BLOCKS));
    return 1;
  }
  if (!xattr_entries_ok (c, ino, where, b + XATTR_BLOCK_HDR,
                         b + FS_BLOCK_SIZE, b, true))
    return 1;
  if (xattr_is_last (b + XATTR_BLOCK_HDR))
    XPROBLEM (c, "inode %" PRIu32 ": %s holds no entries", ino, where);
  else if (get_le32 (b + XH_HASH) != xattr_block_hash (b + XATTR_BLOCK_HDR))
    XPROBLEM (c, "inode %" PRIu32 ": %s: h_hash 0x%08" PRIx32 ", want 0x%08"
              PRIx32, ino, where, get_le32 (b + XH_HASH),
              xattr_block_hash (b + XATTR_BLOCK_HDR));
  return 1;
}

void
fsck_xattr_resolve (struct fsck *c, uint32_t ino, const uint8_t *raw)
{
  uint64_t blk = get_le64 (raw + IN_FILE_ACL);

  if (blk < c->g.first_data_block || blk >= c->g.blocks_count)
    return;
  for (unsigned i = 0; i < c->ndups; i++) {
    struct fsck_dup *d = &c->dups[i];
    if (d->owner1 == UINT32_MAX && blk >= d->start
        && blk < d->start + d->len)
      d->owner1 = ino;
  }
}
