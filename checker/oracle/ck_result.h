/* ck_result: what checking one crash state found.
 *
 * Verdicts are per property (DESIGN.md section 6), so that fsync vs
 * fdatasync is a table:
 *   data    the bytes of a file a sync covered
 *   size    its size
 *   mtime   its mtime and ctime
 *   mode    its permission bits
 *   nlink   its link count
 *   dirent  directory entries (a synced directory's names, a fsynced
 *           file's own name under the ext4 profile, rename-over atomicity)
 *   stale   a file exposing bytes never written to it at that place
 *   fsck    recovery, and the file-system checker's verdict after it
 * A property's verdict in a state is the worst of:
 *   none      nothing in the state made a promise about it
 *   held      checked, and every promise held
 *   lost      something was lost that was not promised (fdatasync's mtime,
 *             a posix fsync'd file's name, stale data under writeback):
 *             shown in the report, not a failure
 *   violated  a promise was broken: a failure
 * Findings carry the evidence.  One state reports each fact once: a
 * finding is about one thing -- a block of a file (data, stale: its path
 * and block number), one attribute of a file (size, mode, nlink, mtime:
 * its path), one directory entry (dirent: its path) -- and a second
 * finding about the same thing (the same entry reached through a file's
 * own-name promise and its directory's, a mode broken against an fsync and
 * seen by a later fdatasync) is folded into the first, keeping the worse
 * verdict.  Other findings (fsck, "and N more blocks like it") are folded
 * only when identical.  At most CK_FINDINGS_MAX are kept per state, except
 * that every (property, verdict) a state has keeps at least one finding,
 * so the report's findings account for every count in its table; the rest
 * are counted in `more`.
 */
#ifndef CK_RESULT_H
#define CK_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ck_recipe.h"

enum ck_prop {
  CK_P_DATA, CK_P_SIZE, CK_P_MTIME, CK_P_MODE, CK_P_NLINK, CK_P_XATTR,
  CK_P_DIRENT, CK_P_STALE, CK_P_FSCK, CK_P_AFTER,
  CK_P_APP,                      /* a program's own check (run --exec) */
  CK_P__COUNT
};

enum ck_verdict {
  CK_V_NONE = 0, CK_V_HELD, CK_V_LOST, CK_V_VIOLATED,
};

#define CK_FINDINGS_MAX 32u
#define CK_NO_OP        UINT32_MAX
#define CK_NO_BLOCK     UINT64_MAX

const char *ck_prop_name (enum ck_prop p);        /* "data", ... */
const char *ck_verdict_name (enum ck_verdict v);  /* "held", ... */

struct ck_finding {
  enum ck_prop prop;
  bool violation;              /* false: lost, not promised / allowed */
  char *path;                  /* the file or directory concerned */
  uint64_t block;              /* the file block (data, stale), else
                                  CK_NO_BLOCK */
  char *msg;
  uint32_t sync_op;            /* the op whose sync made the promise */
  char *since;                 /* the ops since that sync that touched it */
  bool after_error;            /* lost because the device failed a write
                                  the workload was told of (fsyncgate, a
                                  failed ordered-data write): Linux
                                  behaviour, shown with its own label */
};

enum ck_state_status {
  CK_STATE_CHECKED = 0,
  CK_STATE_SKIPPED,            /* before the file system existed */
};

struct ck_state_result {
  uint64_t index;
  uint64_t epoch;
  struct ck_recipe recipe;
  enum ck_state_status status;
  uint8_t v[CK_P__COUNT];      /* enum ck_verdict */
  struct ck_finding *f;
  size_t nf, capf;
  size_t more;                 /* findings past CK_FINDINGS_MAX, not kept
                                  (folded duplicates are not counted) */
  uint64_t checks;             /* comparisons made */
  bool no_fs;                  /* fsck-only check: recovery found no file
                                  system (ck_check.c decides whether that
                                  is "before mkfs" or damage) */
  bool by_epoch;               /* the rules used the state's epoch, not
                                  only the marks before its crash point
                                  (the stale rule's sample is seeded by
                                  it): the read-set cache may not reuse
                                  this result in another epoch */
};

void ck_result_init (struct ck_state_result *r);
void ck_result_free (struct ck_state_result *r);
/* Record that prop was checked and held (verdict at least "held"). */
void ck_result_held (struct ck_state_result *r, enum ck_prop p);
/* Add a finding; raises the verdict to lost or violated.  since may be
 * NULL.  Returns 0 or -ENOMEM. */
int ck_result_add (struct ck_state_result *r, enum ck_prop p, bool violation,
                   const char *path, uint32_t sync_op, const char *since,
                   const char *fmt, ...)
  __attribute__ ((format (printf, 7, 8)));
/* The same for a "lost" finding that an injected write error explains
 * (after_error set). */
int ck_result_add_after_error (struct ck_state_result *r, enum ck_prop p,
                               const char *path, uint32_t sync_op,
                               const char *since, const char *fmt, ...)
  __attribute__ ((format (printf, 6, 7)));
/* The same about one block of a file (data, stale): findings about the
 * same block of the same path fold into one. */
int ck_result_add_block (struct ck_state_result *r, enum ck_prop p,
                         bool violation, bool after_error, const char *path,
                         uint64_t block, uint32_t sync_op, const char *since,
                         const char *fmt, ...)
  __attribute__ ((format (printf, 9, 10)));
bool ck_result_violated (const struct ck_state_result *r);
/* Drop the findings and verdicts; keep index, epoch, recipe. */
void ck_result_forget (struct ck_state_result *r);
/* Make dst's verdicts and findings (and status, checks, no_fs, by_epoch)
 * a copy of src's; dst keeps its index, epoch and recipe.  0 or -ENOMEM
 * (dst then holds no findings). */
int ck_result_copy_verdicts (struct ck_state_result *dst,
                             const struct ck_state_result *src);
/* Move the contents of src into dst (dst freed first); src is reset. */
void ck_result_move (struct ck_state_result *dst, struct ck_state_result *src);

#endif /* CK_RESULT_H */
