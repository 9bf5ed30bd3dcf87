/* trace: format tracepoint arguments and hand them to a sink.  See trace.h.
 *
 * Arguments are formatted into a stack buffer; an event whose text does not
 * fit is formatted again into a heap buffer, and if that allocation fails
 * the truncated text is delivered rather than nothing (a trace is a
 * diagnostic: losing its tail beats losing the event).
 *
 * The text sink writes one line per event, like ftrace's text output:
 *     "  SEC.NSEC name: args\n"   e.g. "  5.000000000 jbd2_start_commit: dev fp-8 transaction 2"
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace.h"

void
trace_event (const struct fpfs_trace_sink *sink, uint64_t now_ns,
             const char *name, const char *fmt, ...)
{
  char small[256];
  char *args = small, *big = NULL;
  va_list ap;
  int n;

  if (sink == NULL || sink->event == NULL)
    return;
  va_start (ap, fmt);
  n = vsnprintf (small, sizeof small, fmt, ap);
  va_end (ap);
  if (n < 0)
    small[0] = '\0';
  else if ((size_t) n >= sizeof small) {
    big = malloc ((size_t) n + 1);
    if (big != NULL) {
      va_start (ap, fmt);
      vsnprintf (big, (size_t) n + 1, fmt, ap);
      va_end (ap);
      args = big;
    }
  }
  sink->event (sink->ctx, now_ns, name, args);
  free (big);
}

static void
trace_text_event (void *ctx, uint64_t vtime_ns, const char *name,
                  const char *args)
{
  FILE *f = ctx;

  fprintf (f, "  %llu.%09llu %s: %s\n",
           (unsigned long long) (vtime_ns / FPFS_NSEC_PER_SEC),
           (unsigned long long) (vtime_ns % FPFS_NSEC_PER_SEC), name, args);
}

struct fpfs_trace_sink
fpfs_trace_text_sink (void *file)
{
  struct fpfs_trace_sink sink = { NULL, NULL };

  /* A NULL file gives the null sink: tracing off, not a crash. */
  if (file != NULL) {
    sink.event = trace_text_event;
    sink.ctx = file;
  }
  return sink;
}
