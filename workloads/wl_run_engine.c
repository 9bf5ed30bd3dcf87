/* wl_run_engine: a workload run on the engine (libfpfs) on a block
 * device: mkfs, mount, the ops through wl_fs_engine, then the power cut
 * (fpfs_crash: nothing more reaches the device) or a clean umount.  The
 * steps between are the generic driver's (wl_run.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_app.h"
#include "wl_runner.h"

static int
wl_run_mount_opts (struct wl_runner *r, struct fpfs_mount_opts *mo)
{
  const char *srcs[2] = { r->r_w->mount_opts, r->r_o->mount };
  char why[256] = "";

  fpfs_mount_opts_init (mo);
  for (int k = 0; k < 2; k++)
    if (srcs[k] && srcs[k][0]) {
      int e = fpfs_mount_opts_parse (srcs[k], mo, why, sizeof why);
      if (e < 0)
        return wl_runner_error (r, e, NULL, "%s: mount options \"%s\" (%s): "
                                "%s", r->r_w->name, srcs[k],
                                k ? "--mount" : "#! mount", why);
    }
  mo->seed = r->r_o->seed;
  mo->trace = r->r_o->trace;
  fpfs_mount_opts_format (mo, r->r_res->mount_canon,
                          sizeof r->r_res->mount_canon);
  return 0;
}

int
wl_run_bdev (const struct wl_workload *w, struct fpfs_bdev *bd,
             const struct wl_mark_sink *sink, const struct wl_run_opts *o,
             struct wl_run_result *res, char *errbuf, size_t errlen)
{
  struct wl_runner r;
  struct fpfs_mount_opts mo;
  struct fpfs_mkfs_opts mk = { .deterministic = true, .seed = o->seed };
  struct fpfs *fs = NULL;
  struct wl_app_fuse ax;
  char why[256] = "";
  int ret, e;

  memset (&ax, 0, sizeof ax);
  if ((ret = wl_runner_begin (&r, w, sink, o, res, bd->size, errbuf,
                              errlen)) < 0
      || (ret = wl_run_mount_opts (&r, &mo)) < 0)
    goto out;
  if (o->exec) {
    if ((ret = wl_app_fuse_dir (&ax, why, sizeof why)) < 0) {
      wl_runner_error (&r, ret, NULL, "%s: %s", w->name, why);
      goto out;
    }
    r.r_exec_root = ax.x_dir;
  }
  if ((ret = wl_runner_mark_run (&r, bd->size, bd->sector_size, "engine",
                                    NULL)) < 0)
    goto out;
  if (!o->no_mkfs && (ret = fpfs_mkfs (bd, &mk, why, sizeof why)) < 0) {
    wl_runner_error (&r, ret, NULL, "%s: mkfs on %s: %s", w->name, bd->desc,
                     why);
    goto end;
  }
  if ((ret = fpfs_mount (bd, &mo, &fs, why, sizeof why)) < 0) {
    fs = NULL;
    wl_runner_error (&r, ret, NULL, "%s: mount %s: %s", w->name, bd->desc,
                     why);
    goto end;
  }
  if (o->exec) {
    ret = wl_app_fuse_run (&r, fs, &ax);
    wl_app_fuse_stop (&r, fs, &ax);
    goto end;
  }
  r.r_fs = wl_fs_engine (fs);
  if ((ret = wl_runner_ready (&r, NULL)) < 0)
    goto end;
  ret = wl_runner_ops (&r);

end:
  e = wl_runner_end (&r, ret);
  if (!ret)
    ret = e;
  if (fs) {
    fpfs_get_info (fs, &res->info);
    if (!o->clean_umount) {
      fpfs_crash (fs);           /* the power cut: nothing more is written */
    } else {
      e = wl_exec_close_all (&r);
      int u = fpfs_umount (fs);
      json_object *m = wl_oracle_mark ("umounted");
      json_object_object_add (m, "ret", json_object_new_int (u));
      int me = wl_oracle_emit (&r, m);
      if (!ret && e)
        ret = e;
      if (!ret && u != 0)
        ret = wl_runner_error (&r, u < 0 ? u : -EPROTO, NULL,
                               "%s: umount: %s", w->name,
                               u < 0 ? strerror (-u) : "returned > 0");
      if (!ret)
        ret = me;
    }
    r.r_fs.ops = NULL;
  }
out:
  wl_app_fuse_free (&ax);
  wl_runner_free (&r);
  return ret;
}
