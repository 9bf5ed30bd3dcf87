/* wl_nbd: running a workload against the recording plugin over NBD.
 *
 * Two connections to one server: the disk export "" carries the engine's
 * requests (fpfs_bdev_nbd_open), the `control` export carries the marks
 * (libnbd here; a write to it becomes one MARK entry).  Both are
 * synchronous and the runner waits for each request, so the plugin's log
 * orders marks and device requests exactly as the runner issued them.
 *
 * wl_nbdkit_start runs `nbdkit -f --exit-with-parent`, its stderr in a file
 * in its temporary directory whose tail goes into error messages.  Between
 * fork and exec the child only calls async-signal-safe functions (open,
 * dup2, execve, _exit): everything else is prepared before the fork, so
 * this is safe in a threaded process.  (posix_spawn would do, but <spawn.h>
 * pulls in <sched.h>, which engine/lib/sched.h shadows on our include path.)  In an AddressSanitizer build the
 * plugin is instrumented too, and nbdkit can only dlopen it with libasan
 * preloaded: the child then gets LD_PRELOAD of the libasan this process
 * uses, and leak detection off (nbdkit is not ours to fix).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libnbd.h>
#include <xxhash.h>

#include "fplog.h"
#include "wl_run.h"

#define WL_START_TIMEOUT_MS 60000    /* ASan builds start slowly */
#define WL_STOP_TIMEOUT_MS  20000

extern char **environ;

struct wl_nbdkit {
  pid_t s_pid;
  char s_dir[64];
  char s_sock[96], s_pidfile[96], s_stderr[96];
  char s_uri[160];
};

static void
wl_sleep_ms (unsigned ms)
{
  struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

/* Append the last bytes of nbdkit's stderr to a message. */
static void
wl_stderr_tail (const struct wl_nbdkit *s, char *buf, size_t len)
{
  char tail[512];
  size_t used = strlen (buf), n = 0;
  int fd = open (s->s_stderr, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return;
  off_t end = lseek (fd, 0, SEEK_END);
  if (end > 0) {
    off_t from = end > (off_t) sizeof tail - 1 ? end - (off_t) sizeof tail + 1
                                               : 0;
    ssize_t k = pread (fd, tail, sizeof tail - 1, from);
    n = k > 0 ? (size_t) k : 0;
  }
  close (fd);
  tail[n] = '\0';
  while (n > 0 && tail[n - 1] == '\n')
    tail[--n] = '\0';
  if (n > 0 && used < len)
    snprintf (buf + used, len - used, "; nbdkit said: %s", tail);
}

int
wl_nbdkit_find_plugin (char *buf, size_t len)
{
  static const char *const rel[] = { "", "/.." };
  const char *env = getenv ("FP_PLUGIN");
  char exe[PATH_MAX];
  ssize_t n;

  if (env && *env) {
    if (access (env, R_OK) == 0) {
      snprintf (buf, len, "%s", env);
      return 0;
    }
    snprintf (buf, len, "FP_PLUGIN=%s: %s", env, strerror (errno));
    return -ENOENT;
  }
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    snprintf (buf, len, "/proc/self/exe: %s (set FP_PLUGIN)",
              n < 0 ? strerror (errno) : "empty");
    return -ENOENT;
  }
  exe[n] = '\0';
  char *slash = strrchr (exe, '/');
  if (slash)
    *slash = '\0';
  for (size_t i = 0; i < 2; i++) {
    snprintf (buf, len, "%s%s/nbdkit-flushpoint-plugin.so", exe, rel[i]);
    if (access (buf, R_OK) == 0)
      return 0;
  }
  snprintf (buf, len, "no nbdkit-flushpoint-plugin.so in %s or %s/.. "
            "(set FP_PLUGIN to its path)", exe, exe);
  return -ENOENT;
}

#if defined(__SANITIZE_ADDRESS__)
static int
wl_find_asan (struct dl_phdr_info *info, size_t size, void *data)
{
  (void) size;
  if (info->dlpi_name && strstr (info->dlpi_name, "libasan.so")) {
    snprintf (data, PATH_MAX, "%s", info->dlpi_name);
    return 1;
  }
  return 0;
}
#endif

/* environ plus what the child needs; strings in extra[]. */
static char **
wl_child_env (char extra[2][PATH_MAX + 32])
{
  size_t n = 0, k = 0;
  char **env;

  while (environ[n])
    n++;
  env = calloc (n + 3, sizeof *env);
  if (!env)
    return NULL;
#if defined(__SANITIZE_ADDRESS__)
  char asan[PATH_MAX] = "";
  dl_iterate_phdr (wl_find_asan, asan);
  if (asan[0]) {
    snprintf (extra[0], PATH_MAX + 32, "LD_PRELOAD=%s", asan);
    snprintf (extra[1], PATH_MAX + 32, "ASAN_OPTIONS=detect_leaks=0");
    env[k++] = extra[0];
    env[k++] = extra[1];
  }
#else
  (void) extra;
#endif
  for (size_t i = 0; i < n; i++) {
    if (k > 0 && (strncmp (environ[i], "LD_PRELOAD=", 11) == 0
                  || strncmp (environ[i], "ASAN_OPTIONS=", 13) == 0))
      continue;
    env[k++] = environ[i];
  }
  return env;
}

/* prog's path in $PATH, resolved before fork (execvp may allocate). */
static int
wl_which (const char *prog, char *out, size_t len)
{
  const char *path = getenv ("PATH");
  const char *p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";

  while (*p) {
    size_t n = strcspn (p, ":");
    snprintf (out, len, "%.*s/%s", (int) n, n ? p : ".", prog);
    if (access (out, X_OK) == 0)
      return 0;
    p += n + (p[n] == ':');
  }
  return -ENOENT;
}

int
wl_nbdkit_start (const struct wl_nbdkit_opts *o, struct wl_nbdkit **out,
                 char *errbuf, size_t errlen)
{
  char plugin[PATH_MAX], size[32], log[PATH_MAX + 8], uuid[48], cwd[PATH_MAX];
  char extra[2][PATH_MAX + 32], nbdkit[PATH_MAX];
  struct wl_nbdkit *s = calloc (1, sizeof *s);
  char **env = NULL;
  int e = 0, st;

  *out = NULL;
  if (!s)
    return -ENOMEM;
  if (o->plugin)
    snprintf (plugin, sizeof plugin, "%s", o->plugin);
  else if (wl_nbdkit_find_plugin (plugin, sizeof plugin) < 0) {
    snprintf (errbuf, errlen, "nbdkit: cannot find the flushpoint plugin: "
              "%s", plugin);
    free (s);
    return -ENOENT;
  }
  snprintf (s->s_dir, sizeof s->s_dir, "/tmp/flushpoint-run-XXXXXX");
  if (!mkdtemp (s->s_dir)) {
    e = -errno;
    snprintf (errbuf, errlen, "nbdkit: mkdtemp: %s", strerror (-e));
    free (s);
    return e;
  }
  snprintf (s->s_sock, sizeof s->s_sock, "%s/nbd.sock", s->s_dir);
  snprintf (s->s_pidfile, sizeof s->s_pidfile, "%s/nbdkit.pid", s->s_dir);
  snprintf (s->s_stderr, sizeof s->s_stderr, "%s/nbdkit.stderr", s->s_dir);
  snprintf (s->s_uri, sizeof s->s_uri, "nbd+unix:///?socket=%s", s->s_sock);
  snprintf (size, sizeof size, "size=%llu", (unsigned long long) o->size);
  /* nbdkit may change directory; hand it an absolute log path. */
  if (o->log_path[0] != '/' && getcwd (cwd, sizeof cwd))
    snprintf (log, sizeof log, "log=%s/%s", cwd, o->log_path);
  else
    snprintf (log, sizeof log, "log=%s", o->log_path);
  uuid[0] = '\0';
  if (o->uuid) {
    char u[37];
    fplog_uuid_format (o->uuid, u);
    snprintf (uuid, sizeof uuid, "uuid=%s", u);
  }
  char *argv[] = {
    "nbdkit", "-f", "--exit-with-parent", "-U", s->s_sock, "-P", s->s_pidfile,
    plugin, size, log,
    o->deterministic ? "deterministic=true" : "deterministic=false",
    uuid[0] ? uuid : NULL, NULL,
  };

  env = wl_child_env (extra);
  if (!env) {
    e = -ENOMEM;
    snprintf (errbuf, errlen, "nbdkit: out of memory");
    goto fail;
  }
  if ((e = wl_which ("nbdkit", nbdkit, sizeof nbdkit)) < 0) {
    snprintf (errbuf, errlen, "nbdkit: not found in PATH");
    free (env);
    goto fail;
  }
  s->s_pid = fork ();
  if (s->s_pid == 0) {
    int in = open ("/dev/null", O_RDONLY);
    int err = open (s->s_stderr, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || err < 0 || dup2 (in, 0) < 0 || dup2 (err, 1) < 0
        || dup2 (err, 2) < 0)
      _exit (127);
    execve (nbdkit, argv, env);
    _exit (127);
  }
  e = s->s_pid < 0 ? -errno : 0;
  free (env);
  if (e < 0) {
    snprintf (errbuf, errlen, "nbdkit: fork: %s", strerror (-e));
    s->s_pid = 0;
    goto fail;
  }

  for (unsigned waited = 0;; waited += 10) {
    struct stat sb;
    if (stat (s->s_pidfile, &sb) == 0 && sb.st_size > 0)
      break;
    if (waitpid (s->s_pid, &st, WNOHANG) == s->s_pid) {
      s->s_pid = 0;
      snprintf (errbuf, errlen, "nbdkit %s %s: exited with status %d at "
                "startup", plugin, size,
                WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st));
      wl_stderr_tail (s, errbuf, errlen);
      e = -ECHILD;
      goto fail;
    }
    if (waited >= WL_START_TIMEOUT_MS) {
      snprintf (errbuf, errlen, "nbdkit: not ready after %u ms",
                WL_START_TIMEOUT_MS);
      e = -ETIMEDOUT;
      goto fail;
    }
    wl_sleep_ms (10);
  }
  *out = s;
  return 0;
fail:
  wl_nbdkit_stop (s);
  return e;
}

const char *
wl_nbdkit_uri (const struct wl_nbdkit *s)
{
  return s->s_uri;
}

const char *
wl_nbdkit_socket (const struct wl_nbdkit *s)
{
  return s->s_sock;
}

int
wl_nbdkit_stop (struct wl_nbdkit *s)
{
  int st = 0, ret = 0;

  if (!s)
    return 0;
  if (s->s_pid > 0) {
    kill (s->s_pid, SIGTERM);
    for (unsigned waited = 0;; waited += 10) {
      pid_t p = waitpid (s->s_pid, &st, WNOHANG);
      if (p == s->s_pid || (p < 0 && errno != EINTR))
        break;
      if (waited >= WL_STOP_TIMEOUT_MS) {
        kill (s->s_pid, SIGKILL);
        waitpid (s->s_pid, &st, 0);
        ret = -ETIMEDOUT;
        break;
      }
      wl_sleep_ms (10);
    }
    if (!ret && !(WIFEXITED (st) && WEXITSTATUS (st) == 0))
      ret = -ECHILD;
  }
  unlink (s->s_sock);
  unlink (s->s_pidfile);
  unlink (s->s_stderr);
  rmdir (s->s_dir);
  free (s);
  return ret;
}

void
wl_run_uuid (const struct wl_workload *w, const struct wl_run_opts *o,
             uint8_t uuid[16])
{
  XXH3_state_t *st = XXH3_createState ();
  uint8_t b[18];
  XXH128_canonical_t c;

  assert (st);
  XXH3_128bits_reset (st);
  XXH3_128bits_update (st, "flushpoint-run-1", 17);
  for (int i = 0; i < 8; i++) {
    b[i] = (uint8_t) (w->text_hash >> (8 * i));
    b[8 + i] = (uint8_t) (o->seed >> (8 * i));
  }
  b[16] = (uint8_t) o->persist;
  b[17] = o->clean_umount;
  XXH3_128bits_update (st, b, sizeof b);
  XXH3_128bits_update (st, "m", 1);
  if (w->mount_opts)
    XXH3_128bits_update (st, w->mount_opts, strlen (w->mount_opts));
  XXH3_128bits_update (st, "M", 1);
  if (o->mount)
    XXH3_128bits_update (st, o->mount, strlen (o->mount));
  XXH128_canonicalFromHash (&c, XXH3_128bits_digest (st));
  XXH3_freeState (st);
  memcpy (uuid, c.digest, 16);
  uuid[6] = (uint8_t) ((uuid[6] & 0x0f) | 0x80);   /* version 8: custom */
  uuid[8] = (uint8_t) ((uuid[8] & 0x3f) | 0x80);   /* RFC variant */
}

/* ---- the control export as a mark sink ---- */

static int
wl_ctl_mark (void *ctx, const void *buf, size_t len, char *errbuf,
             size_t errlen)
{
  struct nbd_handle *h = ctx;

  /* The offset is ignored by the plugin: every write is one MARK. */
  if (nbd_pwrite (h, buf, len, 0, 0) < 0) {
    int e = nbd_get_errno ();
    snprintf (errbuf, errlen, "control export: %s", nbd_get_error ());
    return e > 0 ? -e : -EIO;
  }
  return 0;
}

/* Fault commands go to the control export at FP_CONTROL_CMD (the plugin's
 * man page); the plugin says why it refused one on its stderr, we only get
 * the errno. */
#define WL_CONTROL_CMD (512u << 10)

static int
wl_ctl_fault (void *ctx, const char *spec, char *errbuf, size_t errlen)
{
  struct nbd_handle *h = ctx;

  if (nbd_pwrite (h, spec, strlen (spec), WL_CONTROL_CMD, 0) < 0) {
    int e = nbd_get_errno ();
    snprintf (errbuf, errlen, "control export: fault \"%s\" refused: %s",
              spec, nbd_get_error ());
    return e > 0 ? -e : -EIO;
  }
  return 0;
}

/* faults_fired=N from the control export's counters line. */
static int
wl_ctl_faults_fired (void *ctx, uint64_t *n)
{
  struct nbd_handle *h = ctx;
  char block[4096];
  const char *p;

  *n = 0;
  if (nbd_pread (h, block, sizeof block, 0, 0) < 0)
    return -EIO;
  block[sizeof block - 1] = '\0';
  p = strstr (block, " faults_fired=");
  if (!p)
    return -ENOENT;               /* a plugin without fault injection */
  *n = strtoull (p + 14, NULL, 10);
  return 0;
}

static int
wl_ctl_open (const char *uri, struct nbd_handle **out, size_t *max,
             char *errbuf, size_t errlen)
{
  struct nbd_handle *h = nbd_create ();
  int64_t size, maxblock;

  *out = NULL;
  if (!h)
    goto err;
  /* Option mode: connect with the URI, then choose the export by name. */
  if (nbd_set_opt_mode (h, true) < 0)
    goto err;
  if ((strstr (uri, "://") ? nbd_connect_uri (h, uri)
                           : nbd_connect_unix (h, uri)) < 0)
    goto err;
  if (nbd_set_export_name (h, "control") < 0 || nbd_opt_go (h) < 0)
    goto err;
  size = nbd_get_size (h);
  if (size < 0)
    goto err;
  maxblock = nbd_get_block_size (h, LIBNBD_SIZE_MAXIMUM);
  *max = (size_t) size;
  if (maxblock > 0 && (size_t) maxblock < *max)
    *max = (size_t) maxblock;
  *out = h;
  return 0;
err:
  snprintf (errbuf, errlen, "%s: control export: %s", uri,
            nbd_get_error () ? nbd_get_error () : "out of memory");
  if (h)
    nbd_close (h);
  return -EIO;
}

int
wl_control_open (const char *uri, struct wl_control *c, char *errbuf,
                 size_t errlen)
{
  struct nbd_handle *h;
  int e;

  memset (c, 0, sizeof *c);
  if ((e = wl_ctl_open (uri, &h, &c->sink.max_len, errbuf, errlen)) < 0)
    return e;
  c->c_nbd = h;
  c->sink.mark = wl_ctl_mark;
  c->sink.ctx = h;
  c->fault.fault = wl_ctl_fault;
  c->fault.faults_fired = wl_ctl_faults_fired;
  c->fault.ctx = h;
  return 0;
}

void
wl_control_close (struct wl_control *c)
{
  if (!c->c_nbd)
    return;
  nbd_shutdown (c->c_nbd, 0);
  nbd_close (c->c_nbd);
  c->c_nbd = NULL;
}

int
wl_run_nbd (const struct wl_workload *w, const struct wl_nbd_opts *n,
            const struct wl_run_opts *o, struct wl_run_result *res,
            char *errbuf, size_t errlen)
{
  struct wl_nbdkit *srv = NULL;
  struct fpfs_bdev *bd = NULL;
  struct wl_control ctl = { 0 };
  struct wl_run_opts ro = *o;
  const char *uri = n->uri;
  char uribuf[PATH_MAX + 32];
  int ret, e;

  memset (res, 0, sizeof *res);
  res->failed_op = -1;
  if (n->start_nbdkit) {
    uint8_t uuid[16];
    struct wl_nbdkit_opts so = {
      .plugin = n->plugin, .log_path = n->log_path, .uuid = uuid,
      .deterministic = true,
      .size = n->disk_size ? n->disk_size
              : w->disk_size ? w->disk_size : WL_DEFAULT_DISK,
    };
    if (!n->log_path) {
      snprintf (errbuf, errlen, "%s: starting nbdkit needs a log path",
                w->name);
      return -EINVAL;
    }
    wl_run_uuid (w, o, uuid);
    if ((ret = wl_nbdkit_start (&so, &srv, errbuf, errlen)) < 0)
      return ret;
    uri = wl_nbdkit_uri (srv);
  } else if (uri && uri[0] == '/') {
    snprintf (uribuf, sizeof uribuf, "nbd+unix:///?socket=%s", uri);
    uri = uribuf;
  }
  if (!uri) {
    snprintf (errbuf, errlen, "%s: no NBD URI", w->name);
    return -EINVAL;
  }
  if ((ret = fpfs_bdev_nbd_open (uri, NULL, &bd, errbuf, errlen)) < 0)
    goto out;
  if ((ret = wl_control_open (uri, &ctl, errbuf, errlen)) < 0)
    goto out;
  ro.fault_ctl = &ctl.fault;
  ro.exec_control = uri;
  ret = wl_run_bdev (w, bd, &ctl.sink, &ro, res, errbuf, errlen);
out:
  wl_control_close (&ctl);
  fpfs_bdev_close (bd);
  e = wl_nbdkit_stop (srv);
  if (!ret && e < 0) {
    snprintf (errbuf, errlen, "%s: nbdkit did not exit cleanly: %s",
              w->name, strerror (-e));
    ret = e;
  }
  return ret;
}
