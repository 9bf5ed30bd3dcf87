/* ck_states: the walk over a log and the choice of its crash states.
 * What the states are and the walk's contract: ck_states.h.
 *
 * Bookkeeping during the walk:
 *   - ep_seqs: the droppable writes (non-FUA WRITE/TRIM/ZERO) of the
 *     current epoch, in log order; cleared at each FLUSH;
 *   - pending: the last device request seen.  Its states (flush, write,
 *     torn) are emitted only when the next device request or the log's end
 *     shows where their crash point stops running on over marks.
 * At a FLUSH the pending states go first, then the epoch's drop states
 * (both end at the entry before the FLUSH), then the FLUSH is fed to
 * ops->entry.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_states.h"

struct st_walk {
  const struct ck_states_opts *o;
  const struct ck_walk_ops *ops;
  void *ctx;
  struct ck_walk_stats *stats;
  const struct fplog_header *hdr;
  uint64_t index;              /* next state's index */
  uint64_t flushes;            /* FLUSH entries fed so far */
  uint64_t *ep_seqs;
  size_t ep_n, ep_cap;
  bool have_pending;
  struct fplog_entry pending;  /* payload pointer not kept */
  struct ck_recipe rc;         /* scratch recipe */
};

void
ck_states_opts_init (struct ck_states_opts *o)
{
  memset (o, 0, sizeof *o);
  o->kinds = CK_KIND_BIT (CK_KIND_FLUSH);
  o->max_subset = 1;
  o->max_per_epoch = 1000;
  o->tears_per_write = CK_TEARS_MAX;
}

void
ck_rng_seed (struct ck_rng *g, uint64_t seed, uint64_t stream)
{
  g->s = seed ^ (stream * UINT64_C (0xd1342543de82ef95)) ^
         UINT64_C (0x6a09e667f3bcc909);
  (void) ck_rng_next (g);
}

uint64_t
ck_rng_next (struct ck_rng *g)
{
  uint64_t z = (g->s += UINT64_C (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

uint64_t
ck_rng_below (struct ck_rng *g, uint64_t n)
{
  assert (n > 0);
  return ck_rng_next (g) % n;     /* bias is irrelevant at these sizes */
}

void
ck_sectors (uint64_t off, uint64_t len, uint32_t sector_size,
            uint64_t *first, uint64_t *n)
{
  assert (len > 0);
  *first = off / sector_size;
  *n = (off + len - 1) / sector_size - *first + 1;
}

static int
st_emit (struct st_walk *w, enum ck_state_kind kind, uint64_t end)
{
  struct ck_state st;

  w->rc.kind = kind;
  w->rc.end = end;
  memcpy (w->rc.uuid, w->hdr->uuid, 16);
  st.index = w->index++;
  st.epoch = w->flushes;
  st.recipe = w->rc;
  w->stats->states[kind]++;
  w->stats->total_states++;
  return w->ops->state (w->ctx, &st);
}

/* ---- torn states of one write ---- */

static bool
st_keep_seen (const struct ck_range *sets, const size_t *lens, size_t nsets,
              const struct ck_range *k, size_t n)
{
  for (size_t i = 0; i < nsets; i++)
    if (lens[i] == n && memcmp (&sets[i * CK_TEARS_MAX], k, n * sizeof *k) == 0)
      return true;
  return false;
}

/* A seeded subset of a write of n sectors: up to 8 runs, each kept with
 * probability 1/2; never none and never all.  Returns the number of kept
 * ranges, 0 if the draw failed. */
static size_t
st_random_keep (struct ck_rng *g, uint64_t n, struct ck_range *out)
{
  uint64_t cuts[CK_TEARS_MAX + 1];
  unsigned ncuts = 1 + (unsigned) ck_rng_below (g, n - 1 < 7 ? n - 1 : 7);
  size_t m = 0;
  bool any_drop = false;

  /* Distinct cut points in [1, n-1], sorted (insertion: at most 7). */
  unsigned c = 0;
  for (unsigned tries = 0; c < ncuts && tries < 64; tries++) {
    uint64_t x = 1 + ck_rng_below (g, n - 1);
    unsigned j = c;
    bool dup = false;
    for (unsigned i = 0; i < c; i++)
      dup |= cuts[i] == x;
    if (dup)
      continue;
    while (j > 0 && cuts[j - 1] > x) {
      cuts[j] = cuts[j - 1];
      j--;
    }
    cuts[j] = x;
    c++;
  }
  cuts[c] = n;
  for (unsigned i = 0, start = 0; i <= c; i++) {
    uint64_t s = i ? cuts[i - 1] : start, e = cuts[i];
    if (ck_rng_next (g) & 1) {
      if (m > 0 && out[m - 1].last + 1 == s)
        out[m - 1].last = e - 1;
      else
        out[m++] = (struct ck_range) { s, e - 1 };
    }
    else
      any_drop = true;
  }
  return any_drop ? m : 0;
}

static int
st_emit_torn (struct st_walk *w, const struct fplog_entry *e, uint64_t end)
{
  struct ck_range sets[CK_TEARS_MAX * CK_TEARS_MAX];
  size_t lens[CK_TEARS_MAX], nsets = 0;
  uint64_t first, n;
  struct ck_rng g;
  int err = 0;

  ck_sectors (e->offset, e->length, w->hdr->sector_size, &first, &n);
  if (n < 2)
    return 0;
  uint64_t cs[3] = { 1, n / 2, n - 1 };
  /* Candidates in a fixed order: prefixes, suffixes, random subsets. */
  for (int pass = 0; pass < 3; pass++) {
    for (int i = 0; i < (pass < 2 ? 3 : 2); i++) {
      struct ck_range k[CK_TEARS_MAX];
      size_t nk = 1;
      if (nsets >= w->o->tears_per_write)
        break;
      if (pass == 0)
        k[0] = (struct ck_range) { 0, cs[i] - 1 };
      else if (pass == 1)
        k[0] = (struct ck_range) { n - cs[i], n - 1 };
      else {
        if (i == 0)
          ck_rng_seed (&g, w->o->seed, e->seq);
        nk = 0;
        for (int t = 0; t < 8 && (nk == 0 || st_keep_seen (sets, lens, nsets, k, nk)); t++)
          nk = st_random_keep (&g, n, k);
        if (nk == 0)
          continue;
      }
      if (st_keep_seen (sets, lens, nsets, k, nk))
        continue;
      memcpy (&sets[nsets * CK_TEARS_MAX], k, nk * sizeof *k);
      lens[nsets++] = nk;
    }
  }
  for (size_t i = 0; i < nsets && !err; i++) {
    err = ck_recipe_set_tear (&w->rc, e->seq, &sets[i * CK_TEARS_MAX], lens[i]);
    if (!err)
      err = st_emit (w, CK_KIND_TORN, end);
  }
  ck_recipe_free (&w->rc);
  return err;
}

/* The states of the pending device request, crash point at end.  At the
 * log's end a flush state stands for the power cut the recording ends
 * with, unless a write state already is that state. */
static int
st_emit_pending (struct st_walk *w, uint64_t end, bool log_end)
{
  const struct fplog_entry *e = &w->pending;
  unsigned kinds = w->o->kinds;
  int err = 0;

  if (!w->have_pending)
    return 0;
  w->have_pending = false;
  ck_recipe_free (&w->rc);
  if (e->type == FPLOG_FLUSH)
    return st_emit (w, CK_KIND_FLUSH, end);
  if (kinds & CK_KIND_BIT (CK_KIND_WRITE))
    err = st_emit (w, CK_KIND_WRITE, end);
  else if (log_end)
    err = st_emit (w, CK_KIND_FLUSH, end);
  if (!err && (kinds & CK_KIND_BIT (CK_KIND_TORN)) &&
      !(e->flags & FPLOG_F_FUA))
    err = st_emit_torn (w, e, end);
  return err;
}

/* ---- epoch states ---- */

static int
st_emit_drop (struct st_walk *w, const uint64_t *idx, size_t k, uint64_t end)
{
  uint64_t seqs[CK_SAMPLE_MAX];
  int err;

  assert (k > 0 && k <= CK_SAMPLE_MAX);
  for (size_t i = 0; i < k; i++)
    seqs[i] = w->ep_seqs[idx[i]];
  ck_recipe_free (&w->rc);
  err = ck_recipe_set_drop (&w->rc, seqs, k);
  if (!err)
    err = st_emit (w, CK_KIND_EPOCH, end);
  ck_recipe_free (&w->rc);
  return err;
}

/* k distinct random indices below n, sorted. */
static void
st_random_subset (struct ck_rng *g, uint64_t n, size_t k, uint64_t *out)
{
  size_t m = 0;

  assert (k <= n && k <= CK_SAMPLE_MAX);
  while (m < k) {
    uint64_t x = ck_rng_below (g, n);
    size_t j = m;
    bool dup = false;
    for (size_t i = 0; i < m; i++)
      dup |= out[i] == x;
    if (dup)
      continue;
    while (j > 0 && out[j - 1] > x) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = x;
    m++;
  }
}

/* C(n, k), saturating at UINT64_MAX. */
static uint64_t
st_choose (uint64_t n, uint64_t k)
{
  uint64_t c = 1;

  for (uint64_t i = 1; i <= k; i++) {
    if (c > UINT64_MAX / (n - k + i))
      return UINT64_MAX;
    c = c * (n - k + i) / i;
  }
  return c;
}

static int
st_emit_epoch (struct st_walk *w, uint64_t end)
{
  const uint64_t n = w->ep_n;
  const unsigned K = w->o->max_subset;
  uint64_t budget = w->o->max_per_epoch, idx[CK_SAMPLE_MAX];
  bool exhaustive = true;
  struct ck_rng g;
  int err = 0;

  if (!(w->o->kinds & CK_KIND_BIT (CK_KIND_EPOCH)) || n == 0)
    return 0;
  w->stats->epochs++;
  ck_rng_seed (&g, w->o->seed, UINT64_C (0x8000000000000000) | w->flushes);
  for (unsigned k = 1; k <= K && k <= n && k <= CK_SAMPLE_MAX && !err; k++) {
    uint64_t count = st_choose (n, k);
    if (count <= budget) {
      /* Every k-subset, in lexicographic order of write positions. */
      for (unsigned i = 0; i < k; i++)
        idx[i] = i;
      for (;;) {
        err = st_emit_drop (w, idx, k, end);
        if (err)
          break;
        int i = (int) k - 1;
        while (i >= 0 && idx[i] == n - k + (uint64_t) i)
          i--;
        if (i < 0)
          break;
        idx[i]++;
        for (unsigned j = (unsigned) i + 1; j < k; j++)
          idx[j] = idx[j - 1] + 1;
      }
      budget -= count;
    }
    else {
      /* Too many: fill the budget with random k-subsets, and stop. */
      exhaustive = false;
      w->stats->capped_epochs++;
      if (k == 1) {
        /* Distinct singles, in log order (Knuth's selection sampling). */
        uint64_t need = budget;
        for (uint64_t i = 0; i < n && need && !err; i++)
          if (ck_rng_below (&g, n - i) < need) {
            idx[0] = i;
            need--;
            err = st_emit_drop (w, idx, 1, end);
          }
        break;
      }
      for (uint64_t s = 0; s < budget && !err; s++) {
        st_random_subset (&g, n, k, idx);
        err = st_emit_drop (w, idx, k, end);
      }
      break;
    }
  }
  if (exhaustive && n <= K)
    return err;                /* every subset was already a state */
  for (unsigned s = 0, tries = 0; s < w->o->samples && !err &&
       tries < 4 * w->o->samples; tries++) {
    size_t k = 0;
    if (n <= CK_SAMPLE_MAX) {
      for (uint64_t i = 0; i < n; i++)
        if (ck_rng_next (&g) & 1)
          idx[k++] = i;
    }
    else {
      k = 2 + ck_rng_below (&g, CK_SAMPLE_MAX - 1);
      st_random_subset (&g, n, k, idx);
    }
    if (k == 0 || (exhaustive && k <= K))
      continue;                /* already enumerated */
    err = st_emit_drop (w, idx, k, end);
    s++;
  }
  return err;
}

/* ---- the walk ---- */

static bool
st_is_device (unsigned type)
{
  return type == FPLOG_WRITE || type == FPLOG_TRIM || type == FPLOG_ZERO ||
         type == FPLOG_FLUSH;
}

static int
st_ep_add (struct st_walk *w, uint64_t seq)
{
  if (w->ep_n == w->ep_cap) {
    size_t cap = w->ep_cap ? w->ep_cap * 2 : 64;
    uint64_t *v = realloc (w->ep_seqs, cap * sizeof *v);
    if (!v)
      return -ENOMEM;
    w->ep_seqs = v;
    w->ep_cap = cap;
  }
  w->ep_seqs[w->ep_n++] = seq;
  return 0;
}

int
ck_states_walk (struct fplog_reader *r, const struct ck_states_opts *o,
                const struct ck_walk_ops *ops, void *ctx,
                struct ck_walk_stats *stats, char *errbuf, size_t errlen)
{
  struct ck_states_opts opts = *o;
  struct st_walk w = { .o = &opts, .ops = ops, .ctx = ctx, .stats = stats };
  struct fplog_entry e;
  bool any = false;
  uint64_t last = 0;
  int rc, err = 0;

  assert (o->max_subset >= 1 && o->max_per_epoch >= 1);
  assert (o->tears_per_write >= 1 && o->tears_per_write <= CK_TEARS_MAX);
  opts.kinds |= CK_KIND_BIT (CK_KIND_FLUSH);
  memset (stats, 0, sizeof *stats);
  ck_recipe_init (&w.rc);
  w.hdr = fplog_reader_header (r);
  err = fplog_reader_seek (r, 0, errbuf, errlen);
  for (; !err;) {
    rc = fplog_next (r, &e, errbuf, errlen);
    if (rc == FPLOG_NEXT_END || rc == FPLOG_NEXT_TRUNCATED) {
      if (rc == FPLOG_NEXT_TRUNCATED) {
        stats->truncated = true;
        snprintf (stats->tail_msg, sizeof stats->tail_msg, "%s",
                  errbuf ? errbuf : "truncated tail");
      }
      if (any) {
        err = st_emit_pending (&w, last, true);
        if (!err)
          err = st_emit_epoch (&w, last);
      }
      break;
    }
    if (rc < 0) {
      err = rc;
      break;
    }
    stats->entries++;
    if (st_is_device (e.type) && any) {
      err = st_emit_pending (&w, e.seq - 1, false);
      if (!err && e.type == FPLOG_FLUSH)
        err = st_emit_epoch (&w, e.seq - 1);
      if (err)
        break;
    }
    err = ops->entry (ctx, &e);
    if (err)
      break;
    any = true;
    last = e.seq;
    switch (e.type) {
    case FPLOG_FLUSH:
      stats->flushes++;
      w.flushes++;
      w.ep_n = 0;
      break;
    case FPLOG_WRITE:
    case FPLOG_TRIM:
    case FPLOG_ZERO:
      stats->writes++;
      if (!(e.flags & FPLOG_F_FUA) && e.length > 0)
        err = st_ep_add (&w, e.seq);
      break;
    case FPLOG_MARK:
      stats->marks++;
      break;
    default:
      break;
    }
    if (err)
      break;
    if (st_is_device (e.type) && (e.type == FPLOG_FLUSH || e.length > 0)) {
      w.pending = e;
      w.pending.payload = NULL;
      w.have_pending = true;
    }
  }
  ck_recipe_free (&w.rc);
  free (w.ep_seqs);
  return err;
}
