/* cmd_merge: `flushpoint merge`, the command-line face of
 * ck_matrix_merge() (checker/matrix/ck_matrix.h): the shards of a matrix
 * into the terminal table, JSON and HTML one unsharded run writes.
 *
 * Exit status: as `flushpoint matrix` (cli_matrix.c); 2 also when the
 * directories are not the shards of one matrix, one is given twice, or
 * one is missing or unfinished.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ck_matrix.h"
#include "ck_matrix_ci.h"
#include "commands.h"

static const char merge_usage[] =
  "Usage: flushpoint merge [--expect FILE] [--junit FILE] [--quiet]\n"
  "                        OUT DIR...\n"
  "\n"
  "Combine the shards of a matrix (`flushpoint matrix --shard I/N --out DIR`\n"
  "for every I of one N, each DIR holding its DIR/cells.jsonl) into OUT, as\n"
  "one unsharded run of the same arguments would have written it: the\n"
  "tables on stdout, OUT/matrix.json, OUT/index.html, the cells' pages in\n"
  "OUT/cells and the logs the reports link in OUT/logs (copied; the shard\n"
  "directories are left as they are).  The shards must come from the same\n"
  "flushpoint version, options and workloads; the message names what\n"
  "differs.\n"
  "\n"
  "  --expect FILE   as for matrix: violations expected (exit 1 otherwise)\n"
  "  --junit FILE    as for matrix: JUnit XML, a test case per cell\n"
  "  -q, --quiet     one line per cell and the final counts line, no tables\n"
  "  -h, --help      this text\n"
  "\n"
  "Exit status: as for matrix (0 merged and every cell ran; 1 a cell failed,\n"
  "a bug switch not caught, or --expect not met); 2 usage error, or shards\n"
  "that do not belong together, overlap, or leave cells out.\n";

enum { OPT_EXPECT = 256, OPT_JUNIT };

int
cmd_merge (int argc, char **argv)
{
  static const struct option opts[] = {
    { "expect", required_argument, NULL, OPT_EXPECT },
    { "junit", required_argument, NULL, OPT_JUNIT },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *expect = NULL, *out;
  struct ck_expect rules = { 0 };
  struct cli_matrix_ci ci = { 0 };
  struct ck_matrix_merged m;
  char msg[2048];
  int c, status;

  while ((c = getopt_long (argc, argv, ":hq", opts, NULL)) != -1) {
    switch (c) {
    case OPT_EXPECT: expect = optarg; break;
    case OPT_JUNIT: ci.junit = optarg; break;
    case 'q': ci.quiet = true; break;
    case 'h':
      fputs (merge_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind < 2)
    return cli_usage_error (cmd, "OUT and at least one shard directory are "
                            "required");
  out = argv[optind++];
  for (int i = optind; i < argc; i++)
    if (cli_same_file (out, argv[i]))
      return cli_usage_error (cmd, "OUT %s is also a shard directory: merge "
                              "into a new one", out);
  if (cli_check_output_dir (cmd, "OUT", out) != CLI_EXIT_OK)
    return CLI_EXIT_USAGE;
  if (ci.junit && cli_check_output_file (cmd, "--junit", ci.junit)
      != CLI_EXIT_OK)
    return CLI_EXIT_USAGE;
  if (expect) {
    if ((status = cli_matrix_expect (cmd, expect, &rules)) != CLI_EXIT_OK)
      return status;
    ci.expect = &rules;
  }
  if (ck_matrix_merge (out, (const char *const *) argv + optind,
                       (size_t) (argc - optind), &m, msg, sizeof msg) < 0) {
    cli_error (cmd, "%s", msg);
    ck_matrix_merged_free (&m);
    ck_expect_free (&rules);
    return CLI_EXIT_USAGE;
  }
  for (size_t i = 0; ci.quiet && i < m.r.ncells; i++)
    cli_matrix_cell_line (NULL, &m.r, &m.r.cells[i], false);
  status = cli_matrix_finish (cmd, &m.o, &m.r, &ci);
  ck_matrix_merged_free (&m);
  ck_expect_free (&rules);
  return status;
}
