/* cmd_probe: `flushpoint probe FS...`, can this machine run the kernel's
 * file systems under test (kernel/kfs.h kfs_probe)?  Scripts and tests ask
 * it before `run --fs` / `matrix --fs`, so that nothing starts for a
 * question. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "kfs.h"

static const char probe_usage[] =
  "Usage: flushpoint probe FS...\n"
  "\n"
  "For each FS (ext4, xfs, btrfs; engine is always there), print\n"
  "\"FS: ok\" or \"FS: cannot run it: WHAT IS MISSING\" (root, /dev/fuse,\n"
  "loop devices, nbdfuse, the mkfs and fsck tools, the kernel's support).\n"
  "\n"
  "Exit status: 0 every FS can run here; 2 one cannot, or a usage error.\n";

int
cmd_probe (int argc, char **argv)
{
  const char *cmd = argv[0];
  int status = CLI_EXIT_OK;
  char why[1024];

  if (argc < 2)
    return cli_usage_error (cmd, "expected at least one FS");
  for (int i = 1; i < argc; i++) {
    enum kfs_type t;
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0) {
      fputs (probe_usage, stdout);
      return CLI_EXIT_OK;
    }
    if (strcmp (argv[i], "engine") == 0) {
      printf ("engine: ok\n");
      continue;
    }
    if (kfs_type_parse (argv[i], &t) < 0)
      return cli_usage_error (cmd, "'%s' is not engine, ext4, xfs or btrfs",
                              argv[i]);
    if (kfs_probe (t, why, sizeof why) < 0) {
      printf ("%s: cannot run it: %s\n", argv[i], why);
      status = CLI_EXIT_USAGE;
    } else
      printf ("%s: ok\n", argv[i]);
  }
  return status;
}
