/* sched: the engine's virtual clock and deterministic scheduler.
 *
 * There are no threads.  Background work (the flusher's periodic writeback,
 * kjournald2's commit timer) is a timer with a deadline in virtual
 * nanoseconds.  sched_advance() moves the clock forward and fires every timer
 * whose deadline falls within the step, in deadline order; timers due at the
 * same instant fire in an order chosen by the seeded PRNG, so the seed
 * decides the interleaving and the same seed always gives the same one.
 *
 * Invariants: the clock never goes backwards; a timer callback sees
 * sched_now() == its deadline; a callback may re-arm its own or other timers
 * (a re-armed timer due within the current step fires in that step).
 * UINT64_MAX is the end of time: the clock saturates there, and a timer
 * due at it never fires (it would re-arm at the same instant forever).
 */
#ifndef FP_SCHED_H
#define FP_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct fp_sched;

typedef void (*sched_fn) (void *arg);

struct sched_timer {
  const char *name;          /* "flusher", "kjournald2" */
  sched_fn fn;
  void *arg;
  /* private to sched.c */
  uint64_t deadline;
  bool armed;
  uint64_t order;            /* seeded tie-break */
  struct sched_timer *next;
};

int sched_create (uint64_t seed, uint64_t start_ns, struct fp_sched **out);
void sched_destroy (struct fp_sched *s);
uint64_t sched_now (const struct fp_sched *s);
/* Advance the clock without running timers (the per-syscall tick). */
void sched_tick (struct fp_sched *s, uint64_t ns);
/* Advance by ns, firing due timers in order.  Returns the number fired. */
unsigned sched_advance (struct fp_sched *s, uint64_t ns);
/* Fire timers already due (deadline <= now) without advancing. */
unsigned sched_run_due (struct fp_sched *s);

void sched_timer_init (struct sched_timer *t, const char *name, sched_fn fn,
                       void *arg);
/* Arm at an absolute deadline; re-arming an armed timer moves it. */
void sched_timer_arm (struct fp_sched *s, struct sched_timer *t,
                      uint64_t deadline_ns);
/* t + ns, saturating at the end of time.  Deadlines are computed with
 * it: a clock started near its end (a mount time read from a damaged
 * superblock) must not wrap a deadline into the past, where the timer
 * would fire again at once, forever. */
static inline uint64_t
sched_after (uint64_t t, uint64_t ns)
{
  return t > UINT64_MAX - ns ? UINT64_MAX : t + ns;
}
void sched_timer_cancel (struct fp_sched *s, struct sched_timer *t);

/* The seeded PRNG (splitmix64 / xoshiro256**): deterministic per seed. */
uint64_t sched_rand (struct fp_sched *s);
uint64_t sched_seed (const struct fp_sched *s);

#endif /* FP_SCHED_H */
