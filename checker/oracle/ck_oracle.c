/* ck_oracle: read a recording's oracle marks (contract in ck_oracle.h).
 *
 * One pass over the log with a reader of its own.  Every mark is parsed
 * with json-c; the parsed objects are kept for the oracle's lifetime so
 * that ops can point into them.  Rules enforced while reading:
 *   - exactly one "run" mark, before any op mark; its "text" parses as a
 *     workload whose op count matches "ops";
 *   - op N's before comes before its after, and ops start in order;
 *   - "state" parts of op N come before op N's after, parts 0..n-1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "ck_oracle.h"
#include "wl_b64.h"

int
ck_json_u64 (json_object *o, const char *key, uint64_t *v)
{
  json_object *x;

  if (!o || !json_object_object_get_ex (o, key, &x) ||
      !json_object_is_type (x, json_type_int))
    return -EBADMSG;
  *v = json_object_get_uint64 (x);
  return 0;
}

const char *
ck_json_str (json_object *o, const char *key)
{
  json_object *x;

  if (!o || !json_object_object_get_ex (o, key, &x) ||
      !json_object_is_type (x, json_type_string))
    return NULL;
  return json_object_get_string (x);
}

int
ck_json_time (json_object *o, const char *key, int64_t *sec, uint32_t *nsec)
{
  json_object *x;

  if (!o || !json_object_object_get_ex (o, key, &x) ||
      !json_object_is_type (x, json_type_array) ||
      json_object_array_length (x) != 2)
    return -EBADMSG;
  *sec = json_object_get_int64 (json_object_array_get_idx (x, 0));
  *nsec = (uint32_t) json_object_get_int64 (json_object_array_get_idx (x, 1));
  return 0;
}

static int
or_keep (struct ck_oracle *o, json_object *j)
{
  if (o->o_nkeep == o->o_capkeep) {
    size_t cap = o->o_capkeep ? o->o_capkeep * 2 : 64;
    json_object **v = realloc (o->o_keep, cap * sizeof *v);
    if (!v)
      return -ENOMEM;
    o->o_keep = v;
    o->o_capkeep = cap;
  }
  o->o_keep[o->o_nkeep++] = j;
  return 0;
}

/* The "run" mark: metadata, and the workload parsed from its text. */
static int
or_run (struct ck_oracle *o, json_object *m, uint64_t seq, char *errbuf,
        size_t errlen)
{
  const char *text = ck_json_str (m, "text");
  uint64_t nops = 0;
  char why[512];
  int err;

  if (o->run_seq != CK_NO_SEQ) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": a second \"run\" mark "
            "(the first is entry %" PRIu64 "): one recording per log",
            seq, o->run_seq);
    return -EBADMSG;
  }
  o->run_seq = seq;
  o->workload = ck_json_str (m, "workload");
  o->mount = ck_json_str (m, "mount");
  o->persist = ck_json_str (m, "persist");
  o->backend = ck_json_str (m, "backend");
  if (!o->backend)
    o->backend = "engine";
  json_object *facts;
  if (json_object_object_get_ex (m, "kernel", &facts))
    o->kernel_facts = json_object_to_json_string_ext (facts,
                                                      JSON_C_TO_STRING_PLAIN);
  ck_json_u64 (m, "seed", &o->seed);
  if (o->mount && ck_json_str (m, "source")
      && strcmp (ck_json_str (m, "source"), "exec") == 0) {
    /* A traced program: its ops are known once the log is read. */
    o->exec = true;
    o->exec_cmd = ck_json_str (m, "exec");
    o->check_cmd = ck_json_str (m, "check_cmd");
    o->exec_root = ck_json_str (m, "exec_root");
    return 0;
  }
  if (!text || !o->mount || ck_json_u64 (m, "ops", &nops) < 0) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": the \"run\" mark lacks "
            "%s", seq, !text ? "the workload text (workloads above 256 KiB "
            "cannot be checked)" : !o->mount ? "\"mount\"" : "\"ops\"");
    return -EBADMSG;
  }
  err = wl_parse (o->workload ? o->workload : "workload", text, strlen (text),
                  &o->w, why, sizeof why);
  if (err) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": the workload in the "
            "\"run\" mark does not parse: %s", seq, why);
    return -EBADMSG;
  }
  if (o->w->n_ops != nops) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": the \"run\" mark says %"
            PRIu64 " ops, its text has %zu", seq, nops, o->w->n_ops);
    return -EBADMSG;
  }
  o->nops = o->w->n_ops;
  o->ops = calloc (o->nops ? o->nops : 1, sizeof *o->ops);
  if (!o->ops)
    return -ENOMEM;
  for (size_t i = 0; i < o->nops; i++) {
    o->ops[i].index = i;
    o->ops[i].wop = &o->w->ops[i];
    o->ops[i].before_seq = o->ops[i].after_seq = CK_NO_SEQ;
  }
  return 0;
}

/* Append the objects of a "state" part to op->state. */
static int
or_part (struct ck_op *op, json_object *m)
{
  json_object *arr;

  if (!json_object_object_get_ex (m, "state", &arr) ||
      !json_object_is_type (arr, json_type_array))
    return -EBADMSG;
  if (!op->state && !(op->state = json_object_new_array ()))
    return -ENOMEM;
  for (size_t i = 0; i < json_object_array_length (arr); i++)
    json_object_array_add (op->state,
                           json_object_get (json_object_array_get_idx (arr, i)));
  return 0;
}

static int
or_after (struct ck_oracle *o, struct ck_op *op, json_object *m,
          uint64_t seq, size_t parts_seen, char *errbuf, size_t errlen)
{
  json_object *sync, *st, *ret;
  const char *en = ck_json_str (m, "errno");

  op->after_seq = seq;
  if (json_object_object_get_ex (m, "ret", &ret))
    op->ret = json_object_get_int64 (ret);
  snprintf (op->err, sizeof op->err, "%s", en ? en : "");
  json_object_object_get_ex (m, "effect", &op->effect);
  if ((op->sync_failed = ck_json_str (m, "sync_failed")) != NULL)
    o->failed_syncs++;
  if (op->effect && op->ret < 0) {
    json_object *u;
    op->uncertain = json_object_object_get_ex (op->effect, "uncertain", &u)
                    && json_object_get_boolean (u);
  }
  if (!json_object_object_get_ex (m, "sync", &sync))
    return 0;
  op->sync_call = ck_json_str (sync, "call");
  if (json_object_object_get_ex (sync, "state", &st)) {
    json_object_put (op->state);
    op->state = json_object_get (st);
  }
  else {
    uint64_t parts = 0;
    if (ck_json_u64 (sync, "parts", &parts) < 0 || parts != parts_seen) {
      fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": op %zu's after-mark "
              "names %" PRIu64 " state parts, the log holds %zu before it",
              seq, op->index, parts, parts_seen);
      return -EBADMSG;
    }
  }
  if (!op->sync_call || !op->state) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": op %zu: a \"sync\" "
            "without call or state", seq, op->index);
    return -EBADMSG;
  }
  o->syncs++;
  return 0;
}

/* op->objs from op->state, once every part of it is in. */
static int
or_parse_objs (struct ck_op *op)
{
  size_t n = op->state ? json_object_array_length (op->state) : 0;

  if (n == 0)
    return 0;
  if (!(op->objs = calloc (n, sizeof *op->objs)))
    return -ENOMEM;
  for (size_t k = 0; k < n; k++) {
    struct ck_op_obj *x = &op->objs[k];
    const char *type;
    x->obj = json_object_array_get_idx (op->state, k);
    type = ck_json_str (x->obj, "type");
    x->path = ck_json_str (x->obj, "path");
    ck_json_u64 (x->obj, "ino", &x->ino);
    ck_json_u64 (x->obj, "gen", &x->gen);
    x->dir = type && strcmp (type, "dir") == 0;
    x->file = type && strcmp (type, "file") == 0;
    x->symlink = type && strcmp (type, "symlink") == 0;
    x->stale = json_object_object_get_ex (x->obj, "stale_path", NULL);
    x->entries = json_object_object_get_ex (x->obj, "entries", NULL);
  }
  op->nobjs = n;
  return 0;
}

/* A traced program's op mark, kept until its op exists (or_exec_ops). */
static int
or_defer (struct ck_oracle *o, json_object *m, uint64_t seq)
{
  if (o->o_ndefer == o->o_capdefer) {
    size_t cap = o->o_capdefer ? o->o_capdefer * 2 : 256;
    struct ck_deferred *v = realloc (o->o_defer, cap * sizeof *v);
    if (!v)
      return -ENOMEM;
    o->o_defer = v;
    o->o_capdefer = cap;
  }
  o->o_defer[o->o_ndefer++] = (struct ck_deferred) { m, seq };
  return 0;
}

/* A "data" mark: the next bytes of a program's write, base64. */
static int
or_data (struct ck_op *op, json_object *m, uint64_t seq, char *errbuf,
         size_t errlen)
{
  json_object *d;
  uint8_t *bytes, *all;
  size_t n;
  int err;

  if (!json_object_object_get_ex (m, "data", &d)
      || !json_object_is_type (d, json_type_string)
      || (err = wl_b64_decode (json_object_get_string (d),
                               (size_t) json_object_get_string_len (d),
                               &bytes, &n)) == -EINVAL) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": op %zu: a \"data\" "
               "mark without base64 \"data\"", seq, op->index);
    return -EBADMSG;
  }
  if (err < 0)
    return err;
  if (!(all = realloc (op->data, op->data_len + n + 1))) {
    free (bytes);
    return -ENOMEM;
  }
  memcpy (all + op->data_len, bytes, n);
  op->data = all;
  op->data_len += n;
  free (bytes);
  return 0;
}

static int or_mark (struct ck_oracle *o, json_object *m, uint64_t seq,
                    size_t *parts, char *errbuf, size_t errlen);

/* The ops of a traced program: one line per before-mark, in op order,
 * each followed by `expect ERRNO` when its after-mark says it failed, so
 * that the text parses as a workload whose ops are the program's calls;
 * then every deferred mark is read as for a workload. */
static int
or_exec_ops (struct ck_oracle *o, char *errbuf, size_t errlen)
{
  size_t n = 0, cap = 4096, len = 0;
  char *text = malloc (cap), why[512];
  const char **err_of = NULL;
  size_t parts = 0;
  int err = 0;

  if (!text)
    return -ENOMEM;
  for (size_t i = 0; i < o->o_ndefer; i++)
    n += strcmp (ck_json_str (o->o_defer[i].m, "kind"), "before") == 0;
  if (!(err_of = calloc (n ? n : 1, sizeof *err_of))) {
    free (text);
    return -ENOMEM;
  }
  for (size_t i = 0; i < o->o_ndefer; i++) {
    json_object *m = o->o_defer[i].m;
    uint64_t idx;
    if (strcmp (ck_json_str (m, "kind"), "after") == 0
        && ck_json_u64 (m, "op", &idx) == 0 && idx < n)
      err_of[idx] = ck_json_str (m, "errno");
  }
  text[0] = '\0';
  for (size_t i = 0, k = 0; i < o->o_ndefer && !err; i++) {
    json_object *m = o->o_defer[i].m;
    const char *t = ck_json_str (m, "text");
    uint64_t idx = UINT64_MAX;
    if (strcmp (ck_json_str (m, "kind"), "before"))
      continue;
    if (ck_json_u64 (m, "op", &idx) < 0 || idx != k || !t
        || strchr (t, '\n')) {
      fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": a program's op %zu "
                 "is missing, out of order or without one line of text",
                 o->o_defer[i].seq, k);
      err = -EBADMSG;
      break;
    }
    const char *en = err_of[k] && wl_errno_lookup (err_of[k]) > 0
                     ? err_of[k] : NULL;
    size_t need = len + strlen (t) + (en ? strlen (en) + 9 : 0) + 2;
    if (need > cap) {
      char *x = realloc (text, cap = need * 2);
      if (!x) {
        err = -ENOMEM;
        break;
      }
      text = x;
    }
    len += (size_t) sprintf (text + len, "%s\n", t);
    if (en)
      len += (size_t) sprintf (text + len, "expect %s\n", en);
    k++;
  }
  free (err_of);
  if (!err && (err = wl_parse (o->workload ? o->workload : "program", text,
                               len, &o->w, why, sizeof why)) < 0) {
    fp_errbuf (errbuf, errlen, "the program's calls (`run --exec`) do not "
               "read as a workload: %s", why);
    err = -EBADMSG;
  }
  free (text);
  if (err)
    return err;
  if (o->w->n_ops != n) {
    fp_errbuf (errbuf, errlen, "the program's %zu op marks parse as %zu ops",
               n, o->w->n_ops);
    return -EBADMSG;
  }
  o->nops = n;
  if (!(o->ops = calloc (n ? n : 1, sizeof *o->ops)))
    return -ENOMEM;
  for (size_t i = 0; i < n; i++) {
    o->ops[i].index = i;
    o->ops[i].wop = &o->w->ops[i];
    o->ops[i].before_seq = o->ops[i].after_seq = CK_NO_SEQ;
  }
  for (size_t i = 0; i < o->o_ndefer && !err; i++)
    err = or_mark (o, o->o_defer[i].m, o->o_defer[i].seq, &parts, errbuf,
                   errlen);
  return err;
}

/* One oracle mark. */
static int
or_mark (struct ck_oracle *o, json_object *m, uint64_t seq, size_t *parts,
         char *errbuf, size_t errlen)
{
  const char *kind = ck_json_str (m, "kind");
  uint64_t v = 0, idx = 0;
  struct ck_op *op;

  ck_json_u64 (m, "v", &v);
  if (v != CK_ORACLE_VERSION) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": oracle version %" PRIu64
            ", this checker reads version %d", seq, v, CK_ORACLE_VERSION);
    return -EBADMSG;
  }
  if (strcmp (kind, "run") == 0)
    return or_run (o, m, seq, errbuf, errlen);
  if (o->run_seq == CK_NO_SEQ) {
    /* An error if a run mark follows (ck_oracle_load); with none at all,
     * the survivors of a log whose run mark was lost (a dm-log-writes
     * round trip cuts long marks), ignored by a fsck-only check. */
    if (!o->orphan_marks++) {
      o->first_orphan_seq = seq;
      snprintf (o->first_orphan_kind, sizeof o->first_orphan_kind, "%s",
                kind);
    }
    return 0;
  }
  if (strcmp (kind, "ready") == 0) {
    json_object *facts;
    o->ready_seq = seq;
    /* A kernel run's facts once mkfs and mount ran (the run mark has them
     * as they stood before). */
    if (json_object_object_get_ex (m, "kernel", &facts))
      o->kernel_facts = json_object_to_json_string_ext (
                          facts, JSON_C_TO_STRING_PLAIN);
    return 0;
  }
  if (strcmp (kind, "end") == 0) {
    o->end_seq = seq;
    o->end_status = ck_json_str (m, "status");
    o->end_has_faults = ck_json_u64 (m, "faults_fired",
                                     &o->end_faults_fired) == 0;
    o->faults_at_end = o->fault_entries;
    ck_json_u64 (m, "sync_errors", &o->end_sync_errors);
    ck_json_u64 (m, "doubt_blocks", &o->end_doubt_blocks);
    return 0;
  }
  if (strcmp (kind, "app") == 0) {
    struct ck_app_mark *v = realloc (o->app, (o->app_marks + 1) * sizeof *v);
    if (!v)
      return -ENOMEM;
    o->app = v;
    v[o->app_marks++] = (struct ck_app_mark) { seq, ck_json_str (m, "text") };
    return 0;
  }
  if (strcmp (kind, "before") && strcmp (kind, "after") &&
      strcmp (kind, "state") && strcmp (kind, "data"))
    return 0;                    /* a kind from a later runner: ignore */
  if (o->exec && !o->ops)
    return or_defer (o, m, seq);
  if (ck_json_u64 (m, "op", &idx) < 0 || idx >= o->nops) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": \"%s\" mark with no "
            "op or op out of range", seq, kind);
    return -EBADMSG;
  }
  op = &o->ops[idx];
  if (strcmp (kind, "before") == 0) {
    if (op->before_seq != CK_NO_SEQ || (idx > 0 && o->ops[idx - 1].before_seq
                                        == CK_NO_SEQ)) {
      fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": op %" PRIu64 " starts "
              "twice or out of order", seq, idx);
      return -EBADMSG;
    }
    op->before_seq = seq;
    op->persist = ck_json_str (m, "persist");
    *parts = 0;
    return 0;
  }
  if (op->before_seq == CK_NO_SEQ || op->after_seq != CK_NO_SEQ) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": op %" PRIu64 ": \"%s\" "
            "mark %s", seq, idx, kind, op->before_seq == CK_NO_SEQ
            ? "before the op started" : "after the op returned");
    return -EBADMSG;
  }
  if (strcmp (kind, "data") == 0)
    return or_data (op, m, seq, errbuf, errlen);
  if (strcmp (kind, "state") == 0) {
    uint64_t part = 0;
    if (ck_json_u64 (m, "part", &part) < 0 || part != *parts ||
        or_part (op, m) < 0) {
      fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": op %" PRIu64 ": bad "
              "state part", seq, idx);
      return -EBADMSG;
    }
    (*parts)++;
    return 0;
  }
  return or_after (o, op, m, seq, *parts, errbuf, errlen);
}

int
ck_oracle_load (struct fplog_reader *rd, struct ck_oracle **out,
                char *errbuf, size_t errlen)
{
  struct ck_oracle *o = calloc (1, sizeof *o);
  struct json_tokener *tok = json_tokener_new ();
  struct fplog_entry e;
  size_t parts = 0;
  int rc = 0, err = 0;

  *out = NULL;
  if (!o || !tok) {
    free (o);
    if (tok)
      json_tokener_free (tok);
    return -ENOMEM;
  }
  o->run_seq = o->ready_seq = o->end_seq = CK_NO_SEQ;
  o->first_write_fault = CK_NO_SEQ;
  err = fplog_reader_seek (rd, 0, errbuf, errlen);
  while (!err && (rc = fplog_next (rd, &e, errbuf, errlen)) == FPLOG_NEXT_ENTRY) {
    json_object *m;

    if (e.type == FPLOG_FAULT && (e.flags & FPLOG_F_FAILED)
        && o->end_seq != CK_NO_SEQ) {
      /* After the end mark: the run's own closing power cut (a kernel
       * run, wl_run_kernel.c), not a fault the workload met. */
      o->faults_after_end++;
    } else if (e.type == FPLOG_FAULT && (e.flags & FPLOG_F_FAILED)) {
      o->fault_entries++;
      /* A failed request that writes (not FLUSH, not READ): its length is
       * not 0, and its text names it. */
      if (o->first_write_fault == CK_NO_SEQ && e.length > 0
          && e.payload_len > 0
          && !memmem (e.payload, e.payload_len, "op=READ", 7))
        o->first_write_fault = e.seq;
    }
    if (e.type != FPLOG_MARK)
      continue;
    o->marks++;
    json_tokener_reset (tok);
    m = json_tokener_parse_ex (tok, (const char *) e.payload,
                               (int) e.payload_len);
    if (!m || !json_object_is_type (m, json_type_object) ||
        !ck_json_str (m, "kind") ||
        !json_object_object_get_ex (m, "v", NULL)) {
      json_object_put (m);
      o->foreign_marks++;
      continue;
    }
    err = or_keep (o, m);
    if (err) {
      json_object_put (m);
      break;
    }
    err = or_mark (o, m, e.seq, &parts, errbuf, errlen);
  }
  if (!err && rc < 0)
    err = rc;
  if (!err && o->run_seq != CK_NO_SEQ && o->orphan_marks) {
    fp_errbuf (errbuf, errlen, "log entry %" PRIu64 ": a \"%s\" mark before "
            "the \"run\" mark", o->first_orphan_seq, o->first_orphan_kind);
    err = -EBADMSG;
  }
  if (!err && o->run_seq == CK_NO_SEQ) {
    fp_errbuf (errbuf, errlen, "no oracle marks: %zu MARK entries, none a "
            "\"run\" mark from `flushpoint run` -- this log records a disk, "
            "not a workload, and has nothing to check against", o->marks);
    err = -ENOMSG;
  }
  json_tokener_free (tok);
  if (!err && o->exec)
    err = or_exec_ops (o, errbuf, errlen);
  for (size_t i = 0; i < o->nops && !err; i++)
    err = or_parse_objs (&o->ops[i]);
  if (err) {
    ck_oracle_free (o);
    return err;
  }
  *out = o;
  return 0;
}

int
ck_oracle_fsck_only (const char *backend, const char *mount,
                     struct ck_oracle **out)
{
  struct ck_oracle *o = calloc (1, sizeof *o);

  *out = o;
  if (!o)
    return -ENOMEM;
  o->run_seq = o->ready_seq = o->end_seq = CK_NO_SEQ;
  o->first_write_fault = CK_NO_SEQ;
  o->backend = backend;
  o->mount = mount;
  o->fsck_only = true;
  return 0;
}

void
ck_oracle_free (struct ck_oracle *o)
{
  if (!o)
    return;
  for (size_t i = 0; i < o->nops; i++) {
    json_object_put (o->ops[i].state);
    free (o->ops[i].objs);
    free (o->ops[i].data);
  }
  free (o->o_defer);
  free (o->app);
  for (size_t i = 0; i < o->o_nkeep; i++)
    json_object_put (o->o_keep[i]);
  free (o->o_keep);
  free (o->ops);
  wl_free (o->w);
  free (o);
}
