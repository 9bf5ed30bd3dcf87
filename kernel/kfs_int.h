/* kfs_int.h: what the files of kernel/ share and nothing outside uses.
 *
 * Layers, bottom up (a file uses only the ones above it in this list):
 *   util.c     errbuf, text building (JSON, shell quoting), $TMPDIR dirs,
 *              tool lookup, small /proc and /sys readers
 *   spawn.c    running a tool to completion (output captured, cut) or in
 *              the background (nbdfuse)
 *   reaper.c   the reaper process and its register/unregister messages
 *   loop.c     loop devices by ioctl (attach with AUTOCLEAR, detach)
 *   kmsg.c     the kernel's words after a failed mount (/dev/kmsg)
 *   mount.c    mount(2)/umount2(2) with the above
 *   fstype.c   per file-system facts (tools, packages, sizes, defaults)
 *   opts.c     engine option names -> mkfs and mount(2) arguments
 *   mkfs.c, fsck.c, probe.c, inspect.c, stack.c, recover.c: the API
 */
#ifndef KFS_INT_H
#define KFS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kfs.h"

/* ---- util.c ---- */

/* Format into errbuf (NULL or 0 length: nothing) and return ret, so that
 * an error path is one statement: return kfs_err (eb, el, -errno, ...). */
int kfs_err (char *errbuf, size_t errlen, int ret, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));

/* A bounded string builder: appends never overflow; ->over is set when
 * something did not fit (the text is then cut, still NUL-terminated). */
struct kfs_str {
  char *buf;
  size_t len, pos;
  bool over;
};
void kfs_str_init (struct kfs_str *s, char *buf, size_t len);
void kfs_str_add (struct kfs_str *s, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
void kfs_str_json (struct kfs_str *s, const char *text);   /* "..." quoted */
void kfs_str_shell (struct kfs_str *s, const char *word);  /* '...' quoted */

/* mkdtemp("<base>/<prefix>XXXXXX"), base = workdir, else $TMPDIR, else
 * /tmp. */
int kfs_tmpdir (const char *workdir, const char *prefix, char *out,
                size_t outlen, char *errbuf, size_t errlen);
/* The full path of a tool: $PATH, then /usr/sbin, /sbin, /usr/bin, /bin
 * (root's tools are in sbin, and a caller's PATH may lack it).  -ENOENT. */
int kfs_which (const char *name, char *out, size_t outlen);
/* Whole small file into buf (NUL-terminated, trailing newline cut);
 * async-signal-safe.  Returns the length or -errno. */
ssize_t kfs_read_small (const char *path, char *buf, size_t len);
/* Write text to a small file (a sysfs attribute) in one go;
 * async-signal-safe.  0 or -errno. */
int kfs_write_small (const char *path, const char *text);
/* The fields of /proc/PID/stat we use; async-signal-safe.  -ESRCH when
 * gone. */
struct kfs_proc {
  char state;                    /* 'R', 'S', 'Z', ... */
  pid_t pgrp;
  uint64_t start;                /* start time in clock ticks */
};
int kfs_proc_stat (pid_t pid, struct kfs_proc *p);
/* Field 22 of /proc/PID/stat (start time in clock ticks), 0 if gone;
 * *zombie (may be NULL): state Z.  Async-signal-safe. */
uint64_t kfs_proc_starttime (pid_t pid, bool *zombie);
/* "/dev/loop" + n, without stdio (the reaper uses it). */
void kfs_loop_path (int nr, char *out, size_t outlen);
/* "/sys/block/loopNR/queue/write_cache"; async-signal-safe. */
void kfs_loop_wc_path (int nr, char *out, size_t outlen);

/* ---- spawn.c ---- */

/* Run argv[0] (a full path) with extra environment entries (NULL-ended,
 * "NAME=VALUE", they override the inherited ones; LC_ALL=C is always
 * added), stdin /dev/null, stdout and stderr together into out (cut to
 * outlen, "[... N bytes cut]" at the end).  *status: the wait status.
 * Returns 0 when it ran (whatever its exit status) or -errno. */
int kfs_run (const char *const argv[], const char *const env[],
             char *out, size_t outlen, int *status);
/* The same in the background, stdout and stderr to log_path, in its own
 * process group (a terminal's ^C must not reach it: the caller tears it
 * down in order).  *pid: to wait for. */
int kfs_spawn_bg (const char *const argv[], const char *log_path,
                  pid_t *pid);
/* "exit 3", "killed by signal 9" for a wait status. */
void kfs_status_text (int status, char *buf, size_t len);
/* The words of argv joined by blanks (for messages and reports). */
void kfs_argv_text (const char *const argv[], char *buf, size_t len);
/* waitpid with a deadline: 0 and *status when it exited, -ETIMEDOUT. */
int kfs_wait_timeout (pid_t pid, int ms, int *status);

/* ---- reaper.c ---- */

/* What the reaper tears down, in reverse order of registration. */
enum kfs_res {
  KFS_RES_PATH = 1,              /* path: rmdir or unlink */
  KFS_RES_PID,                   /* a: pid, b: start time, c: flags */
  KFS_RES_FUSE,                  /* path: a FUSE mount point */
  KFS_RES_LOOP,                  /* a: loop number, b: backing st_dev,
                                    c: backing st_ino */
  KFS_RES_MOUNT,                 /* path: a mount point */
};
#define KFS_PID_GRACE 2u         /* with KFS_WATCH_GROUP: wait 2 s for it
                                    to exit by itself before SIGTERM */
#define KFS_REAPER_PATH_MAX 512
/* Register; *id (never 0) for kfs_reaper_del.  Starts the reaper on first
 * use.  -ENAMETOOLONG for a path over KFS_REAPER_PATH_MAX - 1, -EPIPE if
 * the reaper is gone. */
int kfs_reaper_add (enum kfs_res kind, const char *path, uint64_t a,
                    uint64_t b, uint64_t c, uint64_t *id,
                    char *errbuf, size_t errlen);
/* Unregister (id 0: no-op). */
int kfs_reaper_del (uint64_t id);

/* ---- loop.c ---- */

struct kfs_loop {
  int fd;                        /* held open: AUTOCLEAR detaches at close */
  int nr;                        /* -1: none */
  uint64_t rid;                  /* reaper registration */
  char dev[32];                  /* "/dev/loopN" */
};
#define KFS_LOOP_INIT { .fd = -1, .nr = -1 }
/* Attach backing_fd (read-write) to a free loop device, LO_FLAGS_AUTOCLEAR,
 * trying prefer_nr first (-1: any), retrying when another process takes
 * the device first; registers it with the reaper. */
int kfs_loop_attach (int backing_fd, const char *name, int prefer_nr,
                     struct kfs_loop *l, char *errbuf, size_t errlen);
/* Detach (close: AUTOCLEAR detaches once unmounted), unregister.  Safe on
 * a loop that was never attached. */
void kfs_loop_detach (struct kfs_loop *l);
/* Set /sys/block/loopNR/queue/write_cache to "write back" or "write
 * through" and read it back.  The setting outlives the device's binding
 * (Linux 6.18 keeps it when the device is configured again), so whoever
 * sets "write through" restores "write back" before detaching:
 * kfs_loop_detach and kfs_loop_clear_if do.  0 or -errno with errbuf. */
int kfs_loop_write_cache (int nr, bool write_through, char *errbuf,
                          size_t errlen);
/* Restore "write back", then LOOP_CLR_FD, if /dev/loopNR still has
 * backing (st_dev, st_ino); used by the reaper; async-signal-safe.  0, or
 * -errno. */
int kfs_loop_clear_if (int nr, uint64_t st_dev, uint64_t st_ino);

/* ---- kmsg.c ---- */

/* -1 when /dev/kmsg cannot be read (not fatal: then strerror only). */
int kfs_kmsg_open (void);
/* Skip what is in the buffer now: later reads see only newer lines. */
void kfs_kmsg_mark (int fd);
/* Append the lines since the mark that mention dev ("loop3") or start
 * with fstype ("ext4: ..."), "; " between them.  Returns how many. */
int kfs_kmsg_collect (int fd, const char *dev, const char *fstype,
                      struct kfs_str *s);

/* ---- mount.c ---- */

/* mount(2) dev on dir; on failure -errno, errbuf with what was asked and
 * the kernel's words (kmsg_fd may be -1). */
int kfs_mount_dev (const char *dev, const char *dir, const char *fstype,
                   unsigned long flags, const char *data, int kmsg_fd,
                   char *errbuf, size_t errlen);
/* umount2, retrying while busy for about busy_ms; then MNT_DETACH and
 * -EBUSY.  Not mounted: -EINVAL.  Async-signal-safe (the reaper). */
int kfs_umount_retry (const char *dir, int busy_ms);
/* The mount(2) flags as words, "lazytime,ro" ("" for none). */
void kfs_mount_flags_text (unsigned long flags, char *buf, size_t len);

/* ---- fstype.c ---- */

#define KFS_FSCK_ARGS_MAX 6
struct kfs_fs_desc {
  const char *name;              /* "ext4": also mount(2)'s type */
  const char *mkfs;              /* "mkfs.ext4" */
  const char *fsck;              /* "e2fsck" */
  const char *fsck_args[KFS_FSCK_ARGS_MAX];   /* before the image,
                                    NULL-ended: read-only, forced */
  const char *pkg;               /* "e2fsprogs": where the tools are */
  uint64_t min_size;             /* bytes */
  unsigned commit_default;       /* 0: no commit= option */
  const char *recover_data;      /* added to recovery mounts ("nouuid") */
};
/* NULL for a type out of range. */
const struct kfs_fs_desc *kfs_fs_desc (enum kfs_type t);

/* ---- mkfs.c ---- */

/* kfs_mkfs, also giving the command line and environment it ran
 * (for kfs_stack_describe); cmd/env may be NULL. */
int kfs_mkfs_run (const struct kfs_opts *o, const uint8_t *uuid,
                  const char *target, char *cmd, size_t cmdlen,
                  char *env, size_t envlen, char *errbuf, size_t errlen);
/* "mke2fs 1.47.0 (5-Feb-2023)": the first line of mkfs -V. */
int kfs_mkfs_version (enum kfs_type t, char *buf, size_t len);

#endif /* KFS_INT_H */
