/* wl_runner: the runner's private context, shared by its parts.
 *
 *   wl_run.c     the driver: options, mkfs, mount, the op loop, run/end marks
 *   wl_exec.c    one op against the engine, with its effect on the model
 *   wl_state.c   observing what a sync call covered (stat, readdir, model)
 *   wl_oracle.c  JSON for marks and their split into payload-sized parts
 *
 * Handles: a table from handle name to an open engine fd.  A handle is
 * named by its `as NAME`, or by the path it was opened with; it keeps that
 * name and that path after renames and unlinks.
 */
#ifndef WL_RUNNER_H
#define WL_RUNNER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpfs.h"
#include "wl.h"
#include "wl_doubt.h"
#include "wl_fs.h"
#include "wl_model.h"
#include "wl_run.h"

struct wl_handle {
  char *h_name;
  char *h_path;                  /* the path it was opened with */
  int h_fd;
  int h_flags;
  uint64_t h_pos;                /* file position for `write` */
};

/* A shared mapping made by `mmap ... as NAME`: the backend's id, the
 * file range, and a read-only descriptor of the runner's own on the file
 * (for fstat and the msync's state; a mapping outlives the fd it was made
 * from). */
struct wl_map {
  char *m_name;
  char *m_path;
  int m_id;
  int m_fd;
  uint64_t m_off, m_len;
};

struct wl_runner {
  const struct wl_workload *r_w;
  const struct wl_run_opts *r_o;
  const struct wl_mark_sink *r_sink;
  struct wl_run_result *r_res;
  struct wl_fs r_fs;              /* what the ops run on (ops NULL: not
                                    mounted yet, or gone) */
  struct wl_model r_model;
  struct wl_doubt r_doubt;       /* blocks in doubt after sync errors */
  struct wl_handle *r_handles;
  size_t r_nh, r_hcap;
  struct wl_map *r_maps;
  size_t r_nm, r_mcap;
  bool *r_sync_write;            /* osync/odsync plan, one per op */
  bool r_xattrs;                 /* the workload sets or removes xattrs */
  size_t r_mark_max;             /* payload budget */
  size_t r_chunk;                /* entries per state object */
  const char *r_exec_root;       /* run --exec: the mount point */
  /* run --exec on a FUSE-served engine: sync(2), syncfs(2) and
   * sync_file_range(2) reach no FUSE request, so the program's call is
   * done on the engine at its exit, before its state is taken (call:
   * WL_APP_SYNC, _SYNCFS or _SYNC_FILE_RANGE; path inside the tree).
   * NULL: the kernel's own calls did it. */
  int (*r_fwd_sync) (void *ctx, int call, const char *path, uint64_t off,
                     uint64_t len, unsigned flags);
  void *r_fwd_ctx;
  char *r_err;
  size_t r_errlen;
};

/* A system call of the file system under test: WL_SYS (r, open, path,
 * flags, mode) is open on whichever backend the run uses. */
#define WL_SYS(r, call, ...) ((r)->r_fs.ops->call ((r)->r_fs.ctx, __VA_ARGS__))
#define WL_SYS0(r, call) ((r)->r_fs.ops->call ((r)->r_fs.ctx))

/* What an op did, for its after-mark. */
struct wl_outcome {
  int o_result;                  /* >= 0, or -errno from the engine */
  json_object *o_effect;         /* NULL or an object (owned) */
  json_object *o_state;          /* NULL or an array of state objects */
  const char *o_sync;            /* "fsync", ... when o_state is set */
  const char *o_sync_failed;     /* "fsync", ... when a sync call failed */
  int o_state_err;               /* keep_going: observing the state failed */
};

/* A file operand resolved to a descriptor (wl_exec.c). */
struct wl_ref {
  int fd;
  bool implicit;               /* opened for this op, closed after it */
  struct wl_handle *h;
  const char *path;            /* the path the fd was opened with */
};

/* wl_exec.c: shared by the ops.  ref_get resolves op's file operand (an
 * open handle, else the path opened with flags just for the op); ref_put
 * closes what ref_get opened.  effect_path: the after-mark's identity of
 * what path names now.  state_kept: with --keep-going an I/O error while
 * observing a sync's state drops the state instead of stopping the run. */
int wl_ref_get (struct wl_runner *r, const struct wl_op *op, int flags,
                struct wl_ref *ref);
int wl_ref_put (struct wl_runner *r, const struct wl_op *op,
                struct wl_ref *ref);
int wl_effect_path (struct wl_runner *r, const struct wl_op *op,
                    const char *path, struct wl_outcome *out);
int wl_state_kept (struct wl_runner *r, struct wl_outcome *out, int e);

/* wl_exec_ns.c: the sync, name and fault ops. */
int wl_x_fsync (struct wl_runner *r, const struct wl_op *op, bool datasync,
                struct wl_outcome *out);
int wl_x_sync (struct wl_runner *r, bool fs_only, struct wl_outcome *out);
int wl_x_names (struct wl_runner *r, const struct wl_op *op,
                struct wl_outcome *out);
int wl_x_fault (struct wl_runner *r, const struct wl_op *op,
                struct wl_outcome *out);

/* wl_exec_range.c: fallocate, sync_file_range, read, drop_caches. */
int wl_x_fallocate (struct wl_runner *r, const struct wl_op *op,
                    struct wl_outcome *out);
int wl_x_sync_file_range (struct wl_runner *r, const struct wl_op *op,
                          struct wl_outcome *out);
int wl_x_read (struct wl_runner *r, const struct wl_op *op,
               struct wl_outcome *out);
int wl_x_drop_caches (struct wl_runner *r, const struct wl_op *op,
                      struct wl_outcome *out);
/* wl_exec_mmap.c: mmap, mwrite, msync, munmap; unmap everything (the
 * end of a run). */
int wl_x_mmap_op (struct wl_runner *r, const struct wl_op *op,
                  struct wl_outcome *out);
void wl_maps_free (struct wl_runner *r, bool unmap);
/* wl_exec.c: {"ino","gen"} of st. */
json_object *wl_effect_ident (const struct fpfs_stat *st);
/* wl_exec.c: the after-mark's {"ino","gen","size","first_block","blocks"}
 * for blocks [first, end) of f. */
json_object *wl_effect_data (const struct fpfs_stat *st,
                             const struct wl_mfile *f, uint64_t first,
                             uint64_t end);

/* wl_exec.c: run op i.  Returns 0 with *out filled (the op's own failure
 * is out->o_result < 0), or a runner error (-errno, r_err set). */
int wl_exec_op (struct wl_runner *r, size_t i, struct wl_outcome *out);
/* Close every open handle (before a clean umount). */
int wl_exec_close_all (struct wl_runner *r);

/* wl_state.c: append state objects to arr. */
int wl_state_fd (struct wl_runner *r, int fd, const char *path,
                 json_object *arr);
int wl_state_tree (struct wl_runner *r, json_object *arr);
/* The model file for the inode open as fd, after checking that the engine
 * and the model agree on its size.  *st is the fstat result. */
int wl_state_model_file (struct wl_runner *r, int fd, struct fpfs_stat *st,
                         struct wl_mfile **out);

/* wl_oracle.c */
json_object *wl_oracle_mark (const char *kind);           /* {"v":1,"kind"} */
void wl_oracle_put_u64 (json_object *o, const char *key, uint64_t v);
void wl_oracle_put_str (json_object *o, const char *key, const char *s);
json_object *wl_oracle_time (int64_t sec, uint32_t nsec);  /* [sec, nsec] */
/* Block entries [first, first+count) of f: 16-hex XXH3-64 strings, zero
 * runs as integers. */
json_object *wl_oracle_blocks (const struct wl_mfile *f, uint64_t first,
                               uint64_t count);
void wl_oracle_hex64 (uint64_t v, char out[17]);
/* Serialize and hand to the sink.  Takes ownership of mark. */
int wl_oracle_emit (struct wl_runner *r, json_object *mark);
/* Emit an after-mark; with state, either inline ("sync": {"call",
 * "state"}) or, when too big, as "state" parts before it.  Takes
 * ownership of after and state. */
int wl_oracle_emit_after (struct wl_runner *r, size_t op, json_object *after,
                          const char *call, json_object *state);

/* wl_run.c: the driver's steps, in the order a backend calls them.
 * begin: reset res, check the sink and the disk, plan osync/odsync writes
 * (r->r_fs is set by the backend after its mount).  mark_run: the "run"
 * mark; backend is "engine", "ext4", ...; facts (owned) is what a kernel
 * backend records about itself (kernel release, mkfs command, ...) or
 * NULL.  ready: the "ready" mark (with the facts as they stand once mkfs
 * and mount ran, or NULL), then the --fault specs.  ops: every op.
 * end: the "end" mark for status (0 or the run's error), keeping the
 * first error's message.  free: what begin and the ops allocated. */
int wl_runner_begin (struct wl_runner *r, const struct wl_workload *w,
                     const struct wl_mark_sink *sink,
                     const struct wl_run_opts *o, struct wl_run_result *res,
                     uint64_t disk_size, char *errbuf, size_t errlen);
int wl_runner_mark_run (struct wl_runner *r, uint64_t disk_size,
                        uint32_t sector_size, const char *backend,
                        json_object *facts);
int wl_runner_ready (struct wl_runner *r, json_object *facts);
int wl_runner_ops (struct wl_runner *r);
int wl_runner_end (struct wl_runner *r, int status);
void wl_runner_free (struct wl_runner *r);

/* Errors: "NAME:LINE: TEXT: message". */
int wl_runner_error (struct wl_runner *r, int err, const struct wl_op *op,
                     const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));

#endif /* WL_RUNNER_H */
