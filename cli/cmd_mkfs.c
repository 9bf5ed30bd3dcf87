/* cmd_mkfs: `flushpoint mkfs`, make an fpfs file system (fpfs_mkfs) on an
 * image file or an NBD export. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fpfs.h"

static const char mkfs_usage[] =
  "Usage: flushpoint mkfs IMAGE [--size N] [--seed S] [options]\n"
  "       flushpoint mkfs --nbd URI [--seed S] [options]\n"
  "\n"
  "Make an empty fpfs file system (the engine's ext4-like format, see\n"
  "engine/ext4/FORMAT.md): superblock, journal, bitmaps, inode table and the root\n"
  "directory.\n"
  "\n"
  "  IMAGE               an image file; with --size it is created (or\n"
  "                      replaced) at that size, sparse; without, it must\n"
  "                      exist and keeps its size\n"
  "  --nbd URI           an NBD URI (nbd+unix:///?socket=...) or a Unix\n"
  "                      socket path, instead of IMAGE\n"
  "  --size N            device size in bytes; K, M, G suffixes (binary)\n"
  "  --seed S            deterministic: UUID derived from S, timestamps 0,\n"
  "                      so the same S gives the same bytes\n"
  "  --inodes N          number of inodes (default: one per 16 KiB)\n"
  "  --journal-blocks N  journal length in 4 KiB blocks (default 1024, or\n"
  "                      1/8 of a small device; at least 256)\n"
  "  -h, --help          this text\n"
  "\n"
  "Exit status: 0 made; 1 the device failed (I/O error, too small);\n"
  "2 usage error, or the device cannot be opened.\n";

static bool
parse_size (const char *s, uint64_t *out)
{
  char *end;
  unsigned long long v;
  unsigned shift = 0;

  if (s == NULL || *s == '\0' || *s == '-')
    return false;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno || end == s)
    return false;
  switch (*end) {
  case '\0': break;
  case 'k': case 'K': shift = 10; end++; break;
  case 'm': case 'M': shift = 20; end++; break;
  case 'g': case 'G': shift = 30; end++; break;
  case 't': case 'T': shift = 40; end++; break;
  default: return false;
  }
  if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
    return false;
  *out = (uint64_t) v << shift;
  return true;
}

int
cmd_mkfs (int argc, char **argv)
{
  enum { OPT_NBD = 256, OPT_SIZE, OPT_SEED, OPT_INODES, OPT_JOURNAL };
  static const struct option opts[] = {
    { "nbd",            required_argument, NULL, OPT_NBD },
    { "size",           required_argument, NULL, OPT_SIZE },
    { "seed",           required_argument, NULL, OPT_SEED },
    { "inodes",         required_argument, NULL, OPT_INODES },
    { "journal-blocks", required_argument, NULL, OPT_JOURNAL },
    { "help",           no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *nbd = NULL, *image = NULL;
  struct fpfs_mkfs_opts mo = { 0 };
  struct fpfs_bdev *bd = NULL;
  uint64_t size = 0, v;
  char err[512] = "";
  int c, ret;

  while ((c = getopt_long (argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_NBD:
      nbd = optarg;
      break;
    case OPT_SIZE:
      if (!parse_size (optarg, &size) || size == 0)
        return cli_usage_error (cmd, "--size: '%s' is not a size", optarg);
      break;
    case OPT_SEED:
      if (!cli_parse_u64 (optarg, &mo.seed))
        return cli_usage_error (cmd, "--seed: '%s' is not a number", optarg);
      mo.deterministic = true;
      break;
    case OPT_INODES:
    case OPT_JOURNAL:
      if (!cli_parse_u64 (optarg, &v) || v == 0 || v > UINT32_MAX)
        return cli_usage_error (cmd, "%s: '%s' is not a count",
                                c == OPT_INODES ? "--inodes"
                                : "--journal-blocks", optarg);
      if (c == OPT_INODES)
        mo.inodes = (uint32_t) v;
      else
        mo.journal_blocks = (uint32_t) v;
      break;
    case 'h':
      fputs (mkfs_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind > 1)
    return cli_usage_error (cmd, "expected one IMAGE, got %d arguments",
                            argc - optind);
  if (argc - optind == 1)
    image = argv[optind];
  if ((image == NULL) == (nbd == NULL))
    return cli_usage_error (cmd, "give IMAGE or --nbd URI (exactly one)");
  if (nbd && size)
    return cli_usage_error (cmd, "--size applies to an image file, not to "
                            "an NBD export");
  if (size % 4096)
    return cli_usage_error (cmd, "--size: %" PRIu64 " is not a multiple of "
                            "4096", size);

  if (image)
    ret = fpfs_bdev_file_open (image, size != 0, size, &bd, err, sizeof err);
  else
    ret = fpfs_bdev_nbd_open (nbd, NULL, &bd, err, sizeof err);
  if (ret < 0) {
    cli_error (cmd, "%s", err);
    return CLI_EXIT_USAGE;
  }
  ret = fpfs_mkfs (bd, &mo, err, sizeof err);
  if (ret < 0) {
    cli_error (cmd, "%s: %s", bd->desc, err);
    fpfs_bdev_close (bd);
    return ret == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
  }
  printf ("made fpfs on %s: %" PRIu64 " bytes%s\n", bd->desc, bd->size,
          mo.deterministic ? " (deterministic)" : "");
  fpfs_bdev_close (bd);
  return CLI_EXIT_OK;
}
