/* cmd_inspect: `flushpoint ls`, `flushpoint cat` and `flushpoint fsck`, the
 * commands that look inside an fpfs image (from `flushpoint replay`, or any
 * image file) without changing it.
 *
 * Every command opens IMAGE with fpfs_bdev_file_open and puts a
 * copy-on-write overlay (fpfs_bdev_overlay_open) on top; the engine only
 * ever sees the overlay.  Mounting runs journal recovery, which writes --
 * into the overlay, so the image file keeps its bytes and the same command
 * gives the same answer twice.  When the command is done the engine is
 * dropped with fpfs_crash (nothing more is written, not even to the
 * overlay) and the overlay is thrown away.
 *
 *   ls IMAGE [PATH] [-R] [-l] [--json] [--hash[=blocks]]
 *                                                  list, like ls -1 / -l
 *   cat IMAGE PATH...                              file contents to stdout
 *   fsck IMAGE [--no-recover]                      fpfs_fsck, after recovery
 *
 * Output of `ls` is sorted by name (byte order) so that two images with the
 * same tree give the same text whatever their on-disk directory order.
 * `--hash` adds the XXH3-64 (seed 0) of each regular file's contents, the
 * hash the oracle and `log dump` use, so a script can compare a whole tree
 * without reading it file by file.  `--hash=blocks` gives instead each
 * file's per-4 KiB block hashes in the oracle's own encoding (blocks.h),
 * the lines `log promises` prints for a sync's mark: an image and a mark
 * compare with diff.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "blocks.h"
#include "commands.h"
#include "fpfs.h"

#define INSPECT_PATH_MAX 4096
#define INSPECT_CHUNK    (64u << 10)

/* ---- the image, the overlay, the engine ---- */

struct inspect {
  const char *in_cmd;
  const char *in_image;
  struct fpfs_bdev *in_file;    /* the image file: read, never written */
  struct fpfs_bdev *in_ovl;     /* every write lands here */
  struct fpfs *in_fs;           /* mounted (recovered) on in_ovl, or NULL */
};

static void
inspect_close (struct inspect *in)
{
  if (in->in_fs)
    fpfs_crash (in->in_fs);     /* write nothing more: the overlay dies too */
  fpfs_bdev_close (in->in_ovl);
  fpfs_bdev_close (in->in_file);
  memset (in, 0, sizeof *in);
}

/* Open IMAGE under an overlay; with mount, mount it (recovery included).
 * Returns a CLI exit status; on failure everything is closed. */
static int
inspect_open (struct inspect *in, const char *cmd, const char *image,
              const char *mount, bool do_mount)
{
  struct fpfs_mount_opts mo;
  char why[512] = "";
  int ret;

  memset (in, 0, sizeof *in);
  in->in_cmd = cmd;
  in->in_image = image;
  fpfs_mount_opts_init (&mo);
  if (mount && fpfs_mount_opts_parse (mount, &mo, why, sizeof why) < 0)
    return cli_usage_error (cmd, "--mount: %s", why);
  ret = fpfs_bdev_file_open (image, false, 0, &in->in_file, why, sizeof why);
  if (ret < 0) {
    cli_error (cmd, "%s", why[0] ? why : strerror (-ret));
    return CLI_EXIT_USAGE;
  }
  ret = fpfs_bdev_overlay_open (in->in_file, &in->in_ovl);
  if (ret < 0) {
    cli_error (cmd, "%s: overlay: %s", image, strerror (-ret));
    inspect_close (in);
    return CLI_EXIT_USAGE;
  }
  if (!do_mount)
    return CLI_EXIT_OK;
  ret = fpfs_mount (in->in_ovl, &mo, &in->in_fs, why, sizeof why);
  if (ret < 0) {
    in->in_fs = NULL;
    cli_error (cmd, "%s: mount (journal recovery) failed: %s (%s)", image,
               why[0] ? why : "no detail", strerror (-ret));
    inspect_close (in);
    return CLI_EXIT_FAILED;
  }
  return CLI_EXIT_OK;
}

/* ---- ls ---- */

enum ls_hash { LS_HASH_NONE = 0, LS_HASH_FILE, LS_HASH_BLOCKS };

struct ls_opts {
  bool lo_recursive, lo_long, lo_json;
  enum ls_hash lo_hash;
};

struct ls_names {
  char **ln_names;
  size_t ln_n, ln_cap;
};

static int
ls_collect (void *ctx, const struct fpfs_dirent *de)
{
  struct ls_names *ns = ctx;

  if (ns->ln_n == ns->ln_cap) {
    size_t cap = ns->ln_cap ? 2 * ns->ln_cap : 64;
    char **p = realloc (ns->ln_names, cap * sizeof *p);
    if (!p)
      return -ENOMEM;
    ns->ln_names = p;
    ns->ln_cap = cap;
  }
  if (!(ns->ln_names[ns->ln_n] = strdup (de->name)))
    return -ENOMEM;
  ns->ln_n++;
  return 0;
}

static void
ls_names_free (struct ls_names *ns)
{
  for (size_t i = 0; i < ns->ln_n; i++)
    free (ns->ln_names[i]);
  free (ns->ln_names);
}

static int
ls_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static const char *
ls_type (uint32_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFREG: return "file";
  case S_IFDIR: return "dir";
  case S_IFLNK: return "symlink";
  default:      return "other";
  }
}

static void
ls_mode_text (uint32_t mode, char out[11])
{
  static const char rwx[] = "rwxrwxrwx";

  out[0] = S_ISDIR (mode) ? 'd' : S_ISLNK (mode) ? 'l' : S_ISREG (mode)
           ? '-' : '?';
  for (int i = 0; i < 9; i++)
    out[1 + i] = mode & (1u << (8 - i)) ? rwx[i] : '-';
  out[10] = '\0';
}

/* An entry that cannot be read is listed too, marked, so the listing
 * shows every name the directory holds (issue 11: ls stopped at the first
 * unreadable entry and hid the rest). */
static void
ls_print_unreadable (const struct ls_opts *o, const char *path,
                     const char *name, int err)
{
  if (o->lo_json) {
    json_object *j = json_object_new_object ();

    json_object_object_add (j, "path", json_object_new_string (path));
    json_object_object_add (j, "error", json_object_new_string (strerror (-err)));
    puts (json_object_to_json_string_ext (j, JSON_C_TO_STRING_PLAIN |
                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put (j);
  } else
    printf ("%s (unreadable: %s)\n", name, strerror (-err));
}

/* Print one object; name is what plain `ls` shows (the path with -R). */
static int
ls_print (struct inspect *in, const struct ls_opts *o, const char *path,
          const char *name)
{
  struct fpfs_stat st;
  uint64_t h = 0;
  bool hashed = false;
  json_object *blocks = NULL;
  int ret = fpfs_stat (in->in_fs, path, &st);

  if (ret < 0) {
    cli_error (in->in_cmd, "%s: %s: stat: %s", in->in_image, path,
               strerror (-ret));
    ls_print_unreadable (o, path, name, ret);
    return ret;
  }
  if (o->lo_hash && S_ISREG (st.mode)) {
    if (o->lo_hash == LS_HASH_BLOCKS)
      ret = cli_blocks_of_file (in->in_fs, path, st.size, &blocks);
    else
      ret = cli_hash_file (in->in_fs, path, st.size, &h);
    if (ret < 0) {
      cli_error (in->in_cmd, "%s: %s: read: %s", in->in_image, path,
                 strerror (-ret));
      return ret;
    }
    hashed = o->lo_hash == LS_HASH_FILE;
  }
  if (o->lo_json) {
    json_object *j = json_object_new_object ();
    json_object *mt = json_object_new_array ();
    char hex[17];

    json_object_object_add (j, "path", json_object_new_string (path));
    json_object_object_add (j, "type", json_object_new_string (ls_type (st.mode)));
    json_object_object_add (j, "ino", json_object_new_uint64 (st.ino));
    json_object_object_add (j, "mode", json_object_new_uint64 (st.mode));
    json_object_object_add (j, "nlink", json_object_new_uint64 (st.nlink));
    json_object_object_add (j, "size", json_object_new_uint64 (st.size));
    json_object_array_add (mt, json_object_new_int64 (st.mtime.sec));
    json_object_array_add (mt, json_object_new_uint64 (st.mtime.nsec));
    json_object_object_add (j, "mtime", mt);
    if (hashed) {
      snprintf (hex, sizeof hex, "%016" PRIx64, h);
      json_object_object_add (j, "xxh3", json_object_new_string (hex));
    }
    if (blocks) {
      json_object_object_add (j, "block_start", json_object_new_int (0));
      json_object_object_add (j, "blocks", blocks);
      blocks = NULL;
    }
    puts (json_object_to_json_string_ext (j, JSON_C_TO_STRING_PLAIN |
                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put (j);
  } else if (o->lo_long) {
    char mode[11];

    ls_mode_text (st.mode, mode);
    printf ("%s %3" PRIu32 " %10" PRIu64 " ", mode, st.nlink, st.size);
    if (hashed)
      printf ("%016" PRIx64 " ", h);
    else if (o->lo_hash == LS_HASH_FILE)
      printf ("%-16s ", "-");
    printf ("%s\n", name);
  } else
    printf ("%s\n", name);
  if (blocks && !o->lo_json)
    cli_blocks_print (stdout, "  ", blocks, 0);
  json_object_put (blocks);
  return 0;
}

static int
ls_dir (struct inspect *in, const struct ls_opts *o, const char *dir)
{
  struct ls_names ns = { 0 };
  char path[INSPECT_PATH_MAX];
  int ret = fpfs_readdir (in->in_fs, dir, ls_collect, &ns);

  if (ret < 0) {
    cli_error (in->in_cmd, "%s: %s: readdir: %s", in->in_image, dir,
               strerror (-ret));
    goto out;
  }
  if (ns.ln_n > 1)                  /* qsort (NULL, 0, ...) is undefined */
    qsort (ns.ln_names, ns.ln_n, sizeof *ns.ln_names, ls_cmp);
  /* Every entry is listed; the first error is the result (exit 1). */
  for (size_t i = 0; i < ns.ln_n; i++) {
    struct fpfs_stat st;
    int one;
    int n = snprintf (path, sizeof path, "%s/%s", strcmp (dir, "/") ? dir : "",
                      ns.ln_names[i]);
    if (n < 0 || (size_t) n >= sizeof path) {
      cli_error (in->in_cmd, "%s: %s/%s: path too long", in->in_image, dir,
                 ns.ln_names[i]);
      if (ret == 0)
        ret = -ENAMETOOLONG;
      continue;
    }
    one = ls_print (in, o, path, o->lo_recursive || o->lo_json ? path
                                                               : ns.ln_names[i]);
    if (one == 0 && o->lo_recursive && fpfs_stat (in->in_fs, path, &st) == 0
        && S_ISDIR (st.mode))
      one = ls_dir (in, o, path);
    if (ret == 0)
      ret = one;
    if (one == -ENOMEM)
      break;
  }
out:
  ls_names_free (&ns);
  return ret;
}

static const char ls_usage[] =
  "Usage: flushpoint ls IMAGE [PATH] [-R] [-l | --json] [--hash[=blocks]]\n"
  "                     [--mount OPTS]\n"
  "\n"
  "List a directory (default /) of an fpfs image, sorted by name.  The image\n"
  "is mounted through a copy-on-write overlay, journal recovery included, so\n"
  "IMAGE is never modified.  A PATH that is a file lists that file.  An\n"
  "entry that cannot be read is listed too, as NAME (unreadable: WHY), or\n"
  "with --json as {\"path\",\"error\"}, and the listing goes on.\n"
  "\n"
  "  -R, --recursive  descend into subdirectories; print full paths\n"
  "  -l, --long       mode, link count, size (and hash), then the name\n"
  "  --json           one JSON object a line: path, type (file, dir, ...),\n"
  "                   ino, mode, nlink, size, mtime [sec, nsec], xxh3\n"
  "  --hash           add the XXH3-64 (seed 0) of each regular file's\n"
  "                   contents, as 16 hex digits\n"
  "  --hash=blocks    instead, each regular file's 4 KiB block hashes as\n"
  "                   the oracle marks record them: XXH3-64 of the bytes\n"
  "                   within the size, one line a block under the name\n"
  "                   (\"  block N HEX\", \"  blocks A-B zeroes\"), or with\n"
  "                   --json \"block_start\" and \"blocks\" (16 hex digits,\n"
  "                   or a count of zero blocks); compare with the lines\n"
  "                   `flushpoint log promises LOG` prints for a sync\n"
  "  --mount OPTS     mount options (e.g. nojournal), as for `run --mount`\n"
  "  -h, --help       this text\n"
  "\n"
  "Exit status: 0 listed; 1 the image does not mount (recovery failed) or\n"
  "PATH or an entry cannot be read; 2 usage error or IMAGE cannot be opened.\n";

int
cmd_ls (int argc, char **argv)
{
  enum { OPT_JSON = 256, OPT_HASH, OPT_MOUNT };
  static const struct option opts[] = {
    { "recursive", no_argument,       NULL, 'R' },
    { "long",      no_argument,       NULL, 'l' },
    { "json",      no_argument,       NULL, OPT_JSON },
    { "hash",      optional_argument, NULL, OPT_HASH },
    { "mount",     required_argument, NULL, OPT_MOUNT },
    { "help",      no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *mount = NULL, *path = "/";
  struct ls_opts o = { 0 };
  struct inspect in;
  struct fpfs_stat st;
  int c, ret;

  while ((c = getopt_long (argc, argv, ":hRl", opts, NULL)) != -1) {
    switch (c) {
    case 'R': o.lo_recursive = true; break;
    case 'l': o.lo_long = true; break;
    case OPT_JSON: o.lo_json = true; break;
    case OPT_HASH:
      if (!optarg || strcmp (optarg, "file") == 0)
        o.lo_hash = LS_HASH_FILE;
      else if (strcmp (optarg, "blocks") == 0)
        o.lo_hash = LS_HASH_BLOCKS;
      else
        return cli_usage_error (cmd, "--hash=%s: expected --hash or "
                                "--hash=blocks", optarg);
      break;
    case OPT_MOUNT: mount = optarg; break;
    case 'h':
      fputs (ls_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind < 1 || argc - optind > 2)
    return cli_usage_error (cmd, "expected IMAGE [PATH]");
  if (o.lo_long && o.lo_json)
    return cli_usage_error (cmd, "give at most one of -l and --json");
  if (argc - optind == 2)
    path = argv[optind + 1];
  if (path[0] != '/')
    return cli_usage_error (cmd, "PATH '%s' is not absolute", path);

  ret = inspect_open (&in, cmd, argv[optind], mount, true);
  if (ret != CLI_EXIT_OK)
    return ret;
  ret = fpfs_stat (in.in_fs, path, &st);
  if (ret < 0)
    cli_error (cmd, "%s: %s: %s", in.in_image, path, strerror (-ret));
  else if (S_ISDIR (st.mode))
    ret = ls_dir (&in, &o, path);
  else
    ret = ls_print (&in, &o, path, path);
  inspect_close (&in);
  if (fflush (stdout) != 0 && ret == 0) {
    cli_error (cmd, "stdout: %s", strerror (errno));
    ret = -EIO;
  }
  return ret < 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

/* ---- cat ---- */

static int
cat_one (struct inspect *in, const char *path, uint8_t *buf)
{
  uint64_t off = 0;
  int fd = fpfs_open (in->in_fs, path, O_RDONLY, 0);
  ssize_t got;

  if (fd < 0) {
    cli_error (in->in_cmd, "%s: %s: %s", in->in_image, path, strerror (-fd));
    return fd;
  }
  while ((got = fpfs_pread (in->in_fs, fd, buf, INSPECT_CHUNK, off)) > 0) {
    if (fwrite (buf, 1, (size_t) got, stdout) != (size_t) got) {
      cli_error (in->in_cmd, "stdout: %s", strerror (errno));
      got = -EIO;
      break;
    }
    off += (uint64_t) got;
  }
  if (got < 0 && got != -EIO)
    cli_error (in->in_cmd, "%s: %s: read at %" PRIu64 ": %s", in->in_image,
               path, off, strerror ((int) -got));
  fpfs_close (in->in_fs, fd);
  return got < 0 ? (int) got : 0;
}

static const char cat_usage[] =
  "Usage: flushpoint cat IMAGE PATH... [--mount OPTS]\n"
  "\n"
  "Write the contents of files of an fpfs image to stdout, one after the\n"
  "other.  The image is mounted through a copy-on-write overlay, journal\n"
  "recovery included, so IMAGE is never modified.\n"
  "\n"
  "  --mount OPTS  mount options (e.g. nojournal), as for `run --mount`\n"
  "  -h, --help    this text\n"
  "\n"
  "Exit status: 0 every file was written out; 1 the image does not mount\n"
  "or a PATH cannot be read (the others are still written); 2 usage error\n"
  "or IMAGE cannot be opened.\n";

int
cmd_cat (int argc, char **argv)
{
  enum { OPT_MOUNT = 256 };
  static const struct option opts[] = {
    { "mount", required_argument, NULL, OPT_MOUNT },
    { "help",  no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *mount = NULL;
  struct inspect in;
  uint8_t *buf;
  int c, ret, first = 0;

  while ((c = getopt_long (argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_MOUNT: mount = optarg; break;
    case 'h':
      fputs (cat_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind < 2)
    return cli_usage_error (cmd, "expected IMAGE PATH...");
  if (!(buf = malloc (INSPECT_CHUNK))) {
    cli_error (cmd, "%s", strerror (ENOMEM));
    return CLI_EXIT_FAILED;
  }
  ret = inspect_open (&in, cmd, argv[optind], mount, true);
  if (ret != CLI_EXIT_OK) {
    free (buf);
    return ret;
  }
  for (int i = optind + 1; i < argc; i++) {
    int e = cat_one (&in, argv[i], buf);
    if (!first)
      first = e;
  }
  inspect_close (&in);
  free (buf);
  if (fflush (stdout) != 0 && first == 0) {
    cli_error (cmd, "stdout: %s", strerror (errno));
    first = -EIO;
  }
  return first < 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

/* ---- fsck ---- */

static const char fsck_usage[] =
  "Usage: flushpoint fsck IMAGE [--no-recover] [--mount OPTS]\n"
  "\n"
  "Check an fpfs image with the engine's fsck (fpfs_fsck): superblock,\n"
  "bitmaps vs extents, blocks used twice, extent trees, link counts, the\n"
  "directory tree, and a journal with nothing left to replay.  First the\n"
  "image is mounted -- journal recovery -- and dropped without unmounting,\n"
  "as after a crash and reboot; all of it through a copy-on-write overlay,\n"
  "so IMAGE is never modified.\n"
  "\n"
  "  --no-recover  check the image as it is: committed transactions still\n"
  "                in the journal are then reported as problems\n"
  "  --mount OPTS  mount options for the recovery, as for `run --mount`\n"
  "  -h, --help    this text\n"
  "\n"
  "Exit status: 0 clean; 1 problems found, or recovery failed; 2 usage\n"
  "error, IMAGE cannot be opened, or fsck could not run on it.\n";

int
cmd_fsck (int argc, char **argv)
{
  enum { OPT_NO_RECOVER = 256, OPT_MOUNT };
  static const struct option opts[] = {
    { "no-recover", no_argument,       NULL, OPT_NO_RECOVER },
    { "mount",      required_argument, NULL, OPT_MOUNT },
    { "help",       no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0], *mount = NULL;
  struct fpfs_fsck_report *r = NULL;
  bool recover = true;
  struct inspect in;
  char why[512] = "";
  int c, ret;

  while ((c = getopt_long (argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_NO_RECOVER: recover = false; break;
    case OPT_MOUNT: mount = optarg; break;
    case 'h':
      fputs (fsck_usage, stdout);
      return CLI_EXIT_OK;
    default:
      return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind != 1)
    return cli_usage_error (cmd, "expected one IMAGE");
  ret = inspect_open (&in, cmd, argv[optind], mount, recover);
  if (ret != CLI_EXIT_OK)
    return ret;
  if (in.in_fs) {
    /* The state a reboot after a crash sees: recovered, never unmounted. */
    fpfs_crash (in.in_fs);
    in.in_fs = NULL;
  }
  if (!(r = calloc (1, sizeof *r))) {
    ret = -ENOMEM;
    snprintf (why, sizeof why, "%s", strerror (ENOMEM));
  } else
    ret = fpfs_fsck (in.in_ovl, r, why, sizeof why);
  if (ret < 0) {
    cli_error (cmd, "%s: fsck could not run: %s", in.in_image,
               why[0] ? why : strerror (-ret));
    ret = CLI_EXIT_USAGE;
  } else if (r->errors == 0) {
    printf ("%s: clean%s\n", in.in_image, recover ? " (after recovery)" : "");
    ret = CLI_EXIT_OK;
  } else {
    printf ("%s: %u problem%s%s:", in.in_image, r->errors,
            r->errors == 1 ? "" : "s", recover ? " after recovery" : "");
    for (int k = 0, n = 0; k < FPFS_FSCK_NCHECKS; k++)
      if (r->per_check[k])
        printf ("%s %s %u", n++ ? "," : "", fpfs_fsck_check_name (k),
                r->per_check[k]);
    printf ("\n%s", r->text);
    if (r->text[0] && r->text[strlen (r->text) - 1] != '\n')
      putchar ('\n');
    ret = CLI_EXIT_FAILED;
  }
  free (r);
  inspect_close (&in);
  return ret;
}
