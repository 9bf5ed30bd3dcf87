/* fpfuse_int: what fpfuse.c (the session) and fpfuse_ops.c (the
 * operations) share. */
#ifndef FPFUSE_INT_H
#define FPFUSE_INT_H

#define FUSE_USE_VERSION 35
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fpfuse.h"

struct fpfuse {
  struct fpfs *u_fs;
  struct fpfuse_opts u_opts;
  struct fuse *u_fuse;
  char *u_dir;
  pthread_mutex_t u_lock;        /* one engine call at a time */
  pthread_t u_loop, u_tick;
  bool u_loop_started, u_tick_started, u_mounted;
  int u_stop_fd;                 /* eventfd: stop serving */
  _Atomic bool u_ended;          /* the loop has returned */
  _Atomic bool u_stopping;
  uint64_t u_last_ns;            /* CLOCK_MONOTONIC at the last advance */
  _Atomic unsigned long u_requests;
};

/* The table of operations (fpfuse_ops.c). */
extern const struct fuse_operations fpfuse_operations;

/* With the lock held: advance the engine's clock to the wall's. */
void fpfuse_clock_catch_up (struct fpfuse *f);

#endif /* FPFUSE_INT_H */
