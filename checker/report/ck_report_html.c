/* ck_report_html: one self-contained HTML page per check (ck_report.h).
 *
 * The timeline is an SVG with one column per bucket of log entries (at
 * most RH_COLS columns, so a log of millions of entries still draws in a
 * few hundred KiB):
 *   row "writes"  a tick where WRITE/TRIM/ZERO entries fall (FUA darker)
 *   row "marks"   a tick per MARK; sync calls that returned are labelled
 *   FLUSH         a red line across the whole height
 *   row "states"  the worst verdict of the crash states ending in the
 *                 bucket: green held, amber lost (not promised), red
 *                 violated, grey skipped (before mkfs finished)
 * Hovering a column shows its entry range (SVG <title>).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ck_report.h"

#define RH_COLS   1200u
#define RH_LABELS 40u

struct rh_col {
  uint32_t writes, fua, marks, flushes;
  uint8_t verdict;             /* 0 none, 1 skipped, 2 held, 3 lost, 4 violated */
};

static void
rh_esc (FILE *out, const char *s)
{
  for (; *s; s++)
    switch (*s) {
    case '<': fputs ("&lt;", out); break;
    case '>': fputs ("&gt;", out); break;
    case '&': fputs ("&amp;", out); break;
    case '"': fputs ("&quot;", out); break;
    default: fputc (*s, out);
    }
}

static uint8_t
rh_state_level (const struct ck_state_result *s)
{
  uint8_t worst = 2;

  if (s->status == CK_STATE_SKIPPED)
    return 1;
  for (int p = 0; p < CK_P__COUNT; p++)
    if (s->v[p] == CK_V_VIOLATED)
      worst = 4;
    else if (s->v[p] == CK_V_LOST && worst < 3)
      worst = 3;
  return worst;
}

/* Fill the columns from the log and the states. */
static int
rh_columns (const struct ck_check_result *r, const char *log_path,
            struct rh_col *cols, uint64_t *per, char *errbuf, size_t errlen)
{
  struct fplog_reader *rd;
  struct fplog_entry e;
  uint64_t n = r->walk.entries ? r->walk.entries : 1;
  int rc, err = fplog_reader_open (log_path, &rd, errbuf, errlen);

  if (err)
    return err;
  *per = (n + RH_COLS - 1) / RH_COLS;
  while ((rc = fplog_next (rd, &e, errbuf, errlen)) == FPLOG_NEXT_ENTRY) {
    struct rh_col *c = &cols[e.seq / *per];
    switch (e.type) {
    case FPLOG_WRITE: case FPLOG_TRIM: case FPLOG_ZERO:
      c->writes++;
      c->fua += (e.flags & FPLOG_F_FUA) != 0;
      break;
    case FPLOG_FLUSH: c->flushes++; break;
    case FPLOG_MARK: c->marks++; break;
    default: break;
    }
  }
  fplog_reader_close (rd);
  if (rc < 0)
    return rc;
  for (size_t i = 0; i < r->nstates; i++) {
    uint64_t col = r->states[i].recipe.end / *per;
    uint8_t lv = rh_state_level (&r->states[i]);
    if (col < RH_COLS && lv > cols[col].verdict)
      cols[col].verdict = lv;
  }
  return 0;
}

static void
rh_svg (FILE *out, const struct ck_check_result *r, const struct rh_col *cols,
        uint64_t per)
{
  static const char *const fill[] = { "", "#bbb", "#3a3", "#e90", "#d22" };
  unsigned ncols = (unsigned) ((r->walk.entries + per - 1) / per);
  unsigned w = ncols < 300 ? 3 : 1, labels = 0;
  unsigned width = 70 + ncols * w + 10;

  fprintf (out, "<svg xmlns='http://www.w3.org/2000/svg' width='%u' "
           "height='150' font-family='sans-serif' font-size='10'>\n", width);
  fputs ("<text x='0' y='30'>writes</text><text x='0' y='62'>marks</text>"
         "<text x='0' y='122'>states</text>\n", out);
  for (unsigned i = 0; i < ncols; i++) {
    const struct rh_col *c = &cols[i];
    unsigned x = 70 + i * w;
    uint64_t lo = (uint64_t) i * per, hi = lo + per - 1;
    fprintf (out, "<g><title>entries %" PRIu64 "-%" PRIu64 ": %u writes "
             "(%u FUA), %u FLUSH, %u marks</title>", lo, hi, c->writes,
             c->fua, c->flushes, c->marks);
    if (c->flushes)
      fprintf (out, "<rect x='%u' y='5' width='%u' height='130' "
               "fill='#d22' opacity='0.35'/>", x, w);
    if (c->writes)
      fprintf (out, "<rect x='%u' y='18' width='%u' height='18' fill='%s'/>",
               x, w, c->fua ? "#124" : "#48c");
    if (c->marks)
      fprintf (out, "<rect x='%u' y='52' width='%u' height='14' "
               "fill='#2a6'/>", x, w);
    if (c->verdict)
      fprintf (out, "<rect x='%u' y='110' width='%u' height='16' "
               "fill='%s'/>", x, w, fill[c->verdict]);
    fputs ("</g>\n", out);
  }
  /* Label the sync calls that returned, where their after-mark lies. */
  for (size_t i = 0; i < r->oracle->nops && labels < RH_LABELS; i++) {
    const struct ck_op *op = &r->oracle->ops[i];
    if (!op->sync_call || op->after_seq == CK_NO_SEQ)
      continue;
    unsigned x = 70 + (unsigned) (op->after_seq / per) * w;
    fprintf (out, "<text x='%u' y='%u' fill='#2a6'>", x,
             labels % 2 ? 92 : 80);
    rh_esc (out, op->sync_call);
    fprintf (out, " %zu</text>\n", i);
    labels++;
  }
  fputs ("</svg>\n", out);
}

static void
rh_groups (FILE *out, const struct ck_check_result *r,
           const struct ck_report_opts *o)
{
  struct ck_group *g = NULL;
  size_t ng = 0;

  if (ck_report_groups (r, true, &g, &ng) < 0)
    return;
  fprintf (out, "<h2>Findings (%zu)</h2>\n", ng);
  for (size_t i = 0; i < ng; i++) {
    const struct ck_finding *f = g[i].f;
    char rec[512], img[64], *cmd;
    ck_recipe_format (&g[i].s->recipe, rec, sizeof rec);
    ck_report_image_name (g[i].s, img, sizeof img);
    cmd = ck_recipe_command (&g[i].s->recipe, o->log_path, img);
    fprintf (out, "<div class='%s'><b>%s %s</b> <code>", f->violation
             ? "viol" : "lost", f->violation ? "VIOLATION"
             : f->after_error ? "LOST AFTER ERROR" : "lost",
             ck_prop_name (f->prop));
    rh_esc (out, f->path);
    fputs ("</code>: ", out);
    rh_esc (out, f->msg);
    fprintf (out, "<br>in %zu state%s; first: state %" PRIu64 " (%s, ",
             g[i].states, g[i].states == 1 ? "" : "s", g[i].s->index,
             ck_kind_name (g[i].s->recipe.kind));
    rh_esc (out, rec);
    fputs (")", out);
    if (f->sync_op != CK_NO_OP && f->sync_op < r->oracle->nops) {
      fprintf (out, "<br>%s op %u <code>", f->violation || f->after_error
               ? "promised by" : "as of (not a promise)", f->sync_op);
      rh_esc (out, r->oracle->ops[f->sync_op].wop->text);
      fputs ("</code>", out);
    }
    if (f->since) {
      fputs ("<br>since then: ", out);
      rh_esc (out, f->since);
    }
    fputs ("<br>rebuild: <code>", out);
    rh_esc (out, cmd ? cmd : "");
    fputs ("</code>", out);
    free (cmd);
    if ((cmd = ck_report_inspect (r, img)) != NULL) {
      fputs ("<br>inspect (as root, after the rebuild):<pre>", out);
      rh_esc (out, cmd);
      fputs ("</pre>", out);
      free (cmd);
    }
    fputs ("</div>\n", out);
  }
  free (g);
}

int
ck_report_html (FILE *out, const struct ck_check_result *r,
                const struct ck_report_opts *o, char *errbuf, size_t errlen)
{
  struct rh_col *cols = calloc (RH_COLS, sizeof *cols);
  uint64_t per = 1;
  char uuid[37];
  int err;

  if (!cols)
    return -ENOMEM;
  err = rh_columns (r, o->log_path, cols, &per, errbuf, errlen);
  if (err) {
    free (cols);
    return err;
  }
  fplog_uuid_format (r->hdr.uuid, uuid);
  fputs ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'>\n<title>"
         "flushpoint check: ", out);
  rh_esc (out, r->oracle->workload ? r->oracle->workload : o->log_path);
  fputs ("</title>\n<style>body{font-family:sans-serif;margin:2em}"
         "td,th{padding:2px 10px;text-align:right}"
         ".viol{border-left:4px solid #d22;padding:4px 8px;margin:6px 0}"
         ".lost{border-left:4px solid #e90;padding:4px 8px;margin:6px 0}"
         "code{background:#f4f4f4}</style></head><body>\n", out);
  fputs ("<h1>flushpoint check: ", out);
  rh_esc (out, r->oracle->workload ? r->oracle->workload : "?");
  fprintf (out, " &mdash; %s</h1>\n<p>log <code>", r->violated ? "FAIL" : "ok");
  rh_esc (out, o->log_path);
  fprintf (out, "</code> (%s), persist %s, mount <code>", uuid,
           r->oracle->persist ? r->oracle->persist : "?");
  rh_esc (out, r->mount);
  fprintf (out, "</code>, profile %s.<br>%zu crash states (flush %" PRIu64
           ", write %" PRIu64 ", epoch %" PRIu64 ", torn %" PRIu64 "), %"
           PRIu64 " checked, %" PRIu64 " violating a promise.</p>\n",
           ck_profile_name (o->profile), r->nstates,
           r->walk.states[CK_KIND_FLUSH], r->walk.states[CK_KIND_WRITE],
           r->walk.states[CK_KIND_EPOCH], r->walk.states[CK_KIND_TORN],
           r->checked, r->violated);
  if (r->oracle->fsck_only)
    fputs ("<p><b>fsck only</b>: the log carries no oracle marks (a disk "
           "recording), so each crash state was recovered and fsck'd and no "
           "promise was checked; states before the first that holds a file "
           "system were skipped as before mkfs.</p>\n", out);
  fputs ("<table><tr><th style='text-align:left'>property</th><th>held</th>"
         "<th>lost</th><th>violated</th></tr>\n", out);
  for (int p = 0; p < CK_P__COUNT; p++)
    fprintf (out, "<tr><td style='text-align:left'>%s</td><td>%" PRIu64
             "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>\n",
             ck_prop_name (p), r->per_prop[p][CK_V_HELD],
             r->per_prop[p][CK_V_LOST], r->per_prop[p][CK_V_VIOLATED]);
  fprintf (out, "</table>\n<h2>Timeline</h2>\n<p>%" PRIu64 " entries, %"
           PRIu64 " per column.</p>\n", r->walk.entries, per);
  rh_svg (out, r, cols, per);
  rh_groups (out, r, o);
  fputs ("</body></html>\n", out);
  free (cols);
  return ferror (out) ? -EIO : 0;
}
