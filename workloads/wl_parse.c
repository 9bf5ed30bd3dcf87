/* wl_parse: the workload language's grammar (LANGUAGE.md is the reference).
 *
 * One pass over the text, line by line.  Each line is a directive (`#!`),
 * a comment or blank, an `expect` that attaches to the op before it, or one
 * operation whose operands are read by its parse function (wl_parse_ops.c).
 * The first error stops the parse: there is exactly one message, and the
 * partial workload is freed.  Handle names are checked statically: a name
 * used as a file operand must be bound by an earlier `open ... as NAME`
 * (whether it is still open is the runner's business).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "faults.h"
#include "wl.h"
#include "wl_lex.h"
#include "wl_parse_int.h"
#include "wl_pattern.h"

/* ---- lines ---- */

static int
wl_parse_directive (struct wl_parser *p)
{
  struct wl_lexer *lx = &p->p_lx;
  struct wl_workload *w = p->p_w;
  struct wl_tok t;
  int r;

  lx->lx_pos = 2;                                /* after "#!" */
  wl_lex_next (lx, &t);
  if (wl_tok_is (&t, "disk")) {
    r = wl_lex_size (lx, "a disk size", WL_FILE_MAX, &w->disk_size);
    return r ? r : wl_lex_end (lx);
  }
  if (wl_tok_is (&t, "exec") || wl_tok_is (&t, "check")) {
    char **dst = wl_tok_is (&t, "exec") ? &w->exec_cmd : &w->check_cmd;
    size_t at = lx->lx_pos, end = lx->lx_len;
    while (at < end && (lx->lx_line[at] == ' ' || lx->lx_line[at] == '\t'))
      at++;
    while (end > at && (lx->lx_line[end - 1] == ' '
                        || lx->lx_line[end - 1] == '\t'))
      end--;
    if (*dst)
      return wl_lex_expected (lx, &t, "one such directive");
    if (at == end) {
      wl_lex_next (lx, &t);
      return wl_lex_expected (lx, &t, "a shell command (the rest of the "
                              "line)");
    }
    /* The rest of the line, '#' included: it is the shell's. */
    if (!(*dst = strndup (lx->lx_line + at, end - at)))
      return -ENOMEM;
    return 0;
  }
  if (!wl_tok_is (&t, "mount"))
    return wl_lex_expected (lx, &t, "a directive (mount, disk, exec or "
                            "check)");
  wl_lex_next (lx, &t);
  if (t.t_n == 0)
    return wl_lex_expected (lx, &t, "mount options like lazytime,commit=5");
  if ((r = wl_lex_end (lx)) < 0)
    return r;
  /* Several `#! mount` lines are joined with ',' in source order. */
  size_t old = w->mount_opts ? strlen (w->mount_opts) : 0;
  char *m = realloc (w->mount_opts, old + t.t_n + 2);
  if (!m)
    return -ENOMEM;
  if (old)
    m[old++] = ',';
  memcpy (m + old, t.t_s, t.t_n);
  m[old + t.t_n] = '\0';
  w->mount_opts = m;
  return 0;
}

static int
wl_parse_expect (struct wl_parser *p)
{
  struct wl_lexer *lx = &p->p_lx;
  struct wl_workload *w = p->p_w;
  struct wl_tok t;
  char name[24];
  struct wl_op *prev = w->n_ops ? &w->ops[w->n_ops - 1] : NULL;

  wl_lex_next (lx, &t);                          /* "expect" */
  if (!prev || prev->kind == WL_OP_MARK || prev->kind == WL_OP_SLEEP)
    return wl_lex_expected (lx, &t, "an operation that can fail before "
                            "expect");
  if (prev->expect_errno)
    return wl_lex_expected (lx, &t, "one expect per operation");
  wl_lex_next (lx, &t);
  if (t.t_n == 0 || t.t_n >= sizeof name)
    goto bad;
  memcpy (name, t.t_s, t.t_n);
  name[t.t_n] = '\0';
  int e = wl_errno_lookup (name);
  if (e < 0)
    goto bad;
  prev->expect_errno = e;
  return wl_lex_end (lx);
bad:
  return wl_lex_expected (lx, &t, "an errno name like ENOENT");
}

static int
wl_parse_op (struct wl_parser *p, const struct wl_tok *first)
{
  struct wl_lexer *lx = &p->p_lx;
  struct wl_workload *w = p->p_w;
  struct wl_op *op;
  enum wl_op_kind kind;
  char name[16];
  int r;

  if (first->t_n >= sizeof name)
    return wl_lex_expected (lx, first, "an operation");
  memcpy (name, first->t_s, first->t_n);
  name[first->t_n] = '\0';
  if (wl_op_lookup (name, &kind) < 0)
    return wl_lex_expected (lx, first, "an operation");
  if (w->n_ops == p->p_cap) {
    size_t cap = p->p_cap ? 2 * p->p_cap : 32;
    struct wl_op *n = realloc (w->ops, cap * sizeof *n);
    if (!n)
      return -ENOMEM;
    w->ops = n;
    p->p_cap = cap;
  }
  op = &w->ops[w->n_ops++];
  memset (op, 0, sizeof *op);
  op->kind = kind;
  op->line = lx->lx_lineno;
  op->pattern = WL_PAT_XORSHIFT;
  op->seed = lx->lx_lineno;                      /* documented default */
  lx->lx_pos = (size_t) (first->t_col - 1) + first->t_n;
  if ((r = wl_parse_operands (p, op)) < 0)
    return r;
  /* The op's text: from its first token to the comment or line end. */
  size_t end = lx->lx_pos;
  while (end > first->t_col - 1u
         && (lx->lx_line[end - 1] == ' ' || lx->lx_line[end - 1] == '\t'))
    end--;
  op->text = strndup (first->t_s, end - (first->t_col - 1u));
  return op->text ? 0 : -ENOMEM;
}

/* An op of the after-recovery section runs on a recovered file system,
 * where no handle of the run exists and nothing of the run's timing
 * matters: file operands are paths, and the ops are the ones that change
 * or read the namespace and files (LANGUAGE.md). */
static int
wl_parse_after_check (struct wl_parser *p, const struct wl_tok *first)
{
  const struct wl_op *op = &p->p_w->ops[p->p_w->n_ops - 1];

  if (!p->p_in_after)
    return 0;
  switch (op->kind) {
  case WL_OP_OPEN: case WL_OP_CLOSE: case WL_OP_PERSIST: case WL_OP_SLEEP:
  case WL_OP_MARK: case WL_OP_FAULT: case WL_OP_LINKAT:
  case WL_OP_SYNC_FILE_RANGE: case WL_OP_DROP_CACHES: case WL_OP_MMAP:
  case WL_OP_MWRITE: case WL_OP_MSYNC: case WL_OP_MUNMAP:
    return wl_lex_expected (&p->p_lx, first, "an operation allowed after "
                            "recovery (not open, close, persist, sleep, "
                            "mark, fault, linkat, sync_file_range, "
                            "drop_caches or a mapping op)");
  default:
    break;
  }
  if (op->is_handle) {
    char got[WL_HANDLE_MAX + 3];
    snprintf (got, sizeof got, "\"%s\"", op->path);
    return wl_lex_error_at (&p->p_lx, first->t_col, "a path (no handle of "
                            "the run exists after recovery)", got);
  }
  return 0;
}

static int
wl_parse_line (struct wl_parser *p, const char *line, size_t len,
               unsigned lineno)
{
  struct wl_lexer *lx = &p->p_lx;
  struct wl_tok t;

  wl_lex_line (lx, line, len, lineno);
  if (len > WL_LINE_MAX)
    return wl_lex_error_at (lx, WL_LINE_MAX + 1,
                            "a line of at most 4096 bytes", "a longer line");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) line[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      char got[16];
      snprintf (got, sizeof got, "byte 0x%02x", c);
      return wl_lex_error_at (lx, (unsigned) i + 1, "a printable character",
                              got);
    }
  }
  if (len >= 2 && line[0] == '#' && line[1] == '!') {
    if (p->p_w->n_ops > 0)
      return wl_lex_error_at (lx, 1, "directives before the first operation",
                              "\"#!\"");
    return wl_parse_directive (p);
  }
  wl_lex_peek (lx, &t);
  if (t.t_n == 0)
    return 0;                                    /* blank or comment */
  if (wl_tok_is (&t, "expect"))
    return wl_parse_expect (p);
  if (wl_tok_is (&t, "after-recovery")) {
    wl_lex_next (lx, &t);
    if (p->p_in_after)
      return wl_lex_expected (lx, &t, "one after-recovery section");
    p->p_in_after = true;
    p->p_split = p->p_w->n_ops;
    return wl_lex_end (lx);
  }
  int r = wl_parse_op (p, &t);
  return r ? r : wl_parse_after_check (p, &t);
}

static char *
wl_workload_name (const char *name)
{
  const char *base = strrchr (name, '/');
  size_t n;

  base = base ? base + 1 : name;
  n = strlen (base);
  if (n > 3 && strcmp (base + n - 3, ".wl") == 0)
    n -= 3;
  return strndup (base, n);
}

int
wl_parse (const char *name, const char *text, size_t len,
          struct wl_workload **out, char *errbuf, size_t errlen)
{
  struct wl_parser p = { .p_lx = { .lx_name = name, .lx_errbuf = errbuf,
                                   .lx_errlen = errlen } };
  unsigned lineno = 1;
  size_t start = 0;
  int r = 0;

  if (errlen > 0)
    errbuf[0] = '\0';
  *out = NULL;
  if (len > WL_TEXT_MAX) {
    char got[40];
    snprintf (got, sizeof got, "%zu bytes", len);
    p.p_lx.lx_lineno = 1;
    return wl_lex_error_at (&p.p_lx, 1,
                            "a workload of at most 1048576 bytes", got);
  }
  p.p_w = calloc (1, sizeof *p.p_w);
  if (!p.p_w)
    return -ENOMEM;
  p.p_w->name = wl_workload_name (name);
  p.p_w->text = malloc (len + 1);
  if (!p.p_w->name || !p.p_w->text) {
    r = -ENOMEM;
    goto out;
  }
  memcpy (p.p_w->text, text, len);
  p.p_w->text[len] = '\0';
  p.p_w->text_len = len;
  p.p_w->text_hash = XXH3_64bits (text, len);

  while (start < len) {
    const char *nl = memchr (text + start, '\n', len - start);
    size_t end = nl ? (size_t) (nl - text) : len;
    size_t n = end - start;
    if (n > 0 && text[start + n - 1] == '\r')
      n--;                                       /* CRLF files */
    if ((r = wl_parse_line (&p, text + start, n, lineno)) < 0)
      goto out;
    start = end + 1;
    lineno++;
  }

  /* A program is its own ops: it makes its calls, the runner records
   * them (wl_app.h). */
  if (!r && p.p_w->check_cmd && !p.p_w->exec_cmd) {
    p.p_lx.lx_lineno = 1;
    r = wl_lex_error_at (&p.p_lx, 1, "`#! exec CMD` with `#! check CMD`",
                         "a check without a program");
  }
  if (!r && p.p_w->exec_cmd && (p.p_w->n_ops || p.p_in_after)) {
    p.p_lx.lx_lineno = p.p_w->n_ops ? p.p_w->ops[0].line : 1;
    r = wl_lex_error_at (&p.p_lx, 1, "no operations in a program's "
                         "workload (`#! exec`: its calls are recorded)",
                         "an operation");
  }
  /* The after-recovery ops go to their own array. */
  if (!r && p.p_in_after && p.p_w->n_ops > p.p_split) {
    size_t n = p.p_w->n_ops - p.p_split;
    p.p_w->rops = malloc (n * sizeof *p.p_w->rops);
    if (!p.p_w->rops)
      r = -ENOMEM;
    else {
      memcpy (p.p_w->rops, p.p_w->ops + p.p_split, n * sizeof *p.p_w->rops);
      p.p_w->n_rops = n;
      p.p_w->n_ops = p.p_split;
    }
  }

out:
  for (size_t i = 0; i < p.p_nmaps; i++)
    free (p.p_maps[i]);
  free (p.p_maps);
  for (size_t i = 0; i < p.p_nhandles; i++)
    free (p.p_handles[i]);
  free (p.p_handles);
  if (r < 0) {
    if (r == -ENOMEM && errlen > 0)
      snprintf (errbuf, errlen, "%s: out of memory", name);
    wl_free (p.p_w);
    return r;
  }
  *out = p.p_w;
  return 0;
}

int
wl_parse_file (const char *path, struct wl_workload **out,
               char *errbuf, size_t errlen)
{
  FILE *f = fopen (path, "rb");
  char *buf = NULL;
  struct stat st;
  size_t n = 0;
  int r;

  *out = NULL;
  if (!f) {
    r = -errno;
    snprintf (errbuf, errlen, "%s: %s", path, strerror (-r));
    return r;
  }
  /* Say what the file is, not what reading it did: a directory opens but
   * fails to read, and an oversized file would be reported by the one byte
   * over the limit that is read below. */
  if (fstat (fileno (f), &st) == 0) {
    if (S_ISDIR (st.st_mode)) {
      r = -EISDIR;
      snprintf (errbuf, errlen, "%s: is a directory, not a workload file",
                path);
      goto out;
    }
    if (S_ISREG (st.st_mode) && st.st_size > (off_t) WL_TEXT_MAX) {
      r = -EFBIG;
      snprintf (errbuf, errlen, "%s: expected a workload of at most %u "
                "bytes, got %jd bytes", path, (unsigned) WL_TEXT_MAX,
                (intmax_t) st.st_size);
      goto out;
    }
  }
  buf = malloc (WL_TEXT_MAX + 1);
  if (!buf) {
    r = -ENOMEM;
    snprintf (errbuf, errlen, "%s: out of memory", path);
    goto out;
  }
  /* Read one byte more than the limit so that wl_parse sees an oversized
   * file as such. */
  n = fread (buf, 1, WL_TEXT_MAX + 1, f);
  if (ferror (f)) {
    r = errno ? -errno : -EIO;
    snprintf (errbuf, errlen, "%s: read: %s", path, strerror (-r));
    goto out;
  }
  r = wl_parse (path, buf, n, out, errbuf, errlen);
out:
  free (buf);
  fclose (f);
  return r;
}

void
wl_free (struct wl_workload *w)
{
  if (!w)
    return;
  for (size_t i = 0; i < w->n_rops; i++) {
    free (w->rops[i].text);
    free (w->rops[i].path);
    free (w->rops[i].path2);
    free (w->rops[i].target);
    free (w->rops[i].xname);
    free (w->rops[i].handle);
  }
  free (w->rops);
  for (size_t i = 0; i < w->n_ops; i++) {
    free (w->ops[i].text);
    free (w->ops[i].path);
    free (w->ops[i].path2);
    free (w->ops[i].target);
    free (w->ops[i].xname);
    free (w->ops[i].handle);
  }
  free (w->ops);
  free (w->mount_opts);
  free (w->exec_cmd);
  free (w->check_cmd);
  free (w->text);
  free (w->name);
  free (w);
}
