/* faults: the fault specification language (grammar and semantics in
 * faults.h; the user's reference is the man page).
 *
 * A text holds specs separated by ';' or newlines; a spec is words
 * separated by blanks or ':'.  The parser works on one spec at a time and
 * one word at a time, and every error names the spec (its 1-based number
 * and its text) and the word (its 1-based position and text), because a
 * spec may arrive from a command line, a workload line or an NBD write, and
 * the person reading the message has only the text they typed.
 *
 * Modifiers are parsed from a table (fpf_mods): each has a name, whether it
 * takes an argument, and a setter; repeating one is an error, and the
 * combination rules are checked once at the end of the spec.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"

#define FPF_WORDS_MAX 16u
#define FPF_WORD_MAX  64u

static const char *const fpf_op_names[FPFAULT_NOPS] = {
  [FPFAULT_READ] = "read", [FPFAULT_WRITE] = "write",
  [FPFAULT_FLUSH] = "flush", [FPFAULT_TRIM] = "trim",
  [FPFAULT_ZERO] = "zero",
};

/* The errors NBD can carry (NBD_EPERM ... NBD_ESHUTDOWN). */
static const struct { const char *name; int err; } fpf_errnos[] = {
  { "EPERM", EPERM }, { "EIO", EIO }, { "ENOMEM", ENOMEM },
  { "EINVAL", EINVAL }, { "ENOSPC", ENOSPC }, { "EOVERFLOW", EOVERFLOW },
  { "ENOTSUP", ENOTSUP }, { "ESHUTDOWN", ESHUTDOWN },
};
#define FPF_NERRNOS (sizeof fpf_errnos / sizeof fpf_errnos[0])
#define FPF_ERRNO_LIST \
  "EPERM, EIO, ENOMEM, EINVAL, ENOSPC, EOVERFLOW, ENOTSUP or ESHUTDOWN"
#define FPF_OP_LIST "read, write, flush, trim, zero or any"

const char *
fpfault_op_name (enum fpfault_op op)
{
  return op < FPFAULT_NOPS ? fpf_op_names[op] : "?";
}

const char *
fpfault_errno_name (int err)
{
  for (size_t i = 0; i < FPF_NERRNOS; i++)
    if (fpf_errnos[i].err == err)
      return fpf_errnos[i].name;
  return NULL;
}

/* ---- one spec being parsed ---- */

struct fpf_ctx {
  char words[FPF_WORDS_MAX][FPF_WORD_MAX];
  size_t nwords;
  size_t pos;                   /* next word */
  unsigned specno;
  const char *spec;             /* the spec's text, for messages */
  size_t speclen;
  char *errbuf;
  size_t errlen;
};

static int fpf_error (struct fpf_ctx *c, size_t word, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* word: 1-based position, or 0 when the problem is the spec as a whole. */
static int
fpf_error (struct fpf_ctx *c, size_t word, const char *fmt, ...)
{
  char why[256];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (why, sizeof why, fmt, ap);
  va_end (ap);
  if (word > 0 && word <= c->nwords)
    snprintf (c->errbuf, c->errlen, "fault spec %u \"%.*s\": word %zu \"%s\": "
              "%s", c->specno, (int) c->speclen, c->spec, word,
              c->words[word - 1], why);
  else
    snprintf (c->errbuf, c->errlen, "fault spec %u \"%.*s\": %s", c->specno,
              (int) c->speclen, c->spec, why);
  return -EINVAL;
}

/* The next word, or NULL at the end of the spec. */
static const char *
fpf_next (struct fpf_ctx *c)
{
  return c->pos < c->nwords ? c->words[c->pos++] : NULL;
}

static int
fpf_split (struct fpf_ctx *c)
{
  size_t i = 0;

  c->nwords = 0;
  while (i < c->speclen) {
    size_t start, n;
    while (i < c->speclen && strchr (" \t\r:", c->spec[i]))
      i++;
    if (i == c->speclen)
      break;
    start = i;
    while (i < c->speclen && !strchr (" \t\r:", c->spec[i]))
      i++;
    n = i - start;
    if (c->nwords == FPF_WORDS_MAX)
      return fpf_error (c, 0, "more than %u words", FPF_WORDS_MAX);
    if (n >= FPF_WORD_MAX)
      return fpf_error (c, 0, "word %zu is longer than %u bytes",
                        c->nwords + 1, FPF_WORD_MAX - 1);
    memcpy (c->words[c->nwords], c->spec + start, n);
    c->words[c->nwords][n] = '\0';
    for (size_t k = 0; k < n; k++)
      if ((unsigned char) c->words[c->nwords][k] < 0x20
          || (unsigned char) c->words[c->nwords][k] > 0x7e)
        return fpf_error (c, 0, "word %zu holds byte 0x%02x: specs are "
                          "printable ASCII", c->nwords + 1,
                          (unsigned char) c->words[c->nwords][k]);
    c->nwords++;
  }
  return 0;
}

/* ---- numbers ---- */

/* Decimal or 0x hex, with an optional binary suffix when size is set. */
static bool
fpf_u64 (const char *s, bool size, uint64_t *out)
{
  uint64_t v = 0, base = 10, mult = 1;
  size_t i = 0, digits = 0, n = strlen (s);

  if (size && n > 0 && strchr ("KkMmGgTt", s[n - 1])) {
    switch (s[n - 1]) {
    case 'K': case 'k': mult = UINT64_C (1) << 10; break;
    case 'M': case 'm': mult = UINT64_C (1) << 20; break;
    case 'G': case 'g': mult = UINT64_C (1) << 30; break;
    default: mult = UINT64_C (1) << 40; break;
    }
    n--;
  }
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    base = 16, i = 2;
  for (; i < n; i++, digits++) {
    unsigned d;
    if (s[i] >= '0' && s[i] <= '9')
      d = s[i] - '0';
    else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
      d = s[i] - 'a' + 10;
    else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
      d = s[i] - 'A' + 10;
    else
      return false;
    if (v > (UINT64_MAX - d) / base)
      return false;
    v = v * base + d;
  }
  if (digits == 0 || v > UINT64_MAX / mult)
    return false;
  *out = v * mult;
  return true;
}

/* A decimal fraction with up to `places` digits after the point, scaled by
 * 10^places. */
static bool
fpf_fixed (const char *s, size_t n, unsigned places, uint64_t *out)
{
  uint64_t v = 0;
  unsigned frac = 0;
  bool point = false, any = false;

  for (size_t i = 0; i < n; i++) {
    if (s[i] == '.' && !point) {
      point = true;
      continue;
    }
    if (s[i] < '0' || s[i] > '9' || (point && frac == places) || v > 1000000)
      return false;
    v = v * 10 + (uint64_t) (s[i] - '0');
    any = true;
    if (point)
      frac++;
  }
  if (!any)
    return false;
  for (; frac < places; frac++)
    v *= 10;
  *out = v;
  return true;
}

/* "0.05", "5%", "1": a probability in millionths. */
static bool
fpf_rate (const char *s, uint32_t *out)
{
  size_t n = strlen (s);
  uint64_t v;

  if (n > 0 && s[n - 1] == '%') {
    if (!fpf_fixed (s, n - 1, 4, &v))
      return false;
  } else if (!fpf_fixed (s, n, 6, &v))
    return false;
  if (v == 0 || v > FPFAULT_RATE_ONE)
    return false;
  *out = (uint32_t) v;
  return true;
}

/* "5ms", "250us", "1s", "100ns", "0". */
static bool
fpf_duration (const char *s, uint64_t *out)
{
  static const struct { const char *unit; uint64_t ns; } units[] = {
    { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
  };
  size_t n = strlen (s), digits = strspn (s, "0123456789");
  char num[FPF_WORD_MAX];
  uint64_t v;

  if (digits == 0 || digits >= sizeof num)
    return false;
  memcpy (num, s, digits);
  num[digits] = '\0';
  if (!fpf_u64 (num, false, &v))
    return false;
  if (digits == n) {             /* a bare number: only 0 needs no unit */
    *out = 0;
    return v == 0;
  }
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp (s + digits, units[i].unit) == 0) {
      if (v > UINT64_C (60000000000) / units[i].ns)   /* at most 60 s */
        return false;
      *out = v * units[i].ns;
      return true;
    }
  return false;
}

/* ---- words ---- */

static int
fpf_op (const char *w, unsigned *mask)
{
  if (strcmp (w, "any") == 0) {
    *mask = FPFAULT_ANY;
    return 0;
  }
  for (unsigned i = 0; i < FPFAULT_NOPS; i++)
    if (strcmp (w, fpf_op_names[i]) == 0) {
      *mask = 1u << i;
      return 0;
    }
  return -1;
}

static int
fpf_errno_lookup (const char *w)
{
  for (size_t i = 0; i < FPF_NERRNOS; i++)
    if (strcmp (w, fpf_errnos[i].name) == 0)
      return fpf_errnos[i].err;
  return 0;
}

/* ---- modifiers of an error fault (and of a power cut's trigger) ---- */

struct fpf_mod {
  const char *m_name;
  bool m_arg;
  unsigned m_group;             /* modifiers of one group exclude each other */
  int (*m_set) (struct fpf_ctx *c, size_t word, const char *arg,
                struct fpfault_spec *s);
};

static int
fpf_m_next (struct fpf_ctx *c, size_t word, const char *arg,
            struct fpfault_spec *s)
{
  (void) c; (void) word; (void) arg;
  s->s_at = 1;
  s->s_has_at = true;
  return 0;
}

static int
fpf_m_at (struct fpf_ctx *c, size_t word, const char *arg,
          struct fpfault_spec *s)
{
  if (!fpf_u64 (arg, false, &s->s_at) || s->s_at == 0)
    return fpf_error (c, word + 1, "expected a count >= 1 after \"at\" "
                      "(requests count from 1)");
  s->s_has_at = true;
  return 0;
}

static int
fpf_m_range (struct fpf_ctx *c, size_t word, const char *arg,
             struct fpfault_spec *s)
{
  const char *dash = strchr (arg, '-');
  char lo[FPF_WORD_MAX];

  if (!dash || (size_t) (dash - arg) >= sizeof lo)
    return fpf_error (c, word + 1, "expected a byte range A-B after "
                      "\"range\", e.g. 0-1M");
  memcpy (lo, arg, (size_t) (dash - arg));
  lo[dash - arg] = '\0';
  if (!fpf_u64 (lo, true, &s->s_lo) || !fpf_u64 (dash + 1, true, &s->s_hi))
    return fpf_error (c, word + 1, "expected a byte range A-B after "
                      "\"range\", e.g. 0-1M (sizes take K, M, G, T)");
  if (s->s_lo >= s->s_hi)
    return fpf_error (c, word + 1, "the range is empty: it is [A, B) and "
                      "needs A < B");
  s->s_has_range = true;
  return 0;
}

static int
fpf_m_rate (struct fpf_ctx *c, size_t word, const char *arg,
            struct fpfault_spec *s)
{
  if (!fpf_rate (arg, &s->s_rate))
    return fpf_error (c, word + 1, "expected a probability in (0, 1] after "
                      "\"rate\", e.g. 0.05 or 5%%");
  return 0;
}

static int
fpf_m_seed (struct fpf_ctx *c, size_t word, const char *arg,
            struct fpfault_spec *s)
{
  if (!fpf_u64 (arg, false, &s->s_seed))
    return fpf_error (c, word + 1, "expected a number after \"seed\"");
  return 0;
}

static int
fpf_m_once (struct fpf_ctx *c, size_t word, const char *arg,
            struct fpfault_spec *s)
{
  (void) c; (void) word; (void) arg;
  s->s_times = 1;
  return 0;
}

static int
fpf_m_times (struct fpf_ctx *c, size_t word, const char *arg,
             struct fpfault_spec *s)
{
  if (!fpf_u64 (arg, false, &s->s_times) || s->s_times == 0)
    return fpf_error (c, word + 1, "expected a count >= 1 after \"times\"");
  return 0;
}

static int
fpf_m_always (struct fpf_ctx *c, size_t word, const char *arg,
              struct fpfault_spec *s)
{
  (void) c; (void) word; (void) arg;
  s->s_times = 0;
  return 0;
}

enum { FPF_G_TRIGGER = 1, FPF_G_RANGE, FPF_G_RATE, FPF_G_SEED, FPF_G_COUNT };

static const struct fpf_mod fpf_mods[] = {
  { "next",   false, FPF_G_TRIGGER, fpf_m_next },
  { "at",     true,  FPF_G_TRIGGER, fpf_m_at },
  { "range",  true,  FPF_G_RANGE,   fpf_m_range },
  { "rate",   true,  FPF_G_RATE,    fpf_m_rate },
  { "seed",   true,  FPF_G_SEED,    fpf_m_seed },
  { "once",   false, FPF_G_COUNT,   fpf_m_once },
  { "times",  true,  FPF_G_COUNT,   fpf_m_times },
  { "always", false, FPF_G_COUNT,   fpf_m_always },
};
#define FPF_NMODS (sizeof fpf_mods / sizeof fpf_mods[0])

/* Modifiers from word c->pos on.  allowed: bit g set if group g may
 * appear. */
static int
fpf_modifiers (struct fpf_ctx *c, struct fpfault_spec *s, unsigned allowed,
               unsigned *given, size_t *group_word)
{
  const char *w;

  while ((w = fpf_next (c)) != NULL) {
    size_t word = c->pos, i;
    const char *arg = NULL;
    int e;

    for (i = 0; i < FPF_NMODS; i++)
      if (strcmp (w, fpf_mods[i].m_name) == 0)
        break;
    if (i == FPF_NMODS || !(allowed & (1u << fpf_mods[i].m_group))) {
      if (s->s_kind == FPFAULT_POWERCUT && fpf_errno_lookup (w)) {
        c->pos--;               /* the power cut's errno: the caller's */
        return 0;
      }
      return fpf_error (c, word, s->s_kind == FPFAULT_POWERCUT
                        ? "expected next, at N, EIO or ESHUTDOWN"
                        : "expected a modifier: next, at N, range A-B, "
                          "rate P, seed S, once, times N or always");
    }
    if (*given & (1u << fpf_mods[i].m_group))
      return fpf_error (c, word, "conflicts with word %zu \"%s\": give one "
                        "of %s", group_word[fpf_mods[i].m_group],
                        c->words[group_word[fpf_mods[i].m_group] - 1],
                        fpf_mods[i].m_group == FPF_G_TRIGGER
                        ? "next or at N"
                        : fpf_mods[i].m_group == FPF_G_COUNT
                        ? "once, times N or always" : "each modifier once");
    *given |= 1u << fpf_mods[i].m_group;
    group_word[fpf_mods[i].m_group] = word;
    if (fpf_mods[i].m_arg && (arg = fpf_next (c)) == NULL)
      return fpf_error (c, word, "\"%s\" needs a value", w);
    if ((e = fpf_mods[i].m_set (c, word, arg, s)) < 0)
      return e;
  }
  return 0;
}

static int
fpf_error_spec (struct fpf_ctx *c, struct fpfault_spec *s)
{
  unsigned given = 0;
  size_t group_word[FPF_G_COUNT + 1] = { 0 };
  const char *w = fpf_next (c);
  int e;

  s->s_kind = FPFAULT_ERROR;
  if (w == NULL)
    return fpf_error (c, 1, "expected an errno after the operation: "
                      FPF_ERRNO_LIST);
  if ((s->s_errno = fpf_errno_lookup (w)) == 0)
    return fpf_error (c, c->pos, "not an errno NBD can carry: expected "
                      FPF_ERRNO_LIST);
  e = fpf_modifiers (c, s, (1u << FPF_G_TRIGGER) | (1u << FPF_G_RANGE)
                     | (1u << FPF_G_RATE) | (1u << FPF_G_SEED)
                     | (1u << FPF_G_COUNT), &given, group_word);
  if (e < 0)
    return e;
  if ((given & (1u << FPF_G_SEED)) && !(given & (1u << FPF_G_RATE)))
    return fpf_error (c, group_word[FPF_G_SEED], "a seed only applies to "
                      "\"rate P\"");
  if (s->s_has_range && s->s_ops == (1u << FPFAULT_FLUSH))
    return fpf_error (c, group_word[FPF_G_RANGE], "a flush has no offset: "
                      "\"range\" cannot apply to it");
  if (!s->s_has_at)
    s->s_at = 1;
  if (!(given & (1u << FPF_G_COUNT)))
    s->s_times = s->s_has_at && !s->s_rate ? 1 : 0;
  s->s_has_at = true;           /* defaults applied: the canonical form */
  return 0;
}

static int
fpf_powercut_spec (struct fpf_ctx *c, struct fpfault_spec *s)
{
  unsigned given = 0;
  size_t group_word[FPF_G_COUNT + 1] = { 0 };
  const char *w;
  int e;

  s->s_kind = FPFAULT_POWERCUT;
  s->s_ops = FPFAULT_ANY;
  s->s_errno = EIO;
  s->s_at = 1;
  s->s_times = 1;
  if (c->pos < c->nwords && fpf_op (c->words[c->pos], &s->s_ops) == 0)
    c->pos++;
  e = fpf_modifiers (c, s, 1u << FPF_G_TRIGGER, &given, group_word);
  if (e < 0)
    return e;
  s->s_has_at = true;
  if ((w = fpf_next (c)) != NULL) {
    s->s_errno = fpf_errno_lookup (w);
    if (s->s_errno != EIO && s->s_errno != ESHUTDOWN)
      return fpf_error (c, c->pos, "a power cut fails requests with EIO "
                        "or ESHUTDOWN");
    if (fpf_next (c))
      return fpf_error (c, c->pos, "unexpected word after the errno");
  }
  return 0;
}

static int
fpf_one (struct fpf_ctx *c, struct fpfault_spec *s)
{
  const char *w = fpf_next (c);

  memset (s, 0, sizeof *s);
  assert (w != NULL);
  if (strcmp (w, "powercut") == 0)
    return fpf_powercut_spec (c, s);
  if (strcmp (w, "latency") == 0) {
    s->s_kind = FPFAULT_LATENCY;
    if ((w = fpf_next (c)) == NULL || fpf_op (w, &s->s_ops) < 0)
      return fpf_error (c, w ? c->pos : 1, "expected an operation after "
                        "\"latency\": " FPF_OP_LIST);
    if ((w = fpf_next (c)) == NULL || !fpf_duration (w, &s->s_latency_ns))
      return fpf_error (c, w ? c->pos : 2, "expected a duration up to 60s "
                        "such as 5ms, 250us, 1s or 0");
    if (fpf_next (c))
      return fpf_error (c, c->pos, "unexpected word after the duration");
    return 0;
  }
  if (strcmp (w, "clear") == 0) {
    s->s_kind = FPFAULT_CLEAR;
    s->s_ops = FPFAULT_ANY;
    if ((w = fpf_next (c)) != NULL && fpf_op (w, &s->s_ops) < 0)
      return fpf_error (c, c->pos, "expected nothing or an operation after "
                        "\"clear\": " FPF_OP_LIST);
    if (fpf_next (c))
      return fpf_error (c, c->pos, "unexpected word after \"clear\"");
    return 0;
  }
  if (fpf_op (w, &s->s_ops) < 0)
    return fpf_error (c, 1, "expected an operation (" FPF_OP_LIST "), "
                      "powercut, latency or clear");
  return fpf_error_spec (c, s);
}

int
fpfault_parse (const char *text, size_t len, struct fpfault_spec *out,
               size_t max, size_t *n, char *errbuf, size_t errlen)
{
  struct fpf_ctx c = { .errbuf = errbuf, .errlen = errlen };
  size_t i = 0;
  int e;

  *n = 0;
  if (errlen)
    errbuf[0] = '\0';
  while (i <= len) {
    size_t start = i;
    while (i < len && text[i] != ';' && text[i] != '\n')
      i++;
    c.spec = text + start;
    c.speclen = i - start;
    /* Messages quote the spec without its surrounding blanks. */
    while (c.speclen > 0 && strchr (" \t\r", c.spec[0]))
      c.spec++, c.speclen--;
    while (c.speclen > 0 && strchr (" \t\r", c.spec[c.speclen - 1]))
      c.speclen--;
    c.pos = 0;
    i++;                        /* past the separator (or the end) */
    c.specno++;
    if ((e = fpf_split (&c)) < 0)
      return e;
    if (c.nwords == 0) {        /* an empty spec: skipped, not numbered */
      c.specno--;
      continue;
    }
    if (*n == max)
      return fpf_error (&c, 0, "more than %zu specs in one text", max);
    if ((e = fpf_one (&c, &out[*n])) < 0)
      return e;
    if (c.pos < c.nwords)
      return fpf_error (&c, c.pos + 1, "unexpected word");
    (*n)++;
  }
  if (*n == 0) {
    snprintf (errbuf, errlen, "empty fault specification: expected e.g. "
              "\"write EIO next\" or \"flush EIO at 3\"");
    return -EINVAL;
  }
  return 0;
}
