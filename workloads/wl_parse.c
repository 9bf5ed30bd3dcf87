/* wl_parse: the workload language's grammar (LANGUAGE.md is the reference).
 *
 * One pass over the text, line by line.  Each line is a directive (`#!`),
 * a comment or blank, an `expect` that attaches to the op before it, or one
 * operation whose operands are read by the parse function in wl_parsers[].
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
#include "wl_pattern.h"

struct wl_parser {
  struct wl_lexer p_lx;
  struct wl_workload *p_w;
  size_t p_cap;                /* ops allocated */
  char **p_handles;            /* names bound by `open ... as NAME` */
  size_t p_nhandles, p_hcap;
};

typedef int (*wl_parse_fn) (struct wl_parser *p, struct wl_op *op);

/* ---- operands ---- */

static bool
wl_peek_digit (struct wl_parser *p)
{
  struct wl_tok t;
  wl_lex_peek (&p->p_lx, &t);
  return t.t_n > 0 && t.t_s[0] >= '0' && t.t_s[0] <= '9';
}

static bool
wl_handle_bound (const struct wl_parser *p, const char *s, size_t n)
{
  for (size_t i = 0; i < p->p_nhandles; i++)
    if (strlen (p->p_handles[i]) == n && memcmp (p->p_handles[i], s, n) == 0)
      return true;
  return false;
}

/* FILE: a path, or a handle name bound earlier. */
static int
wl_file_operand (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;

  wl_lex_peek (&p->p_lx, &t);
  if (t.t_n > 0 && t.t_s[0] == '/')
    return wl_lex_path (&p->p_lx, &op->path);
  wl_lex_next (&p->p_lx, &t);
  if (!wl_lex_is_handle_name (t.t_s, t.t_n))
    return wl_lex_expected (&p->p_lx, &t, "a path or a handle name");
  if (!wl_handle_bound (p, t.t_s, t.t_n))
    return wl_lex_expected (&p->p_lx, &t,
                            "a handle bound by an earlier 'open PATH FLAGS "
                            "as NAME'");
  op->is_handle = true;
  op->path = strndup (t.t_s, t.t_n);
  return op->path ? 0 : -ENOMEM;
}

/* pattern=NAME and seed=N, each at most once, in any order. */
static int
wl_pattern_opts (struct wl_parser *p, struct wl_op *op)
{
  bool have_pat = false, have_seed = false;
  struct wl_tok t;

  for (;;) {
    wl_lex_peek (&p->p_lx, &t);
    if (t.t_n == 0)
      return 0;
    wl_lex_next (&p->p_lx, &t);
    if (!have_pat && t.t_n > 8 && memcmp (t.t_s, "pattern=", 8) == 0) {
      char name[16];
      size_t n = t.t_n - 8;
      if (n >= sizeof name)
        goto bad_pattern;
      memcpy (name, t.t_s + 8, n);
      name[n] = '\0';
      if (wl_pattern_lookup (name, &op->pattern) < 0)
        goto bad_pattern;
      have_pat = true;
    } else if (!have_seed && t.t_n > 5 && memcmp (t.t_s, "seed=", 5) == 0) {
      if (!wl_lex_number (t.t_s + 5, t.t_n - 5, false, &op->seed))
        return wl_lex_expected (&p->p_lx, &t,
                                "seed=N with N a 64-bit number");
      have_seed = true;
    } else {
      return wl_lex_expected (&p->p_lx, &t,
                              have_pat && have_seed ? "end of line"
                              : "pattern=NAME, seed=N or end of line");
    }
  }
bad_pattern:
  return wl_lex_expected (&p->p_lx, &t,
                          "pattern=NAME with NAME one of xorshift, zero, "
                          "fill, stamp");
}

/* ---- one function per operation shape ---- */

static int
wl_p_path (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_lex_path (&p->p_lx, &op->path);
  if (!r && (op->kind == WL_OP_MKDIR || op->kind == WL_OP_CREAT)) {
    op->mode = op->kind == WL_OP_MKDIR ? 0755 : 0644;
    if (wl_peek_digit (p))
      r = wl_lex_mode (&p->p_lx, &op->mode);
  }
  return r ? r : wl_lex_end (&p->p_lx);
}

static int
wl_p_two_paths (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_lex_path (&p->p_lx, &op->path);
  if (!r)
    r = wl_lex_path (&p->p_lx, &op->path2);
  return r ? r : wl_lex_end (&p->p_lx);
}

static int
wl_p_chmod (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_lex_path (&p->p_lx, &op->path);
  if (!r)
    r = wl_lex_mode (&p->p_lx, &op->mode);
  return r ? r : wl_lex_end (&p->p_lx);
}

static int
wl_p_utimes (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;
  int r = wl_lex_path (&p->p_lx, &op->path);

  if (r)
    return r;
  wl_lex_peek (&p->p_lx, &t);
  if (wl_tok_is (&t, "now")) {
    wl_lex_next (&p->p_lx, &t);
    op->times_now = true;
    return wl_lex_end (&p->p_lx);
  }
  if (t.t_n == 0 || t.t_s[0] < '0' || t.t_s[0] > '9') {
    wl_lex_next (&p->p_lx, &t);
    return wl_lex_expected (&p->p_lx, &t, "'now' or ATIME MTIME in seconds");
  }
  r = wl_lex_seconds (&p->p_lx, "an atime", UINT32_MAX, &op->atime.sec,
                      &op->atime.nsec);
  if (!r)
    r = wl_lex_seconds (&p->p_lx, "an mtime", UINT32_MAX, &op->mtime.sec,
                        &op->mtime.nsec);
  return r ? r : wl_lex_end (&p->p_lx);
}

static int
wl_p_open (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;
  char flags[160];
  int r = wl_lex_path (&p->p_lx, &op->path);

  if (r)
    return r;
  wl_lex_next (&p->p_lx, &t);
  if (t.t_n == 0 || t.t_n >= sizeof flags)
    goto bad_flags;
  memcpy (flags, t.t_s, t.t_n);
  flags[t.t_n] = '\0';
  if (wl_flags_parse (flags, &op->flags) < 0)
    goto bad_flags;
  op->mode = 0644;
  if (wl_peek_digit (p) && (r = wl_lex_mode (&p->p_lx, &op->mode)) < 0)
    return r;
  wl_lex_peek (&p->p_lx, &t);
  if (wl_tok_is (&t, "as")) {
    wl_lex_next (&p->p_lx, &t);
    wl_lex_next (&p->p_lx, &t);
    if (!wl_lex_is_handle_name (t.t_s, t.t_n))
      return wl_lex_expected (&p->p_lx, &t,
                              "a handle name ([A-Za-z_][A-Za-z0-9_.-]*, at "
                              "most 32 bytes)");
    op->handle = strndup (t.t_s, t.t_n);
    if (!op->handle)
      return -ENOMEM;
    if (!wl_handle_bound (p, t.t_s, t.t_n)) {
      char *dup = strdup (op->handle);
      if (!dup)
        return -ENOMEM;
      if (p->p_nhandles == p->p_hcap) {
        size_t cap = p->p_hcap ? 2 * p->p_hcap : 8;
        char **nh = realloc (p->p_handles, cap * sizeof *nh);
        if (!nh) {
          free (dup);
          return -ENOMEM;
        }
        p->p_handles = nh;
        p->p_hcap = cap;
      }
      p->p_handles[p->p_nhandles++] = dup;
    }
  } else {
    op->handle = strdup (op->path);
    if (!op->handle)
      return -ENOMEM;
  }
  return wl_lex_end (&p->p_lx);
bad_flags:
  return wl_lex_expected (&p->p_lx, &t,
                          "open flags like O_CREAT|O_RDWR (one access "
                          "mode, no flag twice)");
}

static int
wl_p_file (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_file_operand (p, op);
  return r ? r : wl_lex_end (&p->p_lx);
}

static int
wl_p_truncate (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_file_operand (p, op);
  if (!r)
    r = wl_lex_size (&p->p_lx, "a size", WL_FILE_MAX, &op->size);
  return r ? r : wl_lex_end (&p->p_lx);
}

static int
wl_p_write (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok lt;
  int r = wl_file_operand (p, op);

  if (!r && op->kind == WL_OP_PWRITE)
    r = wl_lex_size (&p->p_lx, "an offset", WL_FILE_MAX, &op->off);
  wl_lex_peek (&p->p_lx, &lt);
  if (!r)
    r = wl_lex_size (&p->p_lx, "a length", WL_IO_MAX, &op->len);
  /* Both are bounded, so the sum cannot overflow. */
  if (!r && op->off + op->len > WL_FILE_MAX)
    return wl_lex_expected (&p->p_lx, &lt,
                            "a length that ends at most 1099511627776 bytes "
                            "into the file");
  return r ? r : wl_pattern_opts (p, op);
}

static int
wl_p_none (struct wl_parser *p, struct wl_op *op)
{
  (void) op;
  return wl_lex_end (&p->p_lx);
}

static int
wl_p_sleep (struct wl_parser *p, struct wl_op *op)
{
  int64_t sec;
  uint32_t nsec;
  int r = wl_lex_seconds (&p->p_lx, "a duration", WL_SLEEP_MAX_S, &sec, &nsec);

  if (r)
    return r;
  op->sleep_ns = (uint64_t) sec * 1000000000u + nsec;
  return wl_lex_end (&p->p_lx);
}

/* mark TEXT: the rest of the line, verbatim. */
static int
wl_p_rest (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;

  wl_lex_rest (&p->p_lx, &t);
  if (t.t_n == 0)
    return wl_lex_expected (&p->p_lx, &t, "mark text");
  op->path = strndup (t.t_s, t.t_n);
  return op->path ? 0 : -ENOMEM;
}

/* fault SPEC[; SPEC...]: the recording plugin's fault language
 * (nbd-plugin/faults.h), checked here so that a bad spec is a parse error
 * with a line and column, not a failure halfway through a run.  Specs have
 * no '#', so a word starting with '#' begins a comment as elsewhere. */
static int
wl_p_fault (struct wl_parser *p, struct wl_op *op)
{
  struct fpfault_spec specs[FPFAULT_SPECS_MAX];
  struct wl_lexer *lx = &p->p_lx;
  char why[512];
  struct wl_tok t;
  size_t n;

  wl_lex_rest (lx, &t);
  for (size_t i = 0; i < t.t_n; i++)
    if (t.t_s[i] == '#' && (i == 0 || t.t_s[i - 1] == ' '
                            || t.t_s[i - 1] == '\t')) {
      t.t_n = i;
      break;
    }
  while (t.t_n > 0 && (t.t_s[t.t_n - 1] == ' ' || t.t_s[t.t_n - 1] == '\t'))
    t.t_n--;
  lx->lx_pos = (size_t) (t.t_s - lx->lx_line) + t.t_n;  /* the op's text */
  if (t.t_n == 0)
    return wl_lex_expected (lx, &t, "a fault specification");
  if (fpfault_parse (t.t_s, t.t_n, specs, FPFAULT_SPECS_MAX, &n, why,
                     sizeof why) < 0) {
    if (lx->lx_errlen > 0)
      snprintf (lx->lx_errbuf, lx->lx_errlen, "%s:%u:%u: %s", lx->lx_name,
                lx->lx_lineno, t.t_col, why);
    return -EINVAL;
  }
  op->path = strndup (t.t_s, t.t_n);
  return op->path ? 0 : -ENOMEM;
}

static const wl_parse_fn wl_parsers[WL_OP__COUNT] = {
  [WL_OP_MKDIR] = wl_p_path, [WL_OP_RMDIR] = wl_p_path,
  [WL_OP_CREAT] = wl_p_path, [WL_OP_OPEN] = wl_p_open,
  [WL_OP_CLOSE] = wl_p_file, [WL_OP_UNLINK] = wl_p_path,
  [WL_OP_RENAME] = wl_p_two_paths, [WL_OP_LINK] = wl_p_two_paths,
  [WL_OP_CHMOD] = wl_p_chmod, [WL_OP_UTIMES] = wl_p_utimes,
  [WL_OP_TRUNCATE] = wl_p_truncate, [WL_OP_WRITE] = wl_p_write,
  [WL_OP_PWRITE] = wl_p_write, [WL_OP_APPEND] = wl_p_write,
  [WL_OP_FSYNC] = wl_p_file, [WL_OP_FDATASYNC] = wl_p_file,
  [WL_OP_SYNC] = wl_p_none, [WL_OP_SYNCFS] = wl_p_none,
  [WL_OP_PERSIST] = wl_p_file, [WL_OP_SLEEP] = wl_p_sleep,
  [WL_OP_MARK] = wl_p_rest, [WL_OP_FAULT] = wl_p_fault,
};

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
  if (!wl_tok_is (&t, "mount"))
    return wl_lex_expected (lx, &t, "a directive (mount or disk)");
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
  if ((r = wl_parsers[kind] (p, op)) < 0)
    return r;
  /* The op's text: from its first token to the comment or line end. */
  size_t end = lx->lx_pos;
  while (end > first->t_col - 1u
         && (lx->lx_line[end - 1] == ' ' || lx->lx_line[end - 1] == '\t'))
    end--;
  op->text = strndup (first->t_s, end - (first->t_col - 1u));
  return op->text ? 0 : -ENOMEM;
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
  return wl_parse_op (p, &t);
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

out:
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
  for (size_t i = 0; i < w->n_ops; i++) {
    free (w->ops[i].text);
    free (w->ops[i].path);
    free (w->ops[i].path2);
    free (w->ops[i].handle);
  }
  free (w->ops);
  free (w->mount_opts);
  free (w->text);
  free (w->name);
  free (w);
}
