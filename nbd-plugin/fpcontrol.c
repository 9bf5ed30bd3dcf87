/* fpcontrol: the plugin's control export and its fault gates.
 *
 * The control export (FP_CONTROL_SIZE bytes; the man page is the user's
 * reference):
 *   - a write below FP_CONTROL_CMD appends one MARK entry whose payload is
 *     exactly the bytes written (the offset is otherwise ignored);
 *   - a write at FP_CONTROL_CMD or above is a fault command: the bytes up
 *     to the first NUL are fault specs (faults.h), applied all or none,
 *     recorded by one FAULT entry; a bad one fails with EINVAL and
 *     nbdkit_error says why;
 *   - a read returns, in the first FP_CONTROL_BLOCK bytes, one NUL-padded
 *     ASCII line (keys keep their order; new keys are only appended):
 *       flushpoint-control 1 uuid=U next_seq=N writes=N trims=N zeros=N
 *       flushes=N marks=N bytes_written=N faults_fired=N power=on|off
 *       faults=SPEC;SPEC...\n
 *
 * Fault gates.  An injected fault is decided before anything else happens
 * to a request, under p_lock held for writing, in the place the request's
 * own entry would take: so a failed request has changed nothing, "the Nth
 * write" is the Nth in log order, and its FAULT entry (flag FAILED, the
 * request's offset, length and FUA) sits where the entry would have been.
 * Latency is slept before the lock, so that one slow request does not
 * stall reads on other connections.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "fpplugin.h"

/* The fault= parameters, armed before the first connection, with one FAULT
 * entry saying what was armed (so the log shows every fault's origin). */
int
fpcontrol_arm_config (struct fp_plugin *p)
{
  char *note;
  int r = -1;

  fpfault_set_init (&p->p_faults, p->p_cfg.c_size);
  if (!p->p_cfg.c_faults)
    return 0;
  if (!(note = calloc (1, FP_FAULT_NOTE_MAX))) {
    nbdkit_error ("fault: out of memory");
    return -1;
  }
  if (fpconfig_faults (&p->p_cfg, &p->p_faults, note, FP_FAULT_NOTE_MAX) == 0) {
    pthread_rwlock_wrlock (&p->p_lock);
    r = fpplugin_log_fault_locked (p, 0, 0, 0, note);
    pthread_rwlock_unlock (&p->p_lock);
  }
  free (note);
  return r;
}

/* ---- faults ---- */

/* Latency of op, slept before the request takes any lock. */
void
fpcontrol_fault_delay (struct fp_plugin *p, enum fpfault_op op)
{
  uint64_t ns;

  pthread_mutex_lock (&p->p_fault_lock);
  ns = fpfault_set_latency (&p->p_faults, op);
  pthread_mutex_unlock (&p->p_fault_lock);
  if (ns) {
    struct timespec ts = { (time_t) (ns / 1000000000u),
                           (long) (ns % 1000000000u) };
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
      ;
  }
}

bool
fpcontrol_faults_idle (struct fp_plugin *p)
{
  bool idle;

  pthread_mutex_lock (&p->p_fault_lock);
  idle = fpfault_set_idle (&p->p_faults);
  pthread_mutex_unlock (&p->p_fault_lock);
  return idle;
}

/* Does a fault fail this request?  0: serve it.  -1: it was failed -- a
 * FAULT entry is in the log (or, if that could not be written, the request
 * fails with EIO instead) and the error is set.  The caller holds p_lock
 * for writing and has changed nothing yet. */
int
fpcontrol_fault_gate_locked (struct fp_plugin *p, enum fpfault_op op,
                             const char *what, uint32_t nbd_flags,
                             uint64_t offset, uint64_t length)
{
  struct fpfault_hit hit;
  char text[FPFAULT_TEXT_MAX + 160];
  unsigned flags = FPLOG_F_FAILED;

  pthread_mutex_lock (&p->p_fault_lock);
  fpfault_set_match (&p->p_faults, op, offset, length, &hit);
  pthread_mutex_unlock (&p->p_fault_lock);
  if (!hit.h_errno)
    return 0;
  if (nbd_flags & NBDKIT_FLAG_FUA)
    flags |= FPLOG_F_FUA;
  snprintf (text, sizeof text, "fired id=%u op=%s errno=%s spec=%s%s",
            hit.h_id, what, fpfault_errno_name (hit.h_errno), hit.h_text,
            hit.h_power_now ? " power=cut" : hit.h_power ? " power=off" : "");
  nbdkit_debug ("fault: %s of %" PRIu64 " bytes at %" PRIu64 ": %s", what,
                length, offset, text);
  if (fpplugin_log_fault_locked (p, flags, offset, length, text) < 0)
    return -1;
  nbdkit_set_error (hit.h_errno);
  return -1;
}

/* ---- the control export ---- */

static int
fpc_read_line (struct fp_plugin *p, void *buf, uint32_t count, uint64_t offset)
{
  char block[FP_CONTROL_BLOCK] = { 0 };
  char uuid[37];
  char list[FP_CONTROL_BLOCK / 2];
  struct fp_counters c;
  uint64_t next_seq, fired;
  bool power_off;
  int n;

  pthread_rwlock_rdlock (&p->p_lock);
  c = p->p_counters;
  next_seq = fplog_writer_next_seq (p->p_log);
  pthread_mutex_lock (&p->p_fault_lock);
  fired = p->p_faults.fs_fired;
  power_off = p->p_faults.fs_power_off;
  fpfault_set_list (&p->p_faults, list, sizeof list);
  pthread_mutex_unlock (&p->p_fault_lock);
  pthread_rwlock_unlock (&p->p_lock);

  fplog_uuid_format (p->p_cfg.c_uuid, uuid);
  n = snprintf (block, sizeof block,
                "flushpoint-control 1 uuid=%s next_seq=%" PRIu64
                " writes=%" PRIu64 " trims=%" PRIu64 " zeros=%" PRIu64
                " flushes=%" PRIu64 " marks=%" PRIu64 " bytes_written=%"
                PRIu64 " faults_fired=%" PRIu64 " power=%s faults=%s\n",
                uuid, next_seq, c.c_writes, c.c_trims, c.c_zeros,
                c.c_flushes, c.c_marks, c.c_bytes_written, fired,
                power_off ? "off" : "on", list);
  assert (n > 0 && (size_t) n < sizeof block);

  memset (buf, 0, count);
  if (offset < FP_CONTROL_BLOCK) {
    uint64_t k = FP_CONTROL_BLOCK - offset < count
                 ? FP_CONTROL_BLOCK - offset : count;
    memcpy (buf, block + offset, k);
  }
  return 0;
}

/* A write to the control export: its bytes become one MARK entry.  The
 * offset is ignored (marks are not stored anywhere but the log). */
static int
fpc_mark (struct fp_plugin *p, const void *buf, uint32_t count)
{
  int r;

  pthread_rwlock_wrlock (&p->p_lock);
  r = fpplugin_log_locked (p, FPLOG_MARK, 0, 0, count, buf, count);
  if (r == 0)
    p->p_counters.c_marks++;
  pthread_rwlock_unlock (&p->p_lock);
  return r;
}

/* A write at FP_CONTROL_CMD or above: fault specs, up to the first NUL.
 * Every spec is parsed and tried on a copy of the set first, so a command
 * applies whole or not at all; then one FAULT entry records what it did,
 * and only once that is in the log does the set change. */
static int
fpc_command (struct fp_plugin *p, const void *buf, uint32_t count)
{
  struct fpfault_spec specs[FPFAULT_SPECS_MAX];
  struct fpfault_set *next = NULL;
  size_t len = strnlen (buf, count), n, used = 0;
  char err[512], *note = NULL;
  int r = -1;

  if (fpfault_parse (buf, len, specs, FPFAULT_SPECS_MAX, &n, err,
                     sizeof err) < 0) {
    nbdkit_error ("control: fault command refused: %s", err);
    nbdkit_set_error (EINVAL);
    return -1;
  }
  next = malloc (sizeof *next);
  note = calloc (1, FP_FAULT_NOTE_MAX);
  if (!next || !note) {
    free (next);
    free (note);
    nbdkit_error ("control: fault command: out of memory");
    nbdkit_set_error (ENOMEM);
    return -1;
  }
  pthread_rwlock_wrlock (&p->p_lock);
  pthread_mutex_lock (&p->p_fault_lock);
  *next = p->p_faults;
  pthread_mutex_unlock (&p->p_fault_lock);
  for (size_t i = 0; i < n; i++) {
    char line[FP_FAULT_LINE];
    if (fpfault_set_apply (next, &specs[i], line, sizeof line, err,
                           sizeof err) < 0) {
      nbdkit_error ("control: fault command refused: %s", err);
      nbdkit_set_error (EINVAL);
      goto out;
    }
    if (used < FP_FAULT_NOTE_MAX)
      used += snprintf (note + used, FP_FAULT_NOTE_MAX - used, "%s%s",
                        used ? "\n" : "", line);
  }
  if (fpplugin_log_fault_locked (p, 0, 0, 0, note) < 0)
    goto out;
  /* Requests are serialised by p_lock, so nothing matched against the set
   * since we copied it. */
  pthread_mutex_lock (&p->p_fault_lock);
  p->p_faults = *next;
  pthread_mutex_unlock (&p->p_fault_lock);
  r = 0;
 out:
  pthread_rwlock_unlock (&p->p_lock);
  free (next);
  free (note);
  return r;
}

int
fpcontrol_write (struct fp_plugin *p, const void *buf, uint32_t count,
                 uint64_t offset)
{
  return offset >= FP_CONTROL_CMD ? fpc_command (p, buf, count)
                                  : fpc_mark (p, buf, count);
}

int
fpcontrol_read (struct fp_plugin *p, void *buf, uint32_t count,
                uint64_t offset)
{
  return fpc_read_line (p, buf, count, offset);
}
