/* wl_lex: tokens and operand syntax of the workload language (private to
 * the parser).
 *
 * A line is split into blank-separated tokens (blank: space or tab); a token
 * that starts with '#' begins a comment that runs to the end of the line.
 * Every wl_lex_* reader either fills its result and returns 0, or writes
 * "NAME:LINE:COL: expected WHAT, got TOKEN" into the lexer's errbuf and
 * returns -EINVAL; columns are 1-based byte columns.
 */
#ifndef WL_LEX_H
#define WL_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wl.h"

struct wl_lexer {
  const char *lx_name;         /* for messages */
  const char *lx_line;         /* current line, not NUL-terminated */
  size_t lx_len;
  unsigned lx_lineno;          /* 1-based */
  size_t lx_pos;               /* next byte to scan */
  char *lx_errbuf;
  size_t lx_errlen;
};

struct wl_tok {
  const char *t_s;
  size_t t_n;                  /* 0: end of line (or a comment) */
  unsigned t_col;              /* 1-based */
};

void wl_lex_line (struct wl_lexer *lx, const char *line, size_t len,
                  unsigned lineno);
/* Next token; at the end (or a comment) t_n is 0 and t_col is the column
 * where the end was met. */
void wl_lex_next (struct wl_lexer *lx, struct wl_tok *t);
/* Look at the next token without consuming it. */
void wl_lex_peek (struct wl_lexer *lx, struct wl_tok *t);
bool wl_tok_is (const struct wl_tok *t, const char *s);
/* Report "expected WHAT, got T" at T's column; returns -EINVAL. */
int wl_lex_expected (struct wl_lexer *lx, const struct wl_tok *t,
                     const char *what);
/* Same with an explicit column and "got" text. */
int wl_lex_error_at (struct wl_lexer *lx, unsigned col, const char *what,
                     const char *got);

/* Operand readers: each consumes one token. */
int wl_lex_end (struct wl_lexer *lx);                  /* end of line */
int wl_lex_path (struct wl_lexer *lx, char **out);     /* absolute, normal */
int wl_lex_size (struct wl_lexer *lx, const char *what, uint64_t max,
                 uint64_t *out);                       /* 4096, 0x10, 64M */
int wl_lex_mode (struct wl_lexer *lx, uint32_t *out);  /* octal, <= 07777 */
int wl_lex_seconds (struct wl_lexer *lx, const char *what, uint64_t max_s,
                    int64_t *sec, uint32_t *nsec);     /* 35, 0.25 */
/* Parse a whole token as an unsigned number (decimal or 0x hex) with an
 * optional K/M/G/T suffix when suffix is set.  false on any junk/overflow. */
bool wl_lex_number (const char *s, size_t n, bool suffix, uint64_t *out);
/* A handle name: [A-Za-z_][A-Za-z0-9_.-]*, at most WL_HANDLE_MAX bytes. */
bool wl_lex_is_handle_name (const char *s, size_t n);
/* The rest of the line from the next token on, trailing blanks trimmed;
 * t_n 0 when nothing is left.  Comments are not stripped. */
void wl_lex_rest (struct wl_lexer *lx, struct wl_tok *t);

#endif /* WL_LEX_H */
