/* ck_base: load the disk a log starts from into a block device.
 *
 * Without FPLOG_H_BASE_IMAGE the disk starts as zeroes and there is
 * nothing to do.  With it, the base image is found the way `flushpoint
 * replay` finds it (replay.h): the override if given, else the header's
 * path, a relative one looked up in the current directory and then beside
 * the log.  Its size and XXH3-64 checksum must match the header; only its
 * non-zero 4 KiB blocks are written, so a sparse base stays cheap in a
 * memory device.
 */
#ifndef CK_BASE_H
#define CK_BASE_H

#include <stddef.h>

#include "fplog.h"
#include "fpfs.h"

int ck_base_load (const struct fplog_header *h, const char *log_path,
                  const char *override, struct fpfs_bdev *bd,
                  char *errbuf, size_t errlen);

#endif /* CK_BASE_H */
