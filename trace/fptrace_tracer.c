/* fptrace_tracer: the tracer process (fptrace.h, fptrace_int.h).
 *
 * It forks the program, which stops itself, installs the seccomp filter
 * and execs; the tracer seizes it with PTRACE_O_TRACESECCOMP and follows
 * every clone, fork and vfork.  It is a child subreaper, so orphans of the
 * program stay its children, and it ends when the last of them exits.
 * Each traced call: at the seccomp stop resolve the arguments, report the
 * entry, PTRACE_SYSCALL to the exit stop, report the exit with the result
 * (and a write's bytes), PTRACE_CONT.  A call outside the tree of
 * only_under is resumed without a report.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fptrace_int.h"

#define FPT_DATA_OK   1u         /* SECCOMP_RET_DATA: an x86_64 call */
#define FPT_DATA_ABI  2u         /* a 32-bit or x32 call */

struct fpt_sys { long nr; enum fptrace_call call; const char *name; };

static const struct fpt_sys fpt_calls[] = {
  { SYS_open, FPT_OPEN, "open" }, { SYS_openat, FPT_OPEN, "openat" },
  { SYS_openat2, FPT_OPEN, "openat2" }, { SYS_creat, FPT_OPEN, "creat" },
  { SYS_write, FPT_WRITE, "write" }, { SYS_pwrite64, FPT_WRITE, "pwrite64" },
  { SYS_writev, FPT_WRITE, "writev" }, { SYS_pwritev, FPT_WRITE, "pwritev" },
  { SYS_pwritev2, FPT_WRITE, "pwritev2" },
  { SYS_truncate, FPT_TRUNCATE, "truncate" },
  { SYS_ftruncate, FPT_TRUNCATE, "ftruncate" },
  { SYS_fsync, FPT_FSYNC, "fsync" }, { SYS_fdatasync, FPT_FDATASYNC,
                                       "fdatasync" },
  { SYS_sync, FPT_SYNC, "sync" }, { SYS_syncfs, FPT_SYNCFS, "syncfs" },
  { SYS_sync_file_range, FPT_SYNC_FILE_RANGE, "sync_file_range" },
  { SYS_rename, FPT_RENAME, "rename" }, { SYS_renameat, FPT_RENAME,
                                          "renameat" },
  { SYS_renameat2, FPT_RENAME, "renameat2" },
  { SYS_link, FPT_LINK, "link" }, { SYS_linkat, FPT_LINK, "linkat" },
  { SYS_unlink, FPT_UNLINK, "unlink" }, { SYS_unlinkat, FPT_UNLINK,
                                          "unlinkat" },
  { SYS_mkdir, FPT_MKDIR, "mkdir" }, { SYS_mkdirat, FPT_MKDIR, "mkdirat" },
  { SYS_rmdir, FPT_RMDIR, "rmdir" },
  { SYS_symlink, FPT_SYMLINK, "symlink" }, { SYS_symlinkat, FPT_SYMLINK,
                                             "symlinkat" },
  { SYS_fallocate, FPT_FALLOCATE, "fallocate" },
  { SYS_chmod, FPT_CHMOD, "chmod" }, { SYS_fchmod, FPT_CHMOD, "fchmod" },
  { SYS_fchmodat, FPT_CHMOD, "fchmodat" },
  { SYS_utimensat, FPT_UTIMES, "utimensat" }, { SYS_utimes, FPT_UTIMES,
                                                "utimes" },
  { SYS_close, FPT_CLOSE, "close" }, { SYS_dup, FPT_DUP, "dup" },
  { SYS_dup2, FPT_DUP, "dup2" }, { SYS_dup3, FPT_DUP, "dup3" },
  { SYS_fcntl, FPT_DUP, "fcntl" },
};
#define FPT_NCALLS (sizeof fpt_calls / sizeof fpt_calls[0])

/* A call between its entry and exit stops. */
struct fpt_pend {
  pid_t tid;
  const struct fpt_sys *sys;
  struct fpt_msg m;
  char path[PATH_MAX], path2[PATH_MAX];
  bool has_path, has_path2;
  unsigned long long args[6];
};

struct fpt_tracer {
  int sock;
  const char *root;
  size_t rootlen;
  pid_t main_pid;
  int main_status;
  size_t live;                   /* traced processes not yet exited */
  struct fpt_pend *pend;
  size_t npend, cappend;
};

/* ---- the wire ---- */

static int
fpt_write (int fd, const void *buf, size_t len)
{
  const uint8_t *p = buf;
  while (len) {
    ssize_t n = write (fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -EPIPE;
    p += n;
    len -= (size_t) n;
  }
  return 0;
}

static int
fpt_send (struct fpt_tracer *t, struct fpt_msg *m, const char *name,
          const char *path, const char *path2, const void *data)
{
  m->n_name = name ? (uint32_t) strlen (name) : 0;
  m->n_path = path ? (uint32_t) strlen (path) : 0;
  m->n_path2 = path2 ? (uint32_t) strlen (path2) : 0;
  if (path && !m->n_path)
    path = NULL;
  if (fpt_write (t->sock, m, sizeof *m) < 0
      || fpt_write (t->sock, name, m->n_name) < 0
      || fpt_write (t->sock, path, m->n_path) < 0
      || fpt_write (t->sock, path2, m->n_path2) < 0
      || fpt_write (t->sock, data, m->data_len) < 0)
    return -EPIPE;
  if (m->kind != FPT_MSG_EVENT)
    return 0;
  int32_t answer;
  uint8_t *p = (uint8_t *) &answer;
  size_t left = sizeof answer;
  while (left) {
    ssize_t n = read (t->sock, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -EPIPE;
    p += n;
    left -= (size_t) n;
  }
  return answer;
}

_Noreturn static void
fpt_fail (struct fpt_tracer *t, int err, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

_Noreturn static void
fpt_fail (struct fpt_tracer *t, int err, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  struct fpt_msg m = { .kind = FPT_MSG_ERROR, .err = err };

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  fpt_send (t, &m, msg, NULL, NULL, NULL);
  _exit (1);                     /* EXITKILL takes the program with us */
}

/* ---- the filter ---- */

static int
fpt_filter_install (void)
{
  struct sock_filter f[8 + 2 * FPT_NCALLS];
  size_t n = 0;
  const uint32_t trace = SECCOMP_RET_TRACE | FPT_DATA_OK;

  f[n++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS,
                                          offsetof (struct seccomp_data,
                                                    arch));
  f[n++] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K,
                                          AUDIT_ARCH_X86_64, 1, 0);
  f[n++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K,
                                          SECCOMP_RET_TRACE | FPT_DATA_ABI);
  f[n++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS,
                                          offsetof (struct seccomp_data, nr));
  f[n++] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K,
                                          0x40000000u, 0, 1);   /* x32 */
  f[n++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K,
                                          SECCOMP_RET_TRACE | FPT_DATA_ABI);
  for (size_t i = 0; i < FPT_NCALLS; i++) {
    f[n++] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K,
                                            (uint32_t) fpt_calls[i].nr, 0, 1);
    f[n++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, trace);
  }
  f[n++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K,
                                          SECCOMP_RET_ALLOW);
  struct sock_fprog prog = { .len = (unsigned short) n, .filter = f };
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return -errno;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0
         ? -errno : 0;
}

/* ---- the program's memory and files ---- */

static int
fpt_read_str (pid_t tid, unsigned long long addr, char *out, size_t len)
{
  size_t got = 0;

  if (!addr)
    return -EFAULT;
  while (got < len - 1) {
    /* Never across a page: the next one may not be mapped. */
    size_t page = 4096 - ((addr + got) & 4095);
    size_t want = page < len - 1 - got ? page : len - 1 - got;
    struct iovec l = { out + got, want };
    struct iovec r = { (void *) (uintptr_t) (addr + got), want };
    ssize_t n = process_vm_readv (tid, &l, 1, &r, 1, 0);
    if (n <= 0)
      return -EFAULT;
    void *z = memchr (out + got, '\0', (size_t) n);
    if (z)
      return 0;
    got += (size_t) n;
  }
  return -ENAMETOOLONG;
}

static void
fpt_normalise (char *p)
{
  char *out = p, *s = p;

  /* p is absolute: rebuild it component by component. */
  while (*s) {
    while (*s == '/')
      s++;
    char *e = s;
    while (*e && *e != '/')
      e++;
    size_t n = (size_t) (e - s);
    if (n == 0)
      break;
    if (n == 1 && s[0] == '.') {
      /* nothing */
    } else if (n == 2 && s[0] == '.' && s[1] == '.') {
      while (out > p && *--out != '/')
        ;
    } else {
      *out++ = '/';
      memmove (out, s, n);
      out += n;
    }
    s = e;
  }
  if (out == p)
    *out++ = '/';
  *out = '\0';
}

/* The path of tid's fd (AT_FDCWD: its cwd). */
static bool
fpt_fd_path (pid_t tid, long fd, char *out, size_t len)
{
  char link[64];
  ssize_t n;

  if ((int) fd == AT_FDCWD)
    snprintf (link, sizeof link, "/proc/%d/cwd", (int) tid);
  else
    snprintf (link, sizeof link, "/proc/%d/fd/%d", (int) tid, (int) fd);
  if ((n = readlink (link, out, len - 1)) <= 0 || out[0] != '/')
    return false;
  out[n] = '\0';
  if (n > 10 && strcmp (out + n - 10, " (deleted)") == 0)
    out[n - 10] = '\0';
  return true;
}

/* A path argument, made absolute against dirfd. */
static bool
fpt_path_arg (pid_t tid, long dirfd, unsigned long long addr, char *out,
              size_t len)
{
  char rel[PATH_MAX];

  if (fpt_read_str (tid, addr, rel, sizeof rel) < 0)
    return false;
  if (rel[0] == '/')
    snprintf (out, len, "%s", rel);
  else {
    char base[PATH_MAX];
    if (!fpt_fd_path (tid, dirfd, base, sizeof base))
      return false;
    if (snprintf (out, len, "%s/%s", base, rel) >= (int) len)
      return false;
  }
  fpt_normalise (out);
  return true;
}

static uint64_t
fpt_fd_pos (pid_t tid, int fd)
{
  char p[64], line[128];
  unsigned long long pos = 0;
  FILE *f;

  snprintf (p, sizeof p, "/proc/%d/fdinfo/%d", (int) tid, fd);
  if (!(f = fopen (p, "re")))
    return 0;
  while (fgets (line, sizeof line, f))
    if (sscanf (line, "pos: %llu", &pos) == 1)
      break;
  fclose (f);
  return pos;
}

static bool
fpt_inside (const struct fpt_tracer *t, const char *p)
{
  return !t->root || (strncmp (p, t->root, t->rootlen) == 0
                      && (p[t->rootlen] == '\0' || p[t->rootlen] == '/'));
}

/* A write's bytes, from the buffer or iovecs of its entry. */
static uint8_t *
fpt_write_data (const struct fpt_pend *pe, size_t n)
{
  uint8_t *buf = malloc (n ? n : 1);
  long nr = pe->sys->nr;

  if (!buf)
    return NULL;
  if (nr == SYS_write || nr == SYS_pwrite64) {
    struct iovec l = { buf, n }, r = { (void *) (uintptr_t) pe->args[1], n };
    if (process_vm_readv (pe->tid, &l, 1, &r, 1, 0) != (ssize_t) n) {
      free (buf);
      return NULL;
    }
    return buf;
  }
  size_t cnt = pe->args[2] > 1024 ? 1024 : (size_t) pe->args[2], got = 0;
  struct iovec iov[1024];
  struct iovec l = { iov, cnt * sizeof iov[0] };
  struct iovec r = { (void *) (uintptr_t) pe->args[1], cnt * sizeof iov[0] };
  if (process_vm_readv (pe->tid, &l, 1, &r, 1, 0) != (ssize_t) l.iov_len) {
    free (buf);
    return NULL;
  }
  for (size_t i = 0; i < cnt && got < n; i++) {
    size_t k = iov[i].iov_len < n - got ? iov[i].iov_len : n - got;
    struct iovec ll = { buf + got, k }, rr = { iov[i].iov_base, k };
    if (k && process_vm_readv (pe->tid, &ll, 1, &rr, 1, 0) != (ssize_t) k) {
      free (buf);
      return NULL;
    }
    got += k;
  }
  return buf;
}

/* ---- entry and exit ---- */

static struct fpt_pend *
fpt_pend_get (struct fpt_tracer *t, pid_t tid, bool make)
{
  for (size_t i = 0; i < t->npend; i++)
    if (t->pend[i].tid == tid)
      return &t->pend[i];
  if (!make)
    return NULL;
  if (t->npend == t->cappend) {
    size_t cap = t->cappend ? t->cappend * 2 : 8;
    struct fpt_pend *v = realloc (t->pend, cap * sizeof *v);
    if (!v)
      fpt_fail (t, ENOMEM, "tracer: out of memory");
    t->pend = v;
    t->cappend = cap;
  }
  t->pend[t->npend] = (struct fpt_pend) { .tid = tid };
  return &t->pend[t->npend++];
}

static void
fpt_pend_drop (struct fpt_tracer *t, pid_t tid)
{
  for (size_t i = 0; i < t->npend; i++)
    if (t->pend[i].tid == tid) {
      t->pend[i] = t->pend[--t->npend];
      return;
    }
}

static pid_t
fpt_tgid (pid_t tid)
{
  char p[64], line[128];
  int tgid = tid;
  FILE *f;

  snprintf (p, sizeof p, "/proc/%d/status", (int) tid);
  if ((f = fopen (p, "re")) != NULL) {
    while (fgets (line, sizeof line, f))
      if (sscanf (line, "Tgid: %d", &tgid) == 1)
        break;
    fclose (f);
  }
  return tgid;
}

/* Fill pe from the entry's registers.  false: nothing to report. */
static bool
fpt_entry (struct fpt_tracer *t, struct fpt_pend *pe,
           const struct user_regs_struct *g)
{
  unsigned long long *a = pe->args;
  long nr = pe->sys->nr;
  struct fpt_msg *m = &pe->m;
  pid_t tid = pe->tid;
  bool fdpath = false;

  a[0] = g->rdi, a[1] = g->rsi, a[2] = g->rdx;
  a[3] = g->r10, a[4] = g->r8, a[5] = g->r9;
  *m = (struct fpt_msg) { .kind = FPT_MSG_EVENT, .call = pe->sys->call,
                          .phase = FPT_ENTRY, .tid = tid, .fd = -1,
                          .fd2 = -1 };
  pe->has_path = pe->has_path2 = false;
  switch (nr) {
  case SYS_open: case SYS_creat:
    pe->has_path = fpt_path_arg (tid, AT_FDCWD, a[0], pe->path, PATH_MAX);
    m->flags = nr == SYS_creat ? O_CREAT | O_WRONLY | O_TRUNC : (int) a[1];
    m->mode = (uint32_t) (nr == SYS_creat ? a[1] : a[2]);
    break;
  case SYS_openat:
    pe->has_path = fpt_path_arg (tid, (long) (int) a[0], a[1], pe->path,
                                 PATH_MAX);
    m->flags = (int) a[2];
    m->mode = (uint32_t) a[3];
    break;
  case SYS_openat2: {
    struct open_how how = { 0 };
    struct iovec l = { &how, sizeof how }, r = { (void *) (uintptr_t) a[2],
                                                 sizeof how };
    pe->has_path = fpt_path_arg (tid, (long) (int) a[0], a[1], pe->path,
                                 PATH_MAX);
    if (process_vm_readv (tid, &l, 1, &r, 1, 0) == (ssize_t) sizeof how) {
      m->flags = (int) how.flags;
      m->mode = (uint32_t) how.mode;
    }
    break;
  }
  case SYS_write: case SYS_writev:
    m->fd = (int) a[0];
    m->len = nr == SYS_write ? a[2] : 0;
    m->off = fpt_fd_pos (tid, m->fd);
    fdpath = true;
    break;
  case SYS_pwrite64:
    m->fd = (int) a[0], m->len = a[2], m->off = a[3];
    fdpath = true;
    break;
  case SYS_pwritev: case SYS_pwritev2:
    m->fd = (int) a[0];
    m->off = (int64_t) a[3] == -1 ? fpt_fd_pos (tid, m->fd) : a[3];
    fdpath = true;
    break;
  case SYS_truncate:
    pe->has_path = fpt_path_arg (tid, AT_FDCWD, a[0], pe->path, PATH_MAX);
    m->len = a[1];
    break;
  case SYS_ftruncate:
    m->fd = (int) a[0], m->len = a[1];
    fdpath = true;
    break;
  case SYS_fsync: case SYS_fdatasync: case SYS_syncfs: case SYS_close:
  case SYS_dup: case SYS_dup2: case SYS_dup3:
    m->fd = (int) a[0];
    fdpath = true;
    break;
  case SYS_fcntl:
    if ((int) a[1] != F_DUPFD && (int) a[1] != F_DUPFD_CLOEXEC)
      return false;
    m->fd = (int) a[0];
    fdpath = true;
    break;
  case SYS_sync:
    return true;
  case SYS_sync_file_range:
    m->fd = (int) a[0], m->off = a[1], m->len = a[2], m->flags = (int) a[3];
    fdpath = true;
    break;
  case SYS_fallocate:
    m->fd = (int) a[0], m->flags = (int) a[1], m->off = a[2], m->len = a[3];
    fdpath = true;
    break;
  case SYS_rename: case SYS_link:
    pe->has_path = fpt_path_arg (tid, AT_FDCWD, a[0], pe->path, PATH_MAX);
    pe->has_path2 = fpt_path_arg (tid, AT_FDCWD, a[1], pe->path2, PATH_MAX);
    break;
  case SYS_renameat: case SYS_renameat2: case SYS_linkat:
    pe->has_path = fpt_path_arg (tid, (long) (int) a[0], a[1], pe->path,
                                 PATH_MAX);
    pe->has_path2 = fpt_path_arg (tid, (long) (int) a[2], a[3], pe->path2,
                                  PATH_MAX);
    m->flags = nr == SYS_renameat2 ? (int) a[4] : 0;
    break;
  case SYS_unlink: case SYS_rmdir:
    pe->has_path = fpt_path_arg (tid, AT_FDCWD, a[0], pe->path, PATH_MAX);
    break;
  case SYS_unlinkat:
    pe->has_path = fpt_path_arg (tid, (long) (int) a[0], a[1], pe->path,
                                 PATH_MAX);
    if (a[2] & AT_REMOVEDIR)
      m->call = FPT_RMDIR;
    break;
  case SYS_mkdir:
    pe->has_path = fpt_path_arg (tid, AT_FDCWD, a[0], pe->path, PATH_MAX);
    m->mode = (uint32_t) a[1];
    break;
  case SYS_mkdirat:
    pe->has_path = fpt_path_arg (tid, (long) (int) a[0], a[1], pe->path,
                                 PATH_MAX);
    m->mode = (uint32_t) a[2];
    break;
  case SYS_symlink: case SYS_symlinkat:
    pe->has_path = nr == SYS_symlink
      ? fpt_path_arg (tid, AT_FDCWD, a[1], pe->path, PATH_MAX)
      : fpt_path_arg (tid, (long) (int) a[1], a[2], pe->path, PATH_MAX);
    /* The target as written: text, not resolved. */
    pe->has_path2 = fpt_read_str (tid, a[0], pe->path2, PATH_MAX) == 0;
    if (!pe->has_path || !fpt_inside (t, pe->path))
      return false;
    return true;
  case SYS_chmod:
    pe->has_path = fpt_path_arg (tid, AT_FDCWD, a[0], pe->path, PATH_MAX);
    m->mode = (uint32_t) a[1];
    break;
  case SYS_fchmodat:
    pe->has_path = fpt_path_arg (tid, (long) (int) a[0], a[1], pe->path,
                                 PATH_MAX);
    m->mode = (uint32_t) a[2];
    break;
  case SYS_fchmod:
    m->fd = (int) a[0], m->mode = (uint32_t) a[1];
    fdpath = true;
    break;
  case SYS_utimensat:
    if (a[1])
      pe->has_path = fpt_path_arg (tid, (long) (int) a[0], a[1], pe->path,
                                   PATH_MAX);
    else {
      m->fd = (int) a[0];
      fdpath = true;
    }
    break;
  case SYS_utimes:
    pe->has_path = fpt_path_arg (tid, AT_FDCWD, a[0], pe->path, PATH_MAX);
    break;
  default:
    return false;
  }
  if (fdpath)
    pe->has_path = fpt_fd_path (tid, m->fd, pe->path, PATH_MAX);
  /* Only calls that touch the tree are reported. */
  bool in1 = pe->has_path && fpt_inside (t, pe->path);
  bool in2 = pe->has_path2 && fpt_inside (t, pe->path2);
  if (pe->has_path && !in1)
    pe->has_path = false;
  if (pe->has_path2 && !in2)
    pe->has_path2 = false;
  return in1 || in2;
}

static int
fpt_report (struct fpt_tracer *t, struct fpt_pend *pe, const void *data)
{
  return fpt_send (t, &pe->m, pe->sys->name,
                   pe->has_path ? pe->path : NULL,
                   pe->has_path2 ? pe->path2 : NULL, data);
}

static void
fpt_seccomp_stop (struct fpt_tracer *t, pid_t tid)
{
  struct user_regs_struct g;
  unsigned long msg = 0;
  const struct fpt_sys *sys = NULL;

  ptrace (PTRACE_GETEVENTMSG, tid, 0, &msg);
  if (ptrace (PTRACE_GETREGS, tid, 0, &g) < 0) {
    ptrace (PTRACE_CONT, tid, 0, 0);       /* it died meanwhile */
    return;
  }
  if (msg == FPT_DATA_ABI)
    fpt_fail (t, ENOTSUP, "process %d made a 32-bit system call (%llu): "
              "32-bit system calls are not supported", (int) tid,
              (unsigned long long) g.orig_rax);
  for (size_t i = 0; i < FPT_NCALLS && !sys; i++)
    if ((unsigned long long) fpt_calls[i].nr == g.orig_rax)
      sys = &fpt_calls[i];
  struct fpt_pend *pe = fpt_pend_get (t, tid, true);
  pe->sys = sys;
  if (!sys || !fpt_entry (t, pe, &g)) {
    fpt_pend_drop (t, tid);
    ptrace (PTRACE_CONT, tid, 0, 0);
    return;
  }
  pe->m.tgid = fpt_tgid (tid);           /* once: the exit reuses it */
  if (fpt_report (t, pe, NULL) < 0)
    fpt_fail (t, ECANCELED, "stopped by the recorder");
  ptrace (PTRACE_SYSCALL, tid, 0, 0);      /* to the exit stop */
}

static void
fpt_exit_stop (struct fpt_tracer *t, pid_t tid)
{
  struct fpt_pend *pe = fpt_pend_get (t, tid, false);
  struct user_regs_struct g;
  uint8_t *data = NULL;

  if (!pe || ptrace (PTRACE_GETREGS, tid, 0, &g) < 0) {
    fpt_pend_drop (t, tid);
    ptrace (PTRACE_CONT, tid, 0, 0);
    return;
  }
  long ret = (long) g.rax;
  struct fpt_msg *m = &pe->m;
  m->phase = FPT_EXIT;
  m->ret = ret < 0 && ret > -4096 ? -1 : ret;
  m->err = ret < 0 && ret > -4096 ? (int) -ret : 0;
  if (pe->m.call == FPT_DUP && !m->err)
    m->fd2 = (int) ret;
  if (pe->m.call == FPT_WRITE && !m->err && ret > 0) {
    long nr = pe->sys->nr;
    m->len = (uint64_t) ret;
    if (nr == SYS_write || nr == SYS_writev
        || ((nr == SYS_pwritev || nr == SYS_pwritev2)
            && (int64_t) pe->args[3] == -1))
      m->off = fpt_fd_pos (tid, m->fd) - (uint64_t) ret;   /* O_APPEND too */
    if (!(data = fpt_write_data (pe, (size_t) ret)))
      fpt_fail (t, EFAULT, "process %d: %s of %ld bytes: cannot read them "
                "from its memory", (int) tid, pe->sys->name, ret);
    m->data_len = (uint64_t) ret;
  }
  int answer = fpt_report (t, pe, data);
  free (data);
  m->data_len = 0;
  fpt_pend_drop (t, tid);
  if (answer < 0)
    fpt_fail (t, ECANCELED, "stopped by the recorder");
  ptrace (PTRACE_CONT, tid, 0, 0);
}

_Noreturn void
fpt_tracer_main (int sock, char *const argv[], const struct fptrace_opts *o)
{
  struct fpt_tracer t = { .sock = sock, .root = o->only_under };
  int st;
  pid_t pid;

  t.rootlen = t.root ? strlen (t.root) : 0;
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if ((pid = fork ()) < 0)
    fpt_fail (&t, errno, "fork: %s", strerror (errno));
  if (pid == 0) {
    close (sock);
    if (o->stdout_fd >= 0)
      dup2 (o->stdout_fd, STDOUT_FILENO);
    if (o->stderr_fd >= 0)
      dup2 (o->stderr_fd, STDERR_FILENO);
    if (o->cwd && chdir (o->cwd) < 0) {
      fprintf (stderr, "flushpoint: chdir %s: %s\n", o->cwd, strerror (errno));
      _exit (126);
    }
    raise (SIGSTOP);             /* until the tracer has seized us */
    if (fpt_filter_install () < 0) {
      fprintf (stderr, "flushpoint: seccomp filter: %s\n", strerror (errno));
      _exit (126);
    }
    if (o->envp)
      execve (argv[0], argv, o->envp);
    else
      execv (argv[0], argv);
    fprintf (stderr, "flushpoint: exec %s: %s\n", argv[0], strerror (errno));
    _exit (127);
  }
  t.main_pid = pid;
  if (waitpid (pid, &st, WUNTRACED) != pid || !WIFSTOPPED (st))
    fpt_fail (&t, ECHILD, "the program did not start (wait status %d)", st);
  if (ptrace (PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE
              | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC
              | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) < 0) {
    kill (pid, SIGKILL);
    fpt_fail (&t, errno, "ptrace(PTRACE_SEIZE): %s", strerror (errno));
  }
  t.live = 1;
  kill (pid, SIGCONT);
  /* Until no process of the program is left (we are the subreaper, so
   * orphans stay ours): ECHILD. */
  for (;;) {
    pid_t w = waitpid (-1, &st, __WALL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      break;                     /* ECHILD: nobody left */
    }
    if (WIFEXITED (st) || WIFSIGNALED (st)) {
      if (w == t.main_pid)
        t.main_status = st;
      fpt_pend_drop (&t, w);
      t.live--;
      continue;
    }
    if (!WIFSTOPPED (st))
      continue;
    int sig = WSTOPSIG (st), ev = (st >> 16) & 0xff;
    if (ev == PTRACE_EVENT_SECCOMP)
      fpt_seccomp_stop (&t, w);
    else if (sig == (SIGTRAP | 0x80))
      fpt_exit_stop (&t, w);
    else if (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK
             || ev == PTRACE_EVENT_VFORK) {
      t.live++;                  /* the new one is traced already */
      ptrace (PTRACE_CONT, w, 0, 0);
    } else if (ev == PTRACE_EVENT_EXEC) {
      ptrace (PTRACE_CONT, w, 0, 0);
    } else if (ev == PTRACE_EVENT_STOP) {
      /* A group stop, or a new process's first stop. */
      if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN
          || sig == SIGTTOU)
        ptrace (PTRACE_LISTEN, w, 0, 0);
      else
        ptrace (PTRACE_CONT, w, 0, 0);
    } else if (ev == 0) {
      /* A signal for the program: deliver it. */
      ptrace (PTRACE_CONT, w, 0, (void *) (uintptr_t) sig);
    } else
      ptrace (PTRACE_CONT, w, 0, 0);
  }
  struct fpt_msg done = { .kind = FPT_MSG_DONE, .ret = t.main_status };
  fpt_send (&t, &done, NULL, NULL, NULL, NULL);
  _exit (0);
}
