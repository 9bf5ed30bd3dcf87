/* wl_run_kernel: a workload run on a kernel file system (ext4, xfs,
 * btrfs) over the recording plugin (wl_run.h, kernel/kfs.h).
 *
 *   nbdkit + plugin (the log) <- nbdfuse <- loop device <- mkfs <- mount
 *
 * The ops are the real system calls (wl_fs_posix), the marks the same as
 * on the engine, so `flushpoint check` reads the log unchanged.  Where the
 * engine's runner trusts its content model, this one also reads every
 * covered file back through the kernel after each sync call and compares
 * it with the model (verify_readback): a disagreement stops the run.
 *
 * Not deterministic: the kernel's flusher, its journal thread and the
 * block layer run on their own clocks, so two runs of one workload can
 * give different logs.  The "run" mark says so ("deterministic": false)
 * and records what the run depended on: the kernel release, the mkfs
 * command line, the mount data, and the vm.dirty_* knobs that time the
 * flusher (read, never changed: see docs/DESIGN-NOTES.md, "Kernel
 * backend").
 *
 * The end is a power cut, as on the engine: after the "end" mark the
 * control export arms `powercut next`, so the device fails every request
 * from then on and nothing the teardown (close, umount) writes reaches the
 * log as data; then the stack goes away in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "kfs.h"
#include "wl_app.h"
#include "wl_runner.h"

/* ext4's mkfs makes /lost+found; no workload did, so the runner and the
 * checker do not see it (e2fsck wants it there, so it stays). */
static const char *const wl_ext4_hidden[] = { "lost+found", NULL };

/* The knobs that time the kernel's flusher, next to the engine's values
 * (engine/vfs flusher: expire 30 s, wake every 5 s). */
static json_object *
wl_kernel_facts (const struct kfs_stack *s)
{
  static const char *const knobs[] = {
    "dirty_expire_centisecs", "dirty_writeback_centisecs",
    "dirty_background_ratio", "dirty_ratio", NULL,
  };
  json_object *f = json_tokener_parse (kfs_stack_describe (s));
  json_object *vm = json_object_new_object ();

  if (!f || !json_object_is_type (f, json_type_object)) {
    json_object_put (f);
    f = json_object_new_object ();
  }
  for (size_t i = 0; knobs[i]; i++) {
    char path[96], val[32] = "";
    FILE *fp;
    snprintf (path, sizeof path, "/proc/sys/vm/%s", knobs[i]);
    if ((fp = fopen (path, "r")) != NULL) {
      if (fgets (val, sizeof val, fp))
        val[strcspn (val, "\n")] = '\0';
      fclose (fp);
    }
    json_object_object_add (vm, knobs[i], json_object_new_string (val));
  }
  json_object_object_add (f, "vm", vm);
  return f;
}

/* The workload's `#! mount` and --mount, as one string in the engine's
 * names, mapped to what mkfs and mount(2) get. */
static int
wl_kernel_opts (const struct wl_workload *w, const struct wl_run_opts *o,
                enum kfs_type t, struct kfs_opts *ko, char *errbuf,
                size_t errlen)
{
  const char *a = w->mount_opts, *b = o->mount;
  char both[512], why[256] = "";
  int e;

  snprintf (both, sizeof both, "%s%s%s", a ? a : "",
            a && a[0] && b && b[0] ? "," : "", b ? b : "");
  if ((e = kfs_opts_parse (t, both, ko, why, sizeof why)) < 0)
    snprintf (errbuf, errlen, "%s: mount options \"%s\" on %s: %s",
              w->name, both, kfs_type_name (t), why);
  return e;
}

/* After the end mark: the power cut, then the handles die with it. */
static int
wl_kernel_cut (struct wl_runner *r)
{
  const struct wl_fault_ctl *fc = r->r_o->fault_ctl;
  char why[256] = "";
  int e = fc->fault (fc->ctx, "powercut next", why, sizeof why);

  if (e < 0)
    return wl_runner_error (r, e, NULL, "%s: power cut at the end: %s",
                            r->r_w->name, why);
  return 0;
}

int
wl_run_kernel (const struct wl_workload *w, const char *fsname,
               const struct wl_nbd_opts *n, const struct wl_run_opts *o,
               struct wl_run_result *res, char *errbuf, size_t errlen)
{
  struct wl_run_opts ro = *o;
  struct wl_runner r;
  struct wl_nbdkit *srv = NULL;
  struct wl_control ctl = { 0 };
  struct kfs_stack *stack = NULL;
  struct wl_fs_posix *pfs = NULL;
  struct kfs_opts ko;
  enum kfs_type t;
  uint8_t uuid[16], fsuuid[16];
  uint64_t size = n->disk_size ? n->disk_size
                  : w->disk_size ? w->disk_size : WL_DEFAULT_DISK;
  const char *sock = n->uri;
  char why[512] = "";
  bool mounted = false;
  int ret, e;

  memset (res, 0, sizeof *res);
  res->failed_op = -1;
  memset (&r, 0, sizeof r);
  r.r_err = errbuf;
  r.r_errlen = errlen;
  ro.verify_readback = true;
  if (kfs_type_parse (fsname, &t) < 0) {
    snprintf (errbuf, errlen, "--fs %s: want engine, ext4, xfs or btrfs",
              fsname);
    return -EINVAL;
  }
  if (o->clean_umount || o->no_mkfs || o->trace) {
    snprintf (errbuf, errlen, "%s: %s is for the engine, not %s", w->name,
              o->clean_umount ? "a clean umount" : o->no_mkfs ? "--no-mkfs"
              : "--trace", fsname);
    return -EINVAL;
  }
  if ((ret = kfs_probe (t, why, sizeof why)) < 0) {
    snprintf (errbuf, errlen, "--fs %s: this machine cannot run it: %s",
              fsname, why);
    return ret;
  }
  if ((ret = wl_kernel_opts (w, o, t, &ko, errbuf, errlen)) < 0)
    return ret;
  /* The default disk grows to what mkfs accepts (xfs wants 300 MiB); a
   * size the user gave is kept, and kfs refuses it if it is too small. */
  if (!n->disk_size && size < kfs_min_size (t))
    size = (kfs_min_size (t) + (1u << 20) - 1) & ~(uint64_t) ((1u << 20) - 1);

  wl_run_uuid (w, o, uuid);
  if (n->start_nbdkit) {
    struct wl_nbdkit_opts so = {
      .plugin = n->plugin, .log_path = n->log_path, .uuid = uuid,
      .deterministic = false, .size = size,
    };
    if (!n->log_path) {
      snprintf (errbuf, errlen, "%s: starting nbdkit needs a log path",
                w->name);
      return -EINVAL;
    }
    if ((ret = wl_nbdkit_start (&so, &srv, errbuf, errlen)) < 0)
      goto out;
    sock = wl_nbdkit_socket (srv);
  }
  if (!sock || sock[0] != '/') {
    snprintf (errbuf, errlen, "%s: a kernel file system reaches the plugin "
              "through nbdfuse, which needs the server's Unix socket path "
              "(got %s)", w->name, sock ? sock : "none");
    ret = -EINVAL;
    goto out;
  }
  char uri[4200];
  snprintf (uri, sizeof uri, "nbd+unix:///?socket=%s", sock);
  if ((ret = wl_control_open (uri, &ctl, errbuf, errlen)) < 0)
    goto out;
  ro.fault_ctl = &ctl.fault;
  if ((ret = wl_runner_begin (&r, w, &ctl.sink, &ro, res, size, errbuf,
                              errlen)) < 0)
    goto out;
  snprintf (res->mount_canon, sizeof res->mount_canon, "%s", ko.canon);
  /* The file system's uuid: fresh for every run (it is in the mkfs
   * command the facts record).  The run's own would repeat across runs
   * of one cell, and btrfs refuses a uuid the kernel still remembers from
   * a device it saw before ("non-unique UUID"). */
  uuid_generate_random (fsuuid);
  struct kfs_stack_opts sto = {
    .nbd_socket = sock, .size = size, .opts = &ko, .uuid = fsuuid,
  };
  if ((ret = kfs_stack_start (&sto, &stack, why, sizeof why)) < 0) {
    stack = NULL;
    wl_runner_error (&r, ret, NULL, "%s: %s stack: %s", w->name, fsname,
                     why);
    goto out;
  }
  r.r_exec_root = kfs_stack_dir (stack);
  if ((ret = wl_runner_mark_run (&r, size, 512, fsname,
                                 wl_kernel_facts (stack))) < 0)
    goto out;
  if ((ret = kfs_stack_mkfs (stack, why, sizeof why)) < 0) {
    wl_runner_error (&r, ret, NULL, "%s: mkfs.%s: %s", w->name, fsname, why);
    goto end;
  }
  if ((ret = kfs_stack_mount (stack, why, sizeof why)) < 0) {
    wl_runner_error (&r, ret, NULL, "%s: mount %s: %s", w->name, fsname,
                     why);
    goto end;
  }
  mounted = true;
  if ((ret = wl_fs_posix_open (kfs_stack_dir (stack), fsname,
                               t == KFS_EXT4 ? wl_ext4_hidden : NULL, &pfs,
                               &r.r_fs)) < 0) {
    wl_runner_error (&r, ret, NULL, "%s: open %s: %s", w->name,
                     kfs_stack_dir (stack), strerror (-ret));
    goto end;
  }
  if ((ret = wl_runner_ready (&r, wl_kernel_facts (stack))) < 0)
    goto end;
  ret = o->exec ? wl_app_exec (&r, kfs_stack_dir (stack), uri, o->exec)
                : wl_runner_ops (&r);

end:
  e = wl_runner_end (&r, ret);
  if (!ret)
    ret = e;
  if (mounted) {
    e = wl_kernel_cut (&r);
    if (!ret)
      ret = e;
  }
  /* The descriptors die with the power: close them without judging. */
  while (r.r_nh > 0 && r.r_fs.ops) {
    WL_SYS (&r, close, r.r_handles[r.r_nh - 1].h_fd);
    r.r_nh--;
    free (r.r_handles[r.r_nh].h_name);
    free (r.r_handles[r.r_nh].h_path);
  }
  r.r_fs.ops = NULL;
out:
  wl_fs_posix_close (pfs);
  e = kfs_stack_stop (stack, why, sizeof why);
  if (!ret && e < 0)
    ret = wl_runner_error (&r, e, NULL, "%s: tearing down the %s stack: %s",
                           w->name, fsname, why);
  wl_control_close (&ctl);
  e = wl_nbdkit_stop (srv);
  if (!ret && e < 0)
    ret = wl_runner_error (&r, e, NULL, "%s: nbdkit did not exit cleanly: "
                           "%s", w->name, strerror (-e));
  wl_runner_free (&r);
  return ret;
}
