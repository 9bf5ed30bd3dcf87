/* icache: the in-core inode cache, and per-inode associated buffers.
 *
 * In-core inodes hang in a hash table on i_ino.  An inode with no
 * references stays cached on an LRU until the cache is over its limit and
 * the inode is "evictable": clean, no dirty pages, no preallocation, not an
 * orphan, not tied to a running transaction's ordered data, and every
 * change of it committed.  That last rule keeps ext4_iget's choice of
 * j_commit_sequence for a re-read inode's tids correct.
 *
 * Associated buffers (nojournal only): the metadata blocks dirtied on an
 * inode's behalf (extent-tree and directory blocks), which fsync writes
 * before the inode itself, as the kernel's mark_buffer_dirty_inode and
 * sync_mapping_buffers do.  The list is a sorted set of block numbers.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ext4.h"

/* The hash starts at ICACHE_HASH_MIN buckets and doubles with the inodes
 * held (icache_grow), so a mount that loads a handful of inodes (every
 * crash state's recovery) does not zero and walk a table sized for
 * ICACHE_LIMIT. */
#define ICACHE_HASH_MIN 64u
#define ICACHE_HASH_MAX 16384u
#define ICACHE_LIMIT    8192u

static size_t
ihash (const struct fpfs *fs, uint32_t ino)
{
  return (ino * 2654435761u) & (fs->s_ihash_size - 1);
}

int
ext4_icache_init (struct fpfs *fs)
{
  fs->s_ihash_size = ICACHE_HASH_MIN;
  fs->s_ihash = calloc (ICACHE_HASH_MIN, sizeof *fs->s_ihash);
  return fs->s_ihash ? 0 : -ENOMEM;
}

/* On -ENOMEM keep the old table: longer chains, still correct. */
static void
icache_grow (struct fpfs *fs)
{
  size_t old = fs->s_ihash_size, n = old * 2;
  struct fs_inode **t, **o = fs->s_ihash;

  if (fs->s_ninodes <= old || n > ICACHE_HASH_MAX)
    return;
  t = calloc (n, sizeof *t);
  if (t == NULL)
    return;
  fs->s_ihash = t;
  fs->s_ihash_size = n;
  for (size_t b = 0; b < old; b++)
    while (o[b]) {
      struct fs_inode *i = o[b];
      size_t h = ihash (fs, i->i_ino);
      o[b] = i->i_hnext;
      i->i_hnext = t[h];
      t[h] = i;
    }
  free (o);
}

static void
ilru_del (struct fpfs *fs, struct fs_inode *inode)
{
  if (inode->i_lru_prev == NULL && fs->s_ilru_head != inode)
    return;
  if (inode->i_lru_prev)
    inode->i_lru_prev->i_lru_next = inode->i_lru_next;
  else
    fs->s_ilru_head = inode->i_lru_next;
  if (inode->i_lru_next)
    inode->i_lru_next->i_lru_prev = inode->i_lru_prev;
  else
    fs->s_ilru_tail = inode->i_lru_prev;
  inode->i_lru_prev = inode->i_lru_next = NULL;
}

static void
ilru_add (struct fpfs *fs, struct fs_inode *inode)
{
  ilru_del (fs, inode);
  inode->i_lru_prev = fs->s_ilru_tail;
  if (fs->s_ilru_tail)
    fs->s_ilru_tail->i_lru_next = inode;
  else
    fs->s_ilru_head = inode;
  fs->s_ilru_tail = inode;
}

struct fs_inode *
ext4_icache_find (struct fpfs *fs, uint32_t ino)
{
  struct fs_inode *i = fs->s_ihash[ihash (fs, ino)];
  while (i && i->i_ino != ino)
    i = i->i_hnext;
  return i;
}

void
ext4_icache_insert (struct fpfs *fs, struct fs_inode *inode)
{
  size_t h = ihash (fs, inode->i_ino);
  assert (ext4_icache_find (fs, inode->i_ino) == NULL);
  inode->i_hnext = fs->s_ihash[h];
  fs->s_ihash[h] = inode;
  fs->s_ninodes++;
  icache_grow (fs);
}

void
ext4_icache_remove (struct fpfs *fs, struct fs_inode *inode)
{
  struct fs_inode **pp = &fs->s_ihash[ihash (fs, inode->i_ino)];
  while (*pp && *pp != inode)
    pp = &(*pp)->i_hnext;
  if (*pp) {
    *pp = inode->i_hnext;
    fs->s_ninodes--;
  }
  ilru_del (fs, inode);
}

/* Unused inodes wait on the LRU; used ones are taken off it. */
void
ext4_icache_touch (struct fs_inode *inode)
{
  if (inode->i_count == 0)
    ilru_add (inode->i_fs, inode);
  else
    ilru_del (inode->i_fs, inode);
}

static void
assoc_prune (struct fs_inode *inode)
{
  size_t k = 0;
  for (size_t i = 0; i < inode->i_nassoc; i++) {
    struct buf *b = buf_lookup (inode->i_fs->s_bc, inode->i_assoc[i]);
    if (b && (b->b_state & BUF_DIRTY))
      inode->i_assoc[k++] = inode->i_assoc[i];
    buf_put (b);
  }
  inode->i_nassoc = k;
}

bool
ext4_inode_evictable (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;

  const struct inode *vi = VFS_I (inode);

  if (inode->i_count || (vi->i_state & I_DIRTY_ALL) || vi->i_io_list
      || vi->i_mapping.a_ntagged[PC_TAG_DIRTY]
      || vi->i_mapping.a_ntagged[PC_TAG_WRITEBACK] || inode->i_prealloc
      || (inode->i_ext4_state & EXT4_STATE_ORPHAN)
      || inode->i_reserved_data_blocks || inode->i_nlink == 0)
    return false;
  if (fs->s_journal) {
    tid_t done = jbd_commit_sequence (fs->s_journal);
    if (inode->i_jinode.i_transaction || inode->i_jinode.i_next_transaction
        || !tid_geq (done, inode->i_sync_tid)
        || !tid_geq (done, inode->i_datasync_tid))
      return false;
  }
  if (inode->i_nassoc)
    assoc_prune (inode);
  return inode->i_nassoc == 0;
}

void
ext4_icache_shrink (struct fpfs *fs)
{
  struct fs_inode *i = fs->s_ilru_head;

  while (fs->s_ninodes > ICACHE_LIMIT && i) {
    struct fs_inode *next = i->i_lru_next;
    if (ext4_inode_evictable (i)) {
      ext4_icache_remove (fs, i);
      inode_free_mem (i);
    }
    i = next;
  }
}

size_t
ext4_icache_prune (struct fpfs *fs)
{
  struct fs_inode *i = fs->s_ilru_head;
  size_t n = 0;

  while (i) {
    struct fs_inode *next = i->i_lru_next;
    if (ext4_inode_evictable (i)) {
      ext4_icache_remove (fs, i);
      inode_free_mem (i);
      n++;
    }
    i = next;
  }
  return n;
}

void
ext4_icache_destroy (struct fpfs *fs)
{
  if (fs->s_ihash == NULL)
    return;
  for (size_t h = 0; h < fs->s_ihash_size; h++)
    while (fs->s_ihash[h]) {
      struct fs_inode *i = fs->s_ihash[h];
      fs->s_ihash[h] = i->i_hnext;
      inode_free_mem (i);
    }
  free (fs->s_ihash);
  fs->s_ihash = NULL;
  fs->s_ninodes = 0;
  fs->s_ilru_head = fs->s_ilru_tail = NULL;
}

/* Every cached inode, in a stable order (by hash bucket, then chain). */
int
ext4_icache_snapshot (struct fpfs *fs, struct fs_inode ***out, size_t *n)
{
  struct fs_inode **v = malloc ((fs->s_ninodes + 1) * sizeof *v);
  size_t k = 0;

  if (v == NULL)
    return -ENOMEM;
  for (size_t h = 0; h < fs->s_ihash_size; h++)
    for (struct fs_inode *i = fs->s_ihash[h]; i; i = i->i_hnext) {
      assert (k < fs->s_ninodes);
      v[k++] = i;
      i->i_count++;
      ilru_del (fs, i);
    }
  *out = v;
  *n = k;
  return 0;
}

void
ext4_icache_snapshot_put (struct fs_inode **v, size_t n)
{
  for (size_t k = 0; k < n; k++)
    iput (v[k]);
  free (v);
}

int
ext4_mb_discard_all (struct fpfs *fs)
{
  struct fs_inode **v;
  size_t n;
  int ret = ext4_icache_snapshot (fs, &v, &n);

  if (ret < 0)
    return ret;
  for (size_t k = 0; k < n; k++)
    if (v[k]->i_prealloc) {
      int err = ext4_discard_preallocations (v[k]);
      if (!ret)
        ret = err;
    }
  ext4_icache_snapshot_put (v, n);
  return ret;
}

int
ext4_inode_add_assoc (struct fs_inode *inode, uint64_t blk)
{
  size_t lo = 0, hi = inode->i_nassoc;

  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (inode->i_assoc[mid] == blk)
      return 0;
    if (inode->i_assoc[mid] < blk)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (inode->i_nassoc == inode->i_assoc_cap) {
    size_t cap = inode->i_assoc_cap ? inode->i_assoc_cap * 2 : 8;
    uint64_t *v = realloc (inode->i_assoc, cap * sizeof *v);
    if (v == NULL)
      return -ENOMEM;
    inode->i_assoc = v;
    inode->i_assoc_cap = cap;
  }
  memmove (inode->i_assoc + lo + 1, inode->i_assoc + lo,
           (inode->i_nassoc - lo) * sizeof *inode->i_assoc);
  inode->i_assoc[lo] = blk;
  inode->i_nassoc++;
  return 0;
}

int
sync_mapping_buffers (struct fs_inode *inode)
{
  int ret = 0;

  for (size_t i = 0; i < inode->i_nassoc; i++) {
    struct buf *b = buf_lookup (inode->i_fs->s_bc, inode->i_assoc[i]);
    if (b && (b->b_state & BUF_DIRTY)) {
      int err = buf_write (b, 0);
      if (err && !ret)
        ret = err;
    }
    buf_put (b);
  }
  inode->i_nassoc = 0;
  return ret;
}
