/* dmlw: the dm-log-writes log format (Linux drivers/md/dm-log-writes.c,
 * read back by xfstests' src/log-writes/replay-log), and its conversion
 * to and from the flushpoint write log (fplog.h).
 *
 * The byte layout, as the kernel writes it (DM-LOG-WRITES.md beside this
 * file has it with every rule):
 *
 *   sector 0   struct log_write_super, zero-padded to sectorsize:
 *                0  8  magic       0x6a736677736872 (le64)
 *                8  8  version     1
 *               16  8  nr_entries  entries a reader may read
 *               24  4  sectorsize  the unit of every sector number below
 *   sector 1   entry 0: struct log_write_entry in a sector of its own:
 *                0  8  sector      first device sector the request covered
 *                8  8  nr_sectors  how many
 *               16  8  flags       FLUSH 1, FUA 2, DISCARD 4, MARK 8,
 *                                  METADATA 16
 *               24  8  data_len    MARK: bytes of mark text, which follow
 *                                  at byte 32 of this same sector; else 0
 *              then, unless DISCARD, nr_sectors sectors of data
 *   ...        entry 1, and so on: every entry starts on a sector boundary
 *
 * All integers are little-endian.  There is no checksum, no device size
 * and no sequence number: an entry is known only by its index, which is
 * what replay-log's --limit counts (it replays entries 0..limit-1).
 *
 * Invariants the reader enforces (each breach is an error naming the file,
 * the entry index and its byte offset): the super's magic, version and a
 * sectorsize flushpoint can hold (512..4096, a power of two); every one of
 * nr_entries entries is whole in the file; known flags only; a MARK has no
 * sectors, data_len <= sectorsize - 32 and no other flag; any other entry
 * has data_len 0 and sectors unless it is a FLUSH; zero padding after the
 * header (and after a mark's text) in the entry's sector.
 *
 * Functions return 0 or a negative errno; messages for humans go to the
 * caller's errbuf, never to stderr.
 */
#ifndef DMLW_H
#define DMLW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMLW_MAGIC     UINT64_C (0x6a736677736872)
#define DMLW_VERSION   1u
#define DMLW_SUPER_LEN 28u          /* bytes of log_write_super used */
#define DMLW_ENTRY_LEN 32u          /* bytes of log_write_entry */
#define DMLW_MAX_DATA  (64u << 20)  /* the reader's bound on one entry's
                                       data: a flushpoint entry's payload */

enum dmlw_flags {
  DMLW_FLUSH    = 1u << 0,          /* LOG_FLUSH_FLAG: REQ_PREFLUSH */
  DMLW_FUA      = 1u << 1,          /* LOG_FUA_FLAG: REQ_FUA */
  DMLW_DISCARD  = 1u << 2,          /* LOG_DISCARD_FLAG: no data follows */
  DMLW_MARK     = 1u << 3,          /* LOG_MARK_FLAG: text in the entry */
  DMLW_METADATA = 1u << 4,          /* LOG_METADATA_FLAG: REQ_META */
  DMLW_KNOWN    = 0x1fu,
};

/* One entry as read.  data: the mark text (data_len bytes) or the
 * nr_sectors * sectorsize bytes written; NULL for FLUSH and DISCARD.
 * Valid until the next dmlw_next(). */
struct dmlw_entry {
  uint64_t index;
  uint64_t sector, nr_sectors, flags, data_len;
  const uint8_t *data;
  uint64_t file_offset;             /* byte of the entry's header sector */
};

/* ---- reader ---- */

struct dmlw_reader;

int dmlw_reader_open (const char *path, struct dmlw_reader **out,
                      char *errbuf, size_t errlen);
uint32_t dmlw_reader_sectorsize (const struct dmlw_reader *r);
uint64_t dmlw_reader_nr_entries (const struct dmlw_reader *r);
/* 1: *e filled; 0: all nr_entries read; < 0: -EBADMSG (a bad entry),
 * -EIO, -ENOMEM, with errbuf naming the file, the index and the byte. */
int dmlw_next (struct dmlw_reader *r, struct dmlw_entry *e,
               char *errbuf, size_t errlen);
/* Back to entry 0 (for a second pass). */
void dmlw_reader_rewind (struct dmlw_reader *r);
void dmlw_reader_close (struct dmlw_reader *r);

/* ---- writer ---- */

struct dmlw_writer;

/* Writes to fd (a regular file the caller opened and owns) from byte 0. */
int dmlw_writer_open (int fd, const char *path, uint32_t sectorsize,
                      struct dmlw_writer **out, char *errbuf, size_t errlen);
/* Append one entry.  data: nr_sectors * sectorsize bytes for a write,
 * NULL with zero = true for that many zero bytes, or the mark text
 * (data_len bytes, MARK only). */
int dmlw_append (struct dmlw_writer *w, uint64_t sector, uint64_t nr_sectors,
                 uint64_t flags, const void *data, uint64_t data_len,
                 bool zero, char *errbuf, size_t errlen);
/* Write the super block with the entry count (last, as log_super() is
 * rewritten as entries are logged), then close the writer (not the fd). */
int dmlw_writer_finish (struct dmlw_writer *w, char *errbuf, size_t errlen);
void dmlw_writer_abort (struct dmlw_writer *w);

/* ---- conversion (dmlw_export.c, dmlw_import.c) ---- */

/* Called once per warning; msg has no trailing newline. */
typedef void (*dmlw_warn_fn) (void *ctx, const char *msg);

struct dmlw_export_opts {
  const char *log_path;             /* a flushpoint log */
  int out_fd;                       /* the dm-log-writes file, empty */
  const char *out_path;             /* for messages */
  dmlw_warn_fn warn;
  void *warn_ctx;
};

struct dmlw_export_result {
  uint64_t entries;                 /* dm-log-writes entries written */
  uint64_t marks_cut;               /* marks whose text was cut */
  uint32_t sectorsize;
  bool truncated;                   /* the source log had a truncated tail */
};

/* flushpoint -> dm-log-writes, entry for entry: flushpoint seq N is
 * dm-log-writes entry N, so `replay-log --limit N+1` rebuilds the image
 * of `flushpoint replay --to-entry N`.  -EBADMSG: the source log is
 * corrupt; -EINVAL: an entry the format cannot carry (unaligned). */
int dmlw_export (const struct dmlw_export_opts *o,
                 struct dmlw_export_result *res, char *errbuf, size_t errlen);

struct dmlw_import_opts {
  const char *in_path;              /* a dm-log-writes file */
  const char *out_path;             /* the flushpoint log to create */
  uint64_t size;                    /* device bytes; 0: the highest sector
                                       written decides */
  dmlw_warn_fn warn;
  void *warn_ctx;
};

struct dmlw_import_result {
  uint64_t entries;                 /* dm-log-writes entries read */
  uint64_t fp_entries;              /* flushpoint entries written */
  uint64_t device_size;
  uint32_t sectorsize;
  uint64_t marks;
};

/* dm-log-writes -> flushpoint.  The whole input is checked before the
 * output is created: -EBADMSG names the bad entry; -EINVAL an option
 * (--size) the input contradicts. */
int dmlw_import (const struct dmlw_import_opts *o,
                 struct dmlw_import_result *res, char *errbuf, size_t errlen);

#endif /* DMLW_H */
