/* ck_view: walk a recovered file system's namespace (contract in
 * ck_view.h).  Entries of a directory are stored contiguously, in the
 * order readdir gave them, right after the directory is visited. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ck_view.h"

struct vw_names {
  char **v;
  size_t n, cap;
  bool oom;
};

static int
vw_collect (void *ctx, const struct fpfs_dirent *de)
{
  struct vw_names *ns = ctx;

  if (ns->n == ns->cap) {
    size_t cap = ns->cap ? ns->cap * 2 : 16;
    char **v = realloc (ns->v, cap * sizeof *v);
    if (!v) {
      ns->oom = true;
      return 1;
    }
    ns->v = v;
    ns->cap = cap;
  }
  if (!(ns->v[ns->n] = strdup (de->name))) {
    ns->oom = true;
    return 1;
  }
  ns->n++;
  return 0;
}

static int
vw_grow (void **v, size_t *cap, size_t n, size_t sz)
{
  if (n < *cap)
    return 0;
  size_t nc = *cap ? *cap * 2 : 64;
  void *p = realloc (*v, nc * sz);
  if (!p)
    return -ENOMEM;
  *v = p;
  *cap = nc;
  return 0;
}

/* Add (or find) the node for an inode met at path. */
static int
vw_node (struct ck_view *v, struct ck_id id, const struct fpfs_stat *st,
         const char *path, uint32_t *out)
{
  uint64_t idx;

  if (ck_map_get (&v->ids, id.ino, id.gen, &idx)) {
    v->n[idx].npaths++;
    *out = (uint32_t) idx;
    return 0;
  }
  if (v->nn >= CK_VIEW_MAX_NODES) {
    v->truncated = true;
    *out = CK_VIEW_NO_NODE;
    return 0;
  }
  if (vw_grow ((void **) &v->n, &v->capn, v->nn, sizeof *v->n))
    return -ENOMEM;
  struct ck_vnode *n = &v->n[v->nn];
  memset (n, 0, sizeof *n);
  n->id = id;
  n->st = *st;
  n->npaths = 1;
  n->is_dir = S_ISDIR (st->mode);
  n->path = strdup (path);
  if (!n->path || ck_map_put (&v->ids, id.ino, id.gen, v->nn)) {
    free (n->path);
    return -ENOMEM;
  }
  *out = (uint32_t) v->nn++;
  return 0;
}

static char *
vw_join (const char *dir, const char *name)
{
  char *s;

  if (asprintf (&s, "%s/%s", strcmp (dir, "/") == 0 ? "" : dir, name) < 0)
    return NULL;
  return s;
}

/* Read directory node d's entries and add their nodes. */
static int
vw_dir (const struct wl_fs *fs, struct ck_view *v, size_t d)
{
  struct vw_names ns = { 0 };
  char *dpath = v->n[d].path;
  int err = fs->ops->readdir (fs->ctx, dpath, vw_collect, &ns);

  if (ns.oom)
    err = -ENOMEM;
  v->n[d].ent0 = v->ne;
  for (size_t i = 0; i < ns.n && err >= 0; i++) {
    struct fpfs_stat st;
    char *child = vw_join (dpath, ns.v[i]);
    uint32_t node = CK_VIEW_NO_NODE;
    int se;

    if (!child) {
      err = -ENOMEM;
      break;
    }
    se = fs->ops->stat (fs->ctx, child, &st);
    if (se == 0)
      err = vw_node (v, (struct ck_id) { st.ino, st.generation }, &st, child,
                     &node);
    free (child);
    if (err < 0 || (err = vw_grow ((void **) &v->e, &v->cape, v->ne,
                                   sizeof *v->e)) < 0)
      break;
    v->e[v->ne++] = (struct ck_vent) { ns.v[i], node, se };
    ns.v[i] = NULL;
    dpath = v->n[d].path;      /* v->n may have moved */
  }
  v->n[d].nent = v->ne - v->n[d].ent0;
  for (size_t i = 0; i < ns.n; i++)
    free (ns.v[i]);
  free (ns.v);
  return err < 0 ? err : 0;
}

int
ck_view_build (const struct wl_fs *fs, struct ck_view *v, char *errbuf,
               size_t errlen)
{
  struct fpfs_stat st;
  uint32_t root;
  int err;

  memset (v, 0, sizeof *v);
  err = fs->ops->stat (fs->ctx, "/", &st);
  if (!err)
    err = vw_node (v, CK_ROOT, &st, "/", &root);
  /* Breadth first: nodes are appended as they are met, so walking the
   * array in order visits every directory once. */
  for (size_t i = 0; !err && i < v->nn; i++)
    if (v->n[i].is_dir)
      err = vw_dir (fs, v, i);
  if (err && errbuf && errlen)
    snprintf (errbuf, errlen, "walking the recovered file system: %s",
              strerror (-err));
  return err;
}

void
ck_view_free (struct ck_view *v)
{
  for (size_t i = 0; i < v->nn; i++)
    free (v->n[i].path);
  for (size_t i = 0; i < v->ne; i++)
    free (v->e[i].name);
  free (v->n);
  free (v->e);
  ck_map_free (&v->ids);
  memset (v, 0, sizeof *v);
}

int
ck_view_add_node (struct ck_view *v, struct ck_id id,
                  const struct fpfs_stat *st, const char *path, uint32_t *node)
{
  return vw_node (v, id, st, path, node);
}

int
ck_view_set_entries (struct ck_view *v, uint32_t dir, size_t n,
                     const char *const *names, const uint32_t *nodes)
{
  v->n[dir].ent0 = v->ne;
  for (size_t i = 0; i < n; i++) {
    if (vw_grow ((void **) &v->e, &v->cape, v->ne, sizeof *v->e))
      return -ENOMEM;
    char *name = strdup (names[i]);
    if (!name)
      return -ENOMEM;
    v->e[v->ne++] = (struct ck_vent) { name, nodes[i], 0 };
  }
  v->n[dir].nent = n;
  return 0;
}

const struct ck_vnode *
ck_view_find (const struct ck_view *v, struct ck_id id)
{
  uint64_t idx;

  return ck_map_get (&v->ids, id.ino, id.gen, &idx) ? &v->n[idx] : NULL;
}

const struct ck_vent *
ck_view_entry (const struct ck_view *v, const struct ck_vnode *d,
               const char *name)
{
  for (size_t i = d->ent0; d->is_dir && i < d->ent0 + d->nent; i++)
    if (strcmp (v->e[i].name, name) == 0)
      return &v->e[i];
  return NULL;
}

const struct ck_vnode *
ck_view_lookup (const struct ck_view *v, const char *path)
{
  const struct ck_vnode *n = v->nn ? &v->n[0] : NULL;
  char comp[FPFS_NAME_MAX + 1];

  while (n && *path) {
    const struct ck_vent *e;
    size_t len;

    path += strspn (path, "/");
    len = strcspn (path, "/");
    if (len == 0)
      break;
    if (len > FPFS_NAME_MAX)
      return NULL;
    memcpy (comp, path, len);
    comp[len] = '\0';
    path += len;
    e = ck_view_entry (v, n, comp);
    n = e && e->node != CK_VIEW_NO_NODE ? &v->n[e->node] : NULL;
  }
  return n;
}
