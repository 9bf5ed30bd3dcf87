/* pagecache: per-inode page cache with the kernel's radix-tree tags.
 *
 * Each inode's pages hang in a 64-way radix tree keyed by page index.
 * Every node keeps, per tag, a bitmap of which slots hold a tagged page
 * somewhere below, so "the next DIRTY page at or after i" costs the tree
 * height, not a scan (the kernel's radix_tree_gang_lookup_tag):
 *   DIRTY      the page has data the device does not (PG_DIRTY)
 *   TOWRITE    snapshot of DIRTY taken by tag_pages_for_writeback, so a
 *              data-integrity writeback (WB_SYNC_ALL) writes what was dirty
 *              when it started and is not livelocked by new writes
 *   WRITEBACK  write submitted, not completed (PG_WRITEBACK)
 * Clean uptodate pages sit on one fs-wide LRU and are dropped when the
 * cache is over its limit (pc_shrink); dirty pages are bounded separately
 * by balance_dirty_pages (flusher.c).
 *
 * Errors: a failed write sets the page's PG_ERROR and the mapping's errseq
 * (mapping_set_error); the page is clean afterwards and never retried,
 * as in Linux.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"

#define PC_SHIFT  6u
#define PC_FANOUT (1u << PC_SHIFT)
#define PC_MASK   (PC_FANOUT - 1u)
#define PC_MAX_HEIGHT 6u             /* 64^6 > 2^32 pages */

struct pc_node {
  void *slots[PC_FANOUT];
  uint64_t tags[PC_NTAGS];
  unsigned count;
};

static uint64_t
pc_capacity (unsigned height)
{
  return height == 0 ? 0 : 1ull << (PC_SHIFT * height);
}

/* ---- the clean-page LRU ---- */

static bool
plru_on (const struct bdi_writeback *wb, const struct page *pg)
{
  return pg->pg_lru_prev || wb->plru_head == pg;
}

static void
plru_del (struct bdi_writeback *wb, struct page *pg)
{
  if (!plru_on (wb, pg))
    return;
  if (pg->pg_lru_prev)
    pg->pg_lru_prev->pg_lru_next = pg->pg_lru_next;
  else
    wb->plru_head = pg->pg_lru_next;
  if (pg->pg_lru_next)
    pg->pg_lru_next->pg_lru_prev = pg->pg_lru_prev;
  else
    wb->plru_tail = pg->pg_lru_prev;
  pg->pg_lru_prev = pg->pg_lru_next = NULL;
}

/* A page belongs on the LRU exactly when it is clean, idle and uptodate. */
static void
plru_update (struct page *pg)
{
  struct bdi_writeback *wb = pg->pg_inode->i_wb;
  bool want = (pg->pg_flags & PG_UPTODATE)
    && !(pg->pg_flags & (PG_DIRTY | PG_WRITEBACK));

  if (want && !plru_on (wb, pg)) {
    pg->pg_lru_next = NULL;
    pg->pg_lru_prev = wb->plru_tail;
    if (wb->plru_tail)
      wb->plru_tail->pg_lru_next = pg;
    else
      wb->plru_head = pg;
    wb->plru_tail = pg;
  } else if (!want)
    plru_del (wb, pg);
}

void
pc_mark_uptodate (struct page *pg)
{
  pg->pg_flags |= PG_UPTODATE;
  plru_update (pg);
}

/* ---- radix tree ---- */

struct page *
pc_find_page (struct inode *inode, uint32_t index)
{
  struct address_space *m = &inode->i_mapping;
  struct pc_node *n = m->a_root;

  if (index >= pc_capacity (m->a_height))
    return NULL;
  for (unsigned h = m->a_height; n && h > 1; h--)
    n = n->slots[(index >> (PC_SHIFT * (h - 1))) & PC_MASK];
  return n ? n->slots[index & PC_MASK] : NULL;
}

static int
pc_extend (struct address_space *m, uint32_t index)
{
  if (m->a_root == NULL) {
    /* An empty mapping gets one root of the height index needs: growing
     * it level by level would leave an empty node in slot 0 that no page
     * deletion frees (a leak when the first page cached is at >= 64). */
    unsigned h = 1;
    while (index >= pc_capacity (h))
      h++;
    assert (h <= PC_MAX_HEIGHT);
    if ((m->a_root = calloc (1, sizeof *m->a_root)) == NULL)
      return -ENOMEM;
    m->a_height = h;
    return 0;
  }
  while (index >= pc_capacity (m->a_height)) {
    struct pc_node *n = calloc (1, sizeof *n);
    if (n == NULL)
      return -ENOMEM;
    if (m->a_root) {
      n->slots[0] = m->a_root;
      n->count = 1;
      for (int t = 0; t < PC_NTAGS; t++)
        if (m->a_root->tags[t] != 0)
          n->tags[t] = 1;
    }
    m->a_root = n;
    m->a_height++;
    assert (m->a_height <= PC_MAX_HEIGHT);
  }
  return 0;
}

int
pc_grab_page (struct inode *inode, uint32_t index, struct page **out)
{
  struct address_space *m = &inode->i_mapping;
  struct bdi_writeback *wb = inode->i_wb;
  struct pc_node *n;
  struct page *pg = pc_find_page (inode, index);
  int ret;

  if (pg) {
    *out = pg;
    return 0;
  }
  ret = pc_extend (m, index);
  if (ret < 0)
    return ret;
  pg = calloc (1, sizeof *pg);
  if (pg == NULL || (pg->pg_data = malloc (MM_PAGE_SIZE)) == NULL) {
    free (pg);
    return -ENOMEM;
  }
  n = m->a_root;
  for (unsigned h = m->a_height; h > 1; h--) {
    unsigned slot = (index >> (PC_SHIFT * (h - 1))) & PC_MASK;
    if (n->slots[slot] == NULL) {
      n->slots[slot] = calloc (1, sizeof (struct pc_node));
      if (n->slots[slot] == NULL) {
        free (pg->pg_data);
        free (pg);
        return -ENOMEM;
      }
      n->count++;
    }
    n = n->slots[slot];
  }
  assert (n->slots[index & PC_MASK] == NULL);
  n->slots[index & PC_MASK] = pg;
  n->count++;
  pg->pg_index = index;
  pg->pg_inode = inode;
  m->a_nrpages++;
  wb->nr_pages++;
  *out = pg;
  return 0;
}

/* Walk from the root to the page's leaf node, recording the path. */
static unsigned
pc_path (struct address_space *m, uint32_t index, struct pc_node **path,
         unsigned *slots)
{
  struct pc_node *n = m->a_root;
  unsigned depth = 0;

  for (unsigned h = m->a_height; h >= 1 && n; h--) {
    unsigned slot = (index >> (PC_SHIFT * (h - 1))) & PC_MASK;
    path[depth] = n;
    slots[depth] = slot;
    depth++;
    n = h > 1 ? n->slots[slot] : NULL;
  }
  return depth;
}

static void
pc_tag_update (struct page *pg, enum pc_tag tag, bool on)
{
  struct address_space *m = &pg->pg_inode->i_mapping;
  struct pc_node *path[PC_MAX_HEIGHT];
  unsigned slots[PC_MAX_HEIGHT];
  unsigned depth = pc_path (m, pg->pg_index, path, slots);

  assert (depth == m->a_height);
  for (int d = (int) depth - 1; d >= 0; d--) {
    uint64_t bit = 1ull << slots[d];
    if (on) {
      if (path[d]->tags[tag] & bit)
        break;
      path[d]->tags[tag] |= bit;
    } else {
      path[d]->tags[tag] &= ~bit;
      if (path[d]->tags[tag] != 0)
        break;
    }
  }
}

static bool
pc_page_tagged (struct page *pg, enum pc_tag tag)
{
  struct address_space *m = &pg->pg_inode->i_mapping;
  struct pc_node *path[PC_MAX_HEIGHT];
  unsigned slots[PC_MAX_HEIGHT];
  unsigned depth = pc_path (m, pg->pg_index, path, slots);

  return depth && (path[depth - 1]->tags[tag] >> slots[depth - 1]) & 1;
}

void
pc_set_tag (struct page *pg, enum pc_tag tag)
{
  if (pc_page_tagged (pg, tag))
    return;
  pc_tag_update (pg, tag, true);
  pg->pg_inode->i_mapping.a_ntagged[tag]++;
}

void
pc_clear_tag (struct page *pg, enum pc_tag tag)
{
  if (!pc_page_tagged (pg, tag))
    return;
  pc_tag_update (pg, tag, false);
  pg->pg_inode->i_mapping.a_ntagged[tag]--;
}

bool
pc_mapping_tagged (const struct inode *inode, enum pc_tag tag)
{
  return inode->i_mapping.a_ntagged[tag] > 0;
}

void
pc_delete_page (struct page *pg)
{
  struct inode *inode = pg->pg_inode;
  struct bdi_writeback *wb = inode->i_wb;
  struct address_space *m = &inode->i_mapping;
  struct pc_node *path[PC_MAX_HEIGHT];
  unsigned slots[PC_MAX_HEIGHT];
  unsigned depth;

  for (int t = 0; t < PC_NTAGS; t++)
    pc_clear_tag (pg, (enum pc_tag) t);
  if (pg->pg_flags & PG_DIRTY)
    wb->nr_dirty--;
  plru_del (wb, pg);
  depth = pc_path (m, pg->pg_index, path, slots);
  assert (depth == m->a_height
          && path[depth - 1]->slots[slots[depth - 1]] == pg);
  path[depth - 1]->slots[slots[depth - 1]] = NULL;
  path[depth - 1]->count--;
  /* Free nodes left empty, bottom up (their tag bits are already clear). */
  for (unsigned d = depth - 1; d > 0 && path[d]->count == 0; d--) {
    free (path[d]);
    path[d - 1]->slots[slots[d - 1]] = NULL;
    path[d - 1]->count--;
  }
  if (path[0]->count == 0) {
    free (path[0]);
    m->a_root = NULL;
    m->a_height = 0;
  }
  m->a_nrpages--;
  wb->nr_pages--;
  free (pg->pg_data);
  free (pg);
}

/* Collect up to n pages with index in [start, end] below node. */
static unsigned
pc_gang (struct pc_node *node, unsigned height, uint64_t base, uint64_t start,
         uint64_t end, int tag, struct page **out, unsigned n, unsigned got)
{
  unsigned shift = PC_SHIFT * (height - 1);
  unsigned i = start > base ? (unsigned) ((start - base) >> shift) : 0;

  while (i < PC_FANOUT && got < n) {
    uint64_t mask = tag >= 0 ? node->tags[tag] : ~0ull;
    uint64_t child_base;
    mask &= i == 0 ? ~0ull : ~((1ull << i) - 1);
    if (mask == 0)
      break;
    i = (unsigned) __builtin_ctzll (mask);
    child_base = base + ((uint64_t) i << shift);
    if (child_base > end)
      break;
    if (node->slots[i]) {
      if (height == 1)
        out[got++] = node->slots[i];
      else
        got = pc_gang (node->slots[i], height - 1, child_base,
                       start > child_base ? start : child_base, end, tag, out,
                       n, got);
    }
    i++;
  }
  return got;
}

static unsigned
pc_lookup (struct inode *inode, uint32_t *index, uint32_t end, int tag,
           struct page **pages, unsigned n)
{
  struct address_space *m = &inode->i_mapping;
  unsigned got;

  if (m->a_root == NULL || *index > end || n == 0)
    return 0;
  got = pc_gang (m->a_root, m->a_height, 0, *index, end, tag, pages, n, 0);
  if (got)
    *index = pages[got - 1]->pg_index + 1;
  return got;
}

unsigned
pc_lookup_tag (struct inode *inode, uint32_t *index, uint32_t end,
               enum pc_tag tag, struct page **pages, unsigned n)
{
  return pc_lookup (inode, index, end, (int) tag, pages, n);
}

unsigned
pc_lookup_range (struct inode *inode, uint32_t *index, uint32_t end,
                 struct page **pages, unsigned n)
{
  return pc_lookup (inode, index, end, -1, pages, n);
}

void
tag_pages_for_writeback (struct inode *inode, uint32_t start, uint32_t end)
{
  struct page *v[64];
  uint32_t index = start;
  unsigned n;

  while ((n = pc_lookup_tag (inode, &index, end, PC_TAG_DIRTY, v, 64)) > 0) {
    for (unsigned i = 0; i < n; i++)
      pc_set_tag (v[i], PC_TAG_TOWRITE);
    if (index == 0)                   /* wrapped past the last index */
      break;
  }
}

void
set_page_dirty (struct page *pg)
{
  struct inode *inode = pg->pg_inode;

  if (pg->pg_flags & PG_DIRTY)
    return;
  pg->pg_flags |= PG_DIRTY;
  pc_set_tag (pg, PC_TAG_DIRTY);
  inode->i_wb->nr_dirty++;
  plru_update (pg);
  __mark_inode_dirty (inode, I_DIRTY_PAGES);
}

bool
clear_page_dirty_for_io (struct page *pg)
{
  /* page_mkclean, first and whether the page is dirty or not (4.10's
   * clear_page_dirty_for_io for a mapping that accounts dirty pages):
   * every pte mapping the page loses its write bit, so the next store
   * through a shared mapping takes a write fault (ext4_page_mkwrite) and
   * redirties the page before the bytes land.  This orders the store after
   * the write-out that cleaned the page. */
  pg->pg_flags &= ~PG_WRITE_MAPPED;
  if (!(pg->pg_flags & PG_DIRTY))
    return false;
  pg->pg_flags &= ~PG_DIRTY;
  pc_clear_tag (pg, PC_TAG_DIRTY);
  pg->pg_inode->i_wb->nr_dirty--;
  plru_update (pg);
  return true;
}

void
set_page_writeback (struct page *pg)
{
  assert (!(pg->pg_flags & PG_WRITEBACK));
  pg->pg_flags |= PG_WRITEBACK;
  pc_set_tag (pg, PC_TAG_WRITEBACK);
  pc_clear_tag (pg, PC_TAG_TOWRITE);
  plru_update (pg);
}

void
end_page_writeback (struct page *pg)
{
  assert (pg->pg_flags & PG_WRITEBACK);
  pg->pg_flags &= ~PG_WRITEBACK;
  pc_clear_tag (pg, PC_TAG_WRITEBACK);
  plru_update (pg);
}

void
pc_truncate_pages (struct inode *inode, uint64_t from)
{
  uint64_t first = (from + MM_PAGE_SIZE - 1) >> MM_PAGE_SHIFT;
  struct page *v[64];
  uint32_t index;
  unsigned n;

  if (first > UINT32_MAX)
    return;
  index = (uint32_t) first;
  while ((n = pc_lookup_range (inode, &index, UINT32_MAX, v, 64)) > 0) {
    bool wrapped = index == 0;
    for (unsigned i = 0; i < n; i++) {
      assert (!(v[i]->pg_flags & PG_WRITEBACK));
      pc_delete_page (v[i]);
    }
    if (wrapped)
      break;
  }
}

/* truncate_pagecache_range: drop the pages with index in [first, last],
 * dirty or not (the caller has written or given up what they held). */
void
pc_truncate_range (struct inode *inode, uint32_t first, uint32_t last)
{
  struct page *v[64];
  uint32_t index = first;
  unsigned n;

  while (index <= last
         && (n = pc_lookup_range (inode, &index, last, v, 64)) > 0) {
    bool wrapped = index == 0;
    for (unsigned i = 0; i < n; i++) {
      assert (!(v[i]->pg_flags & PG_WRITEBACK));
      pc_delete_page (v[i]);
    }
    if (wrapped)
      break;
  }
}

void
pc_drop_all (struct inode *inode)
{
  pc_truncate_pages (inode, 0);
  assert (inode->i_mapping.a_nrpages == 0);
}

/* invalidate_mapping_pages (mm/truncate.c): drop the pages of [start, end]
 * that can go without losing anything -- not dirty, not under writeback
 * (nor deferred by the bug switch, which leaves them dirty).  A page here
 * is never locked or mapped into a process.  Returns the pages dropped. */
uint64_t
invalidate_mapping_pages (struct inode *inode, uint32_t start, uint32_t end)
{
  struct page *v[64];
  uint32_t index = start;
  uint64_t dropped = 0;
  unsigned n;

  while ((n = pc_lookup_range (inode, &index, end, v, 64)) > 0) {
    bool wrapped = index == 0;
    for (unsigned i = 0; i < n; i++) {
      if (v[i]->pg_flags & (PG_DIRTY | PG_WRITEBACK | PG_DEFERRED))
        continue;
      pc_delete_page (v[i]);
      dropped++;
    }
    if (wrapped || index > end)
      break;
  }
  return dropped;
}

void
pc_shrink (struct bdi_writeback *wb)
{
  while (wb->nr_pages > wb->cache_limit && wb->plru_head)
    pc_delete_page (wb->plru_head);
}

/* mapping_set_error (__filemap_set_wb_err): the file's errseq, and the
 * super block's for syncfs (Linux >= 5.8). */
void
mapping_set_error (struct inode *inode, int err)
{
  errseq_set (&inode->i_mapping.a_wb_err, err);
  errseq_set (&inode->i_wb->wb_err, err);
}
