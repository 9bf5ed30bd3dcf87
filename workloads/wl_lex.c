/* wl_lex: tokens and operand syntax of the workload language.  See
 * wl_lex.h.  Every reader is bounded by the line length; nothing here
 * depends on NUL termination of the input. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_lex.h"

#define WL_GOT_MAX 40u         /* bytes of a token quoted in a message */

static bool
wl_is_blank (char c)
{
  return c == ' ' || c == '\t';
}

void
wl_lex_line (struct wl_lexer *lx, const char *line, size_t len,
             unsigned lineno)
{
  lx->lx_line = line;
  lx->lx_len = len;
  lx->lx_lineno = lineno;
  lx->lx_pos = 0;
}

void
wl_lex_peek (struct wl_lexer *lx, struct wl_tok *t)
{
  size_t p = lx->lx_pos;

  while (p < lx->lx_len && wl_is_blank (lx->lx_line[p]))
    p++;
  t->t_s = lx->lx_line + p;
  t->t_col = (unsigned) p + 1;
  t->t_n = 0;
  if (p >= lx->lx_len || lx->lx_line[p] == '#')
    return;
  while (p + t->t_n < lx->lx_len && !wl_is_blank (lx->lx_line[p + t->t_n]))
    t->t_n++;
}

void
wl_lex_next (struct wl_lexer *lx, struct wl_tok *t)
{
  wl_lex_peek (lx, t);
  lx->lx_pos = (size_t) (t->t_col - 1) + t->t_n;
}

void
wl_lex_rest (struct wl_lexer *lx, struct wl_tok *t)
{
  size_t p = lx->lx_pos, e = lx->lx_len;

  while (p < e && wl_is_blank (lx->lx_line[p]))
    p++;
  while (e > p && wl_is_blank (lx->lx_line[e - 1]))
    e--;
  t->t_s = lx->lx_line + p;
  t->t_n = e - p;
  t->t_col = (unsigned) p + 1;
  lx->lx_pos = lx->lx_len;
}

bool
wl_tok_is (const struct wl_tok *t, const char *s)
{
  return strlen (s) == t->t_n && memcmp (t->t_s, s, t->t_n) == 0;
}

int
wl_lex_error_at (struct wl_lexer *lx, unsigned col, const char *what,
                 const char *got)
{
  if (lx->lx_errlen > 0)
    snprintf (lx->lx_errbuf, lx->lx_errlen, "%s:%u:%u: expected %s, got %s",
              lx->lx_name, lx->lx_lineno, col, what, got);
  return -EINVAL;
}

int
wl_lex_expected (struct wl_lexer *lx, const struct wl_tok *t,
                 const char *what)
{
  char got[WL_GOT_MAX + 8];
  size_t n = t->t_n > WL_GOT_MAX ? WL_GOT_MAX : t->t_n;

  if (t->t_n == 0)
    return wl_lex_error_at (lx, t->t_col, what, "end of line");
  /* Tokens hold printable bytes only (the parser rejects control bytes
   * before tokenising), so quoting needs no escapes. */
  snprintf (got, sizeof got, "\"%.*s%s\"", (int) n, t->t_s,
            t->t_n > WL_GOT_MAX ? "..." : "");
  return wl_lex_error_at (lx, t->t_col, what, got);
}

int
wl_lex_end (struct wl_lexer *lx)
{
  struct wl_tok t;

  wl_lex_next (lx, &t);
  if (t.t_n != 0)
    return wl_lex_expected (lx, &t, "end of line");
  return 0;
}

int
wl_lex_path (struct wl_lexer *lx, char **out)
{
  struct wl_tok t;
  size_t i = 1;

  wl_lex_next (lx, &t);
  if (t.t_n == 0 || t.t_s[0] != '/')
    return wl_lex_expected (lx, &t, "an absolute path");
  if (t.t_n > WL_PATH_MAX)
    return wl_lex_expected (lx, &t, "a path of at most 4095 bytes");
  /* Walk the components after the leading '/'. "/" alone is the root. */
  while (t.t_n > 1 && i <= t.t_n) {
    size_t c = 0;
    while (i + c < t.t_n && t.t_s[i + c] != '/')
      c++;
    if (c == 0 || (c == 1 && t.t_s[i] == '.')
        || (c == 2 && t.t_s[i] == '.' && t.t_s[i + 1] == '.'))
      return wl_lex_expected (lx, &t,
                              "a path without empty, '.' or '..' components");
    if (c > 255)
      return wl_lex_expected (lx, &t,
                              "path components of at most 255 bytes");
    i += c + 1;
  }
  *out = strndup (t.t_s, t.t_n);
  return *out ? 0 : -ENOMEM;
}

bool
wl_lex_number (const char *s, size_t n, bool suffix, uint64_t *out)
{
  uint64_t v = 0, base = 10;
  size_t i = 0, digits = 0;
  unsigned shift = 0;

  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    base = 16, i = 2;
  if (suffix && n > i) {
    switch (s[n - 1]) {
    case 'K': shift = 10; n--; break;
    case 'M': shift = 20; n--; break;
    case 'G': shift = 30; n--; break;
    case 'T': shift = 40; n--; break;
    default: break;
    }
  }
  for (; i < n; i++, digits++) {
    unsigned d;
    char c = s[i];
    if (c >= '0' && c <= '9')
      d = (unsigned) (c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = (unsigned) (c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F')
      d = (unsigned) (c - 'A' + 10);
    else
      return false;
    if (v > (UINT64_MAX - d) / base)
      return false;
    v = v * base + d;
  }
  if (digits == 0 || (shift && v > (UINT64_MAX >> shift)))
    return false;
  *out = v << shift;
  return true;
}

int
wl_lex_size (struct wl_lexer *lx, const char *what, uint64_t max,
             uint64_t *out)
{
  struct wl_tok t;
  char msg[96];
  uint64_t v;

  wl_lex_next (lx, &t);
  if (!wl_lex_number (t.t_s, t.t_n, true, &v)) {
    snprintf (msg, sizeof msg, "%s (bytes, e.g. 4096, 0x1000 or 4K)", what);
    return wl_lex_expected (lx, &t, msg);
  }
  if (v > max) {
    snprintf (msg, sizeof msg, "%s of at most %llu", what,
              (unsigned long long) max);
    return wl_lex_expected (lx, &t, msg);
  }
  *out = v;
  return 0;
}

int
wl_lex_mode (struct wl_lexer *lx, uint32_t *out)
{
  struct wl_tok t;
  uint32_t v = 0;

  wl_lex_next (lx, &t);
  if (t.t_n == 0 || t.t_n > 5)
    goto bad;
  for (size_t i = 0; i < t.t_n; i++) {
    if (t.t_s[i] < '0' || t.t_s[i] > '7')
      goto bad;
    v = v * 8 + (uint32_t) (t.t_s[i] - '0');
  }
  if (v > 07777)
    goto bad;
  *out = v;
  return 0;
bad:
  return wl_lex_expected (lx, &t, "an octal mode like 0644");
}

int
wl_lex_seconds (struct wl_lexer *lx, const char *what, uint64_t max_s,
                int64_t *sec, uint32_t *nsec)
{
  struct wl_tok t;
  uint64_t whole = 0;
  uint32_t frac = 0;
  size_t i = 0, dot, fdigits;
  char msg[96];

  wl_lex_next (lx, &t);
  dot = t.t_n;
  for (size_t k = 0; k < t.t_n; k++)
    if (t.t_s[k] == '.') {
      dot = k;
      break;
    }
  fdigits = dot < t.t_n ? t.t_n - dot - 1 : 0;
  if (dot == 0 || dot > 10 || (dot < t.t_n && (fdigits == 0 || fdigits > 9)))
    goto bad;
  for (i = 0; i < dot; i++) {
    if (t.t_s[i] < '0' || t.t_s[i] > '9')
      goto bad;
    whole = whole * 10 + (uint64_t) (t.t_s[i] - '0');
  }
  for (size_t k = 0; k < 9; k++) {
    char c = k < fdigits ? t.t_s[dot + 1 + k] : '0';
    if (c < '0' || c > '9')
      goto bad;
    frac = frac * 10 + (uint32_t) (c - '0');
  }
  if (whole > max_s || (whole == max_s && frac > 0)) {
    snprintf (msg, sizeof msg, "%s of at most %llu seconds", what,
              (unsigned long long) max_s);
    return wl_lex_expected (lx, &t, msg);
  }
  *sec = (int64_t) whole;
  *nsec = frac;
  return 0;
bad:
  snprintf (msg, sizeof msg, "%s (seconds, e.g. 35 or 0.25)", what);
  return wl_lex_expected (lx, &t, msg);
}

bool
wl_lex_is_handle_name (const char *s, size_t n)
{
  if (n == 0 || n > WL_HANDLE_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool more = (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!alpha && !(i > 0 && more))
      return false;
  }
  return true;
}
