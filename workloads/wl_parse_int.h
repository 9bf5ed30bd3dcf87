/* wl_parse_int: the parser's state, shared by wl_parse.c (lines,
 * directives, the driver) and wl_parse_ops.c (each operation's operands).
 */
#ifndef WL_PARSE_INT_H
#define WL_PARSE_INT_H

#include <stddef.h>

#include "wl.h"
#include "wl_lex.h"

struct wl_parser {
  struct wl_lexer p_lx;
  struct wl_workload *p_w;
  size_t p_cap;                /* ops allocated */
  char **p_handles;            /* names bound by `open ... as NAME` */
  size_t p_nhandles, p_hcap;
  size_t p_split;              /* ops from here on are after-recovery ones */
  bool p_in_after;             /* an `after-recovery` line was seen */
};

typedef int (*wl_parse_fn) (struct wl_parser *p, struct wl_op *op);

/* Read op's operands (op->kind is set, the lexer stands after the
 * operation's name).  0 or -errno with the lexer's message. */
int wl_parse_operands (struct wl_parser *p, struct wl_op *op);

#endif /* WL_PARSE_INT_H */
