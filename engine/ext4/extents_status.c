/* extents_status: the extent status cache (fs/ext4/extents_status.c).
 *
 * Per inode, a set of disjoint logical ranges, each WRITTEN or UNWRITTEN
 * (allocated by fallocate, reads as zeroes; both with the physical start),
 * DELAYED (reserved by a buffered write, not allocated
 * yet) or HOLE.  ext4_map_blocks asks it first; delayed allocation records
 * its reservations here, which is how writeback finds what to allocate and
 * how many reservations an allocation uses up.
 *
 * Structure: a treap keyed by es_lblk; priorities are a hash of the key, so
 * the shape depends only on the keys present (deterministic, no PRNG).
 * Operations are split/merge based: removing [a, b) splits the tree at a
 * and b, trims the entries straddling either end, and drops the middle.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "ext4.h"

struct es_node {
  struct extent_status es;
  uint32_t prio;
  struct es_node *l, *r;
};

static uint32_t
es_prio (uint32_t k)
{
  uint64_t z = k + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (uint32_t) (z ^ (z >> 31));
}

static uint64_t
es_end (const struct extent_status *e)
{
  return (uint64_t) e->es_lblk + e->es_len;
}

void
ext4_es_init (struct es_tree *t)
{
  t->et_root = NULL;
  t->et_count = 0;
}

static void
es_free_tree (struct es_node *n)
{
  while (n) {
    struct es_node *r = n->r;
    es_free_tree (n->l);
    free (n);
    n = r;
  }
}

void
ext4_es_destroy (struct es_tree *t)
{
  es_free_tree (t->et_root);
  t->et_root = NULL;
  t->et_count = 0;
}

/* Split into keys < k and keys >= k. */
static void
es_split (struct es_node *n, uint32_t k, struct es_node **a, struct es_node **b)
{
  if (n == NULL) {
    *a = *b = NULL;
  } else if (n->es.es_lblk < k) {
    es_split (n->r, k, &n->r, b);
    *a = n;
  } else {
    es_split (n->l, k, a, &n->l);
    *b = n;
  }
}

/* Every key in a is below every key in b. */
static struct es_node *
es_merge (struct es_node *a, struct es_node *b)
{
  if (a == NULL)
    return b;
  if (b == NULL)
    return a;
  if (a->prio > b->prio) {
    a->r = es_merge (a->r, b);
    return a;
  }
  b->l = es_merge (a, b->l);
  return b;
}

static struct es_node *
es_max (struct es_node *n)
{
  while (n && n->r)
    n = n->r;
  return n;
}

static struct es_node *
es_min (struct es_node *n)
{
  while (n && n->l)
    n = n->l;
  return n;
}

static struct es_node *
es_new (uint32_t lblk, uint32_t len, uint64_t pblk, unsigned status)
{
  struct es_node *n = calloc (1, sizeof *n);
  if (n) {
    n->es = (struct extent_status) { lblk, len, pblk, status };
    n->prio = es_prio (lblk);
  }
  return n;
}

/* Insert a node whose key is absent. */
static struct es_node *
es_insert_node (struct es_node *root, struct es_node *n)
{
  struct es_node *a, *b;
  es_split (root, n->es.es_lblk, &a, &b);
  return es_merge (es_merge (a, n), b);
}

bool
ext4_es_lookup_extent (struct fs_inode *inode, uint32_t lblk,
                       struct extent_status *es)
{
  struct es_node *n = inode->i_es.et_root, *best = NULL;
  bool found;

  while (n) {
    if (n->es.es_lblk <= lblk) {
      best = n;
      n = n->r;
    } else
      n = n->l;
  }
  found = best && lblk < es_end (&best->es);
  if (found)
    *es = best->es;
  return found;
}

uint64_t
ext4_es_next_start (struct fs_inode *inode, uint32_t lblk)
{
  struct es_node *n = inode->i_es.et_root;
  uint64_t best = 1ull << 32;

  while (n) {
    if (n->es.es_lblk > lblk) {
      best = n->es.es_lblk;
      n = n->l;
    } else
      n = n->r;
  }
  return best;
}

/* Remove [lblk, lblk+len) from t; 0 or -ENOMEM (only when a split of one
 * entry into two needs a node). */
static int
es_remove (struct es_tree *t, uint32_t lblk, uint64_t end)
{
  struct es_node *a, *m, *b, *last;
  int ret = 0;

  es_split (t->et_root, lblk, &a, &b);
  /* The entry before lblk may reach into the range. */
  last = es_max (a);
  if (last && es_end (&last->es) > lblk) {
    uint64_t old_end = es_end (&last->es);
    last->es.es_len = lblk - last->es.es_lblk;
    if (old_end > end) {
      uint64_t off = end - last->es.es_lblk;
      struct es_node *tail = es_new ((uint32_t) end, (uint32_t) (old_end - end),
                                     last->es.es_status & (ES_WRITTEN | ES_UNWRITTEN)
                                     ? last->es.es_pblk + off : 0,
                                     last->es.es_status);
      if (tail == NULL)
        ret = -ENOMEM;
      else {
        b = es_insert_node (b, tail);
        t->et_count++;
      }
    }
  }
  if (end <= UINT32_MAX) {
    es_split (b, (uint32_t) end, &m, &b);
  } else {
    m = b;
    b = NULL;
  }
  /* The last entry of the middle may reach past end: keep its tail. */
  last = es_max (m);
  if (last && es_end (&last->es) > end) {
    uint64_t cut = end - last->es.es_lblk;
    struct es_node *tail = es_new ((uint32_t) end,
                                   (uint32_t) (es_end (&last->es) - end),
                                   last->es.es_status & (ES_WRITTEN | ES_UNWRITTEN)
                                   ? last->es.es_pblk + cut : 0,
                                   last->es.es_status);
    if (tail) {
      b = es_insert_node (b, tail);
      t->et_count++;
    } else
      ret = -ENOMEM;
  }
  while (m) {
    struct es_node *x = es_min (m);
    struct es_node *l, *r;
    es_split (m, x->es.es_lblk + 1, &l, &r);
    assert (l == x && x->l == NULL && x->r == NULL);
    free (x);
    t->et_count--;
    m = r;
  }
  t->et_root = es_merge (a, b);
  return ret;
}

int
ext4_es_remove_extent (struct fs_inode *inode, uint32_t lblk, uint32_t len)
{
  if (len == 0)
    return 0;
  FS_TRACE (inode->i_fs, "ext4_es_remove_extent",
            "dev %s ino %u es [%u/%u)", inode->i_fs->s_devname, inode->i_ino,
            lblk, len);
  return es_remove (&inode->i_es, lblk, (uint64_t) lblk + len);
}

static bool
es_can_merge (const struct extent_status *a, const struct extent_status *b)
{
  if (a->es_status != b->es_status || es_end (a) != b->es_lblk
      || (uint64_t) a->es_len + b->es_len > UINT32_MAX)
    return false;
  return !(a->es_status & (ES_WRITTEN | ES_UNWRITTEN))
    || a->es_pblk + a->es_len == b->es_pblk;
}

int
ext4_es_insert_extent (struct fs_inode *inode, uint32_t lblk, uint32_t len,
                       uint64_t pblk, unsigned status)
{
  struct es_tree *t = &inode->i_es;
  struct es_node *a, *b, *n, *left, *right;
  int ret;

  if (len == 0)
    return 0;
  FS_TRACE (inode->i_fs, "ext4_es_insert_extent",
            "dev %s ino %u es [%u/%u) mapped %" PRIu64 " status %s",
            inode->i_fs->s_devname, inode->i_ino, lblk, len, pblk,
            status & ES_WRITTEN ? "W" : status & ES_UNWRITTEN ? "U"
            : status & ES_DELAYED ? "D" : "H");
  ret = es_remove (t, lblk, (uint64_t) lblk + len);
  if (ret < 0)
    return ret;
  es_split (t->et_root, lblk, &a, &b);
  n = es_new (lblk, len, status & (ES_WRITTEN | ES_UNWRITTEN) ? pblk : 0,
              status);
  if (n == NULL) {
    t->et_root = es_merge (a, b);
    return -ENOMEM;
  }
  t->et_count++;
  left = es_max (a);
  if (left && es_can_merge (&left->es, &n->es)) {
    left->es.es_len += n->es.es_len;
    free (n);
    t->et_count--;
    n = left;
  } else
    a = es_merge (a, n);
  right = es_min (b);
  if (right && es_can_merge (&n->es, &right->es)) {
    struct es_node *l, *r;
    n->es.es_len += right->es.es_len;
    es_split (b, right->es.es_lblk + 1, &l, &r);
    assert (l == right);
    free (right);
    t->et_count--;
    b = r;
  }
  t->et_root = es_merge (a, b);
  return 0;
}

static uint32_t
es_count_delayed (const struct es_node *n, uint64_t lo, uint64_t hi)
{
  uint32_t c = 0;

  while (n) {
    uint64_t s = n->es.es_lblk, e = es_end (&n->es);
    if ((n->es.es_status & ES_DELAYED) && s < hi && e > lo)
      c += (uint32_t) ((e < hi ? e : hi) - (s > lo ? s : lo));
    if (s > lo)
      c += es_count_delayed (n->l, lo, hi);
    if (s >= hi)
      break;
    n = n->r;
  }
  return c;
}

uint32_t
ext4_es_delayed_count (struct fs_inode *inode, uint32_t lblk, uint32_t len)
{
  return es_count_delayed (inode->i_es.et_root, lblk, (uint64_t) lblk + len);
}

/* Move n's delayed entries into *keep and free the rest. */
static void
es_reclaim_node (struct es_tree *t, struct es_node *n, struct es_node **keep)
{
  struct es_node *l, *r;

  if (n == NULL)
    return;
  l = n->l;
  r = n->r;
  es_reclaim_node (t, l, keep);
  n->l = n->r = NULL;
  if (n->es.es_status & ES_DELAYED)
    *keep = es_insert_node (*keep, n);
  else {
    free (n);
    t->et_count--;
  }
  es_reclaim_node (t, r, keep);
}

/* The extent status shrinker's work on one inode (es_reclaim_extents):
 * every entry but the delayed ones goes; the extent tree has them all,
 * the delayed ones are the only record of the reservations. */
size_t
ext4_es_reclaim (struct fs_inode *inode)
{
  struct es_tree *t = &inode->i_es;
  struct es_node *keep = NULL;
  size_t before = t->et_count;

  es_reclaim_node (t, t->et_root, &keep);
  t->et_root = keep;
  return before - t->et_count;
}
