/* ck_map: a small hash map from a pair of 64-bit keys to a 64-bit value.
 *
 * Open addressing with linear probing; no deletion (callers that forget
 * things mark the value, never the key).  The checker uses it for inode
 * identity (ino, generation) -> file, (block index, 0) -> block history,
 * (directory, name hash) -> entry history, (path hash, 0) -> name.
 * Invariant: cap is 0 or a power of two, count <= cap * 3 / 4.
 */
#ifndef CK_MAP_H
#define CK_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ck_map_slot {
  uint64_t k1, k2, v;
  bool used;
};

struct ck_map {
  struct ck_map_slot *s;
  size_t cap, count;
};

/* Insert or replace. */
int ck_map_put (struct ck_map *m, uint64_t k1, uint64_t k2, uint64_t v);
bool ck_map_get (const struct ck_map *m, uint64_t k1, uint64_t k2,
                 uint64_t *v);
void ck_map_free (struct ck_map *m);

#endif /* CK_MAP_H */
