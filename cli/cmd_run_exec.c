/* cmd_run_exec: `flushpoint run --exec CMD`, an unmodified program under
 * test (workloads/wl_app.h, ORACLE.md "Programs"), and `flushpoint mark`,
 * the program's own marks. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "commands.h"
#include "kfs.h"
#include "wl.h"
#include "wl_run.h"

static const char exec_usage[] =
  "Usage: flushpoint run --exec 'CMD ARGS...' [--fs engine|ext4|xfs|btrfs]\n"
  "                      (--start-nbdkit [--log FILE] | --nbd URI)\n"
  "                      [--mount OPTS] [--check-cmd 'CMD'] [--timeout S]\n"
  "                      [--name NAME] [--disk-size SIZE]\n"
  "\n"
  "Run an unmodified program with its working directory on the file\n"
  "system under test, on the recording stack, and record its durability\n"
  "calls as the oracle: a tracer (ptrace with a seccomp filter: it sees\n"
  "every thread and child, static binaries too) stops it at each open,\n"
  "write, truncate, fsync, fdatasync, sync, syncfs, sync_file_range,\n"
  "rename, link, unlink, mkdir, rmdir, fallocate on that file system, and\n"
  "each becomes an operation with its marks, the bytes it wrote and, for a\n"
  "sync call, the state it covered (workloads/ORACLE.md, \"Programs\").\n"
  "`flushpoint check LOG` then judges every crash state as for a workload.\n"
  "\n"
  "  --exec CMD         the program, run as /bin/sh -c CMD in the mount;\n"
  "                     it gets FLUSHPOINT_CONTROL (for `flushpoint mark`)\n"
  "  --fs FS            engine (default): the engine, served to the program\n"
  "                     through FUSE (`flushpoint mount`); ext4, xfs or\n"
  "                     btrfs: the running kernel's, as for workloads\n"
  "  --check-cmd CMD    recorded in the log for `flushpoint check`: run in\n"
  "                     every recovered state (exit 0: consistent)\n"
  "  --timeout S        kill the program after S seconds (default 600)\n"
  "  --name NAME        the run's name in reports (default: program)\n"
  "  --start-nbdkit, --nbd, --log, --disk-size, --mount: as for workloads\n"
  "\n"
  "Exit status: 0 the program exited 0 and every call was recorded; 1 it\n"
  "failed on the healthy stack (its output is printed), timed out, or the\n"
  "recording failed; 2 usage error.\n";

int cmd_run_exec (int argc, char **argv);

int
cmd_run_exec (int argc, char **argv)
{
  enum { OPT_EXEC = 256, OPT_FS, OPT_START, OPT_NBD, OPT_LOG, OPT_DISK,
         OPT_MOUNT, OPT_CHECK, OPT_TIMEOUT, OPT_NAME };
  static const struct option opts[] = {
    { "exec",         required_argument, NULL, OPT_EXEC },
    { "fs",           required_argument, NULL, OPT_FS },
    { "start-nbdkit", no_argument,       NULL, OPT_START },
    { "nbd",          required_argument, NULL, OPT_NBD },
    { "log",          required_argument, NULL, OPT_LOG },
    { "disk-size",    required_argument, NULL, OPT_DISK },
    { "mount",        required_argument, NULL, OPT_MOUNT },
    { "check-cmd",    required_argument, NULL, OPT_CHECK },
    { "timeout",      required_argument, NULL, OPT_TIMEOUT },
    { "name",         required_argument, NULL, OPT_NAME },
    { "quiet",        no_argument,       NULL, 'q' },
    { "help",         no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *fs = NULL, *name = "program";
  struct wl_exec x = { .timeout_s = 600, .out_fd = -1 };
  struct wl_run_opts o;
  struct wl_nbd_opts n = { 0 };
  struct wl_run_result res;
  struct wl_workload *w = NULL;
  char msg[2048], logbuf[1024];
  bool quiet = false;
  enum kfs_type t;
  int c, e;

  wl_run_opts_init (&o);
  while ((c = getopt_long (argc, argv, ":hq", opts, NULL)) != -1) {
    switch (c) {
    case OPT_EXEC: x.cmd = optarg; break;
    case OPT_FS: fs = optarg; break;
    case OPT_START: n.start_nbdkit = true; break;
    case OPT_NBD: n.uri = optarg; break;
    case OPT_LOG: n.log_path = optarg; break;
    case OPT_MOUNT: o.mount = optarg; break;
    case OPT_CHECK: x.check_cmd = optarg; break;
    case OPT_NAME: name = optarg; break;
    case 'q': quiet = true; break;
    case OPT_TIMEOUT: {
      char *end;
      errno = 0;
      x.timeout_s = strtod (optarg, &end);
      if (errno || end == optarg || *end || !(x.timeout_s > 0))
        return cli_usage_error (cmd, "--timeout: '%s' is not a positive "
                                "number of seconds", optarg);
      break;
    }
    case OPT_DISK:
      if (!cli_parse_disk_size (optarg, &n.disk_size))
        return cli_usage_error (cmd, "--disk-size: '%s' is not a size",
                                optarg);
      break;
    case 'h':
      fputs (exec_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (optind != argc)
    return cli_usage_error (cmd, "--exec takes the program as one argument "
                            "(quote it): unexpected '%s'", argv[optind]);
  if (!x.cmd || !x.cmd[0])
    return cli_usage_error (cmd, "--exec: no program");
  bool engine = !fs || strcmp (fs, "engine") == 0;
  if (!engine && kfs_type_parse (fs, &t) < 0)
    return cli_usage_error (cmd, "--fs: '%s' is not one of engine, ext4, "
                            "xfs, btrfs",
                            fs);
  if (!n.start_nbdkit == !n.uri)
    return cli_usage_error (cmd, "give exactly one of --nbd URI and "
                            "--start-nbdkit");
  if (!n.start_nbdkit && (n.log_path || n.disk_size))
    return cli_usage_error (cmd, "--log and --disk-size go with "
                            "--start-nbdkit");
  if (engine) {
    struct fpfs_mount_opts mo;
    fpfs_mount_opts_init (&mo);
    if (o.mount && fpfs_mount_opts_parse (o.mount, &mo, msg, sizeof msg) < 0)
      return cli_usage_error (cmd, "--mount \"%s\": %s", o.mount, msg);
    if (access ("/dev/fuse", R_OK | W_OK) < 0) {
      cli_error (cmd, "--fs engine: /dev/fuse: %s (a program reaches the "
                 "engine through its FUSE front end, which needs the fuse "
                 "module and root)", strerror (errno));
      return CLI_EXIT_USAGE;
    }
  } else if (kfs_probe (t, msg, sizeof msg) < 0) {
    cli_error (cmd, "--fs %s: this machine cannot run it: %s", fs, msg);
    return CLI_EXIT_USAGE;
  }
  if (o.mount && !engine) {
    struct kfs_opts ko;
    if (kfs_opts_parse (t, o.mount, &ko, msg, sizeof msg) < 0)
      return cli_usage_error (cmd, "--mount \"%s\" on %s: %s", o.mount, fs,
                              msg);
  }
  /* The run's name, as a workload without ops (it names the log and the
   * reports; wl_parse checks it is one). */
  if (wl_parse (name, "", 0, &w, msg, sizeof msg) < 0)
    return cli_usage_error (cmd, "--name: %s", msg);
  if (n.start_nbdkit && !n.log_path) {
    snprintf (logbuf, sizeof logbuf, "%s.fpl", w->name);
    n.log_path = logbuf;
  }
  x.out_fd = quiet ? -1 : STDERR_FILENO;
  o.exec = &x;
  if (engine) {
    o.verify_readback = true;
    e = wl_run_nbd (w, &n, &o, &res, msg, sizeof msg);
  } else {
    e = wl_run_kernel (w, fs, &n, &o, &res, msg, sizeof msg);
  }
  if (e < 0) {
    cli_error (cmd, "%s", msg);
    if (n.start_nbdkit && res.marks)
      fprintf (stderr, "flushpoint: %s: the log so far is in %s\n", cmd,
               n.log_path);
  } else if (!quiet) {
    printf ("program:   %s\n", x.cmd);
    printf ("calls:     %zu recorded (%zu failed, %zu sync calls failed)\n",
            res.ops_run, res.failed_ops, res.sync_errors);
    printf ("marks:     %zu (%" PRIu64 " bytes), %zu with expected state\n",
            res.marks, res.mark_bytes, res.sync_states);
    if (engine)
      printf ("fs:        engine, through FUSE (its clock follows the wall "
              "clock; not deterministic)\n");
    else
      printf ("fs:        %s (the running kernel's; not deterministic)\n",
              fs);
    printf ("readback:  %" PRIu64 " blocks matched\n", res.readback_blocks);
    printf ("exit:      0\n");
    printf ("end:       power cut (no unmount)\n");
    if (n.start_nbdkit)
      printf ("log:       %s\n", n.log_path);
  }
  wl_free (w);
  return e < 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

static const char mark_usage[] =
  "Usage: flushpoint mark TEXT [--control URI]\n"
  "\n"
  "Write an application mark into the log of the run this program is part\n"
  "of: {\"v\":1,\"kind\":\"app\",\"text\":TEXT} through the recording\n"
  "plugin's control export, whose NBD URI `run --exec` puts in\n"
  "FLUSHPOINT_CONTROL.  Call it when the program's commit returned\n"
  "(\"committed 5\"): a --check-cmd reads the marks before each crash point\n"
  "from the file named by FLUSHPOINT_MARKS.\n"
  "\n"
  "  --control URI   the control export (default $FLUSHPOINT_CONTROL)\n";

int
cmd_mark (int argc, char **argv)
{
  static const struct option opts[] = {
    { "control", required_argument, NULL, 'c' },
    { "help",    no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *uri = getenv ("FLUSHPOINT_CONTROL");
  struct wl_control ctl;
  char msg[1024];
  int c, e;

  while ((c = getopt_long (argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case 'c': uri = optarg; break;
    case 'h':
      fputs (mark_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (optind != argc - 1)
    return cli_usage_error (cmd, "expected one TEXT (quote it)");
  if (!uri || !uri[0])
    return cli_usage_error (cmd, "no control export: run under `flushpoint "
                            "run --exec` (FLUSHPOINT_CONTROL) or give "
                            "--control URI");
  if (strlen (argv[optind]) > 4096)
    return cli_usage_error (cmd, "TEXT: %zu bytes, at most 4096",
                            strlen (argv[optind]));
  if ((e = wl_control_open (uri, &ctl, msg, sizeof msg)) < 0) {
    cli_error (cmd, "%s", msg);
    return CLI_EXIT_FAILED;
  }
  json_object *m = json_object_new_object ();
  json_object_object_add (m, "v", json_object_new_int (1));
  json_object_object_add (m, "kind", json_object_new_string ("app"));
  json_object_object_add (m, "text", json_object_new_string (argv[optind]));
  const char *s = json_object_to_json_string_ext (m, JSON_C_TO_STRING_PLAIN);
  e = ctl.sink.mark (ctl.sink.ctx, s, strlen (s), msg, sizeof msg);
  json_object_put (m);
  wl_control_close (&ctl);
  if (e < 0) {
    cli_error (cmd, "%s", msg);
    return CLI_EXIT_FAILED;
  }
  return CLI_EXIT_OK;
}
