/* ck_model: what every file and name held over the run, from the oracle.
 *
 * DESIGN.md section 6: "after later writes, a block may hold any value it
 * held since the last sync that covered it; the checker accepts exactly
 * those".  To know those values the model replays the workload's ops from
 * the oracle: the run's text gives each write's pattern and seed
 * (wl_pattern.h), the op's after-mark gives where it landed (inode
 * identity, offset, length) -- so the bytes of every block at every step
 * are known exactly, and checked against the block hashes the runner put
 * in the after-marks (a disagreement is an error in the checker or the
 * runner, never a verdict).
 *
 * Time is the log: everything an op does is stamped with the seq of its
 * before-mark, the first moment its effect may reach the disk.  A crash
 * state ending at entry E sees the ops with before-mark <= E; a guarantee
 * made by a sync whose after-mark is A covers the value current at A.
 * So the candidates for a block in that state are: its value at A, and
 * every value it took in (A, E].  Values are kept as XXH3-64 hashes of the
 * 4 KiB block with the bytes past end of file as zeroes, and of each
 * sector of it (for torn states, where a block may mix two values sector
 * by sector).
 *
 * Identity: files are keyed by (ino, generation) as the engine reports
 * them.  The root directory is CK_ROOT (0, 0) on both sides (the model
 * and the recovered view), whatever its inode number.
 * Events: per file, what the ops did to it (size, mode, nlink, mtime,
 * ctime, content, names), in log order, for the rules and for reports
 * ("the operations since the last sync").
 * Directory entries: per (directory, name), the identities it named over
 * time, CK_ID_NONE for "no entry".
 */
#ifndef CK_MODEL_H
#define CK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ck_map.h"
#include "ck_oracle.h"

struct ck_id {
  uint64_t ino;
  uint32_t gen;
};
#define CK_ROOT    ((struct ck_id) { 0, 0 })
#define CK_ID_NONE ((struct ck_id) { UINT64_MAX, UINT32_MAX })
static inline bool
ck_id_eq (struct ck_id a, struct ck_id b)
{
  return a.ino == b.ino && a.gen == b.gen;
}

enum ck_ev_kind {
  CK_EV_DATA,              /* content changed (val: first block) */
  CK_EV_SIZE,              /* val: the new size */
  CK_EV_MODE,              /* val: the new st_mode */
  CK_EV_NLINK,             /* val: the new link count */
  CK_EV_MTIME,             /* val: 1 when set to an arbitrary time (utimes) */
  CK_EV_CTIME,
  CK_EV_NAME,              /* a name of this file was added or removed */
  CK_EV_XATTR,             /* an extended attribute was set or removed */
};

/* The val of a CK_EV_XATTR event: which attribute it touched. */
int64_t ck_xattr_key (const char *name);

struct ck_event {
  uint64_t seq;            /* the op's before-mark */
  uint32_t op;
  uint8_t kind;            /* enum ck_ev_kind */
  int64_t val;
};

struct ck_val {            /* a block's value from seq on */
  uint64_t seq;
  uint64_t h;              /* XXH3-64 of the 4 KiB block */
  uint32_t sec;            /* its sector hashes: model->sec[sec..+spb) */
  uint32_t op;
};

struct ck_hist {
  struct ck_val *v;
  uint32_t n, cap;
};

/* A truncate to a size inside a block (not a multiple of 4 KiB): the block
 * as it stood before the cut zeroed its tail. */
struct ck_cut {
  uint64_t seq;            /* the truncate's before-mark */
  uint64_t block;
  uint64_t size;           /* the size it cut the file to */
  uint32_t op;             /* the truncate */
  uint32_t vop;            /* the op that wrote the value it cut */
  uint8_t *bytes;          /* 4096: the block before the cut */
};

struct ck_mfile {
  struct ck_id id;
  bool is_dir;
  struct ck_event *ev;
  size_t nev, capev;
  struct ck_map blocks;    /* (block, 0) -> index into hist */
  struct ck_hist *hist;
  size_t nhist, caphist;
  uint64_t cur_size, cur_nlink;
  uint64_t max_end;        /* the largest size the file ever had, and the
                              end of the highest block any value went to */
  uint32_t cur_mode;
  struct ck_cut *cuts;     /* in log order */
  size_t ncuts, capcuts;
};

struct ck_dval {
  uint64_t seq;
  uint32_t op;
  struct ck_id target;     /* CK_ID_NONE: removed */
};

struct ck_dirent {
  struct ck_id dir;
  char *name;
  struct ck_dval *v;
  size_t n, cap;
};

struct ck_model;

int ck_model_build (const struct ck_oracle *o, uint32_t sector_size,
                    struct ck_model **out, char *errbuf, size_t errlen);
void ck_model_free (struct ck_model *m);

const struct ck_mfile *ck_model_file (const struct ck_model *m,
                                      struct ck_id id);
const struct ck_dirent *ck_model_dirent (const struct ck_model *m,
                                         struct ck_id dir, const char *name);
uint32_t ck_model_sector_size (const struct ck_model *m);

/* Is h (4 KiB hash) the value of block b at seq `from`, or one it took in
 * (from, to]?  A block never written holds zeroes. */
bool ck_model_block_ok (const struct ck_model *m, const struct ck_mfile *f,
                        uint64_t b, uint64_t from, uint64_t to, uint64_t h);
/* The same for sector s (0-based within the block) of block b. */
bool ck_model_sector_ok (const struct ck_model *m, const struct ck_mfile *f,
                         uint64_t b, unsigned s, uint64_t from, uint64_t to,
                         uint64_t h);
/* Hash of a block, and of a sector, of zeroes. */
uint64_t ck_model_zero_block (const struct ck_model *m);
uint64_t ck_model_zero_sector (const struct ck_model *m);
/* Was block b written (took a value) in (from, to]? */
bool ck_model_block_written (const struct ck_model *m,
                             const struct ck_mfile *f, uint64_t b,
                             uint64_t from, uint64_t to);
/* Did the file's block b hold anything but zeroes at or before `to`? */
bool ck_model_block_known (const struct ck_model *m, const struct ck_mfile *f,
                           uint64_t b, uint64_t to);

/* Old bytes past a truncate point (false alarm 3 of issue 11).  A
 * truncate inside a block zeroes the block's tail in the page cache
 * (ext4_truncate -> ext4_block_truncate_page -> ext4_block_zero_page_range,
 * fs/ext4/inode.c, Linux 4.10), and only in data=ordered does it tie that
 * block to the running transaction (ext4_jbd2_inode_add_write): under
 * data=writeback and nojournal the new size may reach the disk before the
 * zeroed block, and when the file grows again the bytes the truncate cut
 * off are back.  Is h (a block hash of the recovered file, bytes past its
 * size rsize as zeroes) block b as it stood before a cut made at or before
 * `to`, seen up to rsize, and does rsize reach past the cut?  The cut, or
 * NULL. */
const struct ck_cut *ck_model_cut_match (const struct ck_model *m,
                                         const struct ck_mfile *f, uint64_t b,
                                         uint64_t to, uint64_t rsize,
                                         uint64_t h);
/* The same for sector s of block b (torn states mix values sector by
 * sector). */
const struct ck_cut *ck_model_cut_sector (const struct ck_model *m,
                                          const struct ck_mfile *f,
                                          uint64_t b, unsigned s, uint64_t to,
                                          uint64_t rsize, uint64_t h);

/* What a block that failed a rule holds, when the model can tell
 * (ck_model_find.c).  Only for findings: the first call builds an index of
 * every value of every block of every file (once per model, under a lock,
 * so worker threads may share the model). */
enum ck_holds_kind {
  CK_HOLDS_UNKNOWN = 0,    /* no value the workload wrote anywhere */
  CK_HOLDS_ZEROES,
  CK_HOLDS_EARLIER,        /* a value of this block set at or before `to`
                              (next_op replaced it) */
  CK_HOLDS_LATER,          /* a value of this block set after `to` */
  CK_HOLDS_MOVED,          /* a value of another block of this file */
  CK_HOLDS_OTHER,          /* a value of a block of another file */
};
#define CK_MODEL_NO_OP UINT32_MAX

struct ck_holds {
  enum ck_holds_kind kind;
  struct ck_id id;         /* MOVED, OTHER: the file; else f's */
  uint64_t block;          /* the block whose value it is */
  uint32_t op;             /* the op that wrote that value */
  uint32_t next_op;        /* EARLIER: the op that replaced it, or
                              CK_MODEL_NO_OP */
};

/* h: the 4 KiB hash of block b of f in the recovered state; to: the crash
 * point.  0, or -ENOMEM (out->kind is then UNKNOWN). */
int ck_model_holds (const struct ck_model *m, const struct ck_mfile *f,
                    uint64_t b, uint64_t h, uint64_t to, struct ck_holds *out);
/* A path that named file id (the one it has now if any), or NULL. */
const char *ck_model_path (const struct ck_model *m, struct ck_id id);

#endif /* CK_MODEL_H */
