/* fpplugin: the flushpoint plugin's run-time context, shared by its two
 * files: flushpoint-plugin.c (startup, the disk export, the log) and
 * fpcontrol.c (the control export and the fault gates).
 *
 * nbdkit gives a plugin one instance per process, so flushpoint-plugin.c
 * holds one static struct fp_plugin and passes it to fpcontrol.c; nothing
 * below it (fpconfig, fpdisk, fplog, faults) holds globals.
 *
 * Locks: p_lock (rwlock) guards the disk, the log and the counters; every
 * request that may change the log holds it for writing.  p_fault_lock
 * guards p_faults and is taken after p_lock when both are held.
 */
#ifndef FPPLUGIN_H
#define FPPLUGIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "faults.h"
#include "fpconfig.h"
#include "fpdisk.h"
#include "fplog.h"

#define FP_CONTROL_NAME  "control"
#define FP_CONTROL_SIZE  (1u << 20)   /* largest single MARK payload */
#define FP_CONTROL_BLOCK 4096u        /* bytes holding the counters line */
#define FP_CONTROL_CMD   (512u << 10) /* writes from here on are fault commands */

struct fp_counters {
  uint64_t c_writes, c_trims, c_zeros, c_flushes, c_marks, c_bytes_written;
};

struct fp_plugin {
  struct fp_config p_cfg;     /* set by .config before any thread exists */
  /* Run-time state, from .get_ready on.  p_lock guards the next five. */
  bool p_ready;
  pthread_rwlock_t p_lock;
  struct fpdisk p_disk;
  struct fplog_writer *p_log;
  int p_log_rfd;              /* read side of the log: fpdisk references */
  struct fp_counters p_counters;
  /* Faults: p_fault_lock guards p_faults. */
  pthread_mutex_t p_fault_lock;
  struct fpfault_set p_faults;
};

/* flushpoint-plugin.c: append one entry; the caller holds p_lock for
 * writing.  On failure the reason is printed, EIO is set and -1 returned.
 * fpplugin_log_locked takes the request's NBD flags; fpplugin_log_fault
 * takes FPLOG_F_* flags and a NUL-terminated text payload. */
int fpplugin_log_locked (struct fp_plugin *p, enum fplog_type type,
                         uint32_t nbd_flags, uint64_t offset, uint64_t length,
                         const void *payload, uint32_t payload_len);
int fpplugin_log_fault_locked (struct fp_plugin *p, unsigned flags,
                               uint64_t offset, uint64_t length,
                               const char *text);

/* fpcontrol.c: the control export. */
int fpcontrol_read (struct fp_plugin *p, void *buf, uint32_t count,
                    uint64_t offset);
int fpcontrol_write (struct fp_plugin *p, const void *buf, uint32_t count,
                     uint64_t offset);

/* fpcontrol.c: faults on the disk export. */
int fpcontrol_arm_config (struct fp_plugin *p);     /* at .get_ready */
void fpcontrol_fault_delay (struct fp_plugin *p, enum fpfault_op op);
bool fpcontrol_faults_idle (struct fp_plugin *p);
/* 0: serve the request.  -1: a fault failed it (FAULT entry logged, error
 * set).  The caller holds p_lock for writing and has changed nothing. */
int fpcontrol_fault_gate_locked (struct fp_plugin *p, enum fpfault_op op,
                                 const char *what, uint32_t nbd_flags,
                                 uint64_t offset, uint64_t length);

#endif /* FPPLUGIN_H */
