/* ck_view: the namespace of a recovered file system, walked once.
 *
 * After recovery the checker needs, for every guarantee, "where is inode
 * (ino, gen) now, and what does it look like" and "what does directory D
 * hold".  The engine has no open-by-inode, so the view walks the tree from
 * the root (readdir + stat, breadth first) and indexes every inode it
 * reaches by identity.  The root is CK_ROOT whatever its inode number (the
 * model does the same).  A directory reached twice (a cycle in a damaged
 * tree) is walked once; the walk stops at CK_VIEW_MAX_NODES inodes and says
 * so.  An entry whose stat fails is kept, with the error, for the rules to
 * report.
 */
#ifndef CK_VIEW_H
#define CK_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ck_map.h"
#include "ck_model.h"
#include "fpfs.h"
#include "wl_fs.h"

#define CK_VIEW_MAX_NODES (1u << 20)
#define CK_VIEW_NO_NODE   UINT32_MAX

struct ck_vnode {
  struct ck_id id;
  struct fpfs_stat st;
  char *path;              /* the first path the walk met it by */
  uint32_t npaths;         /* names found for it */
  bool is_dir;
  size_t ent0, nent;       /* directories: entries [ent0, ent0 + nent) */
};

struct ck_vent {
  char *name;
  uint32_t node;           /* CK_VIEW_NO_NODE: stat failed (err) */
  int err;
};

struct ck_view {
  struct ck_vnode *n;
  size_t nn, capn;
  struct ck_vent *e;
  size_t ne, cape;
  struct ck_map ids;       /* (ino, gen) -> node */
  bool truncated;          /* stopped at CK_VIEW_MAX_NODES */
};

/* Walk fs (the engine or a mounted kernel file system, wl_fs.h) from "/".
 * -errno when the root itself cannot be read. */
int ck_view_build (const struct wl_fs *fs, struct ck_view *v, char *errbuf,
                   size_t errlen);
void ck_view_free (struct ck_view *v);

const struct ck_vnode *ck_view_find (const struct ck_view *v, struct ck_id id);
/* The entry `name` of directory node d, or NULL. */
const struct ck_vent *ck_view_entry (const struct ck_view *v,
                                     const struct ck_vnode *d,
                                     const char *name);
/* Building a view by hand (tests, other walkers): add nodes in any order,
 * then give each directory its entries once (names are copied).  The
 * first node added must be the root. */
int ck_view_add_node (struct ck_view *v, struct ck_id id,
                      const struct fpfs_stat *st, const char *path,
                      uint32_t *node);
int ck_view_set_entries (struct ck_view *v, uint32_t dir, size_t n,
                         const char *const *names, const uint32_t *nodes);
/* The node a path names, or NULL (absolute, normal paths). */
const struct ck_vnode *ck_view_lookup (const struct ck_view *v,
                                       const char *path);

#endif /* CK_VIEW_H */
