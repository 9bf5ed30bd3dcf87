/* sched: virtual clock, timers and the seeded PRNG.  See sched.h.
 *
 * Timers sit in one singly linked list sorted by (deadline, order).  order
 * is drawn from the PRNG each time a timer is armed, so timers due at the
 * same instant fire in a seed-chosen order, and the same seed with the same
 * calls always gives the same order.  The engine has a handful of timers
 * (one flusher, one kjournald2 per mount), so a list beats a heap here.
 *
 * A deadline in the past is clamped to now when armed: a callback must see
 * sched_now() == its deadline, and the clock never goes backwards.
 *
 * PRNG: xoshiro256** (Blackman and Vigna), state seeded by splitmix64 from
 * the user's seed, as its authors recommend.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "sched.h"

struct fp_sched {
  uint64_t s_now;
  uint64_t s_seed;
  uint64_t s_rng[4];
  struct sched_timer *s_timers;       /* sorted by (deadline, order) */
  bool s_running;                     /* inside a fire loop */
};

static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += UINT64_C (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t
sched_rand (struct fp_sched *s)
{
  uint64_t *st = s->s_rng;
  uint64_t result = rotl (st[1] * 5, 7) * 9;
  uint64_t t = st[1] << 17;

  st[2] ^= st[0];
  st[3] ^= st[1];
  st[1] ^= st[2];
  st[0] ^= st[3];
  st[2] ^= t;
  st[3] = rotl (st[3], 45);
  return result;
}

uint64_t
sched_seed (const struct fp_sched *s)
{
  return s->s_seed;
}

int
sched_create (uint64_t seed, uint64_t start_ns, struct fp_sched **out)
{
  struct fp_sched *s;
  uint64_t x = seed;
  int i;

  *out = NULL;
  s = calloc (1, sizeof *s);
  if (s == NULL)
    return -ENOMEM;
  s->s_now = start_ns;
  s->s_seed = seed;
  for (i = 0; i < 4; i++)
    s->s_rng[i] = splitmix64 (&x);
  *out = s;
  return 0;
}

void
sched_destroy (struct fp_sched *s)
{
  struct sched_timer *t, *next;

  if (s == NULL)
    return;
  /* The timers belong to their owners; leave them disarmed. */
  for (t = s->s_timers; t != NULL; t = next) {
    next = t->next;
    t->armed = false;
    t->next = NULL;
  }
  free (s);
}

uint64_t
sched_now (const struct fp_sched *s)
{
  return s->s_now;
}

void
sched_tick (struct fp_sched *s, uint64_t ns)
{
  s->s_now = sched_after (s->s_now, ns);
}

void
sched_timer_init (struct sched_timer *t, const char *name, sched_fn fn,
                  void *arg)
{
  assert (fn != NULL);
  t->name = name;
  t->fn = fn;
  t->arg = arg;
  t->deadline = 0;
  t->armed = false;
  t->order = 0;
  t->next = NULL;
}

static void
timer_unlink (struct fp_sched *s, struct sched_timer *t)
{
  struct sched_timer **pp;

  for (pp = &s->s_timers; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == t) {
      *pp = t->next;
      t->next = NULL;
      t->armed = false;
      return;
    }
  }
  assert (!"armed timer not on this scheduler's list");
}

static bool
timer_before (const struct sched_timer *a, const struct sched_timer *b)
{
  if (a->deadline != b->deadline)
    return a->deadline < b->deadline;
  return a->order < b->order;
}

void
sched_timer_arm (struct fp_sched *s, struct sched_timer *t,
                 uint64_t deadline_ns)
{
  struct sched_timer **pp;

  assert (t->fn != NULL);              /* sched_timer_init was called */
  if (t->armed)
    timer_unlink (s, t);
  t->deadline = deadline_ns < s->s_now ? s->s_now : deadline_ns;
  t->order = sched_rand (s);
  for (pp = &s->s_timers; *pp != NULL && !timer_before (t, *pp);
       pp = &(*pp)->next)
    ;
  t->next = *pp;
  *pp = t;
  t->armed = true;
}

void
sched_timer_cancel (struct fp_sched *s, struct sched_timer *t)
{
  if (t->armed)
    timer_unlink (s, t);
  assert (!t->armed && t->next == NULL);
}

/* Fire every timer due at or before until, moving the clock to each
 * deadline in turn.  A callback may arm timers; one due by until fires in
 * this same loop.  A callback that moves the clock itself (sched_tick) makes
 * later timers fire late, at the new now: the clock never goes back.  A
 * nested call from a callback fires nothing; the outer loop fires what is
 * due, in order. */
static unsigned
sched_fire_until (struct fp_sched *s, uint64_t until)
{
  struct sched_timer *t;
  unsigned fired = 0;

  if (s->s_running)
    return 0;
  s->s_running = true;
  while ((t = s->s_timers) != NULL && t->deadline <= until
         && t->deadline != UINT64_MAX) {         /* the end of time */
    assert (t->armed);
    s->s_timers = t->next;
    t->next = NULL;
    t->armed = false;
    if (t->deadline < s->s_now)
      t->deadline = s->s_now;
    s->s_now = t->deadline;
    fired++;
    t->fn (t->arg);
  }
  s->s_running = false;
  return fired;
}

unsigned
sched_advance (struct fp_sched *s, uint64_t ns)
{
  uint64_t until = sched_after (s->s_now, ns);
  unsigned fired = sched_fire_until (s, until);

  if (s->s_now < until)
    s->s_now = until;
  return fired;
}

unsigned
sched_run_due (struct fp_sched *s)
{
  return sched_fire_until (s, s->s_now);
}
