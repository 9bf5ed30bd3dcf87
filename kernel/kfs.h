/* kfs: Linux kernel file systems (ext4, xfs, btrfs) as a backend under
 * test, reached without any kernel module of our own:
 *
 *   recording:  nbdkit (our plugin, a write log) <- nbdfuse (a file in a
 *               FUSE mount) <- a loop device <- mkfs + mount
 *   recovery:   a crash-state image file <- a loop device <- mount (the
 *               kernel replays its journal) ... umount <- the file system's
 *               own checker (e2fsck -fn, xfs_repair -n, btrfs check
 *               --readonly)
 *
 * On that path the kernel splits a PREFLUSH|FUA bio into FLUSH, WRITE,
 * FLUSH (the loop device advertises a write-back cache without FUA), so a
 * jbd2 commit shows in the log as WRITE..., FLUSH, WRITE, FLUSH: a faithful
 * device model.  The loop device's queue/write_cache is "write back"
 * unless the options ask for kfs_opts.write_through (xfs nobarrier, which
 * Linux removed: a write-through device gets no FLUSH, no PREFLUSH and no
 * FUA, as under nobarrier); the stack sets it, reads it back, records it
 * in kfs_stack_describe, and restores "write back" on teardown (the
 * setting outlives the device's binding).
 *
 * Teardown is guaranteed: every mount, loop device and FUSE mount this
 * library creates, and every process it starts that must not outlive it,
 * is registered with a reaper process (forked once, on first use) that
 * tears down whatever is still registered when this process dies, however
 * it dies (SIGKILL included).  In a normal run the library tears down
 * itself and unregisters.  See kernel/README.md for the reaper's rules
 * (threads, fork, signals).
 *
 * The kernel is not deterministic (background writeback, the commit timer,
 * lazy init threads): two runs of the same workload can give different
 * logs.  kfs_stack_describe() gives the facts a report must record.
 *
 * Directories (the FUSE mount, mount points) are made with mkdtemp under
 * kfs_stack_opts.workdir, else $TMPDIR, else /tmp, and removed on
 * teardown.
 *
 * No global state apart from the reaper (its socket, its pid and an id
 * counter); all calls are usable from several threads (each with its own
 * objects).  Library code: no printing, no exit; errors are -errno with
 * errbuf naming the call, the object and the reason.  Everything needs
 * root: kfs_probe says so.
 */
#ifndef KFS_H
#define KFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum kfs_type { KFS_EXT4, KFS_XFS, KFS_BTRFS };

/* "ext4", "xfs", "btrfs" -> type; -EINVAL otherwise. */
int kfs_type_parse (const char *name, enum kfs_type *t);
const char *kfs_type_name (enum kfs_type t);
/* The smallest disk mkfs accepts for t (mkfs.xfs refuses less than
 * 300 MiB, mkfs.btrfs less than 109 MiB, ext4 has no journal below
 * 8 MiB).  kfs_stack_start refuses a smaller disk. */
uint64_t kfs_min_size (enum kfs_type t);

/* 0 when this machine can run file system t under test; else -errno and
 * errbuf says exactly what is missing, every missing thing, "; " between
 * them ("not root (uid 1000)", "/dev/fuse: No such file or directory",
 * "nbdfuse not found on PATH (package libnbd-bin)", "mkfs.xfs not found
 * (package xfsprogs)", "no loop devices: /dev/loop-control: ...", "file
 * system xfs not in /proc/filesystems and modprobe failed", ...); the
 * errno is the first thing's.  Never falls back to anything. */
int kfs_probe (enum kfs_type t, char *errbuf, size_t errlen);

/* Mount options in the engine's names (engine/fpfs.h:
 * data=ordered|writeback|journal, barrier|nobarrier, lazytime, commit=N,
 * nojournal, ro; "journal", "nolazytime", "rw", "barrier=0|1" as the
 * engine takes them; later options override earlier ones) mapped to what
 * mkfs and mount(2) get for type t.  NULL or "" is the defaults.  An
 * option the file system does not have is -EINVAL naming the option and
 * the file system ("data=journal: xfs has no such mount option").  xfs
 * nobarrier is emulated by the device (write_through below).  bug=, seed=,
 * dirty_limit= are engine-only: -EINVAL too.  Each file system keeps its
 * own defaults (commit=5 on ext4, 30 on btrfs). */
struct kfs_opts {
  enum kfs_type type;
  char mkfs_extra[256];          /* extra mkfs arguments, words separated
                                    by blanks, e.g. "-O ^has_journal" */
  char data[256];                /* mount(2) data string, e.g.
                                    "data=ordered,barrier,commit=5,noinit_itable" */
  unsigned long flags;           /* mount(2) flags, e.g. MS_LAZYTIME */
  bool write_through;            /* record on a "write through" loop device:
                                    the kernel sends no FLUSH (nobarrier
                                    where the file system has no such
                                    option: xfs) */
  char canon[256];               /* the options in effect, engine names,
                                    canonical ("data=ordered,barrier,commit=5") */
};
int kfs_opts_parse (enum kfs_type t, const char *engine_opts,
                    struct kfs_opts *o, char *errbuf, size_t errlen);

/* mkfs for o->type on target (a block device or an image file) with the
 * given uuid (16 bytes) and deterministic parameters (ext4:
 * E2FSPROGS_FAKE_TIME, -b 4096, lazy_itable_init=0, lazy_journal_init=0,
 * nodiscard, hash_seed = uuid; xfs and btrfs: -K, no discard), plus
 * o->mkfs_extra.  A failing mkfs is -EIO with its output in errbuf. */
int kfs_mkfs (const struct kfs_opts *o, const uint8_t *uuid,
              const char *target, char *errbuf, size_t errlen);

/* ---- recording ---- */

struct kfs_stack_opts {
  const char *nbd_socket;        /* a running nbdkit's Unix socket (the
                                    export "" is the disk) */
  uint64_t size;                 /* disk bytes: must match the export */
  const struct kfs_opts *opts;
  const uint8_t *uuid;           /* the file system's uuid (16 bytes) */
  const char *workdir;           /* NULL: $TMPDIR, else /tmp */
};

struct kfs_stack;

/* nbdfuse + loop device.  Nothing is written to the disk yet. */
int kfs_stack_start (const struct kfs_stack_opts *o, struct kfs_stack **out,
                     char *errbuf, size_t errlen);
/* kfs_mkfs on the stack's loop device (the recorded uuid, o->opts). */
int kfs_stack_mkfs (struct kfs_stack *s, char *errbuf, size_t errlen);
/* mount(2) the loop device on kfs_stack_dir() with o->opts.  A failed
 * mount is -errno with the kernel's words, as kfs_recover_mount. */
int kfs_stack_mount (struct kfs_stack *s, char *errbuf, size_t errlen);
/* The mount point (exists from kfs_stack_start on). */
const char *kfs_stack_dir (const struct kfs_stack *s);
/* Text facts for the recording, a JSON object: {"fs": ..., "kernel":
 * uname -r, "mkfs": the command line, "mkfs_env": ..., "mkfs_version":
 * ..., "mount": "-t FS -o DATA", "mount_flags": ..., "mounted": the
 * options /proc/self/mountinfo shows, "write_cache": ...}; fields not
 * known yet are "".  Valid until the next call on s. */
const char *kfs_stack_describe (const struct kfs_stack *s);
/* Tear down in order: umount (lazy if busy: -EBUSY), detach the loop
 * device, unmount the FUSE file, wait for nbdfuse, remove the
 * directories.  NULL is fine.  Returns the first error; always frees s
 * and unregisters from the reaper.  The umount writes reach the log: a
 * caller who wants the log to end at a power cut cuts the power first
 * (the plugin's control export: "powercut"); teardown works against a
 * dead device, and nbdfuse's complaints about it (its exit status) are
 * not errors: only a teardown that leaves something behind is. */
int kfs_stack_stop (struct kfs_stack *s, char *errbuf, size_t errlen);

/* ---- recovery of crash states ---- */

struct kfs_recover;              /* one per worker: a loop device, a dir */

int kfs_recover_open (const struct kfs_opts *o, struct kfs_recover **out,
                      char *errbuf, size_t errlen);
/* Attach image (a regular file the caller may throw away afterwards) and
 * mount it read-write so the journal replays.  *dir: the mount point.
 * Recovery mounts add MS_NOATIME (a walk of the tree writes nothing) and,
 * on xfs, nouuid (workers mount crash states of one file system side by
 * side).  A mount that fails is -errno with errbuf holding the kernel's
 * words (dmesg lines since the attempt if readable, else strerror). */
int kfs_recover_mount (struct kfs_recover *k, const char *image,
                       const char **dir, char *errbuf, size_t errlen);
/* umount, detach.  Returns 0 or -errno (-EBUSY: something still uses the
 * mount; it is detached lazily and the next mount takes another loop
 * device).  Calling it when nothing is mounted is a no-op. */
int kfs_recover_umount (struct kfs_recover *k, char *errbuf, size_t errlen);
/* umount if mounted, free.  NULL is fine. */
void kfs_recover_close (struct kfs_recover *k);

/* The file system's own checker, read-only, on an image file (not
 * mounted): e2fsck -fn, xfs_repair -n, btrfs check --readonly.  Returns 0
 * clean, 1 problems found (out: the checker's output, cut to outlen), or
 * -errno when it could not run or judge (out: why; -EUCLEAN: the journal
 * needs replaying, which read-only checkers skip: mount the image first). */
int kfs_fsck (enum kfs_type t, const char *image, char *out, size_t outlen);

/* The commands a human types to mount and inspect an image (for reports):
 * "dev=$(losetup -f --show IMG) && mount -t FS -o DATA \"$dev\" /mnt ...".
 * 0, or -ERANGE when buf is too small. */
int kfs_inspect_commands (const struct kfs_opts *o, const char *image,
                          char *buf, size_t len);

/* ---- the reaper, for the caller's own processes ---- */

/* Register pid (a process this process started and has not reaped) with
 * the reaper: if this process dies, the reaper sends it SIGTERM, then
 * SIGKILL, before it unmounts anything registered earlier (so a workload
 * running in a mount point does not keep it busy).  KFS_WATCH_GROUP: pid
 * leads a process group (setpgid), signal the whole group.  *id is for
 * kfs_reaper_unwatch, which the caller calls once the process is reaped
 * (id 0 is a no-op). */
#define KFS_WATCH_GROUP 1u
int kfs_reaper_watch (pid_t pid, unsigned flags, uint64_t *id,
                      char *errbuf, size_t errlen);
int kfs_reaper_unwatch (uint64_t id);

#endif /* KFS_H */
