/* cmd_run: `flushpoint run`, the command-line face of wl_run_nbd()
 * (workloads/wl_run.h; the language is workloads/LANGUAGE.md and the marks
 * it writes workloads/ORACLE.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "faults.h"
#include "kfs.h"
#include "wl.h"
#include "wl_run.h"

static const char run_usage[] =
  "Usage: flushpoint run WORKLOAD (--nbd URI | --start-nbdkit [--log FILE])\n"
  "                      [--mount OPTS] [--persist CHOICE] [--seed N]\n"
  "                      [--clean-umount] [--verify-readback] [--trace FILE]\n"
  "                      [--fault SPEC]... [--keep-going]\n"
  "                      [--fs engine|ext4|xfs|btrfs]\n"
  "       flushpoint run --exec 'CMD ARGS...' ...   (a program: run --exec CMD --help)\n"
  "\n"
  "Run a workload (workloads/LANGUAGE.md) on the engine over NBD: mkfs,\n"
  "mount, then every operation with a MARK before and after it in the\n"
  "recording plugin's log, the expected state of what each sync call\n"
  "covered in the mark after it (workloads/ORACLE.md).  The run ends with a\n"
  "power cut -- no unmount -- unless --clean-umount.\n"
  "\n"
  "  --fs FS            the file system under test: engine (default), or\n"
  "                     the running kernel's ext4, xfs or btrfs, reached\n"
  "                     as nbdkit <- nbdfuse <- a loop device <- mkfs +\n"
  "                     mount (needs root, /dev/fuse, loop devices; the\n"
  "                     run stops with exit 2 saying what is missing).\n"
  "                     Each operation is the real system call; every\n"
  "                     covered file is read back and compared with the\n"
  "                     expected state; the end is a power cut (the plugin\n"
  "                     fails every later request); the stack is always\n"
  "                     torn down.  Not deterministic: the kernel's\n"
  "                     flusher and journal run on their own clocks, so a\n"
  "                     rerun can give another log.  `sleep` is real time.\n"
  "                     The mount options keep the engine's names\n"
  "                     (data=, barrier, nobarrier, lazytime, commit=,\n"
  "                     nojournal); one the file system lacks is an error\n"
  "  --nbd URI          the recording plugin to use: an NBD URI such as\n"
  "                     nbd+unix:///?socket=/tmp/s.sock, or a socket path;\n"
  "                     marks go to its `control` export\n"
  "  --start-nbdkit     start nbdkit with build/nbdkit-flushpoint-plugin.so\n"
  "                     (or $FP_PLUGIN) on a private socket, deterministic,\n"
  "                     with a uuid derived from the workload, seed,\n"
  "                     persist and mount options: the same run twice gives\n"
  "                     the same log, byte for byte\n"
  "  --log FILE         with --start-nbdkit: the log (default NAME.fpl)\n"
  "  --disk-size SIZE   with --start-nbdkit: disk bytes (default: the\n"
  "                     workload's `#! disk`, else 64M)\n"
  "  --mount OPTS       mount options on top of the workload's `#! mount`,\n"
  "                     e.g. data=writeback,nobarrier,commit=1,bug=NAME\n"
  "  --persist CHOICE   what `persist PATH` does: fsync (default),\n"
  "                     fdatasync, sync, osync, odsync or none\n"
  "  --seed N           mkfs uuid, scheduler ties, log uuid (default 0)\n"
  "  --clean-umount     close handles and unmount instead of the power cut\n"
  "  --verify-readback  after each sync, read the covered files back through\n"
  "                     the engine and compare them with the expected state\n"
  "                     (adds reads; for testing the runner)\n"
  "  --fault SPEC       arm faults in the recording plugin after the mount,\n"
  "                     before the first operation (repeatable): the\n"
  "                     plugin's fault language, e.g. 'write EIO at 3',\n"
  "                     'flush EIO next', 'write EIO rate 5%% seed 1',\n"
  "                     'powercut at 40' (nbdkit-flushpoint-plugin(1),\n"
  "                     workloads/LANGUAGE.md); requests count from there\n"
  "  --keep-going       an operation that does not behave as written (fails\n"
  "                     without `expect`, or succeeds with it) is recorded\n"
  "                     in its mark and the run goes on; for runs with\n"
  "                     faults, where any operation may fail\n"
  "  --trace FILE       write the engine's tracepoints (ext4_sync_file_enter,\n"
  "                     jbd2_start_commit, ...) to FILE as text, one event a\n"
  "                     line: \"  SEC.NSEC name: args\" in virtual time, from\n"
  "                     mount to the end of the run; FILE - is stdout\n"
  "  -q, --quiet        print nothing on success\n"
  "  -h, --help         this text\n"
  "\n"
  "Exit status: 0 every operation behaved as written (with --keep-going:\n"
  "the run reached its end); 1 an operation did not (failed without\n"
  "`expect`, or the reverse), or the engine, the device or nbdkit failed;\n"
  "2 usage error, a bad --fault, or a workload that does not parse.\n";

/* Sizes as in the language: 4096, 0x1000, 64M (not 0). */
bool
cli_parse_disk_size (const char *arg, uint64_t *out)
{
  char text[64], msg[256];
  struct wl_workload *tw = NULL;
  bool ok;

  snprintf (text, sizeof text, "#! disk %s\n", arg);
  ok = wl_parse ("--disk-size", text, strlen (text), &tw, msg,
                 sizeof msg) == 0 && tw->disk_size != 0;
  if (ok)
    *out = tw->disk_size;
  wl_free (tw);
  return ok;
}

int
cmd_run (int argc, char **argv)
{
  enum { OPT_NBD = 256, OPT_START, OPT_LOG, OPT_DISK, OPT_MOUNT, OPT_PERSIST,
         OPT_SEED, OPT_CLEAN, OPT_VERIFY, OPT_TRACE, OPT_FAULT, OPT_KEEP,
         OPT_FS };
  static const struct option opts[] = {
    { "nbd",             required_argument, NULL, OPT_NBD },
    { "start-nbdkit",    no_argument,       NULL, OPT_START },
    { "log",             required_argument, NULL, OPT_LOG },
    { "disk-size",       required_argument, NULL, OPT_DISK },
    { "mount",           required_argument, NULL, OPT_MOUNT },
    { "persist",         required_argument, NULL, OPT_PERSIST },
    { "seed",            required_argument, NULL, OPT_SEED },
    { "clean-umount",    no_argument,       NULL, OPT_CLEAN },
    { "verify-readback", no_argument,       NULL, OPT_VERIFY },
    { "trace",           required_argument, NULL, OPT_TRACE },
    { "fault",           required_argument, NULL, OPT_FAULT },
    { "keep-going",      no_argument,       NULL, OPT_KEEP },
    { "fs",              required_argument, NULL, OPT_FS },
    { "quiet",           no_argument,       NULL, 'q' },
    { "help",            no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0];
  struct wl_run_opts o;
  struct wl_nbd_opts n = { 0 };
  struct wl_run_result res;
  struct wl_workload *w = NULL;
  struct fpfs_trace_sink trace_sink;
  const char *trace_path = NULL, *fs = "engine";
  FILE *trace_f = NULL;
  char msg[2048], logbuf[1024];
  const char *faults[FPFAULT_MAX];
  bool quiet = false;
  int c, e;

  /* A program instead of a workload: its own options (cmd_run_exec.c). */
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--exec") == 0 || strncmp (argv[i], "--exec=", 7) == 0)
      return cmd_run_exec (argc, argv);
  wl_run_opts_init (&o);
  while ((c = getopt_long (argc, argv, ":hq", opts, NULL)) != -1) {
    switch (c) {
    case OPT_NBD: n.uri = optarg; break;
    case OPT_START: n.start_nbdkit = true; break;
    case OPT_LOG: n.log_path = optarg; break;
    case OPT_MOUNT: o.mount = optarg; break;
    case OPT_CLEAN: o.clean_umount = true; break;
    case OPT_VERIFY: o.verify_readback = true; break;
    case OPT_TRACE: trace_path = optarg; break;
    case OPT_KEEP: o.keep_going = true; break;
    case OPT_FS: fs = optarg; break;
    case OPT_FAULT: {
      struct fpfault_spec specs[FPFAULT_SPECS_MAX];
      size_t n;
      if (fpfault_parse (optarg, strlen (optarg), specs, FPFAULT_SPECS_MAX,
                         &n, msg, sizeof msg) < 0)
        return cli_usage_error (cmd, "--fault: %s", msg);
      if (o.n_faults == FPFAULT_MAX)
        return cli_usage_error (cmd, "--fault: at most %u", FPFAULT_MAX);
      faults[o.n_faults++] = optarg;
      break;
    }
    case 'q': quiet = true; break;
    case OPT_DISK:
      if (!cli_parse_disk_size (optarg, &n.disk_size))
        return cli_usage_error (cmd, "--disk-size: '%s' is not a size",
                                optarg);
      break;
    case OPT_PERSIST:
      if (wl_persist_lookup (optarg, &o.persist) < 0)
        return cli_usage_error (cmd, "--persist: '%s' is not one of fsync, "
                                "fdatasync, sync, osync, odsync, none",
                                optarg);
      break;
    case OPT_SEED:
      if (!cli_parse_u64 (optarg, &o.seed))
        return cli_usage_error (cmd, "--seed: '%s' is not a number", optarg);
      break;
    case 'h':
      fputs (run_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (optind != argc - 1)
    return cli_usage_error (cmd, "expected one WORKLOAD file");
  o.faults = faults;
  if (!n.start_nbdkit == !n.uri)
    return cli_usage_error (cmd, "give exactly one of --nbd URI and "
                            "--start-nbdkit");
  if (!n.start_nbdkit && (n.log_path || n.disk_size))
    return cli_usage_error (cmd, "--log and --disk-size go with "
                            "--start-nbdkit");

  bool kernel = strcmp (fs, "engine") != 0;
  if (kernel) {
    enum kfs_type t;
    if (kfs_type_parse (fs, &t) < 0)
      return cli_usage_error (cmd, "--fs: '%s' is not one of engine, ext4, "
                              "xfs, btrfs", fs);
    if (trace_path || o.clean_umount)
      return cli_usage_error (cmd, "%s goes with --fs engine only",
                              trace_path ? "--trace" : "--clean-umount");
    /* Never fall back to the engine: say what is missing, exit 2. */
    if (kfs_probe (t, msg, sizeof msg) < 0) {
      cli_error (cmd, "--fs %s: this machine cannot run it: %s", fs, msg);
      return CLI_EXIT_USAGE;
    }
  }
  if (o.mount && !kernel) {
    struct fpfs_mount_opts mo;
    fpfs_mount_opts_init (&mo);
    if (fpfs_mount_opts_parse (o.mount, &mo, msg, sizeof msg) < 0)
      return cli_usage_error (cmd, "--mount: %s", msg);
  }
  if (n.log_path && cli_same_file (n.log_path, argv[optind]))
    return cli_usage_error (cmd, "--log %s is the workload %s itself: give "
                            "the log another name", n.log_path, argv[optind]);

  if (wl_parse_file (argv[optind], &w, msg, sizeof msg) < 0) {
    cli_error (cmd, "%s", msg);
    return CLI_EXIT_USAGE;
  }
  if (kernel) {
    /* A mount option the file system lacks is a usage error, before any
     * server or log exists. */
    struct kfs_opts ko;
    enum kfs_type t;
    char both[512];
    kfs_type_parse (fs, &t);
    snprintf (both, sizeof both, "%s%s%s", w->mount_opts ? w->mount_opts : "",
              w->mount_opts && w->mount_opts[0] && o.mount && o.mount[0]
              ? "," : "", o.mount ? o.mount : "");
    if (kfs_opts_parse (t, both, &ko, msg, sizeof msg) < 0) {
      cli_error (cmd, "%s: mount options \"%s\" on %s: %s", w->name, both,
                 fs, msg);
      wl_free (w);
      return CLI_EXIT_USAGE;
    }
  }
  if (w->mount_opts && !kernel) {
    struct fpfs_mount_opts mo;
    fpfs_mount_opts_init (&mo);
    if (fpfs_mount_opts_parse (w->mount_opts, &mo, msg, sizeof msg) < 0) {
      cli_error (cmd, "%s: #! mount: %s", argv[optind], msg);
      wl_free (w);
      return CLI_EXIT_USAGE;
    }
  }
  struct wl_exec x = { .timeout_s = 600, .out_fd = -1 };
  if (w->exec_cmd) {
    /* A program's workload (`#! exec`): run as `run --exec` would. */
    if (trace_path || o.clean_umount || o.no_mkfs) {
      cli_error (cmd, "%s: a program's workload (#! exec) takes neither "
                 "--trace, --umount nor --no-mkfs", argv[optind]);
      wl_free (w);
      return CLI_EXIT_USAGE;
    }
    x.cmd = w->exec_cmd;
    x.check_cmd = w->check_cmd;
    x.out_fd = quiet ? -1 : STDERR_FILENO;
    o.exec = &x;
    o.verify_readback = true;
  }
  if (trace_path) {
    /* Opened after the workload parses, so a usage error leaves no file. */
    trace_f = strcmp (trace_path, "-") ? fopen (trace_path, "w") : stdout;
    if (!trace_f) {
      cli_error (cmd, "--trace: %s: %s", trace_path, strerror (errno));
      wl_free (w);
      return CLI_EXIT_USAGE;
    }
    trace_sink = fpfs_trace_text_sink (trace_f);
    o.trace = &trace_sink;
  }
  if (n.start_nbdkit && !n.log_path) {
    snprintf (logbuf, sizeof logbuf, "%s.fpl", w->name);
    n.log_path = logbuf;
  }
  e = kernel ? wl_run_kernel (w, fs, &n, &o, &res, msg, sizeof msg)
             : wl_run_nbd (w, &n, &o, &res, msg, sizeof msg);
  if (trace_f && (trace_f == stdout ? fflush (trace_f) : fclose (trace_f))
      && e >= 0) {
    /* A trace cut short is a failed run: the reader would miss events. */
    e = -errno;
    snprintf (msg, sizeof msg, "--trace: %s: %s", trace_path,
              strerror (errno));
  }
  if (e < 0) {
    cli_error (cmd, "%s", msg);
    if (n.start_nbdkit && res.marks)
      fprintf (stderr, "flushpoint: %s: the log so far is in %s\n", cmd,
               n.log_path);
  } else if (!quiet) {
    printf ("workload:  %s (%zu ops)\n", w->name, w->n_ops);
    printf ("mount:     %s\n", res.mount_canon);
    printf ("persist:   %s\n", wl_persist_name (o.persist));
    printf ("marks:     %zu (%" PRIu64 " bytes), %zu with expected state\n",
            res.marks, res.mark_bytes, res.sync_states);
    if (kernel)
      printf ("fs:        %s (the running kernel's; not deterministic)\n",
              fs);
    else
      printf ("engine:    %" PRIu64 " commits, %" PRIu64 " pages written "
              "back\n", res.info.commits, res.info.writeback_pages);
    if (o.verify_readback || kernel)
      printf ("readback:  %" PRIu64 " blocks matched\n", res.readback_blocks);
    if (res.failed_ops || res.faults_fired)
      printf ("errors:    %zu ops failed (%zu sync calls), %" PRIu64
              " requests failed by injected faults, %" PRIu64 " file blocks "
              "in doubt\n", res.failed_ops, res.sync_errors,
              res.faults_fired, res.doubt_blocks);
    if (o.keep_going)
      printf ("unexpected: %zu ops did not behave as written\n",
              res.unexpected);
    printf ("end:       %s\n", o.clean_umount ? "clean unmount"
                                              : "power cut (no unmount)");
    if (n.start_nbdkit)
      printf ("log:       %s\n", n.log_path);
    if (trace_path && trace_f != stdout)
      printf ("trace:     %s\n", trace_path);
  }
  wl_free (w);
  return e < 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}
