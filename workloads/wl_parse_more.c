/* wl_parse_more: the operands of the operations issue 14 added to the
 * language (LANGUAGE.md): fallocate, sync_file_range, read, drop_caches,
 * symlink, mknod, setxattr/removexattr and the shared-mapping ops (rename's
 * flags and linkat are beside rename and link in wl_parse_ops.c).  wl_parse_ops.c holds the table that calls them and
 * the operand readers they share (wl_parse_int.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wl_parse_int.h"

/* One token of |-joined words, read by parse (wl_falloc_parse, ...). */
static int
wl_words_operand (struct wl_parser *p, int (*parse) (const char *, int *),
                  const char *what, int *out)
{
  struct wl_tok t;
  char buf[96];

  wl_lex_next (&p->p_lx, &t);
  if (t.t_n == 0 || t.t_n >= sizeof buf)
    return wl_lex_expected (&p->p_lx, &t, what);
  memcpy (buf, t.t_s, t.t_n);
  buf[t.t_n] = '\0';
  if (parse (buf, out) < 0)
    return wl_lex_expected (&p->p_lx, &t, what);
  return 0;
}

/* FILE OFFSET LEN, both bounded so that the sum fits WL_FILE_MAX. */
static int
wl_range_operands (struct wl_parser *p, struct wl_op *op, uint64_t max_len)
{
  struct wl_tok lt;
  int r = wl_file_operand (p, op);

  if (!r)
    r = wl_lex_size (&p->p_lx, "an offset", WL_FILE_MAX, &op->off);
  wl_lex_peek (&p->p_lx, &lt);
  if (!r)
    r = wl_lex_size (&p->p_lx, "a length", max_len, &op->len);
  if (!r && op->off + op->len > WL_FILE_MAX)
    return wl_lex_expected (&p->p_lx, &lt,
                            "a length that ends at most 1099511627776 bytes "
                            "into the file");
  return r;
}

/* fallocate FILE OFF LEN [MODE]: `punch_hole` alone means
 * punch_hole|keep_size, as fallocate(1) --punch-hole does (Linux refuses
 * PUNCH_HOLE without KEEP_SIZE). */
int
wl_p_fallocate (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;
  int r = wl_range_operands (p, op, WL_FILE_MAX);

  if (r)
    return r;
  wl_lex_peek (&p->p_lx, &t);
  if (t.t_n > 0 && (r = wl_words_operand (p, wl_falloc_parse,
                                          "a fallocate mode: keep_size, "
                                          "punch_hole, zero_range, "
                                          "collapse_range or insert_range, "
                                          "joined by '|'", &op->opflags)) < 0)
    return r;
  if (op->opflags == 0x02)
    op->opflags |= 0x01;
  return wl_lex_end (&p->p_lx);
}

/* sync_file_range FILE OFF LEN FLAGS (LEN 0: to the end of the file). */
int
wl_p_sync_file_range (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_range_operands (p, op, WL_FILE_MAX);

  if (!r)
    r = wl_words_operand (p, wl_sfr_parse, "sync_file_range flags: "
                          "wait_before, write or wait_after, joined by '|'",
                          &op->opflags);
  return r ? r : wl_lex_end (&p->p_lx);
}

/* read FILE OFF LEN */
int
wl_p_read (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_range_operands (p, op, WL_IO_MAX);
  return r ? r : wl_lex_end (&p->p_lx);
}

/* drop_caches [1|2|3], 3 by default. */
int
wl_p_drop_caches (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;

  op->opflags = 3;
  wl_lex_peek (&p->p_lx, &t);
  if (t.t_n > 0) {
    wl_lex_next (&p->p_lx, &t);
    if (t.t_n != 1 || t.t_s[0] < '1' || t.t_s[0] > '3')
      return wl_lex_expected (&p->p_lx, &t, "1, 2 or 3 (what "
                              "/proc/sys/vm/drop_caches takes)");
    op->opflags = t.t_s[0] - '0';
  }
  return wl_lex_end (&p->p_lx);
}

/* symlink TARGET PATH: TARGET is one token, stored as written. */
int
wl_p_symlink (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;

  wl_lex_next (&p->p_lx, &t);
  if (t.t_n == 0 || t.t_n > WL_PATH_MAX)
    return wl_lex_expected (&p->p_lx, &t, "a symlink target (1 to 4095 "
                            "bytes, no blanks)");
  op->target = strndup (t.t_s, t.t_n);
  if (!op->target)
    return -ENOMEM;
  int r = wl_lex_path (&p->p_lx, &op->path);
  return r ? r : wl_lex_end (&p->p_lx);
}

/* mknod PATH fifo|char|block|socket [MODE] [dev=MAJOR:MINOR] */
int
wl_p_mknod (struct wl_parser *p, struct wl_op *op)
{
  static const struct { const char *name; uint32_t type; } kinds[] = {
    { "fifo", S_IFIFO }, { "char", S_IFCHR }, { "block", S_IFBLK },
    { "socket", S_IFSOCK },
  };
  struct wl_tok t;
  uint32_t perm = 0644;
  size_t k;
  int r = wl_lex_path (&p->p_lx, &op->path);

  if (r)
    return r;
  wl_lex_next (&p->p_lx, &t);
  for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    if (wl_tok_is (&t, kinds[k].name))
      break;
  if (k == sizeof kinds / sizeof kinds[0])
    return wl_lex_expected (&p->p_lx, &t, "fifo, char, block or socket");
  if (wl_peek_digit (p) && (r = wl_lex_mode (&p->p_lx, &perm)) < 0)
    return r;
  op->mode = kinds[k].type | perm;
  wl_lex_peek (&p->p_lx, &t);
  if (t.t_n > 4 && memcmp (t.t_s, "dev=", 4) == 0) {
    const char *colon = memchr (t.t_s + 4, ':', t.t_n - 4);
    uint64_t maj, min;
    wl_lex_next (&p->p_lx, &t);
    if (!colon || !wl_lex_number (t.t_s + 4, (size_t) (colon - t.t_s - 4),
                                  false, &maj)
        || !wl_lex_number (colon + 1, (size_t) (t.t_s + t.t_n - colon - 1),
                           false, &min) || maj > 4095 || min > 0xfffff)
      return wl_lex_expected (&p->p_lx, &t, "dev=MAJOR:MINOR (major at most "
                              "4095, minor at most 1048575)");
    /* glibc's makedev: the minor's low 8 bits, the major's 12, the
     * minor's high 12. */
    op->dev = (min & 0xff) | ((maj & 0xfff) << 8) | ((min & ~0xffull) << 12);
  }
  return wl_lex_end (&p->p_lx);
}

/* An xattr name: PREFIX.SUFFIX, both non-empty, at most 255 bytes.
 * Which prefixes exist is the file system's answer (EOPNOTSUPP). */
static int
wl_xname_operand (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;
  const char *dot;

  wl_lex_next (&p->p_lx, &t);
  dot = t.t_n ? memchr (t.t_s, '.', t.t_n) : NULL;
  if (!dot || dot == t.t_s || dot == t.t_s + t.t_n - 1
      || t.t_n > WL_XNAME_MAX)
    return wl_lex_expected (&p->p_lx, &t, "an xattr name like user.NAME "
                            "(at most 255 bytes)");
  op->xname = strndup (t.t_s, t.t_n);
  return op->xname ? 0 : -ENOMEM;
}

/* setxattr PATH NAME LEN [create|replace] [PATTERN];
 * removexattr PATH NAME */
int
wl_p_xattr (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;
  int r = wl_lex_path (&p->p_lx, &op->path);

  if (!r)
    r = wl_xname_operand (p, op);
  if (r || op->kind == WL_OP_REMOVEXATTR)
    return r ? r : wl_lex_end (&p->p_lx);
  if ((r = wl_lex_size (&p->p_lx, "a value length", WL_XATTR_MAX,
                        &op->len)) < 0)
    return r;
  wl_lex_peek (&p->p_lx, &t);
  if (wl_tok_is (&t, "create") || wl_tok_is (&t, "replace")) {
    op->opflags = wl_tok_is (&t, "create") ? 1 : 2;   /* XATTR_CREATE/REPLACE */
    wl_lex_next (&p->p_lx, &t);
  }
  return wl_pattern_opts (p, op);
}

/* ---- shared mappings: mmap FILE OFF LEN as NAME, then the NAME ops ---- */

static bool
wl_map_bound (const struct wl_parser *p, const char *s, size_t n)
{
  return wl_name_bound (p->p_maps, p->p_nmaps, s, n);
}

int
wl_p_mmap (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;
  int r = wl_range_operands (p, op, WL_IO_MAX);

  if (r)
    return r;
  wl_lex_next (&p->p_lx, &t);
  if (!wl_tok_is (&t, "as"))
    return wl_lex_expected (&p->p_lx, &t, "'as NAME' (a mapping is named)");
  wl_lex_next (&p->p_lx, &t);
  if (!wl_lex_is_handle_name (t.t_s, t.t_n))
    return wl_lex_expected (&p->p_lx, &t, "a mapping name ([A-Za-z_]"
                            "[A-Za-z0-9_.-]*, at most 32 bytes)");
  if (!(op->handle = strndup (t.t_s, t.t_n))
      || wl_name_bind (&p->p_maps, &p->p_nmaps, &p->p_mcap, t.t_s, t.t_n) < 0)
    return -ENOMEM;
  return wl_lex_end (&p->p_lx);
}

/* NAME of a mapping bound by an earlier mmap. */
static int
wl_map_operand (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;

  wl_lex_next (&p->p_lx, &t);
  if (!wl_lex_is_handle_name (t.t_s, t.t_n) || !wl_map_bound (p, t.t_s, t.t_n))
    return wl_lex_expected (&p->p_lx, &t, "a mapping bound by an earlier "
                            "'mmap FILE OFF LEN as NAME'");
  op->is_handle = true;
  op->path = strndup (t.t_s, t.t_n);
  return op->path ? 0 : -ENOMEM;
}

/* mwrite NAME OFF LEN [PATTERN]: OFF is a file offset. */
int
wl_p_mwrite (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok lt;
  int r = wl_map_operand (p, op);

  if (!r)
    r = wl_lex_size (&p->p_lx, "an offset", WL_FILE_MAX, &op->off);
  wl_lex_peek (&p->p_lx, &lt);
  if (!r)
    r = wl_lex_size (&p->p_lx, "a length", WL_IO_MAX, &op->len);
  if (!r && op->off + op->len > WL_FILE_MAX)
    return wl_lex_expected (&p->p_lx, &lt,
                            "a length that ends at most 1099511627776 bytes "
                            "into the file");
  return r ? r : wl_pattern_opts (p, op);
}

/* msync NAME [MS_SYNC|MS_ASYNC] (MS_SYNC by default; Linux's values). */
int
wl_p_msync (struct wl_parser *p, struct wl_op *op)
{
  struct wl_tok t;
  int r = wl_map_operand (p, op);

  if (r)
    return r;
  op->opflags = 4;                               /* MS_SYNC */
  wl_lex_peek (&p->p_lx, &t);
  if (t.t_n > 0) {
    wl_lex_next (&p->p_lx, &t);
    if (wl_tok_is (&t, "MS_SYNC"))
      op->opflags = 4;
    else if (wl_tok_is (&t, "MS_ASYNC"))
      op->opflags = 1;
    else
      return wl_lex_expected (&p->p_lx, &t, "MS_SYNC, MS_ASYNC or end of "
                              "line");
  }
  return wl_lex_end (&p->p_lx);
}

int
wl_p_munmap (struct wl_parser *p, struct wl_op *op)
{
  int r = wl_map_operand (p, op);
  return r ? r : wl_lex_end (&p->p_lx);
}

