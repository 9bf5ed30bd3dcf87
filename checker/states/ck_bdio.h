/* ck_bdio: byte-granular writes onto a sector-granular block device.
 *
 * Log entries name byte ranges; nothing in the log format forces them onto
 * sector boundaries, while every struct fpfs_bdev takes sector-aligned
 * requests only.  ck_bd_put() bridges the two: an unaligned head or tail
 * is read, patched and written back whole, the aligned middle goes
 * straight through.  Zeroes (buf NULL) use the device's trim, which reads
 * back as zeroes on every backend (fpfs.h, DESIGN.md section 3), so a
 * huge TRIM costs a range record, not memory.
 */
#ifndef CK_BDIO_H
#define CK_BDIO_H

#include <stddef.h>
#include <stdint.h>

#include "fpfs.h"

/* Write len bytes of buf (NULL: zeroes) at byte offset off. */
int ck_bd_put (struct fpfs_bdev *bd, const void *buf, uint64_t off,
               uint64_t len);
/* Read any byte range (unaligned is fine). */
int ck_bd_get (struct fpfs_bdev *bd, void *buf, uint64_t off, uint64_t len);
/* As ck_bd_put, but skip every 64 KiB piece that already reads as the
 * bytes being written: restoring a range that mostly did not change then
 * allocates nothing in a copy-on-write overlay. */
int ck_bd_put_changed (struct fpfs_bdev *bd, const void *buf, uint64_t off,
                       uint64_t len);
/* Copy [off, off+len) from src to dst through ck_bd_put_changed. */
int ck_bd_copy (struct fpfs_bdev *dst, struct fpfs_bdev *src, uint64_t off,
                uint64_t len);

#endif /* CK_BDIO_H */
