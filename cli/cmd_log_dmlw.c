/* cmd_log_dmlw: `flushpoint log export` and `flushpoint log import`, the
 * command-line face of dmlw_export() and dmlw_import()
 * (nbd-plugin/dmlw.h; the format in nbd-plugin/DM-LOG-WRITES.md).
 *
 * Output rules, the same for both: the output is never the input; an
 * existing output is replaced only with --force, and only if it is a
 * regular file (a FIFO would block, /dev/null would swallow the log).
 * The output is written to a temporary file beside it and renamed into
 * place once complete, so a failed conversion leaves no half-made file
 * and a replaced one intact.
 *
 * Exit status: 0 written; 1 the input is corrupt (a flushpoint log that
 * fails `log verify`, a malformed dm-log-writes file); 2 usage error, or
 * input that cannot be used (unreadable, an entry the other format cannot
 * carry, --size too small, the output refused).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "dmlw.h"

#define DMLW_FORMAT "dm-log-writes"

static const char export_usage[] =
  "Usage: flushpoint log export LOG --format dm-log-writes -o FILE [--force]\n"
  "\n"
  "Write a flushpoint log as a dm-log-writes log (the Linux target's format,\n"
  "replayed by xfstests' replay-log), one entry for each entry, in order:\n"
  "WRITE as a write of its sectors (FUA kept), TRIM as DISCARD, ZERO as a\n"
  "write of zeroed sectors (replay-log reproduces those on any device; a\n"
  "DISCARD need not read back as zeroes), FLUSH as FLUSH, MARK as MARK and\n"
  "FAULT as a MARK \"flushpoint FAULT: ...\".  Entry N of one is entry N of\n"
  "the other, so\n"
  "    replay-log --log FILE --replay DEV --limit N+1\n"
  "rebuilds, on a zeroed DEV, the image of\n"
  "    flushpoint replay LOG --to-entry N\n"
  "The sector size is the log's.  Mark texts are cut to what the format\n"
  "keeps (up to the first NUL, at most sectorsize - 33 bytes), with a\n"
  "warning.  A truncated tail is left out with a warning.\n"
  "\n"
  "  --format dm-log-writes  the output format (the only one)\n"
  "  -o, --output FILE       the file to write\n"
  "  --force                 replace FILE if it exists (a regular file only)\n"
  "  -h, --help              this text\n"
  "\n"
  "Exit status: 0 written; 1 LOG is corrupt; 2 usage error, or input that\n"
  "cannot be used (a WRITE, TRIM or ZERO that is not whole sectors, FILE\n"
  "refused).\n";

static const char import_usage[] =
  "Usage: flushpoint log import FILE --format dm-log-writes -o LOG\n"
  "                             [--size BYTES] [--force]\n"
  "\n"
  "Turn a dm-log-writes log (recorded by the Linux target, or written by\n"
  "`log export`) into a flushpoint log that `log verify`, `replay`, `check`\n"
  "and the HTML timeline read.  Every entry is checked before LOG is made.\n"
  "A write becomes a WRITE (FUA kept), a DISCARD a TRIM, a FLUSH a FLUSH,\n"
  "a MARK a MARK with its text (METADATA is dropped).  Entry N of FILE is\n"
  "entry N of LOG (a FLUSH carrying data, which the kernel should not log,\n"
  "becomes a FLUSH and a WRITE, and a warning says how the indices shift).\n"
  "The disk starts as zeroes.  dm-log-writes records no device size: it is\n"
  "the end of the highest sector written or discarded, or --size.\n"
  "`flushpoint check` on a log without oracle marks checks recovery and\n"
  "fsck at each crash state (see its --help).\n"
  "\n"
  "  --format dm-log-writes  the input format (the only one)\n"
  "  -o, --output LOG        the flushpoint log to write\n"
  "  --size BYTES            the device size (a multiple of the sector size;\n"
  "                          an entry beyond it is an error)\n"
  "  --force                 replace LOG if it exists (a regular file only)\n"
  "  -h, --help              this text\n"
  "\n"
  "Exit status: 0 written; 1 FILE is malformed (bad magic or version, a\n"
  "truncated entry, inconsistent lengths, unknown flags: named with the\n"
  "entry index and byte offset); 2 usage error, or input that cannot be\n"
  "used (unreadable, an entry beyond --size, LOG refused).\n";

struct dmlw_cli {
  const char *cmd;
  const char *in, *out, *format;
  uint64_t size;
  bool force;
  char tmp[4096];
};

static void
dmlw_cli_warn (void *ctx, const char *msg)
{
  cli_warn (ctx, "%s", msg);
}

static const char *
dmlw_kind (mode_t m)
{
  return S_ISDIR (m) ? "a directory" : S_ISFIFO (m) ? "a FIFO"
       : S_ISCHR (m) ? "a character device" : S_ISBLK (m) ? "a block device"
       : S_ISSOCK (m) ? "a socket" : "not a regular file";
}

/* Parse the shared options; returns -1 to go on, else the exit status. */
static int
dmlw_parse (struct dmlw_cli *c, int argc, char **argv, const char *usage,
            bool import)
{
  enum { OPT_FORMAT = 256, OPT_SIZE, OPT_FORCE };
  static const struct option opts[] = {
    { "format", required_argument, NULL, OPT_FORMAT },
    { "output", required_argument, NULL, 'o' },
    { "size",   required_argument, NULL, OPT_SIZE },
    { "force",  no_argument,       NULL, OPT_FORCE },
    { "help",   no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int ch;

  while ((ch = getopt_long (argc, argv, ":ho:", opts, NULL)) != -1) {
    switch (ch) {
    case OPT_FORMAT: c->format = optarg; break;
    case 'o':        c->out = optarg; break;
    case OPT_FORCE:  c->force = true; break;
    case OPT_SIZE:
      if (!import)
        return cli_usage_error (c->cmd, "--size is an option of log import");
      if (!cli_parse_u64 (optarg, &c->size) || !c->size)
        return cli_usage_error (c->cmd, "--size: '%s' is not a positive "
                                "number of bytes", optarg);
      break;
    case 'h':
      fputs (usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (c->cmd, ch, argv);
    }
  }
  if (argc - optind != 1)
    return cli_usage_error (c->cmd, argc == optind ? "missing %s" :
                            "expected one %s, got %d arguments",
                            import ? "FILE" : "LOG", argc - optind);
  c->in = argv[optind];
  if (!c->format)
    return cli_usage_error (c->cmd, "missing --format %s", DMLW_FORMAT);
  if (strcmp (c->format, DMLW_FORMAT) != 0)
    return cli_usage_error (c->cmd, "--format: '%s' is not a format this "
                            "command knows (%s)", c->format, DMLW_FORMAT);
  if (!c->out)
    return cli_usage_error (c->cmd, "missing -o %s", import ? "LOG" : "FILE");
  return -1;
}

/* Refuse an output that would lose data or block, then make the
 * temporary file beside it.  Returns -1 to go on, else the exit status. */
static int
dmlw_output (struct dmlw_cli *c, int *fdp)
{
  struct stat st;
  mode_t mask;
  int fd, ret;

  *fdp = -1;
  if (strcmp (c->out, "-") == 0)
    return cli_usage_error (c->cmd, "-o -: the output must be a file");
  if (cli_same_file (c->in, c->out))
    return cli_usage_error (c->cmd, "-o %s: is the input %s", c->out, c->in);
  if (stat (c->out, &st) == 0) {
    if (!S_ISREG (st.st_mode))
      return cli_usage_error (c->cmd, "-o %s: is %s, not a regular file",
                              c->out, dmlw_kind (st.st_mode));
    if (!c->force)
      return cli_usage_error (c->cmd, "-o %s: exists (give --force to "
                              "replace it)", c->out);
  }
  if ((ret = cli_check_output_file (c->cmd, "-o", c->out)) != CLI_EXIT_OK)
    return ret;
  if ((size_t) snprintf (c->tmp, sizeof c->tmp, "%s.tmpXXXXXX", c->out) >=
      sizeof c->tmp)
    return cli_usage_error (c->cmd, "-o %s: path too long", c->out);
  fd = mkstemp (c->tmp);
  if (fd < 0) {
    cli_error (c->cmd, "%s: %s", c->tmp, strerror (errno));
    c->tmp[0] = '\0';
    return CLI_EXIT_USAGE;
  }
  /* mkstemp makes the file 0600; give it what creat(2) would. */
  mask = umask (0);
  umask (mask);
  if (fchmod (fd, 0666 & ~mask) < 0) {
    cli_error (c->cmd, "chmod %s: %s", c->tmp, strerror (errno));
    close (fd);
    return CLI_EXIT_USAGE;
  }
  *fdp = fd;
  return -1;
}

/* Put the finished temporary file in place (ok), or remove it. */
static int
dmlw_finish (struct dmlw_cli *c, bool ok)
{
  if (!c->tmp[0])
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
  if (ok && rename (c->tmp, c->out) == 0)
    return CLI_EXIT_OK;
  if (ok)
    cli_error (c->cmd, "rename %s to %s: %s", c->tmp, c->out,
               strerror (errno));
  unlink (c->tmp);
  return CLI_EXIT_USAGE;
}

/* Options, then the temporary output file: >= 0 is the exit status. */
static int
dmlw_begin (struct dmlw_cli *c, int argc, char **argv, const char *usage,
            bool import, int *fdp)
{
  int ret = dmlw_parse (c, argc, argv, usage, import);

  return ret >= 0 ? ret : dmlw_output (c, fdp);
}

/* The end of both commands: report err (msg) or rename the output into
 * place.  Returns the exit status; 0 means print the summary. */
static int
dmlw_end (struct dmlw_cli *c, int err, const char *msg)
{
  if (err) {
    cli_error (c->cmd, "%s", msg);
    dmlw_finish (c, false);
    return err == -EBADMSG ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
  }
  return dmlw_finish (c, true);
}

int
cmd_log_export (int argc, char **argv)
{
  struct dmlw_cli c = { .cmd = argv[0] };
  struct dmlw_export_opts o;
  struct dmlw_export_result res;
  char msg[1024];
  int fd, ret, err;

  if ((ret = dmlw_begin (&c, argc, argv, export_usage, false, &fd)) >= 0)
    return ret;
  o = (struct dmlw_export_opts) {
    .log_path = c.in, .out_fd = fd, .out_path = c.out,
    .warn = dmlw_cli_warn, .warn_ctx = (void *) c.cmd,
  };
  err = dmlw_export (&o, &res, msg, sizeof msg);
  if (!err && fsync (fd) < 0) {
    err = -errno;
    snprintf (msg, sizeof msg, "fsync %.900s: %s", c.tmp, strerror (errno));
  }
  if (close (fd) < 0 && !err) {
    err = -errno;
    snprintf (msg, sizeof msg, "close %.900s: %s", c.tmp, strerror (errno));
  }
  if ((ret = dmlw_end (&c, err, msg)) != CLI_EXIT_OK)
    return ret;
  printf ("wrote %s: dm-log-writes, %" PRIu32 "-byte sectors, %" PRIu64
          " entries (flushpoint seq N = entry N; replay-log --limit N+1)%s\n",
          c.out, res.sectorsize, res.entries,
          res.truncated ? "; truncated tail left out" : "");
  return CLI_EXIT_OK;
}

int
cmd_log_import (int argc, char **argv)
{
  struct dmlw_cli c = { .cmd = argv[0] };
  struct dmlw_import_opts o;
  struct dmlw_import_result res;
  char msg[1024];
  int fd, ret, err;

  if ((ret = dmlw_begin (&c, argc, argv, import_usage, true, &fd)) >= 0)
    return ret;
  close (fd);                  /* the log writer opens (and locks) it */
  o = (struct dmlw_import_opts) {
    .in_path = c.in, .out_path = c.tmp, .size = c.size,
    .warn = dmlw_cli_warn, .warn_ctx = (void *) c.cmd,
  };
  err = dmlw_import (&o, &res, msg, sizeof msg);
  if ((ret = dmlw_end (&c, err, msg)) != CLI_EXIT_OK)
    return ret;
  printf ("wrote %s: %" PRIu64 " entries from %" PRIu64 " dm-log-writes "
          "entries (%" PRIu64 " marks); device %" PRIu64 " bytes (%s), %"
          PRIu32 "-byte sectors, base zeroes\n", c.out, res.fp_entries,
          res.entries, res.marks, res.device_size,
          c.size ? "--size" : "the highest sector written", res.sectorsize);
  return CLI_EXIT_OK;
}
