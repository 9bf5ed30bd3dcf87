/* ondisk: superblock encoding and validation (layout in ondisk.h and
 * FORMAT.md).
 *
 * ondisk_sb_check is the gate every image passes before the engine trusts
 * a single number in it: a garbage or truncated image must give an error
 * message here, never a wild read later.  It checks the checksum first (so
 * random bytes fail fast), then every region's bounds and order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <xxhash.h>

#include "ondisk.h"

uint32_t
ondisk_sb_csum (const uint8_t *sb)
{
  return XXH32 (sb, SB_CHECKSUM, 0);
}

void
ondisk_sb_csum_set (uint8_t *sb)
{
  put_le32 (sb + SB_CHECKSUM, ondisk_sb_csum (sb));
}

void
ondisk_geometry_get (const uint8_t *sb, struct fs_geometry *g)
{
  g->blocks_count = get_le64 (sb + SB_BLOCKS_COUNT);
  g->inodes_count = get_le32 (sb + SB_INODES_COUNT);
  g->journal_start = get_le64 (sb + SB_JOURNAL_START);
  g->journal_blocks = get_le32 (sb + SB_JOURNAL_BLOCKS);
  g->bbitmap_start = get_le64 (sb + SB_BBITMAP_START);
  g->bbitmap_blocks = get_le32 (sb + SB_BBITMAP_BLOCKS);
  g->ibitmap_start = get_le64 (sb + SB_IBITMAP_START);
  g->ibitmap_blocks = get_le32 (sb + SB_IBITMAP_BLOCKS);
  g->itable_start = get_le64 (sb + SB_ITABLE_START);
  g->itable_blocks = get_le32 (sb + SB_ITABLE_BLOCKS);
  g->first_data_block = get_le64 (sb + SB_FIRST_DATA);
}

void
ondisk_geometry_put (uint8_t *sb, const struct fs_geometry *g)
{
  put_le64 (sb + SB_BLOCKS_COUNT, g->blocks_count);
  put_le32 (sb + SB_INODES_COUNT, g->inodes_count);
  put_le64 (sb + SB_JOURNAL_START, g->journal_start);
  put_le32 (sb + SB_JOURNAL_BLOCKS, g->journal_blocks);
  put_le64 (sb + SB_BBITMAP_START, g->bbitmap_start);
  put_le32 (sb + SB_BBITMAP_BLOCKS, g->bbitmap_blocks);
  put_le64 (sb + SB_IBITMAP_START, g->ibitmap_start);
  put_le32 (sb + SB_IBITMAP_BLOCKS, g->ibitmap_blocks);
  put_le64 (sb + SB_ITABLE_START, g->itable_start);
  put_le32 (sb + SB_ITABLE_BLOCKS, g->itable_blocks);
  put_le64 (sb + SB_FIRST_DATA, g->first_data_block);
}

static int
sb_fail (char *errbuf, size_t errlen, int err, const char *fmt, uint64_t a,
         uint64_t b)
{
  if (errbuf && errlen) {
    int n = snprintf (errbuf, errlen, "superblock: ");
    if (n > 0 && (size_t) n < errlen)
      snprintf (errbuf + n, errlen - (size_t) n, fmt, a, b);
  }
  return err;
}

#define CEIL_DIV(a, b) (((a) + (b) - 1) / (b))

int
ondisk_sb_check (const uint8_t *sb, uint64_t dev_blocks, char *errbuf,
                 size_t errlen)
{
  struct fs_geometry g;
  uint64_t end;
  uint32_t v;

  if (get_le32 (sb + SB_MAGIC) != FS_SB_MAGIC)
    return sb_fail (errbuf, errlen, -EINVAL,
                    "bad magic 0x%08" PRIx64 " (not an fpfs image)%.0" PRIu64,
                    get_le32 (sb + SB_MAGIC), 0);
  if (get_le32 (sb + SB_CHECKSUM) != ondisk_sb_csum (sb))
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "checksum 0x%08" PRIx64 " does not match contents "
                    "(0x%08" PRIx64 ")", get_le32 (sb + SB_CHECKSUM),
                    ondisk_sb_csum (sb));
  v = get_le32 (sb + SB_VERSION);
  if (v != FS_SB_VERSION)
    return sb_fail (errbuf, errlen, -EINVAL,
                    "version %" PRIu64 " not supported (want %" PRIu64 ")",
                    v, FS_SB_VERSION);
  if (get_le32 (sb + SB_BLOCK_SIZE) != FS_BLOCK_SIZE
      || get_le16 (sb + SB_INODE_SIZE) != FS_INODE_SIZE)
    return sb_fail (errbuf, errlen, -EINVAL,
                    "block size %" PRIu64 " / inode size %" PRIu64
                    " not supported", get_le32 (sb + SB_BLOCK_SIZE),
                    get_le16 (sb + SB_INODE_SIZE));
  v = get_le32 (sb + SB_FEAT_INCOMPAT);
  if (v & ~FS_FEATURE_INCOMPAT_SUPPORTED)
    return sb_fail (errbuf, errlen, -EINVAL,
                    "unsupported incompat features 0x%" PRIx64 "%.0" PRIu64,
                    v & ~FS_FEATURE_INCOMPAT_SUPPORTED, 0);
  if (get_le32 (sb + SB_FEAT_RO_COMPAT) != 0)
    return sb_fail (errbuf, errlen, -EINVAL,
                    "unsupported ro_compat features 0x%" PRIx64 "%.0" PRIu64,
                    get_le32 (sb + SB_FEAT_RO_COMPAT), 0);

  ondisk_geometry_get (sb, &g);
  if (g.blocks_count > dev_blocks)
    return sb_fail (errbuf, errlen, -EINVAL,
                    "%" PRIu64 " blocks but the device has only %" PRIu64
                    " (truncated image?)", g.blocks_count, dev_blocks);
  if (g.blocks_count >= (1ull << 40))
    return sb_fail (errbuf, errlen, -EINVAL,
                    "block count %" PRIu64 " too large%.0" PRIu64,
                    g.blocks_count, 0);
  if (g.inodes_count < FS_FIRST_INO + 1
      || g.itable_blocks != CEIL_DIV (g.inodes_count, FS_INODES_PER_BLOCK)
      || g.inodes_count % FS_INODES_PER_BLOCK != 0)
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "inode count %" PRIu64 " does not match %" PRIu64
                    " inode-table blocks", g.inodes_count, g.itable_blocks);
  if (g.bbitmap_blocks != CEIL_DIV (g.blocks_count, FS_BITS_PER_BLOCK)
      || g.ibitmap_blocks != CEIL_DIV (g.inodes_count, FS_BITS_PER_BLOCK))
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "bitmap sizes %" PRIu64 "/%" PRIu64 " do not match counts",
                    g.bbitmap_blocks, g.ibitmap_blocks);
  /* The regions, in order, each starting where the previous ended. */
  end = 1;
  if ((get_le32 (sb + SB_FEAT_COMPAT) & FS_FEATURE_COMPAT_HAS_JOURNAL)) {
    if (g.journal_start != 1 || g.journal_blocks < 16)
      return sb_fail (errbuf, errlen, -EUCLEAN,
                      "journal region at %" PRIu64 " of %" PRIu64
                      " blocks is invalid", g.journal_start, g.journal_blocks);
    end = g.journal_start + g.journal_blocks;
  } else if (g.journal_blocks != 0)
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "journal blocks %" PRIu64 " without has_journal%.0" PRIu64,
                    g.journal_blocks, 0);
  if (g.bbitmap_start != end)
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "block bitmap at %" PRIu64 ", expected %" PRIu64,
                    g.bbitmap_start, end);
  end += g.bbitmap_blocks;
  if (g.ibitmap_start != end)
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "inode bitmap at %" PRIu64 ", expected %" PRIu64,
                    g.ibitmap_start, end);
  end += g.ibitmap_blocks;
  if (g.itable_start != end)
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "inode table at %" PRIu64 ", expected %" PRIu64,
                    g.itable_start, end);
  end += g.itable_blocks;
  if (g.first_data_block != end || end + 1 >= g.blocks_count)
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "data area at %" PRIu64 " invalid (metadata ends at %"
                    PRIu64 ")", g.first_data_block, end);
  if (get_le32 (sb + SB_ROOT_INO) != FS_ROOT_INO
      || get_le32 (sb + SB_FIRST_INO) != FS_FIRST_INO)
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "root inode %" PRIu64 " / first inode %" PRIu64
                    " unexpected", get_le32 (sb + SB_ROOT_INO),
                    get_le32 (sb + SB_FIRST_INO));
  v = get_le32 (sb + SB_LAST_ORPHAN);
  if (v != 0 && (v < FS_FIRST_INO || v > g.inodes_count))
    return sb_fail (errbuf, errlen, -EUCLEAN,
                    "orphan list head %" PRIu64 " out of range%.0" PRIu64,
                    v, 0);
  return 0;
}
