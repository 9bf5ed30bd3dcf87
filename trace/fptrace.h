/* fptrace: run an unmodified program and report, in order, every
 * durability-relevant system call it and its threads and children make on
 * one directory tree, with arguments resolved and result.  The recorder of
 * `flushpoint run --exec` (workloads/wl_app.h).
 *
 * Mechanism: ptrace with a seccomp-BPF filter.  The filter (installed in
 * the child before execve, inherited by every thread and child) returns
 * SECCOMP_RET_TRACE for the calls below and SECCOMP_RET_ALLOW for every
 * other, so the program stops only where it matters.  At the seccomp stop
 * (the call's entry) the tracer resolves the arguments; with PTRACE_SYSCALL
 * it stops again at the call's exit for the result.  Why not LD_PRELOAD:
 * it misses static binaries, raw syscall(2), and calls made by helpers
 * that do not load the library.  Why not seccomp user notification: the
 * supervisor decides instead of the kernel and never sees the result, and
 * the recorder must act at the exit, while the call's effect is fresh and
 * the program has not yet gone on.
 *
 * The tracer is a process of its own (so that its wait(2) sees only the
 * program's processes, never the caller's other children); it sends each
 * stop over a socket and waits for the caller's answer before the program
 * continues.  So the callback runs while the calling thread of the program
 * is stopped -- at ENTRY before the call, at EXIT after it returned --
 * which is what the caller relies on.  Other threads of the program keep
 * running meanwhile; the order of events across threads is the order of
 * their stops.
 *
 * x86_64 only: a call through the 32-bit or x32 ABI stops the run with an
 * error.
 */
#ifndef FPTRACE_H
#define FPTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum fptrace_call {
  FPT_OPEN,            /* open, openat, openat2, creat */
  FPT_WRITE,           /* write, pwrite64, writev, pwritev, pwritev2 */
  FPT_TRUNCATE,        /* truncate (fd -1), ftruncate */
  FPT_FSYNC, FPT_FDATASYNC, FPT_SYNC, FPT_SYNCFS, FPT_SYNC_FILE_RANGE,
  FPT_RENAME,          /* rename, renameat, renameat2 (flags) */
  FPT_LINK,            /* link, linkat */
  FPT_UNLINK,          /* unlink, unlinkat without AT_REMOVEDIR */
  FPT_MKDIR,           /* mkdir, mkdirat */
  FPT_RMDIR,           /* rmdir, unlinkat with AT_REMOVEDIR */
  FPT_SYMLINK,         /* symlink, symlinkat: path the link, path2 the
                          target as written */
  FPT_FALLOCATE,
  FPT_CHMOD,           /* chmod, fchmodat (path), fchmod (fd, path NULL) */
  FPT_UTIMES,          /* utimensat, utimes */
  FPT_CLOSE,
  FPT_DUP,             /* dup, dup2, dup3, fcntl F_DUPFD(_CLOEXEC) */
};

enum { FPT_ENTRY = 0, FPT_EXIT = 1 };

struct fptrace_event {
  enum fptrace_call call;
  const char *name;             /* the system call's own name: "pwrite64" */
  int phase;                    /* FPT_ENTRY or FPT_EXIT */
  pid_t tid, tgid;
  int fd;                       /* the fd argument, -1 if none */
  int fd2;                      /* dup: the new descriptor (EXIT) */
  /* Absolute, normalised paths: a path argument resolved against its
   * directory descriptor or the cwd; for an fd argument, the file's path
   * (/proc/TID/fd/N, " (deleted)" cut).  NULL if none or not a file. */
  const char *path, *path2;
  uint64_t off, len;            /* writes: offset (EXIT: where the bytes
                                   went) and length (EXIT: written);
                                   truncate: len is the size; fallocate,
                                   sync_file_range: the range */
  int flags;                    /* open flags, rename flags, fallocate
                                   mode, sync_file_range flags */
  uint32_t mode;                /* open, mkdir, chmod */
  const void *data;             /* EXIT of a write: the ret bytes written */
  long ret;                     /* EXIT */
  int err;                      /* EXIT: errno when it failed, else 0 */
};

struct fptrace_opts {
  const char *cwd;              /* NULL: inherit */
  char *const *envp;            /* NULL: inherit */
  double timeout_s;             /* 0: none; then kill the tree, -ETIMEDOUT */
  /* Report only calls that touch this directory tree (a path or an fd's
   * path in it; sync always, syncfs of an fd in it). */
  const char *only_under;
  int stdout_fd, stderr_fd;     /* -1: inherit */
};

/* 0 to go on; negative to kill the program and stop with that error. */
typedef int (*fptrace_cb) (void *arg, const struct fptrace_event *ev);

/* Run argv[0] (a path; no PATH search) with argv under the tracer until
 * every process of it has exited.  *wstatus: the first process's wait
 * status.  Returns 0, the callback's error, -ETIMEDOUT, or another -errno
 * with errbuf saying what failed.  Never leaves a process behind. */
int fptrace_run (char *const argv[], const struct fptrace_opts *o,
                 fptrace_cb cb, void *arg, int *wstatus, char *errbuf,
                 size_t errlen);

#endif /* FPTRACE_H */
