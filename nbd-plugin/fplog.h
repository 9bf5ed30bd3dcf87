/* fplog: the flushpoint write log, shared by the nbdkit plugin (writer) and
 * the checker and CLI (reader).
 *
 * The byte-by-byte format is in LOG-FORMAT.md beside this file; this header
 * is its C mirror.  All integers are little-endian on disk.  A log is:
 *
 *   file header (FPLOG_HDR_FIXED bytes + base path, padded to 8)
 *   entry 0, entry 1, ...          (each 56-byte entry header + payload,
 *                                   payload padded with zeroes to 8 bytes)
 *
 * Invariants:
 * - Entries appear in the order the plugin completed them; seq starts at 0
 *   and increases by one per entry, so seq == index.
 * - Each entry carries one XXH3-64 checksum over its 56-byte header (with the
 *   checksum field zeroed) followed by its unpadded payload.
 * - A writer appends whole entries with one write, so a killed server
 *   leaves at most a prefix of one entry: a reader reports a truncated tail
 *   only when the bytes after the last good entry are fewer than the next
 *   entry claims (or its header is cut short, or they are all zero); any
 *   other bad entry is corruption, reported with its seq and byte offset.
 *
 * File header, fixed part (offsets in bytes):
 *    0  8  magic FPLOG_MAGIC          48  8  created_ns
 *    8  4  version (1)                56  8  base_size
 *   12  4  header_len (fixed+path,    64  8  base_checksum (XXH3-64)
 *          padded to 8)               72  4  base_path_len (no NUL)
 *   16  4  flags (fplog_hdr_flags)    76  4  reserved, 0
 *   20  4  sector_size                80  8  header checksum: XXH3-64 over
 *   24 16  uuid                              header_len bytes, this field 0
 *   40  8  device_size                88  8  reserved, 0
 *   96  base path bytes, then zeroes to header_len
 *
 * Entry header (56 bytes), then payload_len bytes, then zeroes to 8:
 *    0  4  FPLOG_ENTRY_MAGIC          24  8  offset
 *    4  1  type                       32  8  length
 *    5  1  flags                      40  8  timestamp_ns
 *    6  2  reserved, 0                48  8  checksum: XXH3-64 over the 56
 *    8  4  payload_len                       header bytes (this field 0)
 *   12  4  reserved, 0                       then the unpadded payload
 *   16  8  seq
 *
 * Functions return 0 or a negative errno.  Error text for humans goes to the
 * caller-supplied buffer (errbuf), never to stderr: library code does not
 * decide what to print or whether to exit.
 */
#ifndef FPLOG_H
#define FPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FPLOG_MAGIC       "FPLOG\0\r\n"    /* 8 bytes, detects text-mode damage */
#define FPLOG_VERSION     1u
#define FPLOG_HDR_FIXED   96u              /* header bytes before the base path */
#define FPLOG_ENTRY_MAGIC 0x31455046u      /* "FPE1" little-endian */
#define FPLOG_ENTRY_HDR   56u
#define FPLOG_MAX_PAYLOAD (64u << 20)      /* larger than any NBD request */
#define FPLOG_MAX_PATH    4096u
#define FPLOG_MAX_DEVICE  (UINT64_C (1) << 44)  /* 16 TiB, the plugin's limit */

enum fplog_type {
  FPLOG_WRITE = 1,   /* payload: the data written, length == payload_len */
  FPLOG_TRIM  = 2,   /* no payload; range reads back as zeroes afterwards */
  FPLOG_ZERO  = 3,   /* no payload; range reads back as zeroes afterwards */
  FPLOG_FLUSH = 4,   /* no payload; offset = length = 0 */
  FPLOG_MARK  = 5,   /* payload: bytes written to the control export */
  FPLOG_FAULT = 6,   /* payload: text describing an injected fault */
};

enum fplog_flags {
  FPLOG_F_FUA     = 1u << 0,  /* request carried NBD_CMD_FLAG_FUA */
  FPLOG_F_FAILED  = 1u << 1,  /* FAULT entries: the request was failed */
};

/* Header flags. */
enum fplog_hdr_flags {
  FPLOG_H_BASE_IMAGE = 1u << 0, /* disk starts from base_path, else zeroes */
};

struct fplog_header {
  uint32_t version;
  uint32_t flags;              /* enum fplog_hdr_flags */
  uint8_t  uuid[16];           /* libuuid, identifies the recording */
  uint64_t device_size;        /* bytes */
  uint32_t sector_size;        /* bytes, power of two, 512..4096 */
  uint64_t created_ns;         /* CLOCK_REALTIME at creation, 0 if deterministic */
  uint64_t base_size;          /* bytes of the base image, 0 for zeroes */
  uint64_t base_checksum;      /* XXH3-64 of the base image content, 0 for zeroes */
  char     base_path[FPLOG_MAX_PATH]; /* NUL-terminated; "" for zeroes */
  uint32_t header_len;         /* bytes the header takes in the file */
};

struct fplog_entry {
  uint64_t seq;
  uint8_t  type;               /* enum fplog_type */
  uint8_t  flags;              /* enum fplog_flags */
  uint64_t offset;             /* bytes; 0 for FLUSH and MARK */
  uint64_t length;             /* bytes covered on the device; MARK: payload_len */
  uint64_t timestamp_ns;       /* CLOCK_REALTIME at completion, 0 if deterministic */
  uint32_t payload_len;
  const uint8_t *payload;      /* reader: valid until the next fplog_next() */
  uint64_t file_offset;        /* reader: byte offset of this entry in the file */
};

/* ---- writer (used by the plugin) ---- */

struct fplog_writer;

struct fplog_writer_opts {
  const char *path;            /* created, or truncated if it is a log */
  uint64_t device_size;
  uint32_t sector_size;
  const char *base_path;       /* NULL for zeroes */
  uint64_t base_size;
  uint64_t base_checksum;
  const uint8_t *uuid;         /* NULL: generate a random one */
  bool deterministic;          /* zero created_ns and every timestamp */
  bool overwrite;              /* truncate an existing file that is not a
                                  flushpoint log (else -EEXIST) */
  bool durable;                /* fdatasync before a FLUSH or FUA entry's
                                  append returns */
};

/* Open rules (the man page, log=): the path must be a new name or a
 * regular file; an existing file is truncated only if it is empty, starts
 * with FPLOG_MAGIC, or opts->overwrite; the file is locked (fplog_lock_take)
 * before anything is truncated, so a second writer on a live log gets
 * -EBUSY and changes nothing. */
int fplog_writer_open (const struct fplog_writer_opts *opts,
                       struct fplog_writer **out, char *errbuf, size_t errlen);
/* Append one entry; assigns and returns its seq through *seq_out.  Returns
 * only after the whole entry is in the file (write(2) has returned), so a
 * caller may acknowledge the request.  On failure nothing is counted and the
 * writer stays usable (a later append may succeed once space is freed). */
int fplog_append (struct fplog_writer *w, enum fplog_type type, unsigned flags,
                  uint64_t offset, uint64_t length,
                  const void *payload, uint32_t payload_len,
                  uint64_t *seq_out, char *errbuf, size_t errlen);
uint64_t fplog_writer_next_seq (const struct fplog_writer *w);
/* File offset at which the next entry will start (its payload then starts
 * FPLOG_ENTRY_HDR bytes later); the plugin serves data back from there. */
uint64_t fplog_writer_end (const struct fplog_writer *w);
/* The log's descriptor (open for reading and writing; it holds the lock, so
 * dup it rather than open the path again). */
int fplog_writer_fd (const struct fplog_writer *w);
int fplog_writer_close (struct fplog_writer *w);

/* ---- reader (used by the CLI and the checker) ---- */

struct fplog_reader;

enum fplog_next_result {
  FPLOG_NEXT_ENTRY = 1,        /* *e filled */
  FPLOG_NEXT_END   = 0,        /* clean end of log */
  FPLOG_NEXT_TRUNCATED = 2,    /* a partial/bad entry at the tail, nothing valid after */
  /* < 0: -errno; -EBADMSG for corruption in the middle (errbuf says where) */
};

int fplog_reader_open (const char *path, struct fplog_reader **out,
                       char *errbuf, size_t errlen);
const struct fplog_header *fplog_reader_header (const struct fplog_reader *r);
int fplog_next (struct fplog_reader *r, struct fplog_entry *e,
                char *errbuf, size_t errlen);
/* Position the reader so the next fplog_next() returns entry seq. */
int fplog_reader_seek (struct fplog_reader *r, uint64_t seq,
                       char *errbuf, size_t errlen);
void fplog_reader_close (struct fplog_reader *r);
/* Reader notes: every message in errbuf starts with the log's path.  On
 * FPLOG_NEXT_TRUNCATED errbuf also says where the tail starts and why it is
 * bad.  A terminal result (end, truncated tail, error) is sticky: later
 * fplog_next() calls return it again until a seek.
 *
 * Where the reader stands.  next_seq: the seq the next entry must have (the
 * number of entries before it).  offset: the file byte where that entry
 * starts; after FPLOG_NEXT_TRUNCATED, where the bad tail starts; after
 * FPLOG_NEXT_END, the file size. */
uint64_t fplog_reader_next_seq (const struct fplog_reader *r);
uint64_t fplog_reader_offset (const struct fplog_reader *r);
uint64_t fplog_reader_file_size (const struct fplog_reader *r);
/* Work done so far: bytes read from the file plus bytes checksummed.
 * Reading a whole log costs at most a small constant times its size
 * (tests check this on crafted input rather than timing it). */
uint64_t fplog_reader_bytes_examined (const struct fplog_reader *r);
/* The last good seq before the reader's position (next_seq - 1); false when
 * there is none (a truncated tail right after the header). */
bool fplog_reader_last_seq (const struct fplog_reader *r, uint64_t *seq);

/* ---- shared helpers ---- */

/* Take the exclusive OFD lock on a log open for writing: 0, or -EBUSY with
 * errbuf naming the file and the process holding it (fplog_lock.c). */
int fplog_lock_take (int fd, const char *path, char *errbuf, size_t errlen);

const char *fplog_type_name (unsigned type);   /* "WRITE", ... or "?" */
uint64_t fplog_entry_checksum (const uint8_t hdr[FPLOG_ENTRY_HDR],
                               const void *payload, uint32_t payload_len);
void fplog_uuid_format (const uint8_t uuid[16], char out[37]);

#endif /* FPLOG_H */
