/* fpdisk: the sparse in-memory disk behind the flushpoint plugin.
 *
 * A two-level page table of 4 KiB pages, allocated on first write.  An
 * absent page reads as zeroes.  Writes are split in two steps so that the
 * plugin can put the log append between them:
 *
 *   fpdisk_reserve()  may fail (-ENOMEM); changes nothing a reader can see
 *                     (it only allocates tables and spare pages);
 *   fpdisk_write()    cannot fail once the range was reserved.
 *
 * fpdisk_zero() cannot fail either.  Not thread-safe: the plugin's lock
 * covers every call.
 */
#ifndef FPDISK_H
#define FPDISK_H

#include <stdint.h>
#include <stddef.h>

#define FPDISK_PAGE      4096u
#define FPDISK_L2_PAGES  512u                  /* pages per second-level table */
#define FPDISK_MAX_SIZE  (UINT64_C (1) << 44)  /* 16 TiB: keeps level 1 <= 64 MiB */

struct fpdisk {
  uint64_t d_size;         /* bytes */
  size_t d_nl1;            /* level-1 slots */
  uint8_t ***d_l1;         /* d_l1[i][j]: page i*FPDISK_L2_PAGES+j, or NULL */
  void *d_spare;           /* free list of pages, linked through their first bytes */
  size_t d_nspare;
  uint64_t d_pages;        /* pages in use */
};

int fpdisk_init (struct fpdisk *d, uint64_t size);
void fpdisk_free (struct fpdisk *d);
void fpdisk_read (const struct fpdisk *d, void *buf, uint32_t count,
                  uint64_t offset);
int fpdisk_reserve (struct fpdisk *d, uint32_t count, uint64_t offset);
void fpdisk_write (struct fpdisk *d, const void *buf, uint32_t count,
                   uint64_t offset);
void fpdisk_zero (struct fpdisk *d, uint64_t count, uint64_t offset);

#endif /* FPDISK_H */
