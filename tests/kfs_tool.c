/* kfs_tool: a small driver over kernel/kfs.h for the end-to-end tests
 * (tests/e2e/test_kfs_stack.py) and for trying the kernel backend by hand.
 *
 *   kfs_tool probe FS
 *   kfs_tool opts FS OPTS                  the mapping, one field a line
 *   kfs_tool stack SOCK SIZE FS OPTS UUID CMD [--mkfs-extra WORDS]
 *            start, mkfs, mount, run `sh -c CMD` in the mount point (its
 *            own process group, watched by the reaper), stop
 *   kfs_tool mkfs FS OPTS UUID IMAGE
 *   kfs_tool recover FS OPTS IMAGE...      mount each image in turn with
 *            one kfs_recover and list its tree
 *   kfs_tool fsck FS IMAGE
 *   kfs_tool inspect FS OPTS IMAGE
 *
 * Exit status: 0 ok; 1 failed (fsck: problems found); 2 usage, or could
 * not run (probe: something missing).  Output on stdout is flushed before
 * anything that can hang, so a test can read the mount point first.
 * The tree listing: "d PATH", "l PATH -> TARGET", "f PATH SIZE TEXT" for
 * a file of at most 64 printable bytes, else "f PATH SIZE fnv1a64=HEX".
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kfs.h"

extern char **environ;

static int
usage (void)
{
  fprintf (stderr, "usage: kfs_tool probe FS | opts FS OPTS | stack SOCK SIZE "
           "FS OPTS UUID CMD [--mkfs-extra WORDS] | mkfs FS OPTS UUID IMAGE "
           "| recover FS OPTS IMAGE... | fsck FS IMAGE | inspect FS OPTS "
           "IMAGE\n");
  return 2;
}

static int
parse_fs_opts (const char *fs, const char *opts, struct kfs_opts *o)
{
  char err[512];
  enum kfs_type t;

  if (kfs_type_parse (fs, &t) < 0) {
    fprintf (stderr, "kfs_tool: %s: not ext4, xfs or btrfs\n", fs);
    return -1;
  }
  if (kfs_opts_parse (t, opts, o, err, sizeof err) < 0) {
    fprintf (stderr, "kfs_tool: %s\n", err);
    return -1;
  }
  return 0;
}

static int
parse_uuid (const char *text, uint8_t u[16])
{
  int n = 0;

  for (const char *p = text; *p && n < 32; p++) {
    if (*p == '-')
      continue;
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')
          || (*p >= 'A' && *p <= 'F')))
      return -1;
    int v = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
    u[n / 2] = (uint8_t) (n % 2 ? (u[n / 2] | v) : v << 4);
    n++;
  }
  return n == 32 ? 0 : -1;
}

static int
parse_size (const char *text, uint64_t *size)
{
  char *end;
  unsigned long long v = strtoull (text, &end, 10);

  switch (*end) {
  case 'k': case 'K': v <<= 10; end++; break;
  case 'm': case 'M': v <<= 20; end++; break;
  case 'g': case 'G': v <<= 30; end++; break;
  }
  *size = v;
  return *end == '\0' && v > 0 ? 0 : -1;
}

static int
cmd_probe (int argc, char **argv)
{
  char err[1024];
  enum kfs_type t;

  if (argc != 3 || kfs_type_parse (argv[2], &t) < 0)
    return usage ();
  if (kfs_probe (t, err, sizeof err) < 0) {
    fprintf (stderr, "kfs_tool: probe %s: %s\n", argv[2], err);
    return 2;
  }
  printf ("ok: %s\n", argv[2]);
  return 0;
}

static int
cmd_opts (int argc, char **argv)
{
  struct kfs_opts o;

  if (argc != 4)
    return usage ();
  if (parse_fs_opts (argv[2], argv[3], &o) < 0)
    return 1;
  printf ("data: %s\nflags: 0x%lx\nmkfs_extra: %s\ncanon: %s\n", o.data,
          o.flags, o.mkfs_extra, o.canon);
  return 0;
}

/* sh -c cmd in dir, own process group, watched by the reaper. */
static int
run_in (const char *dir, const char *cmd)
{
  const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  char err[512];
  uint64_t id = 0;
  int e, status = 0;
  pid_t pid;

  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addchdir_np (&fa, dir);
  posix_spawnattr_init (&at);
  posix_spawnattr_setpgroup (&at, 0);
  posix_spawnattr_setflags (&at, POSIX_SPAWN_SETPGROUP);
  e = posix_spawn (&pid, argv[0], &fa, &at, (char *const *) argv, environ);
  posix_spawnattr_destroy (&at);
  posix_spawn_file_actions_destroy (&fa);
  if (e) {
    fprintf (stderr, "kfs_tool: spawn sh -c %s: %s\n", cmd, strerror (e));
    return -1;
  }
  if (kfs_reaper_watch (pid, KFS_WATCH_GROUP, &id, err, sizeof err) < 0)
    fprintf (stderr, "kfs_tool: %s\n", err);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  kfs_reaper_unwatch (id);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    fprintf (stderr, "kfs_tool: sh -c %s: wait status 0x%x\n", cmd, status);
    return -1;
  }
  return 0;
}

static int
cmd_stack (int argc, char **argv)
{
  struct kfs_stack_opts so = { 0 };
  struct kfs_stack *s = NULL;
  struct kfs_opts o;
  uint8_t uuid[16];
  char err[2048];
  int ret = 0;

  if (argc != 8 && !(argc == 10 && strcmp (argv[8], "--mkfs-extra") == 0))
    return usage ();
  if (parse_size (argv[3], &so.size) < 0 || parse_uuid (argv[6], uuid) < 0)
    return usage ();
  if (parse_fs_opts (argv[4], argv[5], &o) < 0)
    return 2;
  if (argc == 10)
    snprintf (o.mkfs_extra + strlen (o.mkfs_extra),
              sizeof o.mkfs_extra - strlen (o.mkfs_extra), " %s", argv[9]);
  so.nbd_socket = argv[2];
  so.opts = &o;
  so.uuid = uuid;
  if (kfs_stack_start (&so, &s, err, sizeof err) < 0) {
    fprintf (stderr, "kfs_tool: start: %s\n", err);
    return 1;
  }
  printf ("dir: %s\n", kfs_stack_dir (s));
  fflush (stdout);
  if (kfs_stack_mkfs (s, err, sizeof err) < 0) {
    fprintf (stderr, "kfs_tool: mkfs: %s\n", err);
    ret = 1;
  }
  else if (kfs_stack_mount (s, err, sizeof err) < 0) {
    fprintf (stderr, "kfs_tool: mount: %s\n", err);
    ret = 1;
  }
  else {
    printf ("describe: %s\n", kfs_stack_describe (s));
    fflush (stdout);
    if (run_in (kfs_stack_dir (s), argv[7]) < 0)
      ret = 1;
  }
  if (kfs_stack_stop (s, err, sizeof err) < 0) {
    fprintf (stderr, "kfs_tool: stop: %s\n", err);
    ret = 1;
  }
  return ret;
}

static int
cmd_mkfs (int argc, char **argv)
{
  struct kfs_opts o;
  uint8_t uuid[16];
  char err[2048];

  if (argc != 6 || parse_uuid (argv[4], uuid) < 0)
    return usage ();
  if (parse_fs_opts (argv[2], argv[3], &o) < 0)
    return 2;
  if (kfs_mkfs (&o, uuid, argv[5], err, sizeof err) < 0) {
    fprintf (stderr, "kfs_tool: mkfs: %s\n", err);
    return 1;
  }
  return 0;
}

static size_t walk_root_len;

static int
walk_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  const char *rel = path + walk_root_len;
  (void) ftw;

  if (*rel == '\0')
    return 0;
  if (flag == FTW_D || flag == FTW_DNR)
    printf ("d %s\n", rel);
  else if (flag == FTW_SL) {
    char target[PATH_MAX];
    ssize_t n = readlink (path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    printf ("l %s -> %s\n", rel, target);
  }
  else if (S_ISREG (st->st_mode)) {
    FILE *f = fopen (path, "rb");
    unsigned char buf[65536];
    uint64_t h = 0xcbf29ce484222325ull;
    size_t n, total = 0;
    char text[65];
    bool printable = true;
    while (f && (n = fread (buf, 1, sizeof buf, f)) > 0) {
      for (size_t i = 0; i < n; i++) {
        h = (h ^ buf[i]) * 0x100000001b3ull;
        if (total + i < 64)
          text[total + i] = (char) buf[i];
        if (buf[i] < 0x20 || buf[i] > 0x7e)
          printable = false;
      }
      total += n;
    }
    if (f)
      fclose (f);
    if (printable && total <= 64) {
      text[total] = '\0';
      printf ("f %s %zu %s\n", rel, total, text);
    }
    else
      printf ("f %s %zu fnv1a64=%016" PRIx64 "\n", rel, total, h);
  }
  else
    printf ("? %s mode 0%o\n", rel, (unsigned) st->st_mode);
  return 0;
}

static int
cmd_recover (int argc, char **argv)
{
  struct kfs_recover *k = NULL;
  struct kfs_opts o;
  char err[2048];
  int ret = 0;

  if (argc < 5)
    return usage ();
  if (parse_fs_opts (argv[2], argv[3], &o) < 0)
    return 2;
  if (kfs_recover_open (&o, &k, err, sizeof err) < 0) {
    fprintf (stderr, "kfs_tool: recover: %s\n", err);
    return 1;
  }
  for (int i = 4; i < argc; i++) {
    const char *dir;
    printf ("image: %s\n", argv[i]);
    fflush (stdout);
    if (kfs_recover_mount (k, argv[i], &dir, err, sizeof err) < 0) {
      fprintf (stderr, "kfs_tool: recover: %s\n", err);
      ret = 1;
      continue;
    }
    walk_root_len = strlen (dir);
    nftw (dir, walk_one, 16, FTW_PHYS);
    fflush (stdout);
    if (kfs_recover_umount (k, err, sizeof err) < 0) {
      fprintf (stderr, "kfs_tool: recover: %s\n", err);
      ret = 1;
    }
  }
  kfs_recover_close (k);
  return ret;
}

static int
cmd_fsck (int argc, char **argv)
{
  char out[16384];
  enum kfs_type t;
  int r;

  if (argc != 4 || kfs_type_parse (argv[2], &t) < 0)
    return usage ();
  r = kfs_fsck (t, argv[3], out, sizeof out);
  if (r == 0)
    printf ("clean\n");
  else
    printf ("%s: %s\n", r == 1 ? "problems" : "could not check", out);
  return r == 0 ? 0 : r == 1 ? 1 : 2;
}

static int
cmd_inspect (int argc, char **argv)
{
  struct kfs_opts o;
  char buf[4096];

  if (argc != 5)
    return usage ();
  if (parse_fs_opts (argv[2], argv[3], &o) < 0)
    return 2;
  if (kfs_inspect_commands (&o, argv[4], buf, sizeof buf) < 0)
    return 1;
  fputs (buf, stdout);
  return 0;
}

int
main (int argc, char **argv)
{
  static const struct {
    const char *name;
    int (*fn) (int, char **);
  } cmds[] = {
    { "probe", cmd_probe }, { "opts", cmd_opts }, { "stack", cmd_stack },
    { "mkfs", cmd_mkfs }, { "recover", cmd_recover }, { "fsck", cmd_fsck },
    { "inspect", cmd_inspect },
  };

  if (argc < 2)
    return usage ();
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp (argv[1], cmds[i].name) == 0)
      return cmds[i].fn (argc, argv);
  return usage ();
}
