/* dmlw_export: a flushpoint write log as a dm-log-writes log.
 *
 * One flushpoint entry becomes exactly one dm-log-writes entry, so an
 * index means the same in both: `replay-log --limit N+1` (entries
 * 0..N) rebuilds what `flushpoint replay --to-entry N` does.  Entry by
 * entry, in log order (the order the plugin completed the requests, which
 * is also the order dm-log-writes logs in once a FLUSH has ordered them):
 *
 *   WRITE  -> a write of its sectors, FUA kept (LOG_FUA_FLAG)
 *   TRIM   -> a DISCARD of its sectors (no data follows, as
 *             log_one_block() writes it)
 *   ZERO   -> a write of zero-filled sectors.  Not a DISCARD: replay-log
 *             turns a DISCARD into BLKDISCARD on the replay device, which
 *             need not read back as zeroes, and on a device without
 *             discard into zero writes only up to max_zero_size (128 MiB,
 *             zero_range()); written zeroes replay exactly everywhere, at
 *             the cost of their bytes in the file
 *   FLUSH  -> a FLUSH entry with no sectors (what the kernel logs for an
 *             empty REQ_PREFLUSH bio; replay-log applies nothing for it)
 *   MARK   -> a MARK; its text is cut where log_mark() would cut it: at
 *             its first NUL (the kernel keeps a C string) and to
 *             sectorsize - 33 bytes (kstrndup (data, maxsize - 1)), with
 *             a warning
 *   FAULT  -> a MARK "flushpoint FAULT: <text>" (cut the same way): a
 *             failed request changed nothing, and dm-log-writes has no
 *             such entry; a MARK keeps the index and says what happened
 *
 * The sectorsize is the log's sector_size.  A WRITE, TRIM or ZERO that is
 * not whole sectors cannot be carried and is an error (-EINVAL naming the
 * entry): rewriting it as whole sectors would need the image around it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmlw.h"
#include "fplog.h"

#define EX_FAULT_PREFIX "flushpoint FAULT: "
/* replay-log onto a device without discard zeroes at most this much of
 * one DISCARD (log-writes.c, max_zero_size). */
#define EX_MAX_ZERO (UINT64_C (128) << 20)

struct ex_ctx {
  const struct dmlw_export_opts *o;
  struct dmlw_export_result *res;
  struct dmlw_writer *w;
  uint32_t ss;
  uint64_t first_cut_seq, first_cut_len;
  uint64_t faults, big_discards;
  uint8_t text[4096];
};

static void
ex_warn (struct ex_ctx *x, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

static void
ex_warn (struct ex_ctx *x, const char *fmt, ...)
{
  char msg[768];
  va_list ap;

  if (!x->o->warn)
    return;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  x->o->warn (x->o->warn_ctx, msg);
}

/* The text a MARK (or FAULT) becomes, cut as log_mark() cuts it. */
static int
ex_mark (struct ex_ctx *x, const struct fplog_entry *e, char *errbuf,
         size_t errlen)
{
  const size_t max = x->ss - DMLW_ENTRY_LEN - 1;
  size_t plen = e->type == FPLOG_FAULT ? strlen (EX_FAULT_PREFIX) : 0;
  size_t n = e->payload_len, full;
  const uint8_t *nul = memchr (e->payload, 0, n);

  if (nul)
    n = (size_t) (nul - e->payload);
  full = plen + e->payload_len;
  memcpy (x->text, EX_FAULT_PREFIX, plen);
  if (plen + n > max)
    n = max - plen;
  memcpy (x->text + plen, e->payload, n);
  if (plen + n < full) {
    if (!x->res->marks_cut++) {
      x->first_cut_seq = e->seq;
      x->first_cut_len = full;
    }
  }
  if (e->type == FPLOG_FAULT)
    x->faults++;
  return dmlw_append (x->w, 0, 0, DMLW_MARK, x->text, plen + n, false,
                      errbuf, errlen);
}

static int
ex_entry (struct ex_ctx *x, const struct fplog_entry *e, char *errbuf,
          size_t errlen)
{
  uint64_t flags = (e->flags & FPLOG_F_FUA) ? DMLW_FUA : 0;
  uint64_t sector = e->offset / x->ss, nr = e->length / x->ss;

  switch (e->type) {
  case FPLOG_FLUSH:
    return dmlw_append (x->w, 0, 0, DMLW_FLUSH, NULL, 0, false, errbuf,
                        errlen);
  case FPLOG_MARK:
  case FPLOG_FAULT:
    return ex_mark (x, e, errbuf, errlen);
  default:
    break;
  }
  if (e->offset % x->ss || e->length % x->ss) {
    snprintf (errbuf, errlen, "%s: entry %" PRIu64 " at byte %" PRIu64
              ": %s of %" PRIu64 " bytes at offset %" PRIu64 " is not whole "
              "%" PRIu32 "-byte sectors, and dm-log-writes records whole "
              "sectors only", x->o->log_path, e->seq, e->file_offset,
              fplog_type_name (e->type), e->length, e->offset, x->ss);
    return -EINVAL;
  }
  switch (e->type) {
  case FPLOG_WRITE:
    return dmlw_append (x->w, sector, nr, flags, e->payload, 0, false,
                        errbuf, errlen);
  case FPLOG_ZERO:
    return dmlw_append (x->w, sector, nr, flags, NULL, 0, true, errbuf,
                        errlen);
  case FPLOG_TRIM:
    if (e->length > EX_MAX_ZERO)
      x->big_discards++;
    return dmlw_append (x->w, sector, nr, flags | DMLW_DISCARD, NULL, 0,
                        false, errbuf, errlen);
  default:
    snprintf (errbuf, errlen, "%s: entry %" PRIu64 ": type %u", x->o->log_path,
              e->seq, e->type);
    return -EINVAL;            /* the reader has checked the type */
  }
}

static void
ex_summary (struct ex_ctx *x, const struct fplog_header *h)
{
  if (h->flags & FPLOG_H_BASE_IMAGE)
    ex_warn (x, "%s starts from the base image %s, not from zeroes: replay "
             "the dm-log-writes log onto a copy of that image",
             x->o->log_path, h->base_path);
  if (x->res->marks_cut)
    ex_warn (x, "%" PRIu64 " mark%s cut to what dm-log-writes keeps (the "
             "text before its first NUL, at most %" PRIu32 " bytes); the "
             "first: entry %" PRIu64 ", %" PRIu64 " bytes",
             x->res->marks_cut, x->res->marks_cut == 1 ? "" : "s",
             x->ss - DMLW_ENTRY_LEN - 1, x->first_cut_seq, x->first_cut_len);
  if (x->faults)
    ex_warn (x, "%" PRIu64 " FAULT entr%s written as MARKs \"%s...\" "
             "(dm-log-writes has no failed requests)", x->faults,
             x->faults == 1 ? "y" : "ies", EX_FAULT_PREFIX);
  if (x->big_discards)
    ex_warn (x, "%" PRIu64 " DISCARD%s longer than 128 MiB: replay-log onto "
             "a device without discard skips zeroing those (max_zero_size)",
             x->big_discards, x->big_discards == 1 ? "" : "s");
}

int
dmlw_export (const struct dmlw_export_opts *o, struct dmlw_export_result *res,
             char *errbuf, size_t errlen)
{
  struct ex_ctx x = { .o = o, .res = res };
  struct fplog_reader *rd = NULL;
  struct fplog_entry e;
  char tail[512] = "";
  int rc = 0, err;

  memset (res, 0, sizeof *res);
  err = fplog_reader_open (o->log_path, &rd, errbuf, errlen);
  if (err)
    return err;
  x.ss = fplog_reader_header (rd)->sector_size;
  res->sectorsize = x.ss;
  err = dmlw_writer_open (o->out_fd, o->out_path, x.ss, &x.w, errbuf, errlen);
  while (!err && (rc = fplog_next (rd, &e, tail, sizeof tail)) ==
         FPLOG_NEXT_ENTRY)
    err = ex_entry (&x, &e, errbuf, errlen);
  if (!err && rc < 0) {
    snprintf (errbuf, errlen, "%s", tail);
    err = rc;
  }
  if (!err && rc == FPLOG_NEXT_TRUNCATED) {
    res->truncated = true;
    ex_warn (&x, "%s (exported up to there)", tail);
  }
  if (!err) {
    res->entries = fplog_reader_next_seq (rd);
    err = dmlw_writer_finish (x.w, errbuf, errlen);
    x.w = NULL;
  }
  if (!err)
    ex_summary (&x, fplog_reader_header (rd));
  dmlw_writer_abort (x.w);
  fplog_reader_close (rd);
  return err;
}
