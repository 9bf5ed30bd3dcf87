/* wl_app_exec: a program under the tracer, its calls into wl_app (wl_app.h).
 *
 * The program runs as /bin/sh -c CMD with its working directory at the
 * mount point, FLUSHPOINT_CONTROL set to the control export's URI (for
 * `flushpoint mark`) and FLUSHPOINT_ROOT to the mount point.  Its stdout
 * and stderr go to a memory file; the end of it goes into the end mark
 * and, when the program fails, into the error.  A program that fails on
 * the healthy stack -- before any crash -- is an error, not a finding.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fptrace.h"
#include "wl_app.h"
#include "wl_runner.h"

extern char **environ;

struct wl_app_run {
  struct wl_app *a;
  const char *root;
  size_t rootlen;
};

/* A path of this machine as a path of the file system under test, or
 * NULL when it lies elsewhere. */
static const char *
app_inside (const struct wl_app_run *x, const char *path)
{
  if (!path || strncmp (path, x->root, x->rootlen) != 0)
    return NULL;
  if (path[x->rootlen] == '\0')
    return "/";
  return path[x->rootlen] == '/' ? path + x->rootlen : NULL;
}

static enum wl_app_kind
app_kind (const struct fptrace_event *ev)
{
  switch (ev->call) {
  case FPT_OPEN: return WL_APP_OPEN;
  case FPT_WRITE:
    return strncmp (ev->name, "pwrite", 6) == 0 ? WL_APP_PWRITE
                                                : WL_APP_WRITE;
  case FPT_TRUNCATE: return ev->fd >= 0 ? WL_APP_FTRUNCATE : WL_APP_TRUNCATE;
  case FPT_FSYNC: return WL_APP_FSYNC;
  case FPT_FDATASYNC: return WL_APP_FDATASYNC;
  case FPT_SYNC: return WL_APP_SYNC;
  case FPT_SYNCFS: return WL_APP_SYNCFS;
  case FPT_SYNC_FILE_RANGE: return WL_APP_SYNC_FILE_RANGE;
  case FPT_RENAME: return WL_APP_RENAME;
  case FPT_LINK: return WL_APP_LINK;
  case FPT_UNLINK: return WL_APP_UNLINK;
  case FPT_MKDIR: return WL_APP_MKDIR;
  case FPT_RMDIR: return WL_APP_RMDIR;
  case FPT_SYMLINK: return WL_APP_SYMLINK;
  case FPT_FALLOCATE: return WL_APP_FALLOCATE;
  case FPT_CHMOD: return ev->fd >= 0 && !ev->path ? WL_APP_FCHMOD
                                                  : WL_APP_CHMOD;
  case FPT_UTIMES: return WL_APP_UTIMES;
  case FPT_CLOSE: return WL_APP_CLOSE;
  case FPT_DUP: return WL_APP_DUP;
  default: return WL_APP_OTHER;
  }
}

static int
app_event (void *arg, const struct fptrace_event *ev)
{
  struct wl_app_run *x = arg;
  struct wl_app_call c = {
    .kind = app_kind (ev), .exit = ev->phase == FPT_EXIT,
    .tid = ev->tid, .tgid = ev->tgid, .fd = ev->fd, .fd2 = ev->fd2,
    .path = app_inside (x, ev->path), .path2 = app_inside (x, ev->path2),
    .off = ev->off, .len = ev->len, .flags = ev->flags, .mode = ev->mode,
    .data = ev->data, .ret = ev->ret, .err = ev->err,
  };

  if (c.kind == WL_APP_OTHER)
    return 0;
  /* A symlink's target is text, not a path of this machine. */
  if (c.kind == WL_APP_SYMLINK)
    c.path2 = ev->path2;
  return wl_app_call (x->a, &c);
}

/* The end of what the program printed, NUL-terminated, into out. */
static void
app_output_tail (int fd, char *out, size_t len)
{
  off_t end = lseek (fd, 0, SEEK_END);
  off_t from = end > (off_t) (len - 1) ? end - (off_t) (len - 1) : 0;
  ssize_t n = end > 0 ? pread (fd, out, (size_t) (end - from), from) : 0;

  out[n > 0 ? n : 0] = '\0';
  for (ssize_t i = 0; i < n; i++)     /* marks are UTF-8 JSON text */
    if ((unsigned char) out[i] < 0x20 && out[i] != '\n' && out[i] != '\t')
      out[i] = '?';
}

int
wl_app_exec (struct wl_runner *r, const char *root, const char *control,
             const struct wl_exec *x)
{
  char *argv[] = { "/bin/sh", "-c", (char *) x->cmd, NULL };
  struct wl_app_run run = { .root = root, .rootlen = strlen (root) };
  struct wl_run_result *res = r->r_res;
  size_t nenv = 0;
  char **envp, why[512] = "", ctlvar[4300], rootvar[4200];
  int out = -1, status = 0, e;

  while (environ[nenv])
    nenv++;
  if (!(envp = calloc (nenv + 4, sizeof *envp)))
    return wl_runner_error (r, -ENOMEM, NULL, "out of memory");
  size_t k = 0;
  const char *asan = "";
  for (size_t i = 0; i < nenv; i++)
    if (strncmp (environ[i], "ASAN_OPTIONS=", 13) == 0)
      asan = environ[i] + 13;
    else if (strncmp (environ[i], "FLUSHPOINT_CONTROL=", 19)
             && strncmp (environ[i], "FLUSHPOINT_ROOT=", 16))
      envp[k++] = environ[i];
  /* LeakSanitizer cannot run under ptrace and kills a program built with
   * it at exit; its leak check is off for the traced program (and for
   * nothing else). */
  char asanvar[1024];
  snprintf (asanvar, sizeof asanvar, "ASAN_OPTIONS=%s%sdetect_leaks=0", asan,
            asan[0] ? ":" : "");
  envp[k++] = asanvar;
  snprintf (ctlvar, sizeof ctlvar, "FLUSHPOINT_CONTROL=%s", control);
  snprintf (rootvar, sizeof rootvar, "FLUSHPOINT_ROOT=%s", root);
  envp[k++] = ctlvar;
  envp[k++] = rootvar;
  if ((out = memfd_create ("flushpoint-exec-output", MFD_CLOEXEC)) < 0) {
    free (envp);
    return wl_runner_error (r, -errno, NULL, "memfd_create: %s",
                            strerror (errno));
  }
  if ((e = wl_app_new (r, &run.a)) < 0) {
    close (out);
    free (envp);
    return wl_runner_error (r, e, NULL, "out of memory");
  }
  struct fptrace_opts to = {
    .cwd = root, .envp = envp, .timeout_s = x->timeout_s,
    .only_under = root, .stdout_fd = out, .stderr_fd = out,
  };
  e = fptrace_run (argv, &to, app_event, &run, &status, why, sizeof why);
  app_output_tail (out, res->exec_output, sizeof res->exec_output);
  if (x->out_fd >= 0 && (e < 0 || status != 0)) {
    /* Its whole output, for the person who runs it. */
    char buf[8192];
    ssize_t n;
    for (off_t o = 0; (n = pread (out, buf, sizeof buf, o)) > 0; o += n)
      if (write (x->out_fd, buf, (size_t) n) < 0)
        break;
  }
  close (out);
  free (envp);
  wl_app_free (run.a);
  if (e < 0 && r->r_err[0])
    return e;                    /* the recording's own error */
  if (e == -ETIMEDOUT)
    return wl_runner_error (r, -EPROTO, NULL, "%s: the program did not "
                            "finish in %g s and was killed", r->r_w->name,
                            x->timeout_s);
  if (e < 0)
    return wl_runner_error (r, e, NULL, "%s: tracing the program: %s",
                            r->r_w->name, why);
  res->exec_ran = true;
  res->exec_status = status;
  if (WIFSIGNALED (status))
    return wl_runner_error (r, -EPROTO, NULL, "%s: the program was killed "
                            "by signal %d on the healthy stack (before any "
                            "crash)", r->r_w->name, WTERMSIG (status));
  if (WIFEXITED (status) && WEXITSTATUS (status) != 0)
    return wl_runner_error (r, -EPROTO, NULL, "%s: the program exited with "
                            "status %d on the healthy stack (before any "
                            "crash): that is an error, not a finding",
                            r->r_w->name, WEXITSTATUS (status));
  return 0;
}
