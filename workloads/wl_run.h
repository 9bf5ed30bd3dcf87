/* wl_run: run a workload on the engine and write the oracle into the log.
 *
 * wl_run_bdev() is the core: mkfs and mount the engine on a block device,
 * run the ops, and hand every MARK payload to a sink -- before and after
 * each op, and after a sync call the expected state of what it covered
 * (ORACLE.md beside this file is the payload reference).  It ends with a
 * power cut (fpfs_crash) unless clean_umount is set.  wl_run_nbd() wraps it
 * for the recording plugin: the disk through fpfs_bdev_nbd_open, the marks
 * through a second NBD connection to the `control` export, and optionally
 * an nbdkit it starts itself.  Both are library calls: no printing, no
 * exit; the checker's matrix runs many of them in one process.
 *
 * Determinism: the same workload, options and seed give the same sequence
 * of device requests and the same mark payloads, byte for byte; with
 * wl_run_nbd's own nbdkit the log file is identical too (its uuid comes
 * from wl_run_uuid, its timestamps are zero).
 *
 * What the run seed decides: the mkfs uuid, the engine scheduler's seed
 * (ties between background timers), and the recording's uuid.  Pattern
 * seeds are part of the workload text, not of the run seed.
 */
#ifndef WL_RUN_H
#define WL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpfs.h"
#include "wl.h"

#define WL_ORACLE_VERSION   1
#define WL_MARK_MAX         (1u << 20)   /* bytes of one MARK payload */
#define WL_CHUNK_ENTRIES    16384u       /* blocks or dir entries per object */
#define WL_DEFAULT_DISK     (UINT64_C (64) << 20)
#define WL_TEXT_IN_MARK_MAX (256u << 10) /* workload text carried in "run" */

/* Where marks go.  mark() appends one MARK whose payload is buf[0..len);
 * returns 0 or -errno with errbuf saying why. */
struct wl_mark_sink {
  int (*mark) (void *ctx, const void *buf, size_t len, char *errbuf,
               size_t errlen);
  void *ctx;
  size_t max_len;               /* largest payload taken; 0: WL_MARK_MAX */
};

/* Fault injection on the device (the recording plugin's control export).
 * fault() arms or clears faults: spec is text of the plugin's fault
 * language (nbd-plugin/faults.h); -EINVAL when the device refuses it.
 * faults_fired() reads how many requests injected faults have failed so
 * far (NULL: unknown). */
struct wl_fault_ctl {
  int (*fault) (void *ctx, const char *spec, char *errbuf, size_t errlen);
  int (*faults_fired) (void *ctx, uint64_t *n);
  void *ctx;
};

/* `run --exec`: a program instead of a workload's ops (wl_app.h).  The
 * workload passed with it names the run and holds no ops. */
struct wl_exec {
  const char *cmd;              /* run as /bin/sh -c CMD, in the mount */
  const char *check_cmd;        /* recorded for `check` (--check-cmd) */
  double timeout_s;             /* 0: none */
  int out_fd;                   /* the program's stdout and stderr go here
                                   as well as into the end mark; -1: not */
};

struct wl_run_opts {
  const char *mount;            /* applied after the workload's `#! mount`;
                                   NULL: none */
  enum wl_persist persist;      /* what `persist` becomes */
  uint64_t seed;
  bool clean_umount;            /* umount instead of the power cut */
  bool verify_readback;         /* after each sync, read every covered file
                                   back through the engine and compare it
                                   with the model (adds reads and clock
                                   ticks: for tests, not for recordings) */
  bool no_mkfs;                 /* mount the device as it is */
  const struct fpfs_trace_sink *trace;   /* NULL: none */
  /* The device's fault injection, or NULL: then `fault` ops and faults
   * below are refused (wl_run_nbd sets it for the recording plugin). */
  const struct wl_fault_ctl *fault_ctl;
  /* Fault specs armed after the mount, before the first op (their request
   * counts start there). */
  const char *const *faults;
  size_t n_faults;
  /* An op that does not behave as written (fails without `expect`, or the
   * reverse) is recorded and the run goes on, instead of stopping it: for
   * runs with injected faults, where any op may fail. */
  bool keep_going;
  /* Called with true before a `sleep` op and false after it (NULL: not):
   * on a kernel file system a sleep is real time that needs no CPU, and
   * the matrix lets another cell run meanwhile. */
  void (*sleep_hook) (void *ctx, bool asleep);
  void *sleep_ctx;
  const struct wl_exec *exec;   /* NULL: run the workload's ops */
  /* run --exec on the engine: the control export's URI, for the
   * program's FLUSHPOINT_CONTROL (wl_run_nbd sets it). */
  const char *exec_control;
};

struct wl_run_result {
  size_t ops_run;               /* ops started (the failing one included) */
  int failed_op;                /* index of the op that stopped the run, -1 */
  size_t marks;                 /* payloads handed to the sink */
  uint64_t mark_bytes;
  size_t sync_states;           /* after-marks that carry expected state */
  uint64_t readback_blocks;     /* blocks compared by verify_readback */
  struct fpfs_info info;        /* engine counters before the cut */
  char mount_canon[256];        /* the mount options the run used */
  size_t unexpected;            /* keep_going: ops that did not behave */
  size_t sync_errors;           /* sync calls that returned an error */
  size_t failed_ops;            /* ops that returned an error, expected or not */
  uint64_t doubt_blocks;        /* file blocks in doubt at the end (wl_doubt.h) */
  uint64_t faults_fired;        /* requests failed by injected faults */
  /* run --exec: the program's wait status (valid when exec_ran), the
   * tail of its output (NUL-terminated). */
  bool exec_ran;
  int exec_status;
  char exec_output[4096];
};

void wl_run_opts_init (struct wl_run_opts *o);   /* persist fsync, seed 0 */

/* Returns 0 when every op behaved as written (succeeded, or failed with its
 * `expect`ed errno); -EPROTO when an op did not (errbuf: "NAME:LINE: TEXT:
 * ..."); another -errno when the engine, the device or the sink failed.
 * The marks written so far are valid either way, and an "end" mark says how
 * the run ended whenever the sink still works. */
int wl_run_bdev (const struct wl_workload *w, struct fpfs_bdev *bd,
                 const struct wl_mark_sink *sink, const struct wl_run_opts *o,
                 struct wl_run_result *res, char *errbuf, size_t errlen);

/* ---- NBD and nbdkit ---- */

/* The recording uuid of a run: XXH3-128 over the workload's text hash,
 * seed, persist choice and mount options, with RFC 9562 version 8 bits. */
void wl_run_uuid (const struct wl_workload *w, const struct wl_run_opts *o,
                  uint8_t uuid[16]);

struct wl_nbdkit;                /* an nbdkit this process started */

struct wl_nbdkit_opts {
  const char *plugin;           /* NULL: wl_nbdkit_find_plugin() */
  const char *log_path;         /* required */
  uint64_t size;                /* disk bytes */
  const uint8_t *uuid;          /* NULL: the plugin picks one */
  bool deterministic;           /* zero timestamps in the log */
};

/* nbdkit -f --exit-with-parent -U SOCK -P PIDFILE PLUGIN size= log= ...,
 * in a fresh temporary directory; returns once the pidfile exists. */
int wl_nbdkit_start (const struct wl_nbdkit_opts *o, struct wl_nbdkit **out,
                     char *errbuf, size_t errlen);
const char *wl_nbdkit_uri (const struct wl_nbdkit *s);   /* nbd+unix://... */
const char *wl_nbdkit_socket (const struct wl_nbdkit *s);  /* its socket */
/* SIGTERM, wait, remove the temporary directory.  Returns 0 when nbdkit
 * exited 0 (NULL is fine). */
int wl_nbdkit_stop (struct wl_nbdkit *s);
/* $FP_PLUGIN, else nbdkit-flushpoint-plugin.so beside this executable or
 * in its parent directory (build/ and build/tests/).  0 with the path in
 * buf; -ENOENT with buf saying which paths were tried and why they fail. */
int wl_nbdkit_find_plugin (char *buf, size_t len);

struct wl_nbd_opts {
  const char *uri;              /* an NBD URI or a Unix socket path; NULL
                                   with start_nbdkit */
  bool start_nbdkit;
  const char *log_path;         /* with start_nbdkit: required */
  const char *plugin;           /* with start_nbdkit: NULL finds it */
  uint64_t disk_size;           /* with start_nbdkit: 0 = the workload's
                                   `#! disk` or WL_DEFAULT_DISK */
};

int wl_run_nbd (const struct wl_workload *w, const struct wl_nbd_opts *n,
                const struct wl_run_opts *o, struct wl_run_result *res,
                char *errbuf, size_t errlen);

/* The control export of a recording plugin as the run's mark sink and
 * fault control (one NBD connection). */
struct wl_control {
  void *c_nbd;                   /* struct nbd_handle * */
  struct wl_mark_sink sink;
  struct wl_fault_ctl fault;
};
int wl_control_open (const char *uri, struct wl_control *c, char *errbuf,
                     size_t errlen);
void wl_control_close (struct wl_control *c);   /* twice is fine */

/* ---- a kernel file system (kernel/kfs.h) ---- */

/* Run w on the kernel's file system fs ("ext4", "xfs", "btrfs") over a
 * recording plugin: nbdkit (n->start_nbdkit with n->log_path; or n->uri,
 * a running plugin's Unix socket path) -> nbdfuse -> a loop device ->
 * mkfs -> mount, each op the real system call, with the same marks as on
 * the engine (every covered file is also read back and compared with the
 * model).  The end is a power cut: after the "end" mark the plugin fails
 * every request (a `powercut` fault), then the stack is torn down (always,
 * also on error; a process that dies leaves it to the kfs reaper).
 * -ENOTSUP/-EPERM/-ENOENT when this machine cannot run fs (errbuf says
 * what is missing); -EINVAL for an option fs does not have. */
int wl_run_kernel (const struct wl_workload *w, const char *fs,
                   const struct wl_nbd_opts *n, const struct wl_run_opts *o,
                   struct wl_run_result *res, char *errbuf, size_t errlen);

#endif /* WL_RUN_H */
