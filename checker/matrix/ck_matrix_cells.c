/* ck_matrix_cells: the numbering of a matrix's cells and the workloads a
 * shard reads (ck_matrix_int.h).
 *
 * A cell's number says what it is without a table: ck_matrix_cell_decode
 * computes (bug, workload, persist, column) from it, so a shard of a
 * matrix of millions of cells allocates only its own.  Workload names come
 * from the paths alone; a workload's text is read only when a cell of
 * this run needs it.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "ck_matrix.h"
#include "ck_matrix_int.h"
#include "ck_recipe.h"

/* The column a bug switch runs in: the first, or nojournal for the
 * nojournal-* switches (a nojournal bug only shows without a journal). */
static size_t
mx_bug_col (const struct ck_matrix_opts *o, size_t bug)
{
  if (strncmp (o->bugs[bug], "nojournal-", 10) == 0)
    for (size_t k = 0; k < o->ncols; k++)
      if (strncmp (o->cols[k].opts, "nojournal", 9) == 0)
        return k;
  return 0;
}

static void
mx_cell_init (const struct ck_matrix_opts *o, struct ck_matrix_result *r,
              struct ck_cell *cell, size_t w, size_t p, size_t col, int bug)
{
  cell->wl = w;
  cell->persist = p;
  cell->col = col;
  cell->bug = bug;
  snprintf (cell->name, sizeof cell->name, "%s--%s--%s%s%s", r->wl_names[w],
            wl_persist_name (o->persist[p]), o->cols[col].name,
            bug >= 0 ? "--bug-" : "", bug >= 0 ? o->bugs[bug] : "");
  snprintf (cell->log, sizeof cell->log, "%s/logs/%s.fpl", o->out_dir,
            cell->name);
  /* A merge has no paths: the shards' records bring them. */
  snprintf (cell->wl_path, sizeof cell->wl_path, "%s",
            o->workloads ? o->workloads[w] : "");
}

/* The columns that get cells: all of them, or with bugs those a switch
 * runs in (ascending).  Returns how many. */
static size_t
mx_used_cols (const struct ck_matrix_opts *o, size_t ucol[CK_MATRIX_MAX_COLS])
{
  bool used[CK_MATRIX_MAX_COLS] = { false };
  size_t n = 0;

  for (size_t b = 0; b < o->nbugs; b++)
    used[mx_bug_col (o, b)] = true;
  for (size_t c = 0; c < o->ncols; c++)
    if (!o->nbugs || used[c])
      ucol[n++] = c;
  return n;
}

/* Without bugs: workload x persist x column.  With bugs: each switch's
 * cells, then the baseline -- the same cells without any switch -- for
 * every column a switch used, so that a switch counts as caught only
 * where the correct engine passes. */
size_t
ck_matrix_cell_count (const struct ck_matrix_opts *o)
{
  size_t ucol[CK_MATRIX_MAX_COLS];
  size_t wp = o->nworkloads * o->npersist;

  return (o->nbugs + mx_used_cols (o, ucol)) * wp;
}

void
ck_matrix_cell_decode (const struct ck_matrix_opts *o, size_t i, size_t *wl,
                       size_t *persist, size_t *col, int *bug)
{
  size_t ucol[CK_MATRIX_MAX_COLS];
  size_t nu = mx_used_cols (o, ucol), np = o->npersist;
  size_t wp = o->nworkloads * np;

  assert (i < ck_matrix_cell_count (o));
  if (i < o->nbugs * wp) {
    *bug = (int) (i / wp);
    *wl = i % wp / np;
    *persist = i % np;
    *col = mx_bug_col (o, (size_t) *bug);
    return;
  }
  i -= o->nbugs * wp;
  *bug = -1;
  *wl = i / (np * nu);
  *persist = i / nu % np;
  *col = ucol[i % nu];
}

bool
ck_matrix_rebuild_command (const struct ck_matrix_opts *o,
                           const struct ck_cell *c, char *buf, size_t len)
{
  const struct ck_matrix_col *col = &o->cols[c->col];
  char wl[1100], log[1100], mount[400], mq[420], disk[64] = "";

  ck_shell_quote (c->wl_path, wl, sizeof wl);
  ck_shell_quote (c->log, log, sizeof log);
  snprintf (mount, sizeof mount, "%s%s%s", col->opts,
            c->bug >= 0 ? ",bug=" : "", c->bug >= 0 ? o->bugs[c->bug] : "");
  ck_shell_quote (mount, mq, sizeof mq);
  if (o->disk_size)
    snprintf (disk, sizeof disk, " --disk-size %" PRIu64, o->disk_size);
  snprintf (buf, len, "flushpoint run %s --start-nbdkit --log %s --persist "
            "%s --mount %s%s%s%s", wl, log,
            wl_persist_name (o->persist[c->persist]), mq, disk,
            col->fs[0] ? " --fs " : "", col->fs);
  return !col->fs[0] && !o->random_faults;
}

char *
ck_matrix_wl_name (const char *path)
{
  const char *base = strrchr (path, '/');
  size_t n;

  base = base ? base + 1 : path;
  n = strlen (base);
  if (n > 3 && strcmp (base + n - 3, ".wl") == 0)
    n -= 3;
  return strndup (base, n);
}

/* The shard's cells: numbers I, I+N, ... of the whole matrix. */
int
ck_matrix_cells_alloc (const struct ck_matrix_opts *o, struct ck_matrix_result *r)
{
  uint64_t n = o->shard_count ? o->shard_count : 1, first = o->shard_index;

  r->ncells_total = ck_matrix_cell_count (o);
  r->ncells = r->ncells_total > first
              ? (size_t) ((r->ncells_total - first - 1) / n + 1) : 0;
  r->cells = calloc (r->ncells ? r->ncells : 1, sizeof *r->cells);
  if (!r->cells)
    return -ENOMEM;
  for (size_t k = 0; k < r->ncells; k++) {
    struct ck_cell *c = &r->cells[k];
    size_t w, p, col;
    int bug;
    c->index = (size_t) (first + k * n);
    ck_matrix_cell_decode (o, c->index, &w, &p, &col, &bug);
    mx_cell_init (o, r, c, w, p, col, bug);
  }
  return 0;
}

/* XXH3-64 of a file's bytes. */
static int
mx_file_hash (const char *path, uint64_t *h, char *errbuf, size_t errlen)
{
  XXH3_state_t *st = XXH3_createState ();
  char buf[65536];
  FILE *f = fopen (path, "rb");
  size_t n;
  int err = 0;

  if (!f || !st) {
    err = f ? -ENOMEM : -errno;
    snprintf (errbuf, errlen, "%s: %s", path, strerror (-err));
    goto out;
  }
  XXH3_64bits_reset (st);
  while ((n = fread (buf, 1, sizeof buf, f)) > 0)
    XXH3_64bits_update (st, buf, n);
  if (ferror (f)) {
    err = -EIO;
    snprintf (errbuf, errlen, "%s: read error", path);
  }
  *h = XXH3_64bits_digest (st);
 out:
  if (f)
    fclose (f);
  XXH3_freeState (st);
  return err;
}

/* Names of every workload (from the paths alone); parse and hash those
 * the shard's cells use, one at a time. */
int
ck_matrix_workloads_load (const struct ck_matrix_opts *o, struct ck_matrix_result *r,
              bool names_only, char *errbuf, size_t errlen)
{
  bool *need;
  int err = 0;

  if (names_only) {
    r->wl_names = calloc (o->nworkloads, sizeof *r->wl_names);
    r->wl_hash = calloc (o->nworkloads, sizeof *r->wl_hash);
    if (!r->wl_names || !r->wl_hash)
      return -ENOMEM;
    r->nwl = o->nworkloads;
    for (size_t i = 0; i < o->nworkloads; i++)
      if (!(r->wl_names[i] = ck_matrix_wl_name (o->workloads[i])))
        return -ENOMEM;
    return 0;
  }
  if (!(need = calloc (o->nworkloads, sizeof *need)))
    return -ENOMEM;
  for (size_t k = 0; k < r->ncells; k++)
    need[r->cells[k].wl] = true;
  for (size_t i = 0; i < o->nworkloads && !err; i++) {
    struct wl_workload *w;
    if (!need[i])
      continue;
    err = wl_parse_file (o->workloads[i], &w, errbuf, errlen);
    wl_free (w);
    if (!err)
      err = mx_file_hash (o->workloads[i], &r->wl_hash[i], errbuf, errlen);
  }
  free (need);
  return err;
}
