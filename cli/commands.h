/* commands: the subcommands of the flushpoint command, and the helpers
 * they share (implemented in main.c).
 *
 * Adding a subcommand: write `int cmd_xxx (int argc, char **argv)` in
 * cli/cmd_xxx.c (CMake picks up every cli/cmd_*.c), declare it below, and add
 * one line to the table in main.c.
 *
 * What main.c promises a command function:
 * - argv[0] is the command's full name as in the table ("log dump"), and
 *   argv[1..argc-1] are its arguments; argv[argc] is NULL;
 * - getopt_long's state is reset (optind = 0), so the function parses
 *   argv with getopt_long directly.
 * What a command function promises:
 * - `--help` prints its usage to stdout and returns CLI_EXIT_OK;
 * - it returns the process exit status (below) and never calls exit();
 * - errors go to stderr as "flushpoint: CMD: OBJECT: what went wrong"
 *   (cli_error), warnings as "flushpoint: CMD: warning: ..." (cli_warn).
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses, the same for every subcommand. */
enum {
  CLI_EXIT_OK = 0,          /* success */
  CLI_EXIT_FAILED = 1,      /* a check failed (e.g. the log is corrupt) */
  CLI_EXIT_USAGE = 2,       /* usage error, or input that cannot be used */
};

/* ---- the subcommands ---- */
int cmd_log_dump (int argc, char **argv);     /* cmd_log.c */
int cmd_log_verify (int argc, char **argv);   /* cmd_log.c */
int cmd_log_export (int argc, char **argv);   /* cmd_log_dmlw.c */
int cmd_log_import (int argc, char **argv);   /* cmd_log_dmlw.c */
int cmd_log_promises (int argc, char **argv); /* cmd_log_promises.c */
int cmd_replay (int argc, char **argv);       /* cmd_replay.c */
int cmd_run (int argc, char **argv);          /* cmd_run.c */
int cmd_run_exec (int argc, char **argv);     /* cmd_run_exec.c */
int cmd_mark (int argc, char **argv);         /* cmd_run_exec.c */
int cmd_probe (int argc, char **argv);        /* cmd_probe.c */
int cmd_check (int argc, char **argv);        /* cmd_check.c */
int cmd_matrix (int argc, char **argv);       /* cmd_matrix.c */
int cmd_merge (int argc, char **argv);        /* cmd_merge.c */
int cmd_generate (int argc, char **argv);     /* cmd_generate.c */
int cmd_mkfs (int argc, char **argv);         /* cmd_mkfs.c */
int cmd_ls (int argc, char **argv);           /* cmd_inspect.c */
int cmd_cat (int argc, char **argv);          /* cmd_inspect.c */
int cmd_fsck (int argc, char **argv);         /* cmd_inspect.c */
int cmd_mount (int argc, char **argv);        /* cmd_mount.c */

/* cmd_run.c: --disk-size's argument (a size of the language, not 0). */
bool cli_parse_disk_size (const char *arg, uint64_t *out);

/* ---- helpers (main.c) ---- */

void cli_error (const char *cmd, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
void cli_warn (const char *cmd, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* Print a usage error and the hint to run --help; returns CLI_EXIT_USAGE. */
int cli_usage_error (const char *cmd, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* Report what getopt_long's return value c ('?' or ':') means; the option
 * string must start with ':'.  Returns CLI_EXIT_USAGE. */
int cli_option_error (const char *cmd, int c, char **argv);
/* Parse a decimal unsigned 64-bit number, the whole string. */
bool cli_parse_u64 (const char *s, uint64_t *out);
/* A reader or checker message starts with the file name; drop it when the
 * file is already named on the line. */
const char *cli_strip_path (const char *msg, const char *path);
/* Do a and b name the same file (both exist, same device and inode)? */
bool cli_same_file (const char *a, const char *b);
/* Before the work starts: can option opt's output file (or "-") be
 * created, or its output directory (existing, or its parent existing)?
 * CLI_EXIT_OK, or CLI_EXIT_USAGE after a usage error naming opt and the
 * path. */
int cli_check_output_file (const char *cmd, const char *opt, const char *path);
int cli_check_output_dir (const char *cmd, const char *opt, const char *dir);

/* ---- shared by matrix and merge (cli_matrix.c) ---- */

struct ck_matrix_opts;
struct ck_matrix_result;
struct ck_cell;
struct ck_expect;
/* What the CI options asked for. */
struct cli_matrix_ci {
  struct ck_expect *expect;    /* loaded --expect, or NULL */
  const char *junit;           /* --junit FILE, or NULL */
  bool quiet;                  /* one line per cell, then the counts */
};
/* --expect FILE: load it, or a usage error naming the file and line. */
int cli_matrix_expect (const char *cmd, const char *path, struct ck_expect *e);
/* The ck_matrix_opts.cell_done of --quiet: "cell N/T NAME: TEXT". */
void cli_matrix_cell_line (void *ctx, const struct ck_matrix_result *r,
                           const struct ck_cell *c, bool resumed);
/* Reports, JUnit, the unexpected findings and the summary line; returns
 * the exit status. */
int cli_matrix_finish (const char *cmd, const struct ck_matrix_opts *o,
                       const struct ck_matrix_result *r,
                       const struct cli_matrix_ci *ci);

#endif /* CLI_COMMANDS_H */
