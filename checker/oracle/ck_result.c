/* ck_result: verdicts and findings of one crash state (ck_result.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_result.h"

static const char *const ck_prop_names[CK_P__COUNT] = {
  "data", "size", "mtime", "mode", "nlink", "xattr", "dirent", "stale",
  "fsck", "after", "app",
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

/* One fact per (property, path, block) for the properties that hold one
 * value per file or entry; see ck_result.h. */
static bool
ck_result_keyed (enum ck_prop p, uint64_t block)
{
  switch (p) {
  case CK_P_SIZE: case CK_P_MTIME: case CK_P_MODE: case CK_P_NLINK:
  case CK_P_DIRENT: case CK_P_XATTR:
    return true;
  case CK_P_DATA: case CK_P_STALE:
    return block != CK_NO_BLOCK;
  default:
    return false;
  }
}

/* A kept finding about the same thing as the new one, or NULL. */
static struct ck_finding *
ck_result_same (struct ck_state_result *r, enum ck_prop p, bool violation,
                bool after_error, const char *path, uint64_t block,
                uint32_t sync_op, const char *msg)
{
  const char *pa = path ? path : "";

  for (size_t i = 0; i < r->nf; i++) {
    struct ck_finding *f = &r->f[i];
    if (f->prop != p || f->block != block || strcmp (f->path, pa) != 0)
      continue;
    if (ck_result_keyed (p, block))
      return f;
    if (f->violation == violation && f->after_error == after_error &&
        f->sync_op == sync_op && strcmp (f->msg, msg) == 0)
      return f;
  }
  return NULL;
}

/* Has the state kept a finding of property p with this verdict? */
static bool
ck_result_shows (const struct ck_state_result *r, enum ck_prop p,
                 bool violation)
{
  for (size_t i = 0; i < r->nf; i++)
    if (r->f[i].prop == p && r->f[i].violation == violation)
      return true;
  return false;
}

static void
ck_finding_clear (struct ck_finding *f)
{
  free (f->path);
  free (f->msg);
  free (f->since);
  memset (f, 0, sizeof *f);
}

static int
ck_result_vadd (struct ck_state_result *r, enum ck_prop p, bool violation,
                bool after_error, const char *path, uint64_t block,
                uint32_t sync_op, const char *since, const char *fmt,
                va_list ap)
{
  enum ck_verdict v = violation ? CK_V_VIOLATED : CK_V_LOST;
  struct ck_finding nf, *f;
  char *msg = NULL;

  if (r->v[p] < v)
    r->v[p] = v;
  r->checks++;
  if (vasprintf (&msg, fmt, ap) < 0)
    return -ENOMEM;
  f = ck_result_same (r, p, violation, after_error, path, block, sync_op, msg);
  if (f && (f->violation || !violation)) {
    free (msg);                /* the kept one is as bad: it stays */
    return 0;
  }
  /* Past the cap a finding is kept only if it is the first of its
   * property and verdict, so every count in the table has one. */
  if (!f && r->nf >= CK_FINDINGS_MAX && ck_result_shows (r, p, violation)) {
    free (msg);
    r->more++;
    return 0;
  }
  memset (&nf, 0, sizeof nf);
  nf.prop = p;
  nf.violation = violation;
  nf.sync_op = sync_op;
  nf.after_error = after_error;
  nf.block = block;
  nf.msg = msg;
  nf.path = strdup (path ? path : "");
  nf.since = since ? strdup (since) : NULL;
  if (!nf.path || (since && !nf.since)) {
    ck_finding_clear (&nf);
    return -ENOMEM;
  }
  if (f) {                     /* a violation replaces a lost finding */
    ck_finding_clear (f);
    *f = nf;
    return 0;
  }
  if (r->nf == r->capf) {
    size_t cap = r->capf ? r->capf * 2 : 4;
    struct ck_finding *nv = realloc (r->f, cap * sizeof *nv);
    if (!nv) {
      ck_finding_clear (&nf);
      return -ENOMEM;
    }
    r->f = nv;
    r->capf = cap;
  }
  r->f[r->nf++] = nf;
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
  err = ck_result_vadd (r, p, violation, false, path, CK_NO_BLOCK, sync_op,
                        since, fmt, ap);
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
  err = ck_result_vadd (r, p, false, true, path, CK_NO_BLOCK, sync_op, since,
                        fmt, ap);
  va_end (ap);
  return err;
}

int
ck_result_add_block (struct ck_state_result *r, enum ck_prop p,
                     bool violation, bool after_error, const char *path,
                     uint64_t block, uint32_t sync_op, const char *since,
                     const char *fmt, ...)
{
  va_list ap;
  int err;

  va_start (ap, fmt);
  err = ck_result_vadd (r, p, violation && !after_error, after_error, path,
                        block, sync_op, since, fmt, ap);
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

static char *
ck_strdup_or_null (const char *s, bool *fail)
{
  char *d;

  if (s == NULL)
    return NULL;
  if ((d = strdup (s)) == NULL)
    *fail = true;
  return d;
}

int
ck_result_copy_verdicts (struct ck_state_result *dst,
                         const struct ck_state_result *src)
{
  bool fail = false;

  ck_result_forget (dst);
  if (src->nf > dst->capf) {
    struct ck_finding *f = realloc (dst->f, src->nf * sizeof *f);
    if (f == NULL)
      return -ENOMEM;
    dst->f = f;
    dst->capf = src->nf;
  }
  for (size_t i = 0; i < src->nf; i++) {
    struct ck_finding *d = &dst->f[i];
    *d = src->f[i];
    d->path = ck_strdup_or_null (src->f[i].path, &fail);
    d->msg = ck_strdup_or_null (src->f[i].msg, &fail);
    d->since = ck_strdup_or_null (src->f[i].since, &fail);
    dst->nf = i + 1;
  }
  if (fail) {
    ck_result_forget (dst);
    return -ENOMEM;
  }
  memcpy (dst->v, src->v, sizeof dst->v);
  dst->status = src->status;
  dst->more = src->more;
  dst->checks = src->checks;
  dst->no_fs = src->no_fs;
  dst->by_epoch = src->by_epoch;
  return 0;
}

void
ck_result_move (struct ck_state_result *dst, struct ck_state_result *src)
{
  ck_result_free (dst);
  *dst = *src;
  ck_result_init (src);
}
