/* ck_model_find: what a block that failed a rule holds (ck_model_holds in
 * ck_model.h), so that a finding can say "it holds zeroes", "the bytes op
 * 3 wrote there before the truncate", "a block of another file (inode
 * 14)".
 *
 * Index: every value of every block of every file the model knows, as
 * (hash, file, block, value), sorted by hash; zero blocks are left out
 * (a zero hash answers ZEROES without a look-up).  It is built on the
 * first question, once per model -- a check with no finding never builds
 * it -- under the model's idx_lock, since the checker's workers share one
 * model; once built it is only read.  A question costs a binary search
 * plus the values that share the hash.
 *
 * Preference when a hash is the value of several blocks: this block
 * (an earlier value before a later one), then another block of this file,
 * then another file -- the most specific explanation first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ck_model_int.h"

static int
mf_cmp (const void *a, const void *b)
{
  const struct ck_hent *x = a, *y = b;

  return x->h < y->h ? -1 : x->h > y->h;
}

static int
mf_build (struct ck_model *m)
{
  size_t n = 0, k = 0;

  for (size_t i = 0; i < m->nfiles; i++)
    for (size_t j = 0; j < m->files[i].nhist; j++)
      n += m->files[i].hist[j].n;
  if (n && !(m->idx = malloc (n * sizeof *m->idx)))
    return -ENOMEM;
  for (size_t i = 0; i < m->nfiles; i++) {
    const struct ck_mfile *f = &m->files[i];
    /* The block number of each history: its key in f->blocks. */
    for (size_t s = 0; s < f->blocks.cap; s++) {
      if (!f->blocks.s[s].used)
        continue;
      const struct ck_hist *hs = &f->hist[f->blocks.s[s].v];
      for (uint32_t v = 0; v < hs->n; v++)
        if (hs->v[v].h != m->zero4k)
          m->idx[k++] = (struct ck_hent) { hs->v[v].h, f->blocks.s[s].k1,
                                           (uint32_t) i, v };
    }
  }
  m->nidx = k;
  if (k > 1)
    qsort (m->idx, k, sizeof *m->idx, mf_cmp);
  m->idx_built = true;
  return 0;
}

void
ck_md_index_free (struct ck_model *m)
{
  free (m->idx);
  m->idx = NULL;
  m->nidx = 0;
  m->idx_built = false;
}

static const struct ck_val *
mf_val (const struct ck_model *m, const struct ck_hent *e)
{
  const struct ck_mfile *ef = &m->files[e->file];
  uint64_t idx = 0;

  ck_map_get (&ef->blocks, e->block, 0, &idx);
  return &ef->hist[idx].v[e->val];
}

/* Rank of an explanation, lower is better: this block, another block of
 * this file, another file; each a value set at or before `to` before one
 * set after it. */
static int
mf_rank (const struct ck_model *m, const struct ck_hent *e,
         const struct ck_mfile *f, uint64_t b, uint64_t to)
{
  bool late = mf_val (m, e)->seq > to;

  if (&m->files[e->file] == f && e->block == b)
    return late;
  return (&m->files[e->file] == f ? 2 : 4) + late;
}

/* Among explanations of one rank: the latest value set at or before `to`,
 * or the first one set after it. */
static bool
mf_better (const struct ck_model *m, const struct ck_hent *e, int r,
           const struct ck_hent *best, int rank)
{
  uint64_t s = mf_val (m, e)->seq, bs;

  if (!best || r != rank)
    return !best || r < rank;
  bs = mf_val (m, best)->seq;
  return r % 2 == 0 ? s > bs : s < bs;
}

int
ck_model_holds (const struct ck_model *cm, const struct ck_mfile *f,
                uint64_t b, uint64_t h, uint64_t to, struct ck_holds *out)
{
  struct ck_model *m = (struct ck_model *) cm;   /* the index only */
  const struct ck_hent *best = NULL;
  int err = 0, rank = 0;
  size_t lo = 0, hi;

  memset (out, 0, sizeof *out);
  out->id = f->id;
  out->block = b;
  out->op = out->next_op = CK_MODEL_NO_OP;
  if (h == m->zero4k) {
    out->kind = CK_HOLDS_ZEROES;
    return 0;
  }
  pthread_mutex_lock (&m->idx_lock);
  if (!m->idx_built)
    err = mf_build (m);
  pthread_mutex_unlock (&m->idx_lock);
  if (err)
    return err;
  hi = m->nidx;
  while (lo < hi) {                 /* the first entry with hash >= h */
    size_t mid = lo + (hi - lo) / 2;
    if (m->idx[mid].h < h)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo; i < m->nidx && m->idx[i].h == h; i++) {
    int r = mf_rank (m, &m->idx[i], f, b, to);
    if (mf_better (m, &m->idx[i], r, best, rank))
      best = &m->idx[i], rank = r;
  }
  if (!best)
    return 0;                       /* UNKNOWN */
  const struct ck_mfile *bf = &m->files[best->file];
  uint64_t idx;
  ck_map_get (&bf->blocks, best->block, 0, &idx);
  const struct ck_hist *hs = &bf->hist[idx];
  out->id = bf->id;
  out->block = best->block;
  out->op = hs->v[best->val].op;
  if (rank <= 1) {
    out->kind = rank == 0 ? CK_HOLDS_EARLIER : CK_HOLDS_LATER;
    if (best->val + 1 < hs->n)
      out->next_op = hs->v[best->val + 1].op;
  }
  else
    out->kind = rank <= 3 ? CK_HOLDS_MOVED : CK_HOLDS_OTHER;
  return 0;
}

const char *
ck_model_path (const struct ck_model *m, struct ck_id id)
{
  const char *last = NULL;

  for (size_t i = 0; i < m->nnames; i++) {
    if (!ck_id_eq (m->names[i].id, id))
      continue;
    if (m->names[i].present)
      return m->names[i].path;
    last = m->names[i].path;
  }
  return last;
}
