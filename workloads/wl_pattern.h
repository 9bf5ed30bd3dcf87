/* wl_pattern: the deterministic content patterns of workload writes.
 *
 * Every byte a workload writes is a pure function of (pattern, seed, file
 * offset): a write of LEN bytes at offset OFF stores pattern bytes
 * OFF..OFF+LEN-1.  So the expected content of any block of any file is
 * computable from the ops alone; the checker reuses this file for that.
 *
 * Patterns (byte at file offset o, seed s; LANGUAGE.md repeats this):
 *   xorshift  the little-endian bytes of 64-bit words; the word covering
 *             offsets 8w..8w+7 is mix(mix(s) + w), where mix is the
 *             splitmix64 xorshift-multiply finaliser:
 *               x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
 *               x ^= x >> 27; x *= 0x94d049bb133111eb; x ^= x >> 31;
 *   zero      0x00
 *   fill      s & 0xff
 *   stamp     32-byte text records; the record at offset 32r is
 *             printf("fp s=%08x o=%015llx\n", (uint32_t) s, 32r) -- readable
 *             in a hexdump of the image, each record naming where it belongs.
 */
#ifndef WL_PATTERN_H
#define WL_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "wl.h"

const char *wl_pattern_name (enum wl_pattern p);            /* "xorshift" */
int wl_pattern_lookup (const char *name, enum wl_pattern *p);   /* -ENOENT */
/* The splitmix64 finaliser used by xorshift (exported for the generator). */
uint64_t wl_pattern_mix (uint64_t x);
/* Fill buf with the pattern bytes for file offsets off..off+len-1. */
void wl_pattern_fill (enum wl_pattern p, uint64_t seed, uint64_t off,
                      void *buf, size_t len);

#endif /* WL_PATTERN_H */
