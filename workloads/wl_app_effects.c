/* wl_app_effects: what a traced program's call did, for its after-mark
 * (wl_app.h): the effect by inode identity, the model of the contents fed
 * with the program's bytes, and a sync call's state.  The same shapes as
 * the workload runner's (wl_exec.c, wl_exec_ns.c), observed through the
 * file system while the program is stopped at the call's exit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "wl_app.h"
#include "wl_runner.h"

int wl_app_effect (struct wl_runner *r, const struct wl_app_call *c,
                   const char *hpath, int hflags, int myfd,
                   json_object **effect, const char **sync,
                   json_object **state, const char **sync_failed);

static int
fx_nomem (struct wl_runner *r)
{
  return wl_runner_error (r, -ENOMEM, NULL, "out of memory");
}

static int
fx_stat (struct wl_runner *r, const struct wl_app_call *c, int myfd,
         const char *path, struct fpfs_stat *st)
{
  int e = myfd >= 0 ? WL_SYS (r, fstat, myfd, st) : WL_SYS (r, stat, path, st);

  if (e < 0)
    return wl_runner_error (r, e, NULL, "the program's %s of %s: stat after "
                            "it returned: %s", c->kind == WL_APP_OPEN ? "open"
                            : "call", path ? path : "its fd", strerror (-e));
  return 0;
}

/* A sync call covering the file open as myfd (fsync, fdatasync, or a
 * write through an O_SYNC/O_DSYNC descriptor over [first, end)). */
static int
fx_synced (struct wl_runner *r, int myfd, const char *path,
           const struct fpfs_stat *st, uint64_t first, uint64_t end,
           const char *call, const char **sync, json_object **state)
{
  int e = 0;

  if (S_ISREG (st->mode))
    e = wl_doubt_synced (&r->r_doubt, st->ino, st->generation, first, end);
  if (e < 0)
    return fx_nomem (r);
  *sync = call;
  if (!(*state = json_object_new_array ()))
    return fx_nomem (r);
  return wl_state_fd (r, myfd, path, *state);
}

static int
fx_write (struct wl_runner *r, const struct wl_app_call *c, const char *hpath,
          int hflags, int myfd, json_object **effect, const char **sync,
          json_object **state)
{
  uint64_t n = (uint64_t) c->ret, first = c->off / WL_BLOCK;
  uint64_t end = n ? (c->off + n - 1) / WL_BLOCK + 1 : first;
  struct fpfs_stat st;
  struct wl_mfile *f;
  const char *call = (hflags & O_SYNC) == O_SYNC ? "osync"
                     : hflags & O_DSYNC ? "odsync" : NULL;
  int e;

  if ((e = fx_stat (r, c, myfd, hpath, &st)) < 0)
    return e;
  if (wl_model_get (&r->r_model, st.ino, st.generation, &f) < 0
      || wl_model_write (f, c->off, c->data, (size_t) n) < 0
      || wl_doubt_written (&r->r_doubt, st.ino, st.generation, first,
                           end) < 0)
    return fx_nomem (r);
  if ((e = wl_state_model_file (r, myfd, &st, &f)) < 0)
    return e;
  *effect = wl_effect_data (&st, f, first, end);
  wl_oracle_put_u64 (*effect, "off", c->off);
  wl_oracle_put_u64 (*effect, "len", n);
  return call ? fx_synced (r, myfd, hpath, &st, first, end, call, sync,
                           state) : 0;
}

static int
fx_truncate (struct wl_runner *r, const struct wl_app_call *c,
             const char *path, int myfd, json_object **effect)
{
  struct fpfs_stat st;
  struct wl_mfile *f;
  int e;

  if ((e = fx_stat (r, c, myfd, path, &st)) < 0)
    return e;
  if (wl_model_get (&r->r_model, st.ino, st.generation, &f) < 0
      || wl_model_truncate (f, c->len) < 0
      || wl_doubt_truncated (&r->r_doubt, st.ino, st.generation, c->len) < 0)
    return fx_nomem (r);
  if (f->f_size != st.size)
    return wl_runner_error (r, -EUCLEAN, NULL, "%s: size %llu after the "
                            "program's truncate to %llu", path ? path : "?",
                            (unsigned long long) st.size,
                            (unsigned long long) c->len);
  uint64_t first = c->len / WL_BLOCK;
  *effect = wl_effect_data (&st, f, first, first + (c->len % WL_BLOCK ? 1 : 0));
  return 0;
}

static int
fx_fallocate (struct wl_runner *r, const struct wl_app_call *c,
              const char *hpath, int myfd, json_object **effect)
{
  struct fpfs_stat st;
  struct wl_mfile *f;
  uint64_t first = 0, end = 0;
  int e;

  if ((e = fx_stat (r, c, myfd, hpath, &st)) < 0)
    return e;
  if (wl_model_get (&r->r_model, st.ino, st.generation, &f) < 0)
    return fx_nomem (r);
  if ((e = wl_model_fallocate (f, c->flags, c->off, c->len, &first,
                               &end)) < 0)
    return wl_runner_error (r, e, NULL, "%s: the program's fallocate "
                            "succeeded where the model refuses it", hpath);
  if (wl_doubt_written (&r->r_doubt, st.ino, st.generation, first, end) < 0)
    return fx_nomem (r);
  if ((e = wl_state_model_file (r, myfd, &st, &f)) < 0)
    return e;
  *effect = wl_effect_data (&st, f, first, end);
  wl_oracle_put_u64 (*effect, "off", c->off);
  wl_oracle_put_u64 (*effect, "len", c->len);
  wl_oracle_put_u64 (*effect, "mode", (uint64_t) c->flags);
  return 0;
}

/* {"ino","gen","nlink"} of what path names now; exchange: also "ino2",
 * "gen2" of what other names. */
static int
fx_named (struct wl_runner *r, const struct wl_app_call *c, const char *path,
          const char *other, json_object **effect)
{
  struct fpfs_stat st, st2;
  int e;

  if ((e = fx_stat (r, c, -1, path, &st)) < 0)
    return e;
  *effect = wl_effect_ident (&st);
  wl_oracle_put_u64 (*effect, "nlink", st.nlink);
  if (other) {
    if ((e = fx_stat (r, c, -1, other, &st2)) < 0)
      return e;
    wl_oracle_put_u64 (*effect, "ino2", st2.ino);
    wl_oracle_put_u64 (*effect, "gen2", st2.generation);
  }
  return 0;
}

static int
fx_failed (struct wl_runner *r, const struct wl_app_call *c, int hflags,
           int myfd, const char **sync_failed)
{
  struct fpfs_stat st;
  bool reg = myfd >= 0 && WL_SYS (r, fstat, myfd, &st) == 0
             && S_ISREG (st.mode);

  switch (c->kind) {
  case WL_APP_FSYNC: case WL_APP_FDATASYNC:
    *sync_failed = c->kind == WL_APP_FSYNC ? "fsync" : "fdatasync";
    break;
  case WL_APP_WRITE: case WL_APP_PWRITE:
    *sync_failed = (hflags & O_SYNC) == O_SYNC ? "osync"
                   : hflags & O_DSYNC ? "odsync" : NULL;
    break;
  case WL_APP_SYNC: case WL_APP_SYNCFS:
    *sync_failed = c->kind == WL_APP_SYNC ? "sync" : "syncfs";
    return wl_doubt_failed_all (&r->r_doubt) < 0 ? fx_nomem (r) : 0;
  default:
    return 0;
  }
  if (*sync_failed && reg
      && wl_doubt_failed (&r->r_doubt, st.ino, st.generation) < 0)
    return fx_nomem (r);
  return 0;
}

int
wl_app_effect (struct wl_runner *r, const struct wl_app_call *c,
               const char *hpath, int hflags, int myfd, json_object **effect,
               const char **sync, json_object **state,
               const char **sync_failed)
{
  struct fpfs_stat st;
  int e;

  *effect = *state = NULL;
  *sync = *sync_failed = NULL;
  if (c->err)
    return fx_failed (r, c, hflags, myfd, sync_failed);
  switch (c->kind) {
  case WL_APP_OPEN:
    if ((e = fx_stat (r, c, myfd, c->path, &st)) < 0)
      return e;
    if (S_ISREG (st.mode) && (c->flags & O_TRUNC)) {
      struct wl_mfile *f;
      if (wl_model_get (&r->r_model, st.ino, st.generation, &f) < 0
          || wl_model_truncate (f, 0) < 0
          || wl_doubt_truncated (&r->r_doubt, st.ino, st.generation, 0) < 0)
        return fx_nomem (r);
    }
    *effect = wl_effect_ident (&st);
    wl_oracle_put_u64 (*effect, "size", st.size);
    return 0;
  case WL_APP_WRITE: case WL_APP_PWRITE:
    return fx_write (r, c, hpath, hflags, myfd, effect, sync, state);
  case WL_APP_FTRUNCATE:
    return fx_truncate (r, c, hpath, myfd, effect);
  case WL_APP_TRUNCATE:
    return fx_truncate (r, c, c->path, -1, effect);
  case WL_APP_FALLOCATE:
    return fx_fallocate (r, c, hpath, myfd, effect);
  case WL_APP_FSYNC: case WL_APP_FDATASYNC:
    if ((e = fx_stat (r, c, myfd, hpath, &st)) < 0)
      return e;
    return fx_synced (r, myfd, hpath, &st, 0, UINT64_MAX,
                      c->kind == WL_APP_FSYNC ? "fsync" : "fdatasync", sync,
                      state);
  case WL_APP_SYNC: case WL_APP_SYNCFS:
    wl_doubt_synced_all (&r->r_doubt);
    *sync = c->kind == WL_APP_SYNC ? "sync" : "syncfs";
    if (!(*state = json_object_new_array ()))
      return fx_nomem (r);
    return wl_state_tree (r, *state);
  case WL_APP_RENAME:
    return fx_named (r, c, c->path2, c->flags & 2 ? c->path
                     : c->flags & 4 ? c->path : NULL, effect);
  case WL_APP_LINK:
    return fx_named (r, c, c->path2, NULL, effect);
  case WL_APP_MKDIR: case WL_APP_SYMLINK:
    return fx_named (r, c, c->path, NULL, effect);
  default:
    return 0;                    /* unlink, rmdir, chmod, utimes, sfr */
  }
}
