/* wl_app: the oracle of an unmodified program (`flushpoint run --exec`).
 *
 * A tracer (trace/fptrace.h) stops the program at the entry and at the
 * exit of every durability-relevant system call; this module turns each
 * such call on the file system under test into one op of the workload
 * language and writes the same marks a workload's runner writes
 * (ORACLE.md, "Programs"):
 *
 *   entry  the "before" mark, with the op's text (`pwrite h3 4096 4096
 *          pattern=recorded`, `fsync h3`, `rename /db-journal /x`), so
 *          that the device requests the call makes lie between its marks;
 *   exit   for a write, "data" marks with the bytes it wrote (base64);
 *          then the "after" mark with the result, the effect (by inode
 *          identity) and, for a sync call that returned 0, the state it
 *          covered, observed through the file system while the program
 *          is still stopped.
 *
 * The contents model (wl_model) is fed with the bytes the program wrote,
 * so expected block hashes come from the program, not from the file
 * system under test; after each sync call the covered files are read back
 * and compared with it (verify_readback), so a change the tracer did not
 * see (a store through a shared mapping, copy_file_range, io_uring) stops
 * the run with an error instead of becoming a false verdict.
 *
 * Descriptors become handles `hN`, one per open(2), keyed by (process,
 * fd); dup(2) shares the handle, close(2) drops the key.  A descriptor the
 * module never saw opened (a child's inherited one) is adopted by an
 * `open` op of its own, with the descriptor's flags, at its first use.
 *
 * Threads: the marks follow the order of the stops; a call's before-mark
 * and after-mark may have other calls' marks between them.
 */
#ifndef WL_APP_H
#define WL_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct wl_runner;

enum wl_app_kind {
  WL_APP_OPEN, WL_APP_WRITE, WL_APP_PWRITE, WL_APP_TRUNCATE,
  WL_APP_FTRUNCATE, WL_APP_FSYNC, WL_APP_FDATASYNC, WL_APP_SYNC,
  WL_APP_SYNCFS, WL_APP_SYNC_FILE_RANGE, WL_APP_RENAME, WL_APP_LINK,
  WL_APP_UNLINK, WL_APP_MKDIR, WL_APP_RMDIR, WL_APP_SYMLINK,
  WL_APP_FALLOCATE, WL_APP_CHMOD, WL_APP_FCHMOD, WL_APP_UTIMES,
  WL_APP_CLOSE, WL_APP_DUP, WL_APP_OTHER
};

/* One stop of the program, with paths already inside the file system
 * ("/db/x", NULL when the call does not name one there). */
struct wl_app_call {
  enum wl_app_kind kind;
  bool exit;                     /* false: entry; true: exit */
  pid_t tid, tgid;
  int fd, fd2;                   /* fd2: dup's new descriptor (exit) */
  const char *path, *path2;      /* path: the call's path, or the fd's */
  uint64_t off, len;             /* writes (exit: offset and bytes
                                    written), truncate (len = size),
                                    fallocate, sync_file_range */
  int flags;                     /* open, rename, fallocate, sfr */
  uint32_t mode;                 /* open, mkdir, chmod */
  const void *data;              /* a write's bytes (exit) */
  long ret;                      /* exit */
  int err;                       /* exit: errno, 0 on success */
};

struct wl_app;

/* r: a runner begun and mounted (wl_runner_begin, r_fs on the mount); the
 * module writes its marks through it.  root: the mount point on this
 * machine, for /proc paths it must reopen. */
int wl_app_new (struct wl_runner *r, struct wl_app **out);
/* Record one stop.  0, or a runner error (-errno, the runner's message
 * set): the caller stops the program. */
int wl_app_call (struct wl_app *a, const struct wl_app_call *c);
size_t wl_app_ops (const struct wl_app *a);     /* ops recorded */
void wl_app_free (struct wl_app *a);

/* wl_app_exec.c: run x->cmd under the tracer in root (the mount point of
 * the file system r runs on), recording every call there; control is the
 * NBD URI of the plugin's control export, given to the program as
 * FLUSHPOINT_CONTROL (`flushpoint mark`).  Fills r's result's exec_*
 * fields.  0 when the program exited 0; -EPROTO (the runner's message
 * says how) when it failed, was killed or timed out; another -errno when
 * the tracer or the recording failed. */
struct wl_exec;
int wl_app_exec (struct wl_runner *r, const char *root, const char *control,
                 const struct wl_exec *x);

/* wl_app_fuse.c: the same on the engine, served through FUSE.
 * wl_app_fuse_dir makes the mount point (before the run mark, which
 * records it as exec_root); wl_app_fuse_run serves fs there, sends the
 * ready mark and runs r's program; wl_app_fuse_stop ends serving (before
 * the end mark); wl_app_fuse_free removes what is left (NULL-safe after
 * a zeroed or failed dir). */
struct fpfs;
struct fpfuse;
struct wl_fs_posix;
struct wl_app_fuse {
  char x_dir[64];
  struct fpfuse *x_uf;
  struct wl_fs_posix *x_pfs;
};
int wl_app_fuse_dir (struct wl_app_fuse *x, char *errbuf, size_t errlen);
int wl_app_fuse_run (struct wl_runner *r, struct fpfs *fs,
                     struct wl_app_fuse *x);
void wl_app_fuse_stop (struct wl_runner *r, struct fpfs *fs,
                       struct wl_app_fuse *x);
void wl_app_fuse_free (struct wl_app_fuse *x);

#endif /* WL_APP_H */
