/* libfpfs: flushpoint's user-space ext4-like file system, public interface.
 *
 * The engine follows Linux 4.10's fsync pipeline (fs/sync.c,
 * fs/ext4/fsync.c, fs/ext4/inode.c, mm/filemap.c, fs/jbd2/; engine/README.md
 * maps the kernel's functions to ours): a page cache with delayed
 * allocation, extents, a jbd2-style ordered journal, fsync vs fdatasync
 * chosen by i_sync_tid / i_datasync_tid, and sync's two passes.
 *
 * Rules of this interface:
 * - No global mutable state.  Everything hangs off a struct fpfs (a mounted
 *   file system) or a struct fpfs_bdev (a block device); a process may hold
 *   many of each.
 * - Every call returns 0 (or a count / fd) on success and a negative errno on
 *   failure, as the kernel's system calls do.  Human-readable detail, where a
 *   call takes errbuf, goes there; the library never prints and never exits.
 * - Time is virtual.  Each system call advances the clock by a small fixed
 *   tick (FPFS_SYSCALL_TICK_NS) so that successive writes see distinct
 *   mtimes; fpfs_clock_advance() moves it further and runs the background
 *   work that falls due (flusher, kjournald2) in deadline order.  The same
 *   calls with the same seed produce the same device requests, byte for byte.
 * - Paths are absolute ("/a/b"), components at most FPFS_NAME_MAX bytes.
 */
#ifndef FPFS_H
#define FPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The engine is compiled -fvisibility=hidden: what this header declares is
 * the library's whole interface (engine/CMakeLists.txt). */
#pragma GCC visibility push(default)

#define FPFS_NAME_MAX        255
#define FPFS_BLOCK_SIZE      4096u
#define FPFS_SYSCALL_TICK_NS 1000000ull      /* 1 ms of virtual time per call */
#define FPFS_NSEC_PER_SEC    1000000000ull

/* ------------------------------------------------------------------ */
/* Block devices                                                        */
/* ------------------------------------------------------------------ */

enum fpfs_bdev_flags {
  FPFS_BDEV_FUA = 1u << 0,      /* write: durable when it completes */
};

struct fpfs_bdev;

/* A backend.  read/write/trim ranges are byte ranges aligned to the
 * device's sector size.  flush makes every completed write durable. */
struct fpfs_bdev_ops {
  const char *name;                                   /* "mem", "nbd", ... */
  int (*read) (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len);
  int (*write) (struct fpfs_bdev *bd, const void *buf, uint64_t off,
                size_t len, unsigned flags);
  int (*flush) (struct fpfs_bdev *bd);
  int (*trim) (struct fpfs_bdev *bd, uint64_t off, size_t len);
  void (*close) (struct fpfs_bdev *bd);               /* frees priv */
};

struct fpfs_bdev_stats {
  uint64_t reads, writes, fua_writes, flushes, trims;
  uint64_t bytes_read, bytes_written;
};

struct fpfs_bdev {
  const struct fpfs_bdev_ops *ops;
  void *priv;
  uint64_t size;                 /* bytes */
  uint32_t sector_size;          /* bytes */
  struct fpfs_bdev_stats stats;  /* counted by the fpfs_bdev_* wrappers */
  char desc[160];                /* for messages: "nbd:/tmp/s.sock", ... */
};

/* Wrappers: check alignment and bounds (-EINVAL), count stats, call ops. */
int fpfs_bdev_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len);
int fpfs_bdev_write (struct fpfs_bdev *bd, const void *buf, uint64_t off,
                     size_t len, unsigned flags);
int fpfs_bdev_flush (struct fpfs_bdev *bd);
int fpfs_bdev_trim (struct fpfs_bdev *bd, uint64_t off, size_t len);
void fpfs_bdev_close (struct fpfs_bdev *bd);            /* NULL is fine */

/* Backends. */
int fpfs_bdev_mem_open (uint64_t size, uint32_t sector_size,
                        struct fpfs_bdev **out);        /* sparse, zeroes */
int fpfs_bdev_file_open (const char *path, bool create, uint64_t size,
                         struct fpfs_bdev **out, char *errbuf, size_t errlen);
/* uri: an NBD URI ("nbd+unix:///?socket=/tmp/s") or a Unix socket path;
 * export_name NULL means "" (the disk). */
int fpfs_bdev_nbd_open (const char *uri, const char *export_name,
                        struct fpfs_bdev **out, char *errbuf, size_t errlen);
/* argv: a command that speaks NBD on stdin/stdout, e.g. nbdkit -s ... */
int fpfs_bdev_nbd_command_open (char **argv, struct fpfs_bdev **out,
                                char *errbuf, size_t errlen);
/* Copy-on-write overlay: reads fall through to lower until a range is
 * written; lower is never written, flushed or trimmed.  Cost of open and of
 * reset is independent of the device size.  The overlay does not own lower. */
int fpfs_bdev_overlay_open (struct fpfs_bdev *lower, struct fpfs_bdev **out);
void fpfs_bdev_overlay_reset (struct fpfs_bdev *overlay);  /* drop all writes */
/* Watch (bdev_watch.c): passes every request to lower and records, per
 * 4 KiB block, whether what the caller got can depend on lower's bytes
 * there (read, or partly written, before any whole-block write).  seen:
 * those blocks since the last reset, sorted, malloc'd (-ENOMEM if the
 * record could not be kept).  The watch does not own lower. */
int fpfs_bdev_watch_open (struct fpfs_bdev *lower, struct fpfs_bdev **out);
struct fpfs_bdev *fpfs_bdev_watch_lower (const struct fpfs_bdev *watch);
void fpfs_bdev_watch_reset (struct fpfs_bdev *watch);
int fpfs_bdev_watch_seen (const struct fpfs_bdev *watch, uint64_t **blocks,
                          size_t *n);

/* ------------------------------------------------------------------ */
/* Tracepoints                                                          */
/* ------------------------------------------------------------------ */

/* Events carry the kernel's tracepoint names (ext4_sync_file_enter, ...).
 * args is a short "key value key value" text, as in the kernel's TP_printk. */
struct fpfs_trace_sink {
  void (*event) (void *ctx, uint64_t vtime_ns, const char *name,
                 const char *args);
  void *ctx;
};
/* A sink that prints "  SEC.NSEC name: args\n" lines to a stdio FILE *. */
struct fpfs_trace_sink fpfs_trace_text_sink (void *file);

/* ------------------------------------------------------------------ */
/* mkfs, mount options, mount                                           */
/* ------------------------------------------------------------------ */

struct fpfs_mkfs_opts {
  uint32_t inodes;               /* 0: one per 16 KiB of device */
  uint32_t journal_blocks;       /* 0: default (1024, or less on tiny disks) */
  const uint8_t *uuid;           /* NULL: random (libuuid) */
  uint64_t seed;                 /* for a deterministic uuid when uuid NULL
                                    and deterministic is set */
  bool deterministic;            /* uuid from seed, timestamps 0 */
};

enum fpfs_data_mode {
  FPFS_DATA_ORDERED = 0,         /* default */
  FPFS_DATA_WRITEBACK,
  FPFS_DATA_JOURNAL,
};

struct fpfs_mount_opts {
  enum fpfs_data_mode data;
  bool nojournal;                /* run without the journal (ext4 ^has_journal) */
  bool barrier;                  /* default true */
  bool lazytime;
  bool read_only;
  uint32_t commit_interval_s;    /* default 5 */
  uint64_t bugs;                 /* bitmask of bug switches, see fpfs_bug_* */
  uint64_t seed;                 /* scheduler seed */
  const struct fpfs_trace_sink *trace;  /* NULL: no tracing */
  uint64_t dirty_limit_bytes;    /* 0: default (dirty limit triggers writeback) */
  /* Optional, borrowed, one thread's: journal recovery remembers the
   * transactions it verified and skips checksumming byte-identical ones
   * at the next mount (engine/jbd2/scancache.c).  NULL: no cache. */
  struct fpfs_scan_cache *scan_cache;
};

struct fpfs_scan_cache;
int fpfs_scan_cache_new (struct fpfs_scan_cache **out);
void fpfs_scan_cache_free (struct fpfs_scan_cache *c);   /* NULL is fine */
/* Transactions verified from the cache, and checksummed. */
void fpfs_scan_cache_stats (const struct fpfs_scan_cache *c, uint64_t *hits,
                            uint64_t *misses);

/* Defaults: ordered, journal, barrier, commit=5. */
void fpfs_mount_opts_init (struct fpfs_mount_opts *o);
/* Parse "data=ordered,nobarrier,commit=5,lazytime,bug=NAME,..." on top of
 * whatever *o holds.  Unknown options are -EINVAL with errbuf naming them. */
int fpfs_mount_opts_parse (const char *s, struct fpfs_mount_opts *o,
                           char *errbuf, size_t errlen);
/* "data=ordered,barrier,commit=5" etc: the canonical text of *o. */
int fpfs_mount_opts_format (const struct fpfs_mount_opts *o, char *buf,
                            size_t len);

/* Bug switches: each breaks exactly one rule; all off by default. */
int fpfs_bug_count (void);
const char *fpfs_bug_name (int i);           /* "no-commit-flush", ... */
const char *fpfs_bug_doc (int i);            /* one sentence */
int fpfs_bug_lookup (const char *name, uint64_t *bit);  /* -ENOENT */

struct fpfs;

int fpfs_mkfs (struct fpfs_bdev *bd, const struct fpfs_mkfs_opts *o,
               char *errbuf, size_t errlen);
/* Mount runs journal recovery.  Any garbage image gives an error
 * (-EINVAL / -EUCLEAN / -EIO ...) with errbuf saying what is wrong; never a
 * crash.  The fs does not own bd. */
int fpfs_mount (struct fpfs_bdev *bd, const struct fpfs_mount_opts *o,
                struct fpfs **out, char *errbuf, size_t errlen);
/* Clean unmount: sync, checkpoint, mark clean, free. */
int fpfs_umount (struct fpfs *fs);
/* Power cut: free all memory, write nothing more to the device. */
void fpfs_crash (struct fpfs *fs);

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

struct fpfs_timespec {
  int64_t sec;
  uint32_t nsec;
};

struct fpfs_stat {
  uint64_t ino;
  uint32_t generation;          /* (ino, generation) identifies an inode */
  uint32_t mode;                /* S_IFREG|0644 ... */
  uint32_t nlink;
  uint64_t size;
  uint64_t blocks;              /* 512-byte units allocated */
  struct fpfs_timespec atime, mtime, ctime;
  uint64_t rdev;                /* char/block devices: makedev() */
};

/* flags: Linux O_* values (O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL,
 * O_TRUNC, O_APPEND, O_SYNC, O_DSYNC, O_DIRECTORY, O_DIRECT, O_TMPFILE).
 * Returns fd >= 0.  O_DIRECT: reads and writes must be 512-byte aligned
 * (offset, length) and bypass the page cache as ext4_direct_IO does.
 * O_TMPFILE (with O_WRONLY or O_RDWR; path names a directory): an unnamed
 * regular file on the orphan list (ext4_tmpfile), gone after a crash
 * unless linked with fpfs_linkat_fd. */
int fpfs_open (struct fpfs *fs, const char *path, int flags, uint32_t mode);
int fpfs_close (struct fpfs *fs, int fd);
ssize_t fpfs_pread (struct fpfs *fs, int fd, void *buf, size_t len,
                    uint64_t off);
/* With O_APPEND, off is ignored and the write goes to the end of file. */
ssize_t fpfs_pwrite (struct fpfs *fs, int fd, const void *buf, size_t len,
                     uint64_t off);
int fpfs_ftruncate (struct fpfs *fs, int fd, uint64_t size);
int fpfs_truncate (struct fpfs *fs, const char *path, uint64_t size);
int fpfs_fsync (struct fpfs *fs, int fd);
int fpfs_fdatasync (struct fpfs *fs, int fd);
int fpfs_fstat (struct fpfs *fs, int fd, struct fpfs_stat *st);

/* Shared writable mappings (mmap(2) MAP_SHARED, PROT_READ|PROT_WRITE) of
 * [off, off + len) of fd (open for reading and writing; off page
 * aligned).  Returns a mapping id >= 0.  fpfs_mwrite stores len bytes at
 * file offset off through mapping map: each page the store dirties that
 * was clean takes a write fault, ext4_page_mkwrite (file_update_time, the
 * block's delalloc reservation or allocation, the page dirtied), as a
 * store to a shared mapping does; a store past the end of the file or of
 * the mapping is -EFAULT (SIGBUS / SIGSEGV).  fpfs_msync: MS_SYNC writes
 * and waits on the range with vfs_fsync_range (datasync), MS_ASYNC does
 * nothing (Linux since 2.6.19), MS_INVALIDATE is accepted.  munmap drops
 * the mapping (its dirty pages stay dirty in the page cache). */
#define FPFS_MS_ASYNC      1
#define FPFS_MS_INVALIDATE 2
#define FPFS_MS_SYNC       4
int fpfs_mmap (struct fpfs *fs, int fd, uint64_t off, uint64_t len);
int fpfs_mwrite (struct fpfs *fs, int map, uint64_t off, const void *buf,
                 size_t len);
int fpfs_msync (struct fpfs *fs, int map, uint64_t off, uint64_t len,
                int flags);
int fpfs_munmap (struct fpfs *fs, int map);

/* fallocate(2), with Linux's mode bits.  0 allocates unwritten extents and
 * grows the size; KEEP_SIZE allocates without changing it; PUNCH_HOLE (with
 * KEEP_SIZE, as Linux requires) frees the range, which then reads as
 * zeroes; ZERO_RANGE makes the range read as zeroes, keeping it allocated;
 * COLLAPSE_RANGE and INSERT_RANGE shift the file's tail by len (both block
 * aligned).  As ext4_fallocate in Linux 4.10 (fs/ext4/extents.c). */
#define FPFS_FALLOC_FL_KEEP_SIZE      0x01
#define FPFS_FALLOC_FL_PUNCH_HOLE     0x02
#define FPFS_FALLOC_FL_COLLAPSE_RANGE 0x08
#define FPFS_FALLOC_FL_ZERO_RANGE     0x10
#define FPFS_FALLOC_FL_INSERT_RANGE   0x20
int fpfs_fallocate (struct fpfs *fs, int fd, int mode, uint64_t off,
                    uint64_t len);
/* sync_file_range(2): flags are Linux's SYNC_FILE_RANGE_WAIT_BEFORE (1),
 * _WRITE (2), _WAIT_AFTER (4).  Starts (and waits on) writeback of the
 * range's dirty pages only: no metadata, no journal commit, no FLUSH.
 * nbytes 0 means to the end of the file. */
#define FPFS_SYNC_FILE_RANGE_WAIT_BEFORE 1u
#define FPFS_SYNC_FILE_RANGE_WRITE       2u
#define FPFS_SYNC_FILE_RANGE_WAIT_AFTER  4u
int fpfs_sync_file_range (struct fpfs *fs, int fd, uint64_t off,
                          uint64_t nbytes, unsigned flags);

/* ------------------------------------------------------------------ */
/* Names                                                                */
/* ------------------------------------------------------------------ */

int fpfs_stat (struct fpfs *fs, const char *path, struct fpfs_stat *st);
int fpfs_mkdir (struct fpfs *fs, const char *path, uint32_t mode);
int fpfs_rmdir (struct fpfs *fs, const char *path);
int fpfs_unlink (struct fpfs *fs, const char *path);
int fpfs_link (struct fpfs *fs, const char *oldpath, const char *newpath);
/* Replaces an existing newpath atomically, as rename(2) does. */
int fpfs_rename (struct fpfs *fs, const char *oldpath, const char *newpath);
/* renameat2(2): flags 0 is fpfs_rename; NOREPLACE fails with EEXIST when
 * newpath exists; EXCHANGE swaps the two (both must exist); WHITEOUT
 * leaves a whiteout (a character device 0:0) at oldpath.  Each in one
 * handle, as ext4_rename2 / ext4_cross_rename. */
#define FPFS_RENAME_NOREPLACE 1u
#define FPFS_RENAME_EXCHANGE  2u
#define FPFS_RENAME_WHITEOUT  4u
int fpfs_rename2 (struct fpfs *fs, const char *oldpath, const char *newpath,
                  unsigned flags);
/* linkat(fd, "", AT_FDCWD, newpath, AT_EMPTY_PATH): a name for the inode
 * open as fd -- an O_TMPFILE file leaves the orphan list (ext4_link's
 * i_nlink == 0 case). */
int fpfs_linkat_fd (struct fpfs *fs, int fd, const char *newpath);
int fpfs_chmod (struct fpfs *fs, const char *path, uint32_t mode);
/* times[0] = atime, times[1] = mtime; ctime becomes now. */
int fpfs_utimens (struct fpfs *fs, const char *path,
                  const struct fpfs_timespec times[2]);
/* symlink(2): a fast symlink (target in i_block) below 60 bytes, a slow
 * one (one data block) otherwise, as ext4_symlink.  Path resolution never
 * follows a symlink: stat, open and the rest act on the link itself, and a
 * symlink in the middle of a path is ENOTDIR (see engine/FIDELITY.md). */
int fpfs_symlink (struct fpfs *fs, const char *target, const char *linkpath);
/* readlink(2): the target's length (not NUL-terminated; truncated to len),
 * or -EINVAL if path is not a symlink. */
ssize_t fpfs_readlink (struct fpfs *fs, const char *path, char *buf,
                       size_t len);
/* mknod(2): mode is S_IFIFO, S_IFCHR, S_IFBLK or S_IFSOCK with permission
 * bits; dev is Linux's makedev(major, minor) for the device kinds (EINVAL
 * if it does not fit 32 bits, as glibc).  As may_mknod: S_IFREG or no type
 * makes a regular file, S_IFDIR is EPERM, any other type EINVAL.  Opening
 * the result is ENXIO: the engine has no drivers and no pipes. */
int fpfs_mknod (struct fpfs *fs, const char *path, uint32_t mode,
                uint64_t dev);
/* Extended attributes (setxattr(2) and friends), names with their
 * namespace prefix ("user.foo", "trusted.bar").  flags: FPFS_XATTR_CREATE
 * (EEXIST if present) or FPFS_XATTR_REPLACE (ENODATA if absent).  Stored in
 * the inode body when they fit, else in one xattr block, journalled as
 * ext4_xattr_set_handle does. */
#define FPFS_XATTR_CREATE  1
#define FPFS_XATTR_REPLACE 2
#define FPFS_XATTR_NAME_MAX  255u
#define FPFS_XATTR_SIZE_MAX  4000u       /* one value, bytes */
int fpfs_setxattr (struct fpfs *fs, const char *path, const char *name,
                   const void *value, size_t len, int flags);
/* The value's length (copied up to len bytes), or -ENODATA. */
ssize_t fpfs_getxattr (struct fpfs *fs, const char *path, const char *name,
                       void *buf, size_t len);
int fpfs_removexattr (struct fpfs *fs, const char *path, const char *name);
/* The names, each NUL-terminated, one after another: the total length
 * (copied up to len bytes; 0 for none). */
ssize_t fpfs_listxattr (struct fpfs *fs, const char *path, char *buf,
                        size_t len);

struct fpfs_dirent {
  uint64_t ino;
  uint8_t type;                 /* DT_REG, DT_DIR ... */
  char name[FPFS_NAME_MAX + 1];
};
/* Calls cb for each entry except "." and "..", in on-disk order; a non-zero
 * return from cb stops the walk and is returned. */
int fpfs_readdir (struct fpfs *fs, const char *path,
                  int (*cb) (void *ctx, const struct fpfs_dirent *de),
                  void *ctx);

/* ------------------------------------------------------------------ */
/* Whole file system                                                    */
/* ------------------------------------------------------------------ */

int fpfs_sync (struct fpfs *fs);        /* sys_sync: two passes, then flush */
int fpfs_syncfs (struct fpfs *fs);
/* echo N > /proc/sys/vm/drop_caches: 1 drops clean page-cache pages and
 * clean buffers, 2 the unused inodes (and their extent status), 3 both.
 * Dirty data and metadata stay, as in drop_pagecache_sb / prune_icache_sb. */
int fpfs_drop_caches (struct fpfs *fs, int what);
/* Advance the virtual clock, running background work that falls due. */
int fpfs_clock_advance (struct fpfs *fs, uint64_t ns);
uint64_t fpfs_clock_now (const struct fpfs *fs);

/* Counters for tests and reports. */
struct fpfs_info {
  uint64_t commits;             /* journal transactions committed */
  uint64_t checkpoints;
  uint64_t writeback_pages;
  uint64_t free_blocks, total_blocks, free_inodes, total_inodes;
  uint32_t running_tid, committed_tid;
  bool journal_aborted;
};
void fpfs_get_info (const struct fpfs *fs, struct fpfs_info *info);

/* ------------------------------------------------------------------ */
/* fsck                                                                 */
/* ------------------------------------------------------------------ */

/* Checks an unmounted (or freshly recovered) image read-only: superblock,
 * bitmaps vs extents (every block in use is marked, every marked block is
 * used), no block used twice, inode link counts vs directory entries, the
 * directory tree (reachable, no cycles, "." and ".." right), sizes vs
 * extents, and a journal with nothing left to replay.  Returns 0 when the
 * check ran (clean or not: see r->errors), a negative errno when it could not
 * run (unreadable device, not an fpfs image). */
enum fpfs_fsck_check {
  FPFS_FSCK_SUPER = 0,     /* superblock and group layout */
  FPFS_FSCK_BITMAPS,       /* bitmaps vs extents and inodes in use */
  FPFS_FSCK_DOUBLE_USE,    /* a block owned twice */
  FPFS_FSCK_EXTENTS,       /* extent trees well-formed, within the device */
  FPFS_FSCK_LINKS,         /* i_links_count vs directory entries */
  FPFS_FSCK_DIRS,          /* tree shape, ".", "..", entries well-formed */
  FPFS_FSCK_JOURNAL,       /* journal clean: nothing left to replay */
  FPFS_FSCK_NCHECKS
};

struct fpfs_fsck_report {
  unsigned errors;                       /* total problems found */
  unsigned per_check[FPFS_FSCK_NCHECKS]; /* problems per check */
  char text[4096];                       /* first problems, one a line:
                                            "inode 12: nlink 1, 2 entries" */
  /* Blocks the block bitmap marks and nothing owns: those next to a file
   * (the engine's preallocations a crash left, a note) and the rest (each
   * run one "bitmaps" problem: unowned_problems of them). */
  uint64_t unowned_blocks;
  unsigned unowned_problems;
};
const char *fpfs_fsck_check_name (int check);  /* "bitmaps", ... */
int fpfs_fsck (struct fpfs_bdev *bd, struct fpfs_fsck_report *r,
               char *errbuf, size_t errlen);

#pragma GCC visibility pop

#endif /* FPFS_H */
