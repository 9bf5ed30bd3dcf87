/* ck_matrix_ci: expectations, the outcome and JUnit XML (ck_matrix_ci.h).
 *
 * JUnit: the element and attribute set the common schema (Jenkins'
 * junit-10.xsd, which GitLab, GitHub's reporters and Azure read) asks
 * for: testsuites(name, tests, failures, errors, time) > testsuite(name,
 * tests, failures, errors, skipped, time) > testcase(classname, name,
 * time) with at most one failure, error or skipped child.  A cell with
 * several violated properties gets one failure naming them all.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_matrix_ci.h"
#include "ck_recipe.h"

/* ---- the expectations file ---- */

static int
ci_rule_parse (struct ck_expect_rule *rule, char *line, const char *path,
               char *errbuf, size_t errlen)
{
  char *w[4], *save, *t;
  int n = 0;
  enum wl_persist p;

  for (t = strtok_r (line, " \t\r\n", &save); t; t = strtok_r (NULL, " \t\r\n", &save)) {
    if (n == 3) {
      snprintf (errbuf, errlen, "%s:%u: a rule is COLUMN, PERSIST COLUMN or "
                "WORKLOAD PERSIST COLUMN; this one has more words", path,
                rule->line);
      return -EINVAL;
    }
    if (strlen (t) >= sizeof rule->pat[0]) {
      snprintf (errbuf, errlen, "%s:%u: '%.40s...' is longer than %zu bytes",
                path, rule->line, t, sizeof rule->pat[0] - 1);
      return -EINVAL;
    }
    w[n++] = t;
  }
  /* Missing leading words match everything. */
  for (int i = 0; i < 3; i++)
    snprintf (rule->pat[i], sizeof rule->pat[i], "%s",
              i < 3 - n ? "*" : w[i - (3 - n)]);
  if (!strpbrk (rule->pat[1], "*?[")
      && wl_persist_lookup (rule->pat[1], &p) < 0) {
    snprintf (errbuf, errlen, "%s:%u: '%s' is not a persist choice (fsync, "
              "fdatasync, sync, osync, odsync, none) or a pattern", path,
              rule->line, rule->pat[1]);
    return -EINVAL;
  }
  return 0;
}

int
ck_expect_load (const char *path, struct ck_expect *e, char *errbuf,
                size_t errlen)
{
  FILE *f = fopen (path, "r");
  char *line = NULL;
  size_t cap = 0, alloc = 0;
  unsigned lineno = 0;
  int err = 0;

  memset (e, 0, sizeof *e);
  snprintf (e->path, sizeof e->path, "%s", path);
  if (!f) {
    err = -errno;
    snprintf (errbuf, errlen, "%s: %s", path, strerror (errno));
    return err;
  }
  while (!err && getline (&line, &cap, f) >= 0) {
    char *hash = strchr (line, '#'), *s;
    lineno++;
    if (hash)
      *hash = '\0';
    for (s = line; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
      ;
    if (!*s)
      continue;
    if (e->n == alloc) {
      alloc = alloc ? 2 * alloc : 16;
      struct ck_expect_rule *nr = realloc (e->rules, alloc * sizeof *nr);
      if (!nr) {
        err = -ENOMEM;
        break;
      }
      e->rules = nr;
    }
    struct ck_expect_rule *rule = &e->rules[e->n];
    memset (rule, 0, sizeof *rule);
    rule->line = lineno;
    snprintf (rule->text, sizeof rule->text, "%s", s);
    for (size_t k = strlen (rule->text); k > 0
         && strchr (" \t\r\n", rule->text[k - 1]); k--)
      rule->text[k - 1] = '\0';
    if (!(err = ci_rule_parse (rule, s, path, errbuf, errlen)))
      e->n++;
  }
  if (!err && ferror (f)) {
    err = -EIO;
    snprintf (errbuf, errlen, "%s: read error", path);
  }
  free (line);
  fclose (f);
  if (err)
    ck_expect_free (e);
  return err;
}

void
ck_expect_free (struct ck_expect *e)
{
  free (e->rules);
  e->rules = NULL;
  e->n = 0;
}

/* ---- judging ---- */

static bool
ci_rule_matches (const struct ck_expect_rule *rule,
                 const struct ck_matrix_opts *o,
                 const struct ck_matrix_result *r, const struct ck_cell *c)
{
  return fnmatch (rule->pat[0], r->wl_names[c->wl], 0) == 0
         && fnmatch (rule->pat[1], wl_persist_name (o->persist[c->persist]), 0) == 0
         && fnmatch (rule->pat[2], o->cols[c->col].name, 0) == 0;
}

int
ck_expect_match (const struct ck_expect *e, const struct ck_matrix_opts *o,
                 const struct ck_matrix_result *r, const struct ck_cell *c)
{
  for (size_t i = 0; e && c->bug < 0 && i < e->n; i++)
    if (ci_rule_matches (&e->rules[i], o, r, c))
      return (int) i;
  return -1;
}

static bool
ci_violated (const struct ck_cell *c)
{
  return !c->err && !c->na && c->violated > 0;
}

void
ck_matrix_judge (const struct ck_matrix_opts *o,
                 const struct ck_matrix_result *r, struct ck_expect *e,
                 struct ck_outcome *out)
{
  memset (out, 0, sizeof *out);
  out->judged = e != NULL;
  out->cells = r->ncells;
  for (size_t k = 0; e && k < e->n; k++)
    e->rules[k].matched = e->rules[k].violated = 0;
  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    bool lost = false;
    if (c->na) {
      out->na++;
      continue;
    }
    if (c->err) {
      out->err++;
      continue;
    }
    if (c->bug >= 0) {
      out->bug_cells++;
      continue;
    }
    for (size_t k = 0; e && k < e->n; k++)
      if (ci_rule_matches (&e->rules[k], o, r, c)) {
        e->rules[k].matched++;
        e->rules[k].violated += ci_violated (c);
      }
    if (ci_violated (c)) {
      out->violated++;
      if (ck_expect_match (e, o, r, c) >= 0)
        out->expected++;
      else
        out->unexpected++;
      continue;
    }
    for (int p = 0; p < CK_P__COUNT; p++)
      lost |= c->worst[p] == CK_V_LOST;
    if (lost)
      out->lost++;
    else
      out->ok++;
  }
  for (size_t k = 0; e && k < e->n; k++)
    out->gone += e->rules[k].violated == 0;
}

/* ---- JUnit XML ---- */

static void
ci_xml (FILE *f, const char *s)
{
  for (; *s; s++) {
    unsigned char ch = (unsigned char) *s;
    switch (ch) {
    case '&': fputs ("&amp;", f); break;
    case '<': fputs ("&lt;", f); break;
    case '>': fputs ("&gt;", f); break;
    case '"': fputs ("&quot;", f); break;
    case '\'': fputs ("&apos;", f); break;
    default:
      /* XML 1.0 has no other control characters than tab, CR, LF. */
      if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
        fprintf (f, "?");
      else
        fputc (ch, f);
    }
  }
}

/* The failure's text: per violated property, its first violating state
 * and the command that rebuilds it. */
static void
ci_failure_body (FILE *f, const struct ck_cell *c)
{
  for (int p = 0; p < CK_P__COUNT; p++) {
    struct ck_recipe rec;
    char img[400], line[256];
    char *cmd = NULL;
    if (c->worst[p] != CK_V_VIOLATED)
      continue;
    ck_recipe_init (&rec);
    snprintf (img, sizeof img, "%s-%s.img", c->name, ck_prop_name (p));
    if (c->recipe[p][0]
        && ck_recipe_parse (&rec, c->recipe[p], line, sizeof line) == 0)
      cmd = ck_recipe_command (&rec, c->log, img);
    fprintf (f, "%s: %" PRIu64 " states violated; first: ", ck_prop_name (p),
             c->per_prop[p][CK_V_VIOLATED]);
    ci_xml (f, c->recipe[p][0] ? c->recipe[p] : "-");
    fputs ("\n  rebuild: ", f);
    if (cmd)
      ci_xml (f, cmd);
    else {
      fputs ("flushpoint check ", f);
      ci_xml (f, c->log);
    }
    fputc ('\n', f);
    free (cmd);
    ck_recipe_free (&rec);
  }
}

static void
ci_testcase (FILE *f, const struct ck_matrix_opts *o,
             const struct ck_matrix_result *r, const struct ck_expect *e,
             const struct ck_cell *c)
{
  char text[128];

  fputs ("    <testcase classname=\"flushpoint.matrix.", f);
  ci_xml (f, wl_persist_name (o->persist[c->persist]));
  fputc ('.', f);
  ci_xml (f, o->cols[c->col].name);
  if (c->bug >= 0) {
    fputs (".bug-", f);
    ci_xml (f, o->bugs[c->bug]);
  }
  fputs ("\" name=\"", f);
  ci_xml (f, r->wl_names[c->wl]);
  fprintf (f, "\" time=\"%.3f\">\n", c->seconds);
  ck_matrix_cell_text (c, text, sizeof text);
  if (c->na) {
    fputs ("      <skipped message=\"", f);
    ci_xml (f, c->msg);
    fputs ("\"/>\n", f);
  }
  else if (c->err) {
    fputs ("      <error type=\"cell\" message=\"could not run or check\">", f);
    ci_xml (f, c->msg);
    fputs ("</error>\n", f);
  }
  else if (ci_violated (c) && c->bug < 0 && ck_expect_match (e, o, r, c) < 0) {
    fputs ("      <failure type=\"violation\" message=\"unexpected ", f);
    ci_xml (f, text);
    fputs ("\">", f);
    ci_failure_body (f, c);
    fputs ("</failure>\n", f);
  }
  else if (ci_violated (c)) {
    fputs ("      <system-out>expected: ", f);
    ci_xml (f, text);
    fputs ("</system-out>\n", f);
  }
  fputs ("    </testcase>\n", f);
}

int
ck_matrix_junit (const char *path, const struct ck_matrix_opts *o,
                 const struct ck_matrix_result *r, const struct ck_expect *e,
                 char *errbuf, size_t errlen)
{
  FILE *f = fopen (path, "w");
  size_t tests = r->ncells + (e ? e->n : 0), failures = 0, errors = 0, skipped = 0;

  if (!f) {
    snprintf (errbuf, errlen, "%s: %s", path, strerror (errno));
    return -errno;
  }
  for (size_t i = 0; i < r->ncells; i++) {
    const struct ck_cell *c = &r->cells[i];
    skipped += c->na;
    errors += !c->na && c->err;
    failures += ci_violated (c) && c->bug < 0 && ck_expect_match (e, o, r, c) < 0;
  }
  for (size_t k = 0; e && k < e->n; k++)
    failures += e->rules[k].violated == 0;
  fputs ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
  fprintf (f, "<testsuites name=\"flushpoint matrix\" tests=\"%zu\" "
           "failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", tests,
           failures, errors, r->seconds);
  fprintf (f, "  <testsuite name=\"flushpoint.matrix\" tests=\"%zu\" "
           "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
           tests, failures, errors, skipped, r->seconds);
  fputs ("    <properties>\n      <property name=\"profile\" value=\"", f);
  ci_xml (f, ck_profile_name (o->profile));
  fputs ("\"/>\n      <property name=\"expectations\" value=\"", f);
  ci_xml (f, e ? e->path : "(none: every violation is a failure)");
  fputs ("\"/>\n    </properties>\n", f);
  for (size_t i = 0; i < r->ncells; i++)
    ci_testcase (f, o, r, e, &r->cells[i]);
  for (size_t k = 0; e && k < e->n; k++) {
    const struct ck_expect_rule *rule = &e->rules[k];
    char name[1300];
    snprintf (name, sizeof name, "%s:%u %s", e->path, rule->line, rule->text);
    fputs ("    <testcase classname=\"flushpoint.expect\" name=\"", f);
    ci_xml (f, name);
    fputs ("\" time=\"0\">\n", f);
    if (!rule->violated) {
      fprintf (f, "      <failure type=\"expectation\" message=\"expected "
               "violation gone: %zu cells matched, none violated\"/>\n",
               rule->matched);
    }
    fputs ("    </testcase>\n", f);
  }
  fputs ("  </testsuite>\n</testsuites>\n", f);
  if (fclose (f) != 0) {
    snprintf (errbuf, errlen, "%s: %s", path, strerror (errno));
    return -errno;
  }
  return 0;
}
