/* ck_model_ops: replay the oracle's ops into the model (ck_model.h).
 *
 * What each op does to the model (only ops that returned success; a
 * failed op changed nothing the checker can know):
 *   creat, open   identity from the effect; a path the model did not know
 *                 becomes a new entry (nlink 1); O_TRUNC (always for
 *                 creat) empties a non-empty file
 *   mkdir         a new directory entry (nlink 2)
 *   write, pwrite, append, truncate
 *                 content, size, mtime and ctime of the identity in the
 *                 effect (ck_md_write, ck_md_truncate)
 *   unlink, rmdir the entry goes; the file's nlink drops
 *   rename A B    B names what A named (the effect's identity), A goes,
 *                 what B named before loses a link; a directory's
 *                 descendants move with it
 *   link A B      B names A's file; nlink from the effect (linkat FILE B
 *                 the same, for the file open as FILE)
 *   rename exchange  A and B swap (mo_exchange); rename whiteout  as
 *                 rename, then A names the new whiteout
 *   chmod, utimes mode / times of what the path names
 *   symlink, mknod a new entry (nlink 1), as creat
 *   fallocate     contents, size and times as wl_model_fallocate says
 *   setxattr, removexattr  ctime (the values are checked by the xattr
 *                 rule from the sync's state objects)
 *   read, sync_file_range, drop_caches  nothing: they change no file
 * A sync's state objects then refresh mode, nlink and size (they are the
 * engine's own answer at that moment) and are checked against the model's
 * content.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "ck_model_int.h"

static int
mo_ident (struct ck_model *m, const struct ck_op *op, struct ck_id *id)
{
  uint64_t ino, gen;

  if (ck_json_u64 (op->effect, "ino", &ino) < 0 ||
      ck_json_u64 (op->effect, "gen", &gen) < 0)
    return ck_md_fail (m, -EBADMSG, "op %zu (%s): after-mark without the "
                       "inode identity of its effect", op->index,
                       op->wop->text);
  *id = (struct ck_id) { ino, (uint32_t) gen };
  return 0;
}

static int
mo_created (struct ck_model *m, const struct ck_op *op, const char *path,
            struct ck_id id, bool is_dir)
{
  struct ck_mfile *f = ck_md_file (m, id, is_dir, true);
  struct ck_id old;
  int err = 0;

  if (!f)
    return -ENOMEM;
  if (ck_md_lookup (m, path, &old) && ck_id_eq (old, id))
    return 0;                            /* opened, not created */
  f->cur_nlink = is_dir ? 2 : 1;
  err = ck_md_name_set (m, path, id);
  if (!err)
    err = ck_md_dirent_set (m, op, path, id);
  if (!err)
    err = ck_md_event (f, op, CK_EV_NAME, 1);
  if (!err)
    err = ck_md_event (f, op, CK_EV_NLINK, (int64_t) f->cur_nlink);
  if (!err)
    err = ck_md_event (f, op, CK_EV_CTIME, 0);
  return err;
}

/* One link of f goes away (unlink, rmdir, replaced by a rename). */
static int
mo_unlinked (struct ck_mfile *f, const struct ck_op *op)
{
  int err;

  f->cur_nlink = f->is_dir || f->cur_nlink == 0 ? 0 : f->cur_nlink - 1;
  err = ck_md_event (f, op, CK_EV_NAME, -1);
  if (!err)
    err = ck_md_event (f, op, CK_EV_NLINK, (int64_t) f->cur_nlink);
  if (!err)
    err = ck_md_event (f, op, CK_EV_CTIME, 0);
  return err;
}

static int
mo_removed (struct ck_model *m, const struct ck_op *op, const char *path)
{
  struct ck_name *n = ck_md_name (m, path);
  struct ck_mfile *f;
  int err;

  if (!n)
    return 0;                            /* never known: nothing to move */
  n->present = false;
  err = ck_md_dirent_set (m, op, path, CK_ID_NONE);
  f = ck_md_file (m, n->id, false, false);
  if (!err && f)
    err = mo_unlinked (f, op);
  return err;
}

static int
mo_rename (struct ck_model *m, const struct ck_op *op)
{
  const char *a = op->wop->path, *b = op->wop->path2;
  size_t alen = strlen (a);
  struct ck_id id, old;
  struct ck_mfile *f, *of;
  struct ck_name *n;
  int err = mo_ident (m, op, &id);

  if (err)
    return err;
  if (strcmp (a, b) == 0)
    return 0;                            /* rename to itself: no change */
  f = ck_md_file (m, id, false, true);
  if (!f)
    return -ENOMEM;
  if (ck_md_lookup (m, b, &old) && !ck_id_eq (old, id) &&
      (of = ck_md_file (m, old, false, false)) != NULL &&
      (err = mo_unlinked (of, op)) < 0)
    return err;
  /* Descendants of a directory move with it. */
  for (size_t i = 0; f->is_dir && i < m->nnames; i++) {
    char *p = m->names[i].path, *np;
    if (!m->names[i].present || strncmp (p, a, alen) != 0 || p[alen] != '/')
      continue;
    if (asprintf (&np, "%s%s", b, p + alen) < 0)
      return -ENOMEM;
    m->names[i].present = false;
    err = ck_md_name_set (m, np, m->names[i].id);
    free (np);
    if (err)
      return err;
  }
  if ((n = ck_md_name (m, a)) != NULL)
    n->present = false;
  err = ck_md_name_set (m, b, id);
  if (!err)
    err = ck_md_dirent_set (m, op, a, CK_ID_NONE);
  if (!err)
    err = ck_md_dirent_set (m, op, b, id);
  if (!err)
    err = ck_md_event (f, op, CK_EV_NAME, 0);
  if (!err)
    err = ck_md_event (f, op, CK_EV_CTIME, 0);
  return err;
}

/* The second identity of an exchange or whiteout rename's effect: what
 * the old name names now. */
static int
mo_ident2 (struct ck_model *m, const struct ck_op *op, struct ck_id *id)
{
  uint64_t ino, gen;

  if (ck_json_u64 (op->effect, "ino2", &ino) < 0 ||
      ck_json_u64 (op->effect, "gen2", &gen) < 0)
    return ck_md_fail (m, -EBADMSG, "op %zu (%s): after-mark without the "
                       "identity its old name names now", op->index,
                       op->wop->text);
  *id = (struct ck_id) { ino, (uint32_t) gen };
  return 0;
}

/* rename A B exchange (renameat2 RENAME_EXCHANGE, ext4_cross_rename): A
 * and B swap what they name, with the descendants of directories among
 * them; nothing loses a link. */
static int
mo_exchange (struct ck_model *m, const struct ck_op *op)
{
  const char *a = op->wop->path, *b = op->wop->path2;
  size_t alen = strlen (a), blen = strlen (b), nmoved = 0;
  struct ck_id ida, idb;                 /* what A and B name now */
  struct { struct ck_id id; char *path; } *moved = NULL;
  struct ck_mfile *fa, *fb;
  int err;

  if ((err = mo_ident2 (m, op, &ida)) < 0 || (err = mo_ident (m, op, &idb)) < 0)
    return err;
  if (!(fa = ck_md_file (m, ida, false, true)) ||
      !(fb = ck_md_file (m, idb, false, true)))
    return -ENOMEM;
  /* Collect first, then move: a name under A goes under B and back. */
  if (m->nnames && !(moved = calloc (m->nnames, sizeof *moved)))
    return -ENOMEM;
  for (size_t i = 0; i < m->nnames && !err; i++) {
    const char *p = m->names[i].path;
    const char *from = NULL, *to = NULL;
    size_t flen = 0;
    if (!m->names[i].present)
      continue;
    if (strncmp (p, a, alen) == 0 && p[alen] == '/')
      from = a, to = b, flen = alen;
    else if (strncmp (p, b, blen) == 0 && p[blen] == '/')
      from = b, to = a, flen = blen;
    if (!from)
      continue;
    if (asprintf (&moved[nmoved].path, "%s%s", to, p + flen) < 0) {
      err = -ENOMEM;
      break;
    }
    moved[nmoved++].id = m->names[i].id;
    m->names[i].present = false;
  }
  for (size_t i = 0; i < nmoved && !err; i++)
    err = ck_md_name_set (m, moved[i].path, moved[i].id);
  for (size_t i = 0; i < nmoved; i++)
    free (moved[i].path);
  free (moved);
  if (!err)
    err = ck_md_name_set (m, a, ida);
  if (!err)
    err = ck_md_name_set (m, b, idb);
  if (!err)
    err = ck_md_dirent_set (m, op, a, ida);
  if (!err)
    err = ck_md_dirent_set (m, op, b, idb);
  for (int k = 0; k < 2 && !err; k++) {
    struct ck_mfile *f = ck_md_file (m, k ? idb : ida, false, false);
    err = ck_md_event (f, op, CK_EV_NAME, 0);
    if (!err)
      err = ck_md_event (f, op, CK_EV_CTIME, 0);
  }
  return err;
}

static int
mo_open (struct ck_model *m, const struct ck_op *op)
{
  const struct wl_op *w = op->wop;
  bool creat = w->kind == WL_OP_CREAT || (w->flags & O_CREAT);
  bool trunc = w->kind == WL_OP_CREAT || (w->flags & O_TRUNC);
  struct ck_mfile *f;
  struct ck_id id;
  int err = mo_ident (m, op, &id);

  if (err)
    return err;
  if (creat && (err = mo_created (m, op, w->path, id, false)) < 0)
    return err;
  f = ck_md_file (m, id, false, true);
  if (!f)
    return -ENOMEM;
  if (trunc && f->cur_size > 0)
    err = ck_md_truncate (m, f, op, 0);
  return err;
}

static int
mo_attr (struct ck_model *m, const struct ck_op *op)
{
  struct ck_mfile *f;
  struct ck_id id;
  int err;

  if (!ck_md_lookup (m, op->wop->path, &id) ||
      !(f = ck_md_file (m, id, false, false)))
    return 0;
  if (op->wop->kind == WL_OP_CHMOD) {
    f->cur_mode = (f->cur_mode & S_IFMT) | (op->wop->mode & 07777);
    err = ck_md_event (f, op, CK_EV_MODE, f->cur_mode);
  }
  else
    err = ck_md_event (f, op, CK_EV_MTIME, 1);
  if (!err)
    err = ck_md_event (f, op, CK_EV_CTIME, 0);
  return err;
}

static int
mo_apply (struct ck_model *m, const struct ck_op *op)
{
  const struct wl_op *w = op->wop;
  struct ck_mfile *f;
  struct ck_id id;
  uint64_t v;
  int err = 0;

  switch (w->kind) {
  case WL_OP_OPEN:
  case WL_OP_CREAT:
    return mo_open (m, op);
  case WL_OP_MKDIR:
    if ((err = mo_ident (m, op, &id)) < 0)
      return err;
    return mo_created (m, op, w->path, id, true);
  case WL_OP_UNLINK:
  case WL_OP_RMDIR:
    return mo_removed (m, op, w->path);
  case WL_OP_RENAME:
    if (w->opflags & 2)                  /* RENAME_EXCHANGE */
      return mo_exchange (m, op);
    if ((err = mo_rename (m, op)) < 0 || !(w->opflags & 4))
      return err;
    /* RENAME_WHITEOUT: the old name now names a new whiteout inode. */
    if ((err = mo_ident2 (m, op, &id)) < 0)
      return err;
    return mo_created (m, op, w->path, id, false);
  case WL_OP_LINK:
  case WL_OP_LINKAT:
    if ((err = mo_ident (m, op, &id)) < 0)
      return err;
    if (!(f = ck_md_file (m, id, false, true)))
      return -ENOMEM;
    if (ck_json_u64 (op->effect, "nlink", &v) == 0)
      f->cur_nlink = v;
    err = ck_md_name_set (m, w->path2, id);
    if (!err)
      err = ck_md_dirent_set (m, op, w->path2, id);
    if (!err)
      err = ck_md_event (f, op, CK_EV_NAME, 1);
    if (!err)
      err = ck_md_event (f, op, CK_EV_NLINK, (int64_t) f->cur_nlink);
    if (!err)
      err = ck_md_event (f, op, CK_EV_CTIME, 0);
    return err;
  case WL_OP_CHMOD:
  case WL_OP_UTIMES:
    return mo_attr (m, op);
  case WL_OP_SYMLINK:
  case WL_OP_MKNOD:
    if ((err = mo_ident (m, op, &id)) < 0)
      return err;
    return mo_created (m, op, w->path, id, false);
  case WL_OP_SETXATTR:
  case WL_OP_REMOVEXATTR:
    if ((err = mo_ident (m, op, &id)) < 0)
      return err;
    if (!(f = ck_md_file (m, id, false, true)))
      return -ENOMEM;
    if ((err = ck_md_event (f, op, CK_EV_XATTR,
                            ck_xattr_key (w->xname))) < 0)
      return err;
    return ck_md_event (f, op, CK_EV_CTIME, 0);
  case WL_OP_FALLOCATE:
    if (!op->effect)
      return 0;
    if ((err = mo_ident (m, op, &id)) < 0)
      return err;
    if (!(f = ck_md_file (m, id, false, true)))
      return -ENOMEM;
    return ck_md_fallocate (m, f, op);
  case WL_OP_WRITE:
  case WL_OP_PWRITE:
  case WL_OP_APPEND:
  case WL_OP_MWRITE:                     /* a store through a mapping */
  case WL_OP_TRUNCATE:
    if (!op->effect)
      return 0;                          /* wrote nothing the oracle saw */
    if ((err = mo_ident (m, op, &id)) < 0)
      return err;
    if (!(f = ck_md_file (m, id, false, true)))
      return -ENOMEM;
    if (w->kind != WL_OP_TRUNCATE)
      return ck_md_write (m, f, op);
    if (ck_json_u64 (op->effect, "size", &v) < 0)
      return ck_md_fail (m, -EBADMSG, "op %zu (%s): no size in its effect",
                         op->index, w->text);
    return ck_md_truncate (m, f, op, v);
  default:
    return 0;                            /* syncs, close, sleep, mark */
  }
}

/* Compare a file state object's block list with the model's content. */
static int
mo_check_file (struct ck_model *m, const struct ck_op *op, json_object *o,
               struct ck_mfile *f)
{
  json_object *list;
  struct wl_mfile *c = wl_model_find (&m->content, f->id.ino, f->id.gen);
  uint64_t b = 0, size = 0;
  uint8_t blk[4096];
  char hex[17];

  if (ck_json_u64 (o, "size", &size) == 0 && size != (c ? c->f_size : 0))
    return ck_md_fail (m, -EBADMSG, "op %zu (%s): the sync's state says %s "
                       "has %" PRIu64 " bytes, the checker's model %" PRIu64,
                       op->index, op->wop->text, ck_json_str (o, "path"),
                       size, c ? c->f_size : 0);
  if (!json_object_object_get_ex (o, "blocks", &list) ||
      ck_json_u64 (o, "block_start", &b) < 0)
    return 0;
  for (size_t i = 0; i < json_object_array_length (list); i++) {
    json_object *x = json_object_array_get_idx (list, i);
    if (json_object_is_type (x, json_type_int)) {
      for (uint64_t k = json_object_get_uint64 (x); k > 0; k--, b++)
        if (c && !wl_model_block_is_zero (c, b))
          goto bad;
      continue;
    }
    size_t valid = c ? wl_model_block (c, b, blk) : 0;
    snprintf (hex, sizeof hex, "%016" PRIx64, XXH3_64bits (blk, valid));
    if (!c || strcmp (hex, json_object_get_string (x)) != 0)
      goto bad;
    b++;
  }
  return 0;
 bad:
  return ck_md_fail (m, -EBADMSG, "op %zu (%s): block %" PRIu64 " of %s: "
                     "the sync's expected state disagrees with the checker's "
                     "model", op->index, op->wop->text, b,
                     ck_json_str (o, "path"));
}

static int
mo_sync (struct ck_model *m, const struct ck_op *op)
{
  for (size_t i = 0; i < json_object_array_length (op->state); i++) {
    json_object *o = json_object_array_get_idx (op->state, i);
    const char *type = ck_json_str (o, "type"), *path = ck_json_str (o, "path");
    uint64_t ino = 0, gen = 0, v;
    struct ck_id id;
    struct ck_mfile *f;
    int err;

    if (!type || !path || ck_json_u64 (o, "ino", &ino) < 0 ||
        ck_json_u64 (o, "gen", &gen) < 0)
      return ck_md_fail (m, -EBADMSG, "op %zu (%s): a state object without "
                         "type, path or identity", op->index, op->wop->text);
    id = strcmp (path, "/") == 0 ? CK_ROOT : (struct ck_id) { ino, (uint32_t) gen };
    f = ck_md_file (m, id, strcmp (type, "dir") == 0, true);
    if (!f)
      return -ENOMEM;
    if (ck_json_u64 (o, "mode", &v) == 0)
      f->cur_mode = (uint32_t) v;
    if (ck_json_u64 (o, "nlink", &v) == 0)
      f->cur_nlink = v;
    if (strcmp (type, "file") == 0 && (err = mo_check_file (m, op, o, f)) < 0)
      return err;
  }
  return 0;
}

int
ck_model_build (const struct ck_oracle *o, uint32_t sector_size,
                struct ck_model **out, char *errbuf, size_t errlen)
{
  static const uint8_t zero[4096];
  struct ck_model *m = calloc (1, sizeof *m);
  int err = 0;

  *out = NULL;
  if (!m)
    return -ENOMEM;
  m->ss = sector_size;
  m->spb = 4096 / sector_size;
  m->zero4k = XXH3_64bits (zero, 4096);
  m->zerosec = XXH3_64bits (zero, sector_size);
  m->err = errbuf;
  m->errlen = errlen;
  pthread_mutex_init (&m->idx_lock, NULL);
  if (!ck_md_file (m, CK_ROOT, true, true))
    err = -ENOMEM;
  for (size_t i = 0; i < o->nops && !err; i++) {
    const struct ck_op *op = &o->ops[i];
    if (op->before_seq == CK_NO_SEQ)
      break;
    if (op->after_seq == CK_NO_SEQ)
      continue;
    /* A failed O_SYNC write whose data reached the cache (an "uncertain"
     * effect) is a write all the same: its values may be on disk. */
    if ((op->ret >= 0 && !op->err[0]) || op->uncertain)
      err = mo_apply (m, op);
    if (!err && op->state)
      err = mo_sync (m, op);
  }
  wl_model_free (&m->content);
  memset (&m->content, 0, sizeof m->content);
  m->err = NULL;
  if (err) {
    if (err == -ENOMEM && errbuf && errlen)
      snprintf (errbuf, errlen, "model: out of memory");
    ck_model_free (m);
    return err;
  }
  *out = m;
  return 0;
}

void
ck_model_free (struct ck_model *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->nfiles; i++) {
    struct ck_mfile *f = &m->files[i];
    for (size_t k = 0; k < f->nhist; k++)
      free (f->hist[k].v);
    free (f->hist);
    free (f->ev);
    for (size_t k = 0; k < f->ncuts; k++)
      free (f->cuts[k].bytes);
    free (f->cuts);
    ck_map_free (&f->blocks);
  }
  for (size_t i = 0; i < m->ndents; i++) {
    free (m->dents[i].name);
    free (m->dents[i].v);
  }
  for (size_t i = 0; i < m->nnames; i++)
    free (m->names[i].path);
  wl_model_free (&m->content);
  ck_md_index_free (m);
  pthread_mutex_destroy (&m->idx_lock);
  ck_map_free (&m->ids);
  ck_map_free (&m->dmap);
  ck_map_free (&m->nmap);
  free (m->files);
  free (m->dents);
  free (m->names);
  free (m->sec);
  free (m);
}
