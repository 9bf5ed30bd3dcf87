/* fsck_int: the file-system checker's private state, shared by the files
 * of engine/fsck.  Not for other modules: the interface is fpfs_fsck in
 * fpfs.h.
 *
 * The checker reads the device with its own block reads and trusts nothing
 * it reads: every number is validated before it indexes anything, and every
 * loop is bounded by a quantity fixed before the loop starts (the block or
 * inode count, a node's capacity, the log length).  It never writes.
 *
 * The passes, in order (as e2fsck's, numbered alike):
 *   fsck.c          superblock; load both bitmaps; claim the fixed metadata
 *                   regions; pass 5 (bitmaps vs ownership); report text
 *   inodes.c        the orphan chain; pass 1: each inode marked in the
 *                   inode bitmap, its fields, its extent tree (every node
 *                   and extent claims its blocks), size and i_blocks;
 *                   pass 1b: the first owner of each doubly used block
 *   xattr.c         pass 1 for extended attributes: the in-inode area
 *                   and the xattr block (claimed, counted in i_blocks)
 *   dirs.c          pass 2: every directory block of every directory;
 *                   pass 3: reachability from the root, "..";
 *                   pass 4: link counts
 *   journal.c       the journal: superblock sane, nothing committed left
 *
 * Ownership: c->owned has one bit per block, set when something (fixed
 * metadata, an extent, a tree node) claims the block.  A claim of a block
 * already set is a double use; it is recorded as a run and its first owner
 * found later (pass 1b), so the common path keeps one bit per block.
 */
#ifndef FP_FSCK_INT_H
#define FP_FSCK_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpfs.h"
#include "ondisk.h"

/* Per-inode facts gathered in pass 1 and 2 (index = inode number). */
enum {
  FI_INUSE  = 1u << 0,   /* marked in the bitmap and a live inode */
  FI_ORPHAN = 1u << 1,   /* on the superblock's orphan chain */
  FI_DIR    = 1u << 2,   /* S_IFDIR (else S_IFREG) */
  FI_REACHED = 1u << 3,  /* reachable from the root (pass 3) */
  FI_HASDOT = 1u << 4,   /* ".." found where it belongs (dotdot is set) */
  FI_UNMAPPED = 1u << 5, /* no extent tree: a fast symlink or special file */
};

struct fsck_inode {
  uint32_t refs;         /* entries naming it (+ subdirectories, for a dir) */
  uint32_t dotdot;       /* a directory's ".." entry */
  uint32_t parent;       /* the directory whose entry reached it (pass 3) */
  uint16_t links;        /* i_links_count */
  uint8_t flags;         /* FI_* */
  uint8_t ftype;         /* FT_* its mode gives, for directory entries */
};

/* A run of a directory's logical blocks, kept by pass 1 for pass 2. */
struct fsck_dext {
  uint32_t ino, lblk, len;
  uint64_t pblk;
};

/* A doubly used run of blocks: owner2 claimed it after someone else. */
struct fsck_dup {
  uint64_t start, len;
  uint32_t owner1, owner2;     /* inode numbers; 0 = fixed metadata */
};
#define FSCK_MAX_DUPS 64u

struct fsck_edge {
  uint32_t dir, child;
};

struct fsck {
  struct fpfs_bdev *bd;
  struct fpfs_fsck_report *r;
  char *errbuf;
  size_t errlen;
  size_t text_len;             /* bytes used in r->text */
  unsigned text_dropped;       /* problems not written to r->text */

  uint8_t sb[FS_BLOCK_SIZE];
  struct fs_geometry g;
  uint64_t dev_blocks;
  bool clean;                  /* s_state says cleanly unmounted */
  bool has_journal;

  uint64_t *bbm;               /* on-disk block bitmap, as words */
  uint8_t *ibm;                /* on-disk inode bitmap, as bytes */
  uint64_t *owned;             /* claimed blocks (blocks_count bits) */
  uint64_t *pa_win;            /* blocks a preallocation may have held */
  uint64_t nwords;             /* words of bbm and owned */
  uint64_t dup_blocks;         /* blocks claimed twice, total */
  bool claims_stopped;         /* dup budget spent: nothing more is claimed */
  struct fsck_dup dups[FSCK_MAX_DUPS];
  unsigned ndups;              /* recorded (count all in r->per_check) */

  struct fsck_inode *ino;      /* [0, inodes_count] */
  uint8_t *itab;               /* one inode-table block, cached */
  uint64_t itab_blk;           /* its block number; 0 = none */

  struct fsck_dext *dext;      /* directories' extents, by inode, by lblk */
  size_t ndext, dext_cap;
  struct fsck_edge *edges;     /* directory entries (pass 2) */
  size_t nedges, edges_cap;

  uint8_t *node[EXT_MAX_DEPTH + 1];   /* one tree-node buffer per level */
  uint8_t *blk;                /* scratch block */

  uint64_t n_dir_blocks;        /* directory blocks read (bounded) */
  bool dirs_incomplete;         /* pass 2 stopped: passes 3, 4 skipped */
  uint64_t n_leaked;            /* marked blocks nothing uses */
};

/* ---- fsck.c ---- */
/* Count one problem of check chk and add its line to the report. */
void fsck_problem (struct fsck *c, enum fpfs_fsck_check chk,
                   const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));
/* The line of a problem already counted (double use, pass 1b). */
void fsck_text (struct fsck *c, enum fpfs_fsck_check chk, const char *fmt,
                ...)
  __attribute__ ((format (printf, 3, 4)));
/* "block 7" or "blocks 7-9" for [start, end), in buf. */
#define FSCK_RANGE_LEN 64u
const char *fsck_blocks (char *buf, uint64_t start, uint64_t end);
/* A finding that is not an error (a leak after a crash): text only. */
void fsck_note (struct fsck *c, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* Read fs block blk (< dev_blocks) into buf; errbuf names it on failure. */
int fsck_read_block (struct fsck *c, uint64_t blk, uint8_t *buf);
/* Claim [start, start+len) for owner (an inode, or 0 with what naming the
 * metadata region).  The range must lie inside the device's block count.
 * Reports blocks free in the bitmap; records double use.  Returns the
 * number of blocks that were already claimed (all of them once the dup
 * budget is spent). */
uint64_t fsck_claim (struct fsck *c, uint32_t owner, const char *what,
                     uint64_t start, uint64_t len);
bool fsck_inode_marked (const struct fsck *c, uint32_t ino);
/* The 256 raw bytes of inode ino (1 <= ino <= inodes_count). */
int fsck_read_inode (struct fsck *c, uint32_t ino, const uint8_t **raw);
int fsck_grow (void **v, size_t *cap, size_t n, size_t elem);

/* Leaks the engine's preallocations leave after a crash are notes (fsck.c);
 * FSCK_PA_MAX_LEN is mballoc.c's largest PA (MB_MAX_PA_LEN). */
#define FSCK_PA_LEAKS   true
#define FSCK_PA_MAX_LEN FS_PA_MAX_BLOCKS
/* A regular file maps [pblk, pblk+len): a PA may have held blocks near it. */
void fsck_pa_window (struct fsck *c, uint64_t pblk, uint64_t len);

/* ---- inodes.c ---- */
int fsck_orphans (struct fsck *c);
int fsck_pass1 (struct fsck *c);
int fsck_pass1b (struct fsck *c);

/* ---- xattr.c ---- */
/* Check inode ino's xattrs (raw: its 256 bytes) and claim its xattr block;
 * the blocks to count in i_blocks (0 or 1). */
uint64_t fsck_xattrs (struct fsck *c, uint32_t ino, const uint8_t *raw);
/* Pass 1b: is ino's xattr block the first owner of a double use? */
void fsck_xattr_resolve (struct fsck *c, uint32_t ino, const uint8_t *raw);

/* ---- dirs.c ---- */
int fsck_pass2 (struct fsck *c);
int fsck_pass3 (struct fsck *c);
void fsck_pass4 (struct fsck *c);

/* ---- journal.c ---- */
int fsck_journal (struct fsck *c);

#endif /* FP_FSCK_INT_H */
