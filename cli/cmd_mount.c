/* cmd_mount: `flushpoint mount IMAGE|--nbd URI DIR` -- the engine on an
 * image file or an NBD export, served at DIR through FUSE (fuse/fpfuse.h)
 * so that ordinary tools can use it: browse a recovered crash state, run
 * a program on the engine by hand.
 *
 * It stays in the foreground until DIR is unmounted (umount DIR) or it
 * gets SIGINT, SIGTERM or SIGHUP; then it stops serving and unmounts the
 * engine cleanly (fpfs_umount: sync, checkpoint, mark clean).  With --ro
 * nothing reaches IMAGE or the export at all: the engine runs on a
 * copy-on-write overlay (journal recovery writes into it), FUSE is mounted
 * read-only, and the overlay is dropped at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "fpfs.h"
#include "fpfuse.h"

static const char mount_usage[] =
  "usage: flushpoint mount IMAGE DIR [--ro] [--mount OPTS] [--ready-file F]\n"
  "       flushpoint mount --nbd URI DIR [...]\n"
  "\n"
  "Serve the engine's file system on IMAGE (an image file, e.g. from\n"
  "`flushpoint replay`) or on an NBD export at DIR through FUSE, until DIR\n"
  "is unmounted (umount DIR) or Ctrl-C; then unmount the engine cleanly.\n"
  "Every read, write and stat reaches the engine (direct I/O, no kernel\n"
  "caching); fsync, fdatasync, rename, link, truncate, utimens, chmod,\n"
  "xattrs and fallocate are the engine's calls of the same name.  sync(2)\n"
  "and syncfs(2) do not reach a FUSE file system; `run --exec --fs engine`\n"
  "forwards them from its tracer.\n"
  "\n"
  "  --ro              change nothing: recovery and writes go to a memory\n"
  "                    overlay, the mount is read-only\n"
  "  --mount OPTS      the engine's mount options (data=..., commit=N, ...)\n"
  "  --nbd URI         the device is an NBD export (nbd+unix:///?socket=S)\n"
  "  --ready-file F    write \"ready\" to F once DIR is being served\n"
  "\n"
  "The engine's clock follows the wall clock while mounted (its commit\n"
  "timer fires after commit= seconds), so this is not deterministic.\n"
  "Needs /dev/fuse and root.\n";

enum { OPT_RO = 256, OPT_MOUNT, OPT_NBD, OPT_READY, OPT_HELP };

static volatile sig_atomic_t mount_signalled;

static void
mount_on_signal (int sig)
{
  mount_signalled = sig;
}

static int
mount_ready (const char *cmd, const char *path)
{
  FILE *fp = fopen (path, "w");

  if (!fp || fputs ("ready\n", fp) < 0 || fclose (fp) != 0) {
    cli_error (cmd, "--ready-file %s: %s", path, strerror (errno));
    return CLI_EXIT_FAILED;
  }
  return CLI_EXIT_OK;
}

int
cmd_mount (int argc, char **argv)
{
  const char *cmd = argv[0], *nbd = NULL, *opts = NULL, *ready = NULL;
  const char *image = NULL, *dir;
  bool ro = false;
  static const struct option longopts[] = {
    { "ro",         no_argument,       NULL, OPT_RO },
    { "mount",      required_argument, NULL, OPT_MOUNT },
    { "nbd",        required_argument, NULL, OPT_NBD },
    { "ready-file", required_argument, NULL, OPT_READY },
    { "help",       no_argument,       NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
  };
  struct fpfs_mount_opts mo;
  struct fpfs_bdev *dev = NULL, *ovl = NULL;
  struct fpfs *fs = NULL;
  struct fpfuse *uf = NULL;
  struct stat sb;
  char why[512] = "";
  int c, e, ret = CLI_EXIT_FAILED;

  while ((c = getopt_long (argc, argv, ":", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_RO: ro = true; break;
    case OPT_MOUNT: opts = optarg; break;
    case OPT_NBD: nbd = optarg; break;
    case OPT_READY: ready = optarg; break;
    case OPT_HELP: fputs (mount_usage, stdout); return CLI_EXIT_OK;
    default: return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind != (nbd ? 1 : 2))
    return cli_usage_error (cmd, nbd ? "want DIR after --nbd URI"
                                     : "want IMAGE and DIR (or --nbd URI "
                                       "DIR)");
  if (!nbd)
    image = argv[optind++];
  dir = argv[optind];
  if (stat (dir, &sb) < 0)
    return cli_usage_error (cmd, "%s: %s", dir, strerror (errno));
  if (!S_ISDIR (sb.st_mode))
    return cli_usage_error (cmd, "%s: not a directory", dir);
  fpfs_mount_opts_init (&mo);
  if (opts && (e = fpfs_mount_opts_parse (opts, &mo, why, sizeof why)) < 0)
    return cli_usage_error (cmd, "--mount %s: %s", opts, why);

  e = nbd ? fpfs_bdev_nbd_open (nbd, NULL, &dev, why, sizeof why)
          : fpfs_bdev_file_open (image, false, 0, &dev, why, sizeof why);
  if (e < 0) {
    cli_error (cmd, "%s: %s", nbd ? nbd : image, why);
    return CLI_EXIT_USAGE;
  }
  if (ro && (e = fpfs_bdev_overlay_open (dev, &ovl)) < 0) {
    cli_error (cmd, "an overlay on %s: %s", nbd ? nbd : image, strerror (-e));
    goto out;
  }
  if ((e = fpfs_mount (ovl ? ovl : dev, &mo, &fs, why, sizeof why)) < 0) {
    fs = NULL;
    cli_error (cmd, "%s: the engine's mount: %s", nbd ? nbd : image, why);
    goto out;
  }
  struct fpfuse_opts fo = { .read_only = ro, .clock_real = true,
                              .mapped_suffixes = fpfuse_default_mapped };
  /* The signals that end serving are taken before the threads start, so
   * the serving threads (which block every signal) never get them. */
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = mount_on_signal;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  if ((e = fpfuse_start (fs, dir, &fo, &uf, why, sizeof why)) < 0) {
    cli_error (cmd, "%s: %s", dir, why);
    goto out;
  }
  fprintf (stderr, "flushpoint: mount: %s on %s (engine%s); umount %s or "
           "Ctrl-C to stop\n", nbd ? nbd : image, dir, ro ? ", read-only"
           : "", dir);
  if (ready && mount_ready (cmd, ready) != CLI_EXIT_OK)
    goto out;
  struct timespec nap = { 0, 50 * 1000 * 1000 };
  while (!mount_signalled && !fpfuse_ended (uf))
    nanosleep (&nap, NULL);
  ret = CLI_EXIT_OK;
out:
  fpfuse_stop (uf);
  if (fs) {
    if (ro) {
      fpfs_crash (fs);           /* the overlay goes: nothing to keep */
    } else if ((e = fpfs_umount (fs)) != 0) {
      cli_error (cmd, "%s: the engine's umount: %s", nbd ? nbd : image,
                 e < 0 ? strerror (-e) : "failed");
      ret = CLI_EXIT_FAILED;
    }
  }
  fpfs_bdev_close (ovl);
  fpfs_bdev_close (dev);
  return ret;
}
