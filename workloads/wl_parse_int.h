/* wl_parse_int: the parser's state, shared by wl_parse.c (lines,
 * directives, the driver) and wl_parse_ops.c (each operation's operands).
 */
#ifndef WL_PARSE_INT_H
#define WL_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "wl.h"
#include "wl_lex.h"

struct wl_parser {
  struct wl_lexer p_lx;
  struct wl_workload *p_w;
  size_t p_cap;                /* ops allocated */
  char **p_handles;            /* names bound by `open ... as NAME` */
  size_t p_nhandles, p_hcap;
  char **p_maps;               /* names bound by `mmap ... as NAME` */
  size_t p_nmaps, p_mcap;
  size_t p_split;              /* ops from here on are after-recovery ones */
  bool p_in_after;             /* an `after-recovery` line was seen */
};

typedef int (*wl_parse_fn) (struct wl_parser *p, struct wl_op *op);

/* Read op's operands (op->kind is set, the lexer stands after the
 * operation's name).  0 or -errno with the lexer's message. */
int wl_parse_operands (struct wl_parser *p, struct wl_op *op);

/* wl_parse_ops.c: operand readers shared with wl_parse_more.c, and the
 * lists of bound names (handles, mappings): is s[0..n) in v, and add it
 * unless it is (0 or -ENOMEM). */
bool wl_name_bound (char *const *v, size_t nv, const char *s, size_t n);
int wl_name_bind (char ***v, size_t *nv, size_t *cap, const char *s,
                  size_t n);
bool wl_peek_digit (struct wl_parser *p);
int wl_file_operand (struct wl_parser *p, struct wl_op *op);
int wl_pattern_opts (struct wl_parser *p, struct wl_op *op);
/* wl_parse_more.c: the parse functions of issue 14's operations. */
int wl_p_fallocate (struct wl_parser *p, struct wl_op *op);
int wl_p_sync_file_range (struct wl_parser *p, struct wl_op *op);
int wl_p_read (struct wl_parser *p, struct wl_op *op);
int wl_p_drop_caches (struct wl_parser *p, struct wl_op *op);
int wl_p_symlink (struct wl_parser *p, struct wl_op *op);
int wl_p_mknod (struct wl_parser *p, struct wl_op *op);
int wl_p_xattr (struct wl_parser *p, struct wl_op *op);
int wl_p_mmap (struct wl_parser *p, struct wl_op *op);
int wl_p_mwrite (struct wl_parser *p, struct wl_op *op);
int wl_p_msync (struct wl_parser *p, struct wl_op *op);
int wl_p_munmap (struct wl_parser *p, struct wl_op *op);

#endif /* WL_PARSE_INT_H */
