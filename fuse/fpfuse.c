/* fpfuse: the FUSE session around the engine (fpfuse.h).
 *
 * One serving thread reads requests from /dev/fuse and runs them
 * (fpfuse_ops.c) one at a time.  It does not use fuse_loop: it polls the
 * device together with an eventfd, so fpfuse_stop can end it at once
 * whatever the kernel side is doing (a mount namespace that still holds a
 * copy of the mount, a request that never comes).  Then fuse_unmount
 * closes the device -- the kernel aborts the connection, so anything
 * still waiting on it gets ENOTCONN instead of hanging -- and detaches
 * the mount.
 *
 * A ticker thread (clock_real) advances the engine's clock every
 * FPFUSE_TICK_NS under the same lock, so a program that sleeps sees the
 * journal commit after commit= seconds as on a real machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "fpfuse_int.h"

#define FPFUSE_TICK_NS (50u * 1000 * 1000)
#define FPFUSE_QUIET_NS (30u * 1000 * 1000)
#define FPFUSE_QUIET_MAX_NS (2000ull * 1000 * 1000)

static uint64_t
uf_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

void
fpfuse_clock_catch_up (struct fpfuse *f)
{
  uint64_t now = uf_now_ns ();

  if (now > f->u_last_ns) {
    fpfs_clock_advance (f->u_fs, now - f->u_last_ns);
    f->u_last_ns = now;
  }
}

static void
uf_block_signals (void)
{
  sigset_t all;

  sigfillset (&all);
  pthread_sigmask (SIG_BLOCK, &all, NULL);
}

static void *
uf_loop (void *arg)
{
  struct fpfuse *f = arg;
  struct fuse_session *se = fuse_get_session (f->u_fuse);
  struct fuse_buf buf;
  int fd = fuse_session_fd (se);

  uf_block_signals ();
  memset (&buf, 0, sizeof buf);
  while (!fuse_session_exited (se)) {
    struct pollfd p[2] = { { fd, POLLIN, 0 }, { f->u_stop_fd, POLLIN, 0 } };
    if (poll (p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (p[1].revents)
      break;                     /* fpfuse_stop */
    if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL))
      break;                     /* unmounted, or the connection aborted */
    int n = fuse_session_receive_buf (se, &buf);
    if (n == -EINTR || n == -EAGAIN)
      continue;
    if (n <= 0)
      break;
    fuse_session_process_buf (se, &buf);
  }
  free (buf.mem);
  atomic_store (&f->u_ended, true);
  return NULL;
}

static void *
uf_tick (void *arg)
{
  struct fpfuse *f = arg;
  struct timespec nap = { 0, FPFUSE_TICK_NS };

  uf_block_signals ();
  while (!atomic_load (&f->u_stopping)) {
    nanosleep (&nap, NULL);
    pthread_mutex_lock (&f->u_lock);
    fpfuse_clock_catch_up (f);
    pthread_mutex_unlock (&f->u_lock);
  }
  return NULL;
}

int
fpfuse_start (struct fpfs *fs, const char *dir, const struct fpfuse_opts *o,
              struct fpfuse **out, char *errbuf, size_t errlen)
{
  struct fuse_args args = FUSE_ARGS_INIT (0, NULL);
  struct fpfuse *f;
  int e;

  *out = NULL;
  if (access ("/dev/fuse", R_OK | W_OK) < 0) {
    snprintf (errbuf, errlen, "/dev/fuse: %s (the FUSE front end needs "
              "the fuse module and root)", strerror (errno));
    return -errno;
  }
  if (!(f = calloc (1, sizeof *f)) || !(f->u_dir = strdup (dir))) {
    free (f);
    snprintf (errbuf, errlen, "out of memory");
    return -ENOMEM;
  }
  f->u_fs = fs;
  f->u_opts = *o;
  f->u_stop_fd = -1;
  pthread_mutex_init (&f->u_lock, NULL);
  if ((f->u_stop_fd = eventfd (0, EFD_CLOEXEC)) < 0) {
    e = -errno;
    snprintf (errbuf, errlen, "eventfd: %s", strerror (-e));
    goto fail;
  }
  if (fuse_opt_add_arg (&args, "flushpoint") < 0
      || fuse_opt_add_arg (&args, "-o") < 0
      || fuse_opt_add_arg (&args, o->read_only
                           ? "fsname=flushpoint,subtype=fpfs,allow_other,ro"
                           : "fsname=flushpoint,subtype=fpfs,allow_other")
         < 0) {
    e = -ENOMEM;
    snprintf (errbuf, errlen, "out of memory");
    goto fail;
  }
  f->u_fuse = fuse_new (&args, &fpfuse_operations, sizeof fpfuse_operations,
                        f);
  fuse_opt_free_args (&args);
  if (!f->u_fuse) {
    e = -EINVAL;
    snprintf (errbuf, errlen, "fuse_new refused the session (libfuse "
              "printed why)");
    goto fail;
  }
  if (fuse_mount (f->u_fuse, dir) != 0) {
    e = -EIO;
    snprintf (errbuf, errlen, "mounting FUSE on %s failed (libfuse printed "
              "why)", dir);
    goto fail;
  }
  f->u_mounted = true;
  f->u_last_ns = uf_now_ns ();
  if ((e = -pthread_create (&f->u_loop, NULL, uf_loop, f)) < 0) {
    snprintf (errbuf, errlen, "the serving thread: %s", strerror (-e));
    goto fail;
  }
  f->u_loop_started = true;
  if (o->clock_real) {
    if ((e = -pthread_create (&f->u_tick, NULL, uf_tick, f)) < 0) {
      snprintf (errbuf, errlen, "the clock thread: %s", strerror (-e));
      goto fail;
    }
    f->u_tick_started = true;
  }
  *out = f;
  return 0;
fail:
  fpfuse_stop (f);
  return e;
}

void
fpfuse_lock (struct fpfuse *f)
{
  pthread_mutex_lock (&f->u_lock);
  if (f->u_opts.clock_real)
    fpfuse_clock_catch_up (f);
}

void
fpfuse_unlock (struct fpfuse *f)
{
  pthread_mutex_unlock (&f->u_lock);
}

int
fpfuse_sync (struct fpfuse *f, int what)
{
  int e;

  fpfuse_lock (f);
  e = what == 1 ? fpfs_sync (f->u_fs) : fpfs_syncfs (f->u_fs);
  fpfuse_unlock (f);
  return e;
}

int
fpfuse_sync_file_range (struct fpfuse *f, const char *path, uint64_t off,
                        uint64_t nbytes, unsigned flags)
{
  int fd, e;

  fpfuse_lock (f);
  if ((fd = fpfs_open (f->u_fs, path, O_RDONLY, 0)) < 0) {
    fpfuse_unlock (f);
    return fd;
  }
  e = fpfs_sync_file_range (f->u_fs, fd, off, nbytes, flags);
  fpfs_close (f->u_fs, fd);
  fpfuse_unlock (f);
  return e;
}

bool
fpfuse_ended (const struct fpfuse *f)
{
  return atomic_load (&f->u_ended);
}

unsigned long
fpfuse_requests (const struct fpfuse *f)
{
  return atomic_load (&f->u_requests);
}

int
fpfuse_stop (struct fpfuse *f)
{
  uint64_t one = 1;

  if (!f)
    return 0;
  /* The kernel sends RELEASE and RELEASEDIR after close(2) returns, in
   * the background: let the closes of a program that just exited arrive
   * (no request for FPFUSE_QUIET_NS, at most FPFUSE_QUIET_MAX_NS), so
   * each engine descriptor and libfuse handle is released by its own
   * request. */
  if (f->u_loop_started) {
    uint64_t t0 = uf_now_ns (), seen = uf_now_ns ();
    unsigned long n = fpfuse_requests (f);
    struct timespec nap = { 0, 5 * 1000 * 1000 };
    while (!fpfuse_ended (f) && uf_now_ns () - seen < FPFUSE_QUIET_NS
           && uf_now_ns () - t0 < FPFUSE_QUIET_MAX_NS) {
      nanosleep (&nap, NULL);
      if (fpfuse_requests (f) != n) {
        n = fpfuse_requests (f);
        seen = uf_now_ns ();
      }
    }
  }
  atomic_store (&f->u_stopping, true);
  if (f->u_loop_started) {
    if (write (f->u_stop_fd, &one, sizeof one) < 0)
      fuse_exit (f->u_fuse);
    pthread_join (f->u_loop, NULL);
  }
  if (f->u_tick_started)
    pthread_join (f->u_tick, NULL);
  if (f->u_mounted)
    fuse_unmount (f->u_fuse);    /* closes /dev/fuse, detaches the mount */
  if (f->u_fuse)
    fuse_destroy (f->u_fuse);
  if (f->u_stop_fd >= 0)
    close (f->u_stop_fd);
  pthread_mutex_destroy (&f->u_lock);
  free (f->u_dir);
  free (f);
  return 0;
}
