/* ck_result: verdicts and findings of one crash state (ck_result.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_result.h"

static const char *const ck_prop_names[CK_P__COUNT] = {
  "data", "size", "mtime", "mode", "nlink", "dirent", "stale", "fsck",
};
static const char *const ck_verdict_names[] = {
  "none", "held", "lost", "VIOLATED",
};

const char *
ck_prop_name (enum ck_prop p)
{
  return (unsigned) p < CK_P__COUNT ? ck_prop_names[p] : "?";
}

const char *
ck_verdict_name (enum ck_verdict v)
{
  return (unsigned) v <= CK_V_VIOLATED ? ck_verdict_names[v] : "?";
}

void
ck_result_init (struct ck_state_result *r)
{
  memset (r, 0, sizeof *r);
  ck_recipe_init (&r->recipe);
}

void
ck_result_free (struct ck_state_result *r)
{
  for (size_t i = 0; i < r->nf; i++) {
    free (r->f[i].path);
    free (r->f[i].msg);
    free (r->f[i].since);
  }
  free (r->f);
  ck_recipe_free (&r->recipe);
  ck_result_init (r);
}

void
ck_result_forget (struct ck_state_result *r)
{
  for (size_t i = 0; i < r->nf; i++) {
    free (r->f[i].path);
    free (r->f[i].msg);
    free (r->f[i].since);
  }
  r->nf = 0;
  r->more = 0;
  r->checks = 0;
  memset (r->v, 0, sizeof r->v);
}

void
ck_result_held (struct ck_state_result *r, enum ck_prop p)
{
  if (r->v[p] < CK_V_HELD)
    r->v[p] = CK_V_HELD;
  r->checks++;
}

static int
ck_result_vadd (struct ck_state_result *r, enum ck_prop p, bool violation,
                bool after_error, const char *path, uint32_t sync_op,
                const char *since, const char *fmt, va_list ap)
{
  enum ck_verdict v = violation ? CK_V_VIOLATED : CK_V_LOST;
  struct ck_finding *f;
  int n;

  if (r->v[p] < v)
    r->v[p] = v;
  r->checks++;
  if (r->nf >= CK_FINDINGS_MAX) {
    r->more++;
    return 0;
  }
  if (r->nf == r->capf) {
    size_t cap = r->capf ? r->capf * 2 : 4;
    struct ck_finding *nf = realloc (r->f, cap * sizeof *nf);
    if (!nf)
      return -ENOMEM;
    r->f = nf;
    r->capf = cap;
  }
  f = &r->f[r->nf];
  memset (f, 0, sizeof *f);
  f->prop = p;
  f->violation = violation;
  f->sync_op = sync_op;
  f->after_error = after_error;
  f->path = strdup (path ? path : "");
  f->since = since ? strdup (since) : NULL;
  n = vasprintf (&f->msg, fmt, ap);
  if (n < 0)
    f->msg = NULL;
  if (!f->path || !f->msg || (since && !f->since)) {
    free (f->path);
    free (f->msg);
    free (f->since);
    return -ENOMEM;
  }
  r->nf++;
  return 0;
}

int
ck_result_add (struct ck_state_result *r, enum ck_prop p, bool violation,
               const char *path, uint32_t sync_op, const char *since,
               const char *fmt, ...)
{
  va_list ap;
  int err;

  va_start (ap, fmt);
  err = ck_result_vadd (r, p, violation, false, path, sync_op, since, fmt, ap);
  va_end (ap);
  return err;
}

int
ck_result_add_after_error (struct ck_state_result *r, enum ck_prop p,
                           const char *path, uint32_t sync_op,
                           const char *since, const char *fmt, ...)
{
  va_list ap;
  int err;

  va_start (ap, fmt);
  err = ck_result_vadd (r, p, false, true, path, sync_op, since, fmt, ap);
  va_end (ap);
  return err;
}

bool
ck_result_violated (const struct ck_state_result *r)
{
  for (int p = 0; p < CK_P__COUNT; p++)
    if (r->v[p] == CK_V_VIOLATED)
      return true;
  return false;
}

void
ck_result_move (struct ck_state_result *dst, struct ck_state_result *src)
{
  ck_result_free (dst);
  *dst = *src;
  ck_result_init (src);
}
