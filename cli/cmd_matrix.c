/* cmd_matrix: `flushpoint matrix`, the command-line face of ck_matrix_run()
 * and its reports (checker/matrix/ck_matrix.h).
 *
 * Exit status: 0 every cell ran and was checked (violations in a matrix
 * are results, shown in the tables: nobarrier columns are expected to
 * lose data); 1 a cell could not run or be checked, or a bug switch given
 * with --bugs was caught by no cell; 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck_matrix.h"
#include "commands.h"
#include "fpfs.h"
#include "kfs.h"

static const char matrix_usage[] =
  "Usage: flushpoint matrix [--workloads GLOB] [--persist LIST]\n"
  "                         [--mount LIST] [--barrier on,off] [--states LIST]\n"
  "                         [--bugs all|LIST] [--faults random]\n"
  "                         [--fault-seed S] [--jobs N] [--out DIR]\n"
  "\n"
  "Run every workload x persist choice x mount column, each cell on its own\n"
  "nbdkit with the recording plugin, and check every crash state of each\n"
  "log.  Prints a table per persist choice (rows: workloads, columns: mount\n"
  "options; each cell says which properties held, were lost without a\n"
  "promise, or were violated) and the fsync-vs-fdatasync summary, property\n"
  "by property.  Writes OUT/index.html (linking one report per cell, with a\n"
  "timeline), OUT/matrix.json, and every cell's log under OUT/logs.\n"
  "\n"
  "  --workloads GLOB    workload files (default: $FP_WORKLOADS/*.wl, else\n"
  "                      workloads/*.wl)\n"
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
  "                      disagreement): the matrix.json \"log\" is null\n"
  "  -j, --jobs N        cells in parallel (1)\n"
  "  --out DIR           output directory (default matrix-out)\n"
  "  -q, --quiet         no progress bar\n"
  "  -h, --help          this text\n"
  "\n"
  "Exit status: 0 every cell ran and was checked; 1 a cell failed, a\n"
  "bug switch was caught by no cell, or (--faults random) a cell's runner\n"
  "and log disagree on the faults that fired; 2 usage error.\n";

enum {
  OPT_WORKLOADS = 256, OPT_PERSIST, OPT_MOUNT, OPT_BARRIER,
  OPT_STATE,                   /* every crash-state option: ck_states_opt_parse */
  OPT_PROFILE, OPT_BUGS, OPT_OUT,
  OPT_DISK, OPT_FAULTS, OPT_FAULT_SEED,
  OPT_FS, OPT_FS_MOUNT, OPT_FS_PERSIST, OPT_FS_STATES, OPT_CELL_TIMEOUT,
  OPT_KEEP_LOGS,
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
    { "jobs", required_argument, NULL, 'j' },
    { "out", required_argument, NULL, OPT_OUT },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *pattern = NULL, *modes = NULL, *barriers = NULL;
  const char *bugs = NULL, *fslist = NULL, *fsmount = NULL;
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
    case 'q': tty = false; break;
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

  err = ck_matrix_run (&o, &r, msg, sizeof msg);
  if (err) {
    cli_error (cmd, "%s", msg[0] ? msg : strerror (-err));
    status = CLI_EXIT_USAGE;
    goto out;
  }
  ck_matrix_text (stdout, &o, &r);
  struct json_object *j = ck_matrix_json (&o, &r);
  snprintf (gbuf, sizeof gbuf, "%s/matrix.json", o.out_dir);
  if (!j || json_object_to_file_ext (gbuf, j, JSON_C_TO_STRING_PRETTY) < 0) {
    cli_error (cmd, "%s: cannot write", gbuf);
    status = CLI_EXIT_FAILED;
  }
  json_object_put (j);
  if (ck_matrix_html (&o, &r, msg, sizeof msg) < 0) {
    cli_error (cmd, "%s", msg);
    status = CLI_EXIT_FAILED;
  }
  printf ("\nreports: %s/index.html, %s/matrix.json\n", o.out_dir, o.out_dir);
  if (r.failed_cells || ck_matrix_uncaught (&o, &r) ||
      ck_matrix_disagreements (&r))
    status = CLI_EXIT_FAILED;
  ck_matrix_result_free (&r);
 out:
  globfree (&g);
  return status;
}
