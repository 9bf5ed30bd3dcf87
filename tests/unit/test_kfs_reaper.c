/* test_kfs_reaper: the reaper tears down what a dead process left
 * registered, and nothing else.  Each test forks a "caller" that
 * registers directories (KFS_RES_PATH: the reaper rmdirs them, no root
 * needed) and then dies by SIGKILL; the test waits for the reaper's work.
 */
#undef NDEBUG
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kfs_int.h"

extern char **environ;

static char base[256];

static void
mkdir_n (char *out, size_t len, const char *name, int i)
{
  snprintf (out, len, "%s/%s%d", base, name, i);
  assert (mkdir (out, 0700) == 0);
}

static bool
exists (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0;
}

/* Wait up to ms for path to be gone. */
static bool
gone_within (const char *path, int ms)
{
  for (int waited = 0; waited < ms; waited += 10) {
    if (!exists (path))
      return true;
    usleep (10000);
  }
  return !exists (path);
}

static void
add_path (const char *path, uint64_t *id)
{
  char err[256];

  assert (kfs_reaper_add (KFS_RES_PATH, path, 0, 0, 0, id, err, sizeof err)
          == 0);
  assert (*id != 0);
}

/* Run fn in a forked caller that dies by SIGKILL afterwards (or by the
 * signal fn sends itself). */
static void
in_caller_dying_by (void (*fn) (void *), void *arg, int sig)
{
  pid_t pid = fork ();
  int status;

  assert (pid >= 0);
  if (pid == 0) {
    fn (arg);
    kill (getpid (), SIGKILL);
    _exit (99);
  }
  assert (waitpid (pid, &status, 0) == pid);
  assert (WIFSIGNALED (status) && WTERMSIG (status) == sig);
}

static void
in_caller (void (*fn) (void *), void *arg)
{
  in_caller_dying_by (fn, arg, SIGKILL);
}

static void
register_one (void *arg)
{
  uint64_t id;

  add_path (arg, &id);
}

static void
test_dead_caller_leaves_nothing_registered (void)
{
  char d[300];

  mkdir_n (d, sizeof d, "one", 0);
  in_caller (register_one, d);
  assert (gone_within (d, 5000));
}

struct two { char keep[300], drop[300]; };

static void
register_two_unregister_one (void *arg)
{
  struct two *t = arg;
  uint64_t a, b;

  add_path (t->keep, &a);
  add_path (t->drop, &b);
  assert (kfs_reaper_del (a) == 0);
  assert (kfs_reaper_del (0) == 0);
}

static void
test_unregistered_things_are_left_alone (void)
{
  struct two t;

  mkdir_n (t.keep, sizeof t.keep, "keep", 0);
  mkdir_n (t.drop, sizeof t.drop, "drop", 0);
  in_caller (register_two_unregister_one, &t);
  assert (gone_within (t.drop, 5000));
  assert (exists (t.keep));
  rmdir (t.keep);
}

static void
register_nested (void *arg)
{
  char sub[400];
  uint64_t a, b;

  snprintf (sub, sizeof sub, "%s/sub", (char *) arg);
  assert (mkdir (sub, 0700) == 0);
  add_path (arg, &a);                /* older: torn down last */
  add_path (sub, &b);
}

static void
test_teardown_runs_newest_first (void)
{
  char d[300];

  /* rmdir of the parent only works after the child: reverse order. */
  mkdir_n (d, sizeof d, "nest", 0);
  in_caller (register_nested, d);
  assert (gone_within (d, 5000));
}

static int
socket_count (pid_t pid)
{
  char dir[64], path[400], target[128];
  struct dirent *e;
  DIR *d;
  int n = 0;

  snprintf (dir, sizeof dir, "/proc/%d/fd", (int) pid);
  d = opendir (dir);
  assert (d);
  while ((e = readdir (d)) != NULL) {
    ssize_t l;
    snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
    l = readlink (path, target, sizeof target - 1);
    if (l > 0 && (target[l] = '\0', strncmp (target, "socket:", 7) == 0))
      n++;
  }
  closedir (d);
  return n;
}

static void
register_then_fork_sleeper (void *arg)
{
  int *fds = arg;
  uint64_t id;
  pid_t child;

  add_path ((char *) (fds + 2), &id);
  child = fork ();                   /* no exec: keeps a copy of every fd */
  if (child == 0) {
    sleep (30);
    _exit (0);
  }
  assert (write (fds[1], &child, sizeof child) == sizeof child);
}

static void
test_fork_without_exec_does_not_delay_teardown (void)
{
  struct { int fds[2]; char dir[300]; } a;
  pid_t sleeper;

  assert (pipe (a.fds) == 0);
  mkdir_n (a.dir, sizeof a.dir, "forked", 0);
  in_caller (register_then_fork_sleeper, &a);
  assert (read (a.fds[0], &sleeper, sizeof sleeper) == sizeof sleeper);
  /* The sleeper lives on, yet the reaper saw its caller die; and the
   * sleeper holds no copy of the reaper's socket (pthread_atfork). */
  assert (gone_within (a.dir, 3000));
  assert (kill (sleeper, 0) == 0);
  assert (socket_count (sleeper) == 0);
  kill (sleeper, SIGKILL);
  close (a.fds[0]);
  close (a.fds[1]);
}

#define THREADS 8
#define PER_THREAD 40

struct worker { int t; };

static void *
worker_main (void *arg)
{
  int t = ((struct worker *) arg)->t;

  for (int i = 0; i < PER_THREAD; i++) {
    char d[300];
    uint64_t id;
    snprintf (d, sizeof d, "%s/t%d_%d", base, t, i);
    add_path (d, &id);
    if (i % 2 == 0)
      assert (kfs_reaper_del (id) == 0);
  }
  return NULL;
}

static void
register_from_threads (void *arg)
{
  pthread_t th[THREADS];
  struct worker w[THREADS];

  (void) arg;
  for (int t = 0; t < THREADS; t++) {
    w[t].t = t;
    assert (pthread_create (&th[t], NULL, worker_main, &w[t]) == 0);
  }
  for (int t = 0; t < THREADS; t++)
    pthread_join (th[t], NULL);
}

static void
test_threads_register_and_unregister_concurrently (void)
{
  char d[300];

  for (int t = 0; t < THREADS; t++)
    for (int i = 0; i < PER_THREAD; i++) {
      snprintf (d, sizeof d, "%s/t%d_%d", base, t, i);
      assert (mkdir (d, 0700) == 0);
    }
  in_caller (register_from_threads, NULL);
  for (int t = 0; t < THREADS; t++)
    for (int i = 0; i < PER_THREAD; i++) {
      snprintf (d, sizeof d, "%s/t%d_%d", base, t, i);
      if (i % 2)
        assert (gone_within (d, 5000));
      else {
        assert (exists (d));
        rmdir (d);
      }
    }
}

static void
watch_sleeping_group (void *arg)
{
  const char *argv[] = { "/bin/sh", "-c", "sleep 60 & sleep 60", NULL };
  posix_spawnattr_t at;
  char err[256];
  uint64_t id;
  pid_t pid;

  posix_spawnattr_init (&at);
  posix_spawnattr_setpgroup (&at, 0);
  posix_spawnattr_setflags (&at, POSIX_SPAWN_SETPGROUP);
  assert (posix_spawn (&pid, argv[0], NULL, &at, (char *const *) argv,
                       environ) == 0);
  assert (kfs_reaper_watch (pid, KFS_WATCH_GROUP, &id, err, sizeof err) == 0);
  *(pid_t *) arg = pid;
  usleep (50000);                    /* let sh start both sleeps */
}

/* Members of group pgid that are not zombies. */
static int
live_members (pid_t pgid)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  int n = 0;

  assert (d);
  while ((e = readdir (d)) != NULL) {
    struct kfs_proc p;
    pid_t pid = (pid_t) atoi (e->d_name);
    if (pid > 0 && kfs_proc_stat (pid, &p) == 0 && p.pgrp == pgid
        && p.state != 'Z')
      n++;
  }
  closedir (d);
  return n;
}

static void
test_watched_group_is_killed (void)
{
  pid_t *pgid = mmap (NULL, sizeof *pgid, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int waited = 0;

  assert (pgid != MAP_FAILED);
  in_caller (watch_sleeping_group, pgid);
  assert (*pgid > 0);
  /* Members may linger as zombies until init reaps them; none may be
   * left running. */
  while (live_members (*pgid) > 0 && waited < 5000) {
    usleep (10000);
    waited += 10;
  }
  assert (live_members (*pgid) == 0);
  munmap (pgid, sizeof *pgid);
}

static void
register_then_sigint_own_group (void *arg)
{
  uint64_t id;

  assert (setpgid (0, 0) == 0);
  add_path (arg, &id);
  kill (0, SIGINT);                  /* ^C: the whole foreground group */
}

static void
test_sigint_to_the_callers_group_spares_the_reaper (void)
{
  char d[300];

  mkdir_n (d, sizeof d, "sigint", 0);
  in_caller_dying_by (register_then_sigint_own_group, d, SIGINT);
  assert (gone_within (d, 5000));
}

int
main (void)
{
  snprintf (base, sizeof base, "%s/test_kfs_reaper.XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  assert (mkdtemp (base));
  test_dead_caller_leaves_nothing_registered ();
  test_unregistered_things_are_left_alone ();
  test_teardown_runs_newest_first ();
  test_fork_without_exec_does_not_delay_teardown ();
  test_threads_register_and_unregister_concurrently ();
  test_watched_group_is_killed ();
  test_sigint_to_the_callers_group_spares_the_reaper ();
  assert (rmdir (base) == 0);
  printf ("test_kfs_reaper: ok\n");
  return 0;
}
