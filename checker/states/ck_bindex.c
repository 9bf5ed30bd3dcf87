/* ck_bindex: the epoch write index (ck_bindex.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ck_bindex.h"

static size_t
bx_hash (uint64_t key, size_t cap)
{
  return (size_t) ((key * UINT64_C (0x9e3779b97f4a7c15)) >> 17) & (cap - 1);
}

const struct bx_slot *
ck_bx_find (const struct bx *x, uint64_t chunk)
{
  if (!x->cap)
    return NULL;
  for (size_t i = bx_hash (chunk + 1, x->cap);; i = (i + 1) & (x->cap - 1)) {
    if (x->s[i].key == chunk + 1)
      return &x->s[i];
    if (x->s[i].key == 0)
      return NULL;
  }
}

static int
bx_rehash (struct bx *x, size_t ncap)
{
  struct bx_slot *ns = calloc (ncap, sizeof *ns);

  if (!ns)
    return -ENOMEM;
  for (size_t i = 0; i < x->cap; i++) {
    if (!x->s[i].key)
      continue;
    size_t j = bx_hash (x->s[i].key, ncap);
    while (ns[j].key)
      j = (j + 1) & (ncap - 1);
    ns[j] = x->s[i];
  }
  free (x->s);
  x->s = ns;
  x->cap = ncap;
  return 0;
}

int
ck_bx_add (struct bx *x, uint64_t chunk, uint32_t idx)
{
  struct bx_slot *sl = (struct bx_slot *) ck_bx_find (x, chunk);
  int err;

  if (!sl) {
    if ((x->count + 1) * 4 > x->cap * 3) {
      err = bx_rehash (x, x->cap ? x->cap * 2 : 64);
      if (err)
        return err;
    }
    size_t j = bx_hash (chunk + 1, x->cap);
    while (x->s[j].key)
      j = (j + 1) & (x->cap - 1);
    sl = &x->s[j];
    sl->key = chunk + 1;
    x->count++;
  }
  if (sl->n == sl->cap) {
    uint32_t nc = sl->cap ? sl->cap * 2 : 4;
    uint32_t *v = realloc (sl->v, nc * sizeof *v);
    if (!v)
      return -ENOMEM;
    sl->v = v;
    sl->cap = nc;
  }
  sl->v[sl->n++] = idx;
  return 0;
}

void
ck_bx_clear (struct bx *x)
{
  for (size_t i = 0; i < x->cap; i++)
    free (x->s[i].v);
  /* Keep a small table for the next epoch; drop a big one. */
  if (x->cap > 4096) {
    free (x->s);
    x->s = NULL;
    x->cap = 0;
  }
  else if (x->cap)
    memset (x->s, 0, x->cap * sizeof *x->s);
  x->count = 0;
  x->nwide = 0;
}
