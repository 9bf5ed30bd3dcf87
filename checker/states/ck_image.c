/* ck_image: a crash state's image built from scratch (contract in
 * ck_image.h).  Deliberately the plainest code that can do it: one pass
 * over the entries, no overlays, no indexes -- the reference the
 * incremental builder is tested against. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "ck_bdio.h"
#include "ck_image.h"
#include "ck_states.h"

uint64_t
ck_recipe_first_change (const struct ck_recipe *r)
{
  uint64_t first = r->end + 1;

  if (r->ndrop && r->drop[0] < first)
    first = r->drop[0];
  if (r->torn && r->tear_seq < first)
    first = r->tear_seq;
  return first;
}

static bool
im_is_write (unsigned type)
{
  return type == FPLOG_WRITE || type == FPLOG_TRIM || type == FPLOG_ZERO;
}

/* Apply only the kept sectors of a torn request. */
static int
im_apply_torn (const struct ck_recipe *r, const struct fplog_entry *e,
               uint32_t ss, struct fpfs_bdev *bd, char *errbuf, size_t errlen)
{
  uint64_t first, n;
  int err = 0;

  ck_sectors (e->offset, e->length, ss, &first, &n);
  for (size_t i = 0; i < r->nkeep && !err; i++) {
    const struct ck_range *k = &r->keep[i];
    uint64_t a, b;

    if (k->last >= n) {
      fp_errbuf (errbuf, errlen, "--tear %" PRIu64 ": sector %" PRIu64 " is "
              "outside the request, which covers sectors 0-%" PRIu64,
              r->tear_seq, k->last, n - 1);
      return -EINVAL;
    }
    a = (first + k->first) * ss;
    b = (first + k->last + 1) * ss;
    if (a < e->offset)
      a = e->offset;
    if (b > e->offset + e->length)
      b = e->offset + e->length;
    err = ck_bd_put (bd, e->type == FPLOG_WRITE ? e->payload + (a - e->offset)
                     : NULL, a, b - a);
  }
  return err;
}

int
ck_recipe_apply (const struct ck_recipe *r, struct fplog_reader *log,
                 uint64_t from_seq, struct fpfs_bdev *bd,
                 char *errbuf, size_t errlen)
{
  uint32_t ss = fplog_reader_header (log)->sector_size;
  uint64_t first = ck_recipe_first_change (r);
  struct fplog_entry e;
  int rc, err = 0;

  if (r->ndrop && r->drop[r->ndrop - 1] > r->end) {
    fp_errbuf (errbuf, errlen, "--drop %" PRIu64 ": after the state's last "
            "entry %" PRIu64, r->drop[r->ndrop - 1], r->end);
    return -EINVAL;
  }
  if (r->torn && (r->tear_seq > r->end || ck_recipe_drops (r, r->tear_seq))) {
    fp_errbuf (errbuf, errlen, "--tear %" PRIu64 ": %s", r->tear_seq,
            r->tear_seq > r->end ? "after the state's last entry"
            : "the entry is also dropped");
    return -EINVAL;
  }
  if (from_seq > first)
    return -EINVAL;
  if (from_seq > r->end)
    return 0;
  err = fplog_reader_seek (log, from_seq, errbuf, errlen);
  if (err)
    return err;
  for (uint64_t seq = from_seq; seq <= r->end && !err; seq++) {
    bool dropped = ck_recipe_drops (r, seq);
    bool torn = r->torn && seq == r->tear_seq;

    rc = fplog_next (log, &e, errbuf, errlen);
    if (rc < 0)
      return rc;
    if (rc != FPLOG_NEXT_ENTRY) {
      fp_errbuf (errbuf, errlen, "the log ends before entry %" PRIu64
              ", the state's last entry (it has %" PRIu64 " entries)",
              r->end, seq);
      return -ENOENT;
    }
    assert (e.seq == seq);
    if ((dropped || torn) && !im_is_write (e.type)) {
      fp_errbuf (errbuf, errlen, "%s %" PRIu64 ": entry %" PRIu64 " is a %s; "
              "only WRITE, TRIM and ZERO can be lost", dropped ? "--drop"
              : "--tear", seq, seq, fplog_type_name (e.type));
      return -EINVAL;
    }
    if ((dropped || torn) && (e.flags & FPLOG_F_FUA)) {
      fp_errbuf (errbuf, errlen, "%s %" PRIu64 ": entry %" PRIu64 " is a FUA "
              "write, durable when it completed", dropped ? "--drop"
              : "--tear", seq, seq);
      return -EINVAL;
    }
    if (e.type == FPLOG_FLUSH && first < seq) {
      fp_errbuf (errbuf, errlen, "entry %" PRIu64 " (dropped or torn) was made "
              "durable by the FLUSH at entry %" PRIu64 ", before the "
              "state's last entry %" PRIu64, first, seq, r->end);
      return -EINVAL;
    }
    if (!im_is_write (e.type) || dropped || e.length == 0)
      continue;
    if (torn)
      err = im_apply_torn (r, &e, ss, bd, errbuf, errlen);
    else
      err = ck_bd_put (bd, e.type == FPLOG_WRITE ? e.payload : NULL,
                       e.offset, e.length);
    if (err && errbuf && !*errbuf)
      fp_errbuf (errbuf, errlen, "%s: entry %" PRIu64 ": %s", bd->desc, seq,
              strerror (-err));
  }
  return err;
}

int
ck_state_build_image (const struct ck_state_image_opts *o,
                      struct ck_replay_result *res,
                      char *errbuf, size_t errlen)
{
  const struct ck_recipe *r = o->recipe;
  struct ck_replay_opts ro = {
    .log_path = o->log_path, .out_path = o->out_path,
    .base_path = o->base_path, .stop = CK_REPLAY_TO_ENTRY,
  };
  uint64_t first = ck_recipe_first_change (r);
  struct fplog_reader *log = NULL;
  struct fpfs_bdev *bd = NULL;
  int err;

  if (errbuf && errlen)
    errbuf[0] = '\0';
  /* The unchanged prefix is plain replay's job (base image, checks). */
  if (first == 0) {
    ro.stop = CK_REPLAY_TO_FLUSH;
    ro.stop_n = 0;
  }
  else
    ro.stop_n = first - 1 < r->end ? first - 1 : r->end;
  err = ck_replay_to_image (&ro, res, errbuf, errlen);
  if (err || first > r->end)
    return err;
  err = fplog_reader_open (o->log_path, &log, errbuf, errlen);
  if (!err)
    err = fpfs_bdev_file_open (o->out_path, false, 0, &bd, errbuf, errlen);
  if (!err) {
    err = ck_recipe_apply (r, log, first, bd, errbuf, errlen);
    if (err && errbuf && errlen) {
      /* Name the log, as replay's own messages do. */
      char tmp[1024];
      snprintf (tmp, sizeof tmp, "%s: %s", o->log_path, errbuf);
      snprintf (errbuf, errlen, "%s", tmp);
    }
  }
  if (!err)
    res->entries = r->end + 1;
  fpfs_bdev_close (bd);
  fplog_reader_close (log);
  if (err)
    unlink (o->out_path);
  return err;
}
