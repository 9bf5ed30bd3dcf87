/* reaper: tears down what this process set up (mounts, loop devices,
 * FUSE mounts, processes, directories) when this process dies, however
 * it dies.
 *
 * Method.  On first use the library forks a child, the reaper, joined to
 * this process by a socketpair (AF_UNIX, SOCK_SEQPACKET: one message per
 * send, whole or not at all, and send(MSG_NOSIGNAL) cannot raise SIGPIPE
 * in the caller if the reaper is gone; otherwise it is the pipe of the
 * design).  The library sends ADD (kind, id, path, three numbers) before
 * or right after it creates a resource and DEL once it has torn it down
 * itself; the reaper keeps the live ones in a table.  When the socket
 * reads EOF, which happens when every copy of this end is closed, i.e.
 * when this process has exited or been killed, the reaper tears down
 * what is live, newest first, and exits.
 *
 * This is the only global mutable state of kernel/: the socket, the
 * reaper's pid, the id counter and the start lock, all here.
 *
 * Rules that make it hold:
 * - Messages are asynchronous (no reply): registering costs one send.
 *   The reaper applies them in order and reads the socket dry before it
 *   acts, so a DEL is never missed.
 * - Threads: a send is atomic on a SEQPACKET socket, ids come from an
 *   atomic counter, and starting the reaper is under a mutex.
 * - fork() by the caller: a child that does not exec would keep a copy of
 *   our end open and hold off EOF.  A pthread_atfork child handler closes
 *   it in every fork() child (which then starts a reaper of its own if it
 *   uses the library), and the prepare handler takes the start lock so a
 *   fork never sees half a start.  posix_spawn and exec close it by
 *   O_CLOEXEC.  For what escapes that (a raw clone(), a fork during the
 *   socketpair..fork window of a start), the reaper also watches its
 *   parent: PR_SET_PDEATHSIG(SIGUSR1) wakes it when the thread that forked
 *   it exits, and a 1 s poll timeout; either way it acts once getppid()
 *   is no longer this process.  (PDEATHSIG fires on the death of the
 *   forking *thread*, so it is only a wake-up, never a verdict.)
 * - The reaper holds nothing: it closes every descriptor but its socket
 *   (close_range), its stdio is /dev/null (it never keeps a caller's
 *   pipe open), and it opens a loop device only for the moment of
 *   clearing it.  It uses only async-signal-safe calls (it is a fork of a
 *   possibly multi-threaded process): no malloc (its table is mmap'ed),
 *   no stdio.
 * - Signals: the reaper runs in its own session and ignores SIGINT,
 *   SIGTERM, SIGHUP, SIGQUIT and the terminal stops, so ^C or a group
 *   kill takes down the caller but never the reaper before its work
 *   (signals are blocked from before the fork until it has set that up).
 *   The caller's own SIGINT/SIGTERM handling (a graceful stop) is the
 *   caller's business; without it, the reaper makes dying safe.
 * - Teardown per kind: a watched process: SIGTERM, 1 s, SIGKILL (only if
 *   its start time still matches: pids are reused); a mount or a FUSE
 *   mount: umount2, retried while busy for 1 s, then MNT_DETACH (a FUSE
 *   mount, if umount2 is refused, fusermount3 -u -z); a loop device:
 *   LOOP_CLR_FD if its backing file is still the one registered; a path:
 *   rmdir or unlink.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kfs_int.h"

enum { RP_ADD = 1, RP_DEL = 2 };

struct rp_msg {
  uint32_t op;
  uint32_t kind;
  uint64_t id;
  uint64_t a, b, c;
  char path[KFS_REAPER_PATH_MAX];
};

/* ---- the caller's side ---- */

static pthread_mutex_t rp_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int rp_fd = -1;
static pid_t rp_pid;
static _Atomic uint64_t rp_next_id = 1;
static bool rp_atfork_set;
static _Thread_local bool rp_forking;   /* this thread is forking the reaper */

static void
rp_atfork_prepare (void)
{
  if (!rp_forking)
    pthread_mutex_lock (&rp_lock);
}

static void
rp_atfork_parent (void)
{
  if (!rp_forking)
    pthread_mutex_unlock (&rp_lock);
}

static void
rp_atfork_child (void)
{
  int fd;

  if (rp_forking)
    return;                     /* the reaper itself: see reaper_main */
  fd = atomic_exchange (&rp_fd, -1);
  if (fd >= 0)
    close (fd);
  rp_pid = 0;
  pthread_mutex_unlock (&rp_lock);
}

static void reaper_main (int sock, pid_t parent) __attribute__ ((noreturn));

static int
rp_start_locked (char *errbuf, size_t errlen)
{
  sigset_t all, old;
  int sv[2];
  pid_t parent = getpid (), pid;

  if (!rp_atfork_set) {
    int e = pthread_atfork (rp_atfork_prepare, rp_atfork_parent,
                            rp_atfork_child);
    if (e)
      return kfs_err (errbuf, errlen, -e, "reaper: pthread_atfork: %s",
                      strerror (e));
    rp_atfork_set = true;
  }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return kfs_err (errbuf, errlen, -errno, "reaper: socketpair: %s",
                    strerror (errno));
  /* Signals stay blocked across the fork until the reaper has set its
   * own dispositions: a ^C at that moment must not kill it. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &old);
  rp_forking = true;
  pid = fork ();
  if (pid == 0)
    reaper_main (sv[1], parent);
  rp_forking = false;
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  close (sv[1]);
  if (pid < 0) {
    int e = errno;
    close (sv[0]);
    return kfs_err (errbuf, errlen, -e, "reaper: fork: %s", strerror (e));
  }
  rp_pid = pid;
  atomic_store (&rp_fd, sv[0]);
  return 0;
}

static int
rp_send (const struct rp_msg *m)
{
  int fd = atomic_load (&rp_fd);
  ssize_t n;

  if (fd < 0)
    return -EPIPE;
  do
    n = send (fd, m, sizeof *m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  return n == (ssize_t) sizeof *m ? 0 : -EIO;
}

int
kfs_reaper_add (enum kfs_res kind, const char *path, uint64_t a,
                uint64_t b, uint64_t c, uint64_t *id,
                char *errbuf, size_t errlen)
{
  struct rp_msg m;
  size_t plen = path ? strlen (path) : 0;
  int ret = 0;

  *id = 0;
  if (plen >= sizeof m.path)
    return kfs_err (errbuf, errlen, -ENAMETOOLONG,
                    "reaper: %s: path too long (max %d)", path,
                    KFS_REAPER_PATH_MAX - 1);
  if (atomic_load (&rp_fd) < 0) {
    pthread_mutex_lock (&rp_lock);
    if (atomic_load (&rp_fd) < 0)
      ret = rp_start_locked (errbuf, errlen);
    pthread_mutex_unlock (&rp_lock);
    if (ret)
      return ret;
  }
  memset (&m, 0, sizeof m);
  m.op = RP_ADD;
  m.kind = kind;
  m.id = atomic_fetch_add (&rp_next_id, 1);
  m.a = a;
  m.b = b;
  m.c = c;
  if (plen)
    memcpy (m.path, path, plen);
  ret = rp_send (&m);
  if (ret)
    return kfs_err (errbuf, errlen, ret, "reaper (pid %d): send: %s",
                    (int) rp_pid, strerror (-ret));
  *id = m.id;
  return 0;
}

int
kfs_reaper_del (uint64_t id)
{
  struct rp_msg m;

  if (id == 0)
    return 0;
  memset (&m, 0, sizeof m);
  m.op = RP_DEL;
  m.id = id;
  return rp_send (&m);
}

int
kfs_reaper_watch (pid_t pid, unsigned flags, uint64_t *id,
                  char *errbuf, size_t errlen)
{
  uint64_t start = kfs_proc_starttime (pid, NULL);

  *id = 0;
  if (pid <= 0 || start == 0)
    return kfs_err (errbuf, errlen, -ESRCH, "reaper: watch pid %d: no such "
                    "process", (int) pid);
  return kfs_reaper_add (KFS_RES_PID, NULL, (uint64_t) pid, start,
                         flags & KFS_WATCH_GROUP, id, errbuf, errlen);
}

int
kfs_reaper_unwatch (uint64_t id)
{
  return kfs_reaper_del (id);
}

/* ---- the reaper ---- */

struct rp_ent {
  uint64_t id;                   /* 0: torn down by the caller */
  uint32_t kind;
  uint64_t a, b, c;
  char path[KFS_REAPER_PATH_MAX];
};

struct rp_table {
  struct rp_ent *e;
  size_t n, cap;
};

static void
nap_ms (int ms)
{
  struct timespec t = { ms / 1000, (long) (ms % 1000) * 1000000L };

  while (nanosleep (&t, &t) < 0 && errno == EINTR)
    ;
}

static void
on_sigusr1 (int sig)
{
  (void) sig;                    /* only wakes poll() */
}

/* Own session, stdio on /dev/null, nothing else open but the socket (moved
 * to fd 3), signals as the top comment says. */
static int
reaper_isolate (int sock)
{
  struct sigaction sa;
  sigset_t none;
  int null;

  setsid ();
  if (sock != 3) {
    dup2 (sock, 3);
    sock = 3;
  }
  close_range (4, ~0u, 0);
  null = open ("/dev/null", O_RDWR);
  for (int fd = 0; fd <= 2; fd++)
    if (null >= 0 && null != fd)
      dup2 (null, fd);
  if (null > 3)
    close (null);
  memset (&sa, 0, sizeof sa);
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGKILL || s == SIGSTOP)
      continue;
    sa.sa_handler = SIG_DFL;
    if (s == SIGINT || s == SIGTERM || s == SIGHUP || s == SIGQUIT
        || s == SIGPIPE || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU
        || s == SIGUSR2 || s == SIGALRM)
      sa.sa_handler = SIG_IGN;
    else if (s == SIGUSR1)
      sa.sa_handler = on_sigusr1;      /* no SA_RESTART: poll sees EINTR */
    sigaction (s, &sa, NULL);
  }
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  return sock;
}

static void
table_apply (struct rp_table *t, const struct rp_msg *m)
{
  if (m->op == RP_DEL) {
    for (size_t i = t->n; i-- > 0; )
      if (t->e[i].id == m->id) {
        t->e[i].id = 0;
        break;
      }
    while (t->n > 0 && t->e[t->n - 1].id == 0)
      t->n--;
    return;
  }
  if (m->op != RP_ADD)
    return;
  if (t->n == t->cap) {
    size_t ncap = t->cap ? t->cap * 2 : 256;
    void *p = t->e
      ? mremap (t->e, t->cap * sizeof *t->e, ncap * sizeof *t->e, MREMAP_MAYMOVE)
      : mmap (NULL, ncap * sizeof *t->e, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      return;                   /* cannot happen short of no memory at all */
    t->e = p;
    t->cap = ncap;
  }
  t->e[t->n].id = m->id;
  t->e[t->n].kind = m->kind;
  t->e[t->n].a = m->a;
  t->e[t->n].b = m->b;
  t->e[t->n].c = m->c;
  memcpy (t->e[t->n].path, m->path, sizeof m->path);
  t->e[t->n].path[sizeof m->path - 1] = '\0';
  t->n++;
}

/* Has process group pgid a member that is not a zombie?  kill(-pgid, 0)
 * counts zombies, and the orphans of a dead caller are reaped by init,
 * which on some machines takes its time: so look at /proc. */
static bool
group_alive (pid_t pgid)
{
  char buf[8192];
  bool alive = false;
  long n;
  int fd;

  if (kill (-pgid, 0) < 0 && errno == ESRCH)
    return false;
  fd = open ("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return true;
  while (!alive && (n = syscall (SYS_getdents64, fd, buf, sizeof buf)) > 0)
    for (long off = 0; off < n && !alive; ) {
      struct dirent64 *d = (struct dirent64 *) (buf + off);
      struct kfs_proc p;
      pid_t pid = 0;
      off += d->d_reclen;
      for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++)
        pid = pid * 10 + (*c - '0');
      if (pid > 0 && kfs_proc_stat (pid, &p) == 0 && p.pgrp == pgid
          && p.state != 'Z')
        alive = true;
    }
  close (fd);
  return alive;
}

/* Is the registered process (pid and start time) still there, not a
 * zombie?  For a group: has it any live member left? */
static bool
target_alive (const struct rp_ent *e)
{
  bool zombie = false;

  if (e->c & KFS_WATCH_GROUP)
    return group_alive ((pid_t) e->a);
  return kfs_proc_starttime ((pid_t) e->a, &zombie) == e->b && !zombie;
}

static void
wait_gone (const struct rp_ent *e, int ms)
{
  for (int waited = 0; waited < ms && target_alive (e); waited += 10)
    nap_ms (10);
}

static void
kill_ent (const struct rp_ent *e)
{
  static const int sigs[] = { SIGTERM, SIGKILL };
  bool group = e->c & KFS_WATCH_GROUP;
  pid_t target = group ? -(pid_t) e->a : (pid_t) e->a;
  uint64_t now = kfs_proc_starttime ((pid_t) e->a, NULL);

  /* pids are reused: a lone pid must still be the one registered.  A
   * group may outlive its leader (now == 0), but while any member is
   * left the kernel does not hand the number out again, so a leader pid
   * in use with another start time means the group is long gone. */
  if (now != e->b && (!group || now != 0))
    return;
  if (e->c & KFS_PID_GRACE)
    wait_gone (e, 2000);               /* nbdfuse exits once unmounted */
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    if (!target_alive (e))
      return;
    kill (target, sigs[i]);
    wait_gone (e, 1000);
  }
}

static void
fusermount_lazy (const char *path)
{
  pid_t pid = fork ();

  if (pid == 0) {
    const char *argv[] = { "fusermount3", "-u", "-z", path, NULL };
    execv ("/usr/bin/fusermount3", (char *const *) argv);
    execv ("/bin/fusermount3", (char *const *) argv);
    _exit (127);
  }
  if (pid > 0)
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
      ;
}

static void
teardown_ent (const struct rp_ent *e)
{
  switch (e->kind) {
  case KFS_RES_PID:
    kill_ent (e);
    break;
  case KFS_RES_MOUNT:
    kfs_umount_retry (e->path, 1000);
    break;
  case KFS_RES_FUSE:
    if (kfs_umount_retry (e->path, 1000) == -EPERM)
      fusermount_lazy (e->path);
    break;
  case KFS_RES_LOOP:
    kfs_loop_clear_if ((int) e->a, e->b, e->c);
    break;
  case KFS_RES_PATH:
    if (rmdir (e->path) < 0 && errno == ENOTDIR)
      unlink (e->path);
    break;
  }
}

static void
reaper_main (int sock, pid_t parent)
{
  struct rp_table t = { NULL, 0, 0 };
  struct rp_msg m;
  bool gone = false;

  sock = reaper_isolate (sock);
  prctl (PR_SET_PDEATHSIG, SIGUSR1);
  while (!gone) {
    struct pollfd p = { .fd = sock, .events = POLLIN };
    int r;

    if (getppid () != parent)
      break;
    r = poll (&p, 1, 1000);
    if (r < 0 && errno != EINTR)
      break;
    if (r <= 0)
      continue;
    ssize_t n = recv (sock, &m, sizeof m, MSG_DONTWAIT);
    if (n == 0)
      gone = true;                    /* EOF: the caller is gone */
    else if (n == (ssize_t) sizeof m)
      table_apply (&t, &m);
    else if (n < 0 && errno != EINTR && errno != EAGAIN)
      gone = true;
  }
  /* The parent died without EOF (someone still holds our socket): read
   * what it sent before it died, so no DEL is missed. */
  for (;;) {
    ssize_t n = recv (sock, &m, sizeof m, MSG_DONTWAIT);
    if (n != (ssize_t) sizeof m)
      break;
    table_apply (&t, &m);
  }
  for (size_t i = t.n; i-- > 0; )
    if (t.e[i].id)
      teardown_ent (&t.e[i]);
  _exit (0);
}
