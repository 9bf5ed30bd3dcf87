/* ck_rules: the promises of section 6 checked in one recovered state.
 * The rules themselves are in ck_rules.h; this file finds, per inode, the
 * latest sync that promised each property, then compares.
 *
 * Steps:
 *   1. promises: walk the ops whose sync returned 0 at or before the
 *      crash point; per inode keep the latest sync for data+size, for
 *      metadata (and a later unpromised one, for the "lost" column), for
 *      its own name, and for a directory's entries;
 *   2. files the view holds: hash every block once, check data and size,
 *      metadata, then stale blocks;
 *   3. names: every promised own name, and every synced directory's
 *      entries, both ways.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "ck_rules_int.h"

int
ck_profile_parse (const char *s, enum ck_profile *p)
{
  if (strcmp (s, "posix") == 0)
    *p = CK_PROFILE_POSIX;
  else if (strcmp (s, "ext4") == 0)
    *p = CK_PROFILE_EXT4;
  else
    return -EINVAL;
  return 0;
}

const char *
ck_profile_name (enum ck_profile p)
{
  return p == CK_PROFILE_EXT4 ? "ext4" : "posix";
}

/* ---- step 1: promises ---- */

struct rl_rec *
ck_rl_rec (struct rl *r, struct ck_id id, bool is_dir)
{
  uint64_t i;

  if (ck_map_get (&r->idx, id.ino, id.gen, &i))
    return &r->recs[i];
  if (r->nrec == r->caprec) {
    size_t cap = r->caprec ? r->caprec * 2 : 32;
    struct rl_rec *n = realloc (r->recs, cap * sizeof *n);
    if (!n)
      return NULL;
    r->recs = n;
    r->caprec = cap;
  }
  if (ck_map_put (&r->idx, id.ino, id.gen, r->nrec))
    return NULL;
  memset (&r->recs[r->nrec], 0, sizeof r->recs[0]);
  r->recs[r->nrec].id = id;
  r->recs[r->nrec].is_dir = is_dir;
  return &r->recs[r->nrec++];
}

static bool
rl_fsync_like (const char *call)
{
  return strcmp (call, "fsync") == 0 || strcmp (call, "osync") == 0 ||
         strcmp (call, "sync") == 0 || strcmp (call, "syncfs") == 0;
}

static bool
rl_whole_fs (const char *call)
{
  return strcmp (call, "sync") == 0 || strcmp (call, "syncfs") == 0;
}

int
ck_rl_promises (struct rl *r)
{
  for (size_t i = 0; i < r->o->nops; i++) {
    const struct ck_op *op = &r->o->ops[i];
    if (op->after_seq == CK_NO_SEQ || op->after_seq > r->E)
      break;
    if (!op->state || !op->sync_call || op->ret < 0)
      continue;
    bool full = rl_fsync_like (op->sync_call);
    for (size_t k = 0; k < op->nobjs; k++) {
      const struct ck_op_obj *x = &op->objs[k];
      const char *path = x->path;
      struct ck_id id = path && strcmp (path, "/") == 0 ? CK_ROOT
                        : (struct ck_id) { x->ino, (uint32_t) x->gen };
      bool dir = x->dir;
      struct rl_rec *rec = ck_rl_rec (r, id, dir);
      struct rl_promise p = { op, x->obj };
      bool stale = x->stale;
      if (!rec)
        return -ENOMEM;
      if (x->file && json_object_object_get_ex (x->obj, "range", NULL)) {
        /* msync(MS_SYNC): the data of the mapped blocks only
         * (vfs_fsync_range); an earlier whole-file promise stays. */
        rec->data_range = p;
        continue;
      }
      if (dir) {
        /* fsync(dir) promises the entries.  fdatasync(dir) does too under
         * the ext4 profile with a journal: ext4_sync_file() forces a
         * commit for every inode ext4_should_journal_data() is true for,
         * and ext4_inode_journal_mode() (fs/ext4/ext4_jbd2.h) makes that
         * every non-regular inode.  Without a journal nothing commits the
         * new entry's inode (__generic_file_fsync skips sync_inode_metadata
         * for a datasync of a dir that is not I_DIRTY_DATASYNC), so it is
         * not promised there (CHECKER.md section 5).  POSIX promises
         * nothing for it. */
        bool ents = full || (r->ro->profile == CK_PROFILE_EXT4
                             && !r->ro->fsck_allowed);
        if (x->entries &&
            rec->ents.op != op && (ents || !rec->ents_promised ||
                                   rec->ents.op == NULL)) {
          rec->ents = p;
          rec->ents_promised = ents;
        }
      }
      else if (x->file) {
        if (rec->data.op == op)
          continue;              /* another chunk of the same file */
        rec->data = p;
      }
      if (full) {
        rec->meta = p;
        rec->meta_info.op = NULL;
      }
      else
        rec->meta_info = p;
      if (stale || !path || strcmp (path, "/") == 0)
        continue;
      if (rl_whole_fs (op->sync_call) ||
          (full && r->ro->profile == CK_PROFILE_EXT4)) {
        rec->name = p;
        rec->name_info.op = NULL;
      }
      else
        rec->name_info = p;
    }
  }
  return 0;
}

/* ---- helpers ---- */

uint64_t
ck_rl_after (const struct rl_promise *p)
{
  return p->op->after_seq;
}

/* "op 5 `pwrite /a 0 4096`, op 7 `rename /a /b`": the ops that touched f
 * (or the directory entry d) in (A, E].  malloc'd, NULL when none. */
char *
ck_rl_since (struct rl *r, const struct ck_mfile *f, const struct ck_dirent *d,
          uint64_t A)
{
  char *s = NULL;
  size_t len = 0;
  uint32_t last = CK_NO_OP;
  FILE *fp = open_memstream (&s, &len);
  int n = 0;

  if (!fp)
    return NULL;
  for (size_t i = 0; f && i < f->nev; i++) {
    const struct ck_event *e = &f->ev[i];
    if (e->seq <= A || e->seq > r->E || e->op == last)
      continue;
    last = e->op;
    fprintf (fp, "%sop %u `%s`", n++ ? ", " : "", e->op,
             r->o->ops[e->op].wop->text);
  }
  for (size_t i = 0; d && i < d->n; i++) {
    if (d->v[i].seq <= A || d->v[i].seq > r->E || d->v[i].op == last)
      continue;
    last = d->v[i].op;
    fprintf (fp, "%sop %u `%s`", n++ ? ", " : "", d->v[i].op,
             r->o->ops[d->v[i].op].wop->text);
  }
  fclose (fp);
  if (n == 0) {
    free (s);
    return NULL;
  }
  return s;
}

int
ck_rl_find (struct rl *r, enum ck_prop p, bool violation, const char *path,
            uint64_t block, const struct rl_promise *pr,
            const struct ck_mfile *f, const struct ck_dirent *d,
            const char *fmt, ...)
{
  char *since = pr ? ck_rl_since (r, f, d, ck_rl_after (pr)) : NULL;
  uint32_t op = pr ? (uint32_t) pr->op->index : CK_NO_OP;
  char msg[1024];
  va_list ap;
  int err;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  /* Without a journal a failed metadata write leaves a half-done update
   * that only fsck repairs (and the error was the workload's to see):
   * Linux behaviour, shown apart from broken promises (CHECKER.md 6a). */
  if (violation && r->ro->fsck_allowed && ck_rl_after_write_fault (r))
    err = ck_result_add_block (r->res, p, false, true, path, block, op, since,
                               "%s (no journal: the device failed a write "
                               "at log entry %" PRIu64 ", and a half-done "
                               "metadata update is what fsck repairs)", msg,
                               r->o->first_write_fault);
  else
    err = ck_result_add_block (r->res, p, violation, false, path, block, op,
                               since ? since : pr
                               ? "no operation touched it since" : NULL,
                               "%s", msg);
  free (since);
  return err;
}

bool
ck_rl_after_write_fault (const struct rl *r)
{
  return r->o->first_write_fault != CK_NO_SEQ
         && r->o->first_write_fault <= r->E;
}

/* Did events of kind k touch f in (A, E]?  *lo, *hi: the range of their
 * values; *any: an event with val 1 (utimes). */
bool
ck_rl_events (struct rl *r, const struct ck_mfile *f, enum ck_ev_kind k,
           uint64_t A, int64_t *lo, int64_t *hi, bool *any)
{
  bool seen = false;

  for (size_t i = 0; f && i < f->nev; i++) {
    const struct ck_event *e = &f->ev[i];
    if (e->kind != k || e->seq <= A || e->seq > r->E)
      continue;
    if (lo && (!seen || e->val < *lo))
      *lo = e->val;
    if (hi && (!seen || e->val > *hi))
      *hi = e->val;
    if (any && e->val == 1)
      *any = true;
    seen = true;
  }
  return seen;
}

/* Was value val set by an event of kind k in (A, E]? */
bool
ck_rl_event_set (struct rl *r, const struct ck_mfile *f, enum ck_ev_kind k,
              uint64_t A, int64_t val)
{
  for (size_t i = 0; f && i < f->nev; i++)
    if (f->ev[i].kind == k && f->ev[i].seq > A && f->ev[i].seq <= r->E &&
        f->ev[i].val == val)
      return true;
  return false;
}


int
ck_rules_check (const struct ck_oracle *o, const struct ck_model *m,
                const struct ck_rules_opts *ro, uint64_t end,
                const struct ck_view *v, const struct ck_fsread *rd,
                struct ck_state_result *res)
{
  struct rl r = { .o = o, .m = m, .ro = ro, .E = end, .v = v, .rd = rd,
                  .res = res };
  int err;

  r.buf = malloc (RL_CHUNK);
  if (!r.buf)
    return -ENOMEM;
  err = ck_rl_promises (&r);
  if (!err)
    err = ck_rl_files (&r);
  if (!err)
    err = ck_rl_names (&r);
  if (!err)
    err = ck_rl_extras (&r);
  free (r.buf);
  free (r.h);
  free (r.flagged);
  free (r.hashed);
  free (r.recs);
  ck_map_free (&r.idx);
  return err;
}
