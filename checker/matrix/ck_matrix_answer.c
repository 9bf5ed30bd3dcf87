/* ck_matrix_answer: the answer first -- what each sync call guaranteed,
 * property by property, in words, over the engine's mount columns with
 * barriers (the ext4 modes a user would run), then one line for the
 * columns without barriers and one per kernel file system; and every cell
 * pair where fsync and fdatasync differ, with the first state where the
 * property was lost and the command that rebuilds it.  Text for the
 * terminal; index.html shows the same text, then two plots (verdicts per
 * property, crash states per second per cell). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ck_matrix.h"
#include "ck_recipe.h"
#include "ck_report.h"

/* How one persist choice did on one property over a set of columns. */
enum mx_status { MX_NONE, MX_KEPT, MX_LOST, MX_BROKE };

struct mx_tally {
  uint64_t cells, v[CK_V_VIOLATED + 1];
};

/* Which columns a line of the answer covers. */
enum mx_cols { MX_BARRIER, MX_NOBARRIER, MX_KERNEL };

static bool
mx_col_in (const struct ck_matrix_col *c, enum mx_cols which, const char *fs)
{
  bool nob = strstr (c->opts, "nobarrier") != NULL;

  switch (which) {
  case MX_BARRIER:   return !c->fs[0] && !nob;
  case MX_NOBARRIER: return !c->fs[0] && nob;
  case MX_KERNEL:    return c->fs[0] && strcmp (c->fs, fs) == 0;
  }
  return false;
}

static bool
mx_cell_counts (const struct ck_cell *c)
{
  return c->bug < 0 && !c->err && !c->na && !c->program;
}

/* Programs make their own sync calls: their cells say what the program
 * kept, not what a call guarantees, so they get a sentence of their own. */
static void
mx_programs (FILE *out, const struct ck_matrix_result *r)
{
  uint64_t cells = 0, broke = 0;
  size_t shown = 0;

  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    if (!c->program || c->na || c->err || c->bug >= 0)
      continue;
    cells++;
    broke += c->worst[CK_P_APP] == CK_V_VIOLATED;
  }
  if (!cells)
    return;
  fprintf (out, "Programs (#! exec, their own sync calls): their own check "
           "failed in %" PRIu64 " of %" PRIu64 " cells", broke, cells);
  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    if (!c->program || c->na || c->err || c->bug >= 0
        || c->worst[CK_P_APP] != CK_V_VIOLATED)
      continue;
    if (shown++ < 8)
      fprintf (out, "%s%s", shown == 1 ? ": " : ", ", c->name);
  }
  fputs (shown > 8 ? ", ...\n" : ".\n", out);
}

static void
mx_tally (const struct ck_matrix_opts *o, const struct ck_matrix_result *r,
          size_t p, int prop, enum mx_cols which, const char *fs,
          struct mx_tally *t)
{
  memset (t, 0, sizeof *t);
  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    if (c->persist != p || !mx_cell_counts (c)
        || !mx_col_in (&o->cols[c->col], which, fs))
      continue;
    t->cells++;
    t->v[c->worst[prop]]++;
  }
}

static enum mx_status
mx_status (const struct mx_tally *t)
{
  if (t->v[CK_V_VIOLATED])
    return MX_BROKE;
  if (t->v[CK_V_LOST])
    return MX_LOST;
  return t->v[CK_V_HELD] ? MX_KEPT : MX_NONE;
}

static const char *
mx_call (const struct ck_matrix_opts *o, size_t p)
{
  return o->persist[p] == WL_PERSIST_NONE ? "no persist"
         : wl_persist_name (o->persist[p]);
}

/* "data: fsync, fdatasync and sync kept it in every cell; no sync lost it
 * in 3 of 39 cells (not promised)." */
static void
mx_sentence (FILE *out, const struct ck_matrix_opts *o,
             const struct ck_matrix_result *r, int prop, enum mx_cols which,
             const char *fs)
{
  static const enum mx_status order[] = { MX_BROKE, MX_LOST, MX_KEPT,
                                          MX_NONE };
  bool any = false;

  fprintf (out, "  %-7s", ck_prop_name (prop));
  for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
    size_t n = 0, total = 0;
    struct mx_tally t, sum = { 0 };
    for (size_t p = 0; p < o->npersist; p++) {
      mx_tally (o, r, p, prop, which, fs, &t);
      if (t.cells && mx_status (&t) == order[k]) {
        total++;
        sum.cells += t.cells;
        for (int v = 0; v <= CK_V_VIOLATED; v++)
          sum.v[v] += t.v[v];
      }
    }
    if (!total)
      continue;
    fputs (any ? "; " : " ", out);
    for (size_t p = 0; p < o->npersist; p++) {
      mx_tally (o, r, p, prop, which, fs, &t);
      if (!t.cells || mx_status (&t) != order[k])
        continue;
      n++;
      fprintf (out, "%s%s", n == 1 ? "" : n == total ? " and " : ", ",
               mx_call (o, p));
    }
    switch (order[k]) {
    case MX_BROKE:
      fprintf (out, " BROKE the promise in %" PRIu64 " of %" PRIu64
               " cells", sum.v[CK_V_VIOLATED], sum.cells);
      break;
    case MX_LOST:
      fprintf (out, " lost it in %" PRIu64 " of %" PRIu64 " cells (not "
               "promised)", sum.v[CK_V_LOST], sum.cells);
      break;
    case MX_KEPT:
      fputs (" kept it in every cell", out);
      break;
    case MX_NONE:
      fputs (" had nothing to keep", out);
      break;
    }
    any = true;
  }
  fputs (any ? ".\n" : " not exercised.\n", out);
}

static const char *
mx_cols_names (const struct ck_matrix_opts *o, enum mx_cols which,
               const char *fs, char *buf, size_t len)
{
  size_t at = 0;

  buf[0] = '\0';
  for (size_t c = 0; c < o->ncols && at < len; c++)
    if (mx_col_in (&o->cols[c], which, fs))
      at += (size_t) snprintf (buf + at, len - at, "%s%s", at ? ", " : "",
                               o->cols[c].name);
  return buf;
}

/* ---- where fsync and fdatasync differ ---- */

static size_t
mx_persist_index (const struct ck_matrix_opts *o, enum wl_persist want)
{
  for (size_t p = 0; p < o->npersist; p++)
    if (o->persist[p] == want)
      return p;
  return SIZE_MAX;
}

static const struct ck_cell *
mx_find (const struct ck_matrix_result *r, size_t wl, size_t p, size_t col)
{
  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    if (c->bug < 0 && c->wl == wl && c->persist == p && c->col == col)
      return c;
  }
  return NULL;
}

size_t
ck_matrix_answer_diffs (const struct ck_matrix_opts *o,
                        const struct ck_matrix_result *r,
                        struct ck_answer_diff *out, size_t max)
{
  size_t fs = mx_persist_index (o, WL_PERSIST_FSYNC);
  size_t fds = mx_persist_index (o, WL_PERSIST_FDATASYNC);
  size_t n = 0;

  if (fs == SIZE_MAX || fds == SIZE_MAX || o->nbugs)
    return 0;
  for (size_t w = 0; w < r->nwl; w++)
    for (size_t c = 0; c < o->ncols; c++) {
      if (!mx_col_in (&o->cols[c], MX_BARRIER, NULL))
        continue;
      const struct ck_cell *a = mx_find (r, w, fs, c);
      const struct ck_cell *b = mx_find (r, w, fds, c);
      if (!a || !b || !mx_cell_counts (a) || !mx_cell_counts (b))
        continue;
      for (int prop = 0; prop < CK_P__COUNT; prop++) {
        if (a->worst[prop] == b->worst[prop])
          continue;
        if (n < max)
          out[n] = (struct ck_answer_diff) {
            (size_t) (a - r->cells), (size_t) (b - r->cells), prop,
            (size_t) ((a->worst[prop] > b->worst[prop] ? a : b) - r->cells),
          };
        n++;
      }
    }
  return n;
}

/* The rebuild command of the worse side's first state, malloc'd (NULL
 * when the cell kept no recipe). */
static char *
mx_rebuild (const struct ck_cell *c, int prop)
{
  struct ck_recipe rec;
  char img[400], why[256];
  char *cmd = NULL;

  if (!c->recipe[prop][0])
    return NULL;
  ck_recipe_init (&rec);
  snprintf (img, sizeof img, "%s-%s.img", c->name, ck_prop_name (prop));
  if (ck_recipe_parse (&rec, c->recipe[prop], why, sizeof why) == 0)
    cmd = ck_recipe_command (&rec, c->log, img);
  ck_recipe_free (&rec);
  return cmd;
}

static const char *
mx_v (uint8_t v)
{
  return v == CK_V_VIOLATED ? "VIOLATED" : ck_verdict_name (v);
}

#define MX_DIFFS_SHOWN 40

void
ck_matrix_answer_text (FILE *out, const struct ck_matrix_opts *o,
                       const struct ck_matrix_result *r)
{
  struct ck_answer_diff d[MX_DIFFS_SHOWN];
  char cols[1024];
  size_t n;

  if (o->nbugs)
    return;
  fprintf (out, "\nTHE ANSWER -- what each call guaranteed (engine, profile "
           "%s), over the columns with barriers (%s):\n",
           ck_profile_name (o->profile),
           mx_cols_names (o, MX_BARRIER, NULL, cols, sizeof cols));
  for (int prop = 0; prop < CK_P__COUNT; prop++)
    if (prop != CK_P_APP)
      mx_sentence (out, o, r, prop, MX_BARRIER, NULL);
  if (mx_cols_names (o, MX_NOBARRIER, NULL, cols, sizeof cols)[0]) {
    fprintf (out, "Without barriers (%s: a volatile write cache that is "
             "never flushed):\n", cols);
    mx_sentence (out, o, r, CK_P_DATA, MX_NOBARRIER, NULL);
  }
  for (size_t c = 0; c < o->ncols; c++)
    if (o->cols[c].fs[0] && (c == 0 || strcmp (o->cols[c].fs,
                                               o->cols[c - 1].fs) != 0)) {
      fprintf (out, "The running kernel's %s (%s):\n", o->cols[c].fs,
               mx_cols_names (o, MX_KERNEL, o->cols[c].fs, cols,
                              sizeof cols));
      mx_sentence (out, o, r, CK_P_DATA, MX_KERNEL, o->cols[c].fs);
    }
  mx_programs (out, r);
  n = ck_matrix_answer_diffs (o, r, d, MX_DIFFS_SHOWN);
  if (mx_persist_index (o, WL_PERSIST_FSYNC) == SIZE_MAX
      || mx_persist_index (o, WL_PERSIST_FDATASYNC) == SIZE_MAX)
    return;
  fprintf (out, "Where fsync and fdatasync differ: %zu verdicts%s\n", n,
           n ? " (workload, column, property: fsync / fdatasync; the first "
               "state where it was lost, and its rebuild):" : ".");
  for (size_t i = 0; i < n && i < MX_DIFFS_SHOWN; i++) {
    const struct ck_cell *a = &r->cells[d[i].fsync_cell];
    const struct ck_cell *b = &r->cells[d[i].fdatasync_cell];
    const struct ck_cell *w = &r->cells[d[i].worse_cell];
    char *cmd = mx_rebuild (w, d[i].prop);
    fprintf (out, "  %-26s %-18s %-6s %s / %s; %s: %s\n    rebuild: %s\n",
             r->wl_names[a->wl], o->cols[a->col].name,
             ck_prop_name (d[i].prop), mx_v (a->worst[d[i].prop]),
             mx_v (b->worst[d[i].prop]),
             wl_persist_name (o->persist[w->persist]),
             w->recipe[d[i].prop][0] ? w->recipe[d[i].prop] : "-",
             cmd ? cmd : "(no state kept)");
    free (cmd);
  }
  if (n > MX_DIFFS_SHOWN)
    fprintf (out, "  ... and %zu more (matrix.json, the tables below)\n",
             n - MX_DIFFS_SHOWN);
}

/* The same for index.html: the text block, HTML-escaped, in a <pre>. */
int
ck_matrix_answer_html (FILE *out, const struct ck_matrix_opts *o,
                       const struct ck_matrix_result *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream (&buf, &len);

  if (!m)
    return -1;
  ck_matrix_answer_text (m, o, r);
  if (fclose (m) != 0) {
    free (buf);
    return -1;
  }
  fputs ("<section id='answer'><h2>The answer</h2><pre>", out);
  ck_html_esc (out, buf);
  fputs ("</pre></section>\n", out);
  free (buf);
  return 0;
}

/* ---- plots for index.html ---- */

/* Per property and persist choice, a stacked bar of the engine's cells
 * with barriers: held green, lost amber, violated red. */
static void
mx_plot_verdicts (FILE *out, const struct ck_matrix_opts *o,
                  const struct ck_matrix_result *r)
{
  const unsigned bw = 220, bh = 14, lx = 70;
  unsigned width = lx + (unsigned) o->npersist * (bw + 20);
  unsigned height = 24 + CK_P__COUNT * (bh + 6);

  fprintf (out, "<h2>Verdicts per property</h2>\n<p>Cells of the engine's "
           "columns with barriers in which each property held (green), was "
           "lost without a promise (amber) or was violated (red).</p>\n"
           "<svg id='fp-verdicts' xmlns='http://www.w3.org/2000/svg' "
           "width='%u' height='%u' font-family='sans-serif' "
           "font-size='11'>\n", width, height);
  for (size_t p = 0; p < o->npersist; p++)
    fprintf (out, "<text x='%u' y='12'>%s</text>\n",
             lx + (unsigned) p * (bw + 20), mx_call (o, p));
  for (int prop = 0; prop < CK_P__COUNT; prop++) {
    unsigned y = 20 + (unsigned) prop * (bh + 6);
    fprintf (out, "<text x='0' y='%u'>%s</text>\n", y + bh - 3,
             ck_prop_name (prop));
    for (size_t p = 0; p < o->npersist; p++) {
      static const char *const col[] = { "#3a3", "#e90", "#d22" };
      static const int v[] = { CK_V_HELD, CK_V_LOST, CK_V_VIOLATED };
      struct mx_tally t;
      double x = lx + (double) p * (bw + 20);
      mx_tally (o, r, p, prop, MX_BARRIER, NULL, &t);
      for (int k = 0; k < 3 && t.cells; k++) {
        double w = (double) bw * (double) t.v[v[k]] / (double) t.cells;
        if (w <= 0)
          continue;
        fprintf (out, "<rect class='fp-bar fp-bar-%s' x='%.1f' y='%u' "
                 "width='%.1f' height='%u' fill='%s'><title>%s, %s: %" PRIu64
                 " of %" PRIu64 " cells %s</title></rect>\n",
                 ck_verdict_name (v[k]), x, y, w, bh, col[k],
                 ck_prop_name (prop), mx_call (o, p), t.v[v[k]], t.cells,
                 ck_verdict_name (v[k]));
        x += w;
      }
    }
  }
  fputs ("</svg>\n", out);
}

/* Crash states per second, cell by cell in the order they are numbered:
 * where the time of the run went.  In <section class='timing'>: the one
 * part of index.html that depends on the run's timing (two runs, or a
 * merge and the unsharded run, agree on everything else). */
static void
mx_plot_rate (FILE *out, const struct ck_matrix_result *r)
{
  const unsigned h = 120, x0 = 50;
  double most = 1;
  unsigned bw = r->ncells > 600 ? 1 : r->ncells > 200 ? 2 : 4;

  for (size_t i = 0; i < r->ncells; i++)
    if (r->cells[i].seconds > 0
        && r->cells[i].checked / r->cells[i].seconds > most)
      most = (double) r->cells[i].checked / r->cells[i].seconds;
  fprintf (out, "<section class='timing'>"
           "<h2>Crash states per second, per cell</h2>\n<p>Each bar is "
           "one cell, in matrix order; its height is the states it checked "
           "per second (the highest: %.0f). Hover for the cell, its states "
           "and its time.</p>\n<svg id='fp-rate' xmlns='http://www.w3.org/"
           "2000/svg' width='%u' height='%u' font-family='sans-serif' "
           "font-size='10'>\n<text x='0' y='10'>%.0f/s</text><text x='0' "
           "y='%u'>0</text>\n", most, x0 + (unsigned) r->ncells * bw + 10,
           h + 10, most, h);
  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    double rate = c->seconds > 0 ? (double) c->checked / c->seconds : 0;
    double bar = h * rate / most;
    fprintf (out, "<rect class='fp-rate' x='%u' y='%.1f' width='%u' "
             "height='%.1f' fill='#48c'><title>%s: %" PRIu64 " states in "
             "%.2f s</title></rect>\n", x0 + (unsigned) i * bw, h - bar, bw,
             bar, c->name, c->checked, c->seconds);
  }
  fputs ("</svg></section>\n", out);
}

void
ck_matrix_plots_html (FILE *out, const struct ck_matrix_opts *o,
                      const struct ck_matrix_result *r)
{
  if (!o->nbugs)
    mx_plot_verdicts (out, o, r);
  mx_plot_rate (out, r);
}
