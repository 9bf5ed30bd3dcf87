/* wl_exec_ns: the ops of a workload that sync, name or fault (semantics
 * in LANGUAGE.md): fsync/fdatasync, sync/syncfs, mkdir, rmdir, unlink,
 * rename, link, chmod, utimes, fault.  The file-data ops and the dispatch
 * are in wl_exec.c; the conventions are the same (out->o_result is the
 * call's own result, the return value a runner error).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "wl_pattern.h"
#include "wl_runner.h"

int
wl_x_fsync (struct wl_runner *r, const struct wl_op *op, bool datasync,
            struct wl_outcome *out)
{
  struct wl_ref ref;
  struct fpfs_stat st;
  bool reg;
  int e = 0;

  out->o_result = wl_ref_get (r, op, O_RDONLY, &ref);
  if (out->o_result < 0)
    return 0;
  out->o_result = datasync ? WL_SYS (r, fdatasync, ref.fd)
                           : WL_SYS (r, fsync, ref.fd);
  /* fstat does no I/O: it works whatever the device does. */
  reg = WL_SYS (r, fstat, ref.fd, &st) == 0 && S_ISREG (st.mode);
  if (out->o_result == 0) {
    out->o_sync = datasync ? "fdatasync" : "fsync";
    if (reg)
      e = wl_doubt_synced (&r->r_doubt, st.ino, st.generation, 0,
                           UINT64_MAX);
    out->o_state = json_object_new_array ();
    if (!e)
      e = wl_state_kept (r, out, wl_state_fd (r, ref.fd, ref.path,
                                              out->o_state));
  } else {
    out->o_sync_failed = datasync ? "fdatasync" : "fsync";
    if (reg)
      e = wl_doubt_failed (&r->r_doubt, st.ino, st.generation);
  }
  if (e == -ENOMEM)
    e = wl_runner_error (r, e, op, "out of memory");
  int p = wl_ref_put (r, op, &ref);
  return e ? e : p;
}

int
wl_x_sync (struct wl_runner *r, bool fs_only, struct wl_outcome *out)
{
  out->o_result = fs_only ? WL_SYS0 (r, syncfs) : WL_SYS0 (r, sync);
  if (out->o_result < 0) {
    out->o_sync_failed = fs_only ? "syncfs" : "sync";
    return wl_doubt_failed_all (&r->r_doubt) < 0
           ? wl_runner_error (r, -ENOMEM, NULL, "out of memory") : 0;
  }
  wl_doubt_synced_all (&r->r_doubt);
  out->o_sync = fs_only ? "syncfs" : "sync";
  out->o_state = json_object_new_array ();
  return wl_state_kept (r, out, wl_state_tree (r, out->o_state));
}

/* setxattr PATH NAME LEN [create|replace] [PATTERN], removexattr PATH NAME.
 * The value is the pattern's first LEN bytes (file offset 0).  The effect
 * names the attribute and, for setxattr, the value's length and XXH3-64,
 * so the checker can tell the value that must survive. */
static int
wl_x_xattr (struct wl_runner *r, const struct wl_op *op,
            struct wl_outcome *out)
{
  uint8_t *v = NULL;
  char hex[17];
  int e;

  if (op->kind == WL_OP_SETXATTR) {
    if (!(v = malloc (op->len ? op->len : 1)))
      return wl_runner_error (r, -ENOMEM, op, "out of memory");
    wl_pattern_fill (op->pattern, op->seed, 0, v, op->len);
    out->o_result = WL_SYS (r, setxattr, op->path, op->xname, v, op->len,
                            op->opflags);
  } else {
    out->o_result = WL_SYS (r, removexattr, op->path, op->xname);
  }
  if (out->o_result < 0 || (e = wl_effect_path (r, op, op->path, out)) < 0) {
    free (v);
    return out->o_result < 0 ? 0 : e;
  }
  wl_oracle_put_str (out->o_effect, "xattr", op->xname);
  if (v) {
    wl_oracle_put_u64 (out->o_effect, "xlen", op->len);
    wl_oracle_hex64 (XXH3_64bits (v, op->len), hex);
    wl_oracle_put_str (out->o_effect, "xhash", hex);
  }
  free (v);
  return 0;
}

/* linkat FILE PATH: a name for the file open as FILE (an O_TMPFILE file
 * leaves the orphan list). */
static int
wl_x_linkat (struct wl_runner *r, const struct wl_op *op,
             struct wl_outcome *out)
{
  struct wl_ref ref;
  int e = 0;

  out->o_result = wl_ref_get (r, op, O_RDONLY, &ref);
  if (out->o_result < 0)
    return 0;
  out->o_result = WL_SYS (r, linkat_fd, ref.fd, op->path2);
  if (out->o_result == 0)
    e = wl_effect_path (r, op, op->path2, out);
  int p = wl_ref_put (r, op, &ref);
  return e ? e : p;
}

int
wl_x_names (struct wl_runner *r, const struct wl_op *op,
            struct wl_outcome *out)
{
  const char *shows = NULL;      /* path whose identity the effect shows */

  switch (op->kind) {
  case WL_OP_MKDIR:
    out->o_result = WL_SYS (r, mkdir, op->path, op->mode);
    shows = op->path;
    break;
  case WL_OP_RMDIR:
    out->o_result = WL_SYS (r, rmdir, op->path);
    break;
  case WL_OP_UNLINK:
    out->o_result = WL_SYS (r, unlink, op->path);
    break;
  case WL_OP_RENAME:
    out->o_result = op->opflags
                    ? WL_SYS (r, rename2, op->path, op->path2,
                              (unsigned) op->opflags)
                    : WL_SYS (r, rename, op->path, op->path2);
    shows = op->path2;
    break;
  case WL_OP_LINKAT:
    return wl_x_linkat (r, op, out);
  case WL_OP_LINK:
    out->o_result = WL_SYS (r, link, op->path, op->path2);
    shows = op->path2;
    break;
  case WL_OP_CHMOD:
    out->o_result = WL_SYS (r, chmod, op->path, op->mode);
    break;
  case WL_OP_UTIMES: {
    struct fpfs_timespec t[2] = {
      { op->atime.sec, op->atime.nsec }, { op->mtime.sec, op->mtime.nsec },
    };
    if (op->times_now) {
      uint64_t now = WL_SYS0 (r, now);
      t[0].sec = (int64_t) (now / FPFS_NSEC_PER_SEC);
      t[0].nsec = (uint32_t) (now % FPFS_NSEC_PER_SEC);
      t[1] = t[0];
    }
    out->o_result = WL_SYS (r, utimens, op->path, t);
    break;
  }
  case WL_OP_SYMLINK:
    out->o_result = WL_SYS (r, symlink, op->target, op->path);
    shows = op->path;
    break;
  case WL_OP_MKNOD:
    out->o_result = WL_SYS (r, mknod, op->path, op->mode, op->dev);
    shows = op->path;
    break;
  case WL_OP_SETXATTR:
  case WL_OP_REMOVEXATTR:
    return wl_x_xattr (r, op, out);
  default:
    assert (!"not a namespace op");
  }
  if (out->o_result < 0 || !shows)
    return 0;
  int e = wl_effect_path (r, op, shows, out);
  if (!e && op->kind == WL_OP_RENAME && (op->opflags & (2 | 4))) {
    /* exchange, whiteout: the old name names another inode now (the
     * other file, or the whiteout), which the effect names too. */
    struct fpfs_stat st;
    e = WL_SYS (r, stat, op->path, &st);
    if (e < 0)
      return wl_runner_error (r, e, op, "stat %s after success: %s",
                              op->path, strerror (-e));
    wl_oracle_put_u64 (out->o_effect, "ino2", st.ino);
    wl_oracle_put_u64 (out->o_effect, "gen2", st.generation);
  }
  return e;
}

/* fault SPEC: through the sink (the plugin's control export).  A device
 * that refuses the spec (a range past its end, too many faults) makes the
 * op fail with EINVAL, which `expect EINVAL` can name; a sink that does
 * not work at all stops the run. */
int
wl_x_fault (struct wl_runner *r, const struct wl_op *op,
            struct wl_outcome *out)
{
  const struct wl_fault_ctl *fc = r->r_o->fault_ctl;
  char why[512] = "";

  if (!fc)
    return wl_runner_error (r, -ENOTSUP, op, "fault operations need the "
                            "recording plugin's control export (run over "
                            "--nbd or --start-nbdkit)");
  out->o_result = fc->fault (fc->ctx, op->path, why, sizeof why);
  if (out->o_result < 0 && out->o_result != -EINVAL)
    return wl_runner_error (r, out->o_result, op, "%s", why);
  return 0;
}

