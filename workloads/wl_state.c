/* wl_state: what a sync call covered, as oracle state objects.
 *
 * Metadata (identity, mode, nlink, times) and directory entries are
 * observed through the engine's stat/fstat/readdir, which change nothing;
 * file contents come from the model (wl_model.h), never from the engine's
 * page cache.  The two must agree on every file's size, else the run stops:
 * either the engine or the model is wrong, and the oracle would be too.
 * With verify_readback the file contents are also read back through the
 * engine and compared block by block (a test of the model and the engine's
 * read path; it adds reads to the run).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xxhash.h>

#include "wl_runner.h"

struct wl_ent {
  char *e_name;
  uint64_t e_ino;
};

struct wl_ents {
  struct wl_ent *v;
  size_t n, cap;
  bool oom;
};

static int
wl_ents_add (void *ctx, const struct fpfs_dirent *de)
{
  struct wl_ents *es = ctx;

  if (es->n == es->cap) {
    size_t cap = es->cap ? 2 * es->cap : 16;
    struct wl_ent *v = realloc (es->v, cap * sizeof *v);
    if (!v)
      goto oom;
    es->v = v;
    es->cap = cap;
  }
  es->v[es->n].e_name = strdup (de->name);
  if (!es->v[es->n].e_name)
    goto oom;
  es->v[es->n++].e_ino = de->ino;
  return 0;
oom:
  es->oom = true;
  return 1;                                      /* stops the walk */
}

static void
wl_ents_free (struct wl_ents *es)
{
  for (size_t i = 0; i < es->n; i++)
    free (es->v[i].e_name);
  free (es->v);
}

static char *
wl_join (const char *dir, const char *name)
{
  char *s;
  if (asprintf (&s, "%s/%s", strcmp (dir, "/") == 0 ? "" : dir, name) < 0)
    return NULL;
  return s;
}

/* The fields every state object has. */
static json_object *
wl_state_obj (const char *type, const char *path, const struct fpfs_stat *st)
{
  json_object *o = json_object_new_object ();
  wl_oracle_put_str (o, "type", type);
  wl_oracle_put_str (o, "path", path);
  wl_oracle_put_u64 (o, "ino", st->ino);
  wl_oracle_put_u64 (o, "gen", st->generation);
  wl_oracle_put_u64 (o, "mode", st->mode);
  wl_oracle_put_u64 (o, "nlink", st->nlink);
  return o;
}

static void
wl_state_times (json_object *o, const struct fpfs_stat *st)
{
  json_object_object_add (o, "mtime", wl_oracle_time (st->mtime.sec,
                                                      st->mtime.nsec));
  json_object_object_add (o, "ctime", wl_oracle_time (st->ctime.sec,
                                                      st->ctime.nsec));
}

static int
wl_state_check_model (struct wl_runner *r, const char *path,
                      const struct fpfs_stat *st, struct wl_mfile **out)
{
  int e = wl_model_get (&r->r_model, st->ino, st->generation, out);
  if (e < 0)
    return wl_runner_error (r, e, NULL, "out of memory");
  if ((*out)->f_size != st->size)
    return wl_runner_error (r, -EUCLEAN, NULL,
                            "%s: %s (ino %llu gen %u): the engine says size "
                            "%llu, the runner's model %llu", r->r_w->name,
                            path, (unsigned long long) st->ino,
                            st->generation, (unsigned long long) st->size,
                            (unsigned long long) (*out)->f_size);
  return 0;
}

int
wl_state_model_file (struct wl_runner *r, int fd, struct fpfs_stat *st,
                     struct wl_mfile **out)
{
  int e = WL_SYS (r, fstat, fd, st);

  *out = NULL;
  if (e < 0)
    return wl_runner_error (r, e, NULL, "%s: fstat of fd %d: %s",
                            r->r_w->name, fd, strerror (-e));
  if (!S_ISREG (st->mode))
    return 0;
  return wl_state_check_model (r, "(fd)", st, out);
}

/* Read path back through the engine and compare with the model. */
static int
wl_state_readback (struct wl_runner *r, const char *path,
                   const struct fpfs_stat *st, const struct wl_mfile *f)
{
  uint8_t want[WL_BLOCK], got[WL_BLOCK];
  struct fpfs_stat now;
  int fd = WL_SYS (r, open, path, O_RDONLY, 0);
  int e = 0;

  if (fd < 0)
    return 0;                        /* the name is gone: nothing to read */
  if (WL_SYS (r, fstat, fd, &now) < 0 || now.ino != st->ino
      || now.generation != st->generation)
    goto out;                        /* the name is another file now */
  for (uint64_t b = 0; b < wl_model_nblocks (f) && !e; b++) {
    size_t valid = wl_model_block (f, b, want);
    ssize_t n = WL_SYS (r, pread, fd, got, valid, b * WL_BLOCK);
    if (n != (ssize_t) valid || memcmp (want, got, valid) != 0)
      e = wl_runner_error (r, -EUCLEAN, NULL,
                           "%s: verify-readback: %s block %llu: %s",
                           r->r_w->name, path, (unsigned long long) b,
                           n < 0 ? strerror ((int) -n)
                           : n != (ssize_t) valid ? "short read"
                           : "the engine's bytes differ from the model's");
    r->r_res->readback_blocks++;
  }
out:
  WL_SYS (r, close, fd);
  return e;
}

/* The file's user.* and trusted.* attributes, sorted by name, as
 * [name, length, XXH3-64 hex] (ck_rules_extra.c judges them). */
static int
wl_xattr_cmp (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static int
wl_state_xattrs (struct wl_runner *r, const char *path, json_object *o)
{
  enum { LIST_MAX = 65536, NAMES_MAX = 4096 };
  char *names = malloc (LIST_MAX), *v = NULL;
  const char **sorted = NULL;
  size_t n = 0;
  ssize_t nl;
  int e = 0;
  json_object *list;

  if (!names)
    return wl_runner_error (r, -ENOMEM, NULL, "out of memory");
  nl = WL_SYS (r, listxattr, path, names, LIST_MAX);
  if (nl < 0) {
    e = nl == -EOPNOTSUPP ? 0 : wl_runner_error (r, (int) nl, NULL,
                                                 "%s: listxattr %s: %s",
                                                 r->r_w->name, path,
                                                 strerror ((int) -nl));
    goto out;
  }
  if (!(sorted = malloc (NAMES_MAX * sizeof *sorted))
      || !(v = malloc (WL_XATTR_MAX))) {
    e = wl_runner_error (r, -ENOMEM, NULL, "out of memory");
    goto out;
  }
  for (ssize_t k = 0; k < nl && n < NAMES_MAX;
       k += (ssize_t) strlen (names + k) + 1)
    if (strncmp (names + k, "user.", 5) == 0
        || strncmp (names + k, "trusted.", 8) == 0)
      sorted[n++] = names + k;
  qsort (sorted, n, sizeof *sorted, wl_xattr_cmp);
  list = json_object_new_array ();
  json_object_object_add (o, "xattrs", list);
  for (size_t k = 0; k < n; k++) {
    ssize_t len = WL_SYS (r, getxattr, path, sorted[k], v, WL_XATTR_MAX);
    char hex[17];
    if (len < 0) {
      e = wl_runner_error (r, (int) len, NULL, "%s: getxattr %s %s: %s",
                           r->r_w->name, path, sorted[k],
                           strerror ((int) -len));
      goto out;
    }
    json_object *x = json_object_new_array_ext (3);
    json_object_array_add (x, json_object_new_string (sorted[k]));
    json_object_array_add (x, json_object_new_uint64 ((uint64_t) len));
    wl_oracle_hex64 (XXH3_64bits (v, (size_t) len), hex);
    json_object_array_add (x, json_object_new_string (hex));
    json_object_array_add (list, x);
  }
out:
  free (names);
  free (sorted);
  free (v);
  return e;
}

static int
wl_state_file (struct wl_runner *r, const char *path,
               const struct fpfs_stat *st, const struct wl_mfile *f,
               json_object *arr)
{
  uint64_t nb = wl_model_nblocks (f), start = 0;

  do {
    uint64_t n = nb - start < r->r_chunk ? nb - start : r->r_chunk;
    json_object *o = wl_state_obj ("file", path, st);
    wl_oracle_put_u64 (o, "size", st->size);
    wl_state_times (o, st);
    wl_oracle_put_u64 (o, "block_start", start);
    json_object_object_add (o, "blocks", wl_oracle_blocks (f, start, n));
    /* Blocks whose writeback failed earlier (wl_doubt.h): this sync call
     * did not cover them, whatever it returned. */
    json_object *unknown = wl_doubt_json (&r->r_doubt, st->ino,
                                          st->generation, start, n);
    if (unknown)
      json_object_object_add (o, "unknown", unknown);
    json_object_array_add (arr, o);
    if (start == 0 && r->r_xattrs) {
      int e = wl_state_xattrs (r, path, o);
      if (e)
        return e;
    }
    start += n;
  } while (start < nb);
  return r->r_o->verify_readback ? wl_state_readback (r, path, st, f) : 0;
}

/* A symlink entry of directory dir: {"type":"symlink", ..., "target"},
 * appended to *links (created on first use). */
static int
wl_state_symlink (struct wl_runner *r, const char *dir, const char *name,
                  const struct fpfs_stat *st, json_object **links)
{
  char target[WL_PATH_MAX + 2];
  char *child = wl_join (dir, name);
  ssize_t n = child ? WL_SYS (r, readlink, child, target, sizeof target - 1)
                    : -ENOMEM;
  json_object *o;

  if (n < 0) {
    int e = wl_runner_error (r, (int) n, NULL, "%s: readlink %s: %s",
                             r->r_w->name, child ? child : name,
                             strerror ((int) -n));
    free (child);
    return e;
  }
  target[n] = '\0';
  o = wl_state_obj ("symlink", child, st);
  wl_state_times (o, st);
  wl_oracle_put_str (o, "target", target);
  if (!*links)
    *links = json_object_new_array ();
  json_object_array_add (*links, o);
  free (child);
  return 0;
}

/* Directory objects for path (which names st); entries in readdir order.
 * With ents non-NULL the entries are handed back for a walk. */
static int
wl_state_dir (struct wl_runner *r, const char *path,
              const struct fpfs_stat *st, json_object *arr,
              struct wl_ents *ents_out)
{
  struct wl_ents es = { 0 };
  json_object *o = NULL, *list = NULL, *links = NULL;
  size_t i = 0;
  int e = WL_SYS (r, readdir, path, wl_ents_add, &es);

  if (es.oom || e < 0) {
    e = es.oom ? wl_runner_error (r, -ENOMEM, NULL, "out of memory")
      : wl_runner_error (r, e, NULL, "%s: readdir %s: %s", r->r_w->name,
                         path, strerror (-e));
    goto out;
  }
  do {
    o = wl_state_obj ("dir", path, st);
    wl_state_times (o, st);
    wl_oracle_put_u64 (o, "entry_start", i);
    list = json_object_new_array ();
    for (size_t k = 0; k < r->r_chunk && i < es.n; k++, i++) {
      struct fpfs_stat cst;
      char *child = wl_join (path, es.v[i].e_name);
      e = child ? WL_SYS (r, stat, child, &cst) : -ENOMEM;
      free (child);
      if (e < 0) {
        e = wl_runner_error (r, e, NULL, "%s: stat %s/%s: %s", r->r_w->name,
                             path, es.v[i].e_name, strerror (-e));
        goto out;
      }
      if (S_ISLNK (cst.mode) && (e = wl_state_symlink (r, path,
                                                       es.v[i].e_name, &cst,
                                                       &links)) < 0)
        goto out;
      json_object *ent = json_object_new_array_ext (3);
      json_object_array_add (ent, json_object_new_string (es.v[i].e_name));
      json_object_array_add (ent, json_object_new_uint64 (cst.ino));
      json_object_array_add (ent, json_object_new_uint64 (cst.generation));
      json_object_array_add (list, ent);
    }
    json_object_object_add (o, "entries", list);
    list = NULL;
    json_object_array_add (arr, o);
    o = NULL;
    /* The symlinks among these entries, after their directory. */
    for (size_t k = 0; links && k < json_object_array_length (links); k++)
      json_object_array_add (arr, json_object_get (
                                    json_object_array_get_idx (links, k)));
    json_object_put (links);
    links = NULL;
  } while (i < es.n);
out:
  json_object_put (links);
  json_object_put (list);
  json_object_put (o);
  if (ents_out && e == 0)
    *ents_out = es;
  else
    wl_ents_free (&es);
  return e;
}

int
wl_state_fd (struct wl_runner *r, int fd, const char *path, json_object *arr)
{
  struct fpfs_stat st, pst;
  struct wl_mfile *f;
  int e = wl_state_model_file (r, fd, &st, &f);
  bool current;

  if (e < 0)
    return e;
  /* Does the path still name this inode?  (A handle keeps the path it was
   * opened with across renames and unlinks.) */
  current = WL_SYS (r, stat, path, &pst) == 0 && pst.ino == st.ino
            && pst.generation == st.generation;
  if (f) {
    size_t before = json_object_array_length (arr);
    e = wl_state_file (r, path, &st, f, arr);
    for (size_t i = before; !current && i < json_object_array_length (arr);
         i++)
      json_object_object_add (json_object_array_get_idx (arr, i),
                              "stale_path", json_object_new_boolean (1));
    return e;
  }
  if (S_ISDIR (st.mode) && current)
    return wl_state_dir (r, path, &st, arr, NULL);
  /* A directory known only by a stale path: identity and times, no
   * entries (the checker can still check what it has). */
  json_object *o = wl_state_obj (S_ISDIR (st.mode) ? "dir" : "other", path,
                                 &st);
  wl_state_times (o, &st);
  json_object_object_add (o, "stale_path", json_object_new_boolean (1));
  json_object_array_add (arr, o);
  return 0;
}

struct wl_seen {
  uint64_t *v;                   /* ino, gen pairs */
  size_t n, cap;
};

static bool
wl_seen_add (struct wl_seen *s, uint64_t ino, uint32_t gen, int *e)
{
  for (size_t i = 0; i < s->n; i += 2)
    if (s->v[i] == ino && s->v[i + 1] == gen)
      return false;
  if (s->n + 2 > s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 64;
    uint64_t *v = realloc (s->v, cap * sizeof *v);
    if (!v) {
      *e = -ENOMEM;
      return false;
    }
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = ino;
  s->v[s->n++] = gen;
  return true;
}

/* Depth first, in readdir order; a file with several names appears once,
 * under the first name met. */
static int
wl_state_walk (struct wl_runner *r, const char *path,
               const struct fpfs_stat *st, struct wl_seen *seen,
               json_object *arr)
{
  struct wl_ents es = { 0 };
  int e = wl_state_dir (r, path, st, arr, &es);

  for (size_t i = 0; i < es.n && !e; i++) {
    struct fpfs_stat cst;
    struct wl_mfile *f;
    char *child = wl_join (path, es.v[i].e_name);
    if (!child) {
      e = wl_runner_error (r, -ENOMEM, NULL, "out of memory");
      break;
    }
    e = WL_SYS (r, stat, child, &cst);
    if (e < 0)
      e = wl_runner_error (r, e, NULL, "%s: stat %s: %s", r->r_w->name,
                           child, strerror (-e));
    else if (S_ISDIR (cst.mode))
      e = wl_state_walk (r, child, &cst, seen, arr);
    else if (S_ISREG (cst.mode) && wl_seen_add (seen, cst.ino,
                                                cst.generation, &e)) {
      e = wl_state_check_model (r, child, &cst, &f);
      if (!e)
        e = wl_state_file (r, child, &cst, f, arr);
    } else if (e == -ENOMEM)
      e = wl_runner_error (r, e, NULL, "out of memory");
    free (child);
  }
  wl_ents_free (&es);
  return e;
}

int
wl_state_tree (struct wl_runner *r, json_object *arr)
{
  struct wl_seen seen = { 0 };
  struct fpfs_stat st;
  int e = WL_SYS (r, stat, "/", &st);

  if (e < 0)
    return wl_runner_error (r, e, NULL, "%s: stat /: %s", r->r_w->name,
                            strerror (-e));
  e = wl_state_walk (r, "/", &st, &seen, arr);
  free (seen.v);
  return e;
}
