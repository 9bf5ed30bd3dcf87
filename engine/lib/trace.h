/* trace: tracepoints with the kernel's event names.
 *
 * trace_event (sink, now, "ext4_sync_file_enter", "ino %lu datasync %d", ...)
 * formats args and hands them to the sink; a NULL sink (or a sink with a
 * NULL event function) costs one branch.  The event names are the kernel's,
 * so that a trace reads beside `perf trace -e 'ext4:*,jbd2:*'` output.
 */
#ifndef FP_TRACE_H
#define FP_TRACE_H

#include <stdint.h>

#include "fpfs.h"

void trace_event (const struct fpfs_trace_sink *sink, uint64_t now_ns,
                  const char *name, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));

#endif /* FP_TRACE_H */
