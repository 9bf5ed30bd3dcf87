/* wl_exec_range: the ops of a workload that act on a byte range of an open
 * file without writing data through it, and drop_caches (semantics in
 * LANGUAGE.md):
 *
 *   fallocate        fallocate(2) with the op's mode; its effect on the
 *                    contents (zeroes, a new size, shifted blocks) goes to
 *                    the model exactly as a write's does (wl_model_fallocate)
 *   sync_file_range  starts or waits on writeback of the range; it is not a
 *                    sync call -- sync_file_range(2): "there are no
 *                    guarantees that the data will be available after a
 *                    crash" -- so it records no state and promises nothing
 *   read             reads the range and compares it with the model: a
 *                    difference stops the run (the file system returned
 *                    bytes no op wrote), which is a finding in its own right
 *   drop_caches      the engine's fpfs_drop_caches, or
 *                    /proc/sys/vm/drop_caches on a kernel backend
 *
 * The conventions are wl_exec.c's: out->o_result is the call's own result,
 * the return value a runner error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "wl_runner.h"

int
wl_x_fallocate (struct wl_runner *r, const struct wl_op *op,
                struct wl_outcome *out)
{
  struct wl_ref ref;
  struct fpfs_stat st;
  struct wl_mfile *f;
  uint64_t first, end;
  int e;

  out->o_result = wl_ref_get (r, op, O_WRONLY, &ref);
  if (out->o_result < 0)
    return 0;
  if ((e = wl_state_model_file (r, ref.fd, &st, &f)) < 0)
    goto out;
  out->o_result = WL_SYS (r, fallocate, ref.fd, op->opflags, op->off,
                          op->len);
  if (out->o_result < 0 || !f)
    goto out;
  if ((e = wl_model_fallocate (f, op->opflags, op->off, op->len, &first,
                               &end)) < 0) {
    e = wl_runner_error (r, -EUCLEAN, op, "%s accepted a fallocate that "
                         "Linux refuses (the model cannot apply it)",
                         r->r_fs.name);
    goto out;
  }
  if (end > first
      && (e = wl_doubt_written (&r->r_doubt, st.ino, st.generation, first,
                                end)) < 0) {
    e = wl_runner_error (r, e, op, "out of memory");
    goto out;
  }
  if ((e = wl_state_model_file (r, ref.fd, &st, &f)) < 0)
    goto out;
  out->o_effect = wl_effect_data (&st, f, first, end);
  wl_oracle_put_u64 (out->o_effect, "off", op->off);
  wl_oracle_put_u64 (out->o_effect, "len", op->len);
  wl_oracle_put_u64 (out->o_effect, "mode", (uint64_t) op->opflags);
out:;
  int p = wl_ref_put (r, op, &ref);
  return e ? e : p;
}

int
wl_x_sync_file_range (struct wl_runner *r, const struct wl_op *op,
                      struct wl_outcome *out)
{
  struct wl_ref ref;
  struct fpfs_stat st;
  int e = 0;

  out->o_result = wl_ref_get (r, op, O_RDONLY, &ref);
  if (out->o_result < 0)
    return 0;
  out->o_result = WL_SYS (r, sync_file_range, ref.fd, op->off, op->len,
                          (unsigned) op->opflags);
  /* A writeback error it reports leaves the file's unsynced blocks in
   * doubt, as a failed fsync does (the pages are clean now, their data
   * perhaps not on the disk). */
  if (out->o_result == -EIO && WL_SYS (r, fstat, ref.fd, &st) == 0
      && (e = wl_doubt_failed (&r->r_doubt, st.ino, st.generation)) < 0)
    e = wl_runner_error (r, e, op, "out of memory");
  int p = wl_ref_put (r, op, &ref);
  return e ? e : p;
}

int
wl_x_read (struct wl_runner *r, const struct wl_op *op,
           struct wl_outcome *out)
{
  struct wl_ref ref;
  struct fpfs_stat st;
  struct wl_mfile *f;
  uint8_t *got = NULL, blk[WL_BLOCK];
  uint64_t want;
  ssize_t n;
  int e;

  out->o_result = wl_ref_get (r, op, O_RDONLY, &ref);
  if (out->o_result < 0)
    return 0;
  if ((e = wl_state_model_file (r, ref.fd, &st, &f)) < 0)
    goto out;
  if (posix_memalign ((void **) &got, WL_BLOCK, op->len ? op->len : 1))
    got = NULL;                  /* aligned, for an O_DIRECT handle */
  if (!got) {
    e = wl_runner_error (r, -ENOMEM, op, "out of memory");
    goto out;
  }
  n = WL_SYS (r, pread, ref.fd, got, op->len, op->off);
  out->o_result = n < 0 ? (int) n : (int) (n > INT32_MAX ? INT32_MAX : n);
  if (n < 0 || !f)
    goto out;
  want = op->off >= f->f_size ? 0
         : f->f_size - op->off < op->len ? f->f_size - op->off : op->len;
  if ((uint64_t) n != want) {
    e = wl_runner_error (r, -EUCLEAN, op, "%s returned %zd bytes, the model "
                         "says the file holds %llu there", r->r_fs.name, n,
                         (unsigned long long) want);
    goto out;
  }
  for (uint64_t o = op->off; o < op->off + want;) {
    uint64_t b = o / WL_BLOCK, in = o % WL_BLOCK;
    uint64_t k = WL_BLOCK - in < op->off + want - o ? WL_BLOCK - in
                 : op->off + want - o;
    wl_model_block (f, b, blk);
    if (memcmp (blk + in, got + (o - op->off), k) != 0) {
      size_t at = 0;
      while (blk[in + at] == got[o - op->off + at])
        at++;
      e = wl_runner_error (r, -EUCLEAN, op, "byte %llu of the file: %s "
                           "returned 0x%02x, the model says 0x%02x (no op "
                           "wrote what was read)",
                           (unsigned long long) (o + at), r->r_fs.name,
                           got[o - op->off + at], blk[in + at]);
      goto out;
    }
    o += k;
  }
out:
  free (got);
  int p = wl_ref_put (r, op, &ref);
  return e ? e : p;
}

int
wl_x_drop_caches (struct wl_runner *r, const struct wl_op *op,
                  struct wl_outcome *out)
{
  out->o_result = WL_SYS (r, drop_caches, op->opflags);
  return 0;
}
