/* revoke: revoke tables and revoke blocks (fs/jbd2/revoke.c).
 *
 * A revoke record says "block B was freed in transaction T: recovery must
 * not replay any copy of B logged in T or earlier".  Each transaction keeps
 * the set of blocks it revoked (jbd_forget / jbd_revoke add, a later
 * get_write_access on the same block in the same transaction cancels);
 * its commit writes them during T_FLUSH, before any descriptor, as revoke
 * blocks:
 *   header (type 5, sequence) | be32 r_count (bytes used, header included)
 *   | be64 blocknr ...
 * Records are written in ascending block order.  Recovery's PASS_REVOKE
 * fills a table from block number to the newest revoking tid.
 *
 * The table is open addressing with linear probing; keys are blocknr + 1
 * (0 marks an empty slot, UINT64_MAX a deleted one), so block numbers up
 * to 2^64 - 3 fit, far above anything a device validated here can hold.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "jbd_int.h"

#define RT_DELETED UINT64_MAX

static size_t
rt_slot (const struct jbd_revoke_table *rt, uint64_t key)
{
  return (size_t) ((key * 0x9E3779B97F4A7C15ull) >> 7) & (rt->rt_cap - 1);
}

static int
rt_grow (struct jbd_revoke_table *rt)
{
  struct jbd_revoke_table n = { 0 };

  n.rt_cap = rt->rt_cap ? rt->rt_cap * 2 : 64;
  while (n.rt_cap < rt->rt_count * 4)
    n.rt_cap *= 2;
  n.rt_keys = calloc (n.rt_cap, sizeof *n.rt_keys);
  n.rt_vals = calloc (n.rt_cap, sizeof *n.rt_vals);
  if (n.rt_keys == NULL || n.rt_vals == NULL) {
    free (n.rt_keys);
    free (n.rt_vals);
    return -ENOMEM;
  }
  for (size_t i = 0; i < rt->rt_cap; i++) {
    uint64_t k = rt->rt_keys[i];
    size_t s;
    if (k == 0 || k == RT_DELETED)
      continue;
    for (s = rt_slot (&n, k); n.rt_keys[s] != 0; s = (s + 1) & (n.rt_cap - 1))
      ;
    n.rt_keys[s] = k;
    n.rt_vals[s] = rt->rt_vals[i];
    n.rt_count++;
    n.rt_used++;
  }
  jbd_rt_free (rt);
  *rt = n;
  return 0;
}

void
jbd_rt_free (struct jbd_revoke_table *rt)
{
  free (rt->rt_keys);
  free (rt->rt_vals);
  memset (rt, 0, sizeof *rt);
}

/* Index of key's slot, or SIZE_MAX. */
static size_t
rt_find (const struct jbd_revoke_table *rt, uint64_t key)
{
  if (rt->rt_cap == 0)
    return SIZE_MAX;
  for (size_t s = rt_slot (rt, key), n = 0; n < rt->rt_cap;
       s = (s + 1) & (rt->rt_cap - 1), n++) {
    if (rt->rt_keys[s] == key)
      return s;
    if (rt->rt_keys[s] == 0)
      break;
  }
  return SIZE_MAX;
}

int
jbd_rt_set (struct jbd_revoke_table *rt, uint64_t blk, uint32_t val,
            bool keep_newest)
{
  uint64_t key = blk + 1;
  size_t s;

  assert (blk < UINT64_MAX - 2);
  s = rt_find (rt, key);
  if (s != SIZE_MAX) {
    /* jbd2_journal_set_revoke: the newest revoking transaction wins. */
    if (!keep_newest || tid_gt (val, rt->rt_vals[s]))
      rt->rt_vals[s] = val;
    return 0;
  }
  if ((rt->rt_used + 1) * 4 > rt->rt_cap * 3) {
    int ret = rt_grow (rt);
    if (ret < 0)
      return ret;
  }
  for (s = rt_slot (rt, key);
       rt->rt_keys[s] != 0 && rt->rt_keys[s] != RT_DELETED;
       s = (s + 1) & (rt->rt_cap - 1))
    ;
  if (rt->rt_keys[s] == 0)
    rt->rt_used++;
  rt->rt_keys[s] = key;
  rt->rt_vals[s] = val;
  rt->rt_count++;
  return 0;
}

bool
jbd_rt_get (const struct jbd_revoke_table *rt, uint64_t blk, uint32_t *val)
{
  size_t s = rt_find (rt, blk + 1);

  if (s == SIZE_MAX)
    return false;
  if (val)
    *val = rt->rt_vals[s];
  return true;
}

bool
jbd_rt_del (struct jbd_revoke_table *rt, uint64_t blk)
{
  size_t s = rt_find (rt, blk + 1);

  if (s == SIZE_MAX)
    return false;
  rt->rt_keys[s] = RT_DELETED;
  rt->rt_count--;
  return true;
}

/* jbd2_journal_cancel_revoke: the block is journaled again in the
 * transaction that revoked it, so its new copy must replay. */
void
jbd_cancel_revoke (struct jbd_handle *h, struct jbd_head *jh)
{
  jbd_rt_del (&h->h_transaction->t_revoke, jh->b_bh->b_blocknr);
}

static uint32_t
jbd_revokes_per_block (const struct journal *j)
{
  return (j->j_blocksize - JBD_REVOKE_HEADER_SIZE) / 8;
}

uint32_t
jbd_revoke_blocks_needed (const struct journal *j, size_t records)
{
  uint32_t per = jbd_revokes_per_block (j);
  return (uint32_t) ((records + per - 1) / per);
}

static int
cmp_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return x < y ? -1 : x > y;
}

/* jbd2_journal_write_revoke_records, during T_FLUSH. */
int
jbd_journal_write_revoke_records (struct journal *j, struct jbd_transaction *t,
                                  struct jbd_commit_csum *cs)
{
  const struct jbd_revoke_table *rt = &t->t_revoke;
  uint32_t per = jbd_revokes_per_block (j);
  uint64_t *blocks;
  size_t n = 0;
  int ret = 0;

  if (rt->rt_count == 0)
    return 0;
  if (j->j_cfg.bugs & FPFS_BUG_NO_REVOKE)
    return 0;                   /* the bug: freed blocks are not revoked */
  blocks = malloc (rt->rt_count * sizeof *blocks);
  if (blocks == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < rt->rt_cap; i++)
    if (rt->rt_keys[i] != 0 && rt->rt_keys[i] != RT_DELETED)
      blocks[n++] = rt->rt_keys[i] - 1;
  assert (n == rt->rt_count);
  qsort (blocks, n, sizeof *blocks, cmp_u64);
  for (size_t done = 0; done < n && ret == 0;) {
    uint8_t *blk = j->j_scratch;
    size_t k = n - done < per ? n - done : per;
    uint32_t logblk;

    memset (blk, 0, j->j_blocksize);
    jbd_header_encode (blk, JBD_REVOKE_BLOCK, t->t_tid);
    jbd_put_be32 (blk + JBD_HEADER_SIZE,
                  (uint32_t) (JBD_REVOKE_HEADER_SIZE + 8 * k));
    for (size_t i = 0; i < k; i++)
      jbd_put_be64 (blk + JBD_REVOKE_HEADER_SIZE + 8 * i, blocks[done + i]);
    jbd_next_log_block (j, &logblk);
    jbd_csum_add (cs, blk, j->j_blocksize);
    ret = jbd_log_write (j, logblk, blk, 0);
    t->t_blocks_logged++;
    done += k;
  }
  free (blocks);
  return ret;
}
