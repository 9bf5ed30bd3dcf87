/* ck_matrix_partial: a matrix run's record, OUT/cells.jsonl (format and
 * rules in ck_matrix_partial.h).
 *
 * Every number is written as JSON's integer and every hash as 16 hex
 * digits, so a record read back gives the same struct ck_cell, field for
 * field, and the reports built from it are the same bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "ck_matrix_partial.h"

#ifndef FP_VERSION
#define FP_VERSION "unknown"
#endif

const char *
ck_matrix_version (void)
{
  return FP_VERSION;
}

/* ---- writing ---- */

static struct json_object *
mp_hex (uint64_t h)
{
  char buf[20];

  snprintf (buf, sizeof buf, "%016" PRIx64, h);
  return json_object_new_string (buf);
}

static struct json_object *
mp_states_json (const struct ck_states_opts *s)
{
  struct json_object *j = json_object_new_object ();

  json_object_object_add (j, "kinds", json_object_new_uint64 (s->kinds));
  json_object_object_add (j, "max_subset", json_object_new_uint64 (s->max_subset));
  json_object_object_add (j, "samples", json_object_new_uint64 (s->samples));
  json_object_object_add (j, "seed", json_object_new_uint64 (s->seed));
  json_object_object_add (j, "max_per_epoch", json_object_new_uint64 (s->max_per_epoch));
  json_object_object_add (j, "tears_per_write", json_object_new_uint64 (s->tears_per_write));
  return j;
}

/* The options that change what a cell finds. */
static struct json_object *
mp_options_json (const struct ck_matrix_opts *o)
{
  struct json_object *j = json_object_new_object ();
  struct json_object *p = json_object_new_array ();
  struct json_object *cols = json_object_new_array ();
  struct json_object *bugs = json_object_new_array ();

  for (size_t i = 0; i < o->npersist; i++)
    json_object_array_add (p, json_object_new_string (wl_persist_name (o->persist[i])));
  for (size_t i = 0; i < o->ncols; i++) {
    struct json_object *c = json_object_new_object ();
    json_object_object_add (c, "name", json_object_new_string (o->cols[i].name));
    json_object_object_add (c, "opts", json_object_new_string (o->cols[i].opts));
    json_object_object_add (c, "fs", json_object_new_string (o->cols[i].fs));
    json_object_array_add (cols, c);
  }
  for (size_t i = 0; i < o->nbugs; i++)
    json_object_array_add (bugs, json_object_new_string (o->bugs[i]));
  json_object_object_add (j, "persist", p);
  json_object_object_add (j, "columns", cols);
  json_object_object_add (j, "bugs", bugs);
  json_object_object_add (j, "states", mp_states_json (&o->states));
  json_object_object_add (j, "fs_states", o->fs_states_set
                          ? mp_states_json (&o->fs_states) : NULL);
  json_object_object_add (j, "fs_persist_mask", json_object_new_uint64 (o->fs_persist_mask));
  json_object_object_add (j, "profile", json_object_new_string (ck_profile_name (o->profile)));
  json_object_object_add (j, "disk_size", json_object_new_uint64 (o->disk_size));
  json_object_object_add (j, "random_faults", json_object_new_boolean (o->random_faults));
  json_object_object_add (j, "fault_seed", json_object_new_uint64 (o->fault_seed));
  json_object_object_add (j, "cell_timeout_s", json_object_new_uint64 (o->cell_timeout_s));
  return j;
}

/* The workload set by name, in order: the cell numbering rests on it. */
static uint64_t
mp_names_hash (const struct ck_matrix_result *r)
{
  XXH3_state_t *st = XXH3_createState ();
  uint64_t h;

  if (!st)
    return 0;
  XXH3_64bits_reset (st);
  for (size_t i = 0; i < r->nwl; i++)
    XXH3_64bits_update (st, r->wl_names[i], strlen (r->wl_names[i]) + 1);
  h = XXH3_64bits_digest (st);
  XXH3_freeState (st);
  return h;
}

struct json_object *
ck_matrix_partial_header (const struct ck_matrix_opts *o,
                          const struct ck_matrix_result *r)
{
  struct json_object *j = json_object_new_object ();
  struct json_object *w = json_object_new_object ();
  struct json_object *s = json_object_new_object ();
  uint64_t n = o->shard_count ? o->shard_count : 1;

  json_object_object_add (j, "kind", json_object_new_string ("flushpoint-matrix-partial"));
  json_object_object_add (j, "format", json_object_new_int (CK_PARTIAL_FORMAT));
  json_object_object_add (j, "version", json_object_new_string (FP_VERSION));
  json_object_object_add (j, "options", mp_options_json (o));
  json_object_object_add (w, "count", json_object_new_uint64 (r->nwl));
  json_object_object_add (w, "names_hash", mp_hex (mp_names_hash (r)));
  json_object_object_add (j, "workloads", w);
  json_object_object_add (j, "cells_total", json_object_new_uint64 (r->ncells_total));
  json_object_object_add (s, "index", json_object_new_uint64 (o->shard_index));
  json_object_object_add (s, "count", json_object_new_uint64 (n));
  json_object_object_add (j, "shard", s);
  json_object_object_add (j, "jobs", json_object_new_uint64 (o->jobs));
  json_object_object_add (j, "keep_logs", json_object_new_boolean (o->keep_logs));
  json_object_object_add (j, "out_dir", json_object_new_string (o->out_dir));
  return j;
}

struct json_object *
ck_matrix_partial_cell (const struct ck_matrix_result *r,
                        const struct ck_cell *c)
{
  struct json_object *j = json_object_new_object ();
  struct json_object *rec = json_object_new_array ();
  struct json_object *pp = json_object_new_array ();
  struct json_object *worst = json_object_new_array ();
  struct json_object *faults = json_object_new_array ();

  json_object_object_add (j, "kind", json_object_new_string ("cell"));
  json_object_object_add (j, "index", json_object_new_uint64 (c->index));
  json_object_object_add (j, "wl", json_object_new_uint64 (c->wl));
  json_object_object_add (j, "persist", json_object_new_uint64 (c->persist));
  json_object_object_add (j, "col", json_object_new_uint64 (c->col));
  json_object_object_add (j, "bug", json_object_new_int (c->bug));
  json_object_object_add (j, "name", json_object_new_string (c->name));
  json_object_object_add (j, "workload", json_object_new_string (r->wl_names[c->wl]));
  json_object_object_add (j, "workload_hash", mp_hex (r->wl_hash[c->wl]));
  json_object_object_add (j, "log", json_object_new_string (c->log));
  json_object_object_add (j, "workload_path",
                          json_object_new_string (c->wl_path));
  json_object_object_add (j, "err", json_object_new_int (c->err));
  json_object_object_add (j, "na", json_object_new_boolean (c->na));
  json_object_object_add (j, "program", json_object_new_boolean (c->program));
  json_object_object_add (j, "msg", json_object_new_string (c->msg));
  for (int p = 0; p < CK_P__COUNT; p++) {
    struct json_object *v = json_object_new_array ();
    json_object_array_add (rec, json_object_new_string (c->recipe[p]));
    for (int k = 0; k <= CK_V_VIOLATED; k++)
      json_object_array_add (v, json_object_new_uint64 (c->per_prop[p][k]));
    json_object_array_add (pp, v);
    json_object_array_add (worst, json_object_new_int (c->worst[p]));
  }
  json_object_object_add (j, "recipe", rec);
  json_object_object_add (j, "per_prop", pp);
  json_object_object_add (j, "worst", worst);
  json_object_object_add (j, "states", json_object_new_uint64 (c->states));
  json_object_object_add (j, "checked", json_object_new_uint64 (c->checked));
  json_object_object_add (j, "violated", json_object_new_uint64 (c->violated));
  json_object_object_add (j, "seconds", json_object_new_double (c->seconds));
  for (size_t k = 0; k < c->nfaults; k++)
    json_object_array_add (faults, json_object_new_string (c->faults[k]));
  json_object_object_add (j, "faults", faults);
  json_object_object_add (j, "faults_fired", json_object_new_uint64 (c->faults_fired));
  json_object_object_add (j, "failed_syncs", json_object_new_uint64 (c->failed_syncs));
  json_object_object_add (j, "after_error", json_object_new_uint64 (c->after_error));
  json_object_object_add (j, "faults_disagree", json_object_new_boolean (c->faults_disagree));
  json_object_object_add (j, "log_removed", json_object_new_boolean (c->log_removed));
  return j;
}

/* ---- reading ---- */

struct mp_get {
  struct json_object *j;
  const char *bad;             /* the first field missing or mistyped */
};

static struct json_object *
mp_field (struct mp_get *g, const char *key, json_type t)
{
  struct json_object *v;

  if (!json_object_object_get_ex (g->j, key, &v) || !json_object_is_type (v, t)) {
    if (!g->bad)
      g->bad = key;
    return NULL;
  }
  return v;
}

static uint64_t
mp_u64 (struct mp_get *g, const char *key)
{
  struct json_object *v = mp_field (g, key, json_type_int);
  return v ? json_object_get_uint64 (v) : 0;
}

static int64_t
mp_i64 (struct mp_get *g, const char *key)
{
  struct json_object *v = mp_field (g, key, json_type_int);
  return v ? json_object_get_int64 (v) : 0;
}

static bool
mp_bool (struct mp_get *g, const char *key)
{
  struct json_object *v = mp_field (g, key, json_type_boolean);
  return v ? json_object_get_boolean (v) : false;
}

/* Copy a string field into buf (len bytes); too long is an error. */
static void
mp_str (struct mp_get *g, const char *key, char *buf, size_t len)
{
  struct json_object *v = mp_field (g, key, json_type_string);
  const char *s = v ? json_object_get_string (v) : "";

  if (strlen (s) >= len && !g->bad)
    g->bad = key;
  snprintf (buf, len, "%s", s);
}

static uint64_t
mp_hex_get (struct mp_get *g, const char *key)
{
  struct json_object *v = mp_field (g, key, json_type_string);
  char *end;
  uint64_t h;

  if (!v)
    return 0;
  h = strtoull (json_object_get_string (v), &end, 16);
  if (*end && !g->bad)
    g->bad = key;
  return h;
}

/* An array field of exactly n elements (n == SIZE_MAX: at most max). */
static struct json_object *
mp_array (struct mp_get *g, const char *key, size_t n, size_t max)
{
  struct json_object *a = mp_field (g, key, json_type_array);
  size_t got = a ? json_object_array_length (a) : 0;

  if (a && (n != SIZE_MAX ? got != n : got > max)) {
    if (!g->bad)
      g->bad = key;
    return NULL;
  }
  return a;
}

int
ck_matrix_partial_cell_parse (struct json_object *j, struct ck_cell *c,
                              uint64_t *wl_hash, char *errbuf, size_t errlen)
{
  struct mp_get g = { j, NULL };
  struct json_object *a;

  memset (c, 0, sizeof *c);
  c->index = mp_u64 (&g, "index");
  c->wl = mp_u64 (&g, "wl");
  c->persist = mp_u64 (&g, "persist");
  c->col = mp_u64 (&g, "col");
  c->bug = (int) mp_i64 (&g, "bug");
  mp_str (&g, "name", c->name, sizeof c->name);
  *wl_hash = mp_hex_get (&g, "workload_hash");
  mp_str (&g, "log", c->log, sizeof c->log);
  mp_str (&g, "workload_path", c->wl_path, sizeof c->wl_path);
  c->err = (int) mp_i64 (&g, "err");
  c->na = mp_bool (&g, "na");
  c->program = mp_bool (&g, "program");
  mp_str (&g, "msg", c->msg, sizeof c->msg);
  if ((a = mp_array (&g, "recipe", CK_P__COUNT, 0)))
    for (int p = 0; p < CK_P__COUNT; p++) {
      struct mp_get e = { json_object_array_get_idx (a, (size_t) p), NULL };
      const char *s = json_object_get_string (e.j);
      if (!json_object_is_type (e.j, json_type_string) || strlen (s) >= sizeof c->recipe[p])
        g.bad = g.bad ? g.bad : "recipe";
      else
        snprintf (c->recipe[p], sizeof c->recipe[p], "%s", s);
    }
  if ((a = mp_array (&g, "per_prop", CK_P__COUNT, 0)))
    for (int p = 0; p < CK_P__COUNT; p++) {
      struct json_object *v = json_object_array_get_idx (a, (size_t) p);
      if (!json_object_is_type (v, json_type_array)
          || json_object_array_length (v) != CK_V_VIOLATED + 1) {
        g.bad = g.bad ? g.bad : "per_prop";
        continue;
      }
      for (int k = 0; k <= CK_V_VIOLATED; k++)
        c->per_prop[p][k] = json_object_get_uint64 (
                              json_object_array_get_idx (v, (size_t) k));
    }
  if ((a = mp_array (&g, "worst", CK_P__COUNT, 0)))
    for (int p = 0; p < CK_P__COUNT; p++) {
      int64_t v = json_object_get_int64 (json_object_array_get_idx (a, (size_t) p));
      if (v < 0 || v > CK_V_VIOLATED)
        g.bad = g.bad ? g.bad : "worst";
      else
        c->worst[p] = (uint8_t) v;
    }
  c->states = mp_u64 (&g, "states");
  c->checked = mp_u64 (&g, "checked");
  c->violated = mp_u64 (&g, "violated");
  struct json_object *sec = mp_field (&g, "seconds", json_type_double);
  c->seconds = sec ? json_object_get_double (sec) : 0;
  if ((a = mp_array (&g, "faults", SIZE_MAX, 3))) {
    c->nfaults = json_object_array_length (a);
    for (size_t k = 0; k < c->nfaults; k++)
      snprintf (c->faults[k], sizeof c->faults[k], "%s",
                json_object_get_string (json_object_array_get_idx (a, k)));
  }
  c->faults_fired = mp_u64 (&g, "faults_fired");
  c->failed_syncs = mp_u64 (&g, "failed_syncs");
  c->after_error = mp_u64 (&g, "after_error");
  c->faults_disagree = mp_bool (&g, "faults_disagree");
  c->log_removed = mp_bool (&g, "log_removed");
  if (g.bad) {
    snprintf (errbuf, errlen, "cell: field '%s' is missing or not what it "
              "should be", g.bad);
    return -EINVAL;
  }
  return 0;
}

/* Copy of v's JSON text (json-c's buffer is per object and reused). */
static void
mp_text (struct json_object *v, char *buf, size_t len)
{
  snprintf (buf, len, "%s", v ? json_object_to_json_string_ext (
                                  v, JSON_C_TO_STRING_PLAIN) : "(none)");
}

static struct json_object *
mp_get_path (struct json_object *j, const char *a, const char *b)
{
  struct json_object *v = NULL;

  if (!json_object_object_get_ex (j, a, &v))
    return NULL;
  if (b && !json_object_object_get_ex (v, b, &v))
    return NULL;
  return v;
}

/* The first of the fields of top[] from index from on that differs. */
static int
mp_differ_top (struct json_object *a, struct json_object *b, const char *na,
               const char *nb, size_t from, size_t to, char *why, size_t len)
{
  static const struct { const char *a, *b, *what; } top[] = {
    { "version", NULL, "flushpoint version" },
    { "workloads", "count", "number of workloads" },
    { "workloads", "names_hash", "workload names (hash)" },
    { "cells_total", NULL, "number of cells" },
  };
  char x[512], y[512];

  for (size_t i = from; i < to && i < sizeof top / sizeof *top; i++) {
    mp_text (mp_get_path (a, top[i].a, top[i].b), x, sizeof x);
    mp_text (mp_get_path (b, top[i].a, top[i].b), y, sizeof y);
    if (strcmp (x, y) != 0) {
      snprintf (why, len, "%s is %s in %s, %s in %s", top[i].what, x, na,
                y, nb);
      return 1;
    }
  }
  return 0;
}

int
ck_matrix_partial_differ (struct json_object *a, struct json_object *b,
                          const char *na, const char *nb, char *why,
                          size_t len)
{
  char x[512], y[512];
  struct json_object *oa, *ob;

  /* The version, then the options, then what follows from them (the
   * number of cells), so that the message names the cause. */
  if (mp_differ_top (a, b, na, nb, 0, 1, why, len))
    return 1;
  oa = mp_get_path (a, "options", NULL);
  ob = mp_get_path (b, "options", NULL);
  if (!oa || !ob) {
    snprintf (why, len, "options are missing");
    return 1;
  }
  /* Every key of either side, so that an option only one knows shows. */
  for (int side = 0; side < 2; side++) {
    json_object_object_foreach (side ? ob : oa, key, val) {
      (void) val;
      mp_text (mp_get_path (oa, key, NULL), x, sizeof x);
      mp_text (mp_get_path (ob, key, NULL), y, sizeof y);
      if (strcmp (x, y) != 0) {
        snprintf (why, len, "option %s is %s in %s, %s in %s", key, x, na,
                  y, nb);
        return 1;
      }
    }
  }
  return mp_differ_top (a, b, na, nb, 1, 4, why, len);
}

int
ck_matrix_partial_read (const char *path, struct json_object **header,
                        int (*cell) (void *ctx, struct json_object *j,
                                     size_t line, char *errbuf, size_t errlen),
                        void *ctx, double *seconds, bool *complete,
                        off_t *good_end, char *errbuf, size_t errlen)
{
  FILE *f = fopen (path, "r");
  char *line = NULL, msg[512];
  size_t cap = 0, lineno = 0;
  ssize_t n;
  off_t pos = 0;
  int err = 0;

  *header = NULL;
  *seconds = 0;
  *complete = false;
  *good_end = 0;
  if (!f) {
    err = -errno;
    snprintf (errbuf, errlen, "%s: %s", path, strerror (errno));
    return err;
  }
  while (!err && (n = getline (&line, &cap, f)) > 0) {
    struct json_object *j, *k;
    const char *kind;
    lineno++;
    if (line[n - 1] != '\n')
      break;                    /* a torn write: the run was killed */
    j = json_tokener_parse (line);
    kind = j && json_object_object_get_ex (j, "kind", &k)
           ? json_object_get_string (k) : "";
    if (lineno == 1) {
      struct json_object *fmt;
      if (strcmp (kind, "flushpoint-matrix-partial") != 0) {
        snprintf (errbuf, errlen, "%s: not a flushpoint matrix record "
                  "(line 1 is no partial header)", path);
        err = -EINVAL;
      }
      else if (!json_object_object_get_ex (j, "format", &fmt)
               || json_object_get_int (fmt) != CK_PARTIAL_FORMAT) {
        snprintf (errbuf, errlen, "%s: record format %s, this flushpoint "
                  "reads %d", path, fmt ? json_object_get_string (fmt)
                  : "(none)", CK_PARTIAL_FORMAT);
        err = -EINVAL;
      }
      else {
        *header = j;
        j = NULL;
      }
    }
    else if (strcmp (kind, "cell") == 0) {
      if (cell && (err = cell (ctx, j, lineno, msg, sizeof msg)) != 0)
        snprintf (errbuf, errlen, "%s:%zu: %s", path, lineno, msg);
    }
    else if (strcmp (kind, "end") == 0) {
      struct json_object *s;
      *complete = true;
      *seconds += json_object_object_get_ex (j, "seconds", &s)
                  ? json_object_get_double (s) : 0;
    }
    else {
      snprintf (errbuf, errlen, "%s:%zu: not a cell or end line", path,
                lineno);
      err = -EINVAL;
    }
    json_object_put (j);
    if (!err)
      pos += n;
  }
  if (!err && ferror (f)) {
    err = -EIO;
    snprintf (errbuf, errlen, "%s: read error", path);
  }
  if (!err && !*header) {
    err = -EINVAL;
    snprintf (errbuf, errlen, "%s: empty: the run wrote no header", path);
  }
  if (err) {
    json_object_put (*header);
    *header = NULL;
  }
  *good_end = pos;
  free (line);
  fclose (f);
  return err;
}

/* ---- options back (merge) ---- */

static void
mp_states_get (struct json_object *j, struct ck_states_opts *s,
               struct mp_get *g)
{
  struct mp_get e = { j, NULL };

  s->kinds = (unsigned) mp_u64 (&e, "kinds");
  s->max_subset = (unsigned) mp_u64 (&e, "max_subset");
  s->samples = (unsigned) mp_u64 (&e, "samples");
  s->seed = mp_u64 (&e, "seed");
  s->max_per_epoch = (unsigned) mp_u64 (&e, "max_per_epoch");
  s->tears_per_write = (unsigned) mp_u64 (&e, "tears_per_write");
  if (e.bad && !g->bad)
    g->bad = e.bad;
}

int
ck_matrix_partial_opts (struct json_object *h, struct ck_matrix_opts *o,
                        const char ***bugs, char *errbuf, size_t errlen)
{
  struct json_object *oj = mp_get_path (h, "options", NULL), *a, *v;
  struct mp_get g = { oj, NULL }, top = { h, NULL };
  const char **bv = NULL;

  ck_matrix_opts_init (o);
  *bugs = NULL;
  if (!oj) {
    snprintf (errbuf, errlen, "the header has no options");
    return -EINVAL;
  }
  if ((a = mp_array (&g, "persist", SIZE_MAX, WL_PERSIST__COUNT))) {
    o->npersist = json_object_array_length (a);
    for (size_t i = 0; i < o->npersist; i++)
      if (wl_persist_lookup (json_object_get_string (
                               json_object_array_get_idx (a, i)),
                             &o->persist[i]) < 0)
        g.bad = g.bad ? g.bad : "persist";
  }
  if ((a = mp_array (&g, "columns", SIZE_MAX, CK_MATRIX_MAX_COLS))) {
    o->ncols = json_object_array_length (a);
    for (size_t i = 0; i < o->ncols; i++) {
      struct mp_get c = { json_object_array_get_idx (a, i), NULL };
      mp_str (&c, "name", o->cols[i].name, sizeof o->cols[i].name);
      mp_str (&c, "opts", o->cols[i].opts, sizeof o->cols[i].opts);
      mp_str (&c, "fs", o->cols[i].fs, sizeof o->cols[i].fs);
      if (c.bad && !g.bad)
        g.bad = "columns";
    }
  }
  if ((a = mp_array (&g, "bugs", SIZE_MAX, 4096))) {
    o->nbugs = json_object_array_length (a);
    if (o->nbugs && !(bv = calloc (o->nbugs, sizeof *bv)))
      return -ENOMEM;
    for (size_t i = 0; i < o->nbugs; i++)
      bv[i] = json_object_get_string (json_object_array_get_idx (a, i));
    o->bugs = bv;
  }
  if ((v = mp_field (&g, "states", json_type_object)))
    mp_states_get (v, &o->states, &g);
  if (json_object_object_get_ex (oj, "fs_states", &v) && v) {
    o->fs_states_set = true;
    mp_states_get (v, &o->fs_states, &g);
  }
  o->fs_persist_mask = (uint32_t) mp_u64 (&g, "fs_persist_mask");
  if (!(v = mp_field (&g, "profile", json_type_string))
      || ck_profile_parse (json_object_get_string (v), &o->profile) < 0)
    g.bad = g.bad ? g.bad : "profile";
  o->disk_size = mp_u64 (&g, "disk_size");
  o->random_faults = mp_bool (&g, "random_faults");
  o->fault_seed = mp_u64 (&g, "fault_seed");
  o->cell_timeout_s = (unsigned) mp_u64 (&g, "cell_timeout_s");
  o->jobs = (unsigned) mp_u64 (&top, "jobs");
  o->keep_logs = mp_bool (&top, "keep_logs");
  if ((v = mp_get_path (h, "workloads", "count")))
    o->nworkloads = json_object_get_uint64 (v);
  if (g.bad || top.bad || !o->npersist || !o->ncols) {
    snprintf (errbuf, errlen, "the header's option '%s' is missing or not "
              "what it should be", g.bad ? g.bad : top.bad ? top.bad
              : "persist/columns");
    free (bv);
    o->bugs = NULL;
    return -EINVAL;
  }
  *bugs = bv;
  return 0;
}
