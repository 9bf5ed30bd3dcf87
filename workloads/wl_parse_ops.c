/* wl_parse_ops: the operands of each operation of the workload language
 * (LANGUAGE.md), one parse function per operand shape, and the table from
 * operation to parse function that wl_parse.c calls (wl_parse_int.h).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "faults.h"
#include "wl_parse_int.h"
#include "wl_pattern.h"

/* ---- operands ---- */

bool
wl_peek_digit (struct wl_parser *p)
{
  struct wl_tok t;
  wl_lex_peek (&p->p_lx, &t);
  return t.t_n > 0 && t.t_s[0] >= '0' && t.t_s[0] <= '9';
}

bool
wl_name_bound (char *const *v, size_t nv, const char *s, size_t n)
{
  for (size_t i = 0; i < nv; i++)
    if (strlen (v[i]) == n && memcmp (v[i], s, n) == 0)
      return true;
  return false;
}

int
wl_name_bind (char ***v, size_t *nv, size_t *cap, const char *s, size_t n)
{
  char *dup;

  if (wl_name_bound (*v, *nv, s, n))
    return 0;
  if (!(dup = strndup (s, n)))
    return -ENOMEM;
  if (*nv == *cap) {
    size_t c = *cap ? 2 * *cap : 8;
    char **nn = realloc (*v, c * sizeof *nn);
    if (!nn) {
      free (dup);
      return -ENOMEM;
    }
    *v = nn;
    *cap = c;
  }
  (*v)[(*nv)++] = dup;
  return 0;
}

static bool
wl_handle_bound (const struct wl_parser *p, const char *s, size_t n)
{
  return wl_name_bound (p->p_handles, p->p_nhandles, s, n);
}

/* FILE: a path, or a handle name bound earlier. */
int
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
int
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

/* rename PATH PATH [noreplace|exchange|whiteout]: renameat2(2)'s flags
 * (RENAME_NOREPLACE 1, RENAME_EXCHANGE 2, RENAME_WHITEOUT 4). */
static int
wl_p_rename (struct wl_parser *p, struct wl_op *op)
{
  static const char *const names[] = { "noreplace", "exchange", "whiteout" };
  struct wl_tok t;
  int r = wl_lex_path (&p->p_lx, &op->path);

  if (!r)
    r = wl_lex_path (&p->p_lx, &op->path2);
  if (r)
    return r;
  wl_lex_peek (&p->p_lx, &t);
  if (t.t_n > 0) {
    wl_lex_next (&p->p_lx, &t);
    for (int i = 0; i < 3 && !op->opflags; i++)
      if (wl_tok_is (&t, names[i]))
        op->opflags = 1 << i;
    if (!op->opflags)
      return wl_lex_expected (&p->p_lx, &t, "noreplace, exchange, whiteout "
                              "or end of line");
  }
  return wl_lex_end (&p->p_lx);
}

/* linkat FILE PATH */
static int
wl_p_linkat (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_file_operand (p, op);
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
    if (!op->handle
        || wl_name_bind (&p->p_handles, &p->p_nhandles, &p->p_hcap, t.t_s,
                         t.t_n) < 0)
      return -ENOMEM;
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
  [WL_OP_RENAME] = wl_p_rename, [WL_OP_LINK] = wl_p_two_paths,
  [WL_OP_CHMOD] = wl_p_chmod, [WL_OP_UTIMES] = wl_p_utimes,
  [WL_OP_TRUNCATE] = wl_p_truncate, [WL_OP_WRITE] = wl_p_write,
  [WL_OP_PWRITE] = wl_p_write, [WL_OP_APPEND] = wl_p_write,
  [WL_OP_FSYNC] = wl_p_file, [WL_OP_FDATASYNC] = wl_p_file,
  [WL_OP_SYNC] = wl_p_none, [WL_OP_SYNCFS] = wl_p_none,
  [WL_OP_PERSIST] = wl_p_file, [WL_OP_SLEEP] = wl_p_sleep,
  [WL_OP_MARK] = wl_p_rest, [WL_OP_FAULT] = wl_p_fault,
  [WL_OP_FALLOCATE] = wl_p_fallocate,
  [WL_OP_SYNC_FILE_RANGE] = wl_p_sync_file_range, [WL_OP_READ] = wl_p_read,
  [WL_OP_DROP_CACHES] = wl_p_drop_caches, [WL_OP_SYMLINK] = wl_p_symlink,
  [WL_OP_MKNOD] = wl_p_mknod, [WL_OP_SETXATTR] = wl_p_xattr,
  [WL_OP_REMOVEXATTR] = wl_p_xattr, [WL_OP_LINKAT] = wl_p_linkat,
  [WL_OP_MMAP] = wl_p_mmap, [WL_OP_MWRITE] = wl_p_mwrite,
  [WL_OP_MSYNC] = wl_p_msync, [WL_OP_MUNMAP] = wl_p_munmap,
};

int
wl_parse_operands (struct wl_parser *p, struct wl_op *op)
{
  return wl_parsers[op->kind] (p, op);
}
