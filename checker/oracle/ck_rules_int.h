/* ck_rules_int: private to ck_rules.c (promises, the state walk, helpers)
 * and ck_rules_files.c (the checks on files, names and directories). */
#ifndef CK_RULES_INT_H
#define CK_RULES_INT_H

#include "ck_rules.h"

#define RL_CHUNK      (1u << 20)
#define RL_PER_FILE   3u           /* block findings per file and property */
#define RL_STALE_MAX  1024u        /* blocks of a file with no data promise
                                      read per state; past it, sampled */
#define RL_RUN        16u          /* ... in runs of this many blocks */

struct rl_promise {
  const struct ck_op *op;          /* NULL: none */
  json_object *obj;                /* the state object of the inode */
};

/* The latest promises about one inode, as of the crash point. */
struct rl_rec {
  struct ck_id id;
  bool is_dir;
  struct rl_promise data;          /* data and size: every sync */
  struct rl_promise data_range;    /* msync: data of its "range" blocks */
  struct rl_promise meta;          /* mode, nlink, mtime: fsync-like */
  struct rl_promise meta_info;     /* a later, unpromising sync (fdatasync) */
  struct rl_promise name;          /* its own directory entry */
  struct rl_promise name_info;     /* ... seen but not promised */
  struct rl_promise ents;          /* a directory's entries */
  bool ents_promised;              /* false: fdatasync(dir) saw them */
};

struct rl {
  const struct ck_oracle *o;
  const struct ck_model *m;
  const struct ck_rules_opts *ro;
  uint64_t E;                      /* the crash point */
  const struct ck_view *v;
  const struct ck_fsread *rd;
  struct ck_state_result *res;
  struct rl_rec *recs;
  size_t nrec, caprec;
  struct ck_map idx;               /* identity -> recs */
  uint64_t *h;                     /* block hashes of the current file */
  uint8_t *flagged;                /* its blocks reported as data */
  uint8_t *hashed;                 /* its blocks read (all, or a sample) */
  size_t caph;
  uint8_t *buf;                    /* RL_CHUNK bytes */
};

struct rl_rec *ck_rl_rec (struct rl *r, struct ck_id id, bool is_dir);
int ck_rl_promises (struct rl *r);
uint64_t ck_rl_after (const struct rl_promise *p);
char *ck_rl_since (struct rl *r, const struct ck_mfile *f,
                   const struct ck_dirent *d, uint64_t A);
/* A finding about path (block: the file block it is about, or
 * CK_NO_BLOCK), with the promise pr that it breaks and the ops since. */
int ck_rl_find (struct rl *r, enum ck_prop p, bool violation, const char *path,
                uint64_t block, const struct rl_promise *pr,
                const struct ck_mfile *f, const struct ck_dirent *d,
                const char *fmt, ...)
  __attribute__ ((format (printf, 9, 10)));
bool ck_rl_events (struct rl *r, const struct ck_mfile *f, enum ck_ev_kind k,
                   uint64_t A, int64_t *lo, int64_t *hi, bool *any);
bool ck_rl_event_set (struct rl *r, const struct ck_mfile *f,
                      enum ck_ev_kind k, uint64_t A, int64_t val);

/* Has the device failed a write (a FAILED FAULT entry for a WRITE, TRIM or
 * ZERO) at or before the crash point? */
bool ck_rl_after_write_fault (const struct rl *r);

/* ck_rules_holds.c: "; it holds ..." for the finding about block b of f,
 * whose recovered hash is h. */
void ck_rl_holds (struct rl *r, const struct ck_mfile *f, uint64_t b,
                  uint64_t h, char *buf, size_t len);

/* ck_rules_files.c */
int ck_rl_files (struct rl *r);      /* data, size, metadata, stale */
int ck_rl_names (struct rl *r);      /* own names, directory entries */
/* ck_rules_extra.c: symlink targets (as data) and extended attributes. */
int ck_rl_extras (struct rl *r);

#endif /* CK_RULES_INT_H */
