/* wl_app_fuse: `run --exec` on the engine.  The mounted engine is served
 * through FUSE (fuse/fpfuse.h) at a fresh directory, the program runs
 * there under the tracer exactly as on a kernel file system
 * (wl_app_exec.c), and the runner observes the tree through the same
 * mount (wl_fs_posix), so what it reads back is what the program could
 * read.  sync(2), syncfs(2) and sync_file_range(2) reach no FUSE request
 * (the kernel's sync_fs and writeback have nothing to do for a direct_io
 * FUSE file system), so the tracer's stop at the call's exit does them on
 * the engine (r_fwd_sync) before the call's state is taken: between the
 * call's before- and after-marks, as the kernel would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpfuse.h"
#include "wl_app.h"
#include "wl_runner.h"

static int
wl_app_fuse_fwd (void *ctx, int call, const char *path, uint64_t off,
                 uint64_t len, unsigned flags)
{
  struct fpfuse *uf = ctx;

  switch (call) {
  case WL_APP_SYNC: return fpfuse_sync (uf, 1);
  case WL_APP_SYNCFS: return fpfuse_sync (uf, 2);
  case WL_APP_SYNC_FILE_RANGE:
    return path ? fpfuse_sync_file_range (uf, path, off, len, flags) : 0;
  default: return 0;
  }
}

int
wl_app_fuse_dir (struct wl_app_fuse *x, char *errbuf, size_t errlen)
{
  memset (x, 0, sizeof *x);
  snprintf (x->x_dir, sizeof x->x_dir, "/tmp/flushpoint-exec-XXXXXX");
  if (!mkdtemp (x->x_dir)) {
    int e = -errno;
    snprintf (errbuf, errlen, "a directory for the FUSE mount (%s): %s",
              x->x_dir, strerror (-e));
    x->x_dir[0] = '\0';
    return e;
  }
  return 0;
}

int
wl_app_fuse_run (struct wl_runner *r, struct fpfs *fs, struct wl_app_fuse *x)
{
  struct fpfuse_opts fo = { .read_only = false, .clock_real = true,
                              .mapped_suffixes = fpfuse_default_mapped };
  char why[512] = "";
  int e;

  if ((e = fpfuse_start (fs, x->x_dir, &fo, &x->x_uf, why, sizeof why)) < 0)
    return wl_runner_error (r, e, NULL, "%s: the engine's FUSE front end: "
                            "%s", r->r_w->name, why);
  if ((e = wl_fs_posix_open (x->x_dir, "engine", NULL, &x->x_pfs,
                             &r->r_fs)) < 0)
    return wl_runner_error (r, e, NULL, "%s: open %s: %s", r->r_w->name,
                            x->x_dir, strerror (-e));
  r->r_fwd_sync = wl_app_fuse_fwd;
  r->r_fwd_ctx = x->x_uf;
  if ((e = wl_runner_ready (r, NULL)) < 0)
    return e;
  return wl_app_exec (r, x->x_dir, r->r_o->exec_control, r->r_o->exec);
}

void
wl_app_fuse_stop (struct wl_runner *r, struct fpfs *fs, struct wl_app_fuse *x)
{
  while (r->r_nh > 0 && r->r_fs.ops) {
    WL_SYS (r, close, r->r_handles[r->r_nh - 1].h_fd);
    r->r_nh--;
    free (r->r_handles[r->r_nh].h_name);
    free (r->r_handles[r->r_nh].h_path);
  }
  /* Our own descriptors on the mount close while it is served, so their
   * releases reach the engine; the end mark reads the engine's clock. */
  wl_fs_posix_close (x->x_pfs);
  x->x_pfs = NULL;
  r->r_fs = wl_fs_engine (fs);
  /* Nothing more reaches the engine after this (the clock stops too), so
   * the end mark that follows is the last thing before the power cut. */
  fpfuse_stop (x->x_uf);
  x->x_uf = NULL;
  r->r_fwd_sync = NULL;
}

void
wl_app_fuse_free (struct wl_app_fuse *x)
{
  fpfuse_stop (x->x_uf);
  wl_fs_posix_close (x->x_pfs);
  if (x->x_dir[0])
    rmdir (x->x_dir);
  memset (x, 0, sizeof *x);
}
