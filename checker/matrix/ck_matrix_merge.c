/* ck_matrix_merge: the shards of a matrix back into one result
 * (ck_matrix.h, `flushpoint merge`).
 *
 * Each shard's record is read twice: once for its header, which must
 * agree with the first shard's on everything but the shard index (so the
 * cell numbering, and the cells' names, mean the same in all), once for
 * its cells, each put in its slot of the whole matrix.  A slot filled
 * twice, a cell in a slot its shard does not own, or a slot left empty is
 * refused by name.  Nothing is written to out_dir before every record has
 * been read and found to fit.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck_matrix.h"
#include "ck_matrix_partial.h"

struct mg_shard {
  const char *dir;
  struct json_object *h;
  uint64_t index, count;
  size_t cells;                 /* read from its record */
  double seconds;
};

struct mg_ctx {
  struct ck_matrix_merged *m;
  struct mg_shard *sh;          /* all of them */
  size_t cur;                   /* the one being read */
  size_t *owner;                /* per slot: shard + 1, 0 empty */
  size_t *wl_owner;             /* per workload: the shard that named it */
};

static uint64_t
mg_u64 (struct json_object *h, const char *a, const char *b)
{
  struct json_object *v = NULL;

  if (!json_object_object_get_ex (h, a, &v))
    return 0;
  if (b && !json_object_object_get_ex (v, b, &v))
    return 0;
  return json_object_get_uint64 (v);
}

static int
mg_cell (void *ctx, struct json_object *j, size_t line, char *errbuf,
         size_t errlen)
{
  struct mg_ctx *x = ctx;
  struct ck_matrix_result *r = &x->m->r;
  struct mg_shard *s = &x->sh[x->cur];
  struct ck_cell c;
  uint64_t h;
  size_t w, p, col;
  int bug, err = ck_matrix_partial_cell_parse (j, &c, &h, errbuf, errlen);
  struct json_object *nv;
  const char *name;

  (void) line;
  if (err)
    return err;
  if (c.index >= r->ncells || c.index % s->count != s->index) {
    snprintf (errbuf, errlen, "cell %zu (%s) is not a cell of shard %"
              PRIu64 "/%" PRIu64, c.index, c.name, s->index, s->count);
    return -EINVAL;
  }
  ck_matrix_cell_decode (&x->m->o, c.index, &w, &p, &col, &bug);
  if (w != c.wl || p != c.persist || col != c.col || bug != c.bug) {
    snprintf (errbuf, errlen, "cell %zu (%s) is not the cell that number "
              "names", c.index, c.name);
    return -EINVAL;
  }
  if (x->owner[c.index]) {
    snprintf (errbuf, errlen, "cell %zu (%s) is also in %s", c.index,
              c.name, x->sh[x->owner[c.index] - 1].dir);
    return -EINVAL;
  }
  name = json_object_object_get_ex (j, "workload", &nv)
         ? json_object_get_string (nv) : "";
  if (!r->wl_names[w]) {
    if (!(r->wl_names[w] = strdup (name)))
      return -ENOMEM;
    r->wl_hash[w] = h;
    x->wl_owner[w] = x->cur;
  }
  else if (strcmp (r->wl_names[w], name) != 0 || r->wl_hash[w] != h) {
    snprintf (errbuf, errlen, "workload %s: its text differs from the one "
              "%s ran (content hash %016" PRIx64 " here, %016" PRIx64
              " there)", name, x->sh[x->wl_owner[w]].dir, h, r->wl_hash[w]);
    return -EINVAL;
  }
  r->cells[c.index] = c;
  x->owner[c.index] = x->cur + 1;
  s->cells++;
  return 0;
}

/* Read every header; all must describe one matrix, and the shards must
 * be 0..N-1 of one N, each once. */
static int
mg_headers (struct mg_shard *sh, size_t n, char *errbuf, size_t errlen)
{
  char path[4200], why[1024], msg[1024];
  uint64_t count;
  double secs;
  bool complete;
  off_t end;
  int err;

  for (size_t i = 0; i < n; i++) {
    snprintf (path, sizeof path, "%s/%s", sh[i].dir, CK_PARTIAL_FILE);
    err = ck_matrix_partial_read (path, &sh[i].h, NULL, NULL, &sh[i].seconds,
                                  &complete, &end, msg, sizeof msg);
    if (err) {
      snprintf (errbuf, errlen, "%s", msg);
      return err;
    }
    sh[i].index = mg_u64 (sh[i].h, "shard", "index");
    sh[i].count = mg_u64 (sh[i].h, "shard", "count");
    if (i && ck_matrix_partial_differ (sh[0].h, sh[i].h, sh[0].dir,
                                       sh[i].dir, why, sizeof why)) {
      snprintf (errbuf, errlen, "%s and %s are not shards of one matrix: %s",
                sh[0].dir, sh[i].dir, why);
      return -EINVAL;
    }
    (void) secs;
  }
  count = sh[0].count;
  for (size_t i = 0; i < n; i++) {
    if (sh[i].count != count || sh[i].index >= count) {
      snprintf (errbuf, errlen, "%s is shard %" PRIu64 "/%" PRIu64 " but %s "
                "is %" PRIu64 "/%" PRIu64 ": cut one way, with one N",
                sh[i].dir, sh[i].index, sh[i].count, sh[0].dir, sh[0].index,
                count);
      return -EINVAL;
    }
    for (size_t k = 0; k < i; k++)
      if (sh[k].index == sh[i].index) {
        snprintf (errbuf, errlen, "%s and %s are both shard %" PRIu64 "/%"
                  PRIu64, sh[k].dir, sh[i].dir, sh[i].index, count);
        return -EINVAL;
      }
  }
  if (n != count) {
    for (uint64_t want = 0; want < count; want++) {
      bool have = false;
      for (size_t i = 0; i < n; i++)
        have |= sh[i].index == want;
      if (!have) {
        snprintf (errbuf, errlen, "shard %" PRIu64 "/%" PRIu64 " is missing "
                  "(%zu of %" PRIu64 " shards given)", want, count, n, count);
        return -EINVAL;
      }
    }
  }
  return 0;
}

/* Copy src to dst (a hard link when both are on one file system). */
static int
mg_copy (const char *src, const char *dst, const char *from, const char *to)
{
  FILE *in, *out;
  char *buf = NULL;
  size_t len = 0, flen = from ? strlen (from) : 0;
  int err = 0;

  unlink (dst);
  if (!from && link (src, dst) == 0)
    return 0;
  if (!(in = fopen (src, "rb")))
    return errno == ENOENT ? 0 : -errno;   /* a pruned log: nothing */
  if (!(out = fopen (dst, "wb"))) {
    err = -errno;
    fclose (in);
    return err;
  }
  FILE *mem = open_memstream (&buf, &len);
  char chunk[65536];
  size_t n;
  while (mem && (n = fread (chunk, 1, sizeof chunk, in)) > 0)
    fwrite (chunk, 1, n, mem);
  if (!mem || ferror (in))
    err = -EIO;
  if (mem)
    fclose (mem);
  /* The page names the shard's logs: make it name the merged ones. */
  for (size_t i = 0; !err && i < len;) {
    char *hit = flen ? memmem (buf + i, len - i, from, flen) : NULL;
    size_t upto = hit ? (size_t) (hit - buf) : len;
    fwrite (buf + i, 1, upto - i, out);
    if (hit)
      fputs (to, out);
    i = hit ? upto + flen : len;
  }
  if (fclose (out) != 0 && !err)
    err = -errno;
  fclose (in);
  free (buf);
  return err;
}

static int
mg_mkdirs (const char *out_dir, char *errbuf, size_t errlen)
{
  static const char *const sub[] = { "", "/logs", "/cells" };
  char dir[4200];

  for (size_t i = 0; i < 3; i++) {
    snprintf (dir, sizeof dir, "%s%s", out_dir, sub[i]);
    if (mkdir (dir, 0777) < 0 && errno != EEXIST) {
      snprintf (errbuf, errlen, "%s: mkdir: %s", dir, strerror (errno));
      return -errno;
    }
  }
  return 0;
}

/* Logs and pages into out_dir; each cell's log named as there. */
static int
mg_files (struct ck_matrix_merged *m, struct mg_shard *sh, size_t *owner,
          char *errbuf, size_t errlen)
{
  char src[4600], dst[4600], from[4200], to[4200];
  int err = mg_mkdirs (m->o.out_dir, errbuf, errlen);

  for (size_t i = 0; i < m->r.ncells && !err; i++) {
    struct ck_cell *c = &m->r.cells[i];
    struct mg_shard *s = &sh[owner[i] - 1];
    struct json_object *v;
    const char *old = json_object_object_get_ex (s->h, "out_dir", &v)
                      ? json_object_get_string (v) : s->dir;
    snprintf (src, sizeof src, "%s/logs/%s.fpl", s->dir, c->name);
    snprintf (c->log, sizeof c->log, "%s/logs/%s.fpl", m->o.out_dir, c->name);
    c->log_removed = false;
    err = mg_copy (src, c->log, NULL, NULL);
    snprintf (src, sizeof src, "%s/cells/%s.html", s->dir, c->name);
    snprintf (dst, sizeof dst, "%s/cells/%s.html", m->o.out_dir, c->name);
    snprintf (from, sizeof from, "%s/logs/", old);
    snprintf (to, sizeof to, "%s/logs/", m->o.out_dir);
    if (!err)
      err = mg_copy (src, dst, from, to);
    if (err)
      snprintf (errbuf, errlen, "%s: copying %s: %s", m->o.out_dir, src,
                strerror (-err));
  }
  return err;
}

/* OUT/cells.jsonl: the whole matrix as one shard 0/1 (the first shard's
 * header, so the version is the shards'), so that OUT can be merged or
 * judged again like any run's directory. */
static int
mg_record (struct ck_matrix_merged *m, char *errbuf, size_t errlen)
{
  char path[4200];
  struct json_object *h, *s, *e;
  FILE *f;
  int err = 0;

  snprintf (path, sizeof path, "%s/%s", m->o.out_dir, CK_PARTIAL_FILE);
  s = json_object_new_object ();
  json_object_object_add (s, "index", json_object_new_uint64 (0));
  json_object_object_add (s, "count", json_object_new_uint64 (1));
  /* A copy: m->header holds the strings m->o points to. */
  h = json_tokener_parse (json_object_to_json_string_ext (m->header,
                                                          JSON_C_TO_STRING_PLAIN));
  if (!h) {
    json_object_put (s);
    return -ENOMEM;
  }
  json_object_object_add (h, "shard", s);
  json_object_object_add (h, "keep_logs", json_object_new_boolean (m->o.keep_logs));
  json_object_object_add (h, "out_dir", json_object_new_string (m->o.out_dir));
  if (!(f = fopen (path, "w"))) {
    err = -errno;
    snprintf (errbuf, errlen, "%s: %s", path, strerror (errno));
    json_object_put (h);
    return err;
  }
  fprintf (f, "%s\n", json_object_to_json_string_ext (h, JSON_C_TO_STRING_PLAIN));
  json_object_put (h);
  for (size_t i = 0; i < m->r.ncells; i++) {
    struct json_object *c = ck_matrix_partial_cell (&m->r, &m->r.cells[i]);
    fprintf (f, "%s\n", json_object_to_json_string_ext (c, JSON_C_TO_STRING_PLAIN));
    json_object_put (c);
  }
  e = json_object_new_object ();
  json_object_object_add (e, "kind", json_object_new_string ("end"));
  json_object_object_add (e, "seconds", json_object_new_double (m->r.seconds));
  fprintf (f, "%s\n", json_object_to_json_string_ext (e, JSON_C_TO_STRING_PLAIN));
  json_object_put (e);
  if (fclose (f) != 0) {
    err = -errno;
    snprintf (errbuf, errlen, "%s: %s", path, strerror (errno));
  }
  return err;
}

int
ck_matrix_merge (const char *out_dir, const char *const *dirs, size_t ndirs,
                 struct ck_matrix_merged *m, char *errbuf, size_t errlen)
{
  struct mg_shard *sh = calloc (ndirs ? ndirs : 1, sizeof *sh);
  struct mg_ctx x = { .m = m, .sh = sh };
  struct ck_matrix_result *r = &m->r;
  char path[4200], msg[1024];
  bool keep = true;
  int err = 0;

  memset (m, 0, sizeof *m);
  errbuf[0] = '\0';
  if (!sh)
    return -ENOMEM;
  for (size_t i = 0; i < ndirs; i++)
    sh[i].dir = dirs[i];
  err = ndirs ? mg_headers (sh, ndirs, errbuf, errlen) : -EINVAL;
  if (!ndirs)
    snprintf (errbuf, errlen, "no shard directories given");
  if (!err) {
    m->header = json_object_get (sh[0].h);
    err = ck_matrix_partial_opts (m->header, &m->o, &m->bugs, msg, sizeof msg);
    if (err)
      snprintf (errbuf, errlen, "%s/%s: %s", sh[0].dir, CK_PARTIAL_FILE, msg);
  }
  if (err)
    goto out;
  m->o.out_dir = out_dir;
  r->ncells = r->ncells_total = mg_u64 (m->header, "cells_total", NULL);
  if (r->ncells != ck_matrix_cell_count (&m->o)) {
    snprintf (errbuf, errlen, "%s: %zu cells, but its options make %zu",
              sh[0].dir, r->ncells, ck_matrix_cell_count (&m->o));
    err = -EINVAL;
    goto out;
  }
  r->nwl = m->o.nworkloads;
  r->cells = calloc (r->ncells + 1, sizeof *r->cells);
  r->wl_names = calloc (r->nwl + 1, sizeof *r->wl_names);
  r->wl_hash = calloc (r->nwl + 1, sizeof *r->wl_hash);
  x.owner = calloc (r->ncells + 1, sizeof *x.owner);
  x.wl_owner = calloc (r->nwl + 1, sizeof *x.wl_owner);
  if (!r->cells || !r->wl_names || !r->wl_hash || !x.owner || !x.wl_owner) {
    err = -ENOMEM;
    goto out;
  }
  for (x.cur = 0; x.cur < ndirs && !err; x.cur++) {
    struct json_object *h;
    double secs;
    bool complete;
    off_t end;
    snprintf (path, sizeof path, "%s/%s", sh[x.cur].dir, CK_PARTIAL_FILE);
    err = ck_matrix_partial_read (path, &h, mg_cell, &x, &secs, &complete,
                                  &end, errbuf, errlen);
    json_object_put (h);
    keep &= json_object_get_boolean (json_object_object_get (sh[x.cur].h,
                                                             "keep_logs"));
  }
  for (size_t i = 0; i < ndirs && !err; i++) {
    uint64_t n = sh[i].count, first = sh[i].index;
    size_t want = r->ncells > first ? (size_t) ((r->ncells - first - 1) / n + 1) : 0;
    if (sh[i].cells != want) {
      snprintf (errbuf, errlen, "%s: shard %" PRIu64 "/%" PRIu64 " is "
                "incomplete: %zu of %zu cells (finish it with the same "
                "command and --resume)", sh[i].dir, first, n, sh[i].cells,
                want);
      err = -EINVAL;
    }
    r->seconds += sh[i].seconds;
  }
  if (!err)
    err = mg_files (m, sh, x.owner, errbuf, errlen);
  if (err)
    goto out;
  for (size_t i = 0; i < r->ncells; i++) {
    r->states += r->cells[i].states;
    r->checked += r->cells[i].checked;
    r->failed_cells += r->cells[i].err != 0 && !r->cells[i].na;
  }
  m->o.keep_logs = keep;
  if (!keep)
    r->logs_pruned_bytes = ck_matrix_prune_logs (&m->o, r);
  err = mg_record (m, errbuf, errlen);
 out:
  if (err && !errbuf[0])
    snprintf (errbuf, errlen, "%s", strerror (-err));
  for (size_t i = 0; i < ndirs; i++)
    json_object_put (sh[i].h);
  free (sh);
  free (x.owner);
  free (x.wl_owner);
  return err;
}

void
ck_matrix_merged_free (struct ck_matrix_merged *m)
{
  ck_matrix_result_free (&m->r);
  free (m->bugs);
  json_object_put (m->header);
  memset (m, 0, sizeof *m);
}

int
ck_matrix_write_reports (FILE *out, bool text, const struct ck_matrix_opts *o,
                         const struct ck_matrix_result *r, char *errbuf,
                         size_t errlen)
{
  char path[4200];
  struct json_object *j;
  int err = 0;

  if (text)
    ck_matrix_text (out, o, r);
  j = ck_matrix_json (o, r);
  snprintf (path, sizeof path, "%s/matrix.json", o->out_dir);
  if (!j || json_object_to_file_ext (path, j, JSON_C_TO_STRING_PRETTY) < 0) {
    snprintf (errbuf, errlen, "%s: cannot write", path);
    err = -EIO;
  }
  json_object_put (j);
  if (ck_matrix_html (o, r, errbuf, errlen) < 0 && !err)
    err = -EIO;
  return err;
}
