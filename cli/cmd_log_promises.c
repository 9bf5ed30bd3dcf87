/* cmd_log_promises: `flushpoint log promises LOG`, what each sync call of
 * a recorded run promised, read back from the oracle marks
 * (workloads/ORACLE.md): per sync, the state objects of its after-mark --
 * a file's size, mode, link count and per-block hashes, a directory's
 * entries.  The block lines are the ones `flushpoint ls IMAGE
 * --hash=blocks` prints for an image (blocks.h), so a human can diff a
 * rebuilt crash state against the mark that promised it.
 *
 * Read-only; the oracle is parsed with the checker's own reader
 * (ck_oracle_load), so this shows exactly what the checker holds a state
 * to.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "blocks.h"
#include "ck_oracle.h"
#include "commands.h"
#include "fplog.h"

struct lp_opts {
  bool lp_json;
  bool lp_has_op;
  uint64_t lp_op;
  const char *lp_path;
};

static void
lp_entries (json_object *ents)
{
  for (size_t i = 0; i < json_object_array_length (ents); i++) {
    json_object *e = json_object_array_get_idx (ents, i);
    printf ("  entry %s -> inode %" PRIu64 "\n",
            json_object_get_string (json_object_array_get_idx (e, 0)),
            (uint64_t) json_object_get_int64 (json_object_array_get_idx (e, 1)));
  }
}

/* Print one state object; false when --path leaves it out. */
static bool
lp_object (const struct lp_opts *o, const struct ck_op *op, json_object *obj)
{
  const char *type = ck_json_str (obj, "type"), *path = ck_json_str (obj, "path");
  uint64_t ino = 0, gen = 0, size = 0, mode = 0, nlink = 0, start = 0;
  json_object *x;

  if (o->lp_path && (!path || strcmp (path, o->lp_path) != 0))
    return false;
  if (o->lp_json) {
    json_object *j = json_object_new_object ();
    json_object_object_add (j, "op", json_object_new_uint64 (op->index));
    json_object_object_add (j, "call", json_object_new_string (op->sync_call));
    json_object_object_add (j, "after_seq", json_object_new_uint64 (op->after_seq));
    json_object_object_add (j, "object", json_object_get (obj));
    puts (json_object_to_json_string_ext (j, JSON_C_TO_STRING_PLAIN |
                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put (j);
    return true;
  }
  ck_json_u64 (obj, "ino", &ino);
  ck_json_u64 (obj, "gen", &gen);
  ck_json_u64 (obj, "mode", &mode);
  ck_json_u64 (obj, "nlink", &nlink);
  printf ("%s %s (inode %" PRIu64 ", gen %" PRIu64 ", mode %06" PRIo64
          ", nlink %" PRIu64, type ? type : "?", path ? path : "?", ino, gen,
          mode, nlink);
  if (ck_json_u64 (obj, "size", &size) == 0)
    printf (", size %" PRIu64, size);
  printf (")%s\n", json_object_object_get_ex (obj, "stale_path", NULL)
          ? " -- the path no longer names it" : "");
  if (json_object_object_get_ex (obj, "blocks", &x)) {
    ck_json_u64 (obj, "block_start", &start);
    cli_blocks_print (stdout, "  ", x, start);
  }
  if (json_object_object_get_ex (obj, "entries", &x))
    lp_entries (x);
  return true;
}

static int
lp_print (const struct lp_opts *o, const struct ck_oracle *or)
{
  bool any = false;

  for (size_t i = 0; i < or->nops; i++) {
    const struct ck_op *op = &or->ops[i];
    if (o->lp_has_op && op->index != o->lp_op)
      continue;
    if (op->sync_failed && !o->lp_json && !o->lp_path) {
      printf ("op %zu `%s`: %s returned an error: it promises nothing\n",
              op->index, op->wop->text, op->sync_failed);
      any = true;
      continue;
    }
    if (!op->sync_call || !op->state)
      continue;
    if (!o->lp_json && !o->lp_path) {
      printf ("op %zu `%s`: %s, after-mark at log entry %" PRIu64 "\n",
              op->index, op->wop->text, op->sync_call, op->after_seq);
      any = true;
    }
    for (size_t k = 0; k < json_object_array_length (op->state); k++)
      any |= lp_object (o, op, json_object_array_get_idx (op->state, k));
  }
  return any ? 0 : -1;
}

static const char lp_usage[] =
  "Usage: flushpoint log promises LOG [--op N] [--path PATH] [--json]\n"
  "\n"
  "Print what each sync call of a recorded run promised, from its oracle\n"
  "marks: per sync (fsync, fdatasync, sync, syncfs, O_SYNC and O_DSYNC\n"
  "writes), every file and directory it covered -- a file's size, mode,\n"
  "link count and its 4 KiB block hashes, a directory's entries.  The\n"
  "block lines (\"  block N HEX\", \"  blocks A-B zeroes\") are those of\n"
  "`flushpoint ls IMAGE PATH --hash=blocks`, so a state rebuilt with\n"
  "`flushpoint replay` compares with the mark by diff:\n"
  "\n"
  "  diff <(flushpoint ls state.img /f --hash=blocks | grep '^  block')\\\n"
  "       <(flushpoint log promises run.fpl --op 5 --path /f | grep '^  block')\n"
  "\n"
  "  --op N       only op N (the numbers `check` and `log dump` show)\n"
  "  --path PATH  only the objects of PATH (no op headers)\n"
  "  --json       one JSON object a line: op, call, after_seq and the\n"
  "               state object as the mark has it\n"
  "  -h, --help   this text\n"
  "\n"
  "Exit status: 0 printed; 1 no sync call (or none matching); 2 usage\n"
  "error, or a log that is not a readable workload recording.\n";

int
cmd_log_promises (int argc, char **argv)
{
  enum { OPT_OP = 256, OPT_PATH, OPT_JSON };
  static const struct option opts[] = {
    { "op",   required_argument, NULL, OPT_OP },
    { "path", required_argument, NULL, OPT_PATH },
    { "json", no_argument,       NULL, OPT_JSON },
    { "help", no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0];
  struct lp_opts o = { 0 };
  struct fplog_reader *rd = NULL;
  struct ck_oracle *or = NULL;
  char msg[512];
  int c, ret;

  while ((c = getopt_long (argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_OP:
      if (!cli_parse_u64 (optarg, &o.lp_op))
        return cli_usage_error (cmd, "--op '%s': not a number", optarg);
      o.lp_has_op = true;
      break;
    case OPT_PATH: o.lp_path = optarg; break;
    case OPT_JSON: o.lp_json = true; break;
    case 'h':
      fputs (lp_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind != 1)
    return cli_usage_error (cmd, argc == optind ? "missing LOG" :
                            "expected one LOG, got %d arguments",
                            argc - optind);
  if (fplog_reader_open (argv[optind], &rd, msg, sizeof msg) < 0) {
    cli_error (cmd, "%s", msg);
    return CLI_EXIT_USAGE;
  }
  ret = ck_oracle_load (rd, &or, msg, sizeof msg);
  fplog_reader_close (rd);
  if (ret < 0) {
    cli_error (cmd, "%s: %s", argv[optind], cli_strip_path (msg, argv[optind]));
    return CLI_EXIT_USAGE;
  }
  ret = lp_print (&o, or);
  ck_oracle_free (or);
  if (fflush (stdout) != 0) {
    cli_error (cmd, "stdout: write failed");
    return CLI_EXIT_FAILED;
  }
  if (ret < 0) {
    cli_error (cmd, "%s: no sync call%s", argv[optind],
               o.lp_has_op || o.lp_path ? " matches" : " in the log");
    return CLI_EXIT_FAILED;
  }
  return CLI_EXIT_OK;
}
