/* wl: the flushpoint workload language -- parsed form and parser.
 *
 * A workload is a text file, one operation a line (LANGUAGE.md beside this
 * file is the reference, with the grammar and an example of every
 * operation).  wl_parse() turns the text into a struct wl_workload: an array
 * of struct wl_op in source order, plus the header directives (`#! mount`,
 * `#! disk`).  The parser is total: any byte string gives either a workload
 * or one error "FILE:LINE:COL: expected X, got Y" in errbuf, never a crash
 * (tests/fuzz/fuzz_wl_parse.c holds it to that).
 *
 * Invariants of a parsed workload:
 * - ops[i].line is strictly increasing; ops[i].text is the source line
 *   without comment and surrounding blanks.
 * - Every path is absolute and normal: starts with '/', no empty, "." or
 *   ".." component, no trailing '/', each component <= FPFS_NAME_MAX bytes.
 * - A file operand (ops that work on an open file) is either a path or the
 *   name of a handle bound by an earlier `open ... as NAME`.
 * - `expect ERRNO` lines are not ops: they set expect_errno of the op
 *   before them.
 * - Sizes, offsets and lengths fit the limits below, so offset + length
 *   never overflows.
 */
#ifndef WL_H
#define WL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WL_LINE_MAX      4096u               /* bytes, newline excluded */
#define WL_PATH_MAX      4095u               /* bytes */
#define WL_HANDLE_MAX    32u                 /* bytes of a handle name */
#define WL_IO_MAX        (UINT64_C (64) << 20)   /* one write's length */
#define WL_FILE_MAX      (UINT64_C (1) << 40)    /* offset + length, sizes */
#define WL_SLEEP_MAX_S   1000000u            /* seconds of virtual time */
#define WL_TEXT_MAX      (1u << 20)          /* bytes of a workload file */
#define WL_XATTR_MAX     65536u              /* setxattr: a value's length */
#define WL_XNAME_MAX     255u                /* an xattr name, prefix included */

enum wl_op_kind {
  WL_OP_MKDIR, WL_OP_RMDIR, WL_OP_CREAT, WL_OP_OPEN, WL_OP_CLOSE,
  WL_OP_UNLINK, WL_OP_RENAME, WL_OP_LINK, WL_OP_CHMOD, WL_OP_UTIMES,
  WL_OP_TRUNCATE,
  WL_OP_WRITE, WL_OP_PWRITE, WL_OP_APPEND,
  WL_OP_FSYNC, WL_OP_FDATASYNC, WL_OP_SYNC, WL_OP_SYNCFS,
  WL_OP_PERSIST,
  WL_OP_SLEEP, WL_OP_MARK,
  WL_OP_FAULT,                 /* fault SPEC: through the plugin's control export */
  WL_OP_FALLOCATE, WL_OP_SYNC_FILE_RANGE, WL_OP_READ, WL_OP_DROP_CACHES,
  WL_OP_SYMLINK, WL_OP_MKNOD, WL_OP_SETXATTR, WL_OP_REMOVEXATTR,
  WL_OP_LINKAT,                /* linkat FILE PATH: a name for an open file */
  WL_OP_MMAP, WL_OP_MWRITE, WL_OP_MSYNC, WL_OP_MUNMAP,   /* shared mappings */
  WL_OP__COUNT
};

/* Content patterns: see wl_pattern.h. */
enum wl_pattern {
  WL_PAT_XORSHIFT = 0,
  WL_PAT_ZERO,
  WL_PAT_FILL,
  WL_PAT_STAMP,
  /* The bytes a traced program wrote (run --exec): no formula, they are
   * in the log's "data" marks; a workload cannot use it. */
  WL_PAT_RECORDED,
  WL_PAT__COUNT
};

/* A time operand of utimes. */
struct wl_time {
  int64_t sec;
  uint32_t nsec;
};

struct wl_op {
  enum wl_op_kind kind;
  unsigned line;             /* 1-based source line */
  char *text;                /* the op as written, comment stripped */
  /* Operands; which ones are set depends on kind (LANGUAGE.md). */
  char *path;                /* PATH operand, or the file operand's text */
  char *path2;               /* rename/link: the new name */
  char *target;              /* symlink: the target text */
  char *xname;               /* setxattr/removexattr: "user.NAME" */
  bool is_handle;            /* file operand names a handle, not a path */
  char *handle;              /* open: the handle name (the path unless `as`);
                                mmap: the mapping's name */
  int flags;                 /* open: Linux O_* flags */
  uint32_t mode;             /* mkdir, creat, open, chmod; mknod: S_IF* too */
  uint64_t off, len;         /* pwrite, fallocate, sync_file_range, read:
                                off; those and write, append, setxattr: len */
  int opflags;               /* fallocate: FALLOC_FL_*; sync_file_range:
                                SYNC_FILE_RANGE_*; setxattr: XATTR_CREATE /
                                XATTR_REPLACE; drop_caches: 1, 2 or 3;
                                rename: RENAME_NOREPLACE / _EXCHANGE /
                                _WHITEOUT (1, 2, 4) */
  uint64_t dev;              /* mknod char/block: makedev (major, minor) */
  uint64_t size;             /* truncate */
  enum wl_pattern pattern;   /* write/pwrite/append */
  uint64_t seed;             /* pattern seed */
  bool times_now;            /* utimes PATH now */
  struct wl_time atime, mtime;  /* utimes PATH ATIME MTIME */
  uint64_t sleep_ns;         /* sleep */
  int expect_errno;          /* > 0: must fail with this errno; 0: must succeed */
};

struct wl_workload {
  char *name;                /* file name without directory and ".wl" */
  char *text;                /* the whole source, NUL-terminated */
  size_t text_len;
  uint64_t text_hash;        /* XXH3-64 of the source bytes */
  char *mount_opts;          /* `#! mount OPTS` joined with ',', or NULL */
  uint64_t disk_size;        /* `#! disk SIZE`, 0 if absent */
  /* `#! exec CMD` / `#! check CMD` (the rest of the line): a program
   * under test instead of ops (`run --exec`); NULL if absent. */
  char *exec_cmd;
  char *check_cmd;
  struct wl_op *ops;
  size_t n_ops;
  /* The `after-recovery` section: ops the checker runs on every recovered
   * crash state (paths only), never run by the runner. */
  struct wl_op *rops;
  size_t n_rops;
};

/* Parse text (len bytes, need not be NUL-terminated).  name is used in error
 * messages and (minus directory and ".wl") as the workload's name.  Returns
 * 0, -EINVAL with "name:line:col: expected X, got Y" in errbuf, or -ENOMEM. */
int wl_parse (const char *name, const char *text, size_t len,
              struct wl_workload **out, char *errbuf, size_t errlen);
/* Read and parse a file; errors reading it are "path: reason". */
int wl_parse_file (const char *path, struct wl_workload **out,
                   char *errbuf, size_t errlen);
void wl_free (struct wl_workload *w);       /* NULL is fine */

/* Names. */
const char *wl_op_name (enum wl_op_kind k);             /* "mkdir", ... */
int wl_op_lookup (const char *name, enum wl_op_kind *k);   /* -ENOENT */
/* Errno names the language knows: "ENOENT" <-> 2.  NULL / -ENOENT if not. */
const char *wl_errno_name (int err);                    /* err > 0 */
int wl_errno_lookup (const char *name);                 /* > 0 or -ENOENT */
/* Open flags: "O_CREAT|O_RDWR" <-> flags.  Format writes the canonical
 * spelling (access mode first, then the table order); -ENOSPC if short. */
int wl_flags_parse (const char *s, int *flags);         /* -EINVAL */
int wl_flags_format (int flags, char *buf, size_t len);
/* The word lists of fallocate's mode and sync_file_range's flags, e.g.
 * "punch_hole|keep_size" <-> FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE:
 * -EINVAL for an unknown word or one given twice. */
int wl_falloc_parse (const char *s, int *mode);
int wl_falloc_format (int mode, char *buf, size_t len);
int wl_sfr_parse (const char *s, int *flags);
int wl_sfr_format (int flags, char *buf, size_t len);

/* The `persist` choices. */
enum wl_persist {
  WL_PERSIST_FSYNC = 0, WL_PERSIST_FDATASYNC, WL_PERSIST_SYNC,
  WL_PERSIST_OSYNC, WL_PERSIST_ODSYNC, WL_PERSIST_NONE,
  WL_PERSIST__COUNT
};
const char *wl_persist_name (enum wl_persist p);
int wl_persist_lookup (const char *name, enum wl_persist *p);   /* -ENOENT */

/* For the osync/odsync choices: sets sync_write[i] (n_ops entries) for every
 * write/pwrite/append whose file operand is later named by a `persist` with
 * the same operand text, with no `persist` of that operand in between (the
 * writes "since the last persist").  Other entries are false. */
void wl_persist_plan (const struct wl_workload *w, bool *sync_write);

/* ---- generator (wl_generate.c; bounds and formula in LANGUAGE.md) ---- */

#define WL_GEN_MAX_LENGTH 3u

/* The core ops: the 12 of LANGUAGE.md (the default), or those and the 9
 * of issue 14 (`--ops all`: fallocate, punch_hole, zero_range,
 * sync_file_range, setxattr, removexattr, symlink, mknod, an exchange). */
enum wl_gen_set { WL_GEN_CORE = 0, WL_GEN_ALL };

/* Number of workloads for --length n: sum over k = 1..n of (O * P)^k. */
uint64_t wl_generate_count (enum wl_gen_set set, unsigned length);
/* Call cb once per workload, in a fixed order.  name is "gen-L-NNNNNN",
 * text the workload source.  A non-zero return from cb stops and is
 * returned.  -EINVAL if length is 0 or above WL_GEN_MAX_LENGTH. */
int wl_generate_each (enum wl_gen_set set, unsigned length, uint64_t seed,
                      int (*cb) (void *ctx, const char *name,
                                 const char *text),
                      void *ctx);
/* Write every workload as DIR/NAME.wl (DIR is created if missing). */
int wl_generate (enum wl_gen_set set, unsigned length, uint64_t seed,
                 const char *dir,
                 uint64_t *count, char *errbuf, size_t errlen);

#endif /* WL_H */
