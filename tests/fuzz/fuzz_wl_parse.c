/* fuzz_wl_parse: libFuzzer target for the workload parser.
 *
 * Property: for any bytes, wl_parse() returns 0 with a workload whose
 * invariants hold (wl.h), or -EINVAL with exactly one message of the form
 * "NAME:LINE:COL: expected ..., got ..." (or, for a `fault` line, the
 * fault language's own "NAME:LINE:COL: fault spec N ..."), or -ENOMEM.
 * Never a crash, a leak or undefined behaviour (ASan/UBSan are on). */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wl.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Is line number `line` of the input a `fault` line (first word "fault")?
 * Those are reported in the fault language's own words (faults.h). */
static bool
is_fault_line (const uint8_t *d, size_t n, unsigned line)
{
  size_t i = 0;

  for (unsigned l = 1; l < line && i < n; i++)
    if (d[i] == '\n')
      l++;
  while (i < n && (d[i] == ' ' || d[i] == '\t'))
    i++;
  return n - i >= 5 && memcmp (d + i, "fault", 5) == 0 &&
         (n - i == 5 || d[i + 5] == ' ' || d[i + 5] == '\t' ||
          d[i + 5] == '\n' || d[i + 5] == '\r');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct wl_workload *w = NULL;
  char err[512];
  unsigned line, col;
  int r = wl_parse ("fuzz.wl", (const char *) data, size, &w, err, sizeof err);

  if (r == -EINVAL) {
    assert (w == NULL);
    int used = 0;

    assert (sscanf (err, "fuzz.wl:%u:%u: %n", &line, &col, &used) == 2);
    assert (line >= 1 && col >= 1 && used > 0);
    assert ((strncmp (err + used, "expected ", 9) == 0 &&
             strstr (err, ", got ") != NULL) ||
            is_fault_line (data, size, line));
    return 0;
  }
  assert (r == 0 || r == -ENOMEM);
  if (r == 0) {
    for (size_t i = 0; i < w->n_ops; i++) {
      const struct wl_op *op = &w->ops[i];
      assert ((unsigned) op->kind < WL_OP__COUNT);
      assert (i == 0 || op->line > w->ops[i - 1].line);
      assert (op->text && op->text[0] != '\0');
      assert (op->off + op->len <= WL_FILE_MAX);
      if (op->kind != WL_OP_FALLOCATE && op->kind != WL_OP_SYNC_FILE_RANGE)
        assert (op->len <= WL_IO_MAX);
      if (op->kind == WL_OP_SETXATTR)
        assert (op->len <= WL_XATTR_MAX);
      if (op->kind == WL_OP_SYMLINK)
        assert (op->target && op->target[0] && strlen (op->target) <= 4095);
      if (op->kind == WL_OP_SETXATTR || op->kind == WL_OP_REMOVEXATTR)
        assert (op->xname && strchr (op->xname, '.') != NULL
                && strlen (op->xname) <= WL_XNAME_MAX);
      if (op->kind == WL_OP_DROP_CACHES)
        assert (op->opflags >= 1 && op->opflags <= 3);
      if (op->path && !op->is_handle && op->kind != WL_OP_MARK
          && op->kind != WL_OP_FAULT)
        assert (op->path[0] == '/' && strstr (op->path, "//") == NULL);
    }
  }
  wl_free (w);
  return 0;
}
