/* fpdisk: the sparse disk behind the flushpoint plugin.
 *
 * A two-level table of 4 KiB pages.  Each page is absent (reads as
 * zeroes), held in memory, or a reference into the write log: the log
 * already holds every byte the disk was sent, so a page wholly covered by a
 * logged WRITE is not copied again but read back from the log file.
 *
 * Every mutation is split in two steps so that the plugin can put the log
 * append between them:
 *
 *   fpdisk_prepare()  may fail (-ENOMEM, -EIO); changes nothing a reader
 *                     can see (it adds tables and spare pages, and turns
 *                     log references that the request will change in part
 *                     into memory copies of the same bytes);
 *   fpdisk_write(), fpdisk_zero()   cannot fail once prepared.
 *
 * Not thread-safe: the plugin's lock covers every call (reads may run
 * concurrently with each other).
 */
#ifndef FPDISK_H
#define FPDISK_H

#include <stdint.h>
#include <stddef.h>

#define FPDISK_PAGE      4096u
#define FPDISK_L2_PAGES  512u                  /* pages per second-level table */
#define FPDISK_MAX_SIZE  (UINT64_C (1) << 44)  /* 16 TiB: keeps level 1 <= 64 MiB */
#define FPDISK_NO_LOG    UINT64_MAX            /* fpdisk_write: data not in the log */

/* What the range of an fpdisk_prepare() is about to receive. */
enum fpdisk_prep {
  FPDISK_PREP_WRITE,         /* fpdisk_write with a log offset */
  FPDISK_PREP_WRITE_MEM,     /* fpdisk_write with FPDISK_NO_LOG */
  FPDISK_PREP_ZERO,          /* fpdisk_zero */
};

struct fpdisk {
  uint64_t d_size;         /* bytes */
  size_t d_nl1;            /* level-1 slots */
  uintptr_t **d_l1;        /* d_l1[i][j]: slot of page i*FPDISK_L2_PAGES+j */
  int d_log_fd;            /* read side of the log, for references; -1 until
                              the plugin sets it, before any logged write */
  void *d_spare;           /* free list of pages, linked through their first bytes */
  size_t d_nspare;
};

int fpdisk_init (struct fpdisk *d, uint64_t size);
void fpdisk_free (struct fpdisk *d);
int fpdisk_read (const struct fpdisk *d, void *buf, uint32_t count,
                 uint64_t offset);
int fpdisk_prepare (struct fpdisk *d, enum fpdisk_prep what, uint64_t count,
                    uint64_t offset);
/* log_offset: where buf[0] is in the log file, or FPDISK_NO_LOG. */
void fpdisk_write (struct fpdisk *d, const void *buf, uint32_t count,
                   uint64_t offset, uint64_t log_offset);
void fpdisk_zero (struct fpdisk *d, uint64_t count, uint64_t offset);

#endif /* FPDISK_H */
