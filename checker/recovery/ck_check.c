/* ck_check: the crash-state checking driver (flow in ck_check.h).
 *
 * Threads.  Shared between workers, read-only: the options, the oracle,
 * the model, the mount and rules options.  Shared and written: `next`
 * (the first state nobody has claimed; advanced with compare-and-swap),
 * `done`, `running`, the first error, and the result slots -- each slot
 * is written by exactly one worker (its claimer) and read only after
 * every worker has been joined.  Everything else (reader, builder,
 * mounted engine, view) belongs to one worker.
 *
 * The read-set cache (ck_memo below; on with the other fast paths, off
 * with FP_NO_FASTPATH=1).  Judging a state with the engine -- journal
 * recovery, the walk of the recovered tree, the rules, fsck -- is a
 * deterministic function of two things: the bytes it reads from the
 * state's image, and the oracle marks at or before the state's `end` (the
 * rules compare `end` only with mark seqs: ck_model.h, "Time is the
 * log").  The judgment runs over a watch device (bdev_watch.c) that
 * records every 4 KiB block whose image bytes it could have depended on
 * (read, or partly written, before any whole-block write).  The next
 * state this worker claims is given the same result, without being built
 * or judged, when
 *   - no MARK and no FAULT entry came between the two states (the same
 *     marks; a FAULT could change what the rules accept),
 *   - the rules of the first did not use its epoch (the stale rule's
 *     sample of a big unsynced file is seeded by it:
 *     ck_state_result.by_epoch), or both states are of the same epoch,
 *   - and the two images differ in no recorded block.  The blocks where
 *     they can differ are covered by: every WRITE, TRIM and ZERO fed since
 *     the first state, and the writes either state drops or tears.
 * Then the second judgment would read the same bytes at every step, take
 * the same path and reach the same verdicts and findings.  The first
 * state stays the reference until a state misses; the miss is judged in
 * full and becomes the reference.  Kernel recovery is not watched (the
 * loop device reads the image outside the engine) and never cached.
 * tests/e2e/test_check_fastpath.py checks every bundled workload with the
 * cache and without and compares every state.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ck_after.h"
#include "ck_app.h"
#include "ck_build.h"
#include "ck_check.h"
#include "ck_fsck.h"
#include "ck_kernel.h"
#include "ck_model.h"
#include "ck_view.h"

struct ck_shared {
  const struct ck_check_opts *o;
  const struct ck_oracle *oracle;
  const struct ck_model *model;
  struct fpfs_mount_opts mo;
  bool kernel;                 /* recover with the kernel (ko), not fpfs */
  struct kfs_opts ko;
  struct ck_rules_opts ro;
  bool fsck_allowed;           /* nojournal: a crash needs fsck anyway */
  struct ck_state_result *slots;
  uint64_t nslots;
  _Atomic uint64_t next;
  _Atomic uint64_t done;
  _Atomic uint64_t memo_hits;  /* states judged by the read-set cache */
  _Atomic unsigned running;
  _Atomic int error;
  _Atomic bool fsck_ran;
  pthread_mutex_t lock;        /* errmsg; with ended, the end of workers */
  pthread_cond_t ended;        /* signalled when running drops to 0 */
  char errmsg[1024];
};

/* One worker's read-set cache: its reference state and what changed. */
struct ck_memo {
  bool valid;                  /* ref holds a reusable judgment */
  struct ck_state_result ref;  /* its verdicts and findings */
  uint64_t epoch;              /* its epoch */
  uint64_t *seen;              /* blocks its judgment depended on, sorted */
  size_t nseen;
  struct ck_range *dirty;      /* byte ranges [first, last] that may differ */
  size_t ndirty, capdirty;
  struct ck_memo_write {       /* the current epoch's writes, by seq */
    uint64_t seq, off, len;
  } *ew;
  size_t new, capew;
  struct fpfs_bdev *watch;     /* over the builder's top overlay */
  uint64_t hits;
};

/* Past this many changed ranges the reference is dropped: a state that
 * far away would almost never match. */
#define CK_MEMO_MAX_DIRTY 4096u

struct ck_worker {
  struct ck_shared *sh;
  struct ck_build *b;
  struct ck_memo memo;         /* o->fastpath, engine recovery only */
  struct ck_kernel *k;         /* sh->kernel: this worker's loop + mount */
  struct fpfs_scan_cache *scan; /* o->fastpath: recovery's scan cache */
  pthread_t thread;
  char err[1024];
};

void
ck_check_opts_init (struct ck_check_opts *o)
{
  memset (o, 0, sizeof *o);
  ck_states_opts_init (&o->states);
  /* ext4 by default: users of an ext4 harness expect ext4's promises
   * (CHECKER.md, "Profiles"); posix is asked for by name. */
  o->profile = CK_PROFILE_EXT4;
  o->jobs = 1;
  o->check_timeout_s = 60;
  const char *off = getenv ("FP_NO_FASTPATH");
  o->fastpath = !(off && off[0] && strcmp (off, "0") != 0);
}

static void
ck_fail (struct ck_shared *sh, int err, const char *msg)
{
  int zero = 0;

  if (atomic_compare_exchange_strong (&sh->error, &zero, err)) {
    pthread_mutex_lock (&sh->lock);
    snprintf (sh->errmsg, sizeof sh->errmsg, "%s", msg);
    pthread_mutex_unlock (&sh->lock);
  }
}

/* ---- one state ---- */

static long
ck_fs_pread (void *ctx, const char *path, void *buf, size_t len, uint64_t off)
{
  return wl_fs_read_path (ctx, path, buf, len, off);
}

/* A recovery or fsck finding: fsck damage, allowed without a journal. */
static int
ck_fsck_finding (struct ck_shared *sh, struct ck_state_result *res,
                 const char *what, const char *why)
{
  return ck_result_add (res, CK_P_FSCK, !sh->fsck_allowed, "/", CK_NO_OP,
                        NULL, "%s%s", what, why);
}

/* Walk the recovered file system and judge it against the promises. */
static int
ck_judge_view (struct ck_shared *sh, const struct ck_state *st,
               const struct wl_fs *fs, struct ck_state_result *res)
{
  struct ck_view view;
  char why[512] = "";
  int rc = ck_view_build (fs, &view, why, sizeof why), err = 0;

  if (rc == -ENOMEM)
    err = rc;
  else if (rc < 0)
    err = ck_fsck_finding (sh, res, "after recovery: ", why);
  else if (!sh->oracle->fsck_only) {
    struct ck_fsread rd = { ck_fs_pread, (void *) fs, fs };
    err = ck_rules_check (sh->oracle, sh->model, &sh->ro, st->recipe.end,
                          &view, &rd, res);
  }
  ck_view_free (&view);
  return err;
}

static int
ck_judge_fsck (struct ck_shared *sh, int rc, const char *why,
               struct ck_state_result *res)
{
  if (rc < 0)
    return ck_fsck_finding (sh, res, "fsck could not run: ",
                            strerror (-rc));
  if (rc > 0)
    return ck_result_add (res, CK_P_FSCK, !sh->fsck_allowed, "/", CK_NO_OP,
                          NULL, "fsck: %s%s", why, sh->fsck_allowed
                          ? " (allowed: without a journal a crash needs "
                            "fsck)" : "");
  ck_result_held (res, CK_P_FSCK);     /* recovered (and fsck clean if run) */
  return 0;
}

/* Does the workload have an after-recovery section to run? */
static bool
ck_after_wanted (const struct ck_shared *sh)
{
  return !sh->oracle->fsck_only && sh->oracle->w && sh->oracle->w->n_rops > 0;
}

/* The after-recovery section's fsck, once the ops ran and the file system
 * was unmounted cleanly. */
static int
ck_after_fsck (struct ck_shared *sh, int rc, const char *why,
               struct ck_state_result *res)
{
  if (rc == 0 || rc == 2) {
    ck_result_held (res, CK_P_AFTER);
    return 0;
  }
  return ck_result_add (res, CK_P_AFTER, !sh->fsck_allowed, "/", CK_NO_OP,
                        NULL, "after the after-recovery operations and a "
                        "clean unmount, fsck %s%s", rc < 0 ? "could not run: "
                        : "found: ", rc < 0 ? strerror (-rc) : why);
}

/* Mount the recovered (and fscked) state on bd again, run the section,
 * unmount cleanly, fsck.  The writes go to the state's top overlay, which
 * the builder drops before the next state. */
static int
ck_after_engine (struct ck_worker *w, struct fpfs_bdev *bd, uint64_t before,
                 struct ck_state_result *res)
{
  struct ck_shared *sh = w->sh;
  struct fpfs_mount_opts mo = sh->mo;
  struct fpfs *fs = NULL;
  struct wl_fs wfs;
  char why[512] = "";
  bool ran = false, only = false;
  uint64_t after = 0;
  int rc, err;

  mo.scan_cache = w->scan;
  rc = fpfs_mount (bd, &mo, &fs, why, sizeof why);
  if (rc < 0)
    return ck_result_add (res, CK_P_AFTER, !sh->fsck_allowed, "/", CK_NO_OP,
                          NULL, "mounting the recovered state again for the "
                          "after-recovery section: %s (%s)",
                          why[0] ? why : "no detail", strerror (-rc));
  wfs = wl_fs_engine (fs);
  err = ck_after_run (sh->oracle->w, &wfs, sh->fsck_allowed, res);
  rc = fpfs_umount (fs);
  if (err)
    return err;
  if (rc < 0)
    return ck_result_add (res, CK_P_AFTER, !sh->fsck_allowed, "/", CK_NO_OP,
                          NULL, "unmounting after the after-recovery "
                          "section: %s", strerror (-rc));
  rc = ck_fsck_run_unowned (bd, &ran, why, sizeof why, &after, &only);
  /* The engine's own deviation, not the ops': its preallocations are
   * marked in the on-disk bitmap (engine/ext4/mballoc.c), so a crash
   * leaks them -- a note while the file beside them exists.  An op that
   * removes that file turns the note into a "marked, owned by nothing"
   * problem.  Real ext4 keeps preallocations in memory and has no such
   * leak (engine/FIDELITY.md), so no more unowned blocks than recovery
   * left is not a finding. */
  if (rc == 1 && only && after <= before)
    rc = 2;
  return ck_after_fsck (sh, rc, why, res);
}

static const char *ck_app_cmd (const struct ck_shared *sh);
static bool ck_app_wanted (const struct ck_shared *sh);

/* Recover the state on bd with the engine, judge it, drop the engine,
 * fsck the image; then the program's check, and the after section. */
static int
ck_judge (struct ck_worker *w, const struct ck_state *st,
          struct fpfs_bdev *bd, struct ck_state_result *res)
{
  struct ck_shared *sh = w->sh;
  struct fpfs_mount_opts mo = sh->mo;
  struct fpfs *fs = NULL;
  struct wl_fs wfs;
  char why[512] = "";
  bool ran = false;
  int rc, err;

  mo.scan_cache = w->scan;     /* this worker's own */
  rc = fpfs_mount (bd, &mo, &fs, why, sizeof why);
  res->no_fs = rc < 0 && sh->oracle->fsck_only;
  if (rc < 0)
    return ck_result_add (res, CK_P_FSCK, !sh->fsck_allowed, "/", CK_NO_OP,
                          NULL, "recovery failed: mount: %s (%s)",
                          why[0] ? why : "no detail", strerror (-rc));
  wfs = wl_fs_engine (fs);
  err = ck_judge_view (sh, st, &wfs, res);
  /* Leave the engine without writing anything more: fsck judges the image
   * exactly as recovery left it (recovery itself must leave the journal
   * clean), not what a later unmount would add. */
  fpfs_crash (fs);
  if (err)
    return err;
  uint64_t unowned = 0;
  rc = ck_fsck_run_unowned (bd, &ran, why, sizeof why, &unowned, NULL);
  if (ran)
    atomic_store (&sh->fsck_ran, true);
  err = ck_judge_fsck (sh, rc, why, res);
  if (!err && ck_app_wanted (sh))
    err = ck_app_engine (sh->oracle, ck_app_cmd (sh), sh->o->check_timeout_s,
                         bd, &sh->mo, st->recipe.end, res);
  if (!err && ck_after_wanted (sh))
    err = ck_after_engine (w, bd, unowned, res);
  return err;
}

/* A program's log with a check to run in each state. */
static const char *
ck_app_cmd (const struct ck_shared *sh)
{
  if (sh->oracle->fsck_only || !sh->oracle->exec)
    return NULL;
  return sh->o->check_cmd ? sh->o->check_cmd : sh->oracle->check_cmd;
}

static bool
ck_app_wanted (const struct ck_shared *sh)
{
  return ck_app_cmd (sh) != NULL;
}

/* The program's check on the state, mounted again after its fsck. */
static int
ck_judge_app (struct ck_worker *w, const struct ck_state *st,
              struct ck_state_result *res)
{
  struct ck_shared *sh = w->sh;
  struct wl_fs wfs;
  char why[1024] = "";
  int rc, err;

  rc = ck_kernel_remount (w->k, &wfs, why, sizeof why);
  if (rc == -ENOMEM || rc == -EIO)
    return rc;
  if (rc < 0)
    return ck_result_add (res, CK_P_APP, true, "/", CK_NO_OP, NULL,
                          "mounting the recovered state again for the "
                          "application's check: %s (%s)",
                          why[0] ? why : "no detail", strerror (-rc));
  err = ck_app_check (sh->oracle, ck_app_cmd (sh), sh->o->check_timeout_s,
                      ck_kernel_dir (w->k), st->recipe.end, res);
  /* Unmount; what the check wrote is not judged (the image is rewritten
   * for the next state). */
  ck_kernel_fsck (w->k, why, sizeof why);
  return err;
}

/* The same with the kernel: the image goes to a loop device and is
 * mounted (the kernel replays its journal), walked through the mount,
 * unmounted, and checked with the file system's own fsck. */
static int
ck_judge_kernel (struct ck_worker *w, const struct ck_state *st,
                 struct fpfs_bdev *bd, struct ck_state_result *res)
{
  struct ck_shared *sh = w->sh;
  struct wl_fs wfs;
  char why[1024] = "";
  int rc, err;

  rc = ck_kernel_recover (w->k, bd, &wfs, why, sizeof why);
  if (rc == -ENOMEM || rc == -EIO)
    return rc;                   /* ours, not the state's */
  res->no_fs = rc < 0 && sh->oracle->fsck_only;
  if (rc < 0)
    return ck_result_add (res, CK_P_FSCK, !sh->fsck_allowed, "/", CK_NO_OP,
                          NULL, "recovery failed: the kernel's mount: %s "
                          "(%s)", why[0] ? why : "no detail",
                          strerror (-rc));
  err = ck_judge_view (sh, st, &wfs, res);
  rc = ck_kernel_fsck (w->k, why, sizeof why);
  if (err)
    return err;
  atomic_store (&sh->fsck_ran, true);
  err = ck_judge_fsck (sh, rc, why, res);
  if (!err && ck_app_wanted (sh))
    err = ck_judge_app (w, st, res);
  if (err || !ck_after_wanted (sh))
    return err;
  /* The section, on the image the fsck above checked (read-only). */
  rc = ck_kernel_remount (w->k, &wfs, why, sizeof why);
  if (rc == -ENOMEM || rc == -EIO)
    return rc;
  if (rc < 0)
    return ck_result_add (res, CK_P_AFTER, !sh->fsck_allowed, "/", CK_NO_OP,
                          NULL, "mounting the recovered state again for the "
                          "after-recovery section: %s (%s)",
                          why[0] ? why : "no detail", strerror (-rc));
  err = ck_after_run (sh->oracle->w, &wfs, sh->fsck_allowed, res);
  rc = ck_kernel_fsck (w->k, why, sizeof why);
  if (err)
    return err;
  return ck_after_fsck (sh, rc, why, res);
}

/* ---- the read-set cache (the comment at the top) ---- */

static void
ck_memo_free (struct ck_memo *m)
{
  ck_result_free (&m->ref);
  free (m->seen);
  free (m->dirty);
  free (m->ew);
  fpfs_bdev_close (m->watch);
  memset (m, 0, sizeof *m);
}

static void
ck_memo_drop (struct ck_memo *m)
{
  m->valid = false;
  m->ndirty = 0;
}

static void
ck_memo_dirty (struct ck_memo *m, uint64_t off, uint64_t len)
{
  if (!m->valid || len == 0)
    return;
  if (m->ndirty == m->capdirty) {
    size_t cap = m->capdirty ? m->capdirty * 2 : 64;
    struct ck_range *v;
    if (cap > CK_MEMO_MAX_DIRTY
        || !(v = realloc (m->dirty, cap * sizeof *v))) {
      ck_memo_drop (m);
      return;
    }
    m->dirty = v;
    m->capdirty = cap;
  }
  m->dirty[m->ndirty++] = (struct ck_range) { off, off + len - 1 };
}

/* The entry fed: what it changes, and the epoch's write list. */
static void
ck_memo_entry (struct ck_memo *m, const struct fplog_entry *e)
{
  switch (e->type) {
  case FPLOG_WRITE: case FPLOG_TRIM: case FPLOG_ZERO:
    ck_memo_dirty (m, e->offset, e->length);
    if (m->new == m->capew) {
      size_t cap = m->capew ? m->capew * 2 : 256;
      struct ck_memo_write *v = realloc (m->ew, cap * sizeof *v);
      if (!v) {
        ck_memo_drop (m);
        m->new = 0;             /* lookups of earlier writes now fail */
        return;
      }
      m->ew = v;
      m->capew = cap;
    }
    m->ew[m->new++] = (struct ck_memo_write) { e->seq, e->offset, e->length };
    break;
  case FPLOG_FLUSH:
    m->new = 0;                 /* drops and tears stay in one epoch */
    break;
  default:                      /* MARK, FAULT: another rule context */
    ck_memo_drop (m);
    break;
  }
}

/* The range of write seq of the current epoch; false if not found. */
static bool
ck_memo_write_range (const struct ck_memo *m, uint64_t seq, uint64_t *off,
                     uint64_t *len)
{
  size_t lo = 0, hi = m->new;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (m->ew[mid].seq < seq)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == m->new || m->ew[lo].seq != seq)
    return false;
  *off = m->ew[lo].off;
  *len = m->ew[lo].len;
  return true;
}

/* Did the reference's judgment depend on any byte of [first, last]? */
static bool
ck_memo_seen (const struct ck_memo *m, uint64_t first, uint64_t last)
{
  uint64_t b0 = first / 4096, b1 = last / 4096;
  size_t lo = 0, hi = m->nseen;

  while (lo < hi) {             /* the first seen block >= b0 */
    size_t mid = lo + (hi - lo) / 2;
    if (m->seen[mid] < b0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < m->nseen && m->seen[lo] <= b1;
}

/* The drops and the tear of r, as changed ranges: true when each was
 * found in the epoch (so they can be tested or recorded), else false. */
static bool
ck_memo_recipe_ranges (struct ck_memo *m, const struct ck_recipe *r,
                       bool record, bool *hit)
{
  uint64_t off, len;

  for (size_t i = 0; i <= r->ndrop; i++) {
    uint64_t seq;
    if (i < r->ndrop)
      seq = r->drop[i];
    else if (r->torn)
      seq = r->tear_seq;
    else
      break;
    if (!ck_memo_write_range (m, seq, &off, &len))
      return false;
    if (record)
      ck_memo_dirty (m, off, len);
    else if (len && ck_memo_seen (m, off, off + len - 1))
      *hit = true;
  }
  return true;
}

/* May st take the reference's result? */
static bool
ck_memo_matches (struct ck_memo *m, const struct ck_state *st)
{
  bool seen = false;

  if (!m->valid || (m->ref.by_epoch && m->epoch != st->epoch))
    return false;
  if (!ck_memo_recipe_ranges (m, &st->recipe, false, &seen) || seen)
    return false;
  for (size_t i = 0; i < m->ndirty; i++)
    if (ck_memo_seen (m, m->dirty[i].first, m->dirty[i].last))
      return false;
  return true;
}

/* st was judged in full over the watch: make it the reference.  Any
 * failure only leaves the cache empty. */
static void
ck_memo_set (struct ck_memo *m, const struct ck_state *st,
             const struct ck_state_result *res)
{
  ck_memo_drop (m);
  free (m->seen);
  m->seen = NULL;
  m->nseen = 0;
  if (fpfs_bdev_watch_seen (m->watch, &m->seen, &m->nseen) < 0
      || ck_result_copy_verdicts (&m->ref, res) < 0)
    return;
  m->epoch = st->epoch;
  m->valid = true;
  /* Its own drops and tear differ from any state that keeps them. */
  if (!ck_memo_recipe_ranges (m, &st->recipe, true, NULL))
    ck_memo_drop (m);
}

static int
ck_w_entry (void *ctx, const struct fplog_entry *e)
{
  struct ck_worker *w = ctx;

  if (atomic_load (&w->sh->error))
    return -ECANCELED;
  ck_memo_entry (&w->memo, e);
  return ck_build_entry (w->b, e, w->err, sizeof w->err);
}

static int
ck_w_state (void *ctx, const struct ck_state *st)
{
  struct ck_worker *w = ctx;
  struct ck_shared *sh = w->sh;
  uint64_t want = st->index;
  struct ck_state_result *res;
  struct fpfs_bdev *bd;
  int err;

  if (atomic_load (&sh->error))
    return -ECANCELED;
  if (st->index >= sh->nslots) {
    snprintf (w->err, sizeof w->err, "state %" PRIu64 " beyond the %"
              PRIu64 " counted: the log changed while being checked",
              st->index, sh->nslots);
    return -EBADMSG;
  }
  if (!atomic_compare_exchange_strong (&sh->next, &want, st->index + 1))
    return 0;                    /* another worker has it */
  res = &sh->slots[st->index];
  res->index = st->index;
  res->epoch = st->epoch;
  err = ck_recipe_copy (&res->recipe, &st->recipe);
  if (err)
    return err;
  if (!sh->oracle->fsck_only && (sh->oracle->ready_seq == CK_NO_SEQ ||
                                 st->recipe.end < sh->oracle->ready_seq))
    res->status = CK_STATE_SKIPPED;
  else if (w->scan && ck_memo_matches (&w->memo, st)) {
    if ((err = ck_result_copy_verdicts (res, &w->memo.ref)) < 0)
      return err;
    w->memo.hits++;
  }
  else {
    err = ck_build_state (w->b, &st->recipe, &bd, w->err, sizeof w->err);
    if (err)
      return err;
    if (w->scan && !sh->kernel) {
      struct ck_memo *m = &w->memo;
      if (m->watch && fpfs_bdev_watch_lower (m->watch) != bd) {
        fpfs_bdev_close (m->watch);
        m->watch = NULL;
      }
      if (!m->watch && (err = fpfs_bdev_watch_open (bd, &m->watch)) < 0)
        return err;
      fpfs_bdev_watch_reset (m->watch);
      err = ck_judge (w, st, m->watch, res);
      if (!err)
        ck_memo_set (m, st, res);
    }
    else
      err = sh->kernel ? ck_judge_kernel (w, st, bd, res)
                       : ck_judge (w, st, bd, res);
    ck_build_state_done (w->b);
    if (err)
      return err;
  }
  atomic_fetch_add (&sh->done, 1);
  return 0;
}

static void *
ck_worker_main (void *arg)
{
  static const struct ck_walk_ops ops = { ck_w_entry, ck_w_state };
  struct ck_worker *w = arg;
  struct ck_shared *sh = w->sh;
  struct fplog_reader *rd = NULL;
  struct ck_walk_stats stats;
  int err;

  err = ck_build_open (sh->o->log_path, sh->o->base_path, &w->b, w->err,
                       sizeof w->err);
  if (!err && sh->kernel)
    err = ck_kernel_open (&sh->ko, &w->k, w->err, sizeof w->err);
  if (!err && !sh->kernel && sh->o->fastpath)
    err = fpfs_scan_cache_new (&w->scan);
  if (!err)
    err = fplog_reader_open (sh->o->log_path, &rd, w->err, sizeof w->err);
  if (!err)
    err = ck_states_walk (rd, &sh->o->states, &ops, w, &stats, w->err,
                          sizeof w->err);
  if (err && err != -ECANCELED) {
    if (!w->err[0])
      snprintf (w->err, sizeof w->err, "%s", strerror (-err));
    ck_fail (sh, err, w->err);
  }
  fplog_reader_close (rd);
  ck_kernel_close (w->k);
  atomic_fetch_add (&sh->memo_hits, w->memo.hits);
  ck_memo_free (&w->memo);
  fpfs_scan_cache_free (w->scan);
  ck_build_close (w->b);
  pthread_mutex_lock (&sh->lock);
  if (atomic_fetch_sub (&sh->running, 1) == 1)
    pthread_cond_signal (&sh->ended);
  pthread_mutex_unlock (&sh->lock);
  return NULL;
}

/* ---- the whole check ---- */

static int
ck_count_entry (void *ctx, const struct fplog_entry *e)
{
  (void) ctx, (void) e;
  return 0;
}

static int
ck_count_state (void *ctx, const struct ck_state *st)
{
  (void) ctx, (void) st;
  return 0;
}

/* A log recorded on a kernel file system is recovered by that kernel
 * file system.  Stale data is allowed where the kernel documents it:
 * ext4's data=writeback and no journal (Documentation/filesystems/ext4
 * "data=writeback"); xfs and btrfs never expose old blocks of another
 * file (xfs converts unwritten extents at I/O completion,
 * xfs_end_ioend; btrfs writes data copy-on-write before the tree that
 * points at it), so stale data there is a violation. */
static int
ck_prepare_kernel (struct ck_shared *sh, struct ck_check_result *res,
                   char *errbuf, size_t errlen)
{
  const char *fs = res->oracle->backend;
  enum kfs_type t;
  char why[512] = "";
  int err;

  if (kfs_type_parse (fs, &t) < 0) {
    snprintf (errbuf, errlen, "the run was on \"%s\", which this checker "
              "cannot recover (engine, ext4, xfs, btrfs)", fs);
    return -EBADMSG;
  }
  if ((err = kfs_probe (t, why, sizeof why)) < 0) {
    snprintf (errbuf, errlen, "the run was on the kernel's %s; recovering "
              "its states needs the kernel here: %s", fs, why);
    return -ENOTSUP;
  }
  if ((err = kfs_opts_parse (t, res->oracle->mount, &sh->ko, why,
                             sizeof why)) < 0) {
    snprintf (errbuf, errlen, "the run's mount options \"%s\" on %s: %s",
              res->oracle->mount, fs, why);
    return -EBADMSG;
  }
  sh->kernel = true;
  res->kernel = true;
  res->kopts = sh->ko;
  snprintf (res->mount, sizeof res->mount, "%s", sh->ko.canon);
  if (t != KFS_EXT4)
    sh->ro.stale_allowed = false;
  return 0;
}

static int
ck_prepare (const struct ck_check_opts *o, struct ck_shared *sh,
            struct ck_check_result *res, struct ck_model **model,
            char *errbuf, size_t errlen)
{
  static const struct ck_walk_ops count = { ck_count_entry, ck_count_state };
  struct fplog_reader *rd = NULL;
  char why[512];
  int err;

  err = fplog_reader_open (o->log_path, &rd, errbuf, errlen);
  if (err)
    return err;
  res->hdr = *fplog_reader_header (rd);
  err = ck_oracle_load (rd, &res->oracle, errbuf, errlen);
  if (err == -ENOMSG)          /* no oracle marks: fsck only */
    err = ck_oracle_fsck_only (o->fsck_fs ? o->fsck_fs : "engine",
                               o->fsck_mount ? o->fsck_mount : "",
                               &res->oracle);
  else if (!err && (o->fsck_fs || o->fsck_mount)) {
    snprintf (errbuf, errlen, "%s: the log carries oracle marks, which name "
              "its file system and mount options: --fs and --mount are for "
              "logs without them", o->log_path);
    err = -EINVAL;
  }
  if (!err)
    err = ck_model_build (res->oracle, res->hdr.sector_size, model, errbuf,
                          errlen);
  if (!err) {
    fpfs_mount_opts_init (&sh->mo);
    if (fpfs_mount_opts_parse (res->oracle->mount, &sh->mo, why,
                               sizeof why) < 0) {
      snprintf (errbuf, errlen, "the run's mount options \"%s\" do not "
                "parse: %s", res->oracle->mount, why);
      err = -EBADMSG;
    }
  }
  if (!err) {
    sh->mo.seed = res->oracle->seed;
    sh->mo.trace = NULL;
    sh->mo.read_only = false;
    fpfs_mount_opts_format (&sh->mo, res->mount, sizeof res->mount);
    sh->ro.profile = o->profile;
    sh->ro.stale_allowed = sh->mo.data == FPFS_DATA_WRITEBACK || sh->mo.nojournal;
    if (strcmp (res->oracle->backend, "engine") != 0 && o->engine_only) {
      snprintf (errbuf, errlen, "the run was on \"%s\", and this check "
                "recovers with the engine only", res->oracle->backend);
      err = -ENOTSUP;
    }
    else if (strcmp (res->oracle->backend, "engine") != 0)
      err = ck_prepare_kernel (sh, res, errbuf, errlen);
  }
  if (!err) {
    sh->ro.torn = (o->states.kinds & CK_KIND_BIT (CK_KIND_TORN)) != 0;
    res->stale_allowed = sh->ro.stale_allowed;
    sh->fsck_allowed = res->fsck_allowed = sh->mo.nojournal;
    sh->ro.fsck_allowed = sh->fsck_allowed;
    err = ck_states_walk (rd, &o->states, &count, NULL, &res->walk, errbuf,
                          errlen);
  }
  fplog_reader_close (rd);
  return err;
}

bool
ck_check_failed (const struct ck_check_result *res)
{
  return res->violated || res->faults_disagree;
}

/* Fsck only: states before the first one that recovered, which did not
 * recover, are before mkfs (ck_check.h). */
static void
ck_skip_before_fs (struct ck_check_result *res)
{
  for (size_t i = 0; i < res->nstates; i++) {
    struct ck_state_result *s = &res->states[i];
    if (s->status == CK_STATE_CHECKED && !s->no_fs)
      return;
    if (s->no_fs) {
      ck_result_forget (s);
      s->status = CK_STATE_SKIPPED;
    }
  }
}

static void
ck_summarise (struct ck_check_result *res)
{
  const struct ck_oracle *o = res->oracle;

  if (o && o->fsck_only)
    ck_skip_before_fs (res);

  res->faults_disagree = o && o->end_has_faults
                         && o->end_faults_fired != o->faults_at_end;
  for (size_t i = 0; i < res->nstates; i++) {
    const struct ck_state_result *s = &res->states[i];
    if (s->status == CK_STATE_SKIPPED) {
      res->skipped++;
      continue;
    }
    res->checked++;
    res->violated += ck_result_violated (s);
    for (int p = 0; p < CK_P__COUNT; p++) {
      res->per_prop[p][s->v[p]]++;
      if (s->v[p] > res->worst[p])
        res->worst[p] = s->v[p];
    }
  }
}

int
ck_check_run (const struct ck_check_opts *o, struct ck_check_result *res,
              char *errbuf, size_t errlen)
{
  struct ck_shared sh = { .o = o };
  struct ck_model *model = NULL;
  struct ck_worker *ws = NULL;
  struct timespec t0, t1;
  unsigned jobs = o->jobs ? o->jobs : 1, started = 0;
  char *app_made = NULL;
  int err;

  memset (res, 0, sizeof *res);
  clock_gettime (CLOCK_MONOTONIC, &t0);
  pthread_mutex_init (&sh.lock, NULL);
  pthread_cond_init (&sh.ended, NULL);
  err = ck_prepare (o, &sh, res, &model, errbuf, errlen);
  if (err)
    goto out;
  sh.oracle = res->oracle;
  sh.model = model;
  if (ck_app_wanted (&sh) && sh.oracle->exec_root
      && (err = ck_app_root_make (sh.oracle->exec_root, &app_made)) < 0) {
    snprintf (errbuf, errlen, "%s: the directory the program ran in, for "
              "its check: %s", sh.oracle->exec_root, strerror (-err));
    goto out;
  }
  sh.nslots = res->walk.total_states;
  res->nstates = (size_t) sh.nslots;
  res->states = calloc (sh.nslots ? sh.nslots : 1, sizeof *res->states);
  ws = calloc (jobs, sizeof *ws);
  if (!res->states || !ws) {
    err = -ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < res->nstates; i++)
    ck_result_init (&res->states[i]);
  sh.slots = res->states;
  if (jobs > sh.nslots)
    jobs = sh.nslots ? (unsigned) sh.nslots : 1;
  atomic_store (&sh.running, jobs);
  for (started = 0; started < jobs; started++) {
    ws[started].sh = &sh;
    if (pthread_create (&ws[started].thread, NULL, ck_worker_main,
                        &ws[started]) != 0) {
      atomic_fetch_sub (&sh.running, jobs - started);
      ck_fail (&sh, -EAGAIN, "cannot start a worker thread");
      break;
    }
  }
  /* Progress about ten times a second; the last worker wakes us at once
   * (a check of a few states must not wait out a nap). */
  pthread_mutex_lock (&sh.lock);
  while (atomic_load (&sh.running) > 0) {
    struct timespec until;
    if (o->progress) {
      pthread_mutex_unlock (&sh.lock);
      o->progress (o->progress_ctx, atomic_load (&sh.done), sh.nslots);
      pthread_mutex_lock (&sh.lock);
      if (atomic_load (&sh.running) == 0)
        break;
    }
    clock_gettime (CLOCK_REALTIME, &until);
    until.tv_nsec += 100 * 1000 * 1000;
    if (until.tv_nsec >= 1000 * 1000 * 1000) {
      until.tv_sec++;
      until.tv_nsec -= 1000 * 1000 * 1000;
    }
    pthread_cond_timedwait (&sh.ended, &sh.lock, &until);
  }
  pthread_mutex_unlock (&sh.lock);
  for (unsigned i = 0; i < started; i++)
    pthread_join (ws[i].thread, NULL);
  if (o->progress)
    o->progress (o->progress_ctx, atomic_load (&sh.done), sh.nslots);
  err = atomic_load (&sh.error);
  if (err) {
    snprintf (errbuf, errlen, "%s", sh.errmsg);
    goto out;
  }
  if (atomic_load (&sh.done) != sh.nslots) {
    snprintf (errbuf, errlen, "checked %" PRIu64 " of %" PRIu64 " states",
              atomic_load (&sh.done), sh.nslots);
    err = -EIO;
    goto out;
  }
  res->fsck_ran = atomic_load (&sh.fsck_ran);
  res->memo_hits = atomic_load (&sh.memo_hits);
  ck_summarise (res);
  if (res->oracle->fsck_only && !res->checked && res->nstates) {
    snprintf (errbuf, errlen, "%s: no oracle marks, so fsck only; but none "
              "of the %zu crash states holds a file system that %s%s can "
              "recover (is the log from another file system? see --fs; or is the "
              "device smaller than the file system? `log import --size`)",
              o->log_path, res->nstates,
              strcmp (res->oracle->backend, "engine") ? "the kernel's " : "the ",
              res->oracle->backend);
    err = -ENOMEDIUM;
  }
 out:
  if (app_made)
    ck_app_root_remove (sh.oracle->exec_root, app_made);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  res->seconds = (double) (t1.tv_sec - t0.tv_sec) +
                 (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  free (ws);
  ck_model_free (model);
  pthread_cond_destroy (&sh.ended);
  pthread_mutex_destroy (&sh.lock);
  return err;
}

void
ck_check_result_free (struct ck_check_result *res)
{
  for (size_t i = 0; i < res->nstates; i++)
    ck_result_free (&res->states[i]);
  free (res->states);
  ck_oracle_free (res->oracle);
  memset (res, 0, sizeof *res);
}
