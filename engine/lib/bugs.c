/* bugs: the table of bug switches (names and one-line docs).
 *
 * Each switch in bugs.h breaks exactly one rule of the fsync pipeline so
 * that the checker can be shown to catch it; engine/BUGS.md has the kernel
 * code each one breaks.  The table is the only place that names them:
 * fpfs_mount_opts_parse (bug=NAME) and `flushpoint matrix --bugs` both read
 * it.  Names are stable: they appear in recorded logs and reports.
 */
#include <errno.h>
#include <string.h>

#include "bugs.h"
#include "fpfs.h"

struct bug_desc {
  uint64_t bit;
  const char *name;
  const char *doc;
};

static const struct bug_desc bug_table[] = {
  { FPFS_BUG_NO_COMMIT_FLUSH, "no-commit-flush",
    "jbd: the commit block is written without the FLUSH that orders the "
    "transaction's data and log blocks before it." },
  { FPFS_BUG_NO_COMMIT_FUA, "no-commit-fua",
    "jbd: the commit block is written without FUA, so it may sit in the "
    "device cache when fsync returns." },
  { FPFS_BUG_NO_ORDERED_DATA, "no-ordered-data",
    "ext4/jbd: data=ordered data of newly allocated blocks is written after "
    "the commit that maps them, not before." },
  { FPFS_BUG_NO_DATASYNC_TID, "no-datasync-tid",
    "ext4: i_datasync_tid is never updated, so fdatasync does not commit a "
    "size or mapping change." },
  { FPFS_BUG_FSYNC_SKIP_TIME_ONLY, "fsync-skip-time-only",
    "ext4: fsync skips the commit when only the inode's timestamps changed." },
  { FPFS_BUG_CHECKPOINT_BEFORE_COMMIT, "checkpoint-before-commit",
    "jbd: metadata is written in place before the transaction holding it "
    "has committed." },
  { FPFS_BUG_REPLAY_UNCOMMITTED, "replay-uncommitted",
    "jbd: recovery replays the last transaction even without a valid commit "
    "block." },
  { FPFS_BUG_RENAME_TWO_TX, "rename-two-tx",
    "ext4: rename removes the old name in one transaction and adds the new "
    "name in the next." },
  { FPFS_BUG_NOJOURNAL_NO_PARENT_SYNC, "nojournal-no-parent-sync",
    "ext4 nojournal: fsync of a new file does not write its parent "
    "directory (ext4_sync_parent skipped)." },
  { FPFS_BUG_NO_REVOKE, "no-revoke",
    "jbd: freed metadata blocks get no revoke record, so replay may "
    "overwrite a block reused for data." },
  { FPFS_BUG_UNWRITTEN_CONVERT_EARLY, "unwritten-convert-early",
    "ext4: a buffered write into an unwritten (fallocated) extent marks it "
    "written at once, in a transaction not ordered after the data, so a "
    "commit can expose the block's stale contents." },
  { FPFS_BUG_PUNCH_HOLE_NO_ZERO, "punch-hole-no-zero",
    "ext4: punch hole frees the whole blocks but does not zero the partial "
    "blocks at the edges of the range, which keep their old bytes." },
  { FPFS_BUG_SLOW_SYMLINK_UNJOURNALED, "slow-symlink-unjournaled",
    "ext4: a slow symlink's target block is delayed-allocated and written "
    "back like file data instead of journaled, so the commit that links "
    "the name can reach the disk before the target does." },
  { FPFS_BUG_XATTR_BLOCK_TWO_TX, "xattr-block-two-tx",
    "ext4: a new xattr block is linked from the inode in one transaction, "
    "which is committed, and its contents are written in the next." },
  { FPFS_BUG_EXCHANGE_TWO_TX, "exchange-two-tx",
    "ext4: RENAME_EXCHANGE points the new name at the old inode in one "
    "transaction, which is committed, and the old name at the new inode in "
    "the next." },
  { FPFS_BUG_TMPFILE_NO_ORPHAN, "tmpfile-no-orphan",
    "ext4: O_TMPFILE does not put the unnamed inode on the orphan list, so "
    "after a crash it leaks (allocated, no links)." },
  { FPFS_BUG_MSYNC_NO_WAIT, "msync-no-wait",
    "vfs: msync(MS_SYNC) writes the range's dirty pages and waits for them "
    "but neither commits the mapping and size they need nor flushes the "
    "device cache (filemap_write_and_wait_range instead of "
    "vfs_fsync_range)." },
};

#define BUG_COUNT ((int) (sizeof bug_table / sizeof bug_table[0]))

int
fpfs_bug_count (void)
{
  return BUG_COUNT;
}

const char *
fpfs_bug_name (int i)
{
  return i >= 0 && i < BUG_COUNT ? bug_table[i].name : NULL;
}

const char *
fpfs_bug_doc (int i)
{
  return i >= 0 && i < BUG_COUNT ? bug_table[i].doc : NULL;
}

int
fpfs_bug_lookup (const char *name, uint64_t *bit)
{
  for (int i = 0; i < BUG_COUNT; i++)
    if (strcmp (bug_table[i].name, name) == 0) {
      if (bit)
        *bit = bug_table[i].bit;
      return 0;
    }
  return -ENOENT;
}
