/* ck_recipe: crash-state recipes, their text and JSON forms and parsers.
 * The meaning of a recipe and the text forms are in ck_recipe.h.
 *
 * Lists print compressed: consecutive numbers become "A-B", so a recipe
 * that drops a run of writes stays one short line.  Parsers bound what
 * they expand (CK_LIST_MAX numbers), so "0-99999999999" is an error, not
 * an allocation of terabytes.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "ck_recipe.h"
#include "fplog.h"

#define CK_LIST_MAX (1u << 24)

static const char *const ck_kind_names[CK_KIND__COUNT] = {
  [CK_KIND_FLUSH] = "flush",
  [CK_KIND_WRITE] = "write",
  [CK_KIND_EPOCH] = "epoch",
  [CK_KIND_TORN] = "torn",
};

const char *
ck_kind_name (enum ck_state_kind k)
{
  return (unsigned) k < CK_KIND__COUNT ? ck_kind_names[k] : "?";
}

int
ck_kinds_parse (const char *s, unsigned *mask, char *errbuf, size_t errlen)
{
  unsigned m = 0;

  while (*s) {
    size_t n = strcspn (s, ",");
    int k;

    for (k = 0; k < CK_KIND__COUNT; k++)
      if (strlen (ck_kind_names[k]) == n && strncmp (s, ck_kind_names[k], n) == 0)
        break;
    if (k == CK_KIND__COUNT) {
      fp_errbuf (errbuf, errlen, "unknown state kind '%.*s' (expected flush, "
              "write, epoch or torn)", (int) n, s);
      return -EINVAL;
    }
    m |= CK_KIND_BIT (k);
    s += n;
    s += *s == ',';
  }
  *mask = m;
  return 0;
}

void
ck_recipe_init (struct ck_recipe *r)
{
  memset (r, 0, sizeof *r);
}

void
ck_recipe_free (struct ck_recipe *r)
{
  free (r->drop);
  free (r->keep);
  ck_recipe_init (r);
}

static int
ck_u64_cmp (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

  return x < y ? -1 : x > y;
}

int
ck_recipe_set_drop (struct ck_recipe *r, const uint64_t *seqs, size_t n)
{
  uint64_t *d = NULL;
  size_t m = 0;

  if (n) {
    d = malloc (n * sizeof *d);
    if (!d)
      return -ENOMEM;
    memcpy (d, seqs, n * sizeof *d);
    qsort (d, n, sizeof *d, ck_u64_cmp);
    for (size_t i = 0; i < n; i++)
      if (m == 0 || d[m - 1] != d[i])
        d[m++] = d[i];
  }
  free (r->drop);
  r->drop = d;
  r->ndrop = m;
  return 0;
}

static int
ck_range_cmp (const void *a, const void *b)
{
  const struct ck_range *x = a, *y = b;

  return x->first < y->first ? -1 : x->first > y->first;
}

int
ck_recipe_set_tear (struct ck_recipe *r, uint64_t seq,
                    const struct ck_range *keep, size_t n)
{
  struct ck_range *k = NULL;
  size_t m = 0;

  if (n) {
    k = malloc (n * sizeof *k);
    if (!k)
      return -ENOMEM;
    memcpy (k, keep, n * sizeof *k);
    qsort (k, n, sizeof *k, ck_range_cmp);
    /* Merge overlapping and adjacent ranges. */
    for (size_t i = 0; i < n; i++) {
      assert (k[i].first <= k[i].last);
      if (m > 0 && k[i].first <= k[m - 1].last + 1) {
        if (k[i].last > k[m - 1].last)
          k[m - 1].last = k[i].last;
      }
      else
        k[m++] = k[i];
    }
  }
  free (r->keep);
  r->keep = k;
  r->nkeep = m;
  r->torn = true;
  r->tear_seq = seq;
  return 0;
}

int
ck_recipe_copy (struct ck_recipe *dst, const struct ck_recipe *src)
{
  struct ck_recipe t = *src;
  int err;

  t.drop = NULL;
  t.keep = NULL;
  t.ndrop = t.nkeep = 0;
  t.torn = false;
  err = ck_recipe_set_drop (&t, src->drop, src->ndrop);
  if (!err && src->torn)
    err = ck_recipe_set_tear (&t, src->tear_seq, src->keep, src->nkeep);
  if (err) {
    ck_recipe_free (&t);
    return err;
  }
  *dst = t;
  return 0;
}

bool
ck_recipe_equal (const struct ck_recipe *a, const struct ck_recipe *b)
{
  if (memcmp (a->uuid, b->uuid, 16) || a->kind != b->kind || a->end != b->end ||
      a->ndrop != b->ndrop || a->torn != b->torn)
    return false;
  if (a->ndrop && memcmp (a->drop, b->drop, a->ndrop * sizeof *a->drop))
    return false;
  if (a->torn && (a->tear_seq != b->tear_seq || a->nkeep != b->nkeep ||
                  (a->nkeep && memcmp (a->keep, b->keep,
                                       a->nkeep * sizeof *a->keep))))
    return false;
  return true;
}

bool
ck_recipe_drops (const struct ck_recipe *r, uint64_t seq)
{
  return r->ndrop && bsearch (&seq, r->drop, r->ndrop, sizeof *r->drop,
                              ck_u64_cmp) != NULL;
}

/* ---- text ---- */

/* A growing output buffer that counts what it could not store. */
struct ck_out {
  char *buf;
  size_t len, used;
};

static void
ck_out (struct ck_out *o, const char *fmt, ...)
{
  va_list ap;
  size_t room = o->used < o->len ? o->len - o->used : 0;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (room ? o->buf + o->used : NULL, room, fmt, ap);
  va_end (ap);
  if (n > 0)
    o->used += (size_t) n;
}

static void
ck_out_seqs (struct ck_out *o, const uint64_t *v, size_t n)
{
  for (size_t i = 0; i < n;) {
    size_t j = i;

    while (j + 1 < n && v[j + 1] == v[j] + 1)
      j++;
    ck_out (o, "%s%" PRIu64, i ? "," : "", v[i]);
    if (j > i)
      ck_out (o, "-%" PRIu64, v[j]);
    i = j + 1;
  }
}

static void
ck_out_keep (struct ck_out *o, const struct ck_recipe *r)
{
  ck_out (o, "%" PRIu64 ":", r->tear_seq);
  for (size_t i = 0; i < r->nkeep; i++) {
    ck_out (o, "%s%" PRIu64, i ? "," : "", r->keep[i].first);
    if (r->keep[i].last > r->keep[i].first)
      ck_out (o, "-%" PRIu64, r->keep[i].last);
  }
  if (r->nkeep == 0)
    ck_out (o, "none");
}

size_t
ck_recipe_format (const struct ck_recipe *r, char *buf, size_t len)
{
  struct ck_out o = { buf, len, 0 };

  if (len)
    buf[0] = '\0';
  ck_out (&o, "end=%" PRIu64, r->end);
  if (r->ndrop) {
    ck_out (&o, " drop=");
    ck_out_seqs (&o, r->drop, r->ndrop);
  }
  if (r->torn) {
    ck_out (&o, " tear=");
    ck_out_keep (&o, r);
  }
  return o.used;
}

size_t
ck_recipe_format_options (const struct ck_recipe *r, char *buf, size_t len)
{
  struct ck_out o = { buf, len, 0 };

  if (len)
    buf[0] = '\0';
  ck_out (&o, "--to-entry %" PRIu64, r->end);
  if (r->ndrop) {
    ck_out (&o, " --drop ");
    ck_out_seqs (&o, r->drop, r->ndrop);
  }
  if (r->torn) {
    ck_out (&o, " --tear ");
    ck_out_keep (&o, r);
  }
  return o.used;
}

/* Shell-quote s into o unless it is made only of safe characters. */
static void
ck_out_quoted (struct ck_out *o, const char *s)
{
  static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_./:=,+-@%";

  if (*s && strspn (s, safe) == strlen (s)) {
    ck_out (o, "%s", s);
    return;
  }
  ck_out (o, "'");
  for (; *s; s++) {
    if (*s == '\'')
      ck_out (o, "'\\''");
    else
      ck_out (o, "%c", *s);
  }
  ck_out (o, "'");
}

size_t
ck_shell_quote (const char *s, char *buf, size_t len)
{
  struct ck_out o = { buf, len, 0 };

  if (len)
    buf[0] = '\0';
  ck_out_quoted (&o, s);
  return o.used;
}

char *
ck_recipe_command (const struct ck_recipe *r, const char *log_path,
                   const char *image_path)
{
  struct ck_out o = { NULL, 0, 0 };
  size_t n;

  for (int pass = 0; pass < 2; pass++) {
    o.used = 0;
    ck_out (&o, "flushpoint replay ");
    ck_out_quoted (&o, log_path);
    ck_out (&o, " -o ");
    ck_out_quoted (&o, image_path);
    ck_out (&o, " ");
    n = ck_recipe_format_options (r, o.buf ? o.buf + o.used : NULL,
                                  o.buf ? o.len - o.used : 0);
    o.used += n;
    if (pass == 0) {
      o.len = o.used + 1;
      o.buf = malloc (o.len);
      if (!o.buf)
        return NULL;
    }
  }
  return o.buf;
}

struct json_object *
ck_recipe_to_json (const struct ck_recipe *r)
{
  struct json_object *j = json_object_new_object ();
  char uuid[37];

  if (!j)
    return NULL;
  fplog_uuid_format (r->uuid, uuid);
  json_object_object_add (j, "uuid", json_object_new_string (uuid));
  json_object_object_add (j, "kind", json_object_new_string (ck_kind_name (r->kind)));
  json_object_object_add (j, "end", json_object_new_uint64 (r->end));
  if (r->ndrop) {
    struct json_object *a = json_object_new_array_ext ((int) r->ndrop);
    for (size_t i = 0; i < r->ndrop; i++)
      json_object_array_add (a, json_object_new_uint64 (r->drop[i]));
    json_object_object_add (j, "drop", a);
  }
  if (r->torn) {
    struct json_object *t = json_object_new_object ();
    struct json_object *k = json_object_new_array ();
    json_object_object_add (t, "seq", json_object_new_uint64 (r->tear_seq));
    for (size_t i = 0; i < r->nkeep; i++) {
      struct json_object *p = json_object_new_array_ext (2);
      json_object_array_add (p, json_object_new_uint64 (r->keep[i].first));
      json_object_array_add (p, json_object_new_uint64 (r->keep[i].last));
      json_object_array_add (k, p);
    }
    json_object_object_add (t, "keep", k);
    json_object_object_add (j, "tear", t);
  }
  return j;
}

/* ---- parsers ---- */

static int
ck_parse_num (const char **p, uint64_t *v)
{
  const char *s = *p;
  uint64_t x = 0;

  if (*s < '0' || *s > '9')
    return -EINVAL;
  for (; *s >= '0' && *s <= '9'; s++) {
    if (x > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
      return -ERANGE;
    x = x * 10 + (uint64_t) (*s - '0');
  }
  *p = s;
  *v = x;
  return 0;
}

/* Parse "A,B-C,..." up to the end of s or a stop character into ranges. */
static int
ck_parse_ranges (const char *s, struct ck_range **out, size_t *nout,
                 const char *what, char *errbuf, size_t errlen)
{
  struct ck_range *v = NULL, *nv;
  size_t n = 0, cap = 0;
  uint64_t total = 0;
  const char *p = s;
  int err = 0;

  for (;;) {
    struct ck_range rg;

    if (ck_parse_num (&p, &rg.first) < 0)
      goto bad;
    rg.last = rg.first;
    if (*p == '-') {
      p++;
      if (ck_parse_num (&p, &rg.last) < 0 || rg.last < rg.first)
        goto bad;
    }
    total += rg.last - rg.first + 1;
    if (rg.last - rg.first >= CK_LIST_MAX || total > CK_LIST_MAX) {
      fp_errbuf (errbuf, errlen, "%s '%s': more than %u numbers", what, s,
              CK_LIST_MAX);
      err = -EINVAL;
      goto out;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      nv = realloc (v, cap * sizeof *v);
      if (!nv) {
        err = -ENOMEM;
        goto out;
      }
      v = nv;
    }
    v[n++] = rg;
    if (*p == '\0')
      break;
    if (*p++ != ',')
      goto bad;
  }
  *out = v;
  *nout = n;
  return 0;
 bad:
  fp_errbuf (errbuf, errlen, "%s '%s': expected numbers and ranges like "
          "17,23-25 (at '%s')", what, s, p);
  err = -EINVAL;
 out:
  free (v);
  return err;
}

int
ck_recipe_parse_drop (struct ck_recipe *r, const char *s,
                      char *errbuf, size_t errlen)
{
  struct ck_range *rg = NULL;
  uint64_t *seqs = NULL;
  size_t n = 0, m = 0;
  int err;

  err = ck_parse_ranges (s, &rg, &n, "--drop", errbuf, errlen);
  if (err)
    return err;
  for (size_t i = 0; i < n; i++)
    m += rg[i].last - rg[i].first + 1;
  /* Keep the drops already given: --drop may be repeated. */
  seqs = malloc ((m + r->ndrop) * sizeof *seqs);
  if (!seqs) {
    err = -ENOMEM;
    goto out;
  }
  m = 0;
  for (size_t i = 0; i < r->ndrop; i++)
    seqs[m++] = r->drop[i];
  for (size_t i = 0; i < n; i++)
    for (uint64_t x = rg[i].first;; x++) {
      seqs[m++] = x;
      if (x == rg[i].last)
        break;
    }
  err = ck_recipe_set_drop (r, seqs, m);
 out:
  free (seqs);
  free (rg);
  return err;
}

int
ck_recipe_parse_tear (struct ck_recipe *r, const char *s,
                      char *errbuf, size_t errlen)
{
  struct ck_range *rg = NULL;
  const char *p = s;
  uint64_t seq;
  size_t n = 0;
  int err;

  if (r->torn) {
    fp_errbuf (errbuf, errlen, "--tear '%s': only one torn write per state", s);
    return -EINVAL;
  }
  if (ck_parse_num (&p, &seq) < 0 || *p != ':') {
    fp_errbuf (errbuf, errlen, "--tear '%s': expected SEQ:SECTORS, e.g. "
            "31:0-3,6 (sectors of the write that reach the disk) or "
            "31:none", s);
    return -EINVAL;
  }
  p++;
  if (strcmp (p, "none") != 0) {
    err = ck_parse_ranges (p, &rg, &n, "--tear", errbuf, errlen);
    if (err)
      return err;
  }
  err = ck_recipe_set_tear (r, seq, rg, n);
  free (rg);
  return err;
}

int
ck_recipe_parse (struct ck_recipe *r, const char *s, char *errbuf,
                 size_t errlen)
{
  char *copy = strdup (s), *save = NULL, *tok;
  bool have_end = false;
  int err = 0;

  if (!copy)
    return -ENOMEM;
  for (tok = strtok_r (copy, " ", &save); tok && !err;
       tok = strtok_r (NULL, " ", &save)) {
    if (strncmp (tok, "end=", 4) == 0) {
      const char *p = tok + 4;
      if (ck_parse_num (&p, &r->end) < 0 || *p) {
        fp_errbuf (errbuf, errlen, "recipe '%s': bad end", s);
        err = -EINVAL;
      }
      have_end = true;
    }
    else if (strncmp (tok, "drop=", 5) == 0)
      err = ck_recipe_parse_drop (r, tok + 5, errbuf, errlen);
    else if (strncmp (tok, "tear=", 5) == 0)
      err = ck_recipe_parse_tear (r, tok + 5, errbuf, errlen);
    else {
      fp_errbuf (errbuf, errlen, "recipe '%s': unknown field '%s'", s, tok);
      err = -EINVAL;
    }
  }
  if (!err && !have_end) {
    fp_errbuf (errbuf, errlen, "recipe '%s': no end=", s);
    err = -EINVAL;
  }
  if (!err)
    r->kind = r->torn ? CK_KIND_TORN : r->ndrop ? CK_KIND_EPOCH : CK_KIND_WRITE;
  free (copy);
  return err;
}
