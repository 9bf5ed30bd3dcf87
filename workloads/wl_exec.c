/* wl_exec: one workload op against the engine (semantics in LANGUAGE.md,
 * "How the runner runs it").
 *
 * Each wl_x_* function sets out->o_result to what the engine returned (the
 * op's own success or errno, judged by the driver against `expect`) and
 * returns non-zero only for runner errors: out of memory, a handle misuse
 * the language forbids, or the engine disagreeing with the content model.
 * A file operand resolves to an open handle of that name, else -- for a
 * path -- to a descriptor opened just for the op and closed after it.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wl_pattern.h"
#include "wl_runner.h"

/* ---- handles ---- */

static struct wl_handle *
wl_handle_find (struct wl_runner *r, const char *name)
{
  for (size_t i = 0; i < r->r_nh; i++)
    if (strcmp (r->r_handles[i].h_name, name) == 0)
      return &r->r_handles[i];
  return NULL;
}

static int
wl_handle_add (struct wl_runner *r, const struct wl_op *op, int fd)
{
  struct wl_handle *h;

  if (r->r_nh == r->r_hcap) {
    size_t cap = r->r_hcap ? 2 * r->r_hcap : 8;
    struct wl_handle *n = realloc (r->r_handles, cap * sizeof *n);
    if (!n)
      return -ENOMEM;
    r->r_handles = n;
    r->r_hcap = cap;
  }
  h = &r->r_handles[r->r_nh];
  h->h_name = strdup (op->handle);
  h->h_path = strdup (op->path);
  if (!h->h_name || !h->h_path) {
    free (h->h_name);
    free (h->h_path);
    return -ENOMEM;
  }
  h->h_fd = fd;
  h->h_flags = op->flags;
  h->h_pos = 0;
  r->r_nh++;
  return 0;
}

static void
wl_handle_remove (struct wl_runner *r, struct wl_handle *h)
{
  free (h->h_name);
  free (h->h_path);
  *h = r->r_handles[--r->r_nh];
}


/* Resolve op's file operand.  Returns 0, or the op's failure (-errno). */
int
wl_ref_get (struct wl_runner *r, const struct wl_op *op, int flags,
            struct wl_ref *ref)
{
  memset (ref, 0, sizeof *ref);
  ref->h = wl_handle_find (r, op->path);
  if (ref->h) {
    ref->fd = ref->h->h_fd;
    ref->path = ref->h->h_path;
    return 0;
  }
  if (op->is_handle)
    return -EBADF;             /* bound earlier, not open now */
  ref->fd = WL_SYS (r, open, op->path, flags, 0);
  if (ref->fd < 0)
    return ref->fd;
  ref->implicit = true;
  ref->path = op->path;
  return 0;
}

int
wl_ref_put (struct wl_runner *r, const struct wl_op *op, struct wl_ref *ref)
{
  int e;
  if (!ref->implicit)
    return 0;
  ref->implicit = false;
  e = WL_SYS (r, close, ref->fd);
  return e < 0 ? wl_runner_error (r, e, op, "closing its descriptor: %s",
                                  strerror (-e)) : 0;
}

/* ---- effects ---- */

json_object *
wl_effect_ident (const struct fpfs_stat *st)
{
  json_object *o = json_object_new_object ();
  wl_oracle_put_u64 (o, "ino", st->ino);
  wl_oracle_put_u64 (o, "gen", st->generation);
  return o;
}

/* {"ino","gen","nlink"} of what path names now. */
int
wl_effect_path (struct wl_runner *r, const struct wl_op *op, const char *path,
                struct wl_outcome *out)
{
  struct fpfs_stat st;
  int e = WL_SYS (r, stat, path, &st);
  if (e < 0)
    return wl_runner_error (r, e, op, "stat %s after success: %s", path,
                            strerror (-e));
  out->o_effect = wl_effect_ident (&st);
  wl_oracle_put_u64 (out->o_effect, "nlink", st.nlink);
  return 0;
}

/* {"ino","gen","size","first_block","blocks"} for blocks [first, end). */
json_object *
wl_effect_data (const struct fpfs_stat *st, const struct wl_mfile *f,
                uint64_t first, uint64_t end)
{
  json_object *o = wl_effect_ident (st);
  wl_oracle_put_u64 (o, "size", f->f_size);
  wl_oracle_put_u64 (o, "first_block", first);
  json_object_object_add (o, "blocks",
                          wl_oracle_blocks (f, first, end - first));
  return o;
}

/* After an open or creat: O_TRUNC empties the model; sizes must agree. */
static int
wl_model_opened (struct wl_runner *r, const struct wl_op *op, int fd,
                 int flags, struct wl_outcome *out)
{
  struct fpfs_stat st;
  struct wl_mfile *f;
  int e = WL_SYS (r, fstat, fd, &st);

  if (e < 0)
    return wl_runner_error (r, e, op, "fstat: %s", strerror (-e));
  if (S_ISREG (st.mode) && (flags & O_TRUNC) && st.size == 0) {
    if ((e = wl_model_get (&r->r_model, st.ino, st.generation, &f)) < 0
        || (e = wl_doubt_truncated (&r->r_doubt, st.ino, st.generation, 0))
           < 0)
      return wl_runner_error (r, e, op, "out of memory");
    wl_model_truncate (f, 0);
  }
  if ((e = wl_state_model_file (r, fd, &st, &f)) < 0)
    return e;
  out->o_effect = wl_effect_ident (&st);
  wl_oracle_put_u64 (out->o_effect, "size", st.size);
  return 0;
}

/* The sync call a write through descriptor flags fl amounts to. */
static const char *
wl_write_sync (int fl)
{
  if ((fl & O_SYNC) == O_SYNC)
    return "osync";
  if (fl & O_DSYNC)
    return "odsync";
  return NULL;
}

/* What observing a sync's state returned.  With --keep-going, an I/O
 * error there (a device that failed after the sync returned: stat or
 * readdir of an uncached block) drops the state -- the sync then promises
 * nothing, which is safe -- and the run goes on; the after-mark says so. */
int
wl_state_kept (struct wl_runner *r, struct wl_outcome *out, int e)
{
  if (e == 0 || !r->r_o->keep_going || (e != -EIO && e != -EROFS))
    return e;
  json_object_put (out->o_state);
  out->o_state = NULL;
  out->o_state_err = e;
  return 0;
}

/* ---- the ops ---- */

static int
wl_x_open (struct wl_runner *r, const struct wl_op *op, struct wl_outcome *out)
{
  int fd, e;

  if (wl_handle_find (r, op->handle))
    return wl_runner_error (r, -EPROTO, op, "handle %s is already open",
                            op->handle);
  fd = WL_SYS (r, open, op->path, op->flags, op->mode);
  out->o_result = fd;
  if (fd < 0)
    return 0;
  if ((e = wl_handle_add (r, op, fd)) < 0)
    return wl_runner_error (r, e, op, "out of memory");
  return wl_model_opened (r, op, fd, op->flags, out);
}

static int
wl_x_creat (struct wl_runner *r, const struct wl_op *op,
            struct wl_outcome *out)
{
  const int flags = O_CREAT | O_WRONLY | O_TRUNC;
  int fd = WL_SYS (r, open, op->path, flags, op->mode), e;

  out->o_result = fd < 0 ? fd : 0;
  if (fd < 0)
    return 0;
  e = wl_model_opened (r, op, fd, flags, out);
  int c = WL_SYS (r, close, fd);
  if (!e && c < 0)
    e = wl_runner_error (r, c, op, "close: %s", strerror (-c));
  return e;
}

static int
wl_x_close (struct wl_runner *r, const struct wl_op *op,
            struct wl_outcome *out)
{
  struct wl_handle *h = wl_handle_find (r, op->path);

  if (!h) {
    out->o_result = -EBADF;
    return 0;
  }
  out->o_result = WL_SYS (r, close, h->h_fd);
  wl_handle_remove (r, h);       /* closed even on error, as close(2) */
  return 0;
}

static int
wl_x_truncate (struct wl_runner *r, const struct wl_op *op,
               struct wl_outcome *out)
{
  struct wl_handle *h = wl_handle_find (r, op->path);
  struct fpfs_stat st;
  struct wl_mfile *f;
  int e;

  if (!h && op->is_handle) {
    out->o_result = -EBADF;
    return 0;
  }
  out->o_result = h ? WL_SYS (r, ftruncate, h->h_fd, op->size)
                    : WL_SYS (r, truncate, op->path, op->size);
  if (out->o_result < 0)
    return 0;
  e = h ? WL_SYS (r, fstat, h->h_fd, &st) : WL_SYS (r, stat, op->path,
                                                          &st);
  if (e < 0)
    return wl_runner_error (r, e, op, "stat after success: %s", strerror (-e));
  if ((e = wl_model_get (&r->r_model, st.ino, st.generation, &f)) < 0)
    return wl_runner_error (r, e, op, "out of memory");
  wl_model_truncate (f, op->size);
  if ((e = wl_doubt_truncated (&r->r_doubt, st.ino, st.generation,
                               op->size)) < 0)
    return wl_runner_error (r, e, op, "out of memory");
  if (f->f_size != st.size)
    return wl_runner_error (r, -EUCLEAN, op, "the engine says size %llu "
                            "after it", (unsigned long long) st.size);
  /* The block holding the new end changed if the end is unaligned. */
  uint64_t first = op->size / WL_BLOCK;
  out->o_effect = wl_effect_data (&st, f, first,
                                  first + (op->size % WL_BLOCK ? 1 : 0));
  return 0;
}

/* A write through an O_SYNC/O_DSYNC descriptor failed.  The data may have
 * reached the page cache before the sync part failed (generic_write_sync
 * runs after the copy, on Linux and in the engine), and then it may reach
 * the disk or not.  Read the range back through the engine: if it holds
 * what was written, the write happened -- apply it to the model, and give
 * the after-mark the values as an "uncertain" effect (the checker must
 * accept them on disk); otherwise it did not.  Either way the sync failed,
 * so the file's unsynced blocks are in doubt from now on. */
static int
wl_sync_write_failed (struct wl_runner *r, const struct wl_op *op,
                      const char *path, const struct fpfs_stat *before,
                      const uint8_t *data, uint64_t off, uint64_t len,
                      int fl, struct wl_outcome *out)
{
  struct fpfs_stat st;
  struct wl_mfile *f;
  uint8_t *got = NULL;
  int rfd, e = 0;

  out->o_sync_failed = wl_write_sync (fl);
  rfd = WL_SYS (r, open, path, O_RDONLY, 0);
  if (rfd < 0)
    goto doubt;
  if (len == 0 || WL_SYS (r, fstat, rfd, &st) < 0 || st.ino != before->ino
      || st.generation != before->generation || st.size < off + len
      || (got = malloc (len)) == NULL
      || WL_SYS (r, pread, rfd, got, len, off) != (ssize_t) len
      || memcmp (got, data, len) != 0)
    goto close;                  /* not (all) there: it did not happen */
  if ((e = wl_model_get (&r->r_model, st.ino, st.generation, &f)) < 0
      || (e = wl_model_write (f, off, data, len)) < 0
      || (e = wl_doubt_written (&r->r_doubt, st.ino, st.generation,
                                off / WL_BLOCK,
                                (off + len - 1) / WL_BLOCK + 1)) < 0)
    goto close;
  out->o_effect = wl_effect_data (&st, f, off / WL_BLOCK,
                                  (off + len - 1) / WL_BLOCK + 1);
  wl_oracle_put_u64 (out->o_effect, "off", off);
  wl_oracle_put_u64 (out->o_effect, "len", len);
  json_object_object_add (out->o_effect, "uncertain",
                          json_object_new_boolean (1));
close:
  WL_SYS (r, close, rfd);
  free (got);
doubt:
  if (!e)
    e = wl_doubt_failed (&r->r_doubt, before->ino, before->generation);
  return e < 0 ? wl_runner_error (r, e, op, "out of memory") : 0;
}

static int
wl_x_write (struct wl_runner *r, size_t i, const struct wl_op *op,
            struct wl_outcome *out)
{
  bool planned = r->r_sync_write && r->r_sync_write[i];
  int sflag = !planned ? 0
              : r->r_o->persist == WL_PERSIST_OSYNC ? O_SYNC : O_DSYNC;
  struct wl_ref ref;
  struct fpfs_stat st;
  struct wl_mfile *f;
  uint8_t *buf = NULL;
  int fd, fl, tmpfd = -1, e = 0;
  uint64_t off, first, end;
  ssize_t n;

  out->o_result = wl_ref_get (r, op, O_WRONLY | sflag, &ref);
  if (out->o_result < 0)
    return 0;
  fd = ref.fd;
  fl = ref.h ? ref.h->h_flags : O_WRONLY | sflag;
  if (planned && ref.h) {
    /* persist=osync/odsync on a handle: this write goes through a second
     * descriptor on the handle's path that carries the sync flag. */
    tmpfd = WL_SYS (r, open, ref.h->h_path, O_WRONLY | sflag, 0);
    if ((out->o_result = tmpfd) < 0)
      goto out;
    fd = tmpfd;
    fl = (ref.h->h_flags & O_APPEND) | O_WRONLY | sflag;
  }
  if ((e = wl_state_model_file (r, fd, &st, &f)) < 0)
    goto out;
  off = op->kind == WL_OP_PWRITE ? op->off
        : op->kind == WL_OP_APPEND ? st.size
        : ref.h ? ref.h->h_pos : 0;
  if (fl & O_APPEND)
    off = st.size;
  /* Page aligned: an O_DIRECT descriptor on a kernel file system needs an
   * aligned buffer as well as an aligned offset and length. */
  if (posix_memalign ((void **) &buf, WL_BLOCK, op->len ? op->len : 1))
    buf = NULL;
  if (!buf) {
    e = wl_runner_error (r, -ENOMEM, op, "out of memory");
    goto out;
  }
  wl_pattern_fill (op->pattern, op->seed, off, buf, op->len);
  n = WL_SYS (r, pwrite, fd, buf, op->len, off);
  out->o_result = n < 0 ? (int) n : (int) (n > INT32_MAX ? INT32_MAX : n);
  if (n < 0 && f && wl_write_sync (fl)) {
    e = wl_sync_write_failed (r, op, ref.h ? ref.h->h_path : op->path, &st,
                              buf, off, op->len, fl, out);
    goto out;
  }
  if (n < 0 || !f)
    goto out;
  if (op->kind == WL_OP_WRITE && ref.h)
    ref.h->h_pos = off + (uint64_t) n;
  first = off / WL_BLOCK;
  end = n ? (off + (uint64_t) n - 1) / WL_BLOCK + 1 : first;
  if ((e = wl_model_write (f, off, buf, (size_t) n)) < 0
      || (e = wl_doubt_written (&r->r_doubt, st.ino, st.generation, first,
                                end)) < 0) {
    e = wl_runner_error (r, e, op, "out of memory");
    goto out;
  }
  if ((e = wl_state_model_file (r, fd, &st, &f)) < 0)
    goto out;
  out->o_effect = wl_effect_data (&st, f, first, end);
  wl_oracle_put_u64 (out->o_effect, "off", off);
  wl_oracle_put_u64 (out->o_effect, "len", (uint64_t) n);
  if ((out->o_sync = wl_write_sync (fl)) != NULL) {
    /* O_SYNC/O_DSYNC sync the bytes written (vfs_fsync_range). */
    if ((e = wl_doubt_synced (&r->r_doubt, st.ino, st.generation, first,
                              end)) < 0) {
      e = wl_runner_error (r, e, op, "out of memory");
      goto out;
    }
    out->o_state = json_object_new_array ();
    e = wl_state_kept (r, out, wl_state_fd (r, fd, ref.h ? ref.h->h_path
                                                         : op->path,
                                            out->o_state));
  }
out:
  free (buf);
  if (tmpfd >= 0) {
    int c = WL_SYS (r, close, tmpfd);
    if (!e && c < 0)
      e = wl_runner_error (r, c, op, "close: %s", strerror (-c));
  }
  int p = wl_ref_put (r, op, &ref);
  return e ? e : p;
}

int
wl_exec_op (struct wl_runner *r, size_t i, struct wl_outcome *out)
{
  const struct wl_op *op = &r->r_w->ops[i];

  memset (out, 0, sizeof *out);
  switch (op->kind) {
  case WL_OP_OPEN:
    return wl_x_open (r, op, out);
  case WL_OP_CREAT:
    return wl_x_creat (r, op, out);
  case WL_OP_CLOSE:
    return wl_x_close (r, op, out);
  case WL_OP_TRUNCATE:
    return wl_x_truncate (r, op, out);
  case WL_OP_WRITE: case WL_OP_PWRITE: case WL_OP_APPEND:
    return wl_x_write (r, i, op, out);
  case WL_OP_FSYNC: case WL_OP_FDATASYNC:
    return wl_x_fsync (r, op, op->kind == WL_OP_FDATASYNC, out);
  case WL_OP_SYNC: case WL_OP_SYNCFS:
    return wl_x_sync (r, op->kind == WL_OP_SYNCFS, out);
  case WL_OP_PERSIST:
    switch (r->r_o->persist) {
    case WL_PERSIST_FSYNC: return wl_x_fsync (r, op, false, out);
    case WL_PERSIST_FDATASYNC: return wl_x_fsync (r, op, true, out);
    case WL_PERSIST_SYNC: return wl_x_sync (r, false, out);
    default: return 0;   /* none; osync/odsync acted on the writes */
    }
  case WL_OP_SLEEP:
    if (r->r_o->sleep_hook)
      r->r_o->sleep_hook (r->r_o->sleep_ctx, true);
    out->o_result = WL_SYS (r, sleep, op->sleep_ns);
    if (r->r_o->sleep_hook)
      r->r_o->sleep_hook (r->r_o->sleep_ctx, false);
    return 0;
  case WL_OP_MARK:
    return 0;
  case WL_OP_FAULT:
    return wl_x_fault (r, op, out);
  case WL_OP_FALLOCATE:
    return wl_x_fallocate (r, op, out);
  case WL_OP_SYNC_FILE_RANGE:
    return wl_x_sync_file_range (r, op, out);
  case WL_OP_READ:
    return wl_x_read (r, op, out);
  case WL_OP_DROP_CACHES:
    return wl_x_drop_caches (r, op, out);
  case WL_OP_MMAP: case WL_OP_MWRITE: case WL_OP_MSYNC: case WL_OP_MUNMAP:
    return wl_x_mmap_op (r, op, out);
  default:
    return wl_x_names (r, op, out);
  }
}

int
wl_exec_close_all (struct wl_runner *r)
{
  int ret = 0;

  wl_maps_free (r, true);           /* munmap, as exit does, before close */
  while (r->r_nh > 0) {
    struct wl_handle *h = &r->r_handles[r->r_nh - 1];
    int e = WL_SYS (r, close, h->h_fd);
    if (!ret && e < 0)
      ret = wl_runner_error (r, e, NULL, "%s: closing handle %s: %s",
                             r->r_w->name, h->h_name, strerror (-e));
    wl_handle_remove (r, h);
  }
  return ret;
}
