/* cmd_generate: `flushpoint generate`, the command-line face of
 * wl_generate() (workloads/wl.h; bounds in workloads/LANGUAGE.md). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "wl.h"

static const char generate_usage[] =
  "Usage: flushpoint generate --length N [--seed S] [--ops core|all] -o DIR\n"
  "\n"
  "Write every workload made of 1..N steps over a fixed small namespace,\n"
  "each step a core operation then a persistence choice, after a synced\n"
  "prologue (CrashMonkey's Ace, bounded; workloads/LANGUAGE.md lists the\n"
  "operations).  Prints how many it wrote: sum over k=1..N of 96^k\n"
  "(N=1: 96, N=2: 9312, N=3: 894048); with --ops all, of 168^k (N=1: 168,\n"
  "N=2: 28392, N=3: 4770024).  Steps that must fail carry their\n"
  "`expect`, so every workload runs unchanged under `flushpoint run`.\n"
  "\n"
  "  -n, --length N  1 to 3\n"
  "  -s, --seed S    picks the written contents only (default 0); the same\n"
  "                  N and S always give the same files\n"
  "      --ops SET   core (default): the 12 core operations; all: also\n"
  "                  fallocate, punch_hole, zero_range, sync_file_range,\n"
  "                  setxattr, removexattr, symlink, mknod and an\n"
  "                  exchanging rename\n"
  "  -o, --output DIR  created if missing; files are DIR/gen-K-NNNNNN.wl\n"
  "  -h, --help      this text\n"
  "\n"
  "Exit status: 0 written; 1 a file could not be written; 2 usage error.\n";

int
cmd_generate (int argc, char **argv)
{
  static const struct option opts[] = {
    { "length", required_argument, NULL, 'n' },
    { "seed",   required_argument, NULL, 's' },
    { "output", required_argument, NULL, 'o' },
    { "ops",    required_argument, NULL, 'O' },
    { "help",   no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *dir = NULL;
  uint64_t length = 0, seed = 0, count = 0;
  enum wl_gen_set set = WL_GEN_CORE;
  char msg[1024];
  int c;

  while ((c = getopt_long (argc, argv, ":hn:s:o:", opts, NULL)) != -1) {
    switch (c) {
    case 'n':
      if (!cli_parse_u64 (optarg, &length) || length < 1
          || length > WL_GEN_MAX_LENGTH)
        return cli_usage_error (cmd, "--length: '%s' is not 1 to %u", optarg,
                                WL_GEN_MAX_LENGTH);
      break;
    case 's':
      if (!cli_parse_u64 (optarg, &seed))
        return cli_usage_error (cmd, "--seed: '%s' is not a number", optarg);
      break;
    case 'o':
      dir = optarg;
      break;
    case 'O':
      if (strcmp (optarg, "core") == 0)
        set = WL_GEN_CORE;
      else if (strcmp (optarg, "all") == 0)
        set = WL_GEN_ALL;
      else
        return cli_usage_error (cmd, "--ops: '%s' is not core or all",
                                optarg);
      break;
    case 'h':
      fputs (generate_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (optind != argc)
    return cli_usage_error (cmd, "unexpected argument '%s'", argv[optind]);
  if (!length || !dir)
    return cli_usage_error (cmd, "--length and -o DIR are required");
  if (wl_generate (set, (unsigned) length, seed, dir, &count, msg,
                   sizeof msg) < 0) {
    cli_error (cmd, "%s", msg);
    return CLI_EXIT_FAILED;
  }
  printf ("wrote %" PRIu64 " workloads to %s\n", count, dir);
  return CLI_EXIT_OK;
}
