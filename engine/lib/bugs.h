/* bugs: the engine's bug switches.
 *
 * Each switch breaks exactly one rule of the fsync pipeline, so that the
 * checker can be shown to catch it (`flushpoint matrix --bugs all` prints
 * the kill table).  All are off by default and set with the mount option
 * bug=NAME (repeatable).  The table of names and one-line docs lives in
 * bugs.c; engine/BUGS.md explains each one against the kernel code it breaks.
 */
#ifndef FP_BUGS_H
#define FP_BUGS_H

enum fpfs_bug {
  /* jbd: no FLUSH before the commit block (REQ_PREFLUSH dropped). */
  FPFS_BUG_NO_COMMIT_FLUSH       = 1u << 0,
  /* jbd: commit block written without FUA. */
  FPFS_BUG_NO_COMMIT_FUA         = 1u << 1,
  /* ext4/jbd: ordered data is written after the commit block, not before. */
  FPFS_BUG_NO_ORDERED_DATA       = 1u << 2,
  /* ext4: i_datasync_tid is never updated (fdatasync misses size changes). */
  FPFS_BUG_NO_DATASYNC_TID       = 1u << 3,
  /* ext4: fsync skips the commit when only timestamps are dirty. */
  FPFS_BUG_FSYNC_SKIP_TIME_ONLY  = 1u << 4,
  /* jbd: metadata is checkpointed (written in place) before the commit. */
  FPFS_BUG_CHECKPOINT_BEFORE_COMMIT = 1u << 5,
  /* jbd: recovery replays the last transaction even without a valid commit. */
  FPFS_BUG_REPLAY_UNCOMMITTED    = 1u << 6,
  /* ext4: rename is written as two transactions (unlink old, then link new). */
  FPFS_BUG_RENAME_TWO_TX         = 1u << 7,
  /* ext4 nojournal: fsync does not sync the parent directory. */
  FPFS_BUG_NOJOURNAL_NO_PARENT_SYNC = 1u << 8,
  /* jbd: no revoke records, so replay may overwrite a reused block. */
  FPFS_BUG_NO_REVOKE             = 1u << 9,
  /* ext4: a write into an unwritten extent converts it at once, unordered. */
  FPFS_BUG_UNWRITTEN_CONVERT_EARLY = 1u << 10,
  /* ext4: punch hole does not zero the partial blocks at its edges. */
  FPFS_BUG_PUNCH_HOLE_NO_ZERO    = 1u << 11,
  /* ext4: a slow symlink's target is not journaled with the handle that
   * maps its block; it is delayed-allocated and written like file data. */
  FPFS_BUG_SLOW_SYMLINK_UNJOURNALED = 1u << 12,
  /* ext4: a new xattr block is linked from the inode in one committed
   * transaction and filled in the next. */
  FPFS_BUG_XATTR_BLOCK_TWO_TX    = 1u << 13,
  /* ext4: RENAME_EXCHANGE rewrites the two entries in two transactions. */
  FPFS_BUG_EXCHANGE_TWO_TX       = 1u << 14,
  /* ext4: O_TMPFILE does not put the new inode on the orphan list. */
  FPFS_BUG_TMPFILE_NO_ORPHAN     = 1u << 15,
  /* vfs: msync(MS_SYNC) only starts and waits on the range's writeback
   * (filemap_write_and_wait_range): no commit, no FLUSH. */
  FPFS_BUG_MSYNC_NO_WAIT         = 1u << 16,
};

#endif /* FP_BUGS_H */
