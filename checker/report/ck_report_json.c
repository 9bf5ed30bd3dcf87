/* ck_report_json: the machine-readable report (layout in ck_report.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ck_report.h"

static struct json_object *
rj_finding (const struct ck_check_result *r, const struct ck_finding *f)
{
  struct json_object *j = json_object_new_object ();

  json_object_object_add (j, "property", json_object_new_string (ck_prop_name (f->prop)));
  json_object_object_add (j, "verdict", json_object_new_string (
                            f->violation ? "violated" : "lost"));
  json_object_object_add (j, "path", json_object_new_string (f->path));
  if (f->block != CK_NO_BLOCK)
    json_object_object_add (j, "block", json_object_new_uint64 (f->block));
  json_object_object_add (j, "message", json_object_new_string (f->msg));
  if (f->sync_op != CK_NO_OP && f->sync_op < r->oracle->nops) {
    json_object_object_add (j, "promised_by_op", json_object_new_int64 (f->sync_op));
    json_object_object_add (j, "promised_by", json_object_new_string (
                              r->oracle->ops[f->sync_op].wop->text));
  }
  if (f->since)
    json_object_object_add (j, "since", json_object_new_string (f->since));
  if (f->after_error)
    json_object_object_add (j, "after_error", json_object_new_boolean (1));
  return j;
}

/* The findings grouped as the text and HTML reports show them: one per
 * distinct (property, verdict, path, promise, message), with the number
 * of states that showed it and the first of them. */
static struct json_object *
rj_groups (const struct ck_check_result *r)
{
  struct json_object *a = json_object_new_array ();
  struct ck_group *g = NULL;
  size_t ng = 0;

  if (ck_report_groups (r, true, &g, &ng) < 0)
    return a;
  for (size_t i = 0; i < ng; i++) {
    struct json_object *x = rj_finding (r, g[i].f);
    json_object_object_add (x, "states", json_object_new_uint64 (g[i].states));
    json_object_object_add (x, "first_state",
                            json_object_new_uint64 (g[i].s->index));
    json_object_array_add (a, x);
  }
  free (g);
  return a;
}

static struct json_object *
rj_state (const struct ck_check_result *r, const struct ck_report_opts *o,
          const struct ck_state_result *s)
{
  struct json_object *j = json_object_new_object ();
  struct json_object *v = json_object_new_object ();
  struct json_object *fs = json_object_new_array ();
  char img[64], *cmd;

  ck_report_image_name (s, img, sizeof img);
  cmd = ck_recipe_command (&s->recipe, o->log_path, img);
  json_object_object_add (j, "index", json_object_new_uint64 (s->index));
  json_object_object_add (j, "epoch", json_object_new_uint64 (s->epoch));
  json_object_object_add (j, "recipe", ck_recipe_to_json (&s->recipe));
  json_object_object_add (j, "replay", json_object_new_string (cmd ? cmd : ""));
  free (cmd);
  if ((cmd = ck_report_inspect (r, img)) != NULL) {
    json_object_object_add (j, "inspect", json_object_new_string (cmd));
    free (cmd);
  }
  json_object_object_add (j, "status", json_object_new_string (
                            s->status == CK_STATE_SKIPPED ? "skipped" : "checked"));
  for (int p = 0; p < CK_P__COUNT; p++)
    if (s->v[p] != CK_V_NONE)
      json_object_object_add (v, ck_prop_name (p), json_object_new_string (
                                s->v[p] == CK_V_VIOLATED ? "violated"
                                : ck_verdict_name (s->v[p])));
  json_object_object_add (j, "verdicts", v);
  for (size_t k = 0; k < s->nf; k++)
    json_object_array_add (fs, rj_finding (r, &s->f[k]));
  json_object_object_add (j, "findings", fs);
  if (s->more)
    json_object_object_add (j, "findings_not_kept", json_object_new_uint64 (s->more));
  return j;
}

struct json_object *
ck_report_json (const struct ck_check_result *r, const struct ck_report_opts *o)
{
  struct json_object *j = json_object_new_object ();
  struct json_object *st = json_object_new_object ();
  struct json_object *props = json_object_new_object ();
  struct json_object *res = json_object_new_array ();
  char uuid[37];

  fplog_uuid_format (r->hdr.uuid, uuid);
  json_object_object_add (j, "version", json_object_new_int (1));
  json_object_object_add (j, "log", json_object_new_string (o->log_path));
  json_object_object_add (j, "uuid", json_object_new_string (uuid));
  json_object_object_add (j, "workload", json_object_new_string (
                            r->oracle->workload ? r->oracle->workload : ""));
  json_object_object_add (j, "persist", json_object_new_string (
                            r->oracle->persist ? r->oracle->persist : ""));
  json_object_object_add (j, "mount", json_object_new_string (r->mount));
  json_object_object_add (j, "fs", json_object_new_string (r->oracle->backend));
  json_object_object_add (j, "fsck_only",
                          json_object_new_boolean (r->oracle->fsck_only));
  json_object_object_add (j, "deterministic", json_object_new_boolean (
                            strcmp (r->oracle->backend, "engine") == 0));
  if (r->oracle->kernel_facts)
    json_object_object_add (j, "kernel", json_tokener_parse (
                              r->oracle->kernel_facts));
  json_object_object_add (j, "profile", json_object_new_string (ck_profile_name (o->profile)));
  json_object_object_add (j, "stale_allowed", json_object_new_boolean (r->stale_allowed));
  json_object_object_add (j, "fsck_ran", json_object_new_boolean (r->fsck_ran));
  json_object_object_add (st, "total", json_object_new_uint64 (r->nstates));
  for (int k = 0; k < CK_KIND__COUNT; k++)
    json_object_object_add (st, ck_kind_name (k),
                            json_object_new_uint64 (r->walk.states[k]));
  json_object_object_add (st, "checked", json_object_new_uint64 (r->checked));
  json_object_object_add (st, "skipped", json_object_new_uint64 (r->skipped));
  json_object_object_add (st, "violated", json_object_new_uint64 (r->violated));
  json_object_object_add (st, "seconds", json_object_new_double (r->seconds));
  json_object_object_add (j, "states", st);
  for (int p = 0; p < CK_P__COUNT; p++) {
    struct json_object *c = json_object_new_object ();
    json_object_object_add (c, "held", json_object_new_uint64 (r->per_prop[p][CK_V_HELD]));
    json_object_object_add (c, "lost", json_object_new_uint64 (r->per_prop[p][CK_V_LOST]));
    json_object_object_add (c, "violated", json_object_new_uint64 (r->per_prop[p][CK_V_VIOLATED]));
    json_object_object_add (props, ck_prop_name (p), c);
  }
  json_object_object_add (j, "properties", props);
  json_object_object_add (j, "violations", json_object_new_uint64 (r->violated));
  {
    const struct ck_oracle *or = r->oracle;
    struct json_object *f = json_object_new_object ();
    json_object_object_add (f, "failed_requests",
                            json_object_new_uint64 (or->fault_entries));
    if (or->end_has_faults)
      json_object_object_add (f, "runner_counted",
                              json_object_new_uint64 (or->end_faults_fired));
    json_object_object_add (f, "agree",
                            json_object_new_boolean (!r->faults_disagree));
    json_object_object_add (f, "failed_syncs",
                            json_object_new_uint64 (or->failed_syncs));
    json_object_object_add (f, "doubt_blocks",
                            json_object_new_uint64 (or->end_doubt_blocks));
    json_object_object_add (j, "faults", f);
  }
  json_object_object_add (j, "groups", rj_groups (r));
  for (size_t i = 0; i < r->nstates; i++)
    if (o->all_states || r->states[i].nf)
      json_object_array_add (res, rj_state (r, o, &r->states[i]));
  json_object_object_add (j, "results", res);
  return j;
}
