/* fptrace_int: the wire between the tracer process (fptrace_tracer.c) and
 * the caller (fptrace.c).
 *
 * tracer -> caller: a struct fpt_msg, then name, path, path2 (each
 * n_* bytes, no NUL) and data_len bytes of data.  caller -> tracer: one
 * int32, 0 to resume the program, else stop.  The last message has
 * kind FPT_MSG_DONE (ret: the first process's wait status) or
 * FPT_MSG_ERROR (name: what failed; err: its errno).
 */
#ifndef FPTRACE_INT_H
#define FPTRACE_INT_H

#include <stdint.h>

#include "fptrace.h"

enum { FPT_MSG_EVENT = 1, FPT_MSG_DONE = 2, FPT_MSG_ERROR = 3 };

struct fpt_msg {
  int32_t kind;
  int32_t call, phase, tid, tgid, fd, fd2, flags, err;
  uint32_t mode;
  int64_t ret;
  uint64_t off, len;
  uint32_t n_name, n_path, n_path2;
  uint64_t data_len;
};

/* The tracer process's body: never returns. */
_Noreturn void fpt_tracer_main (int sock, char *const argv[],
                                const struct fptrace_opts *o);

#endif /* FPTRACE_INT_H */
