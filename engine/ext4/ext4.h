/* ext4: the ext4 layer's internal header (fs/ext4/ext4.h, ext4_jbd2.h).
 *
 * One struct fpfs is one mounted file system; nothing is global.  Every
 * function here takes the fs (or an inode, which points at its fs).  The
 * names follow Linux 4.10's ext4 functions where a function does the same
 * job, so a reader can hold this code beside the kernel's: ext4_sync_file,
 * ext4_writepages, ext4_map_blocks, ext4_mark_inode_dirty...
 *
 * Model: no threads.  A system call runs to completion; background work
 * (the flusher, kjournald2) runs from sched timers between calls.  Device
 * I/O is synchronous, so "submit and wait" collapse into "submit", but the
 * kernel's order of submission is kept, since the device log records it.
 *
 * The layer sits on mm/ (page cache, writeback, the inode's VFS part:
 * struct inode, embedded here as vfs_inode), jbd2/, block/ and lib/, and
 * is called from vfs/ (the fpfs_* system calls).  Files:
 *   namei.c, rename.c       path walk, create, link, unlink, rename
 *   fsync.c                 ext4_sync_file, ext4_force_commit, blkdev flush
 *   da.c / jdata.c          write_begin/write_end, delalloc reservations
 *   mmap.c                  the write fault: ext4_page_mkwrite
 *   writeback.c             ext4_writepages, the mpage_* pipeline
 *   map.c                   ext4_map_blocks, ext4_ext_map_blocks
 *   extents*.c              the on-disk tree and the extent status cache
 *                           (extents_range.c: split, punch, shift)
 *   fallocate.c             ext4_fallocate: preallocate, punch, zero,
 *                           collapse, insert
 *   inode.c, icache.c,      in-core inodes, ext4_mark_inode_dirty, iput,
 *   truncate.c              truncate, orphans
 *   balloc.c, mballoc.c,    block and inode allocation
 *   ialloc.c
 *   handle.c                ext4_jbd2.c: handles over jbd.h, or nojournal
 *   super.c, options.c      mkfs, mount, umount, sync_fs, mount options
 *   ondisk.c                the on-disk format's encoders (shared with fsck)
 */
#ifndef FP_EXT4_H
#define FP_EXT4_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "bugs.h"
#include "errseq.h"
#include "fpfs.h"
#include "jbd.h"
#include "mm.h"
#include "ondisk.h"
#include "sched.h"
#include "trace.h"

struct fpfs;
struct fs_inode;

/* ------------------------------------------------------------------ */
/* Inode state (fs/ext4/ext4.h; the VFS's I_DIRTY_* are in mm.h)        */
/* ------------------------------------------------------------------ */

#define EXT4_STATE_NEWENTRY  (1u << 0)  /* linked into a dir since last fsync */
#define EXT4_STATE_ORPHAN    (1u << 1)  /* on the on-disk orphan list */
/* One bit per flag, all here (vfs/file.c uses DA_ALLOC_CLOSE). */
#define EXT4_STATE_DA_ALLOC_CLOSE (1u << 2)  /* truncated to 0: flush at close */
/* Engine only: the inode has (or had) unwritten extents since it was
 * read in, so writeback handles reserve credits for splitting them. */
#define EXT4_STATE_UNWRIT    (1u << 3)
#define EXT4_STATE_XATTR     (1u << 4)  /* the inode body holds xattrs */
#define EXT4_STATE_NEW       (1u << 5)  /* never written: zero all 256 bytes */

/* ------------------------------------------------------------------ */
/* Extent status cache and preallocation                                */
/* ------------------------------------------------------------------ */

#define ES_WRITTEN  (1u << 0)
#define ES_DELAYED  (1u << 1)
#define ES_HOLE     (1u << 2)
#define ES_UNWRITTEN (1u << 3)      /* allocated, not written: reads zeroes */

struct extent_status {
  uint32_t es_lblk;
  uint32_t es_len;
  uint64_t es_pblk;           /* ES_WRITTEN and ES_UNWRITTEN only */
  unsigned es_status;
};

struct es_node;
struct es_tree {
  struct es_node *et_root;
  size_t et_count;
};

/* An inode preallocation (ext4's inode PA): logical blocks
 * [pa_lstart, pa_lstart + pa_len) map to [pa_pstart, ...), already marked
 * in the on-disk bitmap; pa_used marks the slots handed out. */
struct mb_pa {
  uint32_t pa_lstart;
  uint32_t pa_len;
  uint64_t pa_pstart;
  uint32_t pa_free;
  uint8_t *pa_used;           /* pa_len bits */
  struct mb_pa *pa_next;
};

/* ------------------------------------------------------------------ */
/* In-core inode                                                        */
/* ------------------------------------------------------------------ */

struct fs_inode {
  struct inode vfs_inode;     /* i_state, dirty lists, page cache (mm.h) */
  struct fpfs *i_fs;
  uint32_t i_ino;
  uint32_t i_generation;
  uint32_t i_count;           /* references: open files and callers */
  uint32_t i_writecount;      /* open files that may write */
  uint16_t i_mode;
  uint16_t i_nlink;
  uint32_t i_uid, i_gid, i_flags;
  uint64_t i_size;            /* in-core size */
  uint64_t i_disksize;        /* size the on-disk inode may carry */
  uint64_t i_blocks;          /* 512-byte units */
  struct fpfs_timespec i_atime, i_mtime, i_ctime, i_crtime;
  uint32_t i_dtime;
  uint8_t i_data[IN_BLOCK_BYTES];   /* extent root; a fast symlink's
                                       target; a device's number (FORMAT.md) */
  uint32_t i_rdev;            /* char/block devices: kernel dev_t */
  uint32_t i_next_orphan;
  uint64_t i_file_acl;        /* xattr block, 0 if none (ext4/xattr.c) */
  uint16_t i_extra_isize;     /* in-inode xattrs start at 160 + this */
  uint32_t i_parent;          /* directory last linked in (ext4_sync_parent) */
  unsigned i_ext4_state;      /* EXT4_STATE_* */
  tid_t i_sync_tid;           /* tx holding the latest inode change */
  tid_t i_datasync_tid;       /* tx holding the latest size/mapping change */
  tid_t i_meta_tid;           /* latest non-timestamp change (bug switch) */
  struct es_tree i_es;
  uint32_t i_reserved_data_blocks;  /* delalloc reservations */
  struct mb_pa *i_prealloc;
  struct jbd_inode i_jinode;
  /* nojournal: metadata blocks dirtied for this inode (extent-tree and
   * directory blocks), written by fsync: mark_buffer_dirty_inode. */
  uint64_t *i_assoc;
  size_t i_nassoc, i_assoc_cap;
  /* private lists */
  struct fs_inode *i_hnext;
  struct fs_inode *i_lru_prev, *i_lru_next; /* unused cached inodes */
  struct fs_inode *i_orphan_next;           /* in-memory orphan list */
};

/* The VFS part of an ext4 inode, and back (the kernel's EXT4_I). */
static inline struct inode *VFS_I (struct fs_inode *i) { return &i->vfs_inode; }
static inline struct fs_inode *
EXT4_I (const struct inode *vi)
{
  return (struct fs_inode *) ((char *) vi - offsetof (struct fs_inode, vfs_inode));
}

static inline bool fs_isdir (const struct fs_inode *i) { return (i->i_mode & 0170000) == 0040000; }
static inline bool fs_isreg (const struct fs_inode *i) { return (i->i_mode & 0170000) == 0100000; }
static inline bool fs_islnk (const struct fs_inode *i) { return (i->i_mode & FS_S_IFMT) == FS_S_IFLNK; }
/* FIFO, socket, character or block device: no data, no blocks. */
static inline bool
fs_isspecial (const struct fs_inode *i)
{
  unsigned t = i->i_mode & FS_S_IFMT;
  return t == FS_S_IFIFO || t == FS_S_IFSOCK || t == FS_S_IFCHR
    || t == FS_S_IFBLK;
}
/* i_data is an extent tree (ext4_new_inode sets EXTENTS for directories,
 * regular files and symlinks; ext4_symlink clears it for a fast one). */
static inline bool ext4_has_extents (const struct fs_inode *i) { return (i->i_flags & FS_INODE_FLAG_EXTENTS) != 0; }
/* ext4_inode_is_fast_symlink (4.10: no blocks, as the engine has no
 * xattr block): the target lives in i_data. */
static inline bool ext4_inode_is_fast_symlink (const struct fs_inode *i) { return fs_islnk (i) && !ext4_has_extents (i); }

/* ------------------------------------------------------------------ */
/* Handles (ext4_jbd2.h): the one open handle of this fs                */
/* ------------------------------------------------------------------ */

#define FS_MAX_CREDITS 128
#define EXT4_LINK_MAX 65000u        /* s_max_links */

typedef struct ext4_handle {
  struct fpfs *h_fs;
  struct jbd_handle *h_jh;    /* NULL in nojournal mode (ext4's fake handle) */
  int h_ref;                  /* nesting depth; 0 = not started */
  int h_credits;
  int h_nblocks;              /* distinct buffers touched */
  uint64_t h_blocks[FS_MAX_CREDITS];
  const char *h_type;
} handle_t;

/* ------------------------------------------------------------------ */
/* Open files                                                           */
/* ------------------------------------------------------------------ */

struct fpfs_file {
  struct fs_inode *f_inode;
  uint32_t f_count;           /* references: the fd, and each mapping (fget) */
  int f_flags;                /* O_* as opened */
  uint32_t f_wb_err;          /* errseq sample */
};

/* ------------------------------------------------------------------ */
/* The file system                                                      */
/* ------------------------------------------------------------------ */

struct fs_busy;               /* blocks freed, reusable after commit */
struct vfs_mapping;           /* one mmap(2), vfs/mmap.c */

struct fpfs {
  struct fpfs_bdev *s_bdev;
  struct buf_cache *s_bc;
  struct journal *s_journal;  /* NULL: nojournal */
  struct fp_sched *s_sched;
  struct fpfs_trace_sink s_trace_sink;
  const struct fpfs_trace_sink *s_trace;   /* &s_trace_sink or NULL */
  struct fpfs_mount_opts s_opts;
  struct fs_geometry s_geo;
  struct buf *s_sbh;          /* block 0, referenced while mounted */
  uint8_t s_uuid[16];
  char s_devname[8];
  bool s_ro;                  /* read-only (mount option or abort) */
  bool s_aborted;             /* EXT4_MF_FS_ABORTED */
  bool s_mounting;
  /* What sync/syncfs have reported of s_wb.wb_err (every inode's data
   * write errors): one observer, as if one process called both. */
  uint32_t s_sync_wb_err;

  /* block allocation (balloc.c, mballoc.c) */
  uint64_t *s_mb_bitmap;      /* in use, preallocated or busy: allocator's view */
  uint64_t s_free_blocks;     /* free on disk (counts freed-but-busy) */
  uint64_t s_dirty_blocks;    /* delalloc reservations (s_dirtyclusters) */
  uint64_t s_resv_blocks;     /* kept back for metadata (s_resv_clusters) */
  uint64_t s_pa_free;         /* unused preallocated blocks, all inodes */
  uint64_t s_alloc_cursor;    /* goal for files with no neighbour */
  struct fs_busy *s_busy;     /* per-tid freed extents */

  /* inode allocation (ialloc.c) */
  uint32_t s_free_inodes;
  uint32_t s_inode_cursor;
  uint32_t s_next_generation;

  /* inode cache (inode.c) */
  struct fs_inode **s_ihash;
  size_t s_ihash_size;
  size_t s_ninodes;
  struct fs_inode *s_ilru_head, *s_ilru_tail;
  struct fs_inode *s_orphans;        /* in-memory orphan list */

  /* writeback and the page cache's accounting (mm/flusher.c) */
  struct bdi_writeback s_wb;

  handle_t s_handle;

  struct fpfs_file **s_files;   /* the fd table (vfs/file.c) */
  int s_nfiles;
  struct vfs_mapping **s_maps;  /* shared mappings (vfs/mmap.c) */
  int s_nmaps;

  uint64_t s_writeback_pages;
  int s_max_credits;          /* largest handle the journal accepts */
  char s_errmsg[160];         /* first corruption found, for mount */
};

static inline uint64_t fs_now (const struct fpfs *fs) { return sched_now (fs->s_sched); }
static inline bool fs_bug (const struct fpfs *fs, uint64_t bit) { return (fs->s_opts.bugs & bit) != 0; }
static inline bool fs_has_journal (const struct fpfs *fs) { return fs->s_journal != NULL; }
static inline bool ext4_should_journal_data (const struct fpfs *fs) { return fs->s_journal && fs->s_opts.data == FPFS_DATA_JOURNAL; }
/* Per inode, as ext4_inode_journal_mode() (fs/ext4/ext4_jbd2.h, 4.10)
 * decides: with a journal, every non-regular inode (a directory, a
 * symlink) is in data=journal mode, whatever the mount's data= says. */
static inline bool ext4_inode_journals_data (const struct fs_inode *i) { return i->i_fs->s_journal && (!fs_isreg (i) || i->i_fs->s_opts.data == FPFS_DATA_JOURNAL); }
static inline bool ext4_should_order_data (const struct fpfs *fs) { return fs->s_journal && fs->s_opts.data == FPFS_DATA_ORDERED; }
struct fpfs_timespec fs_current_time (const struct fpfs *fs);

#define FS_TRACE(fs, name, ...) \
  trace_event ((fs)->s_trace, fs_now (fs), name, __VA_ARGS__)

/* ---- errors (super.c) ---- */
/* What a caller sees of a failed device request: -EIO, as the block layer
 * gives a file system for any I/O error, except -ENOMEM (our own
 * allocation failing, not the device). */
static inline int fs_io_error (int err) { return err == -ENOMEM ? err : -EIO; }
/* ext4_abort: the fs is aborted and read-only from here on (EROFS). */
void ext4_abort (struct fpfs *fs, int err, const char *why);
/* Abort the fs if its journal aborted on its own (a background commit). */
void ext4_check_journal_abort (struct fpfs *fs);
/* An inconsistency found on disk: -EUCLEAN, with the fs marked in error. */
int ext4_error_corrupt (struct fpfs *fs, const char *what, uint64_t n);

/* ---- handle.c ---- */
int ext4_journal_start (struct fpfs *fs, const char *type, int credits,
                        handle_t **out);
int ext4_journal_stop (handle_t *h);
/* Stop and start afresh with credits (ext4_journal_restart); h_ref == 1. */
int ext4_journal_restart (handle_t *h, int credits);
int ext4_handle_credits_left (const handle_t *h);
static inline bool ext4_handle_valid (const handle_t *h) { return h && h->h_jh; }
int ext4_journal_get_write_access (handle_t *h, struct buf *b);
int ext4_journal_get_create_access (handle_t *h, struct buf *b);
/* inode may be NULL (bitmaps, superblock); in nojournal mode it makes b
 * part of that inode's fsync (mark_buffer_dirty_inode). */
int ext4_handle_dirty_metadata (handle_t *h, struct fs_inode *inode,
                                struct buf *b);
int ext4_handle_dirty_super (handle_t *h);
/* A metadata (or journaled-data) block was freed: forget and revoke. */
int ext4_forget (handle_t *h, bool is_metadata, uint64_t blk);
/* A freshly allocated metadata block: zeroed, with create access. */
int ext4_getblk_new (handle_t *h, uint64_t blk, struct buf **out);
tid_t ext4_handle_tid (const handle_t *h);

/* ---- balloc.c: the allocator's bitmap, free counts, busy extents ---- */
int ext4_balloc_init (struct fpfs *fs, char *errbuf, size_t errlen);
void ext4_balloc_destroy (struct fpfs *fs);
/* Find a free run near goal: the longest up to maxlen, at least minlen.
 * Returns the start, *len its length; 0 when none. */
uint64_t ext4_mb_find_free (struct fpfs *fs, uint64_t goal, uint32_t minlen,
                            uint32_t maxlen, uint32_t *len);
/* Mark [blk, blk+len) in use on disk (journaled) and in memory. */
int ext4_mb_mark_used (handle_t *h, uint64_t blk, uint32_t len);
/* Clear on disk now; reusable in memory when the freeing tx commits. */
int ext4_mb_mark_free (handle_t *h, uint64_t blk, uint32_t len);
void ext4_mb_commit_callback (struct fpfs *fs, tid_t tid);
bool ext4_blk_in_data (const struct fpfs *fs, uint64_t blk, uint64_t len);

/* ---- mballoc.c ---- */
#define EXT4_MB_HINT_DATA     0x1
#define EXT4_MB_HINT_METADATA 0x2
#define EXT4_MB_DELALLOC_RESERVED 0x4
struct ext4_allocation_request {
  struct fs_inode *inode;
  uint32_t logical;
  uint32_t len;
  uint64_t goal;
  unsigned flags;
};
/* ext4_mb_new_blocks: *pblk and the length allocated (>= 1), or -ENOSPC. */
int ext4_mb_new_blocks (handle_t *h, struct ext4_allocation_request *ar,
                        uint64_t *pblk, uint32_t *len);
int ext4_new_meta_block (handle_t *h, struct fs_inode *inode, uint64_t goal,
                         uint64_t *pblk);
/* ext4_free_blocks: clear, forget metadata, update i_blocks. */
int ext4_free_blocks (handle_t *h, struct fs_inode *inode, uint64_t blk,
                      uint32_t count, bool is_metadata);
/* Give unused preallocated blocks back (last close, truncate, evict). */
int ext4_discard_preallocations (struct fs_inode *inode);
void ext4_mb_pa_free_all (struct fs_inode *inode);   /* memory only */
/* After -ENOSPC: free what commits and discards can, true to retry. */
bool ext4_should_retry_alloc (struct fpfs *fs, int *retries);

/* ---- ialloc.c ---- */
int ext4_new_inode (handle_t *h, struct fs_inode *dir, uint16_t mode,
                    struct fs_inode **out);
int ext4_free_inode (handle_t *h, struct fs_inode *inode);
int ext4_ialloc_init (struct fpfs *fs, char *errbuf, size_t errlen);

/* ---- inode.c ---- */
int ext4_iget (struct fpfs *fs, uint32_t ino, struct fs_inode **out);
void ext4_ihold (struct fs_inode *inode);
void iput (struct fs_inode *inode);
int ext4_get_inode_loc (struct fs_inode *inode, struct buf **out,
                        unsigned *offset);
int ext4_mark_inode_dirty (handle_t *h, struct fs_inode *inode);
void ext4_update_inode_fsync_trans (handle_t *h, struct fs_inode *inode,
                                    bool datasync);
void file_update_time (struct fs_inode *inode);
void ext4_update_i_disksize (struct fs_inode *inode, uint64_t newsize);
void inode_stat (const struct fs_inode *inode, struct fpfs_stat *st);
int ext4_icache_init (struct fpfs *fs);
void ext4_icache_destroy (struct fpfs *fs);
void ext4_icache_shrink (struct fpfs *fs);
/* prune_icache_sb for drop_caches: free every cached inode that
 * ext4_inode_evictable allows, whatever the cache's size; the count. */
size_t ext4_icache_prune (struct fpfs *fs);
int ext4_inode_add_assoc (struct fs_inode *inode, uint64_t blk);
int sync_mapping_buffers (struct fs_inode *inode);
int ext4_write_inode (struct fs_inode *inode,
                      const struct writeback_control *wbc);
/* mm/'s calls back into ext4 (writepages, write_inode, dirty_inode, ...). */
extern const struct wb_operations ext4_wb_ops;
int ext4_mb_discard_all (struct fpfs *fs);
bool ext4_inode_evictable (struct fs_inode *inode);
void inode_init_once (struct fs_inode *inode, struct fpfs *fs, uint32_t ino);
void inode_free_mem (struct fs_inode *inode);
void ext4_icache_insert (struct fpfs *fs, struct fs_inode *inode);
struct fs_inode *ext4_icache_find (struct fpfs *fs, uint32_t ino);
void ext4_icache_remove (struct fpfs *fs, struct fs_inode *inode);
void ext4_icache_touch (struct fs_inode *inode);
int ext4_icache_snapshot (struct fpfs *fs, struct fs_inode ***out, size_t *n);
void ext4_icache_snapshot_put (struct fs_inode **v, size_t n);

/* ---- truncate.c ---- */
int ext4_setsize (struct fs_inode *inode, uint64_t size);
int ext4_truncate (struct fs_inode *inode);
void ext4_evict_inode (struct fs_inode *inode);
int ext4_orphan_add (handle_t *h, struct fs_inode *inode);
int ext4_orphan_del (handle_t *h, struct fs_inode *inode);
int ext4_orphan_cleanup (struct fpfs *fs, char *errbuf, size_t errlen);

/* ---- extents.c / extents_rm.c ---- */
void ext4_ext_tree_init (struct fs_inode *inode);
int ext4_ext_check_inode (struct fs_inode *inode);
/* Look lblk up in the tree: *pblk and *len give the mapped run at lblk (0 =
 * hole, *len then the hole's length up to the next extent). */
int ext4_ext_lookup (struct fs_inode *inode, uint32_t lblk, uint64_t *pblk,
                     uint32_t *len);
/* The same, telling whether the run is unwritten (may be NULL). */
int ext4_ext_lookup_state (struct fs_inode *inode, uint32_t lblk,
                           uint64_t *pblk, uint32_t *len, bool *unwritten);
/* Insert [lblk, +len) -> pblk, merging with neighbours in the same state. */
int ext4_ext_insert_extent (handle_t *h, struct fs_inode *inode,
                            uint32_t lblk, uint32_t len, uint64_t pblk);
int ext4_ext_insert_extent_state (handle_t *h, struct fs_inode *inode,
                                  uint32_t lblk, uint32_t len, uint64_t pblk,
                                  bool unwritten);
/* Remove every mapping at or after lblk, freeing blocks and tree nodes;
 * restarts the handle as credits run low. */
int ext4_ext_remove_space (handle_t *h, struct fs_inode *inode, uint32_t lblk);
/* ---- extents_range.c ---- */
/* Make [lblk, +len) of the extent holding lblk written (unwritten false)
 * or unwritten, splitting it: the blocks converted (clipped to that
 * extent's end), or -errno.  lblk must be mapped. */
int ext4_ext_set_state (handle_t *h, struct fs_inode *inode, uint32_t lblk,
                        uint32_t len, bool unwritten);
/* Split the extent holding lblk so that one starts at lblk (ext4_split_
 * extent_at); nothing when lblk is a hole or an extent's first block. */
int ext4_ext_split_at (handle_t *h, struct fs_inode *inode, uint32_t lblk);
/* ext4_ext_remove_space(start, end): free every block in [start, end),
 * splitting the extents at the edges; restarts h as credits run low. */
int ext4_ext_punch (handle_t *h, struct fs_inode *inode, uint32_t start,
                    uint32_t end);
/* ext4_ext_shift_extents: every extent at or after start moves by delta
 * blocks (negative: left, collapse; positive: right, insert).  The range
 * it moves into must be free of extents. */
int ext4_ext_shift (handle_t *h, struct fs_inode *inode, uint32_t start,
                    int64_t delta);
/* Goal for allocating lblk: next to its left neighbour's blocks. */
uint64_t ext4_ext_find_goal (struct fs_inode *inode, uint32_t lblk);
int ext4_ext_depth (const struct fs_inode *inode);
/* Credits a handle needs to map one extent (ext4_ext_calc_credits). */
int ext4_ext_calc_credits (const struct fs_inode *inode);
/* Walk every extent (fsck-style users, tests). */
int ext4_ext_walk (struct fs_inode *inode,
                   int (*cb) (void *ctx, uint32_t lblk, uint32_t len,
                              uint64_t pblk, int depth, uint64_t node),
                   void *ctx);

/* ---- extents_status.c ---- */
void ext4_es_init (struct es_tree *t);
void ext4_es_destroy (struct es_tree *t);
bool ext4_es_lookup_extent (struct fs_inode *inode, uint32_t lblk,
                            struct extent_status *es);
int ext4_es_insert_extent (struct fs_inode *inode, uint32_t lblk,
                           uint32_t len, uint64_t pblk, unsigned status);
int ext4_es_remove_extent (struct fs_inode *inode, uint32_t lblk,
                           uint32_t len);
/* Drop every entry that is not delayed; returns how many went. */
size_t ext4_es_reclaim (struct fs_inode *inode);
/* The first cached extent starting after lblk, or 2^32. */
uint64_t ext4_es_next_start (struct fs_inode *inode, uint32_t lblk);
/* Number of delayed blocks in [lblk, lblk+len). */
uint32_t ext4_es_delayed_count (struct fs_inode *inode, uint32_t lblk,
                                uint32_t len);

/* ---- map.c ---- */
#define EXT4_GET_BLOCKS_CREATE           0x1
#define EXT4_GET_BLOCKS_DELALLOC_RESERVE 0x2
#define EXT4_GET_BLOCKS_METADATA_NOFAIL  0x4
/* With CREATE: allocate unwritten extents and leave unwritten ones so
 * (EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT = CREATE | UNWRIT_EXT, fallocate). */
#define EXT4_GET_BLOCKS_UNWRIT_EXT       0x8
#define EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT \
  (EXT4_GET_BLOCKS_CREATE | EXT4_GET_BLOCKS_UNWRIT_EXT)
/* Engine only: do not put the inode on the ordered-data list (the early
 * conversion of bug unwritten-convert-early). */
#define EXT4_GET_BLOCKS_NO_ORDER         0x10
/* With CREATE_UNWRIT_EXT: written extents become unwritten (zero range). */
#define EXT4_GET_BLOCKS_CONVERT_UNWRITTEN 0x20
#define EXT4_MAP_NEW     0x1
#define EXT4_MAP_MAPPED  0x2
#define EXT4_MAP_DELAYED 0x4
/* An unwritten extent: m_pblk is its block; the map call returns 0 (reads
 * see a hole) unless CREATE_UNWRIT_EXT asked for it (BH_Unwritten). */
#define EXT4_MAP_UNWRITTEN 0x8
struct ext4_map_blocks {
  uint32_t m_lblk;
  uint32_t m_len;
  uint64_t m_pblk;
  unsigned m_flags;
};
int ext4_map_blocks (handle_t *h, struct fs_inode *inode,
                     struct ext4_map_blocks *map, unsigned flags);

/* ---- da.c: buffered writes ---- */
ssize_t ext4_file_write (struct fpfs_file *f, const uint8_t *buf, size_t len,
                         uint64_t pos);
ssize_t ext4_file_read (struct fs_inode *inode, uint8_t *buf, size_t len,
                        uint64_t pos);
int ext4_da_reserve_space (struct fs_inode *inode);
void ext4_da_release_space (struct fs_inode *inode, uint32_t n);
void ext4_da_update_reserve_space (struct fs_inode *inode, uint32_t used);
int ext4_claim_free_blocks (struct fpfs *fs, uint64_t n, bool metadata);
int ext4_read_page (struct fs_inode *inode, struct page *pg);
/* Map, or reserve and mark delayed, the page's block (h: NULL from the
 * write fault). */
int ext4_da_get_block_prep (struct fs_inode *inode, struct page *pg,
                            handle_t *h);

/* ---- mmap.c: the write fault of a shared mapping ---- */
/* ext4_filemap_fault (filemap_fault): the page at index, uptodate. */
int ext4_filemap_fault (struct fs_inode *inode, uint32_t index,
                        struct page **out);
/* ext4_page_mkwrite: file_update_time, the block mapped, or reserved and
 * DELAYED, the page dirty (the caller then makes it PG_WRITE_MAPPED).
 * Not for data=journal. */
int ext4_page_mkwrite (struct fs_inode *inode, struct page *pg);
/* data=journal: a store of len bytes at pos, all in one page: the fault
 * (ext4_page_mkwrite's journalled branch) and the journalled copy. */
int ext4_journalled_page_store (struct fs_inode *inode, const uint8_t *buf,
                                size_t len, uint64_t pos);

/* ---- direct.c: O_DIRECT (ext4_direct_IO) ---- */
/* Bytes moved, -EINVAL if offset or length is not 512-aligned,
 * -ENOTBLK when the caller must fall back to buffered I/O (data=journal). */
ssize_t ext4_direct_IO_write (struct fs_inode *inode, const uint8_t *buf,
                              size_t len, uint64_t pos);
ssize_t ext4_direct_IO_read (struct fs_inode *inode, uint8_t *buf, size_t len,
                             uint64_t pos);

/* ---- jdata.c: data=journal ---- */
ssize_t ext4_journalled_write (struct fs_inode *inode, const uint8_t *buf,
                               size_t len, uint64_t pos);
ssize_t ext4_journalled_read (struct fs_inode *inode, uint8_t *buf,
                              size_t len, uint64_t pos);
int ext4_journalled_zero_tail (handle_t *h, struct fs_inode *inode,
                               uint64_t size);

/* ---- writeback.c ---- */
int ext4_writepages (struct fs_inode *inode, struct writeback_control *wbc);
/* jbd_fs_ops.submit_inode_data: write mapped dirty pages, no handle. */
int ext4_submit_inode_data (struct fs_inode *inode);
/* Bug no-ordered-data: write pages deferred until tid committed. */
void ext4_submit_deferred (struct fpfs *fs, tid_t tid);

/* ---- fallocate.c ---- */
/* ext4_fallocate: mode is FPFS_FALLOC_FL_*, checked by vfs_fallocate. */
int ext4_fallocate (struct fpfs_file *f, int mode, uint64_t off, uint64_t len);

/* ---- fsync.c ---- */
int ext4_sync_file (struct fpfs_file *f, uint64_t start, uint64_t end,
                    int datasync);
int ext4_force_commit (struct fpfs *fs);
int blkdev_issue_flush (struct fpfs *fs, const char *why);
int ext4_sync_fs (struct fpfs *fs, int wait);       /* super.c */

/* ---- dir.c ---- */
struct ext4_dir_loc {
  uint32_t lblk;              /* directory block holding the entry */
  unsigned offset;            /* byte offset of the entry */
  unsigned prev;              /* offset of the previous entry, or ~0u */
  uint32_t ino;
  uint8_t type;
};
int ext4_find_entry (struct fs_inode *dir, const char *name, size_t namelen,
                     struct ext4_dir_loc *loc);
/* Adds name -> inode; sets EXT4_STATE_NEWENTRY on inode and the
 * directory's mtime/ctime, as ext4_add_entry / add_dirent_to_buf. */
int ext4_add_entry (handle_t *h, struct fs_inode *dir, const char *name,
                    size_t namelen, struct fs_inode *inode);
/* Credits to add one entry (may append and map a directory block). */
int ext4_dir_add_credits (const struct fs_inode *dir);
int ext4_delete_entry (handle_t *h, struct fs_inode *dir,
                       const struct ext4_dir_loc *loc);
int ext4_set_entry (handle_t *h, struct fs_inode *dir,
                    const struct ext4_dir_loc *loc, uint32_t ino,
                    uint8_t type);
int ext4_init_new_dir (handle_t *h, struct fs_inode *dir,
                       struct fs_inode *inode);
int ext4_empty_dir (struct fs_inode *dir);
int ext4_dir_iterate (struct fs_inode *dir,
                      int (*cb) (void *ctx, const char *name, size_t namelen,
                                 uint32_t ino, uint8_t type),
                      void *ctx);
uint8_t ext4_mode_to_ft (uint16_t mode);
int ext4_read_dir_block (struct fs_inode *dir, uint32_t lblk,
                         struct buf **out);

/* ---- namei.c ---- */
int ext4_lookup_path (struct fpfs *fs, const char *path,
                      struct fs_inode **out);
/* The parent of path, and its last component. */
int ext4_lookup_parent (struct fpfs *fs, const char *path,
                        struct fs_inode **dir, const char **name,
                        size_t *namelen);
int ext4_create (struct fs_inode *dir, const char *name, size_t namelen,
                 uint16_t mode, struct fs_inode **out);
/* The inode operations the name system calls use (vfs/namei.c), after
 * their lookups and checks.  ext4_remove is ext4_unlink / ext4_rmdir:
 * the entry at loc goes, inode loses a link (rmdir: all). */
int ext4_remove (struct fs_inode *dir, const struct ext4_dir_loc *loc,
                 struct fs_inode *inode, bool rmdir);
int ext4_link (struct fs_inode *dir, const char *name, size_t len,
               struct fs_inode *inode);
int ext4_setattr (struct fs_inode *inode);
/* O_TMPFILE: a new regular inode, nlink 0, on the orphan list. */
int ext4_tmpfile (struct fs_inode *dir, uint16_t mode, struct fs_inode **out);

/* ---- symlink.c: ext4_symlink, ext4_mknod, ext4_get_link ---- */
int ext4_symlink (struct fs_inode *dir, const char *name, size_t namelen,
                  const char *target, size_t targetlen);
int ext4_mknod (struct fs_inode *dir, const char *name, size_t namelen,
                uint16_t mode, uint32_t rdev);
/* The target, copied up to len bytes: its length, or a negative errno. */
ssize_t ext4_get_link (struct fs_inode *inode, char *buf, size_t len);
/* ---- xattr.c: extended attributes (fs/ext4/xattr.c) ---- */
/* The namespace of a full name ("user.foo"): *index is the
 * EXT4_XATTR_INDEX_*, *suffix what follows the prefix.  -EOPNOTSUPP for
 * a namespace the engine lacks (system.*: no ACLs), -EINVAL for an empty
 * suffix (xattr_resolve_name). */
int ext4_xattr_resolve_name (const char *name, int *index,
                             const char **suffix);
/* ext4_xattr_set: one handle; value NULL removes.  flags XATTR_CREATE /
 * XATTR_REPLACE (fpfs.h's values). */
int ext4_xattr_set (struct fs_inode *inode, int index, const char *name,
                    const void *value, size_t len, int flags);
/* The value's size, copied when buf is not NULL (-ERANGE if len is too
 * small); -ENODATA. */
ssize_t ext4_xattr_get (struct fs_inode *inode, int index, const char *name,
                        void *buf, size_t len);
/* ext4_listxattr: the names' total size, copied when buf is not NULL. */
ssize_t ext4_listxattr (struct fs_inode *inode, char *buf, size_t len);
/* ext4_xattr_delete_inode: free the xattr block of an inode being freed. */
int ext4_xattr_delete_inode (handle_t *h, struct fs_inode *inode);
/* Credits ext4_xattr_delete_inode may use. */
#define EXT4_XATTR_DELETE_CREDITS 3

/* ---- rename.c ---- */
/* ext4_rename2: flags are FPFS_RENAME_* (renameat2's checks included). */
int ext4_rename (struct fpfs *fs, const char *oldpath, const char *newpath,
                 unsigned flags);

/* ---- super.c: the rest of umount and of a power cut, after vfs/super.c
 * closed the files and synced (prev_err: the sync's result, which decides
 * whether the superblock says clean). ---- */
int ext4_put_super (struct fpfs *fs, int prev_err);
void ext4_kill_sb (struct fpfs *fs);

/* ---- options.c ---- */
int ext4_opts_check (const struct fpfs_mount_opts *o, char *errbuf,
                     size_t errlen);

#endif /* FP_EXT4_H */
