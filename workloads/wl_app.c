/* wl_app: a traced program's calls as ops and marks (wl_app.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl_app.h"
#include "wl_b64.h"
#include "wl_runner.h"

/* A descriptor of the program, by process and number, and its handle. */
struct wl_app_key {
  pid_t k_tgid;
  int k_fd;
  int k_h;                       /* handle number: the op text's hN */
};

struct wl_app_handle {
  char *h_path;                  /* the path it was opened with */
  int h_flags;                   /* its open flags */
};

/* A call between its entry and its exit, per thread. */
struct wl_app_pending {
  pid_t p_tid;
  size_t p_op;
  int p_h;                       /* the handle it uses, or 0 */
  bool p_live;
};

struct wl_app {
  struct wl_runner *a_r;
  struct wl_app_key *a_keys;
  size_t a_nkeys, a_capkeys;
  struct wl_app_handle *a_hs;    /* a_hs[h - 1] */
  size_t a_nhs;
  struct wl_app_pending *a_pend;
  size_t a_npend, a_cappend;
  size_t a_ops;
};

int
wl_app_new (struct wl_runner *r, struct wl_app **out)
{
  struct wl_app *a = calloc (1, sizeof *a);

  *out = a;
  if (!a)
    return -ENOMEM;
  a->a_r = r;
  /* Programs set attributes the runner cannot predict; list them. */
  r->r_xattrs = true;
  return 0;
}

void
wl_app_free (struct wl_app *a)
{
  if (!a)
    return;
  for (size_t i = 0; i < a->a_nhs; i++)
    free (a->a_hs[i].h_path);
  free (a->a_hs);
  free (a->a_keys);
  free (a->a_pend);
  free (a);
}

size_t
wl_app_ops (const struct wl_app *a)
{
  return a->a_ops;
}

/* ---- descriptors and handles ---- */

static struct wl_app_key *
app_key (struct wl_app *a, pid_t tgid, int fd)
{
  for (size_t i = 0; i < a->a_nkeys; i++)
    if (a->a_keys[i].k_tgid == tgid && a->a_keys[i].k_fd == fd)
      return &a->a_keys[i];
  return NULL;
}

static int
app_bind (struct wl_app *a, pid_t tgid, int fd, int h)
{
  struct wl_app_key *k = app_key (a, tgid, fd);

  if (!k) {
    if (a->a_nkeys == a->a_capkeys) {
      size_t cap = a->a_capkeys ? a->a_capkeys * 2 : 32;
      struct wl_app_key *v = realloc (a->a_keys, cap * sizeof *v);
      if (!v)
        return -ENOMEM;
      a->a_keys = v;
      a->a_capkeys = cap;
    }
    k = &a->a_keys[a->a_nkeys++];
  }
  *k = (struct wl_app_key) { tgid, fd, h };
  return 0;
}

static void
app_unbind (struct wl_app *a, pid_t tgid, int fd)
{
  struct wl_app_key *k = app_key (a, tgid, fd);

  if (k)
    *k = a->a_keys[--a->a_nkeys];
}

static int
app_handle_new (struct wl_app *a, const char *path, int flags)
{
  struct wl_app_handle *v = realloc (a->a_hs, (a->a_nhs + 1) * sizeof *v);

  if (!v)
    return -ENOMEM;
  a->a_hs = v;
  if (!(v[a->a_nhs].h_path = strdup (path)))
    return -ENOMEM;
  v[a->a_nhs].h_flags = flags;
  return (int) ++a->a_nhs;
}

static struct wl_app_pending *
app_pending (struct wl_app *a, pid_t tid)
{
  for (size_t i = 0; i < a->a_npend; i++)
    if (a->a_pend[i].p_live && a->a_pend[i].p_tid == tid)
      return &a->a_pend[i];
  return NULL;
}

static int
app_pending_add (struct wl_app *a, pid_t tid, size_t op, int h)
{
  struct wl_app_pending *p = NULL;

  for (size_t i = 0; i < a->a_npend && !p; i++)
    if (!a->a_pend[i].p_live)
      p = &a->a_pend[i];
  if (!p) {
    if (a->a_npend == a->a_cappend) {
      size_t cap = a->a_cappend ? a->a_cappend * 2 : 8;
      struct wl_app_pending *v = realloc (a->a_pend, cap * sizeof *v);
      if (!v)
        return -ENOMEM;
      a->a_pend = v;
      a->a_cappend = cap;
    }
    p = &a->a_pend[a->a_npend++];
  }
  *p = (struct wl_app_pending) { tid, op, h, true };
  return 0;
}

/* The program's descriptor, opened again for the module's own looks
 * (fstat, the sync's state): through /proc, so that a renamed or unlinked
 * file is still the same inode.  O_NOATIME: looking must not dirty it. */
static int
app_reopen (pid_t tid, int fd)
{
  char p[64];
  int r;

  snprintf (p, sizeof p, "/proc/%d/fd/%d", (int) tid, fd);
  r = open (p, O_RDONLY | O_NOATIME | O_CLOEXEC);
  if (r < 0 && errno == EPERM)
    r = open (p, O_RDONLY | O_CLOEXEC);
  return r < 0 ? -errno : r;
}

/* The flags of the program's descriptor, from /proc/TID/fdinfo/FD. */
static int
app_fd_flags (pid_t tid, int fd)
{
  char p[64], line[128];
  unsigned flags = O_RDWR;
  FILE *f;

  snprintf (p, sizeof p, "/proc/%d/fdinfo/%d", (int) tid, fd);
  if (!(f = fopen (p, "re")))
    return O_RDWR;
  while (fgets (line, sizeof line, f))
    if (sscanf (line, "flags: %o", &flags) == 1)
      break;
  fclose (f);
  return (int) flags;
}

/* ---- op text ---- */

/* A path the workload language can spell: no blank or control byte. */
static int
app_path_ok (struct wl_app *a, const char *path)
{
  for (const unsigned char *p = (const unsigned char *) path; *p; p++)
    if (*p <= ' ' || *p == 0x7f)
      return wl_runner_error (a->a_r, -ENOTSUP, NULL, "the program names "
                              "\"%s\": a path with a blank or control byte "
                              "cannot be recorded", path);
  return 0;
}

static void
app_flags_text (int flags, char *out, size_t len)
{
  static const struct { int bit; const char *name; } fl[] = {
    { O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" }, { O_TRUNC, "O_TRUNC" },
    { O_APPEND, "O_APPEND" }, { O_DIRECTORY, "O_DIRECTORY" },
    { O_DIRECT, "O_DIRECT" },
  };
  int acc = flags & O_ACCMODE;
  size_t n = (size_t) snprintf (out, len, "%s", acc == O_WRONLY ? "O_WRONLY"
                                : acc == O_RDWR ? "O_RDWR" : "O_RDONLY");

  for (size_t i = 0; i < sizeof fl / sizeof fl[0] && n < len; i++)
    if (flags & fl[i].bit)
      n += (size_t) snprintf (out + n, len - n, "|%s", fl[i].name);
  if (n < len && (flags & O_SYNC) == O_SYNC)
    n += (size_t) snprintf (out + n, len - n, "|O_SYNC");
  else if (n < len && (flags & O_DSYNC))
    n += (size_t) snprintf (out + n, len - n, "|O_DSYNC");
}

static void
app_falloc_text (int mode, char *out, size_t len)
{
  static const struct { int bit; const char *name; } fm[] = {
    { FALLOC_FL_KEEP_SIZE, "keep_size" },
    { FALLOC_FL_PUNCH_HOLE, "punch_hole" },
    { FALLOC_FL_ZERO_RANGE, "zero_range" },
    { FALLOC_FL_COLLAPSE_RANGE, "collapse_range" },
    { FALLOC_FL_INSERT_RANGE, "insert_range" },
  };
  size_t n = 0;

  out[0] = '\0';
  for (size_t i = 0; i < sizeof fm / sizeof fm[0] && n < len; i++)
    if (mode & fm[i].bit)
      n += (size_t) snprintf (out + n, len - n, "%s%s", n ? "|" : " ",
                              fm[i].name);
}

/* The op's text for call c on handle h (0: none).  1 when c is recorded,
 * 0 when it is not (not on the file system under test). */
static int
app_text (struct wl_app *a, const struct wl_app_call *c, int h, char *t,
          size_t len)
{
  char fl[160];
  const char *what;

  (void) a;
  switch (c->kind) {
  case WL_APP_WRITE:
    snprintf (t, len, "write h%d %" PRIu64 " pattern=recorded", h, c->len);
    return 1;
  case WL_APP_PWRITE:
    snprintf (t, len, "pwrite h%d %" PRIu64 " %" PRIu64 " pattern=recorded",
              h, c->off, c->len);
    return 1;
  case WL_APP_FTRUNCATE:
    snprintf (t, len, "truncate h%d %" PRIu64, h, c->len);
    return 1;
  case WL_APP_TRUNCATE:
    snprintf (t, len, "truncate %s %" PRIu64, c->path, c->len);
    return 1;
  case WL_APP_FSYNC: case WL_APP_FDATASYNC:
    snprintf (t, len, "%s h%d", c->kind == WL_APP_FSYNC ? "fsync"
              : "fdatasync", h);
    return 1;
  case WL_APP_SYNC:
    snprintf (t, len, "sync");
    return 1;
  case WL_APP_SYNCFS:
    snprintf (t, len, "syncfs");
    return 1;
  case WL_APP_SYNC_FILE_RANGE: {
    char sf[64] = "";
    size_t n = 0;
    static const char *const names[] = { "wait_before", "write",
                                         "wait_after" };
    for (int b = 0; b < 3; b++)
      if (c->flags & (1 << b))
        n += (size_t) snprintf (sf + n, sizeof sf - n, "%s%s", n ? "|" : "",
                                names[b]);
    if (!n)          /* no flag: the language wants one; it does nothing */
      snprintf (sf, sizeof sf, "write");
    snprintf (t, len, "sync_file_range h%d %" PRIu64 " %" PRIu64 " %s", h,
              c->off, c->len, sf);
    return 1;
  }
  case WL_APP_FALLOCATE:
    app_falloc_text (c->flags, fl, sizeof fl);
    snprintf (t, len, "fallocate h%d %" PRIu64 " %" PRIu64 "%s", h, c->off,
              c->len, fl);
    return 1;
  case WL_APP_RENAME:
    what = c->flags & 2 ? " exchange" : c->flags & 1 ? " noreplace"
           : c->flags & 4 ? " whiteout" : "";
    snprintf (t, len, "rename %s %s%s", c->path, c->path2, what);
    return 1;
  case WL_APP_LINK:
    snprintf (t, len, "link %s %s", c->path, c->path2);
    return 1;
  case WL_APP_SYMLINK:          /* path2: the target, one token */
    snprintf (t, len, "symlink %s %s", c->path2, c->path);
    return 1;
  case WL_APP_UNLINK: case WL_APP_RMDIR:
    snprintf (t, len, "%s %s", c->kind == WL_APP_UNLINK ? "unlink" : "rmdir",
              c->path);
    return 1;
  case WL_APP_MKDIR:
    snprintf (t, len, "mkdir %s %04o", c->path, c->mode & 07777);
    return 1;
  case WL_APP_CHMOD: case WL_APP_FCHMOD:
    snprintf (t, len, "chmod %s %04o", c->path, c->mode & 07777);
    return 1;
  case WL_APP_UTIMES:
    snprintf (t, len, "utimes %s now", c->path);
    return 1;
  default:
    return 0;
  }
}

/* ---- marks ---- */

static json_object *
app_mark (struct wl_app *a, const char *kind, size_t op, const char *text)
{
  json_object *m = wl_oracle_mark (kind);

  wl_oracle_put_u64 (m, "op", op);
  wl_oracle_put_u64 (m, "line", op + 1);
  if (text)
    wl_oracle_put_str (m, "text", text);
  wl_oracle_put_u64 (m, "vtime", WL_SYS0 (a->a_r, now));
  return m;
}

static int
app_before (struct wl_app *a, const char *text, size_t *op)
{
  *op = a->a_ops++;
  a->a_r->r_res->ops_run++;
  return wl_oracle_emit (a->a_r, app_mark (a, "before", *op, text));
}

/* The after-mark of op: ret/errno, effect and state (owned). */
static int
app_after (struct wl_app *a, size_t op, long ret, int err, json_object *effect,
           const char *sync, json_object *state, const char *sync_failed)
{
  json_object *m = app_mark (a, "after", op, NULL);
  const char *en = err ? wl_errno_name (err) : NULL;
  char other[16];

  if (err && !en)
    snprintf (other, sizeof other, "E%d", err), en = other;
  json_object_object_add (m, "ret", json_object_new_int64 (err ? -1 : ret));
  wl_oracle_put_str (m, "errno", en);
  if (effect)
    json_object_object_add (m, "effect", effect);
  if (sync_failed)
    wl_oracle_put_str (m, "sync_failed", sync_failed);
  a->a_r->r_res->failed_ops += err != 0;
  a->a_r->r_res->sync_errors += sync_failed != NULL;
  return wl_oracle_emit_after (a->a_r, op, m, sync, state);
}

/* The bytes of a write, in "data" marks that fit the log's marks. */
static int
app_data (struct wl_app *a, size_t op, const uint8_t *buf, uint64_t len)
{
  size_t chunk = (a->a_r->r_mark_max - 512) / 4 * 3;
  uint64_t part = 0;

  for (uint64_t o = 0; o < len; o += chunk, part++) {
    size_t n = len - o < chunk ? (size_t) (len - o) : chunk;
    char *s = wl_b64_encode (buf + o, n);
    json_object *m;
    int e;
    if (!s)
      return wl_runner_error (a->a_r, -ENOMEM, NULL, "out of memory");
    m = app_mark (a, "data", op, NULL);
    wl_oracle_put_u64 (m, "part", part);
    json_object_object_add (m, "data", json_object_new_string_len (
                                         s, (int) strlen (s)));
    free (s);
    if ((e = wl_oracle_emit (a->a_r, m)) < 0)
      return e;
  }
  return 0;
}

/* ---- effects (wl_app_effects.c) ---- */

int wl_app_effect (struct wl_runner *r, const struct wl_app_call *c,
                   const char *hpath, int hflags, int myfd,
                   json_object **effect, const char **sync,
                   json_object **state, const char **sync_failed);

/* ---- the calls ---- */

static bool
app_uses_fd (enum wl_app_kind k)
{
  return k == WL_APP_WRITE || k == WL_APP_PWRITE || k == WL_APP_FTRUNCATE
         || k == WL_APP_FSYNC || k == WL_APP_FDATASYNC
         || k == WL_APP_SYNC_FILE_RANGE || k == WL_APP_FALLOCATE;
}

/* A descriptor first seen in use: an `open` op of its own (not a call of
 * the program: its marks follow each other at once). */
static int
app_adopt (struct wl_app *a, const struct wl_app_call *c, int *h)
{
  int flags = app_fd_flags (c->tid, c->fd) & ~(O_CREAT | O_EXCL | O_TRUNC);
  char fl[160], text[4200];
  struct fpfs_stat st;
  size_t op;
  int e, my;

  if ((*h = app_handle_new (a, c->path, flags)) < 0
      || (e = app_bind (a, c->tgid, c->fd, *h)) < 0)
    return wl_runner_error (a->a_r, -ENOMEM, NULL, "out of memory");
  app_flags_text (flags, fl, sizeof fl);
  snprintf (text, sizeof text, "open %s %s as h%d", c->path, fl, *h);
  if ((e = app_before (a, text, &op)) < 0)
    return e;
  if ((my = app_reopen (c->tid, c->fd)) < 0)
    return wl_runner_error (a->a_r, my, NULL, "%s: reopen the program's fd "
                            "%d: %s", c->path, c->fd, strerror (-my));
  e = WL_SYS (a->a_r, fstat, my, &st);
  close (my);
  if (e < 0)
    return wl_runner_error (a->a_r, e, NULL, "fstat %s: %s", c->path,
                            strerror (-e));
  json_object *eff = wl_effect_ident (&st);
  wl_oracle_put_u64 (eff, "size", st.size);
  return app_after (a, op, c->fd, 0, eff, NULL, NULL, NULL);
}

static int
app_entry (struct wl_app *a, const struct wl_app_call *c)
{
  char text[8400];
  size_t op;
  int h = 0, e;

  if (c->kind == WL_APP_OPEN) {
    char fl[160];
    if (!c->path)
      return 0;
    if ((e = app_path_ok (a, c->path)) < 0)
      return e;
    if ((h = app_handle_new (a, c->path, c->flags)) < 0)
      return wl_runner_error (a->a_r, -ENOMEM, NULL, "out of memory");
    app_flags_text (c->flags, fl, sizeof fl);
    snprintf (text, sizeof text, "open %s %s %04o as h%d", c->path, fl,
              c->flags & O_CREAT ? c->mode & 07777 : 0644, h);
  } else {
    if (c->kind == WL_APP_SYNCFS && !c->path)
      return 0;
    if (c->kind != WL_APP_SYNC && c->kind != WL_APP_SYNCFS && !c->path)
      return 0;                  /* not on the file system under test */
    if ((c->kind == WL_APP_RENAME || c->kind == WL_APP_LINK) && !c->path2)
      return 0;                  /* across file systems: EXDEV */
    if (c->path && (e = app_path_ok (a, c->path)) < 0)
      return e;
    if (c->path2 && (e = app_path_ok (a, c->path2)) < 0)
      return e;
    if (app_uses_fd (c->kind)) {
      struct wl_app_key *k = app_key (a, c->tgid, c->fd);
      if (k)
        h = k->k_h;
      else if ((e = app_adopt (a, c, &h)) < 0)
        return e;
    }
    if (!app_text (a, c, h, text, sizeof text))
      return 0;
  }
  if ((e = app_before (a, text, &op)) < 0)
    return e;
  if ((e = app_pending_add (a, c->tid, op, h)) < 0)
    return wl_runner_error (a->a_r, e, NULL, "out of memory");
  return 0;
}

static int
app_exit (struct wl_app *a, const struct wl_app_call *c)
{
  struct wl_app_pending *p;
  json_object *effect = NULL, *state = NULL;
  const char *sync = NULL, *failed = NULL;
  const char *hpath = NULL;
  int hflags = 0, my = -1, e = 0;
  size_t op;

  if (c->kind == WL_APP_CLOSE) {
    if (c->ret == 0)
      app_unbind (a, c->tgid, c->fd);
    return 0;
  }
  if (c->kind == WL_APP_DUP) {
    struct wl_app_key *k = app_key (a, c->tgid, c->fd);
    if (c->ret >= 0 && k)
      return app_bind (a, c->tgid, c->fd2, k->k_h) < 0
             ? wl_runner_error (a->a_r, -ENOMEM, NULL, "out of memory") : 0;
    if (c->ret >= 0)
      app_unbind (a, c->tgid, c->fd2);    /* it names a file not ours */
    return 0;
  }
  if (!(p = app_pending (a, c->tid)))
    return 0;                    /* its entry was not recorded */
  p->p_live = false;
  op = p->p_op;
  if (p->p_h > 0) {
    hpath = a->a_hs[p->p_h - 1].h_path;
    hflags = a->a_hs[p->p_h - 1].h_flags;
  }
  if (c->kind == WL_APP_OPEN && !c->err
      && (e = app_bind (a, c->tgid, (int) c->ret, p->p_h)) < 0)
    return wl_runner_error (a->a_r, -ENOMEM, NULL, "out of memory");
  if ((c->kind == WL_APP_OPEN && !c->err) || app_uses_fd (c->kind)) {
    int fd = c->kind == WL_APP_OPEN ? (int) c->ret : c->fd;
    if ((my = app_reopen (c->tid, fd)) < 0 && !c->err)
      return wl_runner_error (a->a_r, my, NULL, "%s: reopen the program's "
                              "fd %d: %s", c->path ? c->path : "?", fd,
                              strerror (-my));
  }
  if (!c->err && (c->kind == WL_APP_WRITE || c->kind == WL_APP_PWRITE)
      && c->ret > 0)
    e = app_data (a, op, c->data, (uint64_t) c->ret);
  if (!e && !c->err && a->a_r->r_fwd_sync
      && (c->kind == WL_APP_SYNC || c->kind == WL_APP_SYNCFS
          || c->kind == WL_APP_SYNC_FILE_RANGE)) {
    e = a->a_r->r_fwd_sync (a->a_r->r_fwd_ctx, (int) c->kind, hpath, c->off,
                            c->len, (unsigned) c->flags);
    if (e < 0)
      e = wl_runner_error (a->a_r, e, NULL, "the program's %s, done on the "
                           "engine: %s", c->kind == WL_APP_SYNC ? "sync"
                           : c->kind == WL_APP_SYNCFS ? "syncfs"
                           : "sync_file_range", strerror (-e));
  }
  if (!e)
    e = wl_app_effect (a->a_r, c, hpath, hflags, my, &effect, &sync, &state,
                       &failed);
  if (my >= 0)
    close (my);
  if (e < 0) {
    json_object_put (effect);
    json_object_put (state);
    return e;
  }
  return app_after (a, op, c->ret, c->err, effect, sync, state, failed);
}

int
wl_app_call (struct wl_app *a, const struct wl_app_call *c)
{
  return c->exit ? app_exit (a, c) : app_entry (a, c);
}
