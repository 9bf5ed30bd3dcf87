/* ck_report_html: one self-contained HTML page per check (ck_report.h):
 * the header, the per-property table, the timeline
 * (ck_report_timeline.c) and the grouped findings. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ck_report.h"

void
ck_html_esc (FILE *out, const char *s)
{
  for (; *s; s++)
    switch (*s) {
    case '<': fputs ("&lt;", out); break;
    case '>': fputs ("&gt;", out); break;
    case '&': fputs ("&amp;", out); break;
    case '"': fputs ("&quot;", out); break;
    case '\'': fputs ("&#39;", out); break;
    default: fputc (*s, out);
    }
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
    ck_html_esc (out, f->path);
    fputs ("</code>: ", out);
    ck_html_esc (out, f->msg);
    fprintf (out, "<br>in %zu state%s; first: state %" PRIu64 " (%s, ",
             g[i].states, g[i].states == 1 ? "" : "s", g[i].s->index,
             ck_kind_name (g[i].s->recipe.kind));
    ck_html_esc (out, rec);
    fputs (")", out);
    if (f->sync_op != CK_NO_OP && f->sync_op < r->oracle->nops) {
      fprintf (out, "<br>%s op %u <code>", f->violation || f->after_error
               ? "promised by" : "as of (not a promise)", f->sync_op);
      ck_html_esc (out, r->oracle->ops[f->sync_op].wop->text);
      fputs ("</code>", out);
    }
    if (f->since) {
      fputs ("<br>since then: ", out);
      ck_html_esc (out, f->since);
    }
    fputs ("<br>rebuild: <code>", out);
    ck_html_esc (out, cmd ? cmd : "");
    fputs ("</code>", out);
    free (cmd);
    if ((cmd = ck_report_inspect (r, img)) != NULL) {
      fputs ("<br>inspect (as root, after the rebuild):<pre>", out);
      ck_html_esc (out, cmd);
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
  char uuid[37];
  int err;

  fplog_uuid_format (r->hdr.uuid, uuid);
  fputs ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'>\n<title>"
         "flushpoint check: ", out);
  ck_html_esc (out, r->oracle->workload ? r->oracle->workload : o->log_path);
  fputs ("</title>\n<style>body{font-family:sans-serif;margin:2em}"
         "td,th{padding:2px 10px;text-align:right}"
         ".viol{border-left:4px solid #d22;padding:4px 8px;margin:6px 0}"
         ".lost{border-left:4px solid #e90;padding:4px 8px;margin:6px 0}"
         "code{background:#f4f4f4}</style></head><body>\n", out);
  fputs ("<h1>flushpoint check: ", out);
  ck_html_esc (out, r->oracle->workload ? r->oracle->workload : "?");
  fprintf (out, " &mdash; %s</h1>\n<p>log <code>", r->violated ? "FAIL" : "ok");
  ck_html_esc (out, o->log_path);
  fprintf (out, "</code> (%s), persist %s, mount <code>", uuid,
           r->oracle->persist ? r->oracle->persist : "?");
  ck_html_esc (out, r->mount);
  fprintf (out, "</code>, profile %s.<br>%zu crash states (flush %" PRIu64
           ", write %" PRIu64 ", epoch %" PRIu64 ", torn %" PRIu64 "), %"
           PRIu64 " checked, %" PRIu64 " violating a promise.</p>\n",
           ck_profile_name (o->profile), r->nstates,
           r->walk.states[CK_KIND_FLUSH], r->walk.states[CK_KIND_WRITE],
           r->walk.states[CK_KIND_EPOCH], r->walk.states[CK_KIND_TORN],
           r->checked, r->violated);
  if (o->note) {
    fputs ("<p class='note'>", out);
    ck_html_esc (out, o->note);
    fputs ("</p>\n", out);
  }
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
  fputs ("</table>\n", out);
  if ((err = ck_report_timeline (out, r, o->log_path, errbuf, errlen)) != 0)
    return err;
  rh_groups (out, r, o);
  fputs ("</body></html>\n", out);
  return ferror (out) ? -EIO : 0;
}
