/* main: the flushpoint command.  It owns the table of subcommands, finds the
 * one named on the command line (names may be two words: "log dump"), and
 * hands it the rest of argv.  The contract between main and a command is in
 * commands.h.
 *
 *   flushpoint --help | help            list the subcommands
 *   flushpoint help CMD...              the subcommand's --help
 *   flushpoint CMD... [ARGS]            run it
 *
 * Exit status: 0 success, 1 a check failed, 2 usage or input error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

struct cli_command {
  const char *name;            /* one or two words */
  const char *summary;         /* one line for the list */
  int (*fn) (int argc, char **argv);
};

/* One line per subcommand; keep related commands together. */
static const struct cli_command cli_commands[] = {
  { "run",        "run a workload over NBD, recording a write log", cmd_run },
  { "mark",       "write an application mark into the running log", cmd_mark },
  { "probe",      "can this machine run ext4, xfs, btrfs under test?", cmd_probe },
  { "check",      "check every crash state of a recorded log",     cmd_check },
  { "matrix",     "run and check workloads x sync calls x mount options", cmd_matrix },
  { "merge",      "combine the shards of a matrix into its reports", cmd_merge },
  { "replay",     "rebuild the disk image at a point of a log",    cmd_replay },
  { "log dump",   "print a write log's header and every entry",    cmd_log_dump },
  { "log verify", "check every entry of a write log, summarise it", cmd_log_verify },
  { "log export", "write a log as a dm-log-writes log (for xfstests)", cmd_log_export },
  { "log import", "make a log from a dm-log-writes log", cmd_log_import },
  { "log promises", "what each sync call promised (block hashes, entries)",
    cmd_log_promises },
  { "generate",   "write every bounded workload of 1..N steps",    cmd_generate },
  { "mkfs",       "make an fpfs file system on an image or NBD export", cmd_mkfs },
  { "ls",         "list the files of an image (read-only, after recovery)", cmd_ls },
  { "cat",        "print files of an image (read-only, after recovery)", cmd_cat },
  { "fsck",       "check an image's file system (read-only, after recovery)", cmd_fsck },
  { "mount",      "serve an image's file system at a directory (FUSE)", cmd_mount },
};
#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

/* ---- helpers shared with the commands (commands.h) ---- */

static void
cli_vprint (const char *cmd, const char *what, const char *fmt, va_list ap)
{
  fflush (stdout);             /* keep stdout and stderr in order on a tty */
  fprintf (stderr, "flushpoint: %s%s%s", cmd ? cmd : "", cmd ? ": " : "",
           what);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
}

void
cli_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  cli_vprint (cmd, "", fmt, ap);
  va_end (ap);
}

void
cli_warn (const char *cmd, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  cli_vprint (cmd, "warning: ", fmt, ap);
  va_end (ap);
}

int
cli_usage_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  cli_vprint (cmd, "", fmt, ap);
  va_end (ap);
  fprintf (stderr, "Try 'flushpoint %s --help'.\n", cmd ? cmd : "");
  return CLI_EXIT_USAGE;
}

int
cli_option_error (const char *cmd, int c, char **argv)
{
  const char *arg = optind > 0 ? argv[optind - 1] : "";

  if (c == ':')
    return cli_usage_error (cmd, "option '%s' needs an argument", arg);
  if (optopt && strncmp (arg, "--", 2) != 0)
    return cli_usage_error (cmd, "unknown option '-%c'", optopt);
  return cli_usage_error (cmd, "unknown or malformed option '%s'", arg);
}

bool
cli_parse_u64 (const char *s, uint64_t *out)
{
  char *end;
  unsigned long long v;

  if (!s || *s < '0' || *s > '9')
    return false;              /* no sign, no space, not empty */
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

const char *
cli_strip_path (const char *msg, const char *path)
{
  size_t n = strlen (path);

  if (strncmp (msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
    return msg + n + 2;
  return msg;
}

/* ---- dispatch ---- */

/* How many of argv[0..argc) the command's name takes, 0 if it does not
 * match. */
static int
cli_match (const struct cli_command *cmd, int argc, char **argv)
{
  const char *name = cmd->name;
  int used = 0;

  while (*name) {
    size_t len = strcspn (name, " ");

    if (used >= argc || strlen (argv[used]) != len ||
        strncmp (argv[used], name, len) != 0)
      return 0;
    used++;
    name += len;
    name += *name == ' ';
  }
  return used;
}

/* Does any command's name start with the word w? */
static bool
cli_is_group (const char *w)
{
  size_t len = strlen (w);

  for (size_t i = 0; i < CLI_NCOMMANDS; i++)
    if (strncmp (cli_commands[i].name, w, len) == 0 &&
        cli_commands[i].name[len] == ' ')
      return true;
  return false;
}

/* List the commands, or only those in group (the first word). */
static void
cli_list (FILE *f, const char *group)
{
  size_t glen = group ? strlen (group) : 0;

  if (!group)
    fprintf (f,
             "Usage: flushpoint COMMAND [ARGS...]\n"
             "       flushpoint help COMMAND\n"
             "\n"
             "flushpoint is a crash-consistency test harness: it records what a\n"
             "file system sends to a disk and rebuilds the disk at crash points.\n"
             "\n"
             "Commands:\n");
  else
    fprintf (f, "Usage: flushpoint %s SUBCOMMAND [ARGS...]\n\nSubcommands:\n",
             group);
  for (size_t i = 0; i < CLI_NCOMMANDS; i++) {
    const struct cli_command *c = &cli_commands[i];

    if (group && (strncmp (c->name, group, glen) != 0 || c->name[glen] != ' '))
      continue;
    fprintf (f, "  %-12s %s\n", c->name, c->summary);
  }
  fprintf (f,
           "\n"
           "Every command takes --help.  Exit status: 0 success, 1 a check\n"
           "failed, 2 usage or input error.\n");
}

/* The command with the longest name matching argv[0..]; *used is how
 * many words of argv its name took.  NULL if none. */
static const struct cli_command *
cli_find (int argc, char **argv, int *used)
{
  const struct cli_command *best = NULL;

  *used = 0;
  for (size_t i = 0; i < CLI_NCOMMANDS; i++) {
    int n = cli_match (&cli_commands[i], argc, argv);
    if (n > *used) {
      *used = n;
      best = &cli_commands[i];
    }
  }
  return best;
}

/* argv[0..argc) names no command: say why. */
static int
cli_unknown (int argc, char **argv)
{
  if (argc >= 1 && cli_is_group (argv[0])) {
    if (argc >= 2)
      cli_error (NULL, "%s: unknown subcommand '%s'", argv[0], argv[1]);
    else
      cli_error (NULL, "%s: missing subcommand", argv[0]);
    cli_list (stderr, argv[0]);
    return CLI_EXIT_USAGE;
  }
  cli_error (NULL, "unknown command '%s'", argc ? argv[0] : "");
  fprintf (stderr, "Try 'flushpoint --help'.\n");
  return CLI_EXIT_USAGE;
}

static int
cli_run (const struct cli_command *cmd, int argc, char **argv)
{
  char **cargv = calloc (argc + 1, sizeof *cargv);
  int ret;

  if (!cargv) {
    cli_error (NULL, "%s", strerror (ENOMEM));
    return CLI_EXIT_USAGE;
  }
  cargv[0] = (char *) cmd->name;
  for (int i = 1; i < argc; i++)
    cargv[i] = argv[i];
  optind = 0;                  /* full getopt reset (glibc) */
  ret = cmd->fn (argc, cargv);
  free (cargv);
  return ret;
}

static bool
is_help (const char *a)
{
  return !strcmp (a, "--help") || !strcmp (a, "-h");
}

int
main (int argc, char **argv)
{
  const struct cli_command *cmd;
  int used;

  if (argc < 2) {
    cli_list (stderr, NULL);
    return CLI_EXIT_USAGE;
  }
  if (is_help (argv[1]) || (!strcmp (argv[1], "help") && argc == 2)) {
    cli_list (stdout, NULL);
    return CLI_EXIT_OK;
  }

  if (!strcmp (argv[1], "help")) {       /* help CMD...: CMD's --help */
    char *hargv[] = { NULL, "--help", NULL };

    cmd = cli_find (argc - 2, argv + 2, &used);
    if (cmd && used == argc - 2)
      return cli_run (cmd, 2, hargv);
    if (cmd) {
      cli_error (NULL, "help: unexpected argument '%s' after '%s'",
                 argv[2 + used], cmd->name);
      return CLI_EXIT_USAGE;
    }
    if (!cmd && argc == 3 && cli_is_group (argv[2])) {
      cli_list (stdout, argv[2]);
      return CLI_EXIT_OK;
    }
    return cli_unknown (argc - 2, argv + 2);
  }

  cmd = cli_find (argc - 1, argv + 1, &used);
  if (!cmd) {
    if (argc == 3 && cli_is_group (argv[1]) && is_help (argv[2])) {
      cli_list (stdout, argv[1]);
      return CLI_EXIT_OK;
    }
    return cli_unknown (argc - 1, argv + 1);
  }
  /* argv + used: the command's last name word becomes its argv[0]. */
  return cli_run (cmd, argc - used, argv + used);
}

bool
cli_same_file (const char *a, const char *b)
{
  struct stat sa, sb;

  return stat (a, &sa) == 0 && stat (b, &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The directory part of path ("." when it has none), in buf. */
static const char *
cli_dirname (const char *path, char *buf, size_t len)
{
  const char *slash = strrchr (path, '/');

  if (!slash)
    return ".";
  snprintf (buf, len, "%.*s", slash == path ? 1 : (int) (slash - path), path);
  return buf;
}

static int
cli_check_dir (const char *cmd, const char *opt, const char *path,
               const char *dir)
{
  struct stat st;

  if (stat (dir, &st) != 0)
    return cli_usage_error (cmd, "%s %s: directory %s: %s", opt, path, dir,
                            strerror (errno));
  if (!S_ISDIR (st.st_mode))
    return cli_usage_error (cmd, "%s %s: %s is not a directory", opt, path,
                            dir);
  if (access (dir, W_OK | X_OK) != 0)
    return cli_usage_error (cmd, "%s %s: directory %s: %s", opt, path, dir,
                            strerror (errno));
  return CLI_EXIT_OK;
}

int
cli_check_output_file (const char *cmd, const char *opt, const char *path)
{
  char buf[4096];
  struct stat st;

  if (strcmp (path, "-") == 0)
    return CLI_EXIT_OK;
  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
    return cli_usage_error (cmd, "%s %s: is a directory", opt, path);
  return cli_check_dir (cmd, opt, path, cli_dirname (path, buf, sizeof buf));
}

int
cli_check_output_dir (const char *cmd, const char *opt, const char *dir)
{
  char buf[4096];
  struct stat st;

  if (stat (dir, &st) == 0)
    return cli_check_dir (cmd, opt, dir, dir);
  return cli_check_dir (cmd, opt, dir, cli_dirname (dir, buf, sizeof buf));
}
