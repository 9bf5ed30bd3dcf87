/* ck_matrix_report: a matrix's results as a terminal table, JSON and an
 * HTML index (ck_matrix.h).
 *
 * A cell's text: "ok" (every promise held), "-mtime,dirent" (lost without a
 * promise), "VIOL data,size" (a promise broken), "ERR" (could not run or
 * check).  The summary counts, per persist choice and property, the cells
 * in which the property held, was lost, or was violated: the fsync vs
 * fdatasync table.  With bug switches, the kill table lists for each
 * switch the cells that caught it (some state violated a promise).
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck_matrix.h"

static void
mr_cell_text (const struct ck_cell *c, char *buf, size_t len)
{
  size_t n = 0;
  bool viol = false, lost = false;

  if (c->na) {
    snprintf (buf, len, "n/a");
    return;
  }
  if (c->err) {
    snprintf (buf, len, "ERR");
    return;
  }
  for (int p = 0; p < CK_P__COUNT; p++) {
    viol |= c->worst[p] == CK_V_VIOLATED;
    lost |= c->worst[p] == CK_V_LOST;
  }
  if (!viol && !lost)
    n = (size_t) snprintf (buf, len, "ok");
  else {
    n = (size_t) snprintf (buf, len, "%s", viol ? "VIOL " : "-");
    for (int p = 0, k = 0; p < CK_P__COUNT && n < len; p++)
      if (c->worst[p] == (viol ? CK_V_VIOLATED : CK_V_LOST))
        n += (size_t) snprintf (buf + n, len - n, "%s%s", k++ ? "," : "",
                                ck_prop_name (p));
  }
  /* Random faults: how many requests failed; DISAGREE when the runner and
   * the log count them differently. */
  if (c->nfaults && n < len)
    snprintf (buf + n, len - n, c->faults_disagree ? " DISAGREE"
              : " %" PRIu64 "f", c->faults_fired);
}

void
ck_matrix_cell_text (const struct ck_cell *c, char *buf, size_t len)
{
  mr_cell_text (c, buf, len);
}

static const struct ck_cell *
mr_cell (const struct ck_matrix_opts *o, const struct ck_matrix_result *r,
         size_t w, size_t p, size_t c)
{
  /* Without bugs, cells are numbered (workload, persist, column). */
  return &r->cells[(w * o->npersist + p) * o->ncols + c];
}

/* Did bug cell c catch its switch: a promise broke there, and not in the
 * same cell without the switch? */
static bool
mr_caught (const struct ck_matrix_result *r, const struct ck_cell *c)
{
  if (c->bug < 0 || c->err || !c->violated)
    return false;
  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *b = &r->cells[i];
    if (b->bug < 0 && b->wl == c->wl && b->persist == c->persist &&
        b->col == c->col)
      return !b->err && !b->violated;
  }
  return false;
}

/* Cells of persist choice p (and column col, SIZE_MAX for all) by the
 * verdict of one property. */
static void
mr_summary_counts (const struct ck_matrix_opts *o,
                   const struct ck_matrix_result *r, size_t p, size_t col,
                   int prop, uint64_t out[CK_V_VIOLATED + 1])
{
  memset (out, 0, sizeof (uint64_t) * (CK_V_VIOLATED + 1));
  for (size_t i = 0; i < r->ncells; i++)
    if (r->cells[i].bug < 0 && r->cells[i].persist == p && !r->cells[i].err &&
        !r->cells[i].na &&
        /* "all columns" means the engine's: a kernel column has its own */
        (col == SIZE_MAX ? o->cols[r->cells[i].col].fs[0] == '\0'
                         : r->cells[i].col == col))
      out[r->cells[i].worst[prop]]++;
}

static void
mr_summary_text (FILE *out, const struct ck_matrix_opts *o,
                 const struct ck_matrix_result *r, size_t col)
{
  char buf[64];

  fprintf (out, "\nsummary, %s: cells in which each property held / was "
           "lost (not promised) / was VIOLATED\n  property",
           col == SIZE_MAX ? "all columns" : o->cols[col].name);
  for (size_t p = 0; p < o->npersist; p++)
    fprintf (out, "  %-16s", wl_persist_name (o->persist[p]));
  fputc ('\n', out);
  for (int prop = 0; prop < CK_P__COUNT; prop++) {
    fprintf (out, "  %-8s", ck_prop_name (prop));
    for (size_t p = 0; p < o->npersist; p++) {
      uint64_t v[CK_V_VIOLATED + 1];
      mr_summary_counts (o, r, p, col, prop, v);
      snprintf (buf, sizeof buf, "%" PRIu64 "/%" PRIu64 "/%" PRIu64,
                v[CK_V_HELD], v[CK_V_LOST], v[CK_V_VIOLATED]);
      fprintf (out, "  %-16s", buf);
    }
    fputc ('\n', out);
  }
}

/* ---- agreement: the engine against a kernel file system ---- */

static const char *
mr_verdict (uint8_t v)
{
  return v == CK_V_VIOLATED ? "VIOLATED" : ck_verdict_name (v);
}

/* The JSON spelling: lower case throughout (docs/REPORT-SCHEMA.md). */
static const char *
mr_verdict_json (uint8_t v)
{
  return v == CK_V_VIOLATED ? "violated" : ck_verdict_name (v);
}

/* The kernel twin of engine column col for fs, or SIZE_MAX. */
static size_t
mr_twin (const struct ck_matrix_opts *o, size_t col, const char *fs)
{
  size_t n = strlen (fs);
  for (size_t k = 0; k < o->ncols; k++)
    if (strcmp (o->cols[k].fs, fs) == 0
        && strncmp (o->cols[k].name, fs, n) == 0 && o->cols[k].name[n] == '.'
        && strcmp (o->cols[k].name + n + 1, o->cols[col].name) == 0)
      return k;
  return SIZE_MAX;
}

static int
mr_row_cmp (const void *a, const void *b)
{
  const struct ck_agree_row *x = a, *y = b;
  if (x->unsafe != y->unsafe)
    return x->unsafe ? -1 : 1;
  if (x->engine_cell != y->engine_cell)
    return x->engine_cell < y->engine_cell ? -1 : 1;
  return x->prop - y->prop;
}

int
ck_matrix_agreement (const struct ck_matrix_opts *o,
                     const struct ck_matrix_result *r, const char *fs,
                     struct ck_agreement *a)
{
  size_t cap = 0;

  memset (a, 0, sizeof *a);
  snprintf (a->fs, sizeof a->fs, "%s", fs);
  if (o->nbugs)
    return 0;
  for (size_t w = 0; w < o->nworkloads; w++)
    for (size_t p = 0; p < o->npersist; p++)
      for (size_t c = 0; c < o->ncols; c++) {
        size_t k;
        if (o->cols[c].fs[0] || (k = mr_twin (o, c, fs)) == SIZE_MAX)
          continue;
        const struct ck_cell *e = mr_cell (o, r, w, p, c);
        const struct ck_cell *x = mr_cell (o, r, w, p, k);
        if (e->err || x->err || e->na || x->na)
          continue;
        for (int prop = 0; prop < CK_P__COUNT; prop++) {
          a->verdicts++;
          if (e->worst[prop] == x->worst[prop]) {
            a->agree++;
            continue;
          }
          if (a->nrows == cap) {
            cap = cap ? 2 * cap : 32;
            struct ck_agree_row *n = realloc (a->rows, cap * sizeof *n);
            if (!n)
              return -ENOMEM;
            a->rows = n;
          }
          a->rows[a->nrows++] = (struct ck_agree_row) {
            (size_t) (e - r->cells), (size_t) (x - r->cells), prop,
            e->worst[prop] == CK_V_HELD && x->worst[prop] >= CK_V_LOST,
          };
        }
      }
  for (size_t i = 0; i < a->nrows; i++)
    a->unsafe += a->rows[i].unsafe;
  if (a->nrows)
    qsort (a->rows, a->nrows, sizeof *a->rows, mr_row_cmp);
  return 0;
}

void
ck_agreement_free (struct ck_agreement *a)
{
  free (a->rows);
  memset (a, 0, sizeof *a);
}

/* The kernel file systems the matrix has columns for. */
static size_t
mr_kernel_fs (const struct ck_matrix_opts *o, const char *out[4])
{
  size_t n = 0;
  for (size_t c = 0; c < o->ncols; c++) {
    bool seen = !o->cols[c].fs[0];
    for (size_t i = 0; i < n && !seen; i++)
      seen = strcmp (out[i], o->cols[c].fs) == 0;
    if (!seen && n < 4)
      out[n++] = o->cols[c].fs;
  }
  return n;
}

uint64_t
ck_matrix_prune_logs (const struct ck_matrix_opts *o,
                      struct ck_matrix_result *r)
{
  const char *fss[4];
  size_t nfs = mr_kernel_fs (o, fss);
  bool *keep = calloc (r->ncells ? r->ncells : 1, sizeof *keep);
  uint64_t freed = 0;

  if (keep == NULL)
    return 0;                   /* keep them all */
  if (nfs && r->ncells != r->ncells_total) {
    free (keep);
    return 0;                   /* a shard: a twin may be elsewhere */
  }
  for (size_t f = 0; f < nfs; f++) {
    struct ck_agreement a;
    if (ck_matrix_agreement (o, r, fss[f], &a) < 0) {
      ck_agreement_free (&a);
      free (keep);
      return 0;                 /* cannot tell which rows link: keep all */
    }
    for (size_t i = 0; i < a.nrows; i++)
      keep[a.rows[i].engine_cell] = keep[a.rows[i].fs_cell] = true;
    ck_agreement_free (&a);
  }
  /* The answer's rebuild commands (the first ones it shows). */
  {
    struct ck_answer_diff d[40];
    size_t n = ck_matrix_answer_diffs (o, r, d, 40);
    for (size_t i = 0; i < n && i < 40; i++)
      keep[d[i].worse_cell] = true;
  }
  for (size_t i = 0; i < r->ncells; i++) {
    struct ck_cell *c = &r->cells[i];
    struct stat st;
    char cmd[2600];
    if (keep[i] || c->err || c->faults_disagree)
      continue;
    /* A violated cell's report has replay commands: its log stays, unless
     * it is a big one from the engine, which its rebuild command records
     * again byte for byte (the cell page says so). */
    if (c->violated
        && !(ck_matrix_rebuild_command (o, c, cmd, sizeof cmd)
             && stat (c->log, &st) == 0
             && (uint64_t) st.st_size > CK_MATRIX_LOG_KEEP_MAX))
      continue;
    if (stat (c->log, &st) == 0 && unlink (c->log) == 0) {
      freed += (uint64_t) st.st_size;
      c->log_removed = true;
    }
    else if (errno == ENOENT)
      c->log_removed = true;    /* a shard or an earlier run removed it */
  }
  free (keep);
  return freed;
}

static void
mr_agreement_text (FILE *out, const struct ck_matrix_opts *o,
                   const struct ck_matrix_result *r)
{
  const char *fss[4];
  size_t nfs = mr_kernel_fs (o, fss);

  for (size_t f = 0; f < nfs; f++) {
    struct ck_agreement a;
    if (ck_matrix_agreement (o, r, fss[f], &a) < 0)
      continue;
    size_t unsafe = a.unsafe;
    fprintf (out, "\nagreement engine vs %s: %" PRIu64 " of %" PRIu64
             " verdicts agree", a.fs, a.agree, a.verdicts);
    if (unsafe)
      fprintf (out, "; %zu where the engine says held and %s does not "
               "(marked !!)", unsafe, a.fs);
    fputc ('\n', out);
    if (a.nrows)
      fprintf (out, "  %-2s %-26s %-9s %-18s %-7s %-8s %-8s %s\n", "",
               "workload", "persist", "mount", "prop", "engine", a.fs,
               "first state (engine | kernel)");
    for (size_t i = 0; i < a.nrows; i++) {
      const struct ck_agree_row *x = &a.rows[i];
      const struct ck_cell *e = &r->cells[x->engine_cell];
      const struct ck_cell *k = &r->cells[x->fs_cell];
      fprintf (out, "  %-2s %-26.26s %-9s %-18s %-7s %-8s %-8s %s | %s\n",
               x->unsafe ? "!!" : "", r->wl_names[e->wl],
               wl_persist_name (o->persist[e->persist]), o->cols[e->col].name,
               ck_prop_name (x->prop), mr_verdict (e->worst[x->prop]),
               mr_verdict (k->worst[x->prop]),
               e->recipe[x->prop][0] ? e->recipe[x->prop] : "-",
               k->recipe[x->prop][0] ? k->recipe[x->prop] : "-");
    }
    ck_agreement_free (&a);
  }
}

static struct json_object *
mr_agreement_json (const struct ck_matrix_opts *o,
                   const struct ck_matrix_result *r)
{
  struct json_object *arr = json_object_new_array ();
  const char *fss[4];
  size_t nfs = mr_kernel_fs (o, fss);

  for (size_t f = 0; f < nfs; f++) {
    struct ck_agreement a;
    if (ck_matrix_agreement (o, r, fss[f], &a) < 0)
      continue;
    for (size_t i = 0; i < a.nrows; i++) {
      const struct ck_agree_row *x = &a.rows[i];
      const struct ck_cell *e = &r->cells[x->engine_cell];
      const struct ck_cell *k = &r->cells[x->fs_cell];
      struct json_object *j = json_object_new_object ();
      json_object_object_add (j, "fs", json_object_new_string (a.fs));
      json_object_object_add (j, "workload", json_object_new_string (r->wl_names[e->wl]));
      json_object_object_add (j, "persist", json_object_new_string (
                                wl_persist_name (o->persist[e->persist])));
      json_object_object_add (j, "mount", json_object_new_string (o->cols[e->col].opts));
      json_object_object_add (j, "property", json_object_new_string (ck_prop_name (x->prop)));
      json_object_object_add (j, "engine", json_object_new_string (mr_verdict_json (e->worst[x->prop])));
      json_object_object_add (j, "kernel", json_object_new_string (mr_verdict_json (k->worst[x->prop])));
      json_object_object_add (j, "engine_state", json_object_new_string (e->recipe[x->prop]));
      json_object_object_add (j, "kernel_state", json_object_new_string (k->recipe[x->prop]));
      json_object_object_add (j, "engine_log", json_object_new_string (e->log));
      json_object_object_add (j, "kernel_log", json_object_new_string (k->log));
      json_object_object_add (j, "unsafe", json_object_new_boolean (x->unsafe));
      json_object_array_add (arr, j);
    }
    ck_agreement_free (&a);
  }
  return arr;
}

static struct json_object *
mr_agreement_summary_json (const struct ck_matrix_opts *o,
                           const struct ck_matrix_result *r)
{
  struct json_object *m = json_object_new_object ();
  const char *fss[4];
  size_t nfs = mr_kernel_fs (o, fss);

  for (size_t f = 0; f < nfs; f++) {
    struct ck_agreement a;
    if (ck_matrix_agreement (o, r, fss[f], &a) < 0)
      continue;
    size_t unsafe = a.unsafe;
    struct json_object *x = json_object_new_object ();
    json_object_object_add (x, "verdicts", json_object_new_uint64 (a.verdicts));
    json_object_object_add (x, "agree", json_object_new_uint64 (a.agree));
    json_object_object_add (x, "unsafe", json_object_new_uint64 (unsafe));
    json_object_object_add (m, a.fs, x);
    ck_agreement_free (&a);
  }
  return m;
}

size_t
ck_matrix_uncaught (const struct ck_matrix_opts *o,
                    const struct ck_matrix_result *r)
{
  size_t n = 0;

  for (size_t b = 0; b < o->nbugs; b++) {
    bool caught = false;
    for (size_t i = 0; i < r->ncells; i++)
      caught |= r->cells[i].bug == (int) b && mr_caught (r, &r->cells[i]);
    n += !caught;
  }
  return n;
}

void
ck_matrix_text (FILE *out, const struct ck_matrix_opts *o,
                const struct ck_matrix_result *r)
{
  char buf[128];

  fprintf (out, "matrix: %zu workloads x %zu persist x %zu mount columns%s"
           " = %zu cells; %" PRIu64 " crash states checked in %.1f s "
           "(%.0f states/s, %.1f workloads/min, %u jobs); profile %s\n",
           o->nworkloads,
           o->npersist, o->nbugs ? (size_t) 1 : o->ncols,
           o->nbugs ? " x bug switches" : "", r->ncells, r->checked,
           r->seconds, r->seconds > 0 ? (double) r->checked / r->seconds : 0,
           r->seconds > 0 ? (double) r->ncells * 60 / r->seconds : 0, o->jobs,
           ck_profile_name (o->profile));
  fputs ("cells: ok = every promise held; -PROPS = lost, not promised; "
         "VIOL PROPS = a promise broken; ERR = could not run or check\n", out);
  ck_matrix_answer_text (out, o, r);
  if (!o->nbugs) {
    for (size_t p = 0; p < o->npersist; p++) {
      int width[CK_MATRIX_MAX_COLS];
      for (size_t c = 0; c < o->ncols; c++) {
        width[c] = (int) strlen (o->cols[c].name);
        for (size_t w = 0; w < o->nworkloads; w++) {
          mr_cell_text (mr_cell (o, r, w, p, c), buf, sizeof buf);
          if ((int) strlen (buf) > width[c])
            width[c] = (int) strlen (buf);
        }
      }
      fprintf (out, "\npersist %s\n  %-28s", wl_persist_name (o->persist[p]),
               "workload");
      for (size_t c = 0; c < o->ncols; c++)
        fprintf (out, " %-*s", width[c], o->cols[c].name);
      fputc ('\n', out);
      for (size_t w = 0; w < o->nworkloads; w++) {
        fprintf (out, "  %-28.28s", r->wl_names[w]);
        for (size_t c = 0; c < o->ncols; c++) {
          mr_cell_text (mr_cell (o, r, w, p, c), buf, sizeof buf);
          fprintf (out, " %-*s", width[c], buf);
        }
        fputc ('\n', out);
      }
    }
    mr_summary_text (out, o, r, 0);       /* the first column: the default */
    if (o->ncols > 1)
      mr_summary_text (out, o, r, SIZE_MAX);
    for (size_t c = 1; c < o->ncols; c++)  /* each kernel fs's first column */
      if (o->cols[c].fs[0] && strcmp (o->cols[c].fs, o->cols[c - 1].fs) != 0)
        mr_summary_text (out, o, r, c);
    mr_agreement_text (out, o, r);
  }
  else {
    fputs ("\nkill table: bug switch -> cells in which a promise broke that "
           "holds without the switch\n", out);
    for (size_t i = 0; i < r->ncells; i++)
      if (r->cells[i].bug < 0 && r->cells[i].violated)
        fprintf (out, "  (baseline %s violates without any switch: it cannot "
                 "catch one)\n", r->cells[i].name);
    for (size_t b = 0; b < o->nbugs; b++) {
      size_t n = 0;
      fprintf (out, "  %-26s", o->bugs[b]);
      for (size_t i = 0; i < r->ncells; i++) {
        const struct ck_cell *c = &r->cells[i];
        if (c->bug != (int) b || !mr_caught (r, c))
          continue;
        fprintf (out, "%s%s/%s", n++ ? ", " : "", r->wl_names[c->wl],
                 wl_persist_name (o->persist[c->persist]));
      }
      fputs (n ? "\n" : "NOT CAUGHT\n", out);
    }
  }
  if (o->random_faults) {
    uint64_t fired = 0, syncs = 0, after = 0, met = 0, disagree = 0;
    for (size_t i = 0; i < r->ncells; i++) {
      const struct ck_cell *c = &r->cells[i];
      met += c->faults_fired > 0;
      fired += c->faults_fired;
      syncs += c->failed_syncs;
      after += c->after_error;
      disagree += c->faults_disagree;
    }
    fprintf (out, "\nfaults (seed %" PRIu64 "; \"Nf\" = N requests failed "
             "in the cell): %" PRIu64 " of %zu cells met some, %" PRIu64
             " requests failed, %" PRIu64 " sync calls returned an error, %"
             PRIu64 " findings lost after an error the workload was told of "
             "(not violations); runner and log disagree in %" PRIu64
             " cells\n", o->fault_seed, met, r->ncells, fired, syncs, after,
             disagree);
  }
  for (size_t i = 0; i < r->ncells; i++)
    if ((r->cells[i].err || r->cells[i].msg[0]) && !r->cells[i].na)
      fprintf (out, "%s %s: %s\n", r->cells[i].err ? "ERROR" : "note",
               r->cells[i].name, r->cells[i].msg);
}

size_t
ck_matrix_disagreements (const struct ck_matrix_result *r)
{
  size_t n = 0;

  for (size_t i = 0; i < r->ncells; i++)
    n += r->cells[i].faults_disagree;
  return n;
}

struct json_object *
ck_matrix_json (const struct ck_matrix_opts *o, const struct ck_matrix_result *r)
{
  struct json_object *j = json_object_new_object ();
  struct json_object *cells = json_object_new_array ();
  struct json_object *sum = json_object_new_object ();

  json_object_object_add (j, "version", json_object_new_int (1));
  json_object_object_add (j, "profile", json_object_new_string (ck_profile_name (o->profile)));
  json_object_object_add (j, "states_checked", json_object_new_uint64 (r->checked));
  json_object_object_add (j, "seconds", json_object_new_double (r->seconds));
  if (o->random_faults)
    json_object_object_add (j, "fault_seed", json_object_new_uint64 (o->fault_seed));
  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    struct json_object *x = json_object_new_object ();
    struct json_object *props = json_object_new_object ();
    json_object_object_add (x, "name", json_object_new_string (c->name));
    json_object_object_add (x, "workload", json_object_new_string (r->wl_names[c->wl]));
    json_object_object_add (x, "persist", json_object_new_string (
                              wl_persist_name (o->persist[c->persist])));
    json_object_object_add (x, "mount", json_object_new_string (o->cols[c->col].opts));
    json_object_object_add (x, "fs", json_object_new_string (
                              o->cols[c->col].fs[0] ? o->cols[c->col].fs : "engine"));
    json_object_object_add (x, "column", json_object_new_string (o->cols[c->col].name));
    if (c->na)
      json_object_object_add (x, "not_run", json_object_new_boolean (1));
    if (c->program)
      json_object_object_add (x, "program", json_object_new_boolean (1));
    if (c->bug >= 0)
      json_object_object_add (x, "bug", json_object_new_string (o->bugs[c->bug]));
    json_object_object_add (x, "log", c->log_removed ? NULL
                            : json_object_new_string (c->log));
    char cmd[2600];
    if (c->log_removed && c->violated
        && ck_matrix_rebuild_command (o, c, cmd, sizeof cmd))
      json_object_object_add (x, "rebuild", json_object_new_string (cmd));
    json_object_object_add (x, "states", json_object_new_uint64 (c->states));
    json_object_object_add (x, "checked", json_object_new_uint64 (c->checked));
    json_object_object_add (x, "violated", json_object_new_uint64 (c->violated));
    for (int p = 0; p < CK_P__COUNT; p++) {
      struct json_object *v = json_object_new_object ();
      json_object_object_add (v, "verdict", json_object_new_string (
                                mr_verdict_json (c->worst[p])));
      json_object_object_add (v, "held", json_object_new_uint64 (c->per_prop[p][CK_V_HELD]));
      json_object_object_add (v, "lost", json_object_new_uint64 (c->per_prop[p][CK_V_LOST]));
      json_object_object_add (v, "violated", json_object_new_uint64 (c->per_prop[p][CK_V_VIOLATED]));
      json_object_object_add (props, ck_prop_name (p), v);
    }
    json_object_object_add (x, "properties", props);
    if (c->err || c->msg[0])
      json_object_object_add (x, c->err ? "error" : "note", json_object_new_string (c->msg));
    if (c->nfaults) {
      struct json_object *f = json_object_new_object ();
      struct json_object *specs = json_object_new_array ();
      for (size_t k = 0; k < c->nfaults; k++)
        json_object_array_add (specs, json_object_new_string (c->faults[k]));
      json_object_object_add (f, "specs", specs);
      json_object_object_add (f, "failed_requests", json_object_new_uint64 (c->faults_fired));
      json_object_object_add (f, "failed_syncs", json_object_new_uint64 (c->failed_syncs));
      json_object_object_add (f, "lost_after_error", json_object_new_uint64 (c->after_error));
      json_object_object_add (f, "agree", json_object_new_boolean (!c->faults_disagree));
      json_object_object_add (x, "faults", f);
    }
    json_object_array_add (cells, x);
  }
  json_object_object_add (j, "cells", cells);
  for (size_t p = 0; p < o->npersist && !o->nbugs; p++) {
    struct json_object *pp = json_object_new_object ();
    for (int prop = 0; prop < CK_P__COUNT; prop++) {
      uint64_t v[CK_V_VIOLATED + 1];
      struct json_object *c = json_object_new_object ();
      mr_summary_counts (o, r, p, SIZE_MAX, prop, v);
      json_object_object_add (c, "held", json_object_new_uint64 (v[CK_V_HELD]));
      json_object_object_add (c, "lost", json_object_new_uint64 (v[CK_V_LOST]));
      json_object_object_add (c, "violated", json_object_new_uint64 (v[CK_V_VIOLATED]));
      json_object_object_add (pp, ck_prop_name (prop), c);
    }
    json_object_object_add (sum, wl_persist_name (o->persist[p]), pp);
  }
  json_object_object_add (j, "summary", sum);
  json_object_object_add (j, "agreement", mr_agreement_json (o, r));
  json_object_object_add (j, "agreement_summary",
                          mr_agreement_summary_json (o, r));
  if (o->nbugs) {
    struct json_object *kill = json_object_new_object ();
    for (size_t b = 0; b < o->nbugs; b++) {
      struct json_object *a = json_object_new_array ();
      for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].bug == (int) b && mr_caught (r, &r->cells[i]))
          json_object_array_add (a, json_object_new_string (r->cells[i].name));
      json_object_object_add (kill, o->bugs[b], a);
    }
    json_object_object_add (j, "kill", kill);
  }
  return j;
}

static const char *
mr_colour (const struct ck_cell *c)
{
  char t[128];

  mr_cell_text (c, t, sizeof t);
  return c->na ? "#eee" : c->err ? "#bbb" : t[0] == 'V' ? "#f99" : t[0] == '-' ? "#fd8" : "#9d9";
}

int
ck_matrix_html (const struct ck_matrix_opts *o,
                const struct ck_matrix_result *r, char *errbuf, size_t errlen)
{
  char path[4200], buf[128];
  FILE *f;

  snprintf (path, sizeof path, "%s/index.html", o->out_dir);
  if (!(f = fopen (path, "w"))) {
    snprintf (errbuf, errlen, "%s: %s", path, strerror (errno));
    return -errno;
  }
  fputs ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>"
         "flushpoint matrix</title><style>body{font-family:sans-serif;"
         "margin:2em}td,th{padding:2px 8px}a{color:#000}</style></head>"
         "<body>\n<h1>flushpoint matrix</h1>\n", f);
  fprintf (f, "<p>%zu cells, %" PRIu64 " crash states checked in %.1f s. "
           "Each cell links to its report with a timeline of writes, "
           "flushes, marks and state verdicts.</p>\n", r->ncells, r->checked,
           r->seconds);
  ck_matrix_answer_html (f, o, r);
  ck_matrix_plots_html (f, o, r);
  for (size_t p = 0; p < o->npersist && !o->nbugs; p++) {
    fprintf (f, "<h2>persist %s</h2>\n<table><tr><th>workload</th>",
             wl_persist_name (o->persist[p]));
    for (size_t c = 0; c < o->ncols; c++)
      fprintf (f, "<th>%s</th>", o->cols[c].name);
    fputs ("</tr>\n", f);
    for (size_t w = 0; w < o->nworkloads; w++) {
      fprintf (f, "<tr><td>%s</td>", r->wl_names[w]);
      for (size_t c = 0; c < o->ncols; c++) {
        const struct ck_cell *cell = mr_cell (o, r, w, p, c);
        mr_cell_text (cell, buf, sizeof buf);
        fprintf (f, "<td style='background:%s'><a href='cells/%s.html'>%s"
                 "</a></td>", mr_colour (cell), cell->name, buf);
      }
      fputs ("</tr>\n", f);
    }
    fputs ("</table>\n", f);
  }
  if (!o->nbugs) {
    fprintf (f, "<h2>Summary (%s): cells where each property held / was "
             "lost / was violated</h2>\n<table><tr><th>property</th>",
             o->cols[0].name);
    for (size_t p = 0; p < o->npersist; p++)
      fprintf (f, "<th>%s</th>", wl_persist_name (o->persist[p]));
    fputs ("</tr>\n", f);
    for (int prop = 0; prop < CK_P__COUNT; prop++) {
      fprintf (f, "<tr><td>%s</td>", ck_prop_name (prop));
      for (size_t p = 0; p < o->npersist; p++) {
        uint64_t v[CK_V_VIOLATED + 1];
        mr_summary_counts (o, r, p, 0, prop, v);
        fprintf (f, "<td>%" PRIu64 " / %" PRIu64 " / %" PRIu64 "</td>",
                 v[CK_V_HELD], v[CK_V_LOST], v[CK_V_VIOLATED]);
      }
      fputs ("</tr>\n", f);
    }
    fputs ("</table>\n", f);
  }
  else {
    fputs ("<h2>Kill table</h2>\n<table><tr><th>bug switch</th><th>caught "
           "by</th></tr>\n", f);
    for (size_t b = 0; b < o->nbugs; b++) {
      size_t n = 0;
      fprintf (f, "<tr><td>%s</td><td>", o->bugs[b]);
      for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].bug == (int) b && mr_caught (r, &r->cells[i]))
          fprintf (f, "%s<a href='cells/%s.html'>%s/%s</a>", n++ ? ", " : "",
                   r->cells[i].name, r->wl_names[r->cells[i].wl],
                   wl_persist_name (o->persist[r->cells[i].persist]));
      fputs (n ? "</td></tr>\n" : "<b>NOT CAUGHT</b></td></tr>\n", f);
    }
    fputs ("</table>\n", f);
  }
  const char *fss[4];
  size_t nfs = mr_kernel_fs (o, fss);
  for (size_t k = 0; k < nfs; k++) {
    struct ck_agreement a;
    if (ck_matrix_agreement (o, r, fss[k], &a) < 0)
      continue;
    fprintf (f, "<h2>Agreement: engine vs %s</h2>\n<p>%" PRIu64 " of %"
             PRIu64 " verdicts agree.  Rows marked !! are the worst kind: "
             "the engine says held, %s does not.</p>\n<table><tr><th></th>"
             "<th>workload</th><th>persist</th><th>mount</th><th>property"
             "</th><th>engine</th><th>%s</th><th>first state (engine | %s)"
             "</th></tr>\n", a.fs, a.agree, a.verdicts, a.fs, a.fs, a.fs);
    for (size_t i = 0; i < a.nrows; i++) {
      const struct ck_agree_row *x = &a.rows[i];
      const struct ck_cell *e = &r->cells[x->engine_cell];
      const struct ck_cell *kc = &r->cells[x->fs_cell];
      fprintf (f, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s"
               "</td><td><a href='cells/%s.html'>%s</a></td><td><a href='"
               "cells/%s.html'>%s</a></td><td>%s | %s</td></tr>\n",
               x->unsafe ? "<b>!!</b>" : "", r->wl_names[e->wl],
               wl_persist_name (o->persist[e->persist]), o->cols[e->col].name,
               ck_prop_name (x->prop), e->name, mr_verdict (e->worst[x->prop]),
               kc->name, mr_verdict (kc->worst[x->prop]), e->recipe[x->prop],
               kc->recipe[x->prop]);
    }
    fputs ("</table>\n", f);
    ck_agreement_free (&a);
  }
  fputs ("</body></html>\n", f);
  if (fclose (f) != 0) {
    snprintf (errbuf, errlen, "%s: %s", path, strerror (errno));
    return -errno;
  }
  return 0;
}
