/* wl_exec_mmap: the shared-mapping ops of a workload (LANGUAGE.md):
 *
 *   mmap FILE OFF LEN as NAME   a MAP_SHARED, PROT_READ|PROT_WRITE mapping
 *                               of the range (fpfs_mmap / mmap(2))
 *   mwrite NAME OFF LEN         a store of the pattern's bytes at file
 *                               offset OFF: the model takes it as a write
 *                               that cannot change the size (a store past
 *                               the end of the file fails with EFAULT, the
 *                               runner's stand-in for SIGBUS)
 *   msync NAME [MS_SYNC|MS_ASYNC]
 *                               MS_SYNC is a sync call ("msync"): msync(2)
 *                               in Linux is vfs_fsync_range(file, start,
 *                               end, 1) over the mapping, a datasync of
 *                               that range, so its state is the file's with
 *                               "range" [first, end) blocks: the checker
 *                               holds it to those blocks' data only.
 *                               MS_ASYNC does nothing since Linux 2.6.19
 *                               and promises nothing.
 *   munmap NAME                 the mapping goes; its dirty pages stay dirty
 *
 * A mapping keeps a read-only descriptor of the runner's own on its file,
 * for fstat and the msync's state.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "wl_pattern.h"
#include "wl_runner.h"

static struct wl_map *
wl_map_find (struct wl_runner *r, const char *name)
{
  for (size_t i = 0; i < r->r_nm; i++)
    if (strcmp (r->r_maps[i].m_name, name) == 0)
      return &r->r_maps[i];
  return NULL;
}

static void
wl_map_drop (struct wl_runner *r, struct wl_map *m, bool unmap)
{
  if (unmap && r->r_fs.ops) {
    WL_SYS (r, munmap, m->m_id);
    WL_SYS (r, close, m->m_fd);
  }
  free (m->m_name);
  free (m->m_path);
  *m = r->r_maps[--r->r_nm];
}

void
wl_maps_free (struct wl_runner *r, bool unmap)
{
  while (r->r_nm > 0)
    wl_map_drop (r, &r->r_maps[r->r_nm - 1], unmap);
  if (!unmap) {
    free (r->r_maps);
    r->r_maps = NULL;
    r->r_mcap = 0;
  }
}

static int
wl_x_mmap (struct wl_runner *r, const struct wl_op *op, struct wl_outcome *out)
{
  struct wl_ref ref;
  struct fpfs_stat st;
  struct wl_mfile *f;
  struct wl_map *m;
  int id, e = 0, rfd;

  if (wl_map_find (r, op->handle))
    return wl_runner_error (r, -EPROTO, op, "mapping %s exists already",
                            op->handle);
  if (r->r_nm == r->r_mcap) {
    size_t cap = r->r_mcap ? 2 * r->r_mcap : 4;
    struct wl_map *n = realloc (r->r_maps, cap * sizeof *n);
    if (!n)
      return wl_runner_error (r, -ENOMEM, op, "out of memory");
    r->r_maps = n;
    r->r_mcap = cap;
  }
  out->o_result = wl_ref_get (r, op, O_RDWR, &ref);
  if (out->o_result < 0)
    return 0;
  id = WL_SYS (r, mmap, ref.fd, op->off, op->len);
  out->o_result = id < 0 ? id : 0;
  if (id < 0)
    goto out;
  rfd = WL_SYS (r, open, ref.path, O_RDONLY, 0);
  if (rfd < 0) {
    e = wl_runner_error (r, rfd, op, "open %s for the mapping: %s", ref.path,
                         strerror (-rfd));
    WL_SYS (r, munmap, id);
    goto out;
  }
  m = &r->r_maps[r->r_nm];
  *m = (struct wl_map) { strdup (op->handle), strdup (ref.path), id, rfd,
                         op->off, op->len };
  if (!m->m_name || !m->m_path) {
    free (m->m_name);
    free (m->m_path);
    WL_SYS (r, munmap, id);
    WL_SYS (r, close, rfd);
    e = wl_runner_error (r, -ENOMEM, op, "out of memory");
    goto out;
  }
  r->r_nm++;
  if ((e = wl_state_model_file (r, rfd, &st, &f)) < 0)
    goto out;
  out->o_effect = wl_effect_data (&st, f, 0, 0);
out:;
  int p = wl_ref_put (r, op, &ref);
  return e ? e : p;
}

static int
wl_x_mwrite (struct wl_runner *r, struct wl_map *m, const struct wl_op *op,
             struct wl_outcome *out)
{
  struct fpfs_stat st;
  struct wl_mfile *f;
  uint8_t *buf = malloc (op->len ? op->len : 1);
  uint64_t first = op->off / WL_BLOCK;
  uint64_t end = op->len ? (op->off + op->len - 1) / WL_BLOCK + 1 : first;
  int e;

  if (!buf)
    return wl_runner_error (r, -ENOMEM, op, "out of memory");
  if ((e = wl_state_model_file (r, m->m_fd, &st, &f)) < 0)
    goto out;
  wl_pattern_fill (op->pattern, op->seed, op->off, buf, op->len);
  out->o_result = WL_SYS (r, mwrite, m->m_id, op->off, buf, op->len);
  if (out->o_result < 0 || !f)
    goto out;
  if (op->off + op->len > f->f_size) {
    e = wl_runner_error (r, -EUCLEAN, op, "%s stored past the end of the "
                         "file (%llu bytes) through a mapping", r->r_fs.name,
                         (unsigned long long) f->f_size);
    goto out;
  }
  if ((e = wl_model_write (f, op->off, buf, op->len)) < 0
      || (e = wl_doubt_written (&r->r_doubt, st.ino, st.generation, first,
                                end)) < 0) {
    e = wl_runner_error (r, e, op, "out of memory");
    goto out;
  }
  if ((e = wl_state_model_file (r, m->m_fd, &st, &f)) < 0)
    goto out;
  out->o_effect = wl_effect_data (&st, f, first, end);
  wl_oracle_put_u64 (out->o_effect, "off", op->off);
  wl_oracle_put_u64 (out->o_effect, "len", op->len);
out:
  free (buf);
  return e;
}

static int
wl_x_msync (struct wl_runner *r, struct wl_map *m, const struct wl_op *op,
            struct wl_outcome *out)
{
  struct fpfs_stat st;
  uint64_t first = m->m_off / WL_BLOCK;
  uint64_t end = (m->m_off + m->m_len + WL_BLOCK - 1) / WL_BLOCK;
  int e = 0;

  out->o_result = WL_SYS (r, msync, m->m_id, m->m_off, m->m_len, op->opflags);
  if (!(op->opflags & 4))
    return 0;                      /* MS_ASYNC: nothing to promise */
  if (WL_SYS (r, fstat, m->m_fd, &st) < 0)
    return wl_runner_error (r, -EIO, op, "fstat of the mapped file failed");
  if (out->o_result < 0) {
    out->o_sync_failed = "msync";
    e = wl_doubt_failed (&r->r_doubt, st.ino, st.generation);
    return e < 0 ? wl_runner_error (r, e, op, "out of memory") : 0;
  }
  if ((e = wl_doubt_synced (&r->r_doubt, st.ino, st.generation, first,
                            end)) < 0)
    return wl_runner_error (r, e, op, "out of memory");
  out->o_sync = "msync";
  out->o_state = json_object_new_array ();
  e = wl_state_kept (r, out, wl_state_fd (r, m->m_fd, m->m_path,
                                          out->o_state));
  /* Only the mapped blocks are covered (vfs_fsync_range). */
  for (size_t i = 0; !e && out->o_state
       && i < json_object_array_length (out->o_state); i++) {
    json_object *o = json_object_array_get_idx (out->o_state, i);
    json_object *rg = json_object_new_array_ext (2);
    json_object_array_add (rg, json_object_new_uint64 (first));
    json_object_array_add (rg, json_object_new_uint64 (end));
    json_object_object_add (o, "range", rg);
  }
  return e;
}

int
wl_x_mmap_op (struct wl_runner *r, const struct wl_op *op,
              struct wl_outcome *out)
{
  struct wl_map *m;

  if (op->kind == WL_OP_MMAP)
    return wl_x_mmap (r, op, out);
  if (!(m = wl_map_find (r, op->path))) {
    out->o_result = -EINVAL;         /* munmapped: no such mapping */
    return 0;
  }
  switch (op->kind) {
  case WL_OP_MWRITE:
    return wl_x_mwrite (r, m, op, out);
  case WL_OP_MSYNC:
    return wl_x_msync (r, m, op, out);
  default:
    out->o_result = WL_SYS (r, munmap, m->m_id);
    WL_SYS (r, close, m->m_fd);
    wl_map_drop (r, m, false);
    return 0;
  }
}
