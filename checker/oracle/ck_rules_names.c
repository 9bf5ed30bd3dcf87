/* ck_rules_names: the name rules of ck_rules.h -- a synced entry names the
 * synced inode or what a later op put there, is absent only if a later op
 * removed it (so rename-over is atomic), and a synced directory grows no
 * names nobody made. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ck_rules_int.h"

/* What entry `name` of directory node d names in the recovered state:
 * an identity, or CK_ID_NONE. */
static struct ck_id
rn_got (struct rl *r, const struct ck_vnode *d, const char *name)
{
  const struct ck_vent *e = d ? ck_view_entry (r->v, d, name) : NULL;

  /* An entry whose inode cannot be read counts as no entry here; the
   * fsck rule below reports it. */
  if (!e || e->node == CK_VIEW_NO_NODE)
    return CK_ID_NONE;
  return r->v->n[e->node].id;
}

/* Is `got` what the entry may name, given it named `want` at A?  *replaced
 * tells whether a later op put another inode there. */
static bool
rn_ok (struct rl *r, const struct ck_dirent *d, uint64_t A, struct ck_id want,
       struct ck_id got, bool *replaced)
{
  bool ok = ck_id_eq (got, want), none_ok = false;

  *replaced = false;
  for (size_t i = 0; d && i < d->n; i++) {
    if (d->v[i].seq <= A || d->v[i].seq > r->E)
      continue;
    if (ck_id_eq (d->v[i].target, CK_ID_NONE))
      none_ok = true;
    else {
      *replaced |= !ck_id_eq (d->v[i].target, want);
      ok |= ck_id_eq (d->v[i].target, got);
    }
  }
  return ok || (none_ok && ck_id_eq (got, CK_ID_NONE));
}

static void
rn_split (const char *path, char *parent, size_t plen, const char **name)
{
  const char *slash = strrchr (path, '/');

  if (slash == NULL) {           /* a mark's path without '/' (a crafted
                                    log, found by fuzz_check): as if at / */
    *name = path;
    snprintf (parent, plen, "/");
    return;
  }
  *name = slash + 1;
  snprintf (parent, plen, "%.*s", slash == path ? 1 : (int) (slash - path),
            path);
}

/* One entry (dir node dn, name) that named `want` at the promise p. */
static int
rn_entry (struct rl *r, const struct ck_vnode *dn, struct ck_id dir_id,
          const char *path, const char *name, struct ck_id want,
          const struct rl_promise *p, bool promised)
{
  const struct ck_dirent *d = ck_model_dirent (r->m, dir_id, name);
  struct ck_id got = rn_got (r, dn, name);
  bool replaced;

  if (rn_ok (r, d, ck_rl_after (p), want, got, &replaced)) {
    ck_result_held (r->res, CK_P_DIRENT);
    return 0;
  }
  const struct ck_mfile *f = ck_model_file (r->m, want);
  /* Without a journal a rename over the name is not atomic across a
   * crash: ext4_rename() dirties the directory block and the replaced
   * inode's table block and bitmaps as separate buffers (no handle:
   * __ext4_handle_dirty_metadata() falls back to mark_buffer_dirty(),
   * fs/ext4/ext4_jbd2.c), written back in any order, so the old inode
   * may be freed on disk while the block still names it; e2fsck then
   * clears the entry.  Lost, not a broken promise (CHECKER.md). */
  bool unatomic = replaced && r->ro->fsck_allowed;
  if (ck_id_eq (got, CK_ID_NONE))
    return ck_rl_find (r, CK_P_DIRENT, promised && !unatomic, path,
                       CK_NO_BLOCK, p, f, d,
                       "%s is gone%s; it named inode %" PRIu64 " (gen %u) "
                       "when op %zu (`%s`) returned%s", path,
                       dn ? "" : " with its directory", want.ino, want.gen,
                       p->op->index, p->op->wop->text, !replaced ? ""
                       : unatomic ? ", and without a journal a rename over "
                         "it is not atomic across a crash (allowed)"
                       : ", and a rename over it must leave the old or the "
                         "new file, never nothing");
  return ck_rl_find (r, CK_P_DIRENT, promised, path, CK_NO_BLOCK, p, f, d,
                     "%s names inode %" PRIu64 " (gen %u), but op %zu (`%s`) "
                     "saw inode %" PRIu64 " (gen %u) there, and no later op "
                     "put that one there", path, got.ino, got.gen,
                     p->op->index, p->op->wop->text, want.ino, want.gen);
}

/* A file's (or directory's) own name, as its sync object gives it. */
static int
rn_own (struct rl *r, const struct rl_rec *rec, const struct rl_promise *p,
        bool promised)
{
  const char *path = ck_json_str (p->obj, "path"), *name;
  const struct ck_vnode *dn;
  char parent[4096];

  if (!path || strcmp (path, "/") == 0)
    return 0;
  rn_split (path, parent, sizeof parent, &name);
  dn = ck_view_lookup (r->v, parent);
  return rn_entry (r, dn, dn ? dn->id : CK_ID_NONE, path, name, rec->id, p,
                   promised);
}

/* A synced directory's entries: each as the sync saw it, and no others. */
static int
rn_dir (struct rl *r, const struct rl_rec *rec)
{
  const struct rl_promise *p = &rec->ents;
  const struct ck_vnode *dn = ck_view_find (r->v, rec->id);
  const char *dpath = ck_json_str (p->obj, "path");
  struct ck_map seen = { 0 };
  int err = 0;

  if (!dn)
    return 0;    /* the directory itself is gone: its own name says so */
  for (size_t k = 0; !err && k < p->op->nobjs; k++) {
    const struct ck_op_obj *x = &p->op->objs[k];
    json_object *ents;
    uint64_t ino, gen;
    /* Objects of one directory (a big one comes in slices) share its
     * identity; the root is CK_ROOT whatever its inode number. */
    struct ck_id oid = x->path && strcmp (x->path, "/") == 0 ? CK_ROOT
                       : (struct ck_id) { x->ino, (uint32_t) x->gen };
    if (!x->dir || !ck_id_eq (oid, rec->id) ||
        !json_object_object_get_ex (x->obj, "entries", &ents))
      continue;
    for (size_t i = 0; !err && i < json_object_array_length (ents); i++) {
      json_object *e = json_object_array_get_idx (ents, i);
      const char *name = json_object_get_string (json_object_array_get_idx (e, 0));
      char *path;
      ino = json_object_get_uint64 (json_object_array_get_idx (e, 1));
      gen = json_object_get_uint64 (json_object_array_get_idx (e, 2));
      if (!name || ck_map_put (&seen, XXH3_64bits (name, strlen (name)), 0, 1)
          || asprintf (&path, "%s/%s", strcmp (dpath, "/") ? dpath : "",
                       name) < 0) {
        err = -ENOMEM;
        break;
      }
      err = rn_entry (r, dn, rec->id, path, name,
                      (struct ck_id) { ino, (uint32_t) gen }, p,
                      rec->ents_promised);
      free (path);
    }
  }
  /* Names the sync did not see must come from an op since. */
  for (size_t i = dn->ent0; !err && i < dn->ent0 + dn->nent; i++) {
    const struct ck_vent *e = &r->v->e[i];
    uint64_t one;
    if (ck_map_get (&seen, XXH3_64bits (e->name, strlen (e->name)), 0, &one))
      continue;
    const struct ck_dirent *d = ck_model_dirent (r->m, rec->id, e->name);
    struct ck_id got = rn_got (r, dn, e->name);
    bool replaced;
    if (rn_ok (r, d, ck_rl_after (p), CK_ID_NONE, got, &replaced)) {
      ck_result_held (r->res, CK_P_DIRENT);
      continue;
    }
    char *path;
    if (asprintf (&path, "%s/%s", strcmp (dpath, "/") ? dpath : "",
                  e->name) < 0) {
      err = -ENOMEM;
      break;
    }
    err = ck_rl_find (r, CK_P_DIRENT, rec->ents_promised, path, CK_NO_BLOCK,
                      p, NULL, d,
                      "%s (inode %" PRIu64 ") is there, but op %zu (`%s`) "
                      "saw no such entry and no later op made it", path,
                      got.ino, p->op->index, p->op->wop->text);
    free (path);
  }
  ck_map_free (&seen);
  return err;
}

/* Entries that name an inode stat cannot read: a damaged tree. */
static int
rn_dangling (struct rl *r)
{
  int err = 0;

  for (size_t i = 0; i < r->v->nn && !err; i++) {
    const struct ck_vnode *d = &r->v->n[i];
    for (size_t k = d->ent0; d->is_dir && k < d->ent0 + d->nent && !err; k++) {
      const struct ck_vent *e = &r->v->e[k];
      char *path;
      if (e->node != CK_VIEW_NO_NODE)
        continue;
      if (asprintf (&path, "%s/%s", strcmp (d->path, "/") ? d->path : "",
                    e->name) < 0)
        return -ENOMEM;
      err = ck_result_add (r->res, CK_P_FSCK, !r->ro->fsck_allowed, path,
                           CK_NO_OP, NULL, "the entry is there, but its "
                           "inode cannot be read: %s", e->err
                           ? strerror (-e->err) : "too many inodes to walk");
      free (path);
    }
  }
  return err;
}

int
ck_rl_names (struct rl *r)
{
  int err = rn_dangling (r);

  for (size_t i = 0; i < r->nrec && !err; i++) {
    const struct rl_rec *rec = &r->recs[i];
    if (rec->name.op)
      err = rn_own (r, rec, &rec->name, true);
    else if (rec->name_info.op)
      err = rn_own (r, rec, &rec->name_info, false);
    if (!err && rec->is_dir && rec->ents.op)
      err = rn_dir (r, rec);
  }
  return err;
}
