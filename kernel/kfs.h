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
 * device model.  The loop device's queue/write_cache is never set to
 * "write through" (that removes every FLUSH, as nobarrier does).
 *
 * Teardown is guaranteed: every mount, loop device and FUSE mount this
 * library creates is registered with a reaper process (forked once, on
 * first use) that tears down whatever is still registered when this
 * process dies, however it dies (SIGKILL included).  In a normal run the
 * library tears down itself and unregisters.
 *
 * The kernel is not deterministic (background writeback, the commit timer,
 * lazy init threads): two runs of the same workload can give different
 * logs.  kfs_stack_describe() gives the facts a report must record.
 *
 * No global state apart from the reaper's pipe; all calls are usable from
 * several threads (each with its own objects).  Library code: no printing,
 * no exit; errors are -errno with errbuf naming the call, the object and
 * the reason.
 */
#ifndef KFS_H
#define KFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kfs_type { KFS_EXT4, KFS_XFS, KFS_BTRFS };

/* "ext4", "xfs", "btrfs" -> type; -EINVAL otherwise. */
int kfs_type_parse (const char *name, enum kfs_type *t);
const char *kfs_type_name (enum kfs_type t);

/* 0 when this machine can run file system t under test; else -errno and
 * errbuf says exactly what is missing ("not root (uid 1000)", "/dev/fuse:
 * No such file or directory", "nbdfuse not found on PATH (package
 * libnbd-bin)", "mkfs.xfs not found (package xfsprogs)", "no loop devices:
 * /dev/loop-control: ...", "file system xfs not in /proc/filesystems and
 * modprobe failed", ...).  Never falls back to anything. */
int kfs_probe (enum kfs_type t, char *errbuf, size_t errlen);

/* Mount options in the engine's names (engine/fpfs.h:
 * data=ordered|writeback|journal, barrier|nobarrier, lazytime, commit=N,
 * nojournal; "journal", "nolazytime", "barrier=0|1" as the engine takes
 * them) mapped to what mkfs and mount(2) get for type t.  An option the
 * file system does not have is -EINVAL naming the option and the file
 * system ("data=journal: xfs has no such mount option").  bug=, seed=,
 * dirty_limit= are engine-only: -EINVAL too. */
struct kfs_opts {
  enum kfs_type type;
  char mkfs_extra[256];          /* extra mkfs arguments, e.g. "-O ^has_journal" */
  char data[256];                /* mount(2) data string, e.g. "data=ordered,barrier" */
  unsigned long flags;           /* mount(2) flags, e.g. MS_LAZYTIME */
  char canon[256];               /* the engine-named options, canonical */
};
int kfs_opts_parse (enum kfs_type t, const char *engine_opts,
                    struct kfs_opts *o, char *errbuf, size_t errlen);

/* ---- recording ---- */

struct kfs_stack_opts {
  const char *nbd_socket;        /* a running nbdkit's Unix socket (the
                                    export "" is the disk) */
  uint64_t size;                 /* disk bytes */
  const struct kfs_opts *opts;
  const uint8_t *uuid;           /* the file system's uuid (16 bytes) */
};

struct kfs_stack;

/* nbdfuse + loop device.  Nothing is written to the disk yet. */
int kfs_stack_start (const struct kfs_stack_opts *o, struct kfs_stack **out,
                     char *errbuf, size_t errlen);
/* mkfs with the recorded uuid and deterministic parameters (e.g.
 * E2FSPROGS_FAKE_TIME, lazy_itable_init=0, lazy_journal_init=0, nodiscard
 * where possible), then mount.  Returns the mount point. */
int kfs_stack_mkfs (struct kfs_stack *s, char *errbuf, size_t errlen);
int kfs_stack_mount (struct kfs_stack *s, char *errbuf, size_t errlen);
const char *kfs_stack_dir (const struct kfs_stack *s);
/* Text facts for the recording: kernel release (uname -r), the mkfs
 * command line, mount data and flags, mkfs tool version.  JSON object text
 * {"kernel": ..., "mkfs": ..., "mount": ..., "fs": ...}. */
const char *kfs_stack_describe (const struct kfs_stack *s);
/* Tear down in order: umount (lazy if busy), detach the loop device,
 * unmount the FUSE file, wait for nbdfuse.  NULL is fine.  Returns the
 * first error; always frees s and unregisters from the reaper. */
int kfs_stack_stop (struct kfs_stack *s, char *errbuf, size_t errlen);

/* ---- recovery of crash states ---- */

struct kfs_recover;              /* one per worker: a loop device, a dir */

int kfs_recover_open (const struct kfs_opts *o, struct kfs_recover **out,
                      char *errbuf, size_t errlen);
/* Attach image (a regular file the caller may throw away afterwards) and
 * mount it read-write so the journal replays.  *dir: the mount point.
 * A mount that fails is -errno with errbuf holding the kernel's words
 * (dmesg lines since the attempt if readable, else strerror). */
int kfs_recover_mount (struct kfs_recover *k, const char *image,
                       const char **dir, char *errbuf, size_t errlen);
/* umount, detach.  Returns 0 or -errno. */
int kfs_recover_umount (struct kfs_recover *k, char *errbuf, size_t errlen);
void kfs_recover_close (struct kfs_recover *k);

/* The file system's own checker, read-only, on an image file (not
 * mounted): e2fsck -fn, xfs_repair -n, btrfs check --readonly.  Returns 0
 * clean, 1 problems found (out: the checker's output, cut to outlen), or
 * -errno when it could not run. */
int kfs_fsck (enum kfs_type t, const char *image, char *out, size_t outlen);

/* The commands a human types to mount and inspect an image (for reports):
 * "losetup -f --show IMG; mount -o DATA /dev/loopN /mnt; ...". */
int kfs_inspect_commands (const struct kfs_opts *o, const char *image,
                          char *buf, size_t len);

#endif /* KFS_H */
