/* nbdkit-flushpoint-plugin: a sparse RAM disk that records every request
 * it completes into a flushpoint write log (fplog.h).  Whole pages written
 * are not kept twice: they are read back from the log (fpdisk.c).
 *
 *   nbdkit -U SOCK nbdkit-flushpoint-plugin.so size=64M log=run.fpl
 *          [log-overwrite=true] [durable=true] [base=IMAGE] [sector=512]
 *          [uuid=UUID] [deterministic=true] [fault=SPEC]...
 *
 * (-U always: without it nbdkit serves the disk and the fault-arming
 * control export to the whole network, unauthenticated.)
 *
 * Exports:
 *   ""         the disk.  WRITE, TRIM, ZERO and FLUSH are logged, with FUA.
 *   "control"  marks (a write appends a MARK entry), fault commands, and
 *              a counters line to read: fpcontrol.c.
 *
 * Thread model and ordering.  The log must be a total order that matches
 * what every client observed.  One rwlock guards the disk and the log:
 *   - every mutating request (write, trim, zero, flush, mark) holds it for
 *     writing across "append the entry, then apply the request"; the entry
 *     exists before the effect does and both happen in one critical
 *     section, so the log order is the order in which effects appeared;
 *   - reads hold it for reading, so no client can read data whose entry is
 *     not yet in the log, and a read sees all or none of any request;
 *   - a request is acknowledged (the callback returns) only after its entry
 *     is in the log file, so if a client saw A complete before it sent B,
 *     A's entry precedes B's.
 * The lock alone makes any nbdkit thread model correct.  We pick
 * SERIALIZE_REQUESTS: connections run in parallel (so reads from different
 * connections overlap, and one connection's writes interleave with
 * another's in true completion order), but nbdkit handles each
 * connection's requests one at a time in the connection's own thread.
 * Under PARALLEL, nbdkit hands every request from a reader thread to one
 * of 16 workers; for the synchronous clients this harness serves (the
 * engine waits for each write and flush), that handoff costs more than
 * the whole request (bench/bench_plugin: about 0.7x the time of
 * `nbdkit memory`, against about 1.1x under PARALLEL), and it buys nothing
 * for writes, which the lock serialises anyway.  A side benefit: requests
 * pipelined on one connection are logged in the order they were sent.
 *
 * Failure rule: a request whose entry cannot be written fails with EIO
 * (nbdkit_error says why) and leaves the disk untouched, because anything
 * that can fail (fpdisk_prepare, then the log append) happens before the
 * disk changes, and fpdisk_write/fpdisk_zero cannot fail.
 * So an acknowledged request is always in the log and a failed one is never
 * visible.
 *
 * Faults (faults.h; the gates are in fpcontrol.c).  A request a fault
 * fails is decided under p_lock before anything else happens to it, so it
 * changes nothing and its FAULT entry takes the place its own entry would
 * have had.  With faults armed, reads take p_lock for writing too: a failed
 * read is logged, and "the Nth read" must be well defined.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "fpplugin.h"

#define THREAD_MODEL NBDKIT_THREAD_MODEL_SERIALIZE_REQUESTS

/* nbdkit gives a plugin one instance per process, so the plugin's state is
 * one static context (fpplugin.h); everything below it takes a context
 * pointer and holds no globals. */
static struct fp_plugin fp = {
  .p_log_rfd = -1, .p_fault_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Handles only say which export a connection opened. */
struct fp_handle {
  bool h_control;
};
static struct fp_handle fp_disk_handle = { false };
static struct fp_handle fp_control_handle = { true };

/* ---- configuration and startup ---- */

static void
fp_load (void)
{
  fpconfig_init (&fp.p_cfg);
}

static int
fp_config (const char *key, const char *value)
{
  return fpconfig_set (&fp.p_cfg, key, value);
}

static int
fp_config_complete (void)
{
  return fpconfig_complete (&fp.p_cfg);
}

static int
fp_get_ready (void)
{
  const struct fp_config *c = &fp.p_cfg;
  struct fplog_writer_opts o = {
    .path = c->c_log_path,
    .device_size = c->c_size,
    .sector_size = c->c_sector,
    .base_path = c->c_base_path,
    .base_size = c->c_base_size,
    .uuid = c->c_uuid,
    .deterministic = c->c_deterministic,
    .overwrite = c->c_log_overwrite,
    .durable = c->c_durable,
  };
  pthread_rwlockattr_t attr;
  char err[512];
  int r;

  if (fpdisk_init (&fp.p_disk, c->c_size) < 0) {
    nbdkit_error ("size=%" PRIu64 ": out of memory for the page table",
                  c->c_size);
    return -1;
  }
  if (c->c_base_path &&
      fpconfig_load_base (&fp.p_cfg, &fp.p_disk, &o.base_checksum) == -1)
    return -1;
  r = fplog_writer_open (&o, &fp.p_log, err, sizeof err);
  if (r < 0) {
    nbdkit_error ("log: cannot create the write log: %s", err);
    return -1;
  }
  /* The read side shares the writer's open file description (and lock):
   * opening the path again could find another file. */
  fp.p_log_rfd = fcntl (fplog_writer_fd (fp.p_log), F_DUPFD_CLOEXEC, 0);
  if (fp.p_log_rfd == -1) {
    nbdkit_error ("log: dup for reading: %s: %m", c->c_log_path);
    return -1;
  }
  fp.p_disk.d_log_fd = fp.p_log_rfd;
  /* Prefer writers so that a stream of reads cannot starve the requests
   * that the log is waiting for. */
  pthread_rwlockattr_init (&attr);
  pthread_rwlockattr_setkind_np (&attr,
                                 PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  r = pthread_rwlock_init (&fp.p_lock, &attr);
  pthread_rwlockattr_destroy (&attr);
  if (r) {
    nbdkit_error ("pthread_rwlock_init: %s", strerror (r));
    return -1;
  }
  fp.p_ready = true;
  return fpcontrol_arm_config (&fp);
}

static void
fp_unload (void)
{
  int r = fplog_writer_close (fp.p_log);

  if (fp.p_ready)
    pthread_rwlock_destroy (&fp.p_lock);
  pthread_mutex_destroy (&fp.p_fault_lock);
  if (r < 0)
    nbdkit_error ("log: close: %s: %s", fp.p_cfg.c_log_path, strerror (-r));
  fpdisk_free (&fp.p_disk);
  if (fp.p_log_rfd >= 0)
    close (fp.p_log_rfd);
  fpconfig_free (&fp.p_cfg);
}

static void
fp_dump_plugin (void)
{
  printf ("flushpoint_log_version=%u\n", FPLOG_VERSION);
  fpconfig_dump ();
  printf ("flushpoint_exports=\"\",%s\n", FP_CONTROL_NAME);
}

/* ---- exports and handles ---- */

static int
fp_list_exports (int readonly, int is_tls, struct nbdkit_exports *exports)
{
  (void) readonly; (void) is_tls;
  if (nbdkit_add_export (exports, "", "flushpoint disk (recorded)") == -1 ||
      nbdkit_add_export (exports, FP_CONTROL_NAME,
                         "flushpoint control: write = MARK, "
                         "read = counters") == -1)
    return -1;
  return 0;
}

static const char *
fp_default_export (int readonly, int is_tls)
{
  (void) readonly; (void) is_tls;
  return "";
}

static void *
fp_open (int readonly)
{
  const char *name = nbdkit_export_name ();

  (void) readonly;
  if (!name || strcmp (name, "") == 0)
    return &fp_disk_handle;
  if (strcmp (name, FP_CONTROL_NAME) == 0)
    return &fp_control_handle;
  nbdkit_error ("open: unknown export '%s' (exports: \"\" and \"%s\")",
                name, FP_CONTROL_NAME);
  return NULL;
}

static int64_t
fp_get_size (void *handle)
{
  struct fp_handle *h = handle;

  return h->h_control ? FP_CONTROL_SIZE : (int64_t) fp.p_cfg.c_size;
}

static int
fp_can_disk_only (void *handle)
{
  struct fp_handle *h = handle;

  return !h->h_control;
}

static int
fp_can_one (void *handle)
{
  (void) handle;
  return 1;
}

static int
fp_is_rotational (void *handle)
{
  (void) handle;
  return 0;
}

static int
fp_can_fua (void *handle)
{
  struct fp_handle *h = handle;

  return h->h_control ? NBDKIT_FUA_NONE : NBDKIT_FUA_NATIVE;
}

/* ---- logging ---- */

/* Append one entry; the caller holds p_lock for writing.  On failure the
 * request is failed with EIO and the reason is printed. */
int
fpplugin_log_locked (struct fp_plugin *p, enum fplog_type type,
                     uint32_t nbd_flags, uint64_t offset, uint64_t length,
                     const void *payload, uint32_t payload_len)
{
  char err[512];
  uint64_t seq;
  unsigned flags = (nbd_flags & NBDKIT_FLAG_FUA) ? FPLOG_F_FUA : 0;
  int r;

  r = fplog_append (p->p_log, type, flags, offset, length, payload,
                    payload_len, &seq, err, sizeof err);
  if (r < 0) {
    nbdkit_error ("%s of %" PRIu64 " bytes at %" PRIu64
                  " failed with EIO: cannot log it: %s",
                  fplog_type_name (type), length, offset, err);
    nbdkit_set_error (EIO);
    return -1;
  }
  return 0;
}

/* A FAULT entry: payload text, flags FPLOG_F_FAILED (a request was failed)
 * and FPLOG_F_FUA (it carried FUA), or 0 (faults were armed or cleared).
 * The caller holds p_lock for writing. */
int
fpplugin_log_fault_locked (struct fp_plugin *p, unsigned flags,
                           uint64_t offset, uint64_t length, const char *text)
{
  char err[512];
  uint64_t seq;
  int r;

  r = fplog_append (p->p_log, FPLOG_FAULT, flags, offset, length, text,
                    (uint32_t) strlen (text), &seq, err, sizeof err);
  if (r < 0) {
    nbdkit_error ("FAULT entry \"%s\" failed with EIO: cannot log it: %s",
                  text, err);
    nbdkit_set_error (EIO);
    return -1;
  }
  return 0;
}

/* ---- data path ---- */

/* fpdisk_prepare failed: say why and fail the request, which has not been
 * logged and has changed nothing. */
static int
fp_prepare_failed (enum fplog_type type, uint64_t count, uint64_t offset,
                   int r)
{
  nbdkit_error ("%s of %" PRIu64 " bytes at %" PRIu64 ": %s",
                fplog_type_name (type), count, offset,
                r == -ENOMEM ? "out of memory"
                : "cannot read back earlier data from the log");
  nbdkit_set_error (r == -ENOMEM ? ENOMEM : EIO);
  return -1;
}

/* With faults armed a read takes p_lock for writing: a failed read gets a
 * FAULT entry, and "the Nth request" must be well defined. */
static int
fp_pread (void *handle, void *buf, uint32_t count, uint64_t offset,
          uint32_t flags)
{
  struct fp_handle *h = handle;
  int r;

  assert (!flags);
  if (h->h_control)
    return fpcontrol_read (&fp, buf, count, offset);
  fpcontrol_fault_delay (&fp, FPFAULT_READ);
  if (fpcontrol_faults_idle (&fp)) {
    pthread_rwlock_rdlock (&fp.p_lock);
    r = fpdisk_read (&fp.p_disk, buf, count, offset);
  } else {
    pthread_rwlock_wrlock (&fp.p_lock);
    if (fpcontrol_fault_gate_locked (&fp, FPFAULT_READ, "READ", 0, offset, count) < 0) {
      pthread_rwlock_unlock (&fp.p_lock);
      return -1;
    }
    r = fpdisk_read (&fp.p_disk, buf, count, offset);
  }
  pthread_rwlock_unlock (&fp.p_lock);
  if (r < 0) {
    nbdkit_error ("pread of %" PRIu32 " bytes at %" PRIu64 ": reading the "
                  "data back from the log %s failed", count, offset,
                  fp.p_cfg.c_log_path);
    nbdkit_set_error (EIO);
    return -1;
  }
  return 0;
}

/* FUA needs nothing beyond logging the flag: the entry carrying FPLOG_F_FUA
 * is in the log before we acknowledge, which is what makes the write
 * durable in the crash model.  Whole pages of the write are served back
 * from the entry's payload in the log (see fpdisk.c), at log_end + header. */
static int
fp_pwrite (void *handle, const void *buf, uint32_t count, uint64_t offset,
           uint32_t flags)
{
  struct fp_handle *h = handle;
  uint64_t payload_at;
  int r;

  assert (!(flags & ~NBDKIT_FLAG_FUA));
  if (h->h_control)
    return fpcontrol_write (&fp, buf, count, offset);

  fpcontrol_fault_delay (&fp, FPFAULT_WRITE);
  pthread_rwlock_wrlock (&fp.p_lock);
  if (fpcontrol_fault_gate_locked (&fp, FPFAULT_WRITE, "WRITE", flags, offset, count)
      < 0) {
    pthread_rwlock_unlock (&fp.p_lock);
    return -1;
  }
  payload_at = fplog_writer_end (fp.p_log) + FPLOG_ENTRY_HDR;
  r = fpdisk_prepare (&fp.p_disk, FPDISK_PREP_WRITE, count, offset);
  if (r < 0)
    r = fp_prepare_failed (FPLOG_WRITE, count, offset, r);
  else
    r = fpplugin_log_locked (&fp, FPLOG_WRITE, flags, offset, count, buf, count);
  if (r == 0) {
    fpdisk_write (&fp.p_disk, buf, count, offset, payload_at);
    fp.p_counters.c_writes++;
    fp.p_counters.c_bytes_written += count;
  }
  pthread_rwlock_unlock (&fp.p_lock);
  return r;
}

/* FLUSH orders every write completed before it (on any connection: the
 * lock makes the log global, hence can_multi_conn) before everything after
 * it.  The in-memory disk has no cache to drain; the FLUSH entry is the
 * point the checker builds its `flush` crash states on. */
static int
fp_flush (void *handle, uint32_t flags)
{
  struct fp_handle *h = handle;
  int r;

  assert (!flags);
  assert (!h->h_control);       /* can_flush is false for control */
  fpcontrol_fault_delay (&fp, FPFAULT_FLUSH);
  pthread_rwlock_wrlock (&fp.p_lock);
  /* A failed FLUSH (nbdkit's error filter cannot fail one; we can) has no
   * FLUSH entry: it made nothing durable. */
  if (fpcontrol_fault_gate_locked (&fp, FPFAULT_FLUSH, "FLUSH", 0, 0, 0) < 0) {
    pthread_rwlock_unlock (&fp.p_lock);
    return -1;
  }
  r = fpplugin_log_locked (&fp, FPLOG_FLUSH, 0, 0, 0, NULL, 0);
  if (r == 0)
    fp.p_counters.c_flushes++;
  pthread_rwlock_unlock (&fp.p_lock);
  return r;
}

/* TRIM and ZERO both leave the range reading as zeroes (DESIGN section 3),
 * so whole pages are released either way.  MAY_TRIM changes nothing we do;
 * FAST_ZERO is always honoured because zeroing never writes data. */
static int
fp_discard (enum fplog_type type, uint32_t count, uint64_t offset,
            uint32_t flags)
{
  enum fpfault_op op = type == FPLOG_TRIM ? FPFAULT_TRIM : FPFAULT_ZERO;
  int r;

  fpcontrol_fault_delay (&fp, op);
  pthread_rwlock_wrlock (&fp.p_lock);
  if (fpcontrol_fault_gate_locked (&fp, op, fplog_type_name (type),
                            flags, offset, count) < 0) {
    pthread_rwlock_unlock (&fp.p_lock);
    return -1;
  }
  r = fpdisk_prepare (&fp.p_disk, FPDISK_PREP_ZERO, count, offset);
  if (r < 0)
    r = fp_prepare_failed (type, count, offset, r);
  else
    r = fpplugin_log_locked (&fp, type, flags, offset, count, NULL, 0);
  if (r == 0) {
    fpdisk_zero (&fp.p_disk, count, offset);
    if (type == FPLOG_TRIM)
      fp.p_counters.c_trims++;
    else
      fp.p_counters.c_zeros++;
  }
  pthread_rwlock_unlock (&fp.p_lock);
  return r;
}

static int
fp_trim (void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
  struct fp_handle *h = handle;

  assert (!(flags & ~NBDKIT_FLAG_FUA));
  assert (!h->h_control);
  return fp_discard (FPLOG_TRIM, count, offset, flags);
}

static int
fp_zero (void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
  struct fp_handle *h = handle;

  assert (!(flags & ~(NBDKIT_FLAG_MAY_TRIM | NBDKIT_FLAG_FUA |
                      NBDKIT_FLAG_FAST_ZERO)));
  /* can_zero must be true on control too: if it were false nbdkit would
   * emulate ZERO with a pwrite of zeroes, i.e. a MARK full of NULs. */
  if (h->h_control) {
    nbdkit_error ("zero: the control export accepts marks by write only");
    nbdkit_set_error (EINVAL);
    return -1;
  }
  return fp_discard (FPLOG_ZERO, count, offset, flags);
}

static struct nbdkit_plugin plugin = {
  .name              = "flushpoint",
  .longname          = "flushpoint recording disk",
  .version           = "1.0",
  .description       = "A sparse RAM disk that records every request "
                       "into a flushpoint write log.",
  .load              = fp_load,
  .unload            = fp_unload,
  .config            = fp_config,
  .config_complete   = fp_config_complete,
  .config_help       = fpconfig_help,
  .dump_plugin       = fp_dump_plugin,
  .get_ready         = fp_get_ready,
  .list_exports      = fp_list_exports,
  .default_export    = fp_default_export,
  .open              = fp_open,
  .get_size          = fp_get_size,
  .can_write         = fp_can_one,
  .can_flush         = fp_can_disk_only,
  .can_trim          = fp_can_disk_only,
  .can_zero          = fp_can_one,      /* control: refused, see fp_zero */
  .can_fast_zero     = fp_can_one,
  .can_fua           = fp_can_fua,
  .can_multi_conn    = fp_can_one,
  .is_rotational     = fp_is_rotational,
  .pread             = fp_pread,
  .pwrite            = fp_pwrite,
  .flush             = fp_flush,
  .trim              = fp_trim,
  .zero              = fp_zero,
  .errno_is_preserved = 0,
};

NBDKIT_REGISTER_PLUGIN (plugin)
