/* mm: the page cache and writeback, the layer under ext4 (Linux mm/filemap.c,
 * mm/page-writeback.c, fs/fs-writeback.c, include/linux/fs.h's struct inode
 * and address_space, include/linux/writeback.h).
 *
 * What lives here is what the kernel's VFS and mm give every file system:
 * a per-inode page cache with DIRTY, TOWRITE and WRITEBACK tags, the page
 * state changes (set_page_dirty, clear_page_dirty_for_io, ...), the range
 * writeback and wait (filemap_write_and_wait_range and friends), the inode
 * dirty state (__mark_inode_dirty) with the b_dirty / b_dirty_time lists,
 * and the flusher that writes them back on the virtual clock.
 *
 * It knows nothing of ext4.  As in the kernel, it reaches the file system
 * only through operations the file system hands it (struct wb_operations:
 * the parts of super_operations and address_space_operations that
 * writeback calls -- writepages, write_inode, dirty_inode, igrab/iput),
 * and it works on struct inode, the VFS part of an inode, which the file
 * system embeds in its own (ext4's struct fs_inode, EXT4_I / VFS_I).
 *
 * Model: no threads; device I/O is synchronous, so a page is under
 * writeback only while its write is submitted.
 */
#ifndef FP_MM_H
#define FP_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errseq.h"
#include "fpfs.h"
#include "sched.h"
#include "trace.h"

/* A page is one file-system block. */
#define MM_PAGE_SIZE   FPFS_BLOCK_SIZE
#define MM_PAGE_SHIFT  12
_Static_assert (MM_PAGE_SIZE == 1u << MM_PAGE_SHIFT, "page = 4 KiB block");

struct inode;
struct bdi_writeback;

/* ------------------------------------------------------------------ */
/* Inode state (include/linux/fs.h)                                     */
/* ------------------------------------------------------------------ */

#define I_DIRTY_SYNC      (1u << 0)   /* inode changed, fdatasync may skip */
#define I_DIRTY_DATASYNC  (1u << 1)   /* changed in a way fdatasync needs */
#define I_DIRTY_PAGES     (1u << 2)   /* has dirty pages */
#define I_FREEING         (1u << 5)
#define I_LINKABLE        (1u << 10)  /* O_TMPFILE: linkat may name it */
#define I_DIRTY_TIME      (1u << 11)  /* lazytime: only timestamps changed */
#define I_DIRTY_INODE     (I_DIRTY_SYNC | I_DIRTY_DATASYNC)
#define I_DIRTY           (I_DIRTY_INODE | I_DIRTY_PAGES)
#define I_DIRTY_ALL       (I_DIRTY | I_DIRTY_TIME)

/* ------------------------------------------------------------------ */
/* Page cache                                                           */
/* ------------------------------------------------------------------ */

enum pc_tag { PC_TAG_DIRTY = 0, PC_TAG_TOWRITE, PC_TAG_WRITEBACK, PC_NTAGS };

#define PG_UPTODATE   (1u << 0)
#define PG_DIRTY      (1u << 1)
#define PG_WRITEBACK  (1u << 2)
#define PG_ERROR      (1u << 3)
#define PG_DELAY      (1u << 4)   /* block reserved, not allocated (BH_Delay) */
#define PG_MAPPED     (1u << 5)   /* pg_pblk is the block (BH_Mapped) */
#define PG_DEFERRED   (1u << 6)   /* bug no-ordered-data: waits for pg_tid */
#define PG_UNWRITTEN  (1u << 7)   /* pg_pblk is an unwritten block (BH_Unwritten):
                                     writeback converts it; not PG_MAPPED */
/* A shared writable mapping may store to the page without a fault: the
 * page's pte is writable (the engine has no page tables: one bit per page
 * stands for every mapping's pte).  Set after the write fault
 * (ext4_page_mkwrite); cleared by clear_page_dirty_for_io, which is
 * page_mkclean's write-protect, so the first store after writeback faults
 * again; gone with the page (truncate unmaps it). */
#define PG_WRITE_MAPPED (1u << 8)

struct page {
  uint32_t pg_index;
  unsigned pg_flags;
  uint64_t pg_pblk;
  uint32_t pg_tid;            /* a jbd2 tid_t (PG_DEFERRED) */
  struct inode *pg_inode;
  uint8_t *pg_data;
  struct page *pg_lru_prev, *pg_lru_next;   /* fs-wide clean-page LRU */
};

struct pc_node;

struct address_space {
  struct pc_node *a_root;
  unsigned a_height;          /* levels of 64-way nodes; 0 = empty */
  uint64_t a_nrpages;
  uint64_t a_ntagged[PC_NTAGS];
  uint32_t a_writeback_index;  /* range_cyclic resume point */
  struct errseq a_wb_err;
};

/* ------------------------------------------------------------------ */
/* Writeback control (include/linux/writeback.h)                        */
/* ------------------------------------------------------------------ */

enum wb_sync_mode { WB_SYNC_NONE = 0, WB_SYNC_ALL };
struct writeback_control {
  enum wb_sync_mode sync_mode;
  long nr_to_write;
  uint64_t range_start, range_end;   /* bytes, end inclusive */
  bool range_cyclic, tagged_writepages;
  bool for_kupdate, for_background, for_sync;
  long pages_skipped;
};

/* What writeback needs from the file system (the kernel's
 * a_ops->writepages, s_op->write_inode, s_op->dirty_inode, __iget/iput,
 * and the block device's own writeback of the fs's metadata). */
struct wb_operations {
  int (*writepages) (struct inode *inode, struct writeback_control *wbc);
  int (*write_inode) (struct inode *inode,
                      const struct writeback_control *wbc);
  /* Before __mark_inode_dirty records I_DIRTY_SYNC/DATASYNC/TIME. */
  void (*dirty_inode) (struct inode *inode, unsigned flags);
  void (*ihold) (struct inode *inode);
  void (*iput) (struct inode *inode);
  /* The flusher's metadata pass: write what was dirtied at or before
   * older_than_ns; and whether anything is left to write. */
  void (*write_metadata) (void *fs, uint64_t older_than_ns);
  bool (*metadata_dirty) (void *fs);
  bool (*sb_rdonly) (void *fs);
};

/* ------------------------------------------------------------------ */
/* The VFS part of an inode and of a super block                        */
/* ------------------------------------------------------------------ */

/* What the page cache and writeback use of an inode (struct inode).  The
 * file system embeds it in its own inode and sets i_wb and i_ino. */
struct inode {
  struct bdi_writeback *i_wb;
  uint32_t i_ino;             /* for trace events */
  unsigned i_state;           /* I_DIRTY_* */
  uint64_t dirtied_when;      /* ns, first dirtied (b_dirty ordering) */
  uint64_t dirtied_time_when;
  struct inode *i_io_prev, *i_io_next;      /* b_dirty or b_dirty_time */
  int i_io_list;                            /* 0 none, 1 b_dirty, 2 b_dirty_time */
  struct address_space i_mapping;
};

/* One per mounted fs: the writeback lists and the flusher (the kernel's
 * bdi_writeback), the page-cache accounting (the kernel's vm counters:
 * one device per fs here), and the super block's errseq for syncfs
 * (sb->s_wb_err, Linux >= 5.8). */
struct bdi_writeback {
  const struct wb_operations *wb_ops;
  void *wb_fs;                              /* passed to wb_ops */
  struct fp_sched *wb_sched;
  const struct fpfs_trace_sink *wb_trace;
  const char *wb_devname;                   /* for trace args */
  struct inode *b_dirty_head, *b_dirty_tail;
  struct inode *b_dtime_head, *b_dtime_tail;
  struct sched_timer wb_timer;              /* the flusher */
  bool wb_armed;
  bool wb_in_writeback;       /* flusher or balance running: no recursion */
  uint64_t nr_pages, nr_dirty;
  uint64_t dirty_limit;       /* pages */
  uint64_t cache_limit;       /* pages */
  struct page *plru_head, *plru_tail;       /* clean pages */
  struct errseq wb_err;
};

#define WB_TRACE(wb, name, ...) \
  trace_event ((wb)->wb_trace, sched_now ((wb)->wb_sched), name, __VA_ARGS__)

/* ---- pagecache.c ---- */
struct page *pc_find_page (struct inode *inode, uint32_t index);
int pc_grab_page (struct inode *inode, uint32_t index, struct page **out);
void pc_delete_page (struct page *pg);
void pc_mark_uptodate (struct page *pg);
void pc_set_tag (struct page *pg, enum pc_tag tag);
void pc_clear_tag (struct page *pg, enum pc_tag tag);
bool pc_mapping_tagged (const struct inode *inode, enum pc_tag tag);
/* Up to n pages tagged tag with index in [*index, end], in order; *index
 * moves past the last one returned. */
unsigned pc_lookup_tag (struct inode *inode, uint32_t *index, uint32_t end,
                        enum pc_tag tag, struct page **pages, unsigned n);
unsigned pc_lookup_range (struct inode *inode, uint32_t *index,
                          uint32_t end, struct page **pages, unsigned n);
void tag_pages_for_writeback (struct inode *inode, uint32_t start,
                              uint32_t end);
void set_page_dirty (struct page *pg);
/* Also write-protects the page (page_mkclean): see PG_WRITE_MAPPED. */
bool clear_page_dirty_for_io (struct page *pg);
void set_page_writeback (struct page *pg);
void end_page_writeback (struct page *pg);
void pc_truncate_pages (struct inode *inode, uint64_t from);
void pc_truncate_range (struct inode *inode, uint32_t first, uint32_t last);
void pc_drop_all (struct inode *inode);
void pc_shrink (struct bdi_writeback *wb);
uint64_t invalidate_mapping_pages (struct inode *inode, uint32_t start,
                                   uint32_t end);
void mapping_set_error (struct inode *inode, int err);

/* ---- filemap.c ---- */
int do_writepages (struct inode *inode, struct writeback_control *wbc);
int __filemap_fdatawrite_range (struct inode *inode, uint64_t start,
                                uint64_t end, enum wb_sync_mode mode);
int filemap_fdatawait_range (struct inode *inode, uint64_t start,
                             uint64_t end);
int filemap_write_and_wait_range (struct inode *inode, uint64_t start,
                                  uint64_t end);

/* ---- flusher.c ---- */
void __mark_inode_dirty (struct inode *inode, unsigned flags);
/* The bookkeeping half of __mark_inode_dirty (no dirty_inode call). */
void inode_mark_state (struct inode *inode, unsigned flags);
static inline void
mark_inode_dirty (struct inode *i)
{
  __mark_inode_dirty (i, I_DIRTY);
}
static inline void
mark_inode_dirty_sync (struct inode *i)
{
  __mark_inode_dirty (i, I_DIRTY_SYNC);
}
void inode_io_list_add (struct inode *inode);
void inode_io_list_del (struct inode *inode);
void wb_wakeup_delayed (struct bdi_writeback *wb);
void wb_init (struct bdi_writeback *wb, const struct wb_operations *ops,
              void *fs, struct fp_sched *sched,
              const struct fpfs_trace_sink *trace, const char *devname);
void wb_stop (struct bdi_writeback *wb);
int writeback_inodes_sb (struct bdi_writeback *wb, enum wb_sync_mode mode,
                         bool for_sync);
int writeback_single_inode (struct inode *inode,
                            struct writeback_control *wbc);
void balance_dirty_pages (struct bdi_writeback *wb);

#endif /* FP_MM_H */
