/* ck_rules: judge one recovered crash state against the oracle.
 *
 * The promises (DESIGN.md section 6), per sync call that returned 0 and
 * whose after-mark lies at or before the crash point, for what its state
 * objects cover:
 *                         data size  mode nlink mtime  own name   entries
 *   fsync(f), O_SYNC       yes  yes   yes  yes   yes   ext4 only     -
 *   fdatasync(f), O_DSYNC  yes  yes    -    -     -       -          -
 *   fsync(dir)              -    -     -    -     -   ext4 only     yes
 *   fdatasync(dir)          -    -     -    -     -       -          -
 *   sync, syncfs           yes  yes   yes  yes   yes     yes        yes
 * ("-": checked all the same, and reported as "lost" -- not a failure --
 * when it did not survive, so the fsync/fdatasync difference shows.)
 *
 * What "survive" means, given what the ops did after the sync (A: its
 * after-mark, E: the crash point; the model knows every value):
 *   data   each block below the synced size, within the recovered size,
 *          holds the value it had at A or one it took in (A, E]; in torn
 *          states a block may mix those values sector by sector
 *   size   exactly the synced size, or, if ops changed it in (A, E],
 *          between the smallest and largest size it had since A
 *   mode, nlink  the synced value, or one an op set in (A, E]
 *   mtime, ctime the synced value; any later value not earlier than it
 *          if a write or namespace op touched the file in (A, E]; anything
 *          if utimes did
 *   names  the synced entry names the synced inode, or what an op in
 *          (A, E] made it name; it may name nothing only if an op in
 *          (A, E] removed it -- so a rename over a synced name leaves the
 *          old or the new file, never nothing.  A synced directory holds
 *          no name that neither the sync saw nor a later op created.
 *   stale  every block of every file the model knows holds zeroes or a
 *          value the file had there at or before E; under data=writeback
 *          and nojournal a stale block is "lost" (allowed), else violated;
 *          a big file no sync promised is sampled (RL_STALE_MAX blocks);
 *          the bytes a truncate inside a block cut off, back up to a
 *          larger recovered size, are stale, not data (ck_model_cut_match:
 *          ext4 orders the zeroed block only in data=ordered)
 * A block that fails the data rule is reported once, as data, not stale.
 * A finding about a block says what it holds (ck_rules_holds.c).
 */
#ifndef CK_RULES_H
#define CK_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ck_model.h"
#include "ck_oracle.h"
#include "ck_result.h"
#include "ck_view.h"

enum ck_profile {
  CK_PROFILE_POSIX = 0,        /* the man pages */
  CK_PROFILE_EXT4,             /* plus what ext4 gives: fsync(f) persists
                                  f's directory entry */
};
int ck_profile_parse (const char *s, enum ck_profile *p);
const char *ck_profile_name (enum ck_profile p);

struct ck_rules_opts {
  enum ck_profile profile;
  bool stale_allowed;          /* data=writeback or nojournal */
  bool torn;                   /* compare sector by sector when a block fails */
  bool fsck_allowed;           /* nojournal: damage is "lost", not violated */
};

/* How the rules read file contents of the recovered state: returns bytes
 * read (short at end of file) or -errno. */
struct ck_fsread {
  long (*pread) (void *ctx, const char *path, void *buf, size_t len,
                 uint64_t off);
  void *ctx;
  /* The recovered file system itself, for readlink and the xattr calls;
   * NULL (a test's hand-built view): symlink targets and xattrs are not
   * judged. */
  const struct wl_fs *fs;
};

int ck_rules_check (const struct ck_oracle *o, const struct ck_model *m,
                    const struct ck_rules_opts *ro, uint64_t end,
                    const struct ck_view *v, const struct ck_fsread *rd,
                    struct ck_state_result *res);

#endif /* CK_RULES_H */
