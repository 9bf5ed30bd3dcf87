/* fptrace: the caller's side (fptrace.h): start the tracer process, hand
 * each of its messages to the callback, answer, and keep the time. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fptrace_int.h"

static double
fpt_now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + t.tv_nsec / 1e9;
}

/* Read exactly len bytes, waiting at most until deadline (0: forever).
 * 0, -ETIMEDOUT, -EPIPE (the tracer went away) or -errno. */
static int
fpt_read (int fd, void *buf, size_t len, double deadline)
{
  uint8_t *p = buf;

  while (len) {
    if (deadline > 0) {
      double left = deadline - fpt_now ();
      struct pollfd pf = { .fd = fd, .events = POLLIN };
      if (left <= 0)
        return -ETIMEDOUT;
      int r = poll (&pf, 1, (int) (left * 1000) + 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -errno;
      if (r == 0)
        return -ETIMEDOUT;
    }
    ssize_t n = read (fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return -EPIPE;
    p += n;
    len -= (size_t) n;
  }
  return 0;
}

static char *
fpt_str (uint8_t *buf, size_t *at, uint32_t n)
{
  char *s = (char *) buf + *at;
  *at += n;
  return n ? s : NULL;
}

int
fptrace_run (char *const argv[], const struct fptrace_opts *o, fptrace_cb cb,
             void *arg, int *wstatus, char *errbuf, size_t errlen)
{
  double deadline = o->timeout_s > 0 ? fpt_now () + o->timeout_s : 0;
  uint8_t *buf = NULL;
  size_t cap = 0;
  int sv[2], ret = 0, st;
  pid_t tracer;

  *wstatus = 0;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    snprintf (errbuf, errlen, "socketpair: %s", strerror (errno));
    return -errno;
  }
  if ((tracer = fork ()) < 0) {
    ret = -errno;
    snprintf (errbuf, errlen, "fork: %s", strerror (errno));
    close (sv[0]);
    close (sv[1]);
    return ret;
  }
  if (tracer == 0) {
    close (sv[0]);
    fpt_tracer_main (sv[1], argv, o);
  }
  close (sv[1]);
  for (;;) {
    struct fpt_msg m;
    if ((ret = fpt_read (sv[0], &m, sizeof m, deadline)) < 0)
      break;
    size_t need = (size_t) m.n_name + m.n_path + m.n_path2 + m.data_len + 1;
    if (m.data_len > (1ull << 32) || need > cap) {
      uint8_t *b = m.data_len > (1ull << 32) ? NULL : realloc (buf, need);
      if (!b) {
        ret = -ENOMEM;
        snprintf (errbuf, errlen, "a message of %zu bytes: out of memory",
                  need);
        break;
      }
      buf = b;
      cap = need;
    }
    if ((ret = fpt_read (sv[0], buf, need - 1, deadline)) < 0)
      break;
    size_t at = 0;
    char *name = fpt_str (buf, &at, m.n_name);
    char *path = fpt_str (buf, &at, m.n_path);
    char *path2 = fpt_str (buf, &at, m.n_path2);
    if (m.kind == FPT_MSG_DONE) {
      *wstatus = (int) m.ret;
      break;
    }
    if (m.kind == FPT_MSG_ERROR) {
      ret = m.err > 0 ? -m.err : -EIO;
      snprintf (errbuf, errlen, "%.*s", (int) m.n_name, name ? name : "?");
      break;
    }
    /* NUL-terminate the strings in place: shift each after its end. */
    char nm[64], p1[4200], p2[4200];
    snprintf (nm, sizeof nm, "%.*s", (int) m.n_name, name ? name : "");
    snprintf (p1, sizeof p1, "%.*s", (int) m.n_path, path ? path : "");
    snprintf (p2, sizeof p2, "%.*s", (int) m.n_path2, path2 ? path2 : "");
    struct fptrace_event ev = {
      .call = (enum fptrace_call) m.call, .name = nm, .phase = m.phase,
      .tid = m.tid, .tgid = m.tgid, .fd = m.fd, .fd2 = m.fd2,
      .path = path ? p1 : NULL, .path2 = path2 ? p2 : NULL,
      .off = m.off, .len = m.len, .flags = m.flags, .mode = m.mode,
      .data = buf + at, .ret = (long) m.ret, .err = m.err,
    };
    int32_t answer = cb (arg, &ev);
    if (write (sv[0], &answer, sizeof answer) != sizeof answer) {
      ret = -EPIPE;
      break;
    }
    if (answer < 0) {
      ret = answer;
      snprintf (errbuf, errlen, "stopped by the recorder");
      break;
    }
  }
  if (ret == -EPIPE)
    snprintf (errbuf, errlen, "the tracer process died");
  else if (ret == -ETIMEDOUT)
    snprintf (errbuf, errlen, "timed out after %g s", o->timeout_s);
  /* The tracer's death kills every process of the program
   * (PTRACE_O_EXITKILL); a finished tracer is already gone. */
  if (ret < 0)
    kill (tracer, SIGKILL);
  close (sv[0]);
  while (waitpid (tracer, &st, 0) < 0 && errno == EINTR)
    ;
  free (buf);
  return ret;
}
