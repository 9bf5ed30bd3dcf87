/* cli_matrix: the end of `flushpoint matrix` and `flushpoint merge` --
 * reports, JUnit, and the exit status with the line that explains it.
 *
 * Exit status: 1 when a cell could not run or be checked, a bug switch
 * was caught by no cell, a cell's runner and log disagree on faults, or
 * (only with --expect) a violation no rule expects appeared or a rule's
 * violation is gone; else 0.  Without --expect a violation is a result,
 * not a failure (nobarrier is meant to lose data), and the summary line
 * says so.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ck_matrix.h"
#include "ck_matrix_ci.h"
#include "commands.h"

int
cli_matrix_expect (const char *cmd, const char *path, struct ck_expect *e)
{
  char msg[1200];

  if (ck_expect_load (path, e, msg, sizeof msg) < 0)
    return cli_usage_error (cmd, "--expect: %s", msg);
  return CLI_EXIT_OK;
}

void
cli_matrix_cell_line (void *ctx, const struct ck_matrix_result *r,
                      const struct ck_cell *c, bool resumed)
{
  char text[128];

  (void) ctx;
  ck_matrix_cell_text (c, text, sizeof text);
  printf ("cell %zu/%zu %s: %s%s\n", c->index + 1, r->ncells_total, c->name,
          text, resumed ? " (resumed)" : "");
  fflush (stdout);
}

/* Append ", what" (or "what") to the reasons. */
static void
cm_reason (char *buf, size_t len, size_t n, const char *what)
{
  size_t used = strlen (buf);

  if (n && used < len)
    snprintf (buf + used, len - used, "%s%zu %s", used ? ", " : "", n, what);
}

int
cli_matrix_finish (const char *cmd, const struct ck_matrix_opts *o,
                   const struct ck_matrix_result *r,
                   const struct cli_matrix_ci *ci)
{
  struct ck_outcome oc;
  char msg[1200], text[128], why[512] = "";
  int status = CLI_EXIT_OK;

  if (ck_matrix_write_reports (stdout, !ci->quiet, o, r, msg, sizeof msg) < 0) {
    cli_error (cmd, "%s", msg);
    status = CLI_EXIT_FAILED;
  }
  if (!ci->quiet)
    printf ("\nreports: %s/index.html, %s/matrix.json\n", o->out_dir,
            o->out_dir);
  ck_matrix_judge (o, r, ci->expect, &oc);
  if (ci->junit && ck_matrix_junit (ci->junit, o, r, ci->expect, msg,
                                    sizeof msg) < 0) {
    cli_error (cmd, "--junit: %s", msg);
    status = CLI_EXIT_FAILED;
  }
  for (size_t i = 0; ci->expect && i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    if (c->bug >= 0 || c->err || c->na || !c->violated
        || ck_expect_match (ci->expect, o, r, c) >= 0)
      continue;
    ck_matrix_cell_text (c, text, sizeof text);
    printf ("UNEXPECTED VIOLATION %s: %s\n", c->name, text);
  }
  for (size_t k = 0; ci->expect && k < ci->expect->n; k++) {
    const struct ck_expect_rule *rule = &ci->expect->rules[k];
    if (!rule->violated)
      printf ("EXPECTED VIOLATION GONE %s:%u '%s': %zu cells matched, none "
              "violated\n", ci->expect->path, rule->line, rule->text,
              rule->matched);
  }
  cm_reason (why, sizeof why, r->failed_cells, "cells ERR");
  cm_reason (why, sizeof why, ck_matrix_uncaught (o, r),
             "bug switches not caught");
  cm_reason (why, sizeof why, ck_matrix_disagreements (r),
             "cells where runner and log disagree on faults");
  if (ci->expect) {
    cm_reason (why, sizeof why, oc.unexpected, "unexpected violations");
    cm_reason (why, sizeof why, oc.gone, "expected violations gone");
  }
  if (why[0])
    status = CLI_EXIT_FAILED;
  printf ("result: %zu cells: %zu ok, %zu lost only, %zu VIOLATED", oc.cells,
          oc.ok, oc.lost, oc.violated);
  if (ci->expect)
    printf (" (%zu expected, %zu unexpected)", oc.expected, oc.unexpected);
  printf (", %zu ERR, %zu n/a", oc.err, oc.na);
  if (oc.bug_cells)
    printf (", %zu bug-switch cells (the kill table judges them)",
            oc.bug_cells);
  if (ci->expect)
    printf ("; %zu of %zu expectations met", ci->expect->n - oc.gone,
            ci->expect->n);
  else
    printf ("; violations do not fail the run without --expect");
  printf ("; exit %d%s%s%s\n", status, why[0] ? " (" : "", why,
          why[0] ? ")" : "");
  return status;
}
