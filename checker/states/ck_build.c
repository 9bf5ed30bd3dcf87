/* ck_build: the incremental crash-state builder.  The layers, the feeding
 * rules and the hole algorithm are in ck_build.h.
 *
 * The index of the epoch's writes by chunk is in ck_bindex.h.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "ck_base.h"
#include "ck_bdio.h"
#include "ck_build.h"
#include "ck_bindex.h"
#include "ck_states.h"


struct bw {                    /* one write of the current epoch */
  uint64_t seq, off, len;
  uint8_t type, flags;
};

struct hole {
  uint64_t start, end;         /* bytes, [start, end) */
};

struct ck_build {
  struct fplog_header hdr;
  struct fplog_reader *rd;     /* random access to payloads */
  struct fpfs_bdev *base, *epoch, *top;
  bool any;
  uint64_t last_seq;
  struct bw *w;
  size_t nw, capw;
  struct bx bx;
  struct hole *holes;
  size_t nholes, capholes;
  uint32_t *cand;
  size_t ncand, capcand;
  struct ck_build_stats st;
};

/* Grow *v (elements of size sz) to hold at least n+1. */
static int
b_grow (void **v, size_t *cap, size_t n, size_t sz)
{
  if (n < *cap)
    return 0;
  size_t nc = *cap ? *cap * 2 : 16;
  void *p = realloc (*v, nc * sz);
  if (!p)
    return -ENOMEM;
  *v = p;
  *cap = nc;
  return 0;
}

/* ---- open, close ---- */

int
ck_build_open (const char *log_path, const char *base_path,
               struct ck_build **out, char *errbuf, size_t errlen)
{
  struct ck_build *b = calloc (1, sizeof *b);
  int err;

  *out = NULL;
  if (!b)
    return -ENOMEM;
  err = fplog_reader_open (log_path, &b->rd, errbuf, errlen);
  if (err)
    goto fail;
  b->hdr = *fplog_reader_header (b->rd);
  err = fpfs_bdev_mem_open (b->hdr.device_size, b->hdr.sector_size, &b->base);
  if (!err)
    err = fpfs_bdev_overlay_open (b->base, &b->epoch);
  if (!err)
    err = fpfs_bdev_overlay_open (b->epoch, &b->top);
  if (err) {
    fp_errbuf (errbuf, errlen, "%s: cannot make a %" PRIu64 "-byte device: %s",
           log_path, b->hdr.device_size, strerror (-err));
    goto fail;
  }
  err = ck_base_load (&b->hdr, log_path, base_path, b->base, errbuf, errlen);
  if (err)
    goto fail;
  *out = b;
  return 0;
 fail:
  ck_build_close (b);
  return err;
}

void
ck_build_close (struct ck_build *b)
{
  if (!b)
    return;
  ck_bx_clear (&b->bx);
  free (b->bx.s);
  free (b->bx.wide);
  fpfs_bdev_close (b->top);
  fpfs_bdev_close (b->epoch);
  fpfs_bdev_close (b->base);
  fplog_reader_close (b->rd);
  free (b->w);
  free (b->holes);
  free (b->cand);
  free (b);
}

const struct fplog_header *
ck_build_header (const struct ck_build *b)
{
  return &b->hdr;
}

void
ck_build_get_stats (const struct ck_build *b, struct ck_build_stats *s)
{
  *s = b->st;
}

/* ---- feeding ---- */

static int
b_hole_cmp (const void *a, const void *b)
{
  const struct hole *x = a, *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort and merge b->holes (overlapping or touching ranges become one). */
static void
b_holes_normalise (struct ck_build *b)
{
  size_t m = 0;

  if (b->nholes > 1)
    qsort (b->holes, b->nholes, sizeof *b->holes, b_hole_cmp);
  for (size_t i = 0; i < b->nholes; i++) {
    if (m && b->holes[i].start <= b->holes[m - 1].end) {
      if (b->holes[i].end > b->holes[m - 1].end)
        b->holes[m - 1].end = b->holes[i].end;
    }
    else
      b->holes[m++] = b->holes[i];
  }
  b->nholes = m;
}

static int
b_hole_add (struct ck_build *b, uint64_t start, uint64_t end)
{
  if (start >= end)
    return 0;
  if (b_grow ((void **) &b->holes, &b->capholes, b->nholes, sizeof *b->holes))
    return -ENOMEM;
  b->holes[b->nholes++] = (struct hole) { start, end };
  return 0;
}

/* The FLUSH completed: the epoch is durable, so it becomes part of base. */
static int
b_advance (struct ck_build *b)
{
  int err = 0;

  b->nholes = 0;
  for (size_t i = 0; i < b->nw && !err; i++)
    err = b_hole_add (b, b->w[i].off, b->w[i].off + b->w[i].len);
  b_holes_normalise (b);
  for (size_t i = 0; i < b->nholes && !err; i++)
    err = ck_bd_copy (b->base, b->epoch, b->holes[i].start,
                      b->holes[i].end - b->holes[i].start);
  b->nholes = 0;
  if (err)
    return err;
  fpfs_bdev_overlay_reset (b->epoch);
  b->nw = 0;
  ck_bx_clear (&b->bx);
  b->st.flushes++;
  return 0;
}

static int
b_index (struct ck_build *b, uint32_t idx, uint64_t off, uint64_t len)
{
  uint64_t c0 = off >> BX_SHIFT, c1 = (off + len - 1) >> BX_SHIFT;
  int err = 0;

  if (c1 - c0 + 1 > BX_WIDE_CHUNKS) {
    if (b_grow ((void **) &b->bx.wide, &b->bx.capwide, b->bx.nwide,
                sizeof *b->bx.wide))
      return -ENOMEM;
    b->bx.wide[b->bx.nwide++] = idx;
    return 0;
  }
  for (uint64_t c = c0; c <= c1 && !err; c++)
    err = ck_bx_add (&b->bx, c, idx);
  return err;
}

int
ck_build_entry (struct ck_build *b, const struct fplog_entry *e,
                char *errbuf, size_t errlen)
{
  uint64_t want = b->any ? b->last_seq + 1 : 0;
  int err = 0;

  if (e->seq != want) {
    fp_errbuf (errbuf, errlen, "builder: entry %" PRIu64 " fed, expected %"
           PRIu64, e->seq, want);
    return -EINVAL;
  }
  switch (e->type) {
  case FPLOG_WRITE:
  case FPLOG_TRIM:
  case FPLOG_ZERO:
    if (e->length == 0)
      break;
    if (b->nw >= UINT32_MAX)
      return -EOVERFLOW;
    err = ck_bd_put (b->epoch, e->type == FPLOG_WRITE ? e->payload : NULL,
                     e->offset, e->length);
    if (!err)
      err = b_grow ((void **) &b->w, &b->capw, b->nw, sizeof *b->w);
    if (!err)
      err = b_index (b, (uint32_t) b->nw, e->offset, e->length);
    if (!err)
      b->w[b->nw++] = (struct bw) { e->seq, e->offset, e->length, e->type,
                                    e->flags };
    break;
  case FPLOG_FLUSH:
    err = b_advance (b);
    break;
  default:                     /* MARK, FAULT: the disk does not change */
    break;
  }
  if (err) {
    fp_errbuf (errbuf, errlen, "builder: entry %" PRIu64 " (%s): %s", e->seq,
           fplog_type_name (e->type), strerror (-err));
    return err;
  }
  b->any = true;
  b->last_seq = e->seq;
  b->st.entries++;
  return 0;
}

/* ---- states ---- */

/* The epoch write with this seq, or NULL. */
static const struct bw *
b_find (const struct ck_build *b, uint64_t seq)
{
  size_t lo = 0, hi = b->nw;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (b->w[mid].seq < seq)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < b->nw && b->w[lo].seq == seq ? &b->w[lo] : NULL;
}

static int
b_u32_cmp (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

  return x < y ? -1 : x > y;
}

static int
b_cand_add (struct ck_build *b, uint32_t idx)
{
  if (b_grow ((void **) &b->cand, &b->capcand, b->ncand, sizeof *b->cand))
    return -ENOMEM;
  b->cand[b->ncand++] = idx;
  return 0;
}

/* The epoch writes that touch a hole, in log order, into b->cand. */
static int
b_candidates (struct ck_build *b)
{
  size_t m = 0;
  int err = 0;

  b->ncand = 0;
  for (size_t h = 0; h < b->nholes && !err; h++) {
    uint64_t c0 = b->holes[h].start >> BX_SHIFT;
    uint64_t c1 = (b->holes[h].end - 1) >> BX_SHIFT;
    for (uint64_t c = c0; c <= c1 && !err; c++) {
      const struct bx_slot *sl = ck_bx_find (&b->bx, c);
      for (uint32_t i = 0; sl && i < sl->n && !err; i++)
        err = b_cand_add (b, sl->v[i]);
    }
  }
  for (size_t i = 0; i < b->bx.nwide && !err; i++)
    err = b_cand_add (b, b->bx.wide[i]);
  if (err)
    return err;
  if (b->ncand > 1)
    qsort (b->cand, b->ncand, sizeof *b->cand, b_u32_cmp);
  for (size_t i = 0; i < b->ncand; i++)
    if (m == 0 || b->cand[m - 1] != b->cand[i])
      b->cand[m++] = b->cand[i];
  b->ncand = m;
  return 0;
}

/* Write the parts of [s, e) of write w that the recipe keeps into top. */
static int
b_put_kept (struct ck_build *b, const struct ck_recipe *r, const struct bw *w,
            const uint8_t *data, uint64_t s, uint64_t e)
{
  uint32_t ss = b->hdr.sector_size;
  uint64_t first, n;

  if (!(r->torn && r->tear_seq == w->seq))
    return ck_bd_put (b->top, data ? data + (s - w->off) : NULL, s, e - s);
  ck_sectors (w->off, w->len, ss, &first, &n);
  for (size_t i = 0; i < r->nkeep; i++) {
    uint64_t a = (first + r->keep[i].first) * ss;
    uint64_t z = (first + r->keep[i].last + 1) * ss;
    int err;
    if (a < s)
      a = s;
    if (z > e)
      z = e;
    if (a >= z)
      continue;
    err = ck_bd_put (b->top, data ? data + (a - w->off) : NULL, a, z - a);
    if (err)
      return err;
  }
  return 0;
}

/* Re-apply one surviving write, clipped to the holes. */
static int
b_reapply (struct ck_build *b, const struct ck_recipe *r, const struct bw *w,
           char *errbuf, size_t errlen)
{
  const uint8_t *data = NULL;
  struct fplog_entry e;
  size_t h = 0, lo = 0, hi = b->nholes;
  int err = 0;

  /* First hole that ends after the write starts. */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (b->holes[mid].end <= w->off)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (h = lo; h < b->nholes && b->holes[h].start < w->off + w->len && !err;
       h++) {
    uint64_t s = b->holes[h].start > w->off ? b->holes[h].start : w->off;
    uint64_t z = b->holes[h].end < w->off + w->len ? b->holes[h].end
                                                  : w->off + w->len;
    if (w->type == FPLOG_WRITE && !data) {
      err = fplog_reader_seek (b->rd, w->seq, errbuf, errlen);
      if (!err && fplog_next (b->rd, &e, errbuf, errlen) != FPLOG_NEXT_ENTRY)
        err = -EIO;
      if (!err && (e.seq != w->seq || e.type != FPLOG_WRITE))
        err = -EIO;
      if (err)
        return err;
      data = e.payload;
      b->st.reapplied++;
    }
    err = b_put_kept (b, r, w, data, s, z);
  }
  return err;
}

/* The holes of r: dropped writes whole, the torn write's other sectors. */
static int
b_make_holes (struct ck_build *b, const struct ck_recipe *r, char *errbuf,
              size_t errlen)
{
  uint32_t ss = b->hdr.sector_size;
  int err = 0;

  b->nholes = 0;
  for (size_t i = 0; i <= r->ndrop && !err; i++) {
    bool tear = i == r->ndrop;
    uint64_t seq = tear ? r->tear_seq : r->drop[i];
    const struct bw *w;
    if (tear && !r->torn)
      break;
    w = b_find (b, seq);
    if (!w || (w->flags & FPLOG_F_FUA)) {
      fp_errbuf (errbuf, errlen, "builder: entry %" PRIu64 " is %s", seq,
             w ? "a FUA write, never lost"
             : "not a write of the current epoch");
      return -EINVAL;
    }
    if (!tear) {
      err = b_hole_add (b, w->off, w->off + w->len);
      continue;
    }
    /* The gaps between the kept sector ranges. */
    uint64_t first, n, next = 0;
    ck_sectors (w->off, w->len, ss, &first, &n);
    for (size_t k = 0; k <= r->nkeep && !err; k++) {
      uint64_t gap_end = k < r->nkeep ? r->keep[k].first : n;
      if (k < r->nkeep && r->keep[k].last >= n) {
        fp_errbuf (errbuf, errlen, "builder: entry %" PRIu64 ": kept sector %"
               PRIu64 " past the request's %" PRIu64, seq, r->keep[k].last, n);
        return -EINVAL;
      }
      if (gap_end > next) {
        uint64_t a = (first + next) * ss, z = (first + gap_end) * ss;
        err = b_hole_add (b, a > w->off ? a : w->off,
                          z < w->off + w->len ? z : w->off + w->len);
      }
      if (k < r->nkeep)
        next = r->keep[k].last + 1;
    }
  }
  b_holes_normalise (b);
  return err;
}

int
ck_build_state (struct ck_build *b, const struct ck_recipe *r,
                struct fpfs_bdev **out, char *errbuf, size_t errlen)
{
  int err;

  *out = NULL;
  b->ncand = 0;
  if (errbuf && errlen)
    errbuf[0] = '\0';
  if (!b->any || r->end != b->last_seq) {
    fp_errbuf (errbuf, errlen, "builder: state ends at entry %" PRIu64
           ", but the builder stands at entry %" PRIu64, r->end, b->last_seq);
    return -EINVAL;
  }
  err = b_make_holes (b, r, errbuf, errlen);
  if (err)
    return err;
  /* The disk before the epoch, then the survivors in log order. */
  for (size_t h = 0; h < b->nholes && !err; h++) {
    err = ck_bd_copy (b->top, b->base, b->holes[h].start,
                      b->holes[h].end - b->holes[h].start);
    b->st.hole_bytes += b->holes[h].end - b->holes[h].start;
  }
  if (!err && b->nholes)
    err = b_candidates (b);
  for (size_t i = 0; i < b->ncand && b->nholes && !err; i++) {
    const struct bw *w = &b->w[b->cand[i]];
    if (!ck_recipe_drops (r, w->seq))
      err = b_reapply (b, r, w, errbuf, errlen);
  }
  if (err) {
    if (errbuf && errlen && !errbuf[0])
      fp_errbuf (errbuf, errlen, "builder: state at entry %" PRIu64 ": %s",
             r->end, strerror (-err));
    fpfs_bdev_overlay_reset (b->top);
    return err;
  }
  b->st.states++;
  *out = b->top;
  return 0;
}

void
ck_build_state_done (struct ck_build *b)
{
  fpfs_bdev_overlay_reset (b->top);
}
