/* ck_oracle: the oracle a recording carries in its MARK entries, read back.
 *
 * The runner (workloads/wl_run.c, format in workloads/ORACLE.md) writes
 * JSON marks {"v":1,"kind":...}:
 *   run     metadata: workload name and text, persist choice, canonical
 *           mount options, seed, disk and sector size
 *   ready   mkfs and mount are done: from here on the disk holds a file
 *           system, and every crash state must recover
 *   before  op N is about to run (index, text)
 *   state   a part of op N's expected state, when it is too big for one mark
 *   after   op N returned: "ret"/"errno", its "effect" (identity, size,
 *           block hashes of what it wrote), and after a sync call that
 *           returned 0, "sync": {"call", "state": [objects]} or {"call",
 *           "parts": n} with the objects in the n state marks before it;
 *           a sync call that failed has "sync_failed" instead, and file
 *           objects may list "unknown" blocks (writeback failed earlier)
 *   end     how the run ended, and the errors the run met
 * ck_oracle_load() reads every mark of a log once, before the crash states
 * are walked, so a state can see an op whose before-mark it has passed
 * even when the op's after-mark lies beyond its crash point (an op may put
 * data on the disk before it returns).
 *
 * Marks that are not oracle JSON (written by hand through the control
 * export, say) are counted and skipped.  A log without a "run" mark is not
 * a workload recording: -ENOMSG with a message saying so.  Oracle marks
 * that contradict each other (an after without its before, op numbers out
 * of order, a version this checker does not know) are -EBADMSG.
 */
#ifndef CK_ORACLE_H
#define CK_ORACLE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fplog.h"
#include "wl.h"

#define CK_ORACLE_VERSION 1
#define CK_NO_SEQ UINT64_MAX

/* One object of a sync's "state" array, with the fields every crash
 * state's rules look at parsed once, when the oracle is loaded (the rules
 * used to look them up in the JSON for every state: ck_rules.c). */
struct ck_op_obj {
  json_object *obj;              /* the object (borrowed from op->state) */
  const char *path;              /* "path", or NULL */
  uint64_t ino, gen;             /* "ino", "gen" (0 if absent) */
  bool dir, file;                /* "type" is "dir" / "file" */
  bool symlink;                  /* "type" is "symlink" */
  bool stale;                    /* has "stale_path" */
  bool entries;                  /* has "entries" */
};

struct ck_op {
  size_t index;
  const struct wl_op *wop;       /* the op as parsed from the run's text */
  uint64_t before_seq;           /* CK_NO_SEQ: no before-mark */
  uint64_t after_seq;            /* CK_NO_SEQ: did not return in the log */
  int64_t ret;                   /* "ret": >= 0, or -1 with err set */
  char err[32];                  /* errno name, "" on success */
  const char *persist;           /* before: what `persist` became, or NULL */
  json_object *effect;           /* after: "effect" or NULL (borrowed) */
  const char *sync_call;         /* "fsync", "fdatasync", "sync", "syncfs",
                                    "osync", "odsync"; NULL if no sync */
  json_object *state;            /* the sync's state objects (array), or
                                    NULL; owned by the oracle */
  struct ck_op_obj *objs;        /* state's objects, parsed; nobjs of them */
  size_t nobjs;
  const char *sync_failed;       /* a sync call that returned an error:
                                    its call name; it promises nothing */
  bool uncertain;                /* a failed O_SYNC/O_DSYNC write whose
                                    data did reach the cache: its effect
                                    counts as written (ORACLE.md) */
  uint8_t *data;                 /* a program's write (pattern=recorded):
                                    the bytes, from its "data" marks */
  size_t data_len;
};

struct ck_oracle {
  uint64_t run_seq, ready_seq, end_seq;  /* CK_NO_SEQ when absent */
  const char *workload;          /* name */
  const char *mount;             /* canonical mount options of the run */
  const char *backend;           /* "engine" (also when the mark predates
                                    the field), "ext4", "xfs", "btrfs" */
  const char *kernel_facts;      /* a kernel run's facts (kernel release,
                                    mkfs command, ...) as JSON text, or NULL */
  const char *persist;
  const char *end_status;        /* "ok", "failed", "error", or NULL */
  uint64_t seed;
  struct wl_workload *w;         /* parsed from the run's "text" */
  struct ck_op *ops;             /* w->n_ops entries */
  size_t nops;
  size_t marks, foreign_marks, syncs;
  /* No oracle marks (a disk recording, e.g. an imported dm-log-writes
   * log): no ops, no promises; the check recovers and fscks each state
   * only (ck_oracle_fsck_only). */
  bool fsck_only;
  /* Oracle marks before any "run" mark: an error when a run mark follows;
   * without one, ignored (the log is checked fsck-only). */
  size_t orphan_marks;
  uint64_t first_orphan_seq;
  char first_orphan_kind[16];
  /* Errors and injected faults (ORACLE.md "Errors", LOG-FORMAT.md FAULT):
   * what the log holds and what the runner's end mark says. */
  uint64_t fault_entries;        /* FAULT entries with FPLOG_F_FAILED,
                                    up to the end mark */
  uint64_t faults_after_end;     /* the same after it (a kernel run's
                                    closing power cut) */
  uint64_t first_write_fault;    /* seq of the first failed WRITE/TRIM/ZERO,
                                    or CK_NO_SEQ */
  size_t failed_syncs;           /* after-marks with "sync_failed" */
  bool end_has_faults;           /* the end mark has "faults_fired" */
  uint64_t faults_at_end;        /* fault_entries before the end mark */
  uint64_t end_faults_fired, end_sync_errors, end_doubt_blocks;
  /* A program traced by `run --exec` (ORACLE.md, "Programs"): the run
   * mark has no text; the ops are the before-marks' texts, parsed once
   * the whole log is read, and the op marks wait in o_defer until then. */
  bool exec;
  const char *exec_cmd;          /* the program's command line, or NULL */
  const char *check_cmd;         /* the run's --check-cmd, or NULL */
  size_t app_marks;              /* "app" marks (`flushpoint mark`) */
  const char *exec_root;         /* where the program ran, or NULL */
  struct ck_app_mark { uint64_t seq; const char *text; } *app;
                                 /* the app marks, in log order */
  /* private */
  struct ck_deferred { json_object *m; uint64_t seq; } *o_defer;
  size_t o_ndefer, o_capdefer;
  json_object **o_keep;          /* every parsed mark, kept alive */
  size_t o_nkeep, o_capkeep;
};

int ck_oracle_load (struct fplog_reader *rd, struct ck_oracle **out,
                    char *errbuf, size_t errlen);
void ck_oracle_free (struct ck_oracle *o);   /* NULL is fine */
/* The oracle of a log without oracle marks: fsck_only, no ops, the file
 * system backend ("engine", "ext4", ...) and mount options given (both
 * borrowed: they must outlive the oracle).  0 or -ENOMEM. */
int ck_oracle_fsck_only (const char *backend, const char *mount,
                         struct ck_oracle **out);

/* Helpers for reading oracle JSON (0 / -EBADMSG when missing or mistyped). */
int ck_json_u64 (json_object *o, const char *key, uint64_t *v);
const char *ck_json_str (json_object *o, const char *key);  /* NULL if none */
/* A [sec, nsec] time. */
int ck_json_time (json_object *o, const char *key, int64_t *sec,
                  uint32_t *nsec);

#endif /* CK_ORACLE_H */
