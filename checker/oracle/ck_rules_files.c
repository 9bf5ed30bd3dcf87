/* ck_rules_files: the comparisons of ck_rules.h on files: data, size,
 * metadata, stale blocks.  (Names are in ck_rules_names.c.)  Directories'
 * own metadata is not judged: their mtime and nlink move with every entry
 * op, and the entries are what a directory sync promises. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "ck_rules_int.h"
#include "ck_states.h"

static const char *
rl_optext (const struct rl_promise *p)
{
  return p->op->wop->text;
}

/* ---- reading the recovered file ---- */

/* Hash blocks [b0, b1) of node n into r->h (bytes past its size read as
 * zeroes). */
static int
rl_hash_range (struct rl *r, const struct ck_vnode *n, uint64_t b0,
               uint64_t b1)
{
  uint64_t sz = n->st.size;

  while (b0 < b1) {
    uint64_t off = b0 * 4096, end = b1 * 4096 < sz ? b1 * 4096 : sz;
    size_t len = end - off < RL_CHUNK ? (size_t) (end - off) : RL_CHUNK;
    long got = r->rd->pread (r->rd->ctx, n->path, r->buf, len, off);
    if (got < 0)
      return (int) got;
    /* A short read ends the file early: the rest reads as zeroes. */
    size_t whole = (len + 4095) / 4096 * 4096;
    memset (r->buf + got, 0, whole - (size_t) got);
    for (size_t b = 0; b < whole; b += 4096) {
      r->h[b0] = XXH3_64bits (r->buf + b, 4096);
      r->hashed[b0++] = 1;
    }
  }
  return 0;
}

/* Hash the blocks of node n the checks need into r->h: all of them when a
 * sync promised the file's data (or the file is small), else -- for the
 * stale rule alone -- its first and last RL_RUN blocks and runs at places
 * seeded by the state's epoch and the inode, RL_STALE_MAX blocks in all, so
 * that a state's cost does not grow with the size of files nobody synced. */
/* How many blocks of the recovered file the rules read: all of them, but
 * no more than RL_STALE_MAX past the largest the model says the file ever
 * had.  Past that no op ever put a byte, the size rule judges a size out
 * there, and a crafted or damaged image whose inode claims terabytes must
 * not make a state read (and hash, and size arrays for) terabytes.
 * (fuzz_check found the hang: a 16 TiB size in a promised file.) */
static uint64_t
rl_read_blocks (const struct ck_vnode *n, const struct ck_mfile *f)
{
  uint64_t nb = (n->st.size + 4095) / 4096;
  uint64_t max = f->cur_size > f->max_end ? f->cur_size : f->max_end;

  /* max_end is kept by the model as it is built (ck_md_event, ck_md_push):
   * this runs for every file of every state. */
  max = (max + 4095) / 4096 + RL_STALE_MAX;
  return nb < max ? nb : max;
}

static int
rl_hash_file (struct rl *r, const struct ck_vnode *n, const struct ck_mfile *f,
              bool all, uint64_t *nb)
{
  int err = 0;

  *nb = rl_read_blocks (n, f);
  if (*nb > r->caph) {
    uint64_t *h = realloc (r->h, *nb * sizeof *h);
    if (h)
      r->h = h;
    uint8_t *fl = h ? realloc (r->flagged, *nb) : NULL;
    if (fl)
      r->flagged = fl;
    uint8_t *hs = fl ? realloc (r->hashed, *nb) : NULL;
    if (!hs)
      return -ENOMEM;
    r->hashed = hs;
    r->caph = *nb;
  }
  if (*nb == 0)
    return 0;
  memset (r->flagged, 0, *nb);
  memset (r->hashed, 0, *nb);
  if (all || *nb <= RL_STALE_MAX)
    return rl_hash_range (r, n, 0, *nb);
  struct ck_rng g;
  /* Seeded by the state's epoch, not its crash point: the states of one
   * epoch sample the same places (the read-set cache can then reuse a
   * judgment across them, ck_check.c), the epochs of a log other ones. */
  r->res->by_epoch = true;
  ck_rng_seed (&g, r->res->epoch, n->id.ino * 31 + n->id.gen);
  err = rl_hash_range (r, n, 0, RL_RUN);
  if (!err)
    err = rl_hash_range (r, n, *nb - RL_RUN, *nb);
  for (unsigned k = 2; k < RL_STALE_MAX / RL_RUN && !err; k++) {
    uint64_t b = ck_rng_below (&g, *nb - RL_RUN);
    err = rl_hash_range (r, n, b, b + RL_RUN);
  }
  return err;
}

/* Torn states: does every sector of block b hold one of its candidates?
 * With cut non-NULL a sector may also be the block as a truncate cut it
 * (ck_model_cut_sector); *cut is then the cut used, if one was. */
static bool
rl_sectors_ok (struct rl *r, const struct ck_vnode *n,
               const struct ck_mfile *f, uint64_t b, uint64_t from,
               const struct ck_cut **cut)
{
  uint32_t ss = ck_model_sector_size (r->m);
  uint8_t blk[4096] = { 0 };
  long got;

  if (cut)
    *cut = NULL;
  if (!r->ro->torn)
    return false;
  got = r->rd->pread (r->rd->ctx, n->path, blk,
                      n->st.size - b * 4096 < 4096 ? n->st.size - b * 4096
                                                   : 4096, b * 4096);
  if (got < 0)
    return false;
  for (unsigned s = 0; s < 4096 / ss; s++) {
    uint64_t h = XXH3_64bits (blk + s * ss, ss);
    const struct ck_cut *c;
    if (ck_model_sector_ok (r->m, f, b, s, from, r->E, h))
      continue;
    if (!cut || !(c = ck_model_cut_sector (r->m, f, b, s, r->E, n->st.size,
                                           h)))
      return false;
    *cut = c;
  }
  return true;
}

/* Old bytes past a truncate point (ck_model_cut_match): block b as a
 * truncate cut it, whole or, in torn states, sector by sector. */
static const struct ck_cut *
rl_cut (struct rl *r, const struct ck_vnode *n, const struct ck_mfile *f,
        uint64_t b, uint64_t from)
{
  const struct ck_cut *c = ck_model_cut_match (r->m, f, b, r->E, n->st.size,
                                               r->h[b]);

  if (!c && !rl_sectors_ok (r, n, f, b, from, &c))
    c = NULL;
  return c;
}

/* ---- blocks a sync did not cover although it returned 0 ---- */

/* Is block b among the "unknown" blocks of p's state objects for this
 * inode (ORACLE.md "Errors": its writeback failed before p's call and it
 * was not written since, so p's success did not cover it)? */
static bool
rl_unknown (const struct rl_promise *p, struct ck_id id, uint64_t b)
{
  for (size_t k = 0; k < p->op->nobjs; k++) {
    const struct ck_op_obj *x = &p->op->objs[k];
    json_object *u;
    if (x->ino != id.ino || (uint32_t) x->gen != id.gen
        || !json_object_object_get_ex (x->obj, "unknown", &u)
        || !json_object_object_get_ex (x->obj, "ino", NULL)
        || !json_object_object_get_ex (x->obj, "gen", NULL))
      continue;
    for (size_t i = 0; i < json_object_array_length (u); i++) {
      json_object *pair = json_object_array_get_idx (u, i);
      uint64_t lo = json_object_get_uint64 (json_object_array_get_idx (pair,
                                                                       0));
      uint64_t n = json_object_get_uint64 (json_object_array_get_idx (pair,
                                                                      1));
      if (b >= lo && b - lo < n)
        return true;
    }
  }
  return false;
}

/* The last sync call before op index `before` that returned an error. */
static const struct ck_op *
rl_failed_sync (const struct rl *r, size_t before)
{
  for (size_t i = before; i-- > 0; )
    if (r->o->ops[i].sync_failed)
      return &r->o->ops[i];
  return NULL;
}

/* ---- stale blocks ---- */

/* One stale block: a violation under data=ordered and data=journal; under
 * writeback and nojournal "lost" ("allowed: the mount does not order
 * data").  Stale data after a failed write: in data=ordered, jbd2 commits
 * the metadata of a transaction even when its ordered data write failed
 * (the kernel aborts only with data_err=abort), so a file may point at a
 * block whose write never happened -- Linux behaviour, shown as "lost"
 * once the device has failed a write at or before the crash point. */
static int
rl_stale_add (struct rl *r, const struct ck_vnode *n, uint64_t b,
              const char *what)
{
  bool faulted = !r->ro->stale_allowed && ck_rl_after_write_fault (r);

  if (faulted)
    return ck_result_add_block (r->res, CK_P_STALE, false, true, n->path, b,
                                CK_NO_OP, NULL, "block %" PRIu64 " (bytes %"
                                PRIu64 "-%" PRIu64 ") %s, after the device "
                                "failed a write (log entry %" PRIu64 "): "
                                "ordered mode commits the metadata even when "
                                "its data write fails (Linux behaviour)", b,
                                b * 4096, b * 4096 + 4095, what,
                                r->o->first_write_fault);
  return ck_result_add_block (r->res, CK_P_STALE, !r->ro->stale_allowed,
                              false, n->path, b, CK_NO_OP, NULL, "block %"
                              PRIu64 " (bytes %" PRIu64 "-%" PRIu64 ") %s%s",
                              b, b * 4096, b * 4096 + 4095, what,
                              r->ro->stale_allowed ? " (allowed: the mount "
                              "does not order data)" : "");
}

/* The count of stale blocks past the RL_PER_FILE reported one by one. */
static int
rl_stale_more (struct rl *r, const struct ck_vnode *n, uint64_t more)
{
  bool faulted = !r->ro->stale_allowed && ck_rl_after_write_fault (r);

  return ck_result_add_block (r->res, CK_P_STALE, !r->ro->stale_allowed,
                              faulted, n->path, CK_NO_BLOCK, CK_NO_OP, NULL,
                              "and %" PRIu64 " more blocks like it", more);
}

/* Old bytes past a truncate point (ck_model_cut_match): stale data, which
 * only data=ordered (and data=journal, which journals the zeroed block)
 * forbids. */
static int
rl_stale_cut (struct rl *r, const struct ck_vnode *n, uint64_t b,
              const struct ck_cut *c)
{
  char what[768];
  const char *vt = c->vop < r->o->nops ? r->o->ops[c->vop].wop->text : "?";

  snprintf (what, sizeof what, "holds, up to the file's size %" PRIu64 ", "
            "the bytes op %u (`%s`) wrote there, past the point %" PRIu64
            " where op %u (`%s`) cut the file: ext4 ties the zeroed "
            "partial block to the truncate's transaction only in "
            "data=ordered (ext4_block_truncate_page -> "
            "ext4_jbd2_inode_add_write)", n->st.size, c->vop, vt, c->size,
            c->op, r->o->ops[c->op].wop->text);
  return rl_stale_add (r, n, b, what);
}

static int
rl_stale (struct rl *r, const struct ck_vnode *n, const struct ck_mfile *f,
          uint64_t nb)
{
  uint64_t bad = 0;
  int err = 0;

  for (uint64_t b = 0; b < nb && !err; b++) {
    if (!r->hashed[b] || r->flagged[b] ||
        ck_model_block_ok (r->m, f, b, 0, r->E, r->h[b]) ||
        rl_sectors_ok (r, n, f, b, 0, NULL))
      continue;
    if (++bad > RL_PER_FILE)
      continue;
    const struct ck_cut *c = rl_cut (r, n, f, b, 0);
    if (c) {
      err = rl_stale_cut (r, n, b, c);
      continue;
    }
    char what[640], holds[512];
    ck_rl_holds (r, f, b, r->h[b], holds, sizeof holds);
    snprintf (what, sizeof what, "holds bytes this file never had there%s",
              holds);
    err = rl_stale_add (r, n, b, what);
  }
  if (!err && bad > RL_PER_FILE)
    err = rl_stale_more (r, n, bad - RL_PER_FILE);
  if (!err && !bad)
    ck_result_held (r->res, CK_P_STALE);
  return err;
}

/* ---- data, size ---- */

static int
rl_data (struct rl *r, const struct ck_vnode *n, const struct rl_rec *rec,
         const struct ck_mfile *f, uint64_t nb)
{
  const struct rl_promise *p = &rec->data;
  uint64_t A = ck_rl_after (p), s0 = 0, sz = n->st.size, bad = 0, unknown = 0;
  uint64_t cut = 0;
  int64_t lo, hi;
  int err = 0;

  ck_json_u64 (p->obj, "size", &s0);
  lo = hi = (int64_t) s0;
  ck_rl_events (r, f, CK_EV_SIZE, A, &lo, &hi, NULL);
  if (lo > (int64_t) s0)
    lo = (int64_t) s0;
  if (hi < (int64_t) s0)
    hi = (int64_t) s0;
  if ((int64_t) sz >= lo && (int64_t) sz <= hi)
    ck_result_held (r->res, CK_P_SIZE);
  else if (lo == hi)
    err = ck_rl_find (r, CK_P_SIZE, true, n->path, CK_NO_BLOCK, p, f, NULL,
                      "size %" PRIu64 ", but op %zu (`%s`) made %" PRIu64
                      " durable", sz, p->op->index, rl_optext (p), s0);
  else
    err = ck_rl_find (r, CK_P_SIZE, true, n->path, CK_NO_BLOCK, p, f, NULL,
                      "size %" PRIu64 ", but since op %zu (`%s`) made %"
                      PRIu64 " durable it was only ever between %" PRId64
                      " and %" PRId64, sz, p->op->index, rl_optext (p), s0,
                      lo, hi);
  for (uint64_t b = 0; !err && b < (s0 + 4095) / 4096 && b < nb; b++) {
    if (ck_model_block_ok (r->m, f, b, A, r->E, r->h[b]) ||
        rl_sectors_ok (r, n, f, b, A, NULL))
      continue;
    r->flagged[b] = 1;
    if (rl_unknown (p, n->id, b)) {
      /* fsyncgate: shown as Linux behaviour, not as a broken promise. */
      const struct ck_op *fail = rl_failed_sync (r, p->op->index);
      if (++unknown <= RL_PER_FILE)
        err = ck_result_add_block (r->res, CK_P_DATA, false, true, n->path,
                             b, (uint32_t) p->op->index, NULL,
                             "block %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64
                             ") is lost although op %zu (`%s`) returned 0: "
                             "its writeback had failed before (op %zd `%s` "
                             "got %s), and failed pages are clean and never "
                             "written again, so that success did not cover "
                             "it (fsyncgate: Linux behaviour)", b, b * 4096,
                             b * 4096 + 4095, p->op->index, rl_optext (p),
                             fail ? (ssize_t) fail->index : (ssize_t) -1,
                             fail ? fail->wop->text : "?",
                             fail && fail->err[0] ? fail->err : "an error");
      continue;
    }
    const struct ck_cut *c = rl_cut (r, n, f, b, A);
    if (c) {                 /* not data: old bytes past a truncate point */
      if (++cut <= RL_PER_FILE)
        err = rl_stale_cut (r, n, b, c);
      continue;
    }
    /* Stale, not data, where the mount does not order data: a block that
     * was a hole or unwritten when the sync made it durable (zeroes) and
     * was written since.  Without ordered data its new mapping -- the
     * delayed allocation's extent, or an unwritten extent's conversion in
     * ext4_writepages (mpage_map_and_submit_extent) -- can reach the disk
     * before the data write does, showing what the device held there.
     * Seen with workloads/falloc-write-unwritten.wl under nojournal. */
    if (r->ro->stale_allowed
        && ck_model_block_ok (r->m, f, b, A, A, ck_model_zero_block (r->m))
        && ck_model_block_written (r->m, f, b, A, r->E)) {
      char what[1200], holds[512];
      ck_rl_holds (r, f, b, r->h[b], holds, sizeof holds);
      snprintf (what, sizeof what, "holds bytes this file never had there%s; "
                "it was a hole or unwritten when op %zu (`%s`) made it "
                "durable and has been written since, and without ordered "
                "data the new mapping can reach the disk before the data",
                holds, p->op->index, rl_optext (p));
      if (++cut <= RL_PER_FILE)
        err = rl_stale_add (r, n, b, what);
      continue;
    }
    if (++bad <= RL_PER_FILE) {
      char holds[512];
      ck_rl_holds (r, f, b, r->h[b], holds, sizeof holds);
      err = ck_rl_find (r, CK_P_DATA, true, n->path, b, p, f, NULL,
                        "block %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64 ") "
                        "holds neither what op %zu (`%s`) made durable nor a "
                        "value written since%s", b, b * 4096, b * 4096 + 4095,
                        p->op->index, rl_optext (p), holds);
    }
  }
  if (!err && bad > RL_PER_FILE)
    err = ck_rl_find (r, CK_P_DATA, true, n->path, CK_NO_BLOCK, p, f, NULL,
                      "and %" PRIu64 " more blocks like it", bad - RL_PER_FILE);
  if (!err && cut > RL_PER_FILE)
    err = rl_stale_more (r, n, cut - RL_PER_FILE);
  if (!err && unknown > RL_PER_FILE)
    err = ck_result_add_after_error (r->res, CK_P_DATA, n->path,
                                     (uint32_t) p->op->index, NULL,
                                     "and %" PRIu64
                                     " more blocks lost after a write error",
                                     unknown - RL_PER_FILE);
  if (!err && !bad)
    ck_result_held (r->res, CK_P_DATA);
  return err;
}

/* msync(MS_SYNC)'s promise: each block of its range below the size it saw
 * (and within the recovered file) holds the value it had at the msync or
 * one it took since; blocks a write failure left in doubt excepted. */
static int
rl_data_range (struct rl *r, const struct ck_vnode *n,
               const struct rl_promise *p, const struct ck_mfile *f,
               uint64_t nb)
{
  json_object *rg;
  uint64_t A = ck_rl_after (p), s0 = 0, b0, b1, bad = 0;
  int err = 0;

  if (!json_object_object_get_ex (p->obj, "range", &rg)
      || json_object_array_length (rg) != 2)
    return 0;
  b0 = json_object_get_uint64 (json_object_array_get_idx (rg, 0));
  b1 = json_object_get_uint64 (json_object_array_get_idx (rg, 1));
  ck_json_u64 (p->obj, "size", &s0);
  if (b1 > (s0 + 4095) / 4096)
    b1 = (s0 + 4095) / 4096;
  for (uint64_t b = b0; !err && b < b1 && b < nb; b++) {
    if (r->flagged[b] || rl_unknown (p, n->id, b)
        || ck_model_block_ok (r->m, f, b, A, r->E, r->h[b])
        || rl_sectors_ok (r, n, f, b, A, NULL))
      continue;
    r->flagged[b] = 1;
    if (++bad <= RL_PER_FILE)
      err = ck_rl_find (r, CK_P_DATA, true, n->path, b, p, f, NULL,
                        "block %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64 ") "
                        "holds neither what op %zu (`%s`) made durable nor a "
                        "value written since", b, b * 4096, b * 4096 + 4095,
                        p->op->index, rl_optext (p));
  }
  if (!err && !bad)
    ck_result_held (r->res, CK_P_DATA);
  return err;
}

/* ---- mode, nlink, mtime/ctime ---- */

static int
rl_ts_cmp (int64_t s1, uint32_t n1, int64_t s2, uint32_t n2)
{
  return s1 < s2 ? -1 : s1 > s2 ? 1 : n1 < n2 ? -1 : n1 > n2;
}

/* One of mtime (k = CK_EV_MTIME) or ctime: ok? */
static bool
rl_time_ok (struct rl *r, const struct ck_mfile *f, enum ck_ev_kind k,
            uint64_t A, int64_t es, uint32_t en, const struct fpfs_timespec *g)
{
  bool any = false, touched = ck_rl_events (r, f, k, A, NULL, NULL, &any);
  int c = rl_ts_cmp (g->sec, g->nsec, es, en);

  return c == 0 || any || (touched && c > 0);
}

static int
rl_meta (struct rl *r, const struct ck_vnode *n, const struct rl_promise *p,
         const struct ck_mfile *f, bool promised)
{
  uint64_t A = ck_rl_after (p), mode = 0, nlink = 0;
  int64_t ms = 0, cs = 0;
  uint32_t mn = 0, cn = 0;
  const char *why = promised ? "made durable" : "saw (not a promise)";
  int err = 0;

  if (ck_json_u64 (p->obj, "mode", &mode) == 0) {
    if (n->st.mode == mode || ck_rl_event_set (r, f, CK_EV_MODE, A, n->st.mode))
      ck_result_held (r->res, CK_P_MODE);
    else
      err = ck_rl_find (r, CK_P_MODE, promised, n->path, CK_NO_BLOCK, p, f,
                        NULL,
                        "mode %o, but op %zu (`%s`) %s mode %o", n->st.mode,
                        p->op->index, rl_optext (p), why, (unsigned) mode);
  }
  if (!err && ck_json_u64 (p->obj, "nlink", &nlink) == 0) {
    if (n->st.nlink == nlink ||
        ck_rl_event_set (r, f, CK_EV_NLINK, A, n->st.nlink))
      ck_result_held (r->res, CK_P_NLINK);
    else
      err = ck_rl_find (r, CK_P_NLINK, promised, n->path, CK_NO_BLOCK, p, f,
                        NULL,
                        "nlink %u, but op %zu (`%s`) %s nlink %" PRIu64,
                        n->st.nlink, p->op->index, rl_optext (p), why, nlink);
  }
  if (!err && ck_json_time (p->obj, "mtime", &ms, &mn) == 0 &&
      ck_json_time (p->obj, "ctime", &cs, &cn) == 0) {
    bool mok = rl_time_ok (r, f, CK_EV_MTIME, A, ms, mn, &n->st.mtime);
    bool cok = rl_time_ok (r, f, CK_EV_CTIME, A, cs, cn, &n->st.ctime);
    if (mok && cok)
      ck_result_held (r->res, CK_P_MTIME);
    else
      err = ck_rl_find (r, CK_P_MTIME, promised, n->path, CK_NO_BLOCK, p, f,
                        NULL,
                        "%s %" PRId64 ".%09u, but op %zu (`%s`) %s %"
                        PRId64 ".%09u", mok ? "ctime" : "mtime",
                        mok ? n->st.ctime.sec : n->st.mtime.sec,
                        mok ? n->st.ctime.nsec : n->st.mtime.nsec,
                        p->op->index, rl_optext (p), why, mok ? cs : ms,
                        mok ? cn : mn);
  }
  return err;
}

int
ck_rl_files (struct rl *r)
{
  int err = 0;

  for (size_t i = 0; i < r->v->nn && !err; i++) {
    const struct ck_vnode *n = &r->v->n[i];
    const struct ck_mfile *f = ck_model_file (r->m, n->id);
    struct rl_rec *rec = NULL;
    uint64_t idx, nb;

    if (!S_ISREG (n->st.mode) || !f)
      continue;                  /* not a file the workload made */
    if (ck_map_get (&r->idx, n->id.ino, n->id.gen, &idx))
      rec = &r->recs[idx];
    err = rl_hash_file (r, n, f, rec && (rec->data.op || rec->data_range.op),
                        &nb);
    if (err) {
      err = ck_result_add (r->res, CK_P_DATA, true, n->path, CK_NO_OP, NULL,
                           "reading it back after recovery: %s",
                           strerror (-err));
      continue;
    }
    if (rec && rec->data.op)
      err = rl_data (r, n, rec, f, nb);
    if (!err && rec && rec->data_range.op)
      err = rl_data_range (r, n, &rec->data_range, f, nb);
    if (!err && rec && rec->meta.op)
      err = rl_meta (r, n, &rec->meta, f, true);
    if (!err && rec && rec->meta_info.op)
      err = rl_meta (r, n, &rec->meta_info, f, false);
    if (!err)
      err = rl_stale (r, n, f, nb);
  }
  return err;
}
