/* ck_states: walk a write log once and name its crash states.
 *
 * The crash model (DESIGN.md section 3): a write that completed before a
 * FLUSH completed is durable; a FUA write is durable when it completes;
 * any other completed write may be lost, in any subset, and torn at sector
 * granularity.  The epoch of a FLUSH is the run of entries between it and
 * the FLUSH before it (the first epoch starts at the log's start, the last
 * ends at the log's end).  TRIM and ZERO count as writes.
 *
 * Kinds of states and their recipes (ck_recipe.h):
 *   flush  the prefix ending at each FLUSH, and the whole log when it does
 *          not end in a FLUSH (the power cut the recording ends with;
 *          with `write` on, the last write state is that state already).
 *          Always on.
 *   write  the prefix ending at each WRITE, TRIM or ZERO.
 *   epoch  at the end of each epoch (the entry before its FLUSH, or the
 *          log's last entry), a subset of the epoch's droppable writes
 *          (non-FUA WRITE/TRIM/ZERO) dropped: first every single write,
 *          then every subset of 2..K writes, as long as the states of the
 *          epoch stay within max_per_epoch (past it: max_per_epoch singles
 *          chosen at random, or random k-subsets to fill the budget), then
 *          `samples` seeded random subsets (each write dropped with
 *          probability 1/2; in an epoch of more than CK_SAMPLE_MAX
 *          droppable writes, 2..CK_SAMPLE_MAX writes picked at random, so
 *          that a recipe stays printable).  Samples are skipped when the
 *          subsets up to K were already all of them.
 *   torn   the prefix ending at each non-FUA write of two or more
 *          sectors, that write torn: keep its first c sectors and, apart,
 *          its last c sectors, for c in {1, n/2, n-1}, then two seeded
 *          random subsets made of up to 8 runs; duplicates removed, never
 *          all and never none, at most tears_per_write (<= CK_TEARS_MAX)
 *          per write.
 * Marks do not change the disk, so a state's crash point runs on over the
 * MARK and FAULT entries that follow its last device request: `end` is the
 * entry before the next WRITE/TRIM/ZERO/FLUSH (or the log's last entry).
 * The image is the same and every guarantee established by those marks is
 * checked in it.
 *
 * Order and determinism.  States are numbered from 0 in the order they are
 * emitted, and `end` never decreases.  The same log, options and seed give
 * the same states in the same order (random choices are seeded by seed and
 * the epoch number or the torn entry's seq, never by the walk's history).
 *
 * The walk starts at entry 0 (it seeks the reader there) and calls
 * ops->entry for every entry in log order and ops->state for
 * every state.  When ops->state runs, ops->entry has seen exactly entries
 * 0..end: a builder fed from ops->entry stands at the state's crash point,
 * and every dropped or torn entry is in its current epoch.  A truncated
 * tail ends the walk like a clean end (stats say so); corruption is an
 * error.  A non-zero return from a callback stops the walk and is returned.
 */
#ifndef CK_STATES_H
#define CK_STATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ck_recipe.h"
#include "fplog.h"

#define CK_TEARS_MAX   8u
#define CK_SAMPLE_MAX  64u

struct ck_states_opts {
  unsigned kinds;              /* CK_KIND_BIT mask; flush is always added */
  unsigned max_subset;         /* K >= 1 */
  unsigned samples;            /* N random subsets per epoch */
  uint64_t seed;
  unsigned max_per_epoch;      /* enumerated drop states per epoch, >= 1 */
  unsigned tears_per_write;    /* 1..CK_TEARS_MAX */
};

/* flush only, K = 1, no samples, seed 0, 1000 per epoch, 8 tears. */
void ck_states_opts_init (struct ck_states_opts *o);

/* The command-line face of ck_states_opts, shared by `flushpoint check` and
 * `flushpoint matrix` (ck_state_opts.c).  name is a long option without
 * "--": states, max-subset, samples, seed, max-per-epoch, tears-per-write.
 * Returns 1 when name is one of them and val was applied, 0 when it is not
 * a state option, -EINVAL (errbuf names the option, the value and the
 * allowed range) when val is bad. */
int ck_states_opt_parse (struct ck_states_opts *o, const char *name,
                         const char *val, char *errbuf, size_t errlen);

struct ck_state {
  uint64_t index;              /* 0, 1, ... in emission order */
  uint64_t epoch;              /* FLUSH entries before the epoch the crash
                                  falls in */
  struct ck_recipe recipe;     /* borrowed for the callback's duration */
};

struct ck_walk_ops {
  int (*entry) (void *ctx, const struct fplog_entry *e);
  int (*state) (void *ctx, const struct ck_state *st);
};

struct ck_walk_stats {
  uint64_t entries, flushes, writes, marks;
  uint64_t epochs;                        /* epochs with droppable writes */
  uint64_t capped_epochs;                 /* where max_per_epoch cut in */
  uint64_t states[CK_KIND__COUNT];
  uint64_t total_states;
  bool truncated;                         /* the log ended in a bad tail */
  char tail_msg[512];
};

int ck_states_walk (struct fplog_reader *r, const struct ck_states_opts *o,
                    const struct ck_walk_ops *ops, void *ctx,
                    struct ck_walk_stats *stats, char *errbuf, size_t errlen);

/* The device sectors [first, first + *n) a request touches. */
void ck_sectors (uint64_t off, uint64_t len, uint32_t sector_size,
                 uint64_t *first, uint64_t *n);

/* The seeded generator every random choice of the checker uses
 * (splitmix64). */
struct ck_rng {
  uint64_t s;
};
void ck_rng_seed (struct ck_rng *g, uint64_t seed, uint64_t stream);
uint64_t ck_rng_next (struct ck_rng *g);
uint64_t ck_rng_below (struct ck_rng *g, uint64_t n);   /* n > 0 */

#endif /* CK_STATES_H */
