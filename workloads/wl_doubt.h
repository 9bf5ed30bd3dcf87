/* wl_doubt: the blocks of each file whose durable content the runner can
 * no longer vouch for, because a sync call reported an error.
 *
 * Linux (and the engine, engine/ERRORS.md) marks the pages of a failed
 * writeback clean and never writes them again; the error is reported once
 * (errseq).  So after a sync call covering a file returns an error, every
 * block written to it since the last sync that covered it successfully may
 * or may not be on disk, and a later sync that returns 0 does not make it
 * durable (the fsyncgate case).  The runner tracks, per file (ino, gen):
 *
 *   unsynced  blocks written (or changed by truncate) since the last
 *             successful sync call that covered them;
 *   doubt     blocks that were unsynced when a covering sync call failed,
 *             and have not been written since.
 *
 * Transitions: a write adds its blocks to unsynced and removes them from
 * doubt (the whole page is dirty again, so writeback will write all of it);
 * a successful covering sync empties unsynced (of its range, for an
 * O_SYNC/O_DSYNC write); a failed one moves unsynced into doubt.  Doubt
 * goes into every later expected state of the file as "unknown" block
 * ranges (ORACLE.md), which the checker does not hold the sync to.
 *
 * Blocks are 4 KiB file block indexes; ranges are [first, end).
 */
#ifndef WL_DOUBT_H
#define WL_DOUBT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of block indexes as sorted, disjoint, non-adjacent ranges. */
struct wl_rset {
  uint64_t *rs_v;                /* lo0, hi0, lo1, hi1, ... */
  size_t rs_n;                   /* ranges */
  size_t rs_cap;                 /* ranges allocated */
};

struct wl_dfile {
  uint64_t d_ino;
  uint32_t d_gen;
  struct wl_rset d_unsynced, d_doubt;
};

struct wl_doubt {
  struct wl_dfile *dt_v;
  size_t dt_n, dt_cap;
};

int wl_rset_add (struct wl_rset *s, uint64_t lo, uint64_t hi);
int wl_rset_remove (struct wl_rset *s, uint64_t lo, uint64_t hi);
bool wl_rset_empty (const struct wl_rset *s);
void wl_rset_free (struct wl_rset *s);

/* Each returns 0 or -ENOMEM. */
int wl_doubt_written (struct wl_doubt *d, uint64_t ino, uint32_t gen,
                      uint64_t first, uint64_t end);
/* The file's size became size: blocks past it are gone, and the block
 * holding an unaligned end changed. */
int wl_doubt_truncated (struct wl_doubt *d, uint64_t ino, uint32_t gen,
                        uint64_t size);
/* A covering sync returned 0: [first, end) of unsynced is durable. */
int wl_doubt_synced (struct wl_doubt *d, uint64_t ino, uint32_t gen,
                     uint64_t first, uint64_t end);
/* A covering sync failed: every unsynced block is now in doubt. */
int wl_doubt_failed (struct wl_doubt *d, uint64_t ino, uint32_t gen);
/* The same for every file (sync, syncfs). */
void wl_doubt_synced_all (struct wl_doubt *d);
int wl_doubt_failed_all (struct wl_doubt *d);
/* Doubt of the file within [first, first + count), as a JSON array of
 * [first, count] pairs, or NULL when there is none. */
json_object *wl_doubt_json (const struct wl_doubt *d, uint64_t ino,
                            uint32_t gen, uint64_t first, uint64_t count);
/* Blocks in doubt, over all files (for the run's summary). */
uint64_t wl_doubt_blocks (const struct wl_doubt *d);
void wl_doubt_free (struct wl_doubt *d);

#endif /* WL_DOUBT_H */
