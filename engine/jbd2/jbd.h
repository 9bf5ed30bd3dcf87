/* jbd: a jbd2-style journal (Linux 4.10 fs/jbd2), the engine's commit
 * machinery.
 *
 * The journal is a contiguous region of the device: block 0 of it is the
 * journal superblock, the rest a circular log of descriptor blocks, metadata
 * block copies, revoke blocks and commit blocks.  The byte layout is in
 * jbd2/FORMAT-journal.md.
 *
 * Model.  There are no threads (see sched.h).  A handle (jbd_journal_start /
 * jbd_journal_stop) groups the metadata changes of one file-system operation
 * into the running transaction.  A commit runs synchronously, start to end,
 * when it is asked for and no handle is open: from jbd_log_wait_commit /
 * jbd_complete_transaction (fsync), from the kjournald2 timer (commit
 * interval), when the running transaction is full, or when log space runs
 * out.  A commit requested while a handle is open runs when the last handle
 * stops.  The commit walks the kernel's states, each transition asserted:
 *
 *   T_RUNNING -> T_LOCKED -> T_FLUSH -> T_COMMIT -> T_COMMIT_DFLUSH
 *             -> T_COMMIT_JFLUSH -> T_FINISHED
 *
 *   T_LOCKED        no new handles join (event jbd2_commit_locking)
 *   T_FLUSH         ordered mode: the data of the transaction's inodes is
 *                   written (jbd_fs_ops.submit_inode_data); revoke records
 *                   are written (event jbd2_commit_flushing)
 *   T_COMMIT        descriptor blocks and metadata copies go to the log
 *                   (event jbd2_commit_logging)
 *   T_COMMIT_DFLUSH log and data writes complete
 *   T_COMMIT_JFLUSH the commit block: with barriers, a FLUSH first (orders
 *                   every data and log write before the commit block) and
 *                   the commit block written FUA (durable on completion)
 *   T_FINISHED      buffers move to the checkpoint list (BUF_DIRTY), the fs
 *                   commit callback runs, events jbd2_run_stats and
 *                   jbd2_end_commit
 *
 * Checkpointing writes committed buffers in place; once a transaction's
 * buffers are all clean it is dropped and the log tail advances (a FLUSH,
 * then the journal superblock written FUA).  Space is reused when the log
 * wraps.  Recovery (in jbd_journal_load) replays committed transactions
 * only, honouring revoke records, verifying the commit block checksum (which
 * covers every block of the transaction), then restarts the log at its
 * first block (s_start stays non-zero while mounted: jbd2/journal.c).
 *
 * Errors are sticky: a failed log write aborts the journal; from then on
 * jbd_journal_start returns -EROFS and commits fail with -EIO.
 */
#ifndef FP_JBD_H
#define FP_JBD_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "fpfs.h"
#include "sched.h"

typedef uint32_t tid_t;

/* tid comparison with wrap-around, as the kernel's tid_gt / tid_geq. */
static inline bool tid_gt (tid_t x, tid_t y) { return (int32_t) (x - y) > 0; }
static inline bool tid_geq (tid_t x, tid_t y) { return (int32_t) (x - y) >= 0; }

enum jbd_tstate {
  T_RUNNING = 0,
  T_LOCKED,
  T_FLUSH,
  T_COMMIT,
  T_COMMIT_DFLUSH,
  T_COMMIT_JFLUSH,
  T_FINISHED,
};

struct journal;
struct jbd_transaction;
struct jbd_handle;

/* Per-inode ordered-data link (the kernel's struct jbd2_inode). */
struct jbd_inode {
  struct jbd_transaction *i_transaction;       /* tx whose commit writes our data */
  struct jbd_transaction *i_next_transaction;  /* next one, while committing */
  void *i_owner;                               /* the file system's inode */
  struct jbd_inode *i_prev, *i_next;           /* private to jbd.c */
};

/* What the journal needs from the file system. */
struct jbd_fs_ops {
  /* T_FLUSH, ordered mode: write the inode's dirty pages whose blocks are
   * already allocated, and wait.  Must not start a handle. */
  int (*submit_inode_data) (void *fs_ctx, struct jbd_inode *ji);
  /* After T_FINISHED: blocks freed by tid may now be reused. */
  void (*commit_callback) (void *fs_ctx, tid_t tid);
};

struct jbd_config {
  struct buf_cache *bc;          /* the fs's buffer cache (same device) */
  uint64_t first_block;          /* journal superblock's fs block number */
  uint32_t nblocks;              /* journal length in fs blocks, incl. sb */
  bool barrier;
  uint32_t commit_interval_ms;   /* kjournald2 timer; 0 = no timer */
  struct fp_sched *sched;
  const struct fpfs_trace_sink *trace;
  const char *devname;           /* for trace args: "fp-8" */
  const struct jbd_fs_ops *ops;
  void *fs_ctx;
  uint64_t bugs;                 /* enum fpfs_bug bits (the jbd ones) */
  const uint8_t *uuid;           /* fs uuid, 16 bytes, stamped in the jsb */
  struct fpfs_scan_cache *scan_cache;  /* recovery's PASS_SCAN cache, or
                                          NULL (scancache.c); borrowed */
};

/* mkfs: write an empty journal superblock (and nothing else). */
int jbd_journal_format (const struct jbd_config *cfg, char *errbuf,
                        size_t errlen);
/* mount: read the superblock, run recovery if the log is not empty, start
 * the kjournald2 timer.  Garbage gives an error, never a crash.  *replayed
 * (may be NULL) receives the number of transactions replayed. */
int jbd_journal_load (const struct jbd_config *cfg, struct journal **out,
                      unsigned *replayed, char *errbuf, size_t errlen);
/* umount: commit, checkpoint everything, write the superblock clean. */
int jbd_journal_destroy (struct journal *j);
/* power cut: free memory, write nothing. */
void jbd_journal_drop (struct journal *j);

void jbd_journal_abort (struct journal *j, int err);
bool jbd_journal_aborted (const struct journal *j);
int jbd_journal_errno (const struct journal *j);

/* Handles.  Nesting is allowed (a start inside a handle returns the same
 * handle with one more reference).  credits bounds the number of distinct
 * buffers the handle may add to the transaction (asserted). */
int jbd_journal_start (struct journal *j, int credits, struct jbd_handle **out);
int jbd_journal_stop (struct jbd_handle *h);
tid_t jbd_handle_tid (const struct jbd_handle *h);
/* The operation must commit before jbd_journal_stop returns (O_SYNC). */
void jbd_handle_set_sync (struct jbd_handle *h);

/* Declare intent to change b (jbd2_journal_get_write_access): must precede
 * any change to b_data within the handle. */
int jbd_get_write_access (struct jbd_handle *h, struct buf *b);
/* The same for a freshly allocated block (no old contents to preserve). */
int jbd_get_create_access (struct jbd_handle *h, struct buf *b);
/* b's changes belong to the running transaction. */
int jbd_dirty_metadata (struct jbd_handle *h, struct buf *b);
/* The metadata block was freed in this handle: drop it from the journal
 * and write a revoke record so recovery never replays older copies. */
int jbd_forget (struct jbd_handle *h, struct buf *b);
/* jbd2_journal_forget as the kernel names it: drop b from the journal,
 * no revoke record (data=journal, and unjournaled data blocks). */
int jbd_forget_norevoke (struct jbd_handle *h, struct buf *b);
int jbd_revoke (struct jbd_handle *h, uint64_t blocknr);
/* Ordered data: the running transaction must write ji's data before its
 * commit block (jbd2_journal_inode_add_write). */
int jbd_file_inode (struct jbd_handle *h, struct jbd_inode *ji);
/* The inode is going away: unlink ji from any transaction. */
void jbd_release_jbd_inode (struct journal *j, struct jbd_inode *ji);

/* The tid the next handle would join (the running transaction's, or the
 * one a new running transaction would get). */
tid_t jbd_running_tid (const struct journal *j);
tid_t jbd_commit_sequence (const struct journal *j);   /* last committed */

int jbd_log_start_commit (struct journal *j, tid_t tid);
int jbd_log_wait_commit (struct journal *j, tid_t tid);
int jbd_complete_transaction (struct journal *j, tid_t tid);
int jbd_trans_will_send_data_barrier (struct journal *j, tid_t tid);
/* Commit the running transaction (if any) and wait: ext4_force_commit. */
int jbd_force_commit (struct journal *j);
/* Checkpoint committed transactions whose buffers were dirtied at or before
 * older_than_ns (the flusher's dirty_expire rule), advancing the tail. */
int jbd_checkpoint (struct journal *j, uint64_t older_than_ns);

struct jbd_stats {
  uint64_t commits, checkpoints, replayed, handles;
  uint64_t log_blocks_written;
  uint32_t free_log_blocks;
};
void jbd_get_stats (const struct journal *j, struct jbd_stats *st);

#endif /* FP_JBD_H */
