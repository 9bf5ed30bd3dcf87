/* ondisk: the journal's byte layout, encode and decode, no I/O.
 *
 * Everything here is big-endian, as jbd2's is; FORMAT-journal.md has the
 * tables.  Every block of the log starts with the 12-byte header
 *   0x00 be32 h_magic (0xC03B3998)  0x04 be32 h_blocktype  0x08 be32 h_sequence
 * The decoders are written for hostile input: every offset is checked
 * against the block size before it is read.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "jbd_int.h"

/* superblock offsets (jbd2's journal_superblock_t, v2) */
enum {
  SB_BLOCKSIZE = 0x0C, SB_MAXLEN = 0x10, SB_FIRST = 0x14, SB_SEQUENCE = 0x18,
  SB_START = 0x1C, SB_ERRNO = 0x20, SB_COMPAT = 0x24, SB_INCOMPAT = 0x28,
  SB_RO_COMPAT = 0x2C, SB_UUID = 0x30, SB_NR_USERS = 0x40,
  SB_CHECKSUM_TYPE = 0x50, SB_CHECKSUM = 0xFC,
};

/* commit block offsets (jbd2's struct commit_header, plus h_block_csum) */
enum {
  CB_CHKSUM_TYPE = 0x0C, CB_CHKSUM_SIZE = 0x0D, CB_CHKSUM = 0x10,
  CB_COMMIT_SEC = 0x30, CB_COMMIT_NSEC = 0x38, CB_BLOCK_CSUM = 0x40,
};

static uint32_t
jbd_sb_csum (const uint8_t *block)
{
  uint8_t tmp[JBD_SB_SIZE];

  memcpy (tmp, block, sizeof tmp);
  memset (tmp + SB_CHECKSUM, 0, 4);
  return (uint32_t) XXH3_64bits (tmp, sizeof tmp);
}

void
jbd_sb_encode (const struct jbd_sb *sb, uint8_t *block, uint32_t bs)
{
  assert (bs >= JBD_SB_SIZE);
  memset (block, 0, bs);
  jbd_header_encode (block, JBD_SUPERBLOCK_V2, 0);
  jbd_put_be32 (block + SB_BLOCKSIZE, sb->s_blocksize);
  jbd_put_be32 (block + SB_MAXLEN, sb->s_maxlen);
  jbd_put_be32 (block + SB_FIRST, sb->s_first);
  jbd_put_be32 (block + SB_SEQUENCE, sb->s_sequence);
  jbd_put_be32 (block + SB_START, sb->s_start);
  jbd_put_be32 (block + SB_ERRNO, 0);
  jbd_put_be32 (block + SB_COMPAT, sb->s_feature_compat);
  jbd_put_be32 (block + SB_INCOMPAT, sb->s_feature_incompat);
  jbd_put_be32 (block + SB_RO_COMPAT, sb->s_feature_ro_compat);
  memcpy (block + SB_UUID, sb->s_uuid, 16);
  jbd_put_be32 (block + SB_NR_USERS, 1);
  block[SB_CHECKSUM_TYPE] = JBD_CHKSUM_TYPE_XXH3;
  jbd_put_be32 (block + SB_CHECKSUM, jbd_sb_csum (block));
}

#define SB_ERR(...) do { snprintf (errbuf, errlen, __VA_ARGS__); \
                         return -EINVAL; } while (0)

int
jbd_sb_decode (const uint8_t *block, uint32_t bs, struct jbd_sb *sb,
               char *errbuf, size_t errlen)
{
  char dummy[1];

  if (errbuf == NULL) {
    errbuf = dummy;
    errlen = sizeof dummy;
  }
  if (bs < JBD_SB_SIZE)
    SB_ERR ("journal superblock: block size %u too small", bs);
  if (jbd_get_be32 (block) != JBD_MAGIC)
    SB_ERR ("journal superblock: bad magic 0x%08x",
            (unsigned) jbd_get_be32 (block));
  if (jbd_get_be32 (block + 4) != JBD_SUPERBLOCK_V2)
    SB_ERR ("journal superblock: unsupported block type %u",
            (unsigned) jbd_get_be32 (block + 4));
  if (jbd_get_be32 (block + SB_CHECKSUM) != jbd_sb_csum (block))
    SB_ERR ("journal superblock: checksum mismatch");
  sb->s_blocksize = jbd_get_be32 (block + SB_BLOCKSIZE);
  sb->s_maxlen = jbd_get_be32 (block + SB_MAXLEN);
  sb->s_first = jbd_get_be32 (block + SB_FIRST);
  sb->s_sequence = jbd_get_be32 (block + SB_SEQUENCE);
  sb->s_start = jbd_get_be32 (block + SB_START);
  sb->s_feature_compat = jbd_get_be32 (block + SB_COMPAT);
  sb->s_feature_incompat = jbd_get_be32 (block + SB_INCOMPAT);
  sb->s_feature_ro_compat = jbd_get_be32 (block + SB_RO_COMPAT);
  memcpy (sb->s_uuid, block + SB_UUID, 16);
  if (sb->s_blocksize != bs)
    SB_ERR ("journal superblock: block size %u, file system uses %u",
            sb->s_blocksize, bs);
  if (sb->s_maxlen < JBD_MIN_JOURNAL_BLOCKS)
    SB_ERR ("journal superblock: maxlen %u below the minimum %u",
            sb->s_maxlen, JBD_MIN_JOURNAL_BLOCKS);
  if (sb->s_first == 0 || sb->s_first >= sb->s_maxlen
      || sb->s_maxlen - sb->s_first < JBD_MIN_JOURNAL_BLOCKS - 1)
    SB_ERR ("journal superblock: first log block %u out of range",
            sb->s_first);
  if (sb->s_start != 0
      && (sb->s_start < sb->s_first || sb->s_start >= sb->s_maxlen))
    SB_ERR ("journal superblock: log start %u outside the log [%u, %u)",
            sb->s_start, sb->s_first, sb->s_maxlen);
  if (sb->s_feature_incompat & ~JBD_KNOWN_INCOMPAT)
    SB_ERR ("journal superblock: unknown incompatible features 0x%x",
            sb->s_feature_incompat & ~JBD_KNOWN_INCOMPAT);
  if (!(sb->s_feature_incompat & JBD_FEATURE_INCOMPAT_XXH3)
      || !(sb->s_feature_incompat & JBD_FEATURE_INCOMPAT_64BIT))
    SB_ERR ("journal superblock: features 0x%x lack 64bit or xxh3",
            sb->s_feature_incompat);
  if (sb->s_feature_ro_compat != 0)
    SB_ERR ("journal superblock: unknown ro-compat features 0x%x",
            sb->s_feature_ro_compat);
  return 0;
}

void
jbd_header_encode (uint8_t *block, uint32_t type, tid_t seq)
{
  jbd_put_be32 (block, JBD_MAGIC);
  jbd_put_be32 (block + 4, type);
  jbd_put_be32 (block + 8, seq);
}

bool
jbd_header_match (const uint8_t *block, uint32_t type, tid_t seq)
{
  return jbd_get_be32 (block) == JBD_MAGIC
         && jbd_get_be32 (block + 4) == type
         && jbd_get_be32 (block + 8) == seq;
}

uint32_t
jbd_tags_per_block (uint32_t bs)
{
  return (bs - JBD_HEADER_SIZE - JBD_UUID_SIZE) / JBD_TAG_SIZE;
}

/* Bytes the next tag needs at offset off: the first tag carries the uuid. */
uint32_t
jbd_tag_space (uint32_t off)
{
  return off <= JBD_HEADER_SIZE ? JBD_TAG_SIZE + JBD_UUID_SIZE : JBD_TAG_SIZE;
}

void
jbd_tag_put (uint8_t *block, uint32_t *off, const struct jbd_tag *tag,
             const uint8_t *uuid)
{
  uint32_t o = *off ? *off : JBD_HEADER_SIZE;
  uint32_t flags = tag->flags;
  bool first = o == JBD_HEADER_SIZE;

  if (!first)
    flags |= JBD_FLAG_SAME_UUID;
  jbd_put_be32 (block + o, (uint32_t) tag->blocknr);
  jbd_put_be16 (block + o + 4, 0);                 /* t_checksum: unused */
  jbd_put_be16 (block + o + 6, (uint16_t) flags);
  jbd_put_be32 (block + o + 8, (uint32_t) (tag->blocknr >> 32));
  o += JBD_TAG_SIZE;
  if (first) {
    memcpy (block + o, uuid, JBD_UUID_SIZE);
    o += JBD_UUID_SIZE;
  }
  *off = o;
}

int
jbd_tag_next (const uint8_t *block, uint32_t bs, uint32_t *off,
              struct jbd_tag *tag)
{
  uint32_t o = *off;

  if (o == UINT32_MAX)
    return 0;                       /* the previous tag was the last */
  if (o == 0)
    o = JBD_HEADER_SIZE;
  if (o + JBD_TAG_SIZE > bs)
    return -EUCLEAN;
  tag->blocknr = (uint64_t) jbd_get_be32 (block + o + 8) << 32
                 | jbd_get_be32 (block + o);
  tag->flags = jbd_get_be16 (block + o + 6);
  o += JBD_TAG_SIZE;
  if (!(tag->flags & JBD_FLAG_SAME_UUID)) {
    if (o + JBD_UUID_SIZE > bs)
      return -EUCLEAN;
    o += JBD_UUID_SIZE;
  }
  *off = (tag->flags & JBD_FLAG_LAST_TAG) ? UINT32_MAX : o;
  return 1;
}

/* Seeded with the tid, and the journal's uuid goes first: a log left by
 * another file system on the same device never verifies. */
int
jbd_csum_begin (struct jbd_commit_csum *cs, tid_t seq, const uint8_t *uuid)
{
  XXH3_state_t *st = XXH3_createState ();

  cs->state = st;
  if (st == NULL)
    return -ENOMEM;
  XXH3_64bits_reset_withSeed (st, seq);
  XXH3_64bits_update (st, uuid, 16);
  return 0;
}

void
jbd_csum_add (struct jbd_commit_csum *cs, const void *block, uint32_t bs)
{
  XXH3_64bits_update (cs->state, block, bs);
}

uint64_t
jbd_csum_end (struct jbd_commit_csum *cs)
{
  return XXH3_64bits_digest (cs->state);
}

void
jbd_csum_free (struct jbd_commit_csum *cs)
{
  XXH3_freeState (cs->state);
  cs->state = NULL;
}

static uint64_t
jbd_commit_block_csum (const uint8_t *block, uint32_t bs)
{
  XXH3_state_t *st = XXH3_createState ();
  static const uint8_t zero[8];
  uint64_t h;

  if (st == NULL)
    return 0;                 /* a mismatch, never a crash */
  XXH3_64bits_reset (st);
  XXH3_64bits_update (st, block, CB_BLOCK_CSUM);
  XXH3_64bits_update (st, zero, sizeof zero);
  XXH3_64bits_update (st, block + CB_BLOCK_CSUM + 8, bs - CB_BLOCK_CSUM - 8);
  h = XXH3_64bits_digest (st);
  XXH3_freeState (st);
  return h;
}

void
jbd_commit_block_encode (uint8_t *block, uint32_t bs, tid_t seq,
                         uint64_t commit_ns, uint64_t csum)
{
  memset (block, 0, bs);
  jbd_header_encode (block, JBD_COMMIT_BLOCK, seq);
  block[CB_CHKSUM_TYPE] = JBD_CHKSUM_TYPE_XXH3;
  block[CB_CHKSUM_SIZE] = 8;
  jbd_put_be64 (block + CB_CHKSUM, csum);
  jbd_put_be64 (block + CB_COMMIT_SEC, commit_ns / FPFS_NSEC_PER_SEC);
  jbd_put_be32 (block + CB_COMMIT_NSEC,
                (uint32_t) (commit_ns % FPFS_NSEC_PER_SEC));
  jbd_put_be64 (block + CB_BLOCK_CSUM, jbd_commit_block_csum (block, bs));
}

bool
jbd_commit_block_verify (const uint8_t *block, uint32_t bs, tid_t seq,
                         uint64_t csum)
{
  return jbd_header_match (block, JBD_COMMIT_BLOCK, seq)
         && block[CB_CHKSUM_TYPE] == JBD_CHKSUM_TYPE_XXH3
         && block[CB_CHKSUM_SIZE] == 8
         && jbd_get_be64 (block + CB_BLOCK_CSUM)
            == jbd_commit_block_csum (block, bs)
         && jbd_get_be64 (block + CB_CHKSUM) == csum;
}
