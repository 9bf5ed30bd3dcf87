/* stack: the recording stack for a kernel file system.
 *
 *   nbdkit (the caller's; our plugin writes the log)
 *     <- nbdfuse: D/fuse/disk is the export as a file (FUSE, no writeback
 *        cache: each write reaches nbdkit as the loop device issues it)
 *     <- a loop device on D/fuse/disk (AUTOCLEAR, write-back cache)
 *     <- mkfs, then mount(2) on D/mnt
 *
 * D is a fresh directory (mkdtemp) under the work directory.  Each piece
 * is registered with the reaper as it is made, so the reaper's reverse
 * order is the teardown order: umount D/mnt, clear the loop device,
 * unmount D/fuse (nbdfuse then exits by itself), make sure nbdfuse is
 * gone, remove the files and directories.  The FUSE mount is registered
 * once before nbdfuse starts and again after its pid is, so there is no
 * moment at which a death would leave the FUSE mount behind.
 *
 * State: STARTED (nbdfuse + loop) -> MKFSED -> MOUNTED; mkfs and mount
 * assert it.  kfs_stack_stop works from any state, including a failed
 * start.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kfs_int.h"

#define NBDFUSE_START_MS 30000   /* ASan builds on a busy machine are slow */
#define NBDFUSE_EXIT_MS 5000

enum stack_state { ST_NEW, ST_STARTED, ST_MKFSED, ST_MOUNTED };

struct kfs_stack {
  enum stack_state state;
  struct kfs_opts opts;
  uint8_t uuid[16];
  uint64_t size;
  char root[KFS_REAPER_PATH_MAX];          /* D */
  char fusedir[KFS_REAPER_PATH_MAX];       /* D/fuse: the FUSE mount */
  char disk[KFS_REAPER_PATH_MAX];          /* D/fuse/disk */
  char mnt[KFS_REAPER_PATH_MAX];           /* D/mnt */
  char pidfile[KFS_REAPER_PATH_MAX];
  char logfile[KFS_REAPER_PATH_MAX];       /* nbdfuse's stderr */
  pid_t nbdfuse;                           /* 0: not running */
  struct kfs_loop loop;
  bool mounted;
  int kmsg;
  uint64_t rid_root, rid_fusedir, rid_mnt, rid_pidfile, rid_logfile;
  uint64_t rid_pid, rid_fuse, rid_mount;
  char mkfs_cmd[1024], mkfs_env[64], mkfs_version[128];
  char mounted_opts[512], write_cache[32];
  char describe[4096];
};

static int
path_in (char *out, const char *dir, const char *name, char *errbuf,
         size_t errlen)
{
  int n = snprintf (out, KFS_REAPER_PATH_MAX, "%s/%s", dir, name);

  if (n < 0 || n >= KFS_REAPER_PATH_MAX)
    return kfs_err (errbuf, errlen, -ENAMETOOLONG, "stack: %s/%s: path too "
                    "long", dir, name);
  return 0;
}

/* D, then what goes in it, each registered once made (D/fuse/disk is
 * nbdfuse's, inside its mount). */
static int
make_dirs (struct kfs_stack *s, const char *workdir, char *errbuf,
           size_t errlen)
{
  const struct {
    char *out;
    const char *parent, *name;
    uint64_t *rid;               /* NULL: not ours to remove */
    bool dir;
  } parts[] = {
    { s->fusedir, s->root, "fuse", &s->rid_fusedir, true },
    { s->disk, s->fusedir, "disk", NULL, false },
    { s->mnt, s->root, "mnt", &s->rid_mnt, true },
    { s->logfile, s->root, "nbdfuse.log", &s->rid_logfile, false },
    { s->pidfile, s->root, "nbdfuse.pid", &s->rid_pidfile, false },
  };
  int ret;

  ret = kfs_tmpdir (workdir, "kfs-stack-", s->root, sizeof s->root,
                    errbuf, errlen);
  if (!ret)
    ret = kfs_reaper_add (KFS_RES_PATH, s->root, 0, 0, 0, &s->rid_root,
                          errbuf, errlen);
  for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !ret; i++) {
    ret = path_in (parts[i].out, parts[i].parent, parts[i].name, errbuf,
                   errlen);
    if (!ret && parts[i].dir && mkdir (parts[i].out, 0700) < 0)
      ret = kfs_err (errbuf, errlen, -errno, "stack: mkdir %s: %s",
                     parts[i].out, strerror (errno));
    if (!ret && parts[i].rid)
      ret = kfs_reaper_add (KFS_RES_PATH, parts[i].out, 0, 0, 0,
                            parts[i].rid, errbuf, errlen);
  }
  return ret;
}

/* What nbdfuse said (its log), for an error message. */
static const char *
nbdfuse_said (const struct kfs_stack *s, char *buf, size_t len)
{
  if (kfs_read_small (s->logfile, buf, len) <= 0)
    snprintf (buf, len, "(nothing on stderr)");
  return buf;
}

static int
start_nbdfuse (struct kfs_stack *s, const char *sock, char *errbuf,
               size_t errlen)
{
  char tool[256], pid[32], said[1024], st[48];
  const char *argv[] = { tool, "-P", s->pidfile, s->disk, "--unix", sock,
                         NULL };
  uint64_t early_fuse = 0;
  struct stat sb;
  int ret, status;

  if (kfs_which ("nbdfuse", tool, sizeof tool) < 0)
    return kfs_err (errbuf, errlen, -ENOENT, "stack: nbdfuse not found on "
                    "PATH (package libnbd-bin)");
  ret = kfs_reaper_add (KFS_RES_FUSE, s->fusedir, 0, 0, 0, &early_fuse,
                        errbuf, errlen);
  if (ret)
    return ret;
  ret = kfs_spawn_bg (argv, s->logfile, &s->nbdfuse);
  if (ret) {
    s->nbdfuse = 0;
    kfs_reaper_del (early_fuse);
    return kfs_err (errbuf, errlen, ret, "stack: spawn %s: %s", tool,
                    strerror (-ret));
  }
  ret = kfs_reaper_add (KFS_RES_PID, NULL, (uint64_t) s->nbdfuse,
                        kfs_proc_starttime (s->nbdfuse, NULL), KFS_PID_GRACE,
                        &s->rid_pid, errbuf, errlen);
  if (!ret)
    ret = kfs_reaper_add (KFS_RES_FUSE, s->fusedir, 0, 0, 0, &s->rid_fuse,
                          errbuf, errlen);
  kfs_reaper_del (early_fuse);
  if (ret)
    return ret;
  /* nbdfuse writes its pid file once the FUSE mount serves. */
  for (int waited = 0; ; waited += 2) {
    if (kfs_read_small (s->pidfile, pid, sizeof pid) > 0)
      break;
    if (kfs_wait_timeout (s->nbdfuse, 0, &status) == 0) {
      s->nbdfuse = 0;
      kfs_status_text (status, st, sizeof st);
      return kfs_err (errbuf, errlen, -EIO, "stack: nbdfuse %s --unix %s: "
                      "%s: %s", s->disk, sock, st,
                      nbdfuse_said (s, said, sizeof said));
    }
    if (waited >= NBDFUSE_START_MS)
      return kfs_err (errbuf, errlen, -ETIMEDOUT, "stack: nbdfuse %s: not "
                      "ready after %d ms: %s", s->disk, NBDFUSE_START_MS,
                      nbdfuse_said (s, said, sizeof said));
    usleep (2000);
  }
  if (stat (s->disk, &sb) < 0)
    return kfs_err (errbuf, errlen, -errno, "stack: stat %s: %s", s->disk,
                    strerror (errno));
  if ((uint64_t) sb.st_size != s->size)
    return kfs_err (errbuf, errlen, -EINVAL, "stack: %s: the export has %lld "
                    "bytes, the stack was told %llu", s->disk,
                    (long long) sb.st_size, (unsigned long long) s->size);
  return 0;
}

static int
attach_loop (struct kfs_stack *s, char *errbuf, size_t errlen)
{
  int fd, ret;

  fd = open (s->disk, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return kfs_err (errbuf, errlen, -errno, "stack: open %s: %s", s->disk,
                    strerror (errno));
  ret = kfs_loop_attach (fd, s->disk, -1, &s->loop, errbuf, errlen);
  close (fd);                    /* the loop device holds its own reference */
  if (ret)
    return ret;
  /* "write through" drops every FLUSH: only when the options ask for it
   * (kfs_opts.write_through); set it either way, since a device can keep
   * an earlier user's setting. */
  ret = kfs_loop_write_cache (s->loop.nr, s->opts.write_through, errbuf,
                              errlen);
  if (ret)
    return ret;
  /* kfs_loop_write_cache read it back: it says exactly this. */
  snprintf (s->write_cache, sizeof s->write_cache, "%s",
            s->opts.write_through ? "write through" : "write back");
  return 0;
}

int
kfs_stack_start (const struct kfs_stack_opts *o, struct kfs_stack **out,
                 char *errbuf, size_t errlen)
{
  const struct kfs_fs_desc *fs = o && o->opts ? kfs_fs_desc (o->opts->type)
                                              : NULL;
  struct kfs_stack *s;
  int ret;

  *out = NULL;
  if (fs == NULL || o->nbd_socket == NULL || o->uuid == NULL)
    return kfs_err (errbuf, errlen, -EINVAL, "stack: socket, options and "
                    "uuid are required");
  if (o->size < fs->min_size)
    return kfs_err (errbuf, errlen, -EINVAL, "stack: %s needs a disk of at "
                    "least %llu MiB (%s refuses less); got %llu bytes",
                    fs->name, (unsigned long long) (fs->min_size >> 20),
                    fs->mkfs, (unsigned long long) o->size);
  s = calloc (1, sizeof *s);
  if (s == NULL)
    return kfs_err (errbuf, errlen, -ENOMEM, "stack: out of memory");
  s->loop = (struct kfs_loop) KFS_LOOP_INIT;
  s->opts = *o->opts;
  memcpy (s->uuid, o->uuid, sizeof s->uuid);
  s->size = o->size;
  s->kmsg = kfs_kmsg_open ();
  ret = make_dirs (s, o->workdir, errbuf, errlen);
  if (!ret)
    ret = start_nbdfuse (s, o->nbd_socket, errbuf, errlen);
  if (!ret)
    ret = attach_loop (s, errbuf, errlen);
  if (ret) {
    kfs_stack_stop (s, NULL, 0);
    return ret;
  }
  s->state = ST_STARTED;
  *out = s;
  return 0;
}

int
kfs_stack_mkfs (struct kfs_stack *s, char *errbuf, size_t errlen)
{
  int ret;

  assert (s->state == ST_STARTED);
  ret = kfs_mkfs_run (&s->opts, s->uuid, s->loop.dev, s->mkfs_cmd,
                      sizeof s->mkfs_cmd, s->mkfs_env, sizeof s->mkfs_env,
                      errbuf, errlen);
  kfs_mkfs_version (s->opts.type, s->mkfs_version, sizeof s->mkfs_version);
  if (ret)
    return ret;
  s->state = ST_MKFSED;
  return 0;
}

/* The options mountinfo shows for mnt: "PER-MOUNT | SUPER".  A line is
 * "ID PARENT DEV ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE
 * SUPER-OPTIONS". */
static void
read_mounted (const char *mnt, char *out, size_t len)
{
  FILE *f = fopen ("/proc/self/mountinfo", "re");
  char *line = NULL;
  size_t cap = 0;

  snprintf (out, len, "?");
  if (f == NULL)
    return;
  while (getline (&line, &cap, f) > 0) {
    char *save = NULL, *w[6], *sep, *super;
    int n = 0;

    line[strcspn (line, "\n")] = '\0';
    sep = strstr (line, " - ");
    if (sep == NULL)
      continue;
    *sep = '\0';
    super = strrchr (sep + 3, ' ');
    for (char *t = strtok_r (line, " ", &save); t && n < 6;
         t = strtok_r (NULL, " ", &save))
      w[n++] = t;
    if (n == 6 && super && strcmp (w[4], mnt) == 0)
      snprintf (out, len, "%s | %s", w[5], super + 1);
  }
  free (line);
  fclose (f);
}

int
kfs_stack_mount (struct kfs_stack *s, char *errbuf, size_t errlen)
{
  const struct kfs_fs_desc *fs = kfs_fs_desc (s->opts.type);
  int ret;

  assert (s->state == ST_MKFSED);
  ret = kfs_reaper_add (KFS_RES_MOUNT, s->mnt, 0, 0, 0, &s->rid_mount,
                        errbuf, errlen);
  if (ret)
    return ret;
  ret = kfs_mount_dev (s->loop.dev, s->mnt, fs->name, s->opts.flags,
                       s->opts.data, s->kmsg, errbuf, errlen);
  if (ret) {
    kfs_reaper_del (s->rid_mount);
    s->rid_mount = 0;
    return ret;
  }
  s->mounted = true;
  s->state = ST_MOUNTED;
  read_mounted (s->mnt, s->mounted_opts, sizeof s->mounted_opts);
  return 0;
}

const char *
kfs_stack_dir (const struct kfs_stack *s)
{
  return s->mnt;
}

const char *
kfs_stack_describe (const struct kfs_stack *s)
{
  struct kfs_stack *w = (struct kfs_stack *) s;   /* the text is a cache */
  char flags[64], mount[400];
  struct kfs_str j;
  struct utsname u;

  if (uname (&u) < 0)
    snprintf (u.release, sizeof u.release, "?");
  kfs_mount_flags_text (s->opts.flags, flags, sizeof flags);
  snprintf (mount, sizeof mount, "-t %s -o %s", kfs_type_name (s->opts.type),
            *s->opts.data ? s->opts.data : "defaults");
  const char *const fields[][2] = {
    { "fs", kfs_type_name (s->opts.type) }, { "kernel", u.release },
    { "options", s->opts.canon }, { "mkfs", s->mkfs_cmd },
    { "mkfs_env", s->mkfs_env }, { "mkfs_version", s->mkfs_version },
    { "mount", mount }, { "mount_flags", flags },
    { "mounted", s->mounted_opts }, { "write_cache", s->write_cache },
  };
  kfs_str_init (&j, w->describe, sizeof w->describe);
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    kfs_str_add (&j, i ? ", " : "{");
    kfs_str_json (&j, fields[i][0]);
    kfs_str_add (&j, ": ");
    kfs_str_json (&j, fields[i][1]);
  }
  kfs_str_add (&j, "}");
  return w->describe;
}

/* Keep the first error: ret, or the new one. */
static int
first (int ret, int err, char *errbuf, size_t errlen, const char *what,
       const char *obj)
{
  if (ret || err == 0)
    return ret;
  return kfs_err (errbuf, errlen, err, "stack stop: %s %s: %s%s", what, obj,
                  strerror (-err),
                  err == -EBUSY ? " (detached lazily)" : "");
}

/* nbdfuse exits once its FUSE mount is gone.  Its exit status is not
 * judged: after a power cut (the normal end of a recording) it complains
 * about the device it lost ("flush: command failed: Input/output error",
 * exit 1; libnbd 1.14 may even fail an assertion).  What counts for a
 * teardown is that it is gone. */
static int
stop_nbdfuse (struct kfs_stack *s, char *errbuf, size_t errlen)
{
  char said[1024];
  int status = 0, ret;

  ret = kfs_wait_timeout (s->nbdfuse, NBDFUSE_EXIT_MS, &status);
  if (ret == -ETIMEDOUT) {
    kill (s->nbdfuse, SIGTERM);
    if (kfs_wait_timeout (s->nbdfuse, 2000, &status) == -ETIMEDOUT) {
      kill (s->nbdfuse, SIGKILL);
      kfs_wait_timeout (s->nbdfuse, 2000, &status);
    }
  }
  s->nbdfuse = 0;
  if (ret)
    return kfs_err (errbuf, errlen, ret, "stack stop: nbdfuse did not exit "
                    "within %d ms of the FUSE unmount (killed): %s: %s",
                    NBDFUSE_EXIT_MS, strerror (-ret),
                    nbdfuse_said (s, said, sizeof said));
  return 0;
}

/* Unregister (once). */
static void
drop (uint64_t *rid)
{
  kfs_reaper_del (*rid);
  *rid = 0;
}

static void
remove_path (const char *path, uint64_t *rid)
{
  if (*path && rmdir (path) < 0 && errno == ENOTDIR)
    unlink (path);
  drop (rid);
}

int
kfs_stack_stop (struct kfs_stack *s, char *errbuf, size_t errlen)
{
  int ret = 0, r;

  if (s == NULL)
    return 0;
  if (s->mounted) {
    r = kfs_umount_retry (s->mnt, 1000);
    ret = first (ret, r, errbuf, errlen, "umount", s->mnt);
    s->mounted = false;
  }
  drop (&s->rid_mount);
  kfs_loop_detach (&s->loop);
  if (s->nbdfuse) {
    /* Not mounted (-EINVAL): nbdfuse never got as far. */
    r = kfs_umount_retry (s->fusedir, 1000);
    ret = first (ret, r == -EINVAL ? 0 : r, errbuf, errlen, "umount (FUSE)",
                 s->fusedir);
    r = stop_nbdfuse (s, ret ? NULL : errbuf, ret ? 0 : errlen);
    if (!ret)
      ret = r;
  }
  drop (&s->rid_fuse);
  drop (&s->rid_pid);
  remove_path (s->pidfile, &s->rid_pidfile);
  remove_path (s->logfile, &s->rid_logfile);
  remove_path (s->mnt, &s->rid_mnt);
  remove_path (s->fusedir, &s->rid_fusedir);
  remove_path (s->root, &s->rid_root);
  if (s->kmsg >= 0)
    close (s->kmsg);
  free (s);
  return ret;
}
