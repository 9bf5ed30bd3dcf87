/* ck_record: record a workload run in-process, without nbdkit.
 *
 * A block device that forwards every request to a memory device and then
 * appends it to a write log with the real writer (fplog_writer_*), in the
 * order the requests completed -- what the nbdkit plugin does for a
 * single client -- plus a mark sink (workloads/wl_run.h) that appends
 * MARK entries to the same log.  Unit tests and the benchmark use it to
 * make recordings of real engine runs quickly; the end-to-end tests and
 * the matrix use the real plugin.
 */
#ifndef CK_RECORD_H
#define CK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpfs.h"
#include "fplog.h"

struct ck_recorder;

/* Create log_path for a zeroed device of size bytes.  uuid may be NULL
 * (random).  *bd is the recording device (owned by the recorder). */
int ck_record_open (const char *log_path, uint64_t size, uint32_t sector_size,
                    const uint8_t *uuid, struct ck_recorder **out,
                    struct fpfs_bdev **bd, char *errbuf, size_t errlen);
/* Append a MARK (the wl_mark_sink signature). */
int ck_record_mark (void *recorder, const void *buf, size_t len,
                    char *errbuf, size_t errlen);
/* Close the log (the device must not be used after). */
int ck_record_close (struct ck_recorder *r);

#endif /* CK_RECORD_H */
