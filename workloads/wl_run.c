/* wl_run: the driver of a workload run (see wl_run.h), whatever the file
 * system under test.
 *
 * Sequence, each step a MARK payload or a call on the file system:
 *   "run" mark (metadata) -> mkfs -> mount -> "ready" mark
 *   for each op: "before" mark -> the op -> ["state" parts] -> "after" mark
 *   "end" mark -> power cut, or close handles + umount + "umounted" mark
 * The backends own mkfs, mount and the end: wl_run_engine.c for the
 * engine, wl_run_kernel.c for a kernel file system; both call the steps
 * here in that order.  The runner is single-threaded and waits for every
 * call and every mark, so the log's order of device requests and marks is
 * the order in which they happened (on a kernel file system, background
 * writeback may add requests anywhere: the kernel's own threads).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_runner.h"

#ifndef FPFS_VERSION_STRING
#define FPFS_VERSION_STRING "libfpfs"
#endif

void
wl_run_opts_init (struct wl_run_opts *o)
{
  memset (o, 0, sizeof *o);
  o->persist = WL_PERSIST_FSYNC;
}

int
wl_runner_begin (struct wl_runner *r, const struct wl_workload *w,
                 const struct wl_mark_sink *sink, const struct wl_run_opts *o,
                 struct wl_run_result *res, uint64_t disk_size, char *errbuf,
                 size_t errlen)
{
  memset (r, 0, sizeof *r);
  r->r_w = w;
  r->r_o = o;
  r->r_sink = sink;
  r->r_res = res;
  r->r_err = errbuf;
  r->r_errlen = errlen;
  memset (res, 0, sizeof *res);
  res->failed_op = -1;
  if (errlen)
    errbuf[0] = '\0';
  r->r_mark_max = sink->max_len && sink->max_len < WL_MARK_MAX
                  ? sink->max_len : WL_MARK_MAX;
  if (r->r_mark_max < 16384)
    return wl_runner_error (r, -EINVAL, NULL, "%s: the log takes marks of "
                            "at most %zu bytes; the runner needs 16384",
                            w->name, r->r_mark_max);
  /* An entry costs at most ~24 bytes as a block hash; a directory entry
   * with a long name far more, so objects hold fewer of those. */
  r->r_chunk = (r->r_mark_max - 4096) / 24;
  if (r->r_chunk > WL_CHUNK_ENTRIES)
    r->r_chunk = WL_CHUNK_ENTRIES;
  if (w->disk_size > disk_size)
    return wl_runner_error (r, -ENOSPC, NULL, "%s: needs a disk of %llu "
                            "bytes (#! disk), the device has %llu", w->name,
                            (unsigned long long) w->disk_size,
                            (unsigned long long) disk_size);
  /* pattern=recorded names bytes that only a traced program's log holds
   * (ORACLE.md, "Programs"): there is nothing to write. */
  for (size_t i = 0; i < w->n_ops; i++)
    if (w->ops[i].pattern == WL_PAT_RECORDED)
      return wl_runner_error (r, -EINVAL, &w->ops[i], "pattern=recorded is "
                              "the bytes a program wrote, kept in the log of "
                              "`flushpoint run --exec`; a workload cannot "
                              "write it");
  /* File state objects list xattrs only for workloads that touch them
   * (the logs of the others stay as they were). */
  for (size_t i = 0; i < w->n_ops && !r->r_xattrs; i++)
    r->r_xattrs = w->ops[i].kind == WL_OP_SETXATTR
                  || w->ops[i].kind == WL_OP_REMOVEXATTR;
  if (o->persist == WL_PERSIST_OSYNC || o->persist == WL_PERSIST_ODSYNC) {
    r->r_sync_write = calloc (w->n_ops ? w->n_ops : 1, sizeof (bool));
    if (!r->r_sync_write)
      return wl_runner_error (r, -ENOMEM, NULL, "out of memory");
    wl_persist_plan (w, r->r_sync_write);
  }
  return 0;
}

int
wl_runner_mark_run (struct wl_runner *r, uint64_t disk_size,
                    uint32_t sector_size, const char *backend,
                    json_object *facts)
{
  const struct wl_workload *w = r->r_w;
  json_object *m = wl_oracle_mark ("run");
  char hex[17];

  wl_oracle_hex64 (w->text_hash, hex);
  wl_oracle_put_str (m, "workload", w->name);
  wl_oracle_put_str (m, "workload_xxh3", hex);
  wl_oracle_put_u64 (m, "ops", w->n_ops);
  if (r->r_o->exec) {
    /* A traced program: the ops come as it makes its calls, each
     * before-mark holding its text (ORACLE.md, "Programs"). */
    wl_oracle_put_str (m, "source", "exec");
    wl_oracle_put_str (m, "exec", r->r_o->exec->cmd);
    wl_oracle_put_str (m, "check_cmd", r->r_o->exec->check_cmd);
    wl_oracle_put_str (m, "exec_root", r->r_exec_root);
  } else if (w->text_len <= WL_TEXT_IN_MARK_MAX)
    wl_oracle_put_str (m, "text", w->text);
  wl_oracle_put_str (m, "persist", wl_persist_name (r->r_o->persist));
  wl_oracle_put_str (m, "mount", r->r_res->mount_canon);
  wl_oracle_put_str (m, "mount_workload", w->mount_opts);
  wl_oracle_put_str (m, "mount_extra", r->r_o->mount);
  wl_oracle_put_u64 (m, "seed", r->r_o->seed);
  wl_oracle_put_str (m, "backend", backend);
  if (strcmp (backend, "engine") == 0)
    wl_oracle_put_str (m, "engine", FPFS_VERSION_STRING);
  if (facts)
    json_object_object_add (m, "kernel", facts);
  /* The engine replays exactly; a kernel run is one of many schedules. */
  json_object_object_add (m, "deterministic", json_object_new_boolean (
                            strcmp (backend, "engine") == 0));
  wl_oracle_put_u64 (m, "disk_size", disk_size);
  wl_oracle_put_u64 (m, "sector_size", sector_size);
  wl_oracle_put_u64 (m, "block_size", WL_BLOCK);
  wl_oracle_put_str (m, "hash", "xxh3-64");
  wl_oracle_put_u64 (m, "mark_max", r->r_mark_max);
  wl_oracle_put_u64 (m, "chunk", r->r_chunk);
  wl_oracle_put_str (m, "then", r->r_o->clean_umount ? "umount" : "crash");
  json_object_object_add (m, "verify_readback",
                          json_object_new_boolean (r->r_o->verify_readback));
  if (r->r_o->n_faults) {
    json_object *a = json_object_new_array ();
    for (size_t i = 0; i < r->r_o->n_faults; i++)
      json_object_array_add (a, json_object_new_string (r->r_o->faults[i]));
    json_object_object_add (m, "faults", a);
  }
  if (r->r_o->keep_going)
    json_object_object_add (m, "keep_going", json_object_new_boolean (1));
  return wl_oracle_emit (r, m);
}

static json_object *
wl_run_op_mark (struct wl_runner *r, const char *kind, size_t i)
{
  const struct wl_op *op = &r->r_w->ops[i];
  json_object *m = wl_oracle_mark (kind);

  wl_oracle_put_u64 (m, "op", i);
  wl_oracle_put_u64 (m, "line", op->line);
  wl_oracle_put_str (m, "text", op->text);
  wl_oracle_put_u64 (m, "vtime", WL_SYS0 (r, now));
  return m;
}

static int
wl_run_before (struct wl_runner *r, size_t i)
{
  const struct wl_op *op = &r->r_w->ops[i];
  json_object *m = wl_run_op_mark (r, "before", i);

  if (op->expect_errno)
    wl_oracle_put_str (m, "expect", wl_errno_name (op->expect_errno));
  if (op->kind == WL_OP_PERSIST)
    wl_oracle_put_str (m, "persist", wl_persist_name (r->r_o->persist));
  if (r->r_sync_write && r->r_sync_write[i])
    wl_oracle_put_str (m, "sync_write", r->r_o->persist == WL_PERSIST_OSYNC
                                        ? "osync" : "odsync");
  return wl_oracle_emit (r, m);
}

static int
wl_run_after (struct wl_runner *r, size_t i, struct wl_outcome *out,
              bool unexpected)
{
  json_object *m = wl_run_op_mark (r, "after", i);
  const char *en = NULL;
  char other[16];

  if (out->o_result < 0) {
    en = wl_errno_name (-out->o_result);
    if (!en)
      snprintf (other, sizeof other, "E%d", -out->o_result), en = other;
  }
  json_object_object_add (m, "ret", json_object_new_int64 (
                                      out->o_result < 0 ? -1 : out->o_result));
  wl_oracle_put_str (m, "errno", en);
  if (out->o_effect)
    json_object_object_add (m, "effect", out->o_effect);
  out->o_effect = NULL;
  /* A sync call that failed established nothing: no "sync", and this says
   * which call it was (the blocks it covered are in doubt from now on). */
  if (out->o_sync_failed)
    wl_oracle_put_str (m, "sync_failed", out->o_sync_failed);
  if (unexpected)
    json_object_object_add (m, "unexpected", json_object_new_boolean (1));
  if (out->o_state_err)
    wl_oracle_put_str (m, "state_error", wl_errno_name (-out->o_state_err));
  json_object *state = out->o_state;
  out->o_state = NULL;
  return wl_oracle_emit_after (r, i, m, out->o_sync, state);
}

/* Did op i behave as written?  (Pure: no side effects.) */
static bool
wl_run_behaved (const struct wl_op *op, int result)
{
  return result >= 0 ? op->expect_errno == 0 : op->expect_errno == -result;
}

/* Did op i behave as written?  If not, say how (the run's error). */
static int
wl_run_judge (struct wl_runner *r, size_t i, int result)
{
  const struct wl_op *op = &r->r_w->ops[i];
  const char *got = result < 0 ? wl_errno_name (-result) : NULL;

  if (result >= 0 && op->expect_errno)
    return wl_runner_error (r, -EPROTO, op, "succeeded, but the workload "
                            "expects %s", wl_errno_name (op->expect_errno));
  if (result < 0 && op->expect_errno != -result) {
    if (op->expect_errno)
      return wl_runner_error (r, -EPROTO, op, "failed with %s (%s), but the "
                              "workload expects %s", got ? got : "?",
                              strerror (-result),
                              wl_errno_name (op->expect_errno));
    return wl_runner_error (r, -EPROTO, op, "failed with %s (%s)",
                            got ? got : "?", strerror (-result));
  }
  return 0;
}

int
wl_runner_ops (struct wl_runner *r)
{
  for (size_t i = 0; i < r->r_w->n_ops; i++) {
    struct wl_outcome out;
    int e;

    r->r_res->ops_run++;
    if ((e = wl_run_before (r, i)) < 0)
      return e;
    e = wl_exec_op (r, i, &out);
    if (e < 0) {
      r->r_res->failed_op = (int) i;
      json_object_put (out.o_effect);
      json_object_put (out.o_state);
      return e;
    }
    bool behaved = wl_run_behaved (&r->r_w->ops[i], out.o_result);
    r->r_res->failed_ops += out.o_result < 0;
    r->r_res->sync_errors += out.o_sync_failed != NULL;
    if ((e = wl_run_after (r, i, &out, !behaved && r->r_o->keep_going)) < 0)
      return e;
    if (!behaved && r->r_o->keep_going)
      r->r_res->unexpected++;
    else if ((e = wl_run_judge (r, i, out.o_result)) < 0) {
      r->r_res->failed_op = (int) i;
      return e;
    }
  }
  return 0;
}

/* --fault specs: after the mount, so that mkfs and mount run on a healthy
 * device and "at N" counts the workload's own requests. */
static int
wl_run_arm_faults (struct wl_runner *r)
{
  const struct wl_fault_ctl *fc = r->r_o->fault_ctl;
  char why[512] = "";

  if (r->r_o->n_faults && !fc)
    return wl_runner_error (r, -ENOTSUP, NULL, "%s: --fault needs the "
                            "recording plugin's control export",
                            r->r_w->name);
  for (size_t i = 0; i < r->r_o->n_faults; i++) {
    int e = fc->fault (fc->ctx, r->r_o->faults[i], why, sizeof why);
    if (e < 0)
      return wl_runner_error (r, e, NULL, "%s: --fault \"%s\": %s",
                              r->r_w->name, r->r_o->faults[i], why);
  }
  return 0;
}

static int
wl_run_end_mark (struct wl_runner *r, int status)
{
  json_object *m = wl_oracle_mark ("end");

  wl_oracle_put_str (m, "status", status == 0 ? "ok"
                                  : status == -EPROTO ? "failed" : "error");
  if (status < 0)
    wl_oracle_put_str (m, "error", r->r_err);
  wl_oracle_put_u64 (m, "ops_run", r->r_res->ops_run);
  r->r_res->doubt_blocks = wl_doubt_blocks (&r->r_doubt);
  const struct wl_fault_ctl *fc = r->r_o->fault_ctl;
  bool counted = fc && fc->faults_fired
                 && fc->faults_fired (fc->ctx, &r->r_res->faults_fired) == 0;
  if (r->r_res->failed_op >= 0)
    wl_oracle_put_u64 (m, "failed_op", (uint64_t) r->r_res->failed_op);
  if (r->r_fs.ops)
    wl_oracle_put_u64 (m, "vtime", WL_SYS0 (r, now));
  wl_oracle_put_str (m, "then", !r->r_fs.ops ? "nothing"
                     : r->r_o->clean_umount ? "umount" : "crash");
  /* Errors the workload was told of, and what they left in doubt. */
  wl_oracle_put_u64 (m, "failed_ops", r->r_res->failed_ops);
  wl_oracle_put_u64 (m, "sync_errors", r->r_res->sync_errors);
  wl_oracle_put_u64 (m, "doubt_blocks", r->r_res->doubt_blocks);
  if (r->r_o->keep_going)
    wl_oracle_put_u64 (m, "unexpected", r->r_res->unexpected);
  if (counted)
    wl_oracle_put_u64 (m, "faults_fired", r->r_res->faults_fired);
  if (r->r_o->exec && r->r_res->exec_ran) {
    json_object_object_add (m, "exit_status", json_object_new_int (
                              r->r_res->exec_status));
    wl_oracle_put_str (m, "output", r->r_res->exec_output);
  }
  return wl_oracle_emit (r, m);
}

int
wl_runner_ready (struct wl_runner *r, json_object *facts)
{
  json_object *ready = wl_oracle_mark ("ready");
  int e;

  if (facts)
    json_object_object_add (ready, "kernel", facts);
  wl_oracle_put_u64 (ready, "vtime", WL_SYS0 (r, now));
  if ((e = wl_oracle_emit (r, ready)) < 0)
    return e;
  return wl_run_arm_faults (r);
}

int
wl_runner_end (struct wl_runner *r, int status)
{
  char *first;
  int e;

  if (status == 0 || !r->r_errlen)
    return wl_run_end_mark (r, status);
  /* Keep the first error's message even if the end mark fails too. */
  first = strdup (r->r_err);
  e = wl_run_end_mark (r, status);
  if (first) {
    snprintf (r->r_err, r->r_errlen, "%s", first);
    free (first);
  }
  return e;
}

void
wl_runner_free (struct wl_runner *r)
{
  while (r->r_nh > 0) {          /* after a crash the fds died with the fs */
    r->r_nh--;
    free (r->r_handles[r->r_nh].h_name);
    free (r->r_handles[r->r_nh].h_path);
  }
  free (r->r_handles);
  wl_maps_free (r, false);
  free (r->r_sync_write);
  wl_model_free (&r->r_model);
  wl_doubt_free (&r->r_doubt);
}
