/* ck_report_text: the terminal report, and the grouping of findings that
 * every report uses (ck_report.h). */
#define XXH_STATIC_LINKING_ONLY   /* XXH3_state_t on the stack */
#include <errno.h>
#include <json-c/json.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ck_map.h"
#include "ck_report.h"

void
ck_report_image_name (const struct ck_state_result *s, char *buf, size_t len)
{
  snprintf (buf, len, "state-%" PRIu64 ".img", s->index);
}

char *
ck_report_inspect (const struct ck_check_result *r, const char *img)
{
  char *buf;

  if (!r->kernel || (buf = malloc (2048)) == NULL)
    return NULL;
  if (kfs_inspect_commands (&r->kopts, img, buf, 2048) < 0) {
    free (buf);
    return NULL;
  }
  return buf;
}

static uint64_t
rt_key (const struct ck_finding *f)
{
  XXH3_state_t st;

  XXH3_64bits_reset (&st);
  XXH3_64bits_update (&st, &f->prop, sizeof f->prop);
  XXH3_64bits_update (&st, &f->violation, sizeof f->violation);
  XXH3_64bits_update (&st, &f->sync_op, sizeof f->sync_op);
  XXH3_64bits_update (&st, f->path, strlen (f->path) + 1);
  XXH3_64bits_update (&st, f->msg, strlen (f->msg) + 1);
  return XXH3_64bits_digest (&st);
}

int
ck_report_groups (const struct ck_check_result *r, bool lost,
                  struct ck_group **out, size_t *n)
{
  struct ck_map map = { 0 };
  struct ck_group *g = NULL;
  const struct ck_state_result **last = NULL;  /* per group: its latest state */
  size_t ng = 0, cap = 0;
  int err = 0;

  for (size_t i = 0; i < r->nstates && !err; i++) {
    const struct ck_state_result *s = &r->states[i];
    for (size_t k = 0; k < s->nf && !err; k++) {
      const struct ck_finding *f = &s->f[k];
      uint64_t key, idx;
      if (!f->violation && !lost)
        continue;
      key = rt_key (f);
      if (ck_map_get (&map, key, 0, &idx)) {
        /* Count a state once per group, however many of its findings
         * fall in it (states come in order: the latest is enough). */
        if (last[idx] != s)
          g[idx].states++;
        last[idx] = s;
        continue;
      }
      if (ng == cap) {
        cap = cap ? cap * 2 : 16;
        struct ck_group *ngp = realloc (g, cap * sizeof *g);
        if (ngp)
          g = ngp;
        const struct ck_state_result **nl = ngp ? realloc (last, cap
                                                           * sizeof *nl)
                                                : NULL;
        if (!nl) {
          err = -ENOMEM;
          break;
        }
        last = nl;
      }
      err = ck_map_put (&map, key, 0, ng);
      last[ng] = s;
      g[ng++] = (struct ck_group) { f, s, 1 };
    }
  }
  ck_map_free (&map);
  free (last);
  if (err) {
    free (g);
    return err;
  }
  *out = g;
  *n = ng;
  return 0;
}

static void
rt_header (FILE *out, const struct ck_check_result *r,
           const struct ck_report_opts *o)
{
  const struct ck_walk_stats *w = &r->walk;
  char uuid[37];

  fplog_uuid_format (r->hdr.uuid, uuid);
  fprintf (out, "log:       %s (%s)\n", o->log_path, uuid);
  fprintf (out, "entries:   %" PRIu64 " (%" PRIu64 " writes, %" PRIu64
           " FLUSH, %" PRIu64 " marks)%s\n", w->entries, w->writes, w->flushes,
           w->marks, w->truncated ? "; truncated tail ignored" : "");
  if (r->oracle->fsck_only)
    fprintf (out, "oracle:    none (no oracle marks: a disk recording); fsck "
             "only: each state is recovered with %s%s and fsck'd, no promise "
             "is checked; states before the first that holds a file system "
             "are skipped as before mkfs\n",
             strcmp (r->oracle->backend, "engine") ? "the kernel's " : "the ",
             r->oracle->backend);
  else
    fprintf (out, "workload:  %s, persist %s, %zu ops%s%s\n",
             r->oracle->workload ? r->oracle->workload : "?",
             r->oracle->persist ? r->oracle->persist : "?", r->oracle->nops,
             r->oracle->end_status && strcmp (r->oracle->end_status, "ok")
             ? "; the run ended " : "",
             r->oracle->end_status && strcmp (r->oracle->end_status, "ok")
             ? r->oracle->end_status : "");
  if (strcmp (r->oracle->backend, "engine") != 0 && !r->oracle->fsck_only) {
    json_object *f = r->oracle->kernel_facts
                     ? json_tokener_parse (r->oracle->kernel_facts) : NULL, *x;
#define RT_FACT(k) (f && json_object_object_get_ex (f, k, &x) \
                    ? json_object_get_string (x) : "?")
    fprintf (out, "fs:        the running kernel's %s (Linux %s), recovered "
             "by this kernel (loop + mount + its fsck); not deterministic: "
             "a rerun can give another log\n", r->oracle->backend,
             RT_FACT ("kernel"));
    fprintf (out, "mkfs:      %s\n", RT_FACT ("mkfs"));
#undef RT_FACT
    json_object_put (f);
  }
  fprintf (out, "recovery:  mount %s; profile %s; stale data %s%s\n",
           r->mount, ck_profile_name (o->profile),
           r->stale_allowed ? "allowed (data not ordered)" : "a violation",
           r->fsck_allowed ? "; fsck damage allowed (no journal)" : "");
  fprintf (out, "states:    %zu (flush %" PRIu64 ", write %" PRIu64 ", epoch %"
           PRIu64 ", torn %" PRIu64 "); %" PRIu64 " before mkfs finished, "
           "skipped\n", r->nstates, w->states[CK_KIND_FLUSH],
           w->states[CK_KIND_WRITE], w->states[CK_KIND_EPOCH],
           w->states[CK_KIND_TORN], r->skipped);
  if (r->oracle->fault_entries || r->oracle->failed_syncs ||
      r->oracle->end_has_faults)
    fprintf (out, "faults:    %" PRIu64 " request%s failed by injected faults"
             "%s; %zu sync call%s returned an error; %" PRIu64 " file "
             "block%s left in doubt\n", r->oracle->fault_entries,
             r->oracle->fault_entries == 1 ? "" : "s",
             !r->oracle->end_has_faults ? ""
             : r->faults_disagree ? " (THE RUNNER COUNTED OTHERWISE)"
             : " (as the runner counted)", r->oracle->failed_syncs,
             r->oracle->failed_syncs == 1 ? "" : "s",
             r->oracle->end_doubt_blocks,
             r->oracle->end_doubt_blocks == 1 ? "" : "s");
  if (w->capped_epochs)
    fprintf (out, "           %" PRIu64 " epochs had more drop subsets than "
             "--max-per-epoch: sampled\n", w->capped_epochs);
  fprintf (out, "checked:   %" PRIu64 " states in %.2f s (%.0f states/s, %u "
           "job%s, %" PRIu64 " by the read-set cache)%s\n", r->checked,
           r->seconds,
           r->seconds > 0 ? (double) r->checked / r->seconds : 0.0, o->jobs,
           o->jobs == 1 ? "" : "s", r->memo_hits,
           r->fsck_ran ? "" : "; fsck: not available in this engine yet, "
           "recovery checked only");
}

static void
rt_table (FILE *out, const struct ck_check_result *r)
{
  fprintf (out, "\n  %-8s %9s %9s %9s\n", "property", "held", "lost",
           "VIOLATED");
  for (int p = 0; p < CK_P__COUNT; p++)
    fprintf (out, "  %-8s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
             ck_prop_name (p), r->per_prop[p][CK_V_HELD],
             r->per_prop[p][CK_V_LOST], r->per_prop[p][CK_V_VIOLATED]);
}

static void
rt_group (FILE *out, const struct ck_check_result *r,
          const struct ck_report_opts *o, const struct ck_group *g)
{
  const struct ck_finding *f = g->f;
  const struct ck_state_result *s = g->s;
  char rec[512], img[64], *cmd;

  ck_recipe_format (&s->recipe, rec, sizeof rec);
  ck_report_image_name (s, img, sizeof img);
  cmd = ck_recipe_command (&s->recipe, o->log_path, img);
  fprintf (out, "\n%s %s %s: %s\n", f->violation ? "VIOLATION"
           : f->after_error ? "LOST AFTER ERROR" : "lost",
           ck_prop_name (f->prop), f->path, f->msg);
  fprintf (out, "  in %zu state%s; first: state %" PRIu64 " (%s, %s)\n",
           g->states, g->states == 1 ? "" : "s", s->index,
           ck_kind_name (s->recipe.kind), rec);
  if (f->sync_op != CK_NO_OP && f->sync_op < r->oracle->nops)
    fprintf (out, "  %s op %u `%s`\n", f->violation || f->after_error
             ? "promised by" : "as of (not a promise)", f->sync_op,
             r->oracle->ops[f->sync_op].wop->text);
  if (f->since)
    fprintf (out, "  since then: %s\n", f->since);
  fprintf (out, "  rebuild: %s\n", cmd ? cmd : "(out of memory)");
  free (cmd);
  if ((cmd = ck_report_inspect (r, img)) != NULL) {
    fputs ("  inspect (as root, after the rebuild):\n", out);
    char *save = NULL;
    for (char *l = strtok_r (cmd, "\n", &save); l;
         l = strtok_r (NULL, "\n", &save))
      fprintf (out, "    %s\n", l);
    free (cmd);
  }
}

/* Findings a state counted but did not keep (past CK_FINDINGS_MAX; every
 * property and verdict of a state still has one above). */
static void
rt_not_kept (FILE *out, const struct ck_check_result *r)
{
  uint64_t more = 0, states = 0;

  for (size_t i = 0; i < r->nstates; i++) {
    more += r->states[i].more;
    states += r->states[i].more > 0;
  }
  if (more)
    fprintf (out, "\n(%" PRIu64 " more finding%s in %" PRIu64 " state%s: "
             "at most %u are kept a state, and each property and verdict "
             "of a state keeps one; --json FILE counts them per state as "
             "findings_not_kept)\n", more, more == 1 ? "" : "s", states,
             states == 1 ? "" : "s", CK_FINDINGS_MAX);
}

void
ck_report_text (FILE *out, const struct ck_check_result *r,
                const struct ck_report_opts *o)
{
  struct ck_group *g = NULL;
  size_t ng = 0, shown = 0, nviol = 0, nafter = 0, listed = 0;

  rt_header (out, r, o);
  rt_table (out, r);
  if (ck_report_groups (r, true, &g, &ng) == 0) {
    for (size_t i = 0; i < ng; i++) {
      nviol += g[i].f->violation;
      nafter += g[i].f->after_error;
      /* Lost findings are listed on request; those a write error explains
       * always are: they are what a run with faults is about. */
      if (!g[i].f->violation && !g[i].f->after_error && !o->show_lost)
        continue;
      if (o->max_groups && shown >= o->max_groups)
        continue;
      rt_group (out, r, o, &g[i]);
      shown++;
    }
    for (size_t i = 0; i < ng; i++)
      listed += g[i].f->violation || g[i].f->after_error || o->show_lost;
    if (shown < listed)
      fprintf (out, "\n(%zu more groups; --json FILE has them all)\n",
               listed - shown);
  }
  free (g);
  rt_not_kept (out, r);
  if (o->all_states)
    for (size_t i = 0; i < r->nstates; i++) {
      char rec[512];
      const struct ck_state_result *s = &r->states[i];
      ck_recipe_format (&s->recipe, rec, sizeof rec);
      fprintf (out, "%s state %" PRIu64 " %-5s %s%s\n",
               i == 0 ? "\n" : "", s->index, ck_kind_name (s->recipe.kind),
               rec, s->status == CK_STATE_SKIPPED ? " (skipped)"
               : ck_result_violated (s) ? " VIOLATED" : "");
    }
  if (r->faults_disagree)
    fprintf (out, "\nFAULTS DISAGREE: before its end mark the log holds %"
             PRIu64 " failed requests (FAULT entries), the runner's says the "
             "plugin failed %" PRIu64 "\n", r->oracle->faults_at_end,
             r->oracle->end_faults_fired);
  fprintf (out, "\nverdict: %s -- %" PRIu64 " of %" PRIu64 " checked states "
           "violate a promise (%zu distinct violation%s)%s\n",
           ck_check_failed (r) ? "FAIL" : "ok", r->violated, r->checked,
           nviol, nviol == 1 ? "" : "s",
           r->faults_disagree ? "; fault counts disagree" : "");
  if (nafter)
    fprintf (out, "note:     %zu finding%s lost after a write error the "
             "workload was told of (LOST AFTER ERROR above): Linux "
             "behaviour, not counted as violations (checker/CHECKER.md, "
             "\"Errors\")\n", nafter, nafter == 1 ? "" : "s");
}
