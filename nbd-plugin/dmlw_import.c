/* dmlw_import: a dm-log-writes log as a flushpoint write log.
 *
 * Two passes.  The first reads and checks every entry (dmlw_read.c) and
 * finds the device's size; only then is the output created, so bad input
 * never leaves a half-made log.  The second writes one flushpoint entry
 * per dm-log-writes entry, in order:
 *
 *   write (data sectors)  -> WRITE, FUA kept
 *   DISCARD               -> TRIM (reads back as zeroes, which is what
 *                            replay-log's zero_range() leaves on a file)
 *   FLUSH, no sectors     -> FLUSH
 *   FLUSH with sectors    -> FLUSH, then the WRITE or TRIM: REQ_PREFLUSH
 *                            orders everything before the request first.
 *                            dm core hands a target the flush of such a
 *                            bio as an empty one (__send_empty_flush) and
 *                            the data apart, so the kernel's logs should
 *                            never hold one; a file that does shifts the
 *                            indices after it by one (a warning says where)
 *   MARK                  -> MARK with the same text; an empty text (the
 *                            C string "") becomes the one byte NUL, since
 *                            a flushpoint MARK is never empty
 *   METADATA              -> dropped: flushpoint has no such flag, and it
 *                            changes neither the image nor durability
 *
 * So, without FLUSH-with-data entries, dm-log-writes entry N is flushpoint
 * entry N, and `flushpoint replay --to-entry N` is `replay-log --limit
 * N+1` onto a zeroed device.
 *
 * The device size: dm-log-writes records none, so it is the end of the
 * highest sector any entry writes or discards, or the caller's size (then
 * an entry beyond it is an error naming the entry).  The base is zeroes.
 * The log is deterministic (no timestamps) and its UUID is derived from
 * the input's bytes (XXH3-128), so importing a file twice gives the same
 * log byte for byte.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY   /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "dmlw.h"
#include "fplog.h"

struct im_scan {
  uint64_t max_end;            /* bytes: the end of the highest sector */
  uint8_t uuid[16];
};

static void
im_hash_le64 (XXH3_state_t *st, uint64_t v)
{
  uint8_t b[8];

  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t) (v >> (8 * i));
  XXH3_128bits_update (st, b, sizeof b);
}

/* Pass 1: check every entry, find the highest sector, hash the log. */
static int
im_scan (const struct dmlw_import_opts *o, struct dmlw_reader *rd,
         struct im_scan *s, char *errbuf, size_t errlen)
{
  uint32_t ss = dmlw_reader_sectorsize (rd);
  struct dmlw_entry e;
  XXH3_state_t st;
  XXH128_hash_t h;
  int rc;

  memset (s, 0, sizeof *s);
  XXH3_128bits_reset (&st);
  im_hash_le64 (&st, ss);
  while ((rc = dmlw_next (rd, &e, errbuf, errlen)) == 1) {
    uint64_t end = (e.sector + e.nr_sectors) * ss;   /* bounded: dmlw_read */

    im_hash_le64 (&st, e.sector);
    im_hash_le64 (&st, e.nr_sectors);
    im_hash_le64 (&st, e.flags);
    im_hash_le64 (&st, e.data_len);
    if (e.data)
      XXH3_128bits_update (&st, e.data, (e.flags & DMLW_MARK)
                           ? (size_t) e.data_len : (size_t) (e.nr_sectors * ss));
    if (!e.nr_sectors)
      continue;
    if (end > FPLOG_MAX_DEVICE || (o->size && end > o->size)) {
      snprintf (errbuf, errlen, "%s: entry %" PRIu64 " at byte %" PRIu64
                ": sectors %" PRIu64 "..%" PRIu64 " end at byte %" PRIu64
                ", beyond the device (%s %" PRIu64 " bytes)", o->in_path,
                e.index, e.file_offset, e.sector,
                e.sector + e.nr_sectors - 1, end,
                o->size ? "--size" : "flushpoint's limit",
                o->size ? o->size : FPLOG_MAX_DEVICE);
      return -EINVAL;
    }
    if (end > s->max_end)
      s->max_end = end;
  }
  if (rc < 0)
    return rc;
  h = XXH3_128bits_digest (&st);
  for (int i = 0; i < 8; i++) {
    s->uuid[i] = (uint8_t) (h.high64 >> (56 - 8 * i));
    s->uuid[8 + i] = (uint8_t) (h.low64 >> (56 - 8 * i));
  }
  s->uuid[6] = (s->uuid[6] & 0x0f) | 0x80;     /* RFC 9562 version 8 */
  s->uuid[8] = (s->uuid[8] & 0x3f) | 0x80;     /* RFC 4122 variant */
  return 0;
}

static int
im_size (const struct dmlw_import_opts *o, uint32_t ss,
         const struct im_scan *s, uint64_t *size, char *errbuf, size_t errlen)
{
  *size = o->size ? o->size : s->max_end;
  if (o->size && (o->size % ss || o->size > FPLOG_MAX_DEVICE)) {
    snprintf (errbuf, errlen, "--size %" PRIu64 ": not a multiple of the "
              "log's %" PRIu32 "-byte sectors up to 16 TiB", o->size, ss);
    return -EINVAL;
  }
  if (!*size) {
    snprintf (errbuf, errlen, "%s: no entry writes or discards a sector, so "
              "the device size is unknown: give --size", o->in_path);
    return -EINVAL;
  }
  if (!o->size && o->warn) {
    char msg[512];
    snprintf (msg, sizeof msg, "%s: the device size is the end of the "
              "highest sector written, %" PRIu64 " bytes; a file system "
              "usually spans more, and will not mount on a smaller device: "
              "give --size the logged device's size (blockdev --getsize64)",
              o->in_path, *size);
    o->warn (o->warn_ctx, msg);
  }
  return 0;
}

/* Pass 2: one dm-log-writes entry. */
static int
im_entry (const struct dmlw_import_opts *o, struct fplog_writer *w,
          uint32_t ss, const struct dmlw_entry *e,
          struct dmlw_import_result *res, char *errbuf, size_t errlen)
{
  unsigned fua = (e->flags & DMLW_FUA) ? FPLOG_F_FUA : 0;
  uint64_t off = e->sector * ss, len = e->nr_sectors * ss;
  static const uint8_t nul = 0;
  char msg[256];
  int err = 0;

  if (e->flags & DMLW_MARK) {
    res->marks++;
    return fplog_append (w, FPLOG_MARK, 0, 0,
                         e->data_len ? e->data_len : 1,
                         e->data_len ? e->data : &nul,
                         e->data_len ? (uint32_t) e->data_len : 1, NULL,
                         errbuf, errlen);
  }
  if (e->flags & DMLW_FLUSH) {
    /* The flush orders every entry before this one. */
    err = fplog_append (w, FPLOG_FLUSH, 0, 0, 0, NULL, 0, NULL, errbuf,
                        errlen);
    if (err || !e->nr_sectors)
      return err;
    if (o->warn) {
      snprintf (msg, sizeof msg, "%s: entry %" PRIu64 " at byte %" PRIu64
                " is a FLUSH with %" PRIu64 " sectors: it became a FLUSH "
                "and a %s, and flushpoint seqs from there are the entry "
                "index + %" PRIu64, o->in_path, e->index, e->file_offset,
                e->nr_sectors, (e->flags & DMLW_DISCARD) ? "TRIM" : "WRITE",
                res->fp_entries + 1 - e->index);
      o->warn (o->warn_ctx, msg);
    }
  }
  if (e->flags & DMLW_DISCARD)
    return fplog_append (w, FPLOG_TRIM, fua, off, len, NULL, 0, NULL, errbuf,
                         errlen);
  return fplog_append (w, FPLOG_WRITE, fua, off, len, e->data, (uint32_t) len,
                       NULL, errbuf, errlen);
}

int
dmlw_import (const struct dmlw_import_opts *o, struct dmlw_import_result *res,
             char *errbuf, size_t errlen)
{
  struct fplog_writer_opts wo = { 0 };
  struct fplog_writer *w = NULL;
  struct dmlw_reader *rd = NULL;
  struct dmlw_entry e;
  struct im_scan s;
  int rc = 0, err;

  memset (res, 0, sizeof *res);
  err = dmlw_reader_open (o->in_path, &rd, errbuf, errlen);
  if (!err)
    err = im_scan (o, rd, &s, errbuf, errlen);
  if (!err) {
    res->sectorsize = dmlw_reader_sectorsize (rd);
    res->entries = dmlw_reader_nr_entries (rd);
    err = im_size (o, res->sectorsize, &s, &res->device_size, errbuf, errlen);
  }
  if (!err) {
    wo.path = o->out_path;
    wo.device_size = res->device_size;
    wo.sector_size = res->sectorsize;
    wo.uuid = s.uuid;
    wo.deterministic = true;
    err = fplog_writer_open (&wo, &w, errbuf, errlen);
  }
  if (!err) {
    dmlw_reader_rewind (rd);
    while (!err && (rc = dmlw_next (rd, &e, errbuf, errlen)) == 1) {
      err = im_entry (o, w, res->sectorsize, &e, res, errbuf, errlen);
      res->fp_entries = fplog_writer_next_seq (w);
    }
    if (!err && rc < 0)
      err = rc;                /* the file changed since pass 1 */
  }
  if (w) {
    int cerr = fplog_writer_close (w);
    if (!err && cerr) {
      snprintf (errbuf, errlen, "%s: close: %s", o->out_path,
                strerror (-cerr));
      err = cerr;
    }
  }
  dmlw_reader_close (rd);
  return err;
}
