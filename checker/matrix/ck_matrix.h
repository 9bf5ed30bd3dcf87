/* ck_matrix: workloads x sync call x mount options, each cell recorded
 * over a real nbdkit and checked -- the library behind `flushpoint
 * matrix`.
 *
 * A cell is one workload run with `persist` replaced by one choice, under
 * one column of mount options (and optionally one bug switch): the runner
 * starts its own nbdkit with the recording plugin (exit-with-parent, a
 * private socket), writes OUT/logs/CELL.fpl, and the cell is checked with
 * ck_check_run (one job: the cells themselves run in parallel, up to
 * `jobs` at a time, each in a child process of its own forked by one
 * single-threaded supervisor).  Cells are numbered in
 * a fixed order (bug, workload, persist, column) and results land by
 * number, so output does not depend on `jobs`.
 *
 * Columns: by default the README's five, {ordered+barrier,
 * ordered+nobarrier, writeback, journal, nojournal}; given data modes and
 * barrier settings, their cross product.
 * Bugs: each bug switch named runs every workload x persist under the
 * first column (data=ordered with barriers by default) -- or under
 * nojournal for the switches whose name starts with "nojournal-" -- with
 * bug=NAME added to the mount options, plus the same cells without any
 * switch (the baseline); the kill table lists, per switch, the cells in
 * which some state violated a promise while the baseline cell did not.
 * Random faults: each cell arms seeded random device faults after its
 * mount and runs with keep-going; a promise a sync call made after
 * returning 0 must still hold (findings a reported write error explains
 * are shown apart, CHECKER.md section 6a), and the runner's count of
 * failed requests must match the log's.
 */
#ifndef CK_MATRIX_H
#define CK_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ck_result.h"
#include "ck_rules.h"
#include "ck_states.h"
#include "faults.h"
#include "wl.h"

#define CK_MATRIX_MAX_COLS 32

struct ck_matrix_col {
  char name[48];                 /* "ordered+barrier", "nojournal", ...;
                                    "ext4.ordered+barrier" on a kernel fs */
  char opts[96];                 /* "data=ordered,barrier", ... */
  char fs[8];                    /* "" (the engine), "ext4", "xfs", "btrfs" */
};

struct ck_matrix_result;
struct ck_cell;

struct ck_matrix_opts {
  const char *const *workloads;  /* .wl paths */
  size_t nworkloads;
  enum wl_persist persist[WL_PERSIST__COUNT];
  size_t npersist;
  struct ck_matrix_col cols[CK_MATRIX_MAX_COLS];
  size_t ncols;
  const char *const *bugs;       /* bug switch names; NULL/0: none */
  size_t nbugs;
  struct ck_states_opts states;
  enum ck_profile profile;
  unsigned jobs;
  const char *out_dir;           /* created if missing */
  uint64_t disk_size;            /* 0: the workload's, else 64 MiB */
  /* --faults random: every cell runs with seeded random device faults
   * (ck_matrix_cell_faults) and --keep-going; the seed is fault_seed. */
  bool random_faults;
  uint64_t fault_seed;
  /* Kernel file-system columns (ck_matrix_add_fs): the persist choices
   * they run (bit 1 << enum wl_persist; 0: all) and their crash states
   * (fs_states_set: else `states`). */
  uint32_t fs_persist_mask;
  struct ck_states_opts fs_states;
  bool fs_states_set;
  /* A cell runs in a child process of its own: a crash, an assertion, an
   * out-of-memory kill or a hang there is that cell's ERR, never the
   * matrix's.  Seconds before a cell is killed (0: no limit). */
  unsigned cell_timeout_s;
  /* Keep every cell's log.  Otherwise, once every cell has run, the log of
   * a cell is removed unless a report links it: the cell failed to run
   * (ERR, with rebuild commands), has a violated state (replay commands),
   * the runner and the log disagree on faults, or it is either side of
   * an engine-vs-kernel disagreement row (ck_matrix_prune_logs). */
  bool keep_logs;
  /* Shards (ck_matrix_partial.h): only the cells whose number is
   * shard_index modulo shard_count run (0/0 and 0/1: all of them).  Every
   * run records its cells in OUT/cells.jsonl as they finish; with resume
   * the cells that file already holds are taken from it, not run again. */
  uint64_t shard_index, shard_count;
  bool resume;
  void (*progress) (void *ctx, uint64_t done, uint64_t total);
  void *progress_ctx;
  /* Each cell once, as its result lands (from the supervisor, one at a time;
   * resumed: taken from cells.jsonl, before any cell runs). */
  void (*cell_done) (void *ctx, const struct ck_matrix_result *r,
                     const struct ck_cell *c, bool resumed);
  void *cell_done_ctx;
};

/* Defaults: every persist choice but osync/odsync; the five README
 * columns; states flush, write, epoch (K = 1); one job. */
void ck_matrix_opts_init (struct ck_matrix_opts *o);
/* Columns from "ordered,writeback,journal,nojournal" x "on,off" (either
 * may be NULL for all of it). */
int ck_matrix_columns (struct ck_matrix_opts *o, const char *modes,
                       const char *barriers, char *errbuf, size_t errlen);
/* Add the kernel's file system fs ("ext4", "xfs", "btrfs") as columns:
 * a twin of each engine column named in cols ("ordered+barrier,journal";
 * NULL: every engine column), named "FS.COLUMN".  A column the file
 * system cannot mount (xfs has no data=journal) stays, its cells "n/a". */
int ck_matrix_add_fs (struct ck_matrix_opts *o, const char *fs,
                      const char *cols, char *errbuf, size_t errlen);

struct ck_cell {
  size_t index;                  /* the cell's number in the whole matrix */
  size_t wl, persist, col;       /* indexes into the options */
  int bug;                       /* index into bugs, -1 for none */
  char name[256];                /* "fsync-seed--fdatasync--writeback" */
  char log[4096];
  char wl_path[4096];            /* the workload as the matrix was given it */
  int err;                       /* the run or check failed: msg says */
  bool program;                  /* a program's workload (`#! exec`):
                                    its own sync calls, not the persist
                                    choice; outside THE ANSWER's tallies */
  bool na;                       /* not run: the fs lacks the column's
                                    options, or its persist choice is not
                                    among fs_persist_mask (msg says) */
  char msg[512];
  /* Per property, the recipe of the first state with the worst verdict
   * (when lost or violated), for the agreement table. */
  char recipe[CK_P__COUNT][80];
  uint64_t states, checked, violated;
  uint64_t per_prop[CK_P__COUNT][CK_V_VIOLATED + 1];
  uint8_t worst[CK_P__COUNT];
  double seconds;
  /* With random faults: the specs armed, what fired, what the workload
   * was told, and whether the runner and the log agree. */
  char faults[3][FPFAULT_TEXT_MAX];
  size_t nfaults;
  uint64_t faults_fired, failed_syncs, after_error;
  bool faults_disagree;
  bool log_removed;              /* pruned: passed, and nothing links it */
};

/* Logs of violated engine cells above this size are removed too, unless a
 * report's table links them or --keep-logs: the engine is deterministic,
 * so ck_matrix_rebuild_command makes the same log again, byte for byte.
 * 128 KiB keeps the small ones at hand and the main job under 100 MB (the
 * six persist choices' nobarrier cells kept 50 MB of logs at 8 MiB). */
#define CK_MATRIX_LOG_KEEP_MAX (UINT64_C (128) << 10)

/* The `flushpoint run` command that records cell c's log again; false
 * (and buf still set) when the run cannot be repeated exactly: a kernel
 * file system, or random faults. */
bool ck_matrix_rebuild_command (const struct ck_matrix_opts *o,
                                const struct ck_cell *c, char *buf,
                                size_t len);

struct ck_matrix_result {
  struct ck_cell *cells;         /* the shard's cells, by number */
  size_t ncells;
  size_t ncells_total;           /* the whole matrix's; == ncells unsharded */
  char **wl_names;               /* per workload */
  size_t nwl;
  uint64_t *wl_hash;             /* XXH3-64 of each file's text; 0 when no
                                    cell of the shard needs it */
  size_t resumed;                /* cells taken from cells.jsonl */
  uint64_t states, checked;
  size_t failed_cells;
  double seconds;
  uint64_t logs_pruned_bytes;    /* removed by ck_matrix_prune_logs */
};

/* 0 when the matrix ran (cells that failed say so in their err), -errno
 * when it could not start (bad options, unreadable workload, out dir). */
/* The answer first (ck_matrix_answer.c): what each sync call guaranteed,
 * in words, then where fsync and fdatasync differ.  A difference is one
 * property of one workload under one engine column with barriers whose
 * worst verdicts differ; worse_cell is the side that lost it. */
struct ck_answer_diff {
  size_t fsync_cell, fdatasync_cell;
  int prop;
  size_t worse_cell;
};
/* Every difference, the first max into out; returns how many there are. */
size_t ck_matrix_answer_diffs (const struct ck_matrix_opts *o,
                               const struct ck_matrix_result *r,
                               struct ck_answer_diff *out, size_t max);
void ck_matrix_answer_text (FILE *out, const struct ck_matrix_opts *o,
                            const struct ck_matrix_result *r);
int ck_matrix_answer_html (FILE *out, const struct ck_matrix_opts *o,
                           const struct ck_matrix_result *r);
/* index.html's plots: verdicts per property across the matrix, and crash
 * states per second cell by cell. */
void ck_matrix_plots_html (FILE *out, const struct ck_matrix_opts *o,
                           const struct ck_matrix_result *r);

int ck_matrix_run (const struct ck_matrix_opts *o, struct ck_matrix_result *r,
                   char *errbuf, size_t errlen);
void ck_matrix_result_free (struct ck_matrix_result *r);

/* The random faults of one cell: from the matrix seed and the cell's name,
 * so a cell's faults do not depend on which other cells run.  Fills the
 * cell's faults[] (plugin fault specs, faults.h). */
void ck_matrix_cell_faults (uint64_t seed, struct ck_cell *c);

/* The number of cells of the whole matrix, and what cell i is. */
size_t ck_matrix_cell_count (const struct ck_matrix_opts *o);
void ck_matrix_cell_decode (const struct ck_matrix_opts *o, size_t i,
                            size_t *wl, size_t *persist, size_t *col,
                            int *bug);
/* A workload's name: its file name without directory and ".wl". */
char *ck_matrix_wl_name (const char *path);

/* Reports (ck_matrix_report.c). */
struct json_object;
/* A cell as the tables show it: "ok", "-mtime", "VIOL data", "ERR". */
void ck_matrix_cell_text (const struct ck_cell *c, char *buf, size_t len);
void ck_matrix_text (FILE *out, const struct ck_matrix_opts *o,
                     const struct ck_matrix_result *r);
struct json_object *ck_matrix_json (const struct ck_matrix_opts *o,
                                    const struct ck_matrix_result *r);
/* OUT/index.html plus OUT/cells/CELL.html per cell. */
int ck_matrix_html (const struct ck_matrix_opts *o,
                    const struct ck_matrix_result *r, char *errbuf,
                    size_t errlen);
/* Cells whose runner and log disagree on injected faults (exit status). */
size_t ck_matrix_disagreements (const struct ck_matrix_result *r);
/* Engine vs a kernel file system, verdict by verdict, over the cells
 * that ran on both (same workload, persist and mount options). */
struct ck_agree_row {
  size_t engine_cell, fs_cell;
  int prop;
  bool unsafe;                   /* the engine said held, the kernel not */
};
struct ck_agreement {
  char fs[8];
  uint64_t verdicts, agree;
  struct ck_agree_row *rows;     /* the disagreements, unsafe ones first */
  size_t nrows;
  size_t unsafe;                 /* rows with unsafe set */
};
int ck_matrix_agreement (const struct ck_matrix_opts *o,
                         const struct ck_matrix_result *r, const char *fs,
                         struct ck_agreement *a);
void ck_agreement_free (struct ck_agreement *a);
/* Bugs not caught by any cell (for the exit status). */
size_t ck_matrix_uncaught (const struct ck_matrix_opts *o,
                           const struct ck_matrix_result *r);

/* Merge (ck_matrix_merge.c): the records (OUT/cells.jsonl) of the shards
 * in dirs become one result, as if one run had made it in out_dir: the
 * cells' logs and HTML pages are copied to out_dir/logs and out_dir/cells
 * (the pages' links to the shard's logs rewritten), then the logs no
 * report links are removed there unless every shard kept its logs;
 * out_dir/cells.jsonl then records the whole matrix as shard 0/1.
 * -EINVAL with errbuf naming the difference when the records do not
 * belong together (version, options, workloads, shard count), a shard is
 * given twice, missing or incomplete, or two shards ran a workload of the
 * same name with different text; -errno when a file cannot be read or
 * written. */
struct ck_matrix_merged {
  struct ck_matrix_opts o;
  struct ck_matrix_result r;
  struct json_object *header;    /* the first record's; o's strings */
  const char **bugs;
};
int ck_matrix_merge (const char *out_dir, const char *const *dirs,
                     size_t ndirs, struct ck_matrix_merged *m, char *errbuf,
                     size_t errlen);
void ck_matrix_merged_free (struct ck_matrix_merged *m);
/* The text report on out (unless !text), OUT/matrix.json, OUT/index.html. */
int ck_matrix_write_reports (FILE *out, bool text,
                             const struct ck_matrix_opts *o,
                             const struct ck_matrix_result *r, char *errbuf,
                             size_t errlen);

/* Remove the logs no report links (see keep_logs); returns the bytes
 * freed.  ck_matrix_run calls it unless o->keep_logs.  A shard of a
 * matrix with kernel columns removes none (a cell's twin may be in
 * another shard: merge decides).  A log already gone counts as removed. */
uint64_t ck_matrix_prune_logs (const struct ck_matrix_opts *o,
                               struct ck_matrix_result *r);

#endif /* CK_MATRIX_H */
