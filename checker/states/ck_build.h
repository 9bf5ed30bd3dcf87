/* ck_build: crash-state images built incrementally, one log walk for all.
 *
 * Three layers of block devices (DESIGN.md section 3: the cost of a state
 * must track its own delta, never its position in the log):
 *
 *   top    overlay, per state     dropped writes undone, torn sectors
 *     |                           un-applied; recovery (fpfs_mount) writes
 *     |                           here; reset after every state
 *   epoch  overlay over base      the current epoch's writes, in log order
 *     |                           (a prefix state reads straight through)
 *   base   memory device          the image at the last FLUSH, advanced in
 *                                 place when the next FLUSH arrives
 *
 * Feeding: ck_build_entry() takes every entry in log order.  A WRITE, TRIM
 * or ZERO goes to the epoch overlay and onto the epoch's write list.  A
 * FLUSH makes the epoch durable: the ranges the epoch wrote are copied
 * from the epoch overlay into base, then the overlay and the list are
 * emptied (cost: the epoch's bytes, paid once).
 *
 * A state (ck_build_state) must end at the last entry fed, and may drop
 * or tear only writes of the current epoch -- the order ck_states_walk()
 * guarantees.  Its holes are the byte ranges of the dropped writes and the
 * un-kept sectors of the torn one.  Each hole is rebuilt in top: first the
 * base's bytes (the disk before the epoch), then, in log order, every
 * write of the epoch that is not dropped and overlaps the hole, clipped to
 * it (only its kept sectors for the torn write).  Overlapping writes are
 * found through an index of the epoch's writes by 64 KiB chunk, and their
 * data is read back from the log, so the cost of a state is the size of
 * its holes and of the writes that overlap them, whatever the length of
 * the log or the epoch.
 *
 * The device returned by ck_build_state() is the top overlay: the caller
 * may read, write (recovery) and mount it, then calls ck_build_state_done()
 * before feeding the next entry or building the next state.
 */
#ifndef CK_BUILD_H
#define CK_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "ck_recipe.h"
#include "fplog.h"
#include "fpfs.h"

struct ck_build;

struct ck_build_stats {
  uint64_t entries;            /* fed */
  uint64_t flushes;            /* epochs made durable in base */
  uint64_t states;             /* built */
  uint64_t hole_bytes;         /* restored from base, over all states */
  uint64_t reapplied;          /* overlapping writes re-applied */
};

/* log_path is opened a second time, for random access to payloads.
 * base_path: as ck_replay_opts.base_path (NULL: the header's). */
int ck_build_open (const char *log_path, const char *base_path,
                   struct ck_build **out, char *errbuf, size_t errlen);
void ck_build_close (struct ck_build *b);          /* NULL is fine */
const struct fplog_header *ck_build_header (const struct ck_build *b);

/* Feed the next entry (seq must be 0, then one more than the last). */
int ck_build_entry (struct ck_build *b, const struct fplog_entry *e,
                    char *errbuf, size_t errlen);

/* Build the state r names; *out is the top overlay.  -EINVAL if r does
 * not end at the last entry fed, or drops or tears anything but a
 * non-FUA write of the current epoch. */
int ck_build_state (struct ck_build *b, const struct ck_recipe *r,
                    struct fpfs_bdev **out, char *errbuf, size_t errlen);
void ck_build_state_done (struct ck_build *b);

void ck_build_get_stats (const struct ck_build *b, struct ck_build_stats *s);

#endif /* CK_BUILD_H */
