/* ck_rules_extra: the promises about what is not a regular file's bytes,
 * read from the recovered file system through its wl_fs table:
 *
 *   symlink target (property "data": a symlink's target is its data)
 *       A sync's state object of type "symlink" carries the target
 *       readlink(2) gave then.  The recovered inode of that identity must
 *       give the same; a symlink's target never changes after symlink(2).
 *       Promised by what promises the symlink's metadata (fsync of its
 *       directory -- ext4_sync_file forces a commit for every non-regular
 *       inode -- and sync); under data=writeback and nojournal a wrong
 *       target is "lost", as stale data is there: Linux 4.10 writes a slow
 *       symlink's block through the page cache (page_symlink), which those
 *       modes do not order before the commit.
 *   extended attributes (property "xattr")
 *       A file's state object lists its user.* and trusted.* attributes
 *       ("xattrs": [name, length, XXH3-64 of the value], by name) when the
 *       workload sets any.  The recovered file must hold exactly those,
 *       except attributes an op set or removed after the sync (any value,
 *       or none, is then allowed).  Promised by fsync, O_SYNC and sync
 *       (ext4_xattr_set_handle journals the change and ext4_sync_file
 *       commits the inode's i_sync_tid); fdatasync and O_DSYNC promise
 *       nothing about them (an xattr change dirties the inode with
 *       I_DIRTY_SYNC, not I_DIRTY_DATASYNC: fdatasync(2), "does not flush
 *       modified metadata unless that metadata is needed in order to allow
 *       a subsequent data retrieval") -- checked all the same and "lost"
 *       when they did not survive, so the matrix shows the difference.
 *       Under nojournal an xattr area that cannot be read (EUCLEAN, EIO:
 *       the inode reached the disk before its new block) is lost too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "ck_rules_int.h"

#define RL_XATTR_LIST_MAX 65536u

static bool
rl_xattr_judged (const char *name)
{
  return strncmp (name, "user.", 5) == 0 || strncmp (name, "trusted.", 8) == 0;
}

static int
rl_target (struct rl *r, const struct ck_vnode *n, const struct rl_promise *p,
           bool promised)
{
  const char *want = NULL;
  json_object *t;
  char got[4097];
  ssize_t len;

  if (!json_object_object_get_ex (p->obj, "target", &t) ||
      !(want = json_object_get_string (t)))
    return 0;
  if (!S_ISLNK (n->st.mode))
    return ck_rl_find (r, CK_P_DATA, promised, n->path, CK_NO_BLOCK, p, NULL,
                       NULL, "mode %o, but op %zu (`%s`) made a symlink of "
                       "this inode durable", n->st.mode, p->op->index,
                       p->op->wop->text);
  len = r->rd->fs->ops->readlink (r->rd->fs->ctx, n->path, got,
                                  sizeof got - 1);
  if (len >= 0)
    got[len] = '\0';
  if (len >= 0 && strcmp (got, want) == 0) {
    ck_result_held (r->res, CK_P_DATA);
    return 0;
  }
  return ck_rl_find (r, CK_P_DATA, promised && !r->ro->stale_allowed,
                     n->path, CK_NO_BLOCK, p, NULL, NULL,
                     "symlink target %s%.200s%s, but op %zu (`%s`) made "
                     "\"%.200s\" durable", len < 0 ? "unreadable: " : "\"",
                     len < 0 ? strerror ((int) -len) : got,
                     len < 0 ? "" : "\"", p->op->index, p->op->wop->text,
                     want);
}

/* Does the recovered value of name match the promised [name, len, hash]? */
static int
rl_xattr_one (struct rl *r, const struct ck_vnode *n, const char *name,
              uint64_t len, const char *hex, char *why, size_t whylen,
              bool *damaged)
{
  uint8_t *v = malloc (len ? len : 1);
  ssize_t got;
  char h[17];

  if (!v)
    return -ENOMEM;
  got = r->rd->fs->ops->getxattr (r->rd->fs->ctx, n->path, name, v, len);
  if (got == -ERANGE || (got >= 0 && (uint64_t) got != len))
    snprintf (why, whylen, "%s has another length", name);
  else if (got < 0) {
    snprintf (why, whylen, "%s is %s", name, got == -ENODATA ? "missing"
              : strerror ((int) -got));
    *damaged = got == -EUCLEAN || got == -EIO;
  }
  else {
    snprintf (h, sizeof h, "%016" PRIx64, XXH3_64bits (v, len));
    if (strcmp (h, hex) != 0)
      snprintf (why, whylen, "%s holds another value", name);
  }
  free (v);
  return 0;
}

static int
rl_xattrs (struct rl *r, const struct ck_vnode *n, const struct rl_promise *p,
           const struct ck_mfile *f, bool promised)
{
  uint64_t A = ck_rl_after (p);
  json_object *list;
  char *names = NULL, why[512] = "";
  bool damaged = false;
  ssize_t nl;
  int err = 0;

  if (!json_object_object_get_ex (p->obj, "xattrs", &list))
    return 0;
  /* Every promised attribute, unless an op touched it since. */
  for (size_t i = 0; i < json_object_array_length (list) && !why[0]; i++) {
    json_object *x = json_object_array_get_idx (list, i);
    const char *name = json_object_get_string (json_object_array_get_idx (x, 0));
    uint64_t len = json_object_get_uint64 (json_object_array_get_idx (x, 1));
    const char *hex = json_object_get_string (json_object_array_get_idx (x, 2));
    if (!name || !hex)
      continue;
    if (ck_rl_event_set (r, f, CK_EV_XATTR, A, ck_xattr_key (name)))
      continue;
    if ((err = rl_xattr_one (r, n, name, len, hex, why, sizeof why,
                             &damaged)) < 0)
      return err;
  }
  /* No attribute the sync did not see, unless an op set it since. */
  if (!why[0] && !(names = malloc (RL_XATTR_LIST_MAX)))
    return -ENOMEM;
  nl = why[0] ? 0 : r->rd->fs->ops->listxattr (r->rd->fs->ctx, n->path,
                                               names, RL_XATTR_LIST_MAX);
  if (nl < 0) {
    snprintf (why, sizeof why, "listing them: %s", strerror ((int) -nl));
    damaged = nl == -EUCLEAN || nl == -EIO;
  }
  for (ssize_t o = 0; o < nl && !why[0]; o += (ssize_t) strlen (names + o) + 1) {
    const char *name = names + o;
    bool seen = false;
    if (!rl_xattr_judged (name) ||
        ck_rl_event_set (r, f, CK_EV_XATTR, A, ck_xattr_key (name)))
      continue;
    for (size_t i = 0; i < json_object_array_length (list) && !seen; i++) {
      json_object *x = json_object_array_get_idx (list, i);
      const char *pn = json_object_get_string (json_object_array_get_idx (x, 0));
      seen = pn && strcmp (pn, name) == 0;
    }
    if (!seen)
      snprintf (why, sizeof why, "%.255s is there, the sync did not see it",
                name);
  }
  free (names);
  if (!why[0]) {
    ck_result_held (r->res, CK_P_XATTR);
    return 0;
  }
  /* Without a journal the inode and its xattr block are separate dirty
   * buffers that writeback sends in any order (ext4_xattr_block_set with
   * no handle: mark_buffer_dirty): a crash between them leaves an inode
   * pointing at an unwritten block, which e2fsck repairs.  That is lost,
   * as fsck damage is there, not a broken promise. */
  if (damaged && r->ro->fsck_allowed)
    promised = false;
  return ck_rl_find (r, CK_P_XATTR, promised, n->path, CK_NO_BLOCK, p, f,
                     NULL, "extended attributes: %s, but op %zu (`%s`) %s",
                     why, p->op->index, p->op->wop->text,
                     promised ? "made them durable"
                     : "saw them (not a promise)");
}

int
ck_rl_extras (struct rl *r)
{
  int err = 0;

  if (!r->rd || !r->rd->fs)
    return 0;
  for (size_t i = 0; i < r->nrec && !err; i++) {
    const struct rl_rec *rec = &r->recs[i];
    const struct ck_vnode *n = ck_view_find (r->v, rec->id);
    const struct ck_mfile *f = ck_model_file (r->m, rec->id);

    if (!n)
      continue;                  /* gone: the name rules judge that */
    if (rec->meta.op) {
      err = rl_target (r, n, &rec->meta, true);
      if (!err)
        err = rl_xattrs (r, n, &rec->meta, f, true);
    }
    if (!err && rec->meta_info.op) {
      err = rl_target (r, n, &rec->meta_info, false);
      if (!err)
        err = rl_xattrs (r, n, &rec->meta_info, f, false);
    }
  }
  return err;
}
