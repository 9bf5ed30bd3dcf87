/* ck_bindex: the builder's index of an epoch's writes by 64 KiB chunk.
 *
 * The epoch's writes are numbered in log order.  A write that spans at
 * most BX_WIDE_CHUNKS chunks is listed under each chunk it touches, in a
 * hash table keyed by chunk number (open addressing, linear probing); a
 * wider one (a big TRIM, say) goes on one "wide" list that every lookup
 * scans.  Lists are appended in log order, so after merging the lists of
 * the chunks a hole covers, one sort by write number gives log order
 * back.  Invariant: cap is 0 or a power of two, count <= cap * 3 / 4.
 */
#ifndef CK_BINDEX_H
#define CK_BINDEX_H

#include <stddef.h>
#include <stdint.h>

#define BX_SHIFT       16
#define BX_WIDE_CHUNKS 16u

struct bx_slot {
  uint64_t key;                /* chunk + 1; 0 = empty */
  uint32_t *v;
  uint32_t n, cap;
};

struct bx {
  struct bx_slot *s;
  size_t cap, count;           /* cap: 0 or a power of two */
  uint32_t *wide;
  size_t nwide, capwide;
};

const struct bx_slot *ck_bx_find (const struct bx *x, uint64_t chunk);
int ck_bx_add (struct bx *x, uint64_t chunk, uint32_t idx);
/* Empty the index for the next epoch (a small table is kept). */
void ck_bx_clear (struct bx *x);

#endif /* CK_BINDEX_H */
