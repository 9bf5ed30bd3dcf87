/* wl_b64: base64 (RFC 4648, with padding) for the bytes a traced program
 * wrote, carried in the log's "data" marks (ORACLE.md, "Programs").
 * json-c has no binary type; base64 costs 4/3 of the bytes, against 2 for
 * hex. */
#ifndef WL_B64_H
#define WL_B64_H

#include <stddef.h>
#include <stdint.h>

/* A NUL-terminated malloc'd string, or NULL when out of memory. */
char *wl_b64_encode (const void *buf, size_t len);
/* Decode s (its whole length) into a malloc'd buffer; -EINVAL for a byte
 * outside the alphabet, a bad length or misplaced padding. */
int wl_b64_decode (const char *s, size_t slen, uint8_t **out, size_t *outlen);

#endif /* WL_B64_H */
