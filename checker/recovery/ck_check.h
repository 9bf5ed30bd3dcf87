/* ck_check: check every crash state of a recording -- the library behind
 * `flushpoint check`.
 *
 * Flow:
 *   1. read the oracle (ck_oracle) and build the model (ck_model) -- once,
 *      shared read-only by every worker;
 *   2. count the states (a walk without images) so that results have a
 *      fixed slot each and progress has a total;
 *   3. N workers (threads) each walk the log with a builder of their own
 *      (ck_build); at each state a worker claims it unless another worker
 *      already has, then builds the image, recovers it (fpfs_mount with
 *      the run's mount options: journal recovery writes into the state's
 *      overlay), walks the recovered namespace (ck_view), judges it
 *      (ck_rules), drops the engine without writing more (fpfs_crash),
 *      runs fsck (ck_fsck) on the image as recovery left it, and stores
 *      the result in the state's slot;
 *   4. summarise per property.
 * A state is claimed by the first worker to reach it (an atomic counter
 * every worker advances in the same order), so work spreads by speed, and
 * results land by index: the output does not depend on --jobs.
 * States that end before the runner's "ready" mark (mkfs not done) are
 * skipped: no file system exists yet to recover.
 *
 * A log without oracle marks (a disk recording: an imported dm-log-writes
 * log, a hand-made one) is checked fsck-only, the job replay-log users
 * script by hand: each state is recovered with the file system named by
 * fsck_fs (the engine by default) and fsck'd; no promise is checked.  It
 * has no "ready" mark, so the file system's birth is found instead: states
 * before the first one that recovers, which do not recover either, are
 * skipped as "before mkfs"; after it, a state that does not recover is a
 * violation like any other.  When no state recovers at all, the check
 * fails with -ENOMEDIUM (the log is not of that file system).
 *
 * No global state: two checks may run in one process (the matrix does).
 */
#ifndef CK_CHECK_H
#define CK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ck_oracle.h"
#include "ck_result.h"
#include "ck_rules.h"
#include "ck_states.h"
#include "fplog.h"
#include "kfs.h"

struct ck_check_opts {
  const char *log_path;
  const char *base_path;       /* NULL: the header's */
  struct ck_states_opts states;
  enum ck_profile profile;
  unsigned jobs;               /* >= 1 */
  bool engine_only;            /* a log recorded on a kernel file system is
                                  -ENOTSUP instead of mounted (fuzzing) */
  /* A log without oracle marks only: the file system that recovers its
   * states ("engine", "ext4", "xfs", "btrfs"; NULL: engine) and its mount
   * options (NULL: the defaults).  Given for a log with oracle marks,
   * they are -EINVAL: the run's own say what it ran. */
  const char *fsck_fs;
  const char *fsck_mount;
  /* false: the fast paths that provably keep every verdict (the journal
   * scan cache, ...) are off and every state is checked in full.  Set by
   * ck_check_opts_init from the environment: FP_NO_FASTPATH=1 clears it
   * (tests run both ways and compare verdicts state by state). */
  bool fastpath;
  /* A program's log (run --exec): the check to run in every recovered
   * state instead of the one the run recorded (NULL: the recorded one, if
   * any), and its timeout in seconds. */
  const char *check_cmd;
  double check_timeout_s;
  /* Called from the calling thread about ten times a second while
   * workers run, and once at the end; NULL for none. */
  void (*progress) (void *ctx, uint64_t done, uint64_t total);
  void *progress_ctx;
};

void ck_check_opts_init (struct ck_check_opts *o);

struct ck_check_result {
  struct fplog_header hdr;
  struct ck_oracle *oracle;    /* for reports: ops, workload, mount */
  struct ck_walk_stats walk;
  struct ck_state_result *states;
  size_t nstates;
  uint64_t checked, skipped, violated;  /* states */
  uint64_t per_prop[CK_P__COUNT][CK_V_VIOLATED + 1];  /* states per verdict */
  uint8_t worst[CK_P__COUNT];  /* enum ck_verdict over all states */
  char mount[256];             /* the mount options recovery used */
  bool kernel;                 /* recovered with the running kernel: */
  struct kfs_opts kopts;       /* its file system and options */
  bool stale_allowed;
  bool fsck_allowed;           /* nojournal: fsck findings are "lost" */
  bool fsck_ran;
  /* The run's faults: the log's failed FAULT entries against the runner's
   * own count in its end mark ("runner and checker agree"). */
  bool faults_disagree;
  double seconds;
  /* States given the result of an earlier one by the read-set cache
   * (ck_check.c); depends on jobs, like seconds. */
  uint64_t memo_hits;
};

/* A check fails (exit 1) when a state violates a promise, or when the
 * runner and the log disagree on how many requests injected faults failed
 * (res->faults_disagree). */
bool ck_check_failed (const struct ck_check_result *res);

/* 0 (whatever the verdicts), or -errno for input that cannot be checked:
 * -EBADMSG a corrupt log or oracle, -EINVAL bad options; errbuf says
 * what.  A log without oracle marks is checked fsck-only (above). */
int ck_check_run (const struct ck_check_opts *o, struct ck_check_result *res,
                  char *errbuf, size_t errlen);
void ck_check_result_free (struct ck_check_result *res);

#endif /* CK_CHECK_H */
