/* wl_doubt: blocks the runner cannot vouch for after a sync error (see
 * wl_doubt.h for the rules).
 *
 * Range sets are small sorted arrays: a workload writes few distinct runs
 * of blocks between syncs, so linear merging is cheap and keeps the code
 * obvious.  Invariant of a set: ranges sorted by lo, lo < hi, and
 * hi_i < lo_{i+1} (disjoint and not touching: touching ranges are merged).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wl_doubt.h"

static int
wl_rset_reserve (struct wl_rset *s, size_t n)
{
  if (n <= s->rs_cap)
    return 0;
  size_t cap = s->rs_cap ? s->rs_cap : 4;
  while (cap < n)
    cap *= 2;
  uint64_t *v = realloc (s->rs_v, cap * 2 * sizeof *v);
  if (!v)
    return -ENOMEM;
  s->rs_v = v;
  s->rs_cap = cap;
  return 0;
}

int
wl_rset_add (struct wl_rset *s, uint64_t lo, uint64_t hi)
{
  size_t i = 0, j;

  if (lo >= hi)
    return 0;
  /* Ranges [i, j) touch or overlap [lo, hi): they merge into one. */
  while (i < s->rs_n && s->rs_v[2 * i + 1] < lo)
    i++;
  for (j = i; j < s->rs_n && s->rs_v[2 * j] <= hi; j++) {
    if (s->rs_v[2 * j] < lo)
      lo = s->rs_v[2 * j];
    if (s->rs_v[2 * j + 1] > hi)
      hi = s->rs_v[2 * j + 1];
  }
  if (j == i) {                            /* a new range at i */
    if (wl_rset_reserve (s, s->rs_n + 1) < 0)
      return -ENOMEM;
    memmove (&s->rs_v[2 * i + 2], &s->rs_v[2 * i],
             (s->rs_n - i) * 2 * sizeof *s->rs_v);
    s->rs_n++;
  } else if (j > i + 1) {                  /* ranges i..j-1 become one */
    memmove (&s->rs_v[2 * i + 2], &s->rs_v[2 * j],
             (s->rs_n - j) * 2 * sizeof *s->rs_v);
    s->rs_n -= j - i - 1;
  }
  s->rs_v[2 * i] = lo;
  s->rs_v[2 * i + 1] = hi;
  return 0;
}

int
wl_rset_remove (struct wl_rset *s, uint64_t lo, uint64_t hi)
{
  for (size_t i = 0; i < s->rs_n && lo < hi; ) {
    uint64_t a = s->rs_v[2 * i], b = s->rs_v[2 * i + 1];
    if (b <= lo || a >= hi) {
      i++;
      continue;
    }
    if (a < lo && b > hi) {                /* split in two */
      if (wl_rset_reserve (s, s->rs_n + 1) < 0)
        return -ENOMEM;
      memmove (&s->rs_v[2 * i + 2], &s->rs_v[2 * i],
               (s->rs_n - i) * 2 * sizeof *s->rs_v);
      s->rs_n++;
      s->rs_v[2 * i + 1] = lo;
      s->rs_v[2 * i + 2] = hi;
      return 0;
    }
    if (a < lo) {
      s->rs_v[2 * i + 1] = lo;
      i++;
    } else if (b > hi) {
      s->rs_v[2 * i] = hi;
      i++;
    } else {                               /* wholly inside: drop it */
      memmove (&s->rs_v[2 * i], &s->rs_v[2 * i + 2],
               (s->rs_n - i - 1) * 2 * sizeof *s->rs_v);
      s->rs_n--;
    }
  }
  return 0;
}

bool
wl_rset_empty (const struct wl_rset *s)
{
  return s->rs_n == 0;
}

void
wl_rset_free (struct wl_rset *s)
{
  free (s->rs_v);
  memset (s, 0, sizeof *s);
}

static int
wl_doubt_file (struct wl_doubt *d, uint64_t ino, uint32_t gen,
               struct wl_dfile **out)
{
  for (size_t i = 0; i < d->dt_n; i++)
    if (d->dt_v[i].d_ino == ino && d->dt_v[i].d_gen == gen) {
      *out = &d->dt_v[i];
      return 0;
    }
  if (d->dt_n == d->dt_cap) {
    size_t cap = d->dt_cap ? 2 * d->dt_cap : 16;
    struct wl_dfile *v = realloc (d->dt_v, cap * sizeof *v);
    if (!v)
      return -ENOMEM;
    d->dt_v = v;
    d->dt_cap = cap;
  }
  *out = &d->dt_v[d->dt_n++];
  memset (*out, 0, sizeof **out);
  (*out)->d_ino = ino;
  (*out)->d_gen = gen;
  return 0;
}

static const struct wl_dfile *
wl_doubt_find (const struct wl_doubt *d, uint64_t ino, uint32_t gen)
{
  for (size_t i = 0; i < d->dt_n; i++)
    if (d->dt_v[i].d_ino == ino && d->dt_v[i].d_gen == gen)
      return &d->dt_v[i];
  return NULL;
}

int
wl_doubt_written (struct wl_doubt *d, uint64_t ino, uint32_t gen,
                  uint64_t first, uint64_t end)
{
  struct wl_dfile *f;
  int e = wl_doubt_file (d, ino, gen, &f);

  if (!e)
    e = wl_rset_add (&f->d_unsynced, first, end);
  if (!e)
    e = wl_rset_remove (&f->d_doubt, first, end);
  return e;
}

int
wl_doubt_truncated (struct wl_doubt *d, uint64_t ino, uint32_t gen,
                    uint64_t size)
{
  uint64_t keep = (size + 4095) / 4096;
  struct wl_dfile *f;
  int e = wl_doubt_file (d, ino, gen, &f);

  if (!e)
    e = wl_rset_remove (&f->d_unsynced, keep, UINT64_MAX);
  if (!e)
    e = wl_rset_remove (&f->d_doubt, keep, UINT64_MAX);
  /* The block holding an unaligned end now has zeroes past it: changed,
   * but its other bytes are still whatever they were (doubt stays). */
  if (!e && size % 4096)
    e = wl_rset_add (&f->d_unsynced, size / 4096, size / 4096 + 1);
  return e;
}

int
wl_doubt_synced (struct wl_doubt *d, uint64_t ino, uint32_t gen,
                 uint64_t first, uint64_t end)
{
  struct wl_dfile *f;
  int e = wl_doubt_file (d, ino, gen, &f);

  return e ? e : wl_rset_remove (&f->d_unsynced, first, end);
}

static int
wl_doubt_fail_one (struct wl_dfile *f)
{
  for (size_t i = 0; i < f->d_unsynced.rs_n; i++) {
    int e = wl_rset_add (&f->d_doubt, f->d_unsynced.rs_v[2 * i],
                         f->d_unsynced.rs_v[2 * i + 1]);
    if (e)
      return e;
  }
  f->d_unsynced.rs_n = 0;
  return 0;
}

int
wl_doubt_failed (struct wl_doubt *d, uint64_t ino, uint32_t gen)
{
  struct wl_dfile *f;
  int e = wl_doubt_file (d, ino, gen, &f);

  return e ? e : wl_doubt_fail_one (f);
}

void
wl_doubt_synced_all (struct wl_doubt *d)
{
  for (size_t i = 0; i < d->dt_n; i++)
    d->dt_v[i].d_unsynced.rs_n = 0;
}

int
wl_doubt_failed_all (struct wl_doubt *d)
{
  for (size_t i = 0; i < d->dt_n; i++) {
    int e = wl_doubt_fail_one (&d->dt_v[i]);
    if (e)
      return e;
  }
  return 0;
}

json_object *
wl_doubt_json (const struct wl_doubt *d, uint64_t ino, uint32_t gen,
               uint64_t first, uint64_t count)
{
  const struct wl_dfile *f = wl_doubt_find (d, ino, gen);
  json_object *a = NULL;
  uint64_t end = first + count;

  for (size_t i = 0; f && i < f->d_doubt.rs_n; i++) {
    uint64_t lo = f->d_doubt.rs_v[2 * i], hi = f->d_doubt.rs_v[2 * i + 1];
    if (hi <= first || lo >= end)
      continue;
    if (lo < first)
      lo = first;
    if (hi > end)
      hi = end;
    if (!a)
      a = json_object_new_array ();
    json_object *pair = json_object_new_array_ext (2);
    json_object_array_add (pair, json_object_new_uint64 (lo));
    json_object_array_add (pair, json_object_new_uint64 (hi - lo));
    json_object_array_add (a, pair);
  }
  return a;
}

uint64_t
wl_doubt_blocks (const struct wl_doubt *d)
{
  uint64_t n = 0;

  for (size_t i = 0; i < d->dt_n; i++)
    for (size_t k = 0; k < d->dt_v[i].d_doubt.rs_n; k++)
      n += d->dt_v[i].d_doubt.rs_v[2 * k + 1] - d->dt_v[i].d_doubt.rs_v[2 * k];
  return n;
}

void
wl_doubt_free (struct wl_doubt *d)
{
  for (size_t i = 0; i < d->dt_n; i++) {
    wl_rset_free (&d->dt_v[i].d_unsynced);
    wl_rset_free (&d->dt_v[i].d_doubt);
  }
  free (d->dt_v);
  memset (d, 0, sizeof *d);
}
