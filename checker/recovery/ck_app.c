/* ck_app: a program's own checker in a recovered crash state (ck_app.h).
 *
 * The state is mounted (ck_kernel); CMD runs as /bin/sh -c CMD in a
 * private mount namespace where the state is bind-mounted at the path the
 * program ran in (the run mark's exec_root), so a program that stored
 * absolute paths finds its files where it left them; states checked in
 * parallel each have their own namespace.  CMD gets FLUSHPOINT_MARKS (a
 * file with the text of the program's `flushpoint mark`s before the crash
 * point, one a line) and FLUSHPOINT_ROOT.  Exit 0: the program's data is
 * consistent in this state; anything else, or no exit within the timeout,
 * is a finding under "app", with what CMD printed and the program's last
 * calls before the crash point.  CMD may write (a database rolls back its
 * journal): the image is rewritten for every state.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ck_app.h"

extern char **environ;

/* The bind mount's target must exist; a directory made inside the
 * namespace would still be made on the shared tree, once per state and
 * never removed, so the whole check makes the missing ones once (before
 * the first state) and removes them after the last. */
int
ck_app_root_make (const char *root, char **made)
{
  char p[4096];
  struct stat sb;

  *made = NULL;
  if (strlen (root) >= sizeof p || root[0] != '/')
    return -ENAMETOOLONG;
  snprintf (p, sizeof p, "%s", root);
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s != '\0')
      continue;
    char c = *s;
    *s = '\0';
    if (stat (p, &sb) < 0) {
      if (errno != ENOENT || mkdir (p, 0755) < 0)
        return -errno;
      if (!*made && !(*made = strdup (p)))
        return -ENOMEM;
    } else if (!S_ISDIR (sb.st_mode)) {
      return -ENOTDIR;
    }
    *s = c;
    if (!c)
      break;
  }
  return 0;
}

void
ck_app_root_remove (const char *root, char *made)
{
  char p[4096];
  size_t stop = strlen (made);

  snprintf (p, sizeof p, "%s", root);
  for (size_t n = strlen (p); n >= stop; ) {
    p[n] = '\0';
    if (rmdir (p) < 0)
      break;
    char *slash = strrchr (p, '/');
    if (!slash || slash == p)
      break;
    n = (size_t) (slash - p);
  }
  free (made);
}

_Noreturn static void
ck_app_child (const char *cmd, const char *dir, const char *root,
              const char *marks, int out)
{
  char mv[4200], rv[4200];

  setpgid (0, 0);
  dup2 (out, STDOUT_FILENO);
  dup2 (out, STDERR_FILENO);
  if (root && strcmp (root, dir) != 0) {
    if (unshare (CLONE_NEWNS) < 0
        || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
      fprintf (stderr, "flushpoint: a mount namespace for the check: %s\n",
               strerror (errno));
      _exit (125);
    }
    if (mount (dir, root, NULL, MS_BIND, NULL) < 0) {
      fprintf (stderr, "flushpoint: bind %s on %s: %s\n", dir, root,
               strerror (errno));
      _exit (125);
    }
    dir = root;
  }
  if (chdir (dir) < 0) {
    fprintf (stderr, "flushpoint: chdir %s: %s\n", dir, strerror (errno));
    _exit (125);
  }
  snprintf (mv, sizeof mv, "%s", marks);
  snprintf (rv, sizeof rv, "%s", dir);
  setenv ("FLUSHPOINT_MARKS", mv, 1);
  setenv ("FLUSHPOINT_ROOT", rv, 1);
  unsetenv ("FLUSHPOINT_CONTROL");
  execl ("/bin/sh", "sh", "-c", cmd, (char *) NULL);
  fprintf (stderr, "flushpoint: exec /bin/sh: %s\n", strerror (errno));
  _exit (127);
}

/* The program's last calls that returned before entry end. */
static void
ck_app_last_calls (const struct ck_oracle *o, uint64_t end, char *out,
                   size_t len)
{
  size_t n = 0, shown = 0;

  out[0] = '\0';
  for (size_t i = o->nops; i-- > 0 && shown < 4;) {
    const struct ck_op *op = &o->ops[i];
    if (op->after_seq == CK_NO_SEQ || op->after_seq > end)
      continue;
    n += (size_t) snprintf (out + n, n < len ? len - n : 0, "%s`%s`%s%s",
                            shown ? "; " : "", op->wop->text,
                            op->err[0] ? " -> " : "", op->err);
    shown++;
  }
  if (!shown)
    snprintf (out, len, "none");
}

int
ck_app_check (const struct ck_oracle *o, const char *cmd, double timeout_s,
              const char *dir, uint64_t end, struct ck_state_result *res)
{
  char marks[] = "/tmp/flushpoint-marks-XXXXXX";
  char said[2048] = "", calls[1024], how[64];
  int mfd, out, st = 0, err = 0;
  pid_t pid;

  if ((mfd = mkstemp (marks)) < 0)
    return -errno;
  FILE *mf = fdopen (mfd, "w");
  if (!mf) {
    err = -errno;
    close (mfd);
    unlink (marks);
    return err;
  }
  for (size_t i = 0; i < o->app_marks; i++)
    if (o->app[i].seq <= end && o->app[i].text)
      fprintf (mf, "%s\n", o->app[i].text);
  if (fclose (mf) != 0) {
    unlink (marks);
    return -EIO;
  }
  if ((out = memfd_create ("flushpoint-check-cmd", MFD_CLOEXEC)) < 0) {
    err = -errno;
    unlink (marks);
    return err;
  }
  if ((pid = fork ()) < 0) {
    err = -errno;
    goto out;
  }
  if (pid == 0)
    ck_app_child (cmd, dir, o->exec_root, marks, out);
  /* Wait, at most timeout_s; then the whole group goes. */
  struct timespec t0, now, nap = { 0, 5 * 1000 * 1000 };
  bool timed_out = false;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  for (;;) {
    pid_t w = waitpid (pid, &st, WNOHANG);
    if (w == pid)
      break;
    if (w < 0 && errno != EINTR) {
      err = -errno;
      goto out;
    }
    clock_gettime (CLOCK_MONOTONIC, &now);
    if (!timed_out && timeout_s > 0
        && (double) (now.tv_sec - t0.tv_sec)
           + (now.tv_nsec - t0.tv_nsec) / 1e9 > timeout_s) {
      kill (-pid, SIGKILL);
      kill (pid, SIGKILL);
      timed_out = true;
    }
    nanosleep (&nap, NULL);
  }
  kill (-pid, SIGKILL);              /* anything it left running */
  if (!timed_out && WIFEXITED (st) && WEXITSTATUS (st) == 0) {
    ck_result_held (res, CK_P_APP);
    goto out;
  }
  off_t len = lseek (out, 0, SEEK_END);
  off_t from = len > (off_t) sizeof said - 1 ? len - (off_t) sizeof said + 1
                                             : 0;
  ssize_t n = len > 0 ? pread (out, said, (size_t) (len - from), from) : 0;
  said[n > 0 ? n : 0] = '\0';
  while (n > 0 && (said[n - 1] == '\n' || said[n - 1] == ' '))
    said[--n] = '\0';
  if (timed_out)
    snprintf (how, sizeof how, "did not finish in %g s", timeout_s);
  else if (WIFSIGNALED (st))
    snprintf (how, sizeof how, "was killed by signal %d", WTERMSIG (st));
  else
    snprintf (how, sizeof how, "exited with status %d", WEXITSTATUS (st));
  ck_app_last_calls (o, end, calls, sizeof calls);
  err = ck_result_add (res, CK_P_APP, true, "/", CK_NO_OP, NULL,
                       "the application's check `%s` %s: %s; the program's "
                       "last calls before the crash: %s", cmd, how,
                       said[0] ? said : "(no output)", calls);
out:
  close (out);
  unlink (marks);
  return err;
}
