/* cmd_replay: `flushpoint replay`, the command-line face of
 * ck_replay_to_image() (checker/states/replay.h, which holds the exact rules). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ck_image.h"
#include "ck_recipe.h"
#include "commands.h"
#include "replay.h"

static const char replay_usage[] =
  "Usage: flushpoint replay LOG -o IMAGE [--to-entry N | --to-flush K |\n"
  "                         --to-mark TEXT] [--base BASE]\n"
  "       flushpoint replay LOG -o IMAGE --to-entry N [--drop LIST]\n"
  "                         [--tear SEQ:SECTORS] [--base BASE]\n"
  "\n"
  "Write the disk image as it stood at one point of a write log: the base\n"
  "(zeroes, or the base image the log was recorded over) with the log's\n"
  "entries applied in order up to that point, inclusive.  This is the state\n"
  "an in-order device would hold after a power cut right after that entry.\n"
  "IMAGE is a sparse file of the device's size; it is written only once LOG\n"
  "and the base have been checked, and removed if the replay fails.\n"
  "\n"
  "  -o, --output IMAGE  the image to write (created or replaced)\n"
  "  --to-entry N        stop after the entry with seq N (seqs start at 0)\n"
  "  --to-flush K        stop after the K-th FLUSH entry (from 1); K=0 is\n"
  "                      the base alone, before any entry\n"
  "  --to-mark TEXT      stop after the first MARK entry whose text contains\n"
  "                      TEXT (a substring; the first match in the log wins)\n"
  "  --base BASE         read the base image from BASE instead of the path\n"
  "                      in the log header; its size and XXH3-64 checksum\n"
  "                      must match the header.  A relative header path is\n"
  "                      looked up in the current directory, then beside LOG\n"
  "  --drop LIST         with --to-entry: leave out these writes (seqs,\n"
  "                      comma-separated, A-B ranges), as a power cut may\n"
  "                      lose unflushed writes: an epoch crash state\n"
  "  --tear SEQ:SECTORS  with --to-entry: of write SEQ apply only these\n"
  "                      sectors (indices from the request's first sector,\n"
  "                      e.g. 31:0-3,6): a torn crash state\n"
  "  -h, --help          this text\n"
  "`flushpoint check` prints the exact --to-entry/--drop/--tear options of\n"
  "every state it finds a violation in.  A dropped or torn entry must be a\n"
  "WRITE, TRIM or ZERO at or before N, not FUA and not followed by a FLUSH\n"
  "at or before N (such a write is durable): otherwise exit 2.\n"
  "Without a --to-* option the whole log is applied; a truncated tail is\n"
  "skipped with a warning.  A stop point that the log does not reach is an\n"
  "error.  TRIM and ZERO punch holes; FLUSH, MARK and FAULT change nothing.\n"
  "\n"
  "Exit status: 0 the image was written; 1 LOG is corrupt before the stop\n"
  "point (it fails `flushpoint log verify`); 2 usage error, or input that\n"
  "cannot be used (LOG unreadable or not a log, stop point not in LOG, base\n"
  "missing or not the image the log was recorded over, IMAGE unwritable).\n";

static void
replay_print (const struct ck_replay_opts *o, const struct ck_replay_result *res)
{
  printf ("image:     %s\n", o->out_path);
  printf ("base:      %s\n", res->base_used[0] ? res->base_used : "zeroes");
  if (res->entries)
    printf ("entries:   0..%" PRIu64 " applied (%" PRIu64 " FLUSH, %"
            PRIu64 " bytes of WRITE data)\n", res->entries - 1, res->flushes,
            res->data_bytes);
  else
    printf ("entries:   none applied\n");
  switch (o->stop) {
  case CK_REPLAY_ALL:
    printf ("stop:      end of log%s\n",
            res->truncated ? " (truncated tail skipped)" : "");
    break;
  case CK_REPLAY_TO_ENTRY:
    printf ("stop:      --to-entry %" PRIu64 "\n", o->stop_n);
    break;
  case CK_REPLAY_TO_FLUSH:
    printf ("stop:      --to-flush %" PRIu64 "\n", o->stop_n);
    break;
  case CK_REPLAY_TO_MARK:
    printf ("stop:      --to-mark (MARK at entry %" PRIu64 ")\n",
            res->entries - 1);
    break;
  }
}

/* The --drop/--tear form: a crash state named by its recipe, built by
 * ck_state_build_image() (checker/states/ck_image.h holds the rules). */
static int
replay_recipe (const char *cmd, int argc, char **argv,
               const struct ck_replay_opts *o, int nstops,
               struct ck_recipe *recipe)
{
  struct ck_state_image_opts io;
  struct ck_replay_result res;
  char msg[1024];
  int err;

  if (argc - optind != 1)
    return cli_usage_error (cmd, argc == optind ? "missing LOG" :
                            "expected one LOG, got %d arguments",
                            argc - optind);
  if (!o->out_path)
    return cli_usage_error (cmd, "missing -o IMAGE");
  if (nstops != 1 || o->stop != CK_REPLAY_TO_ENTRY)
    return cli_usage_error (cmd, "--drop and --tear need --to-entry N "
                            "(and no other --to-* option)");
  recipe->end = o->stop_n;
  recipe->kind = recipe->torn ? CK_KIND_TORN : CK_KIND_EPOCH;
  io = (struct ck_state_image_opts) {
    .log_path = argv[optind], .out_path = o->out_path,
    .base_path = o->base_path, .recipe = recipe,
  };
  err = ck_state_build_image (&io, &res, msg, sizeof msg);
  if (err) {
    cli_error (cmd, "%s", msg);
    return err == -EBADMSG ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
  }
  ck_recipe_format (recipe, msg, sizeof msg);
  printf ("image:     %s\n", o->out_path);
  printf ("base:      %s\n", res.base_used[0] ? res.base_used : "zeroes");
  printf ("state:     %s\n", msg);
  return CLI_EXIT_OK;
}

int
cmd_replay (int argc, char **argv)
{
  enum { OPT_ENTRY = 256, OPT_FLUSH, OPT_MARK, OPT_BASE, OPT_DROP, OPT_TEAR };
  static const struct option opts[] = {
    { "output",   required_argument, NULL, 'o' },
    { "to-entry", required_argument, NULL, OPT_ENTRY },
    { "to-flush", required_argument, NULL, OPT_FLUSH },
    { "to-mark",  required_argument, NULL, OPT_MARK },
    { "base",     required_argument, NULL, OPT_BASE },
    { "drop",     required_argument, NULL, OPT_DROP },
    { "tear",     required_argument, NULL, OPT_TEAR },
    { "help",     no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0];
  struct ck_replay_opts o = { .stop = CK_REPLAY_ALL };
  struct ck_replay_result res;
  struct ck_recipe recipe;
  bool have_recipe = false;
  char msg[1024];
  int c, nstops = 0, err, ret;

  ck_recipe_init (&recipe);

  while ((c = getopt_long (argc, argv, ":ho:", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      o.out_path = optarg;
      break;
    case OPT_ENTRY:
    case OPT_FLUSH:
      nstops++;
      o.stop = c == OPT_ENTRY ? CK_REPLAY_TO_ENTRY : CK_REPLAY_TO_FLUSH;
      if (!cli_parse_u64 (optarg, &o.stop_n))
        return cli_usage_error (cmd, "%s: '%s' is not a number",
                                c == OPT_ENTRY ? "--to-entry" : "--to-flush",
                                optarg);
      break;
    case OPT_MARK:
      nstops++;
      o.stop = CK_REPLAY_TO_MARK;
      o.stop_mark = optarg;
      if (!*optarg)
        return cli_usage_error (cmd, "--to-mark: empty text");
      break;
    case OPT_BASE:
      o.base_path = optarg;
      break;
    case OPT_DROP:
    case OPT_TEAR:
      have_recipe = true;
      err = c == OPT_DROP
        ? ck_recipe_parse_drop (&recipe, optarg, msg, sizeof msg)
        : ck_recipe_parse_tear (&recipe, optarg, msg, sizeof msg);
      if (err) {
        ck_recipe_free (&recipe);
        return cli_usage_error (cmd, "%s: %s",
                                c == OPT_DROP ? "--drop" : "--tear", msg);
      }
      break;
    case 'h':
      ck_recipe_free (&recipe);
      fputs (replay_usage, stdout);
      return CLI_EXIT_OK;
    default:
      ck_recipe_free (&recipe);
      return cli_option_error (cmd, c, argv);
    }
  }
  if (have_recipe) {
    ret = replay_recipe (cmd, argc, argv, &o, nstops, &recipe);
    ck_recipe_free (&recipe);
    return ret;
  }
  if (argc - optind != 1)
    return cli_usage_error (cmd, argc == optind ? "missing LOG" :
                            "expected one LOG, got %d arguments",
                            argc - optind);
  o.log_path = argv[optind];
  if (!o.out_path)
    return cli_usage_error (cmd, "missing -o IMAGE");
  if (nstops > 1)
    return cli_usage_error (cmd, "give at most one of --to-entry, "
                            "--to-flush, --to-mark");

  err = ck_replay_to_image (&o, &res, msg, sizeof msg);
  if (err) {
    cli_error (cmd, "%s", msg);
    return err == -EBADMSG ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
  }
  if (res.truncated)
    cli_warn (cmd, "%s", res.tail_msg);
  replay_print (&o, &res);
  return CLI_EXIT_OK;
}
