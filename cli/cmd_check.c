/* cmd_check: `flushpoint check`, the command-line face of ck_check_run()
 * (checker/recovery/ck_check.h) and the reports (checker/report/ck_report.h).
 *
 * Exit status: 0 no state violates a promise; 1 some do (or the runner and
 * the log disagree on the injected faults that fired); 2 usage error or
 * input that cannot be checked (unreadable or corrupt log, a base image
 * that does not match, a log without oracle marks in which no state holds
 * a file system).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck_check.h"
#include "ck_report.h"
#include "commands.h"

static const char check_usage[] =
  "Usage: flushpoint check LOG [--states flush,write,epoch,torn]\n"
  "                        [--max-subset K] [--samples N] [--seed S]\n"
  "                        [--profile posix|ext4] [--jobs N] [--json FILE]\n"
  "                        [--html FILE] [--base BASE] [options]\n"
  "\n"
  "Rebuild the disk of a recording (made by `flushpoint run`) as a power cut\n"
  "could leave it at each crash point, recover each image with the engine,\n"
  "and check every promise the workload's sync calls were given: data,\n"
  "size, mtime, mode, nlink, directory entries, stale data, recovery.\n"
  "\n"
  "Crash states (checker/CHECKER.md has the details):\n"
  "  --states LIST       kinds to build, comma-separated (flush is always on):\n"
  "                        flush  the prefix ending at each FLUSH\n"
  "                        write  the prefix ending at each write\n"
  "                        epoch  each epoch with subsets of its unflushed\n"
  "                               writes dropped\n"
  "                        torn   the prefix ending at each multi-sector\n"
  "                               write, that write torn at sector boundaries\n"
  "  --max-subset K      epoch: all subsets of up to K dropped writes (1)\n"
  "  --samples N         epoch: then N seeded random subsets per epoch (0)\n"
  "  --seed S            seed for every random choice (0)\n"
  "  --max-per-epoch M   epoch: at most M enumerated drop states per epoch;\n"
  "                      past it they are sampled (1000)\n"
  "  --tears-per-write T torn: at most T tears per write, 1..8 (8)\n"
  "\n"
  "Rules:\n"
  "  --profile P         ext4 (default: the man pages plus what ext4 gives,\n"
  "                      e.g. fsync of a file persists its directory entry)\n"
  "                      or posix (the man pages only)\n"
  "\n"
  "Running and output:\n"
  "  -j, --jobs N        worker threads (1); output does not depend on N\n"
  "  --json FILE         write the full results as JSON ('-': stdout)\n"
  "  --html FILE         write an HTML report with a timeline\n"
  "  --base BASE         the base image, if it moved since recording\n"
  "  --groups N          show at most N violation groups (20; 0: all)\n"
  "  --show-lost         also list what was lost without a promise\n"
  "  --all-states        list every state\n"
  "  -q, --quiet         no progress bar\n"
  "  -h, --help          this text\n"
  "\n"
  "A log without oracle marks (a disk recording, e.g. from `log import`)\n"
  "is checked fsck-only: every state is recovered and fsck'd, no promise\n"
  "is checked, and states before the first one holding a file system are\n"
  "skipped as before mkfs.  For such a log only:\n"
  "  --fs FS             recover with FS: engine (default), ext4, xfs, btrfs\n"
  "                      (the running kernel's: root, loop devices)\n"
  "  --mount OPTS        mount options for that recovery (the defaults)\n"
  "\n"
  "A program's log (`run --exec`) runs the program's own check in every\n"
  "recovered state, mounted where the program ran (property \"app\"):\n"
  "  --check-cmd CMD     instead of the one the run recorded: /bin/sh -c\n"
  "                      CMD in the state; exit 0 means consistent; it gets\n"
  "                      FLUSHPOINT_MARKS, a file of the program's marks\n"
  "                      before the crash point, one a line\n"
  "  --check-timeout S   a check that runs longer fails (default 60)\n"
  "\n"
  "Every violation names the crash state's recipe and the exact\n"
  "`flushpoint replay` command that rebuilds its image.\n"
  "Findings a write error the workload was told of explains (fsyncgate;\n"
  "stale data after a failed ordered write; half-done metadata without a\n"
  "journal) are shown as LOST AFTER ERROR, not as violations\n"
  "(checker/CHECKER.md, \"Errors\").\n"
  "\n"
  "Exit status: 0 no violations; 1 violations, or the runner and the log\n"
  "disagree on the injected faults that fired; 2 usage or input error.\n";

enum {
  OPT_STATE = 256,             /* every crash-state option: ck_states_opt_parse */
  OPT_PROFILE, OPT_JSON, OPT_HTML, OPT_BASE, OPT_GROUPS,
  OPT_SHOW_LOST, OPT_ALL_STATES, OPT_FS, OPT_MOUNT, OPT_CHECK_CMD,
  OPT_CHECK_TIMEOUT,
};

/* Numeric options: one row each, so parsing is written once. */
struct check_num {
  int opt;
  const char *name;
  uint64_t min, max;
};

static const struct check_num check_nums[] = {
  { 'j', "--jobs", 1, 256 },
  { OPT_GROUPS, "--groups", 0, 1000000 },
};

struct check_progress {
  bool tty;
  uint64_t last;
};

static void
check_progress (void *ctx, uint64_t done, uint64_t total)
{
  struct check_progress *p = ctx;
  const int width = 40;
  int fill = total ? (int) (done * width / total) : width;

  if (!p->tty || (done == p->last && done != total))
    return;
  p->last = done;
  fprintf (stderr, "\r  [%.*s%*s] %" PRIu64 "/%" PRIu64 " states",
           fill, "########################################", width - fill, "",
           done, total);
  if (done == total)
    fputs ("\r\033[K", stderr);
  fflush (stderr);
}

static int
check_write_json (const char *cmd, const char *path,
                  const struct ck_check_result *r,
                  const struct ck_report_opts *ro)
{
  struct json_object *j = ck_report_json (r, ro);
  FILE *f = strcmp (path, "-") == 0 ? stdout : fopen (path, "w");
  int ok;

  if (!j || !f) {
    cli_error (cmd, "--json %s: %s", path, f ? "out of memory" : strerror (errno));
    json_object_put (j);
    return -1;
  }
  ok = fputs (json_object_to_json_string_ext (j, JSON_C_TO_STRING_PRETTY |
                                              JSON_C_TO_STRING_NOSLASHESCAPE),
              f) >= 0 && fputc ('\n', f) != EOF;
  if (f != stdout)
    ok &= fclose (f) == 0;
  json_object_put (j);
  if (!ok) {
    cli_error (cmd, "--json %s: write: %s", path, strerror (errno));
    return -1;
  }
  return 0;
}

static int
check_write_html (const char *cmd, const char *path,
                  const struct ck_check_result *r,
                  const struct ck_report_opts *ro)
{
  char msg[512];
  FILE *f = fopen (path, "w");
  int err;

  if (!f) {
    cli_error (cmd, "--html %s: %s", path, strerror (errno));
    return -1;
  }
  err = ck_report_html (f, r, ro, msg, sizeof msg);
  if (fclose (f) != 0 && !err)
    err = -errno;
  if (err) {
    cli_error (cmd, "--html %s: %s", path, err == -EIO ? msg : strerror (-err));
    return -1;
  }
  return 0;
}

int
cmd_check (int argc, char **argv)
{
  static const struct option opts[] = {
    { "states", required_argument, NULL, OPT_STATE },
    { "max-subset", required_argument, NULL, OPT_STATE },
    { "samples", required_argument, NULL, OPT_STATE },
    { "seed", required_argument, NULL, OPT_STATE },
    { "max-per-epoch", required_argument, NULL, OPT_STATE },
    { "tears-per-write", required_argument, NULL, OPT_STATE },
    { "profile", required_argument, NULL, OPT_PROFILE },
    { "jobs", required_argument, NULL, 'j' },
    { "json", required_argument, NULL, OPT_JSON },
    { "html", required_argument, NULL, OPT_HTML },
    { "base", required_argument, NULL, OPT_BASE },
    { "groups", required_argument, NULL, OPT_GROUPS },
    { "show-lost", no_argument, NULL, OPT_SHOW_LOST },
    { "all-states", no_argument, NULL, OPT_ALL_STATES },
    { "fs", required_argument, NULL, OPT_FS },
    { "mount", required_argument, NULL, OPT_MOUNT },
    { "check-cmd", required_argument, NULL, OPT_CHECK_CMD },
    { "check-timeout", required_argument, NULL, OPT_CHECK_TIMEOUT },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *json = NULL, *html = NULL;
  struct ck_check_opts o;
  struct ck_check_result r;
  struct ck_report_opts ro = { .max_groups = 20 };
  struct check_progress prog = { .tty = isatty (2) != 0, .last = UINT64_MAX };
  uint64_t jobs = 1, groups = 20;
  char msg[1024];
  int c, err, idx;

  ck_check_opts_init (&o);
  while ((c = getopt_long (argc, argv, ":hqj:", opts, &idx)) != -1) {
    const struct check_num *num = NULL;
    for (size_t i = 0; i < sizeof check_nums / sizeof *check_nums; i++)
      if (check_nums[i].opt == c)
        num = &check_nums[i];
    if (num) {
      uint64_t v;
      if (!cli_parse_u64 (optarg, &v) || v < num->min || v > num->max)
        return cli_usage_error (cmd, "%s: '%s' is not a number from %" PRIu64
                                " to %" PRIu64, num->name, optarg, num->min,
                                num->max);
      switch (c) {
      case 'j': jobs = v; break;
      case OPT_GROUPS: groups = v; break;
      }
      continue;
    }
    switch (c) {
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
    case OPT_JSON: json = optarg; break;
    case OPT_HTML: html = optarg; break;
    case OPT_BASE: o.base_path = optarg; break;
    case OPT_FS:
      if (strcmp (optarg, "engine") && strcmp (optarg, "ext4") &&
          strcmp (optarg, "xfs") && strcmp (optarg, "btrfs"))
        return cli_usage_error (cmd, "--fs: '%s' is not engine, ext4, xfs "
                                "or btrfs", optarg);
      o.fsck_fs = optarg;
      break;
    case OPT_MOUNT: o.fsck_mount = optarg; break;
    case OPT_CHECK_CMD: o.check_cmd = optarg; break;
    case OPT_CHECK_TIMEOUT: {
      char *end;
      o.check_timeout_s = strtod (optarg, &end);
      if (end == optarg || *end || !(o.check_timeout_s > 0))
        return cli_usage_error (cmd, "--check-timeout: '%s' is not a "
                                "positive number of seconds", optarg);
      break;
    }
    case OPT_SHOW_LOST: ro.show_lost = true; break;
    case OPT_ALL_STATES: ro.all_states = true; break;
    case 'q': prog.tty = false; break;
    case 'h':
      fputs (check_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind != 1)
    return cli_usage_error (cmd, argc == optind ? "missing LOG" :
                            "expected one LOG, got %d arguments",
                            argc - optind);
  o.log_path = argv[optind];
  /* Checked before the states are, so that a typo costs no run. */
  if ((json && (c = cli_check_output_file (cmd, "--json", json))) ||
      (html && (c = cli_check_output_file (cmd, "--html", html))))
    return c;
  o.jobs = (unsigned) jobs;
  o.progress = check_progress;
  o.progress_ctx = &prog;
  ro.log_path = o.log_path;
  ro.profile = o.profile;
  ro.jobs = o.jobs;
  ro.max_groups = (unsigned) groups;

  err = ck_check_run (&o, &r, msg, sizeof msg);
  if (err) {
    cli_error (cmd, "%s", msg[0] ? msg : strerror (-err));
    ck_check_result_free (&r);
    return CLI_EXIT_USAGE;
  }
  if (r.walk.truncated)
    cli_warn (cmd, "%s (the states stop there)", r.walk.tail_msg);
  /* With --json - the JSON owns stdout; the summary goes to stderr. */
  ck_report_text (json && strcmp (json, "-") == 0 ? stderr : stdout, &r, &ro);
  fflush (stdout);
  if ((json && check_write_json (cmd, json, &r, &ro) < 0) ||
      (html && check_write_html (cmd, html, &r, &ro) < 0)) {
    ck_check_result_free (&r);
    return CLI_EXIT_USAGE;
  }
  err = ck_check_failed (&r) ? CLI_EXIT_FAILED : CLI_EXIT_OK;
  ck_check_result_free (&r);
  return err;
}
