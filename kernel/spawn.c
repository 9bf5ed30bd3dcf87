/* spawn: running the tools the kernel backend needs (mkfs, fsck,
 * nbdfuse, modprobe) with posix_spawn.
 *
 * posix_spawn, not fork: glibc implements it with clone(CLONE_VM |
 * CLONE_VFORK), which costs the same whatever the caller's size and is
 * safe in a multi-threaded caller; on this path a fork+exec of e2fsck is
 * the biggest fixed cost of checking a crash state.  Every descriptor
 * this library opens is O_CLOEXEC, so a child holds only stdin (/dev/null)
 * and its output.
 *
 * Tools run with LC_ALL=C so their messages, which end up in reports,
 * read the same on every machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kfs_int.h"

extern char **environ;

#define ENV_MAX 512

/* env (overrides) + LC_ALL=C + environ minus what was overridden. */
static int
build_env (const char *const extra[], const char **envp, size_t max)
{
  size_t n = 0;

  for (size_t i = 0; extra && extra[i] && n + 2 < max; i++)
    envp[n++] = extra[i];
  envp[n++] = "LC_ALL=C";
  for (char **e = environ; e && *e && n + 1 < max; e++) {
    size_t l = strcspn (*e, "=");
    bool overridden = false;
    for (size_t i = 0; i < n; i++)
      if (strncmp (envp[i], *e, l + 1) == 0)
        overridden = true;
    if (!overridden)
      envp[n++] = *e;
  }
  envp[n] = NULL;
  return 0;
}

/* Keep the first outlen - 1 bytes of what the child says; count the rest
 * so the text can say how much was cut. */
static void
drain (int fd, char *out, size_t outlen)
{
  size_t pos = 0, cut = 0;
  char junk[4096];

  for (;;) {
    char *dst = pos + 1 < outlen ? out + pos : junk;
    size_t room = pos + 1 < outlen ? outlen - 1 - pos : sizeof junk;
    ssize_t n = read (fd, dst, room);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (dst == junk)
      cut += (size_t) n;
    else
      pos += (size_t) n;
  }
  if (outlen == 0)
    return;
  while (pos > 0 && (out[pos - 1] == '\n' || out[pos - 1] == ' '))
    pos--;
  out[pos] = '\0';
  if (cut) {
    char tail[64];
    int t = snprintf (tail, sizeof tail, "\n[... %zu bytes cut]", cut);
    size_t at = pos + (size_t) t < outlen ? pos : outlen - 1 - (size_t) t;
    if ((size_t) t < outlen)
      memcpy (out + at, tail, (size_t) t + 1);
  }
}

int
kfs_run (const char *const argv[], const char *const env[],
         char *out, size_t outlen, int *status)
{
  posix_spawn_file_actions_t fa;
  const char *envp[ENV_MAX];
  int p[2], ret = 0, err;
  pid_t pid;

  if (outlen)
    out[0] = '\0';
  build_env (env, envp, ENV_MAX);
  if (pipe2 (p, O_CLOEXEC) < 0)
    return -errno;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2 (&fa, p[1], 1);
  posix_spawn_file_actions_adddup2 (&fa, p[1], 2);
  err = posix_spawn (&pid, argv[0], &fa, NULL, (char *const *) argv,
                     (char *const *) envp);
  posix_spawn_file_actions_destroy (&fa);
  close (p[1]);
  if (err) {
    ret = -err;
    goto out;
  }
  drain (p[0], out, outlen);
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR) {
      ret = -errno;
      break;
    }
 out:
  close (p[0]);
  return ret;
}

int
kfs_spawn_bg (const char *const argv[], const char *log_path, pid_t *pid)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  const char *envp[ENV_MAX];
  int err;

  build_env (NULL, envp, ENV_MAX);
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen (&fa, 1, log_path,
                                    O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2 (&fa, 1, 2);
  posix_spawnattr_init (&at);
  posix_spawnattr_setpgroup (&at, 0);
  posix_spawnattr_setflags (&at, POSIX_SPAWN_SETPGROUP);
  err = posix_spawn (pid, argv[0], &fa, &at, (char *const *) argv,
                     (char *const *) envp);
  posix_spawnattr_destroy (&at);
  posix_spawn_file_actions_destroy (&fa);
  return -err;
}

void
kfs_status_text (int status, char *buf, size_t len)
{
  if (WIFEXITED (status))
    snprintf (buf, len, "exit %d", WEXITSTATUS (status));
  else if (WIFSIGNALED (status))
    snprintf (buf, len, "killed by signal %d", WTERMSIG (status));
  else
    snprintf (buf, len, "wait status 0x%x", (unsigned) status);
}

void
kfs_argv_text (const char *const argv[], char *buf, size_t len)
{
  struct kfs_str s;

  kfs_str_init (&s, buf, len);
  for (size_t i = 0; argv[i]; i++) {
    if (i)
      kfs_str_add (&s, " ");
    kfs_str_shell (&s, argv[i]);
  }
}

int
kfs_wait_timeout (pid_t pid, int ms, int *status)
{
  struct timespec nap = { 0, 2 * 1000 * 1000 };

  for (int waited = 0; ; waited += 2) {
    pid_t r = waitpid (pid, status, WNOHANG);
    if (r == pid)
      return 0;
    if (r < 0 && errno != EINTR)
      return -errno;
    if (waited >= ms)
      return -ETIMEDOUT;
    nanosleep (&nap, NULL);
  }
}
