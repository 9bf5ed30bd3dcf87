/* errbuf: the one way library code writes a message for its caller.
 *
 * Library functions never print; those that can explain a failure take a
 * (char *errbuf, size_t errlen) pair and fill it with fp_errbuf().  A NULL
 * buffer or zero length means the caller does not want the text.
 */
#ifndef FP_ERRBUF_H
#define FP_ERRBUF_H

#include <stddef.h>

void fp_errbuf (char *errbuf, size_t errlen, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

#endif /* FP_ERRBUF_H */
