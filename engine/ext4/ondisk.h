/* ondisk: the byte layout of an fpfs file system (engine/ext4/FORMAT.md has the
 * prose version).  Little-endian throughout; one block is 4096 bytes.
 *
 *   block 0                      superblock (first 1024 bytes, rest zero)
 *   [s_journal_start, +n)        journal region (FORMAT-journal.md)
 *   [s_block_bitmap, +n)         block bitmap: bit b set = block b in use
 *   [s_inode_bitmap, +n)         inode bitmap: bit (ino-1) set = ino in use
 *   [s_inode_table, +n)          inode table, 16 inodes of 256 bytes a block
 *   [s_first_data_block, end)    extent-tree, directory and file blocks
 *
 * Everything here is a pure encoder/decoder over byte arrays: no struct is
 * ever overlaid on disk bytes, so alignment and endianness never leak.
 *
 * Invariants a valid image keeps (ondisk_sb_check and the extent and
 * directory readers verify them before anything is trusted):
 *   - the regions above are in that order, do not overlap, and end inside
 *     s_blocks_count, which fits the device;
 *   - every block number in an extent or index lies in the data area;
 *   - extent nodes carry EXT_MAGIC, eh_entries <= eh_max, and eh_max is
 *     exactly the capacity of the node (root: 4, block: 340);
 *   - a leaf's ee_len is 1..32768 (written) or 32769..65535 (unwritten,
 *     ee_len - 32768 blocks); ext_extent_get decodes both;
 *   - directory records have rec_len >= 12, a multiple of 4, and tile each
 *     block exactly.
 */
#ifndef FP_ONDISK_H
#define FP_ONDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FS_BLOCK_SIZE        4096u
#define FS_BLOCK_BITS        12
#define FS_SB_MAGIC          0x53465046u     /* "FPFS" little-endian */
#define FS_SB_VERSION        1u
#define FS_SB_BYTES          1024u
#define FS_INODE_SIZE        256u
#define FS_INODES_PER_BLOCK  (FS_BLOCK_SIZE / FS_INODE_SIZE)
#define FS_BITS_PER_BLOCK    (FS_BLOCK_SIZE * 8u)
#define FS_ROOT_INO          2u
#define FS_FIRST_INO         11u             /* 1..10 reserved, as ext4 */
#define FS_MAX_FILE_BLOCKS   0xFFFFFFFEull   /* logical block numbers are u32 */
/* The largest preallocation window mballoc marks on disk (8 MiB); fsck
 * tolerates marked, unowned blocks within this distance of a file. */
#define FS_PA_MAX_BLOCKS     2048u

/* s_feature_compat / incompat, with ext4's bit values. */
#define FS_FEATURE_COMPAT_HAS_JOURNAL   0x0004u
#define FS_FEATURE_COMPAT_EXT_ATTR      0x0008u   /* set by the first setxattr */
#define FS_FEATURE_INCOMPAT_FILETYPE    0x0002u
#define FS_FEATURE_INCOMPAT_EXTENTS     0x0040u
#define FS_FEATURE_INCOMPAT_SUPPORTED \
  (FS_FEATURE_INCOMPAT_FILETYPE | FS_FEATURE_INCOMPAT_EXTENTS)

/* s_state */
#define FS_STATE_VALID   0x0001u      /* cleanly unmounted */
#define FS_STATE_ERROR   0x0002u      /* errors detected */

/* Superblock byte offsets. */
enum {
  SB_MAGIC = 0,             /* u32 */
  SB_VERSION = 4,           /* u32 */
  SB_BLOCK_SIZE = 8,        /* u32 */
  SB_FEAT_COMPAT = 12,      /* u32 */
  SB_FEAT_INCOMPAT = 16,    /* u32 */
  SB_FEAT_RO_COMPAT = 20,   /* u32 */
  SB_BLOCKS_COUNT = 24,     /* u64 */
  SB_INODES_COUNT = 32,     /* u32 */
  SB_JOURNAL_BLOCKS = 36,   /* u32 */
  SB_JOURNAL_START = 40,    /* u64 */
  SB_BBITMAP_START = 48,    /* u64 */
  SB_IBITMAP_START = 56,    /* u64 */
  SB_ITABLE_START = 64,     /* u64 */
  SB_FIRST_DATA = 72,       /* u64 */
  SB_BBITMAP_BLOCKS = 80,   /* u32 */
  SB_IBITMAP_BLOCKS = 84,   /* u32 */
  SB_ITABLE_BLOCKS = 88,    /* u32 */
  SB_INODE_SIZE = 92,       /* u16 */
  SB_STATE = 94,            /* u16 */
  SB_FREE_BLOCKS = 96,      /* u64, advisory: recomputed at mount */
  SB_FREE_INODES = 104,     /* u32, advisory */
  SB_LAST_ORPHAN = 108,     /* u32: head of the orphan inode list */
  SB_UUID = 112,            /* u8[16] */
  SB_MKFS_TIME = 128,       /* u64 seconds */
  SB_MOUNT_TIME = 136,      /* u64 virtual ns of the last mount */
  SB_MOUNT_COUNT = 144,     /* u32 */
  SB_FIRST_INO = 148,       /* u32 */
  SB_ROOT_INO = 152,        /* u32 */
  SB_VOLUME_NAME = 156,     /* char[16] */
  /* The checksummed superblock fits in the first 512-byte sector: a device
   * writes a sector atomically, so a superblock write torn at sector
   * boundaries leaves the old or the new superblock whole, never a mix. */
  SB_CHECKSUM = 508,        /* u32: XXH32 (seed 0) of bytes [0, 508) */
};

/* Inode byte offsets (256 bytes each). */
enum {
  IN_MODE = 0,              /* u16 */
  IN_LINKS = 2,             /* u16 */
  IN_FLAGS = 4,             /* u32 */
  IN_SIZE = 8,              /* u64: i_disksize */
  IN_BLOCKS = 16,           /* u64: 512-byte units */
  IN_ATIME = 24,            /* i64 seconds */
  IN_MTIME = 32,
  IN_CTIME = 40,
  IN_CRTIME = 48,
  IN_ATIME_NS = 56,         /* u32 */
  IN_MTIME_NS = 60,
  IN_CTIME_NS = 64,
  IN_CRTIME_NS = 68,
  IN_GENERATION = 72,       /* u32 */
  IN_DTIME = 76,            /* u32: deletion time (seconds), 0 if live */
  IN_UID = 80,              /* u32 */
  IN_GID = 84,              /* u32 */
  IN_BLOCK = 88,            /* u8[60]: extent tree root */
  IN_NEXT_ORPHAN = 148,     /* u32: next inode on the orphan list */
  IN_FILE_ACL = 152,        /* u64: the xattr block, 0 if none */
  /* ext4's EXT4_GOOD_OLD_INODE_SIZE is 128; this format's fixed part is
   * [0, 160), and i_extra_isize, as ext4's, counts the bytes of extra
   * fields from there (itself and a pad: 4).  The in-inode xattr area
   * starts at IN_GOOD_OLD_SIZE + i_extra_isize (FORMAT.md, Xattrs). */
  IN_GOOD_OLD_SIZE = 160,
  IN_EXTRA_ISIZE = 160,     /* u16 */
  IN_TIMES_END = 72,        /* bytes [IN_ATIME, IN_TIMES_END) are times */
};
#define IN_BLOCK_BYTES 60u
/* What new inodes get (ext4's s_want_extra_isize): i_extra_isize and its
 * pad.  An inode with 0 gets it at iget, as ext4_iget does. */
#define FS_WANT_EXTRA_ISIZE 4u

#define FS_INODE_FLAG_EXTENTS 0x00080000u   /* EXT4_EXTENTS_FL */

/* Extent tree: ext4's layout, without the block tail checksum. */
#define EXT_MAGIC        0xF30Au
#define EXT_HDR_SIZE     12u
#define EXT_ENTRY_SIZE   12u
#define EXT_ROOT_MAX     ((IN_BLOCK_BYTES - EXT_HDR_SIZE) / EXT_ENTRY_SIZE)  /* 4 */
#define EXT_BLOCK_MAX    ((FS_BLOCK_SIZE - EXT_HDR_SIZE) / EXT_ENTRY_SIZE)   /* 340 */
#define EXT_MAX_DEPTH    5u
#define EXT_INIT_MAX_LEN 32768u
/* An unwritten extent stores ee_len + EXT_INIT_MAX_LEN on disk, so its
 * length is at most 32767 (ext4_ext_mark_unwritten, EXT_UNWRITTEN_MAX_LEN). */
#define EXT_UNWRITTEN_MAX_LEN (EXT_INIT_MAX_LEN - 1u)

/* Directory records: ext4_dir_entry_2. */
#define DIRENT_HDR       8u
#define DIRENT_MIN       12u
#define DIRENT_LEN(namelen) (((unsigned) (namelen) + DIRENT_HDR + 3u) & ~3u)
enum {                       /* file_type values, as ext4's EXT4_FT_* */
  FT_UNKNOWN = 0, FT_REG = 1, FT_DIR = 2, FT_CHRDEV = 3, FT_BLKDEV = 4,
  FT_FIFO = 5, FT_SOCK = 6, FT_SYMLINK = 7, FT_MAX = 8,
};

/* i_mode's type bits (S_IFMT and the kinds ext4 stores). */
#define FS_S_IFMT   0170000u
#define FS_S_IFSOCK 0140000u
#define FS_S_IFLNK  0120000u
#define FS_S_IFREG  0100000u
#define FS_S_IFBLK  0060000u
#define FS_S_IFDIR  0040000u
#define FS_S_IFCHR  0020000u
#define FS_S_IFIFO  0010000u

/* Symlinks: a target shorter than IN_BLOCK_BYTES (its NUL included: at
 * most 59 bytes) is a fast symlink, kept in the inode's i_block with no
 * EXTENTS flag and no blocks; a longer one, up to FS_SYMLINK_MAX bytes,
 * is a slow symlink: one extent-mapped data block.  i_size is the
 * target's length without the NUL, as ext4_symlink. */
#define FS_SYMLINK_MAX (FS_BLOCK_SIZE - 1u)

/* Device numbers in i_block, as ext4_do_update_inode: a number that fits
 * the old 8:8 form (old_valid_dev) goes in i_block[0] (old_encode_dev);
 * otherwise i_block[0] is 0 and i_block[1] holds new_encode_dev.  dev is
 * the kernel's dev_t: major << 20 | minor. */
#define FS_DEV_MAJOR(dev) ((uint32_t) ((dev) >> 20))
#define FS_DEV_MINOR(dev) ((uint32_t) ((dev) & 0xfffffu))
#define FS_MKDEV(ma, mi)  (((uint32_t) (ma) << 20) | (uint32_t) (mi))

static inline void
ondisk_dev_encode (uint8_t *i_block, uint32_t dev)
{
  uint32_t ma = FS_DEV_MAJOR (dev), mi = FS_DEV_MINOR (dev);

  memset (i_block, 0, 12);
  if (ma < 256 && mi < 256)                               /* old_valid_dev */
    i_block[0] = (uint8_t) mi, i_block[1] = (uint8_t) ma; /* old_encode_dev */
  else {
    uint32_t v = (mi & 0xffu) | (ma << 8) | ((mi & ~0xffu) << 12);
    i_block[4] = (uint8_t) v, i_block[5] = (uint8_t) (v >> 8);
    i_block[6] = (uint8_t) (v >> 16), i_block[7] = (uint8_t) (v >> 24);
  }
}

/* ext4_iget: old_decode_dev of i_block[0] if non-zero, else
 * new_decode_dev of i_block[1]. */
static inline uint32_t
ondisk_dev_decode (const uint8_t *i_block)
{
  uint32_t old = (uint32_t) i_block[0] | ((uint32_t) i_block[1] << 8)
    | ((uint32_t) i_block[2] << 16) | ((uint32_t) i_block[3] << 24);
  uint32_t v = (uint32_t) i_block[4] | ((uint32_t) i_block[5] << 8)
    | ((uint32_t) i_block[6] << 16) | ((uint32_t) i_block[7] << 24);

  if (old)
    return FS_MKDEV ((old >> 8) & 255u, old & 255u);
  return FS_MKDEV ((v & 0xfff00u) >> 8, (v & 0xffu) | ((v >> 12) & 0xfff00u));
}
/* Extended attributes: ext4's format (fs/ext4/xattr.h, Linux 4.10),
 * without the block checksum (this format has no metadata_csum: the field
 * is written 0).  An entry is 16 bytes and its name, padded to 4; a list
 * of entries ends with 4 zero bytes; values are padded to 4 and grow down
 * from the end of the area.  In the inode, value offsets count from the
 * first entry; in a block, from the block's start. */
#define XATTR_MAGIC        0xEA020000u
#define XATTR_BLOCK_HDR    32u        /* struct ext4_xattr_header */
#define XATTR_IBODY_HDR    4u         /* struct ext4_xattr_ibody_header */
#define XATTR_ENTRY_SIZE   16u        /* struct ext4_xattr_entry, no name */
#define XATTR_PAD          4u
#define XATTR_ROUND        3u
#define XATTR_LEN(nl)  (((unsigned) (nl) + XATTR_ROUND + XATTR_ENTRY_SIZE) & ~XATTR_ROUND)
#define XATTR_SIZE(sz) (((size_t) (sz) + XATTR_ROUND) & ~(size_t) XATTR_ROUND)
enum {                        /* ext4_xattr_header */
  XH_MAGIC = 0, XH_REFCOUNT = 4, XH_BLOCKS = 8, XH_HASH = 12,
  XH_CHECKSUM = 16,           /* 0: no metadata_csum */
};
enum {                        /* ext4_xattr_entry */
  XE_NAME_LEN = 0,            /* u8 */
  XE_NAME_INDEX = 1,          /* u8: EXT4_XATTR_INDEX_* */
  XE_VALUE_OFFS = 2,          /* u16 */
  XE_VALUE_BLOCK = 4,         /* u32: 0 (no ea_inode in 4.10) */
  XE_VALUE_SIZE = 8,          /* u32 */
  XE_HASH = 12,               /* u32: ext4_xattr_hash_entry; 0 in the inode */
  XE_NAME = 16,
};
enum {                        /* e_name_index values, as ext4's */
  XATTR_INDEX_USER = 1, XATTR_INDEX_POSIX_ACL_ACCESS = 2,
  XATTR_INDEX_POSIX_ACL_DEFAULT = 3, XATTR_INDEX_TRUSTED = 4,
  XATTR_INDEX_LUSTRE = 5, XATTR_INDEX_SECURITY = 6,
};

/* ---- little-endian accessors ---- */

static inline uint16_t
get_le16 (const uint8_t *p)
{
  return (uint16_t) (p[0] | (p[1] << 8));
}

static inline uint32_t
get_le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16)
    | ((uint32_t) p[3] << 24);
}

static inline uint64_t
get_le64 (const uint8_t *p)
{
  return (uint64_t) get_le32 (p) | ((uint64_t) get_le32 (p + 4) << 32);
}

static inline void
put_le16 (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
}

static inline void
put_le32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

static inline void
put_le64 (uint8_t *p, uint64_t v)
{
  put_le32 (p, (uint32_t) v);
  put_le32 (p + 4, (uint32_t) (v >> 32));
}

/* ---- extent nodes ---- */

struct ext_hdr {
  uint16_t eh_magic, eh_entries, eh_max, eh_depth;
  uint32_t eh_generation;
};

struct ext_extent {          /* leaf entry, decoded */
  uint32_t ee_block;         /* first logical block */
  uint16_t ee_len;           /* blocks: 1..32768 written, 1..32767 unwritten */
  uint64_t ee_start;         /* first physical block (48 bits on disk) */
  bool ee_unwritten;         /* allocated, reads as zeroes (ext4's uninit) */
};

struct ext_index {           /* index entry */
  uint32_t ei_block;         /* first logical block covered */
  uint64_t ei_leaf;          /* child node's block (48 bits on disk) */
};

static inline void
ext_hdr_get (const uint8_t *node, struct ext_hdr *h)
{
  h->eh_magic = get_le16 (node);
  h->eh_entries = get_le16 (node + 2);
  h->eh_max = get_le16 (node + 4);
  h->eh_depth = get_le16 (node + 6);
  h->eh_generation = get_le32 (node + 8);
}

static inline void
ext_hdr_put (uint8_t *node, const struct ext_hdr *h)
{
  put_le16 (node, h->eh_magic);
  put_le16 (node + 2, h->eh_entries);
  put_le16 (node + 4, h->eh_max);
  put_le16 (node + 6, h->eh_depth);
  put_le32 (node + 8, h->eh_generation);
}

static inline uint8_t *
ext_entry (uint8_t *node, unsigned i)
{
  return node + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE;
}

static inline void
ext_extent_get (const uint8_t *e, struct ext_extent *x)
{
  uint16_t raw = get_le16 (e + 4);

  x->ee_block = get_le32 (e);
  /* ext4_ext_is_unwritten / ext4_ext_get_actual_len */
  x->ee_unwritten = raw > EXT_INIT_MAX_LEN;
  x->ee_len = x->ee_unwritten ? (uint16_t) (raw - EXT_INIT_MAX_LEN) : raw;
  x->ee_start = ((uint64_t) get_le16 (e + 6) << 32) | get_le32 (e + 8);
}

static inline void
ext_extent_put (uint8_t *e, const struct ext_extent *x)
{
  put_le32 (e, x->ee_block);
  put_le16 (e + 4, x->ee_unwritten && x->ee_len
            ? (uint16_t) (x->ee_len + EXT_INIT_MAX_LEN) : x->ee_len);
  put_le16 (e + 6, (uint16_t) (x->ee_start >> 32));
  put_le32 (e + 8, (uint32_t) x->ee_start);
}

static inline void
ext_index_get (const uint8_t *e, struct ext_index *x)
{
  x->ei_block = get_le32 (e);
  x->ei_leaf = get_le32 (e + 4) | ((uint64_t) get_le16 (e + 8) << 32);
}

static inline void
ext_index_put (uint8_t *e, const struct ext_index *x)
{
  put_le32 (e, x->ei_block);
  put_le32 (e + 4, (uint32_t) x->ei_leaf);
  put_le16 (e + 8, (uint16_t) (x->ei_leaf >> 32));
  put_le16 (e + 10, 0);
}

/* ---- xattr entries (bounds are the caller's: see ext4/xattr.c) ---- */

static inline bool
xattr_is_last (const uint8_t *e)
{
  return get_le32 (e) == 0;               /* IS_LAST_ENTRY */
}

static inline uint8_t *
xattr_next (const uint8_t *e)
{
  return (uint8_t *) e + XATTR_LEN (e[XE_NAME_LEN]);   /* EXT4_XATTR_NEXT */
}

/* ext4_xattr_hash_entry (4.10): the name's bytes as the kernel's `char`,
 * which is signed on x86 (a name byte >= 0x80 hashes sign-extended), then
 * the value's padded 32-bit words.  vbase: what e_value_offs counts from
 * (the block); the padded value must lie inside the caller's area. */
#define XATTR_NAME_HASH_SHIFT  5
#define XATTR_VALUE_HASH_SHIFT 16
#define XATTR_BLOCK_HASH_SHIFT 16
static inline uint32_t
xattr_hash_entry (const uint8_t *e, const uint8_t *vbase)
{
  uint32_t hash = 0, size = get_le32 (e + XE_VALUE_SIZE);

  for (unsigned n = 0; n < e[XE_NAME_LEN]; n++)
    hash = (hash << XATTR_NAME_HASH_SHIFT)
      ^ (hash >> (32 - XATTR_NAME_HASH_SHIFT))
      ^ (uint32_t) (int32_t) (signed char) e[XE_NAME + n];
  if (size != 0) {
    const uint8_t *v = vbase + get_le16 (e + XE_VALUE_OFFS);
    for (size_t n = XATTR_SIZE (size) / 4; n; n--, v += 4)
      hash = (hash << XATTR_VALUE_HASH_SHIFT)
        ^ (hash >> (32 - XATTR_VALUE_HASH_SHIFT)) ^ get_le32 (v);
  }
  return hash;
}

/* The block hash ext4_xattr_rehash computes from the entries' hashes
 * (0 if any entry's hash is 0), given well-formed entries from first. */
static inline uint32_t
xattr_block_hash (const uint8_t *first)
{
  uint32_t hash = 0;

  for (const uint8_t *e = first; !xattr_is_last (e); e = xattr_next (e)) {
    if (get_le32 (e + XE_HASH) == 0)
      return 0;
    hash = (hash << XATTR_BLOCK_HASH_SHIFT)
      ^ (hash >> (32 - XATTR_BLOCK_HASH_SHIFT)) ^ get_le32 (e + XE_HASH);
  }
  return hash;
}

/* ---- bitmaps (bit i of byte i/8, least significant first) ---- */

static inline bool
bm_test (const uint8_t *bm, uint32_t bit)
{
  return (bm[bit >> 3] >> (bit & 7)) & 1;
}

static inline void
bm_set (uint8_t *bm, uint32_t bit)
{
  bm[bit >> 3] |= (uint8_t) (1u << (bit & 7));
}

static inline void
bm_clear (uint8_t *bm, uint32_t bit)
{
  bm[bit >> 3] &= (uint8_t) ~(1u << (bit & 7));
}

/* ---- superblock ---- */

/* The geometry a superblock describes, decoded. */
struct fs_geometry {
  uint64_t blocks_count;
  uint32_t inodes_count;
  uint64_t journal_start;
  uint32_t journal_blocks;
  uint64_t bbitmap_start;
  uint32_t bbitmap_blocks;
  uint64_t ibitmap_start;
  uint32_t ibitmap_blocks;
  uint64_t itable_start;
  uint32_t itable_blocks;
  uint64_t first_data_block;
};

uint32_t ondisk_sb_csum (const uint8_t *sb);
void ondisk_sb_csum_set (uint8_t *sb);
void ondisk_geometry_get (const uint8_t *sb, struct fs_geometry *g);
void ondisk_geometry_put (uint8_t *sb, const struct fs_geometry *g);
/* Validate a raw superblock against a device of dev_blocks blocks: every
 * field the engine trusts.  0 or -EINVAL / -EUCLEAN with errbuf filled. */
int ondisk_sb_check (const uint8_t *sb, uint64_t dev_blocks,
                     char *errbuf, size_t errlen);

#endif /* FP_ONDISK_H */
