/* ck_map: pair-keyed hash map (contract in ck_map.h). */
#include <errno.h>
#include <stdlib.h>

#include "ck_map.h"

static size_t
map_hash (uint64_t k1, uint64_t k2, size_t cap)
{
  uint64_t h = k1 * UINT64_C (0x9e3779b97f4a7c15) ^
               (k2 + UINT64_C (0x632be59bd9b4e019)) * UINT64_C (0xbf58476d1ce4e5b9);
  h ^= h >> 29;
  return (size_t) h & (cap - 1);
}

static struct ck_map_slot *
map_slot (const struct ck_map *m, uint64_t k1, uint64_t k2)
{
  for (size_t i = map_hash (k1, k2, m->cap);; i = (i + 1) & (m->cap - 1))
    if (!m->s[i].used || (m->s[i].k1 == k1 && m->s[i].k2 == k2))
      return &m->s[i];
}

static int
map_grow (struct ck_map *m)
{
  size_t ncap = m->cap ? m->cap * 2 : 32;
  struct ck_map n = { calloc (ncap, sizeof *m->s), ncap, m->count };

  if (!n.s)
    return -ENOMEM;
  for (size_t i = 0; i < m->cap; i++)
    if (m->s[i].used)
      *map_slot (&n, m->s[i].k1, m->s[i].k2) = m->s[i];
  free (m->s);
  *m = n;
  return 0;
}

int
ck_map_put (struct ck_map *m, uint64_t k1, uint64_t k2, uint64_t v)
{
  struct ck_map_slot *s;

  if ((m->count + 1) * 4 > m->cap * 3) {
    int err = map_grow (m);
    if (err)
      return err;
  }
  s = map_slot (m, k1, k2);
  if (!s->used) {
    s->used = true;
    s->k1 = k1;
    s->k2 = k2;
    m->count++;
  }
  s->v = v;
  return 0;
}

bool
ck_map_get (const struct ck_map *m, uint64_t k1, uint64_t k2, uint64_t *v)
{
  const struct ck_map_slot *s;

  if (!m->cap)
    return false;
  s = map_slot (m, k1, k2);
  if (!s->used)
    return false;
  *v = s->v;
  return true;
}

void
ck_map_free (struct ck_map *m)
{
  free (m->s);
  m->s = NULL;
  m->cap = m->count = 0;
}
