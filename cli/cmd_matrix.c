/* cmd_matrix: `flushpoint matrix`, the command-line face of ck_matrix_run()
 * and its reports (checker/matrix/ck_matrix.h).
 *
 * Exit status (cli_matrix.c): 0 every cell ran and was checked
 * (violations in a matrix are results, shown in the tables: nobarrier
 * columns are expected to lose data) -- unless --expect says which are
 * expected, when any other, or an expected one gone, is 1; 1 a cell could
 * not run or be checked, or a bug switch given with --bugs was caught by
 * no cell; 2 usage error.  A shard (--shard I/N) judges only its cells'
 * runs: the matrix is judged by `flushpoint merge`.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck_matrix.h"
#include "ck_matrix_ci.h"
#include "ck_matrix_partial.h"
#include "commands.h"
#include "fpfs.h"
#include "kfs.h"

static const char matrix_usage[] =
  "Usage: flushpoint matrix [--workloads GLOB|DIR] [--persist LIST]\n"
  "                         [--mount LIST] [--barrier on,off] [--states LIST]\n"
  "                         [--bugs all|LIST] [--faults random]\n"
  "                         [--fault-seed S] [--jobs N] [--out DIR]\n"
  "                         [--shard I/N] [--resume] [--expect FILE]\n"
  "                         [--junit FILE] [--quiet]\n"
  "\n"
  "Run every workload x persist choice x mount column, each cell on its own\n"
  "nbdkit with the recording plugin, and check every crash state of each\n"
  "log.  Prints a table per persist choice (rows: workloads, columns: mount\n"
  "options; each cell says which properties held, were lost without a\n"
  "promise, or were violated) and the fsync-vs-fdatasync summary, property\n"
  "by property.  Writes OUT/index.html (linking one report per cell, with a\n"
  "timeline), OUT/matrix.json, and every cell's log under OUT/logs.\n"
  "\n"
  "  --workloads GLOB|DIR  workload files (default: $FP_WORKLOADS/*.wl, else\n"
  "                      workloads/*.wl); a directory means DIR/*.wl, e.g.\n"
  "                      `flushpoint generate` output of any size: only the\n"
  "                      names are listed up front, each workload is read\n"
  "                      when a cell of this run needs it\n"
  "  --persist LIST      what `persist` becomes: fsync, fdatasync, sync,\n"
  "                      osync, odsync, none (default fsync,fdatasync,sync,none)\n"
  "  --mount LIST        data modes: ordered, writeback, journal, nojournal\n"
  "  --barrier LIST      on, off\n"
  "                      (default columns: ordered+barrier, ordered+nobarrier,\n"
  "                      writeback, journal, nojournal; with --mount or\n"
  "                      --barrier, their cross product)\n"
  "  --states LIST       crash states per cell (default flush,write,epoch)\n"
  "  --max-subset K      epoch subsets up to K writes (1)\n"
  "  --samples N, --seed S, --max-per-epoch N, --tears-per-write N\n"
  "                      as for `flushpoint check`\n"
  "  --profile P         ext4 (default: what ext4 promises) or posix\n"
  "  --bugs all|LIST     instead: run each engine bug switch under\n"
  "                      ordered+barrier (nojournal-* switches: nojournal)\n"
  "                      and print the kill table\n"
  "  --faults random     every cell runs with seeded random device faults\n"
  "                      (write and flush EIO at a few percent, a power cut\n"
  "                      in one cell of three), armed after the mount, and\n"
  "                      goes on when an op fails: every promise a sync\n"
  "                      that returned 0 made must still hold, and the\n"
  "                      runner and the log must agree on what failed\n"
  "  --fault-seed S      the seed of those faults (default 1); each cell's\n"
  "                      faults derive from it and the cell's name\n"
  "  --disk-size BYTES   disk of each cell (default: the workload's, 64 MiB)\n"
  "  --fs LIST           engine (the default) and the running kernel's ext4,\n"
  "                      xfs, btrfs: each kernel fs adds a twin of the mount\n"
  "                      columns, named FS.COLUMN, recorded on the real fs\n"
  "                      (run --fs) and recovered by the kernel; then\n"
  "                      \"agreement engine vs FS: N of M verdicts agree\"\n"
  "                      and every disagreement (!! = the engine says held,\n"
  "                      the kernel does not).  Needs root, FUSE, loop\n"
  "                      devices: otherwise exit 2 saying what is missing\n"
  "  --fs-mount COLS     the engine columns the kernel fs twins (default all)\n"
  "  --fs-persist LIST   the persist choices kernel columns run (default all;\n"
  "                      the others show n/a)\n"
  "  --fs-states LIST    crash states of kernel cells (default as --states)\n"
  "  --cell-timeout S    kill a cell after S seconds (an ERR cell; 0 = none).\n"
  "                      Every cell runs in a child process: a crash or an\n"
  "                      assertion there is that cell's ERR, the rest run on\n"
  "  --keep-logs         keep every cell's log in DIR/logs; by default a\n"
  "                      passing cell's log is removed once the matrix has\n"
  "                      run, unless a report links it (ERR, a violation,\n"
  "                      a fault disagreement, an engine-vs-kernel\n"
  "                      disagreement), and so is a violated engine cell's\n"
  "                      log over 8 MiB unless a table links it: the\n"
  "                      matrix.json \"log\" is null, and \"rebuild\" is\n"
  "                      the command that records an engine log again,\n"
  "                      byte for byte (the engine is deterministic)\n"
  "  -j, --jobs N        cells in parallel (1)\n"
  "  --out DIR           output directory (default matrix-out); every run\n"
  "                      records each cell as it finishes in DIR/cells.jsonl\n"
  "  --shard I/N         run only cells I, I+N, I+2N, ... (0 <= I < N) of the\n"
  "                      matrix, numbered in a fixed order, so the same\n"
  "                      arguments cut it the same way on every machine;\n"
  "                      DIR holds the shard's record, logs and cell pages:\n"
  "                      `flushpoint merge OUT DIR...` makes the reports\n"
  "  --resume            take the cells DIR/cells.jsonl already holds (a\n"
  "                      killed run, the same arguments) and run the rest\n"
  "  --expect FILE       violations expected in these cells or columns (one\n"
  "                      rule a line: COLUMN, PERSIST COLUMN or WORKLOAD\n"
  "                      PERSIST COLUMN, shell patterns; # comments): exit 1\n"
  "                      when a violation appears elsewhere, or a rule's\n"
  "                      cells violate nothing\n"
  "  --junit FILE        JUnit XML: a test case per cell, a failure per\n"
  "                      unexpected violation with its rebuild command\n"
  "  -q, --quiet         one line per cell as it finishes and the final\n"
  "                      counts line, no tables (reports are still written)\n"
  "  -h, --help          this text\n"
  "\n"
  "Exit status: 0 every cell ran and was checked (without --expect a\n"
  "violation is a result, not a failure: the last line says so); 1 a cell\n"
  "failed, a bug switch was caught by no cell, (--faults random) a cell's\n"
  "runner and log disagree on the faults that fired, or (--expect) a\n"
  "violation no rule expects, or a rule with no violation; 2 usage error.\n";

enum {
  OPT_WORKLOADS = 256, OPT_PERSIST, OPT_MOUNT, OPT_BARRIER,
  OPT_STATE,                   /* every crash-state option: ck_states_opt_parse */
  OPT_PROFILE, OPT_BUGS, OPT_OUT,
  OPT_DISK, OPT_FAULTS, OPT_FAULT_SEED,
  OPT_FS, OPT_FS_MOUNT, OPT_FS_PERSIST, OPT_FS_STATES, OPT_CELL_TIMEOUT,
  OPT_KEEP_LOGS, OPT_SHARD, OPT_RESUME, OPT_EXPECT, OPT_JUNIT,
};

static void
matrix_progress (void *ctx, uint64_t done, uint64_t total)
{
  bool *tty = ctx;
  const int width = 40;
  int fill = total ? (int) (done * width / total) : width;

  if (!*tty)
    return;
  fprintf (stderr, "\r  [%.*s%*s] %" PRIu64 "/%" PRIu64 " cells", fill,
           "########################################", width - fill, "",
           done, total);
  if (done == total)
    fputs ("\r\033[K", stderr);
  fflush (stderr);
}

#define MATRIX_MAX_BUGS 64

/* Split a copy of "a,b,c" (in buf) into at most max words; returns the
 * count, or -1 when there are more. */
static int
matrix_split (char *buf, char **words, int max)
{
  char *save, *w;
  int n = 0;

  for (w = strtok_r (buf, ",", &save); w; w = strtok_r (NULL, ",", &save)) {
    if (n == max)
      return -1;
    words[n++] = w;
  }
  return n;
}

/* "I/N", 0 <= I < N. */
static int
matrix_shard_parse (const char *s, uint64_t *i, uint64_t *n)
{
  char buf[64], *slash;

  snprintf (buf, sizeof buf, "%s", s);
  if (!(slash = strchr (buf, '/')))
    return -EINVAL;
  *slash = '\0';
  if (!cli_parse_u64 (buf, i) || !cli_parse_u64 (slash + 1, n) || *n == 0
      || *i >= *n)
    return -EINVAL;
  return 0;
}

static bool
matrix_is_dir (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

/* A shard's last line: what it ran, where its record is, what next.  The
 * matrix is judged at the merge; a shard fails only for its own runs. */
static int
matrix_shard_end (const struct ck_matrix_opts *o,
                  const struct ck_matrix_result *r)
{
  struct ck_outcome oc;

  ck_matrix_judge (o, r, NULL, &oc);
  printf ("shard %" PRIu64 "/%" PRIu64 ": %zu of %zu cells (%zu resumed): "
          "%zu ok, %zu lost only, %zu VIOLATED, %zu ERR, %zu n/a; record "
          "%s/%s; then: flushpoint merge OUT DIR... (every shard's "
          "directory)\n", o->shard_index, o->shard_count, r->ncells,
          r->ncells_total, r->resumed, oc.ok, oc.lost, oc.violated, oc.err,
          oc.na, o->out_dir, CK_PARTIAL_FILE);
  return r->failed_cells || ck_matrix_disagreements (r) ? CLI_EXIT_FAILED
         : CLI_EXIT_OK;
}

int
cmd_matrix (int argc, char **argv)
{
  static const struct option opts[] = {
    { "workloads", required_argument, NULL, OPT_WORKLOADS },
    { "persist", required_argument, NULL, OPT_PERSIST },
    { "mount", required_argument, NULL, OPT_MOUNT },
    { "barrier", required_argument, NULL, OPT_BARRIER },
    { "states", required_argument, NULL, OPT_STATE },
    { "max-subset", required_argument, NULL, OPT_STATE },
    { "samples", required_argument, NULL, OPT_STATE },
    { "seed", required_argument, NULL, OPT_STATE },
    { "max-per-epoch", required_argument, NULL, OPT_STATE },
    { "tears-per-write", required_argument, NULL, OPT_STATE },
    { "profile", required_argument, NULL, OPT_PROFILE },
    { "bugs", required_argument, NULL, OPT_BUGS },
    { "disk-size", required_argument, NULL, OPT_DISK },
    { "faults", required_argument, NULL, OPT_FAULTS },
    { "fault-seed", required_argument, NULL, OPT_FAULT_SEED },
    { "fs", required_argument, NULL, OPT_FS },
    { "fs-mount", required_argument, NULL, OPT_FS_MOUNT },
    { "fs-persist", required_argument, NULL, OPT_FS_PERSIST },
    { "fs-states", required_argument, NULL, OPT_FS_STATES },
    { "cell-timeout", required_argument, NULL, OPT_CELL_TIMEOUT },
    { "keep-logs", no_argument, NULL, OPT_KEEP_LOGS },
    { "shard", required_argument, NULL, OPT_SHARD },
    { "resume", no_argument, NULL, OPT_RESUME },
    { "expect", required_argument, NULL, OPT_EXPECT },
    { "junit", required_argument, NULL, OPT_JUNIT },
    { "jobs", required_argument, NULL, 'j' },
    { "out", required_argument, NULL, OPT_OUT },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *pattern = NULL, *modes = NULL, *barriers = NULL;
  const char *bugs = NULL, *fslist = NULL, *fsmount = NULL;
  const char *expect = NULL;
  struct ck_expect rules = { 0 };
  struct cli_matrix_ci ci = { 0 };
  struct ck_matrix_opts o;
  struct ck_matrix_result r;
  char msg[1024], gbuf[4200], pbuf[256], bbuf[4096];
  char *pv[WL_PERSIST__COUNT + 1], *bugv[MATRIX_MAX_BUGS];
  int np, nbug = 0;
  bool tty = isatty (2) != 0;
  glob_t g = { 0 };
  uint64_t v;
  int c, err, idx, status = CLI_EXIT_OK;

  ck_matrix_opts_init (&o);
  o.out_dir = "matrix-out";
  o.fault_seed = 1;
  while ((c = getopt_long (argc, argv, ":hqj:", opts, &idx)) != -1) {
    switch (c) {
    case OPT_WORKLOADS: pattern = optarg; break;
    case OPT_MOUNT: modes = optarg; break;
    case OPT_BARRIER: barriers = optarg; break;
    case OPT_BUGS: bugs = optarg; break;
    case OPT_FAULTS:
      if (strcmp (optarg, "random") != 0)
        return cli_usage_error (cmd, "--faults: '%s' is not 'random'", optarg);
      o.random_faults = true;
      break;
    case OPT_FAULT_SEED:
      if (!cli_parse_u64 (optarg, &o.fault_seed))
        return cli_usage_error (cmd, "--fault-seed: '%s' is not a number",
                                optarg);
      break;
    case OPT_OUT: o.out_dir = optarg; break;
    case OPT_FS: fslist = optarg; break;
    case OPT_FS_MOUNT: fsmount = optarg; break;
    case OPT_FS_PERSIST: {
      char fb[256], *fv[WL_PERSIST__COUNT + 1];
      snprintf (fb, sizeof fb, "%s", optarg);
      int nf = matrix_split (fb, fv, WL_PERSIST__COUNT);
      if (nf <= 0)
        return cli_usage_error (cmd, "--fs-persist: '%s' is not a list of "
                                "persist choices", optarg);
      for (int i = 0; i < nf; i++) {
        enum wl_persist pe;
        if (wl_persist_lookup (fv[i], &pe) < 0)
          return cli_usage_error (cmd, "--fs-persist: unknown choice '%s'",
                                  fv[i]);
        o.fs_persist_mask |= 1u << pe;
      }
      break;
    }
    case OPT_FS_STATES:
      if (!o.fs_states_set) {
        o.fs_states = o.states;
        o.fs_states_set = true;
      }
      if (ck_states_opt_parse (&o.fs_states, "states", optarg, msg,
                               sizeof msg) < 0)
        return cli_usage_error (cmd, "--fs-states: %s", msg);
      break;
    case OPT_CELL_TIMEOUT:
      if (!cli_parse_u64 (optarg, &v) || v > 86400 * 7)
        return cli_usage_error (cmd, "--cell-timeout: '%s' is not a number "
                                "of seconds", optarg);
      o.cell_timeout_s = (unsigned) v;
      break;
    case OPT_KEEP_LOGS: o.keep_logs = true; break;
    case OPT_SHARD:
      if (matrix_shard_parse (optarg, &o.shard_index, &o.shard_count) < 0)
        return cli_usage_error (cmd, "--shard: '%s' is not I/N with 0 <= I "
                                "< N (e.g. 0/4)", optarg);
      break;
    case OPT_RESUME: o.resume = true; break;
    case OPT_EXPECT: expect = optarg; break;
    case OPT_JUNIT: ci.junit = optarg; break;
    case 'q': tty = false; ci.quiet = true; break;
    case OPT_PERSIST:
      snprintf (pbuf, sizeof pbuf, "%s", optarg);
      np = matrix_split (pbuf, pv, WL_PERSIST__COUNT);
      if (np <= 0)
        return cli_usage_error (cmd, "--persist: '%s' is not a list of at "
                                "most %d persist choices", optarg,
                                WL_PERSIST__COUNT);
      o.npersist = (size_t) np;
      for (int i = 0; i < np; i++)
        if (wl_persist_lookup (pv[i], &o.persist[i]) < 0)
          return cli_usage_error (cmd, "--persist: unknown choice '%s'",
                                  pv[i]);
      break;
    case OPT_STATE:
      if (ck_states_opt_parse (&o.states, opts[idx].name, optarg, msg,
                               sizeof msg) < 0)
        return cli_usage_error (cmd, "%s", msg);
      break;
    case OPT_PROFILE:
      if (ck_profile_parse (optarg, &o.profile) < 0)
        return cli_usage_error (cmd, "--profile: '%s' is not posix or ext4",
                                optarg);
      break;
    case OPT_DISK:
      if (!cli_parse_u64 (optarg, &v))
        return cli_usage_error (cmd, "--disk-size: '%s' is not a number of "
                                "bytes", optarg);
      o.disk_size = v;
      break;
    case 'j':
      if (!cli_parse_u64 (optarg, &v) || v < 1 || v > 256)
        return cli_usage_error (cmd, "--jobs: '%s' is not a number from 1 "
                                "to 256", optarg);
      o.jobs = (unsigned) v;
      break;
    case 'h':
      fputs (matrix_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (optind != argc)
    return cli_usage_error (cmd, "unexpected argument '%s'", argv[optind]);
  if ((modes || barriers) &&
      ck_matrix_columns (&o, modes, barriers, msg, sizeof msg) < 0)
    return cli_usage_error (cmd, "%s", msg);
  if (cli_check_output_dir (cmd, "--out", o.out_dir) != CLI_EXIT_OK)
    return CLI_EXIT_USAGE;
  if (o.shard_count > 1 && (expect || ci.junit))
    return cli_usage_error (cmd, "--expect and --junit judge the whole "
                            "matrix: give them to flushpoint merge, not to "
                            "a shard");
  if (ci.junit && cli_check_output_file (cmd, "--junit", ci.junit)
      != CLI_EXIT_OK)
    return CLI_EXIT_USAGE;
  if (fslist) {
    char fb[256], *fv[8];
    snprintf (fb, sizeof fb, "%s", fslist);
    int nf = matrix_split (fb, fv, 8);
    if (nf <= 0)
      return cli_usage_error (cmd, "--fs: '%s' names no file system", fslist);
    for (int i = 0; i < nf; i++) {
      enum kfs_type t;
      if (strcmp (fv[i], "engine") == 0)
        continue;
      if (kfs_type_parse (fv[i], &t) < 0)
        return cli_usage_error (cmd, "--fs: '%s' is not engine, ext4, xfs "
                                "or btrfs", fv[i]);
      /* Never fall back to the engine: say what is missing, exit 2. */
      if (kfs_probe (t, msg, sizeof msg) < 0)
        return cli_usage_error (cmd, "--fs %s: this machine cannot run it: "
                                "%s", fv[i], msg);
      if (ck_matrix_add_fs (&o, fv[i], fsmount, msg, sizeof msg) < 0)
        return cli_usage_error (cmd, "%s", msg);
    }
  }
  if (!pattern) {
    const char *dir = getenv ("FP_WORKLOADS");
    snprintf (gbuf, sizeof gbuf, "%s/*.wl", dir ? dir : "workloads");
    pattern = gbuf;
  }
  else if (matrix_is_dir (pattern)) {
    snprintf (gbuf, sizeof gbuf, "%s/*.wl", pattern);
    pattern = gbuf;
  }
  if (expect) {
    if ((status = cli_matrix_expect (cmd, expect, &rules)) != CLI_EXIT_OK)
      goto out;
    ci.expect = &rules;
  }
  /* glob sorts by strcoll, and this program never sets a locale: byte
   * order, the same on every machine, which the cell numbering (and so
   * every shard) rests on. */
  if (glob (pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
    status = cli_usage_error (cmd, "--workloads: nothing matches '%s'",
                              pattern);
    goto out;
  }
  o.workloads = (const char *const *) g.gl_pathv;
  o.nworkloads = g.gl_pathc;
  if (bugs) {
    if (strcmp (bugs, "all") == 0) {
      for (int i = 0; i < fpfs_bug_count () && nbug < MATRIX_MAX_BUGS; i++)
        bugv[nbug++] = (char *) fpfs_bug_name (i);
    }
    else {
      snprintf (bbuf, sizeof bbuf, "%s", bugs);
      nbug = matrix_split (bbuf, bugv, MATRIX_MAX_BUGS);
    }
    if (nbug <= 0) {
      status = cli_usage_error (cmd, "--bugs: '%s' names no bug switch", bugs);
      goto out;
    }
    for (int i = 0; i < nbug; i++) {
      uint64_t bit;
      if (fpfs_bug_lookup (bugv[i], &bit) < 0) {
        status = cli_usage_error (cmd, "--bugs: unknown bug switch '%s'",
                                  bugv[i]);
        goto out;
      }
    }
    o.bugs = (const char *const *) bugv;
    o.nbugs = (size_t) nbug;
  }
  o.progress = matrix_progress;
  o.progress_ctx = &tty;
  if (ci.quiet || o.shard_count > 1)
    o.cell_done = cli_matrix_cell_line;

  err = ck_matrix_run (&o, &r, msg, sizeof msg);
  if (err) {
    cli_error (cmd, "%s", msg[0] ? msg : strerror (-err));
    ck_matrix_result_free (&r);
    status = CLI_EXIT_USAGE;
    goto out;
  }
  if (r.resumed)
    fprintf (stderr, "flushpoint: %s: resumed: %zu of %zu cells taken from "
             "%s/%s, %zu run\n", cmd, r.resumed, r.ncells, o.out_dir,
             CK_PARTIAL_FILE, r.ncells - r.resumed);
  if (o.shard_count > 1)
    status = matrix_shard_end (&o, &r);
  else
    status = cli_matrix_finish (cmd, &o, &r, &ci);
  ck_matrix_result_free (&r);
 out:
  ck_expect_free (&rules);
  globfree (&g);
  return status;
}
