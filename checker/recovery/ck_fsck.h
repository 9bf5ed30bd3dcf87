/* ck_fsck: the file-system checker's verdict on a recovered state.
 *
 * The engine's fsck checks bitmaps against extents, link counts, the
 * directory tree, that no block is used twice, and that the journal is
 * clean after recovery (DESIGN.md section 6).  This is the one place the
 * checker calls fpfs_fsck, so that its interface can change without
 * touching the rest.
 */
#ifndef CK_FSCK_H
#define CK_FSCK_H

#include <stdbool.h>
#include <stddef.h>

#include "fpfs.h"

/* Run fsck on bd (holding an unmounted, recovered file system).
 * *ran: true when fsck ran to the end (clean or not).
 * Returns 0 when clean (or not run), 1 when fsck found problems (report
 * says which), -errno when it could not run. */
int ck_fsck_run (struct fpfs_bdev *bd, bool *ran, char *report, size_t len);
/* The same, also giving the report's unowned blocks (fpfs.h) and whether
 * they are its only problems. */
int ck_fsck_run_unowned (struct fpfs_bdev *bd, bool *ran, char *report,
                         size_t len, uint64_t *unowned, bool *only_unowned);

#endif /* CK_FSCK_H */
