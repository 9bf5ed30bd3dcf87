/* test_bdev_nbd: the libnbd backend against a real nbdkit.
 *
 * Two ways in: nbdkit -s speaking NBD on a pipe (fpfs_bdev_nbd_command_open),
 * and nbdkit on a Unix socket (fpfs_bdev_nbd_open with a path and with a
 * URI).  Skips with exit 0 only if there is no nbdkit binary on PATH.
 * The random data's seed is printed; FP_SEED overrides it.
 */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fpfs.h"

static uint64_t rng_state;

static uint64_t
rnd (void)
{
  uint64_t z = (rng_state += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static int
have_nbdkit (void)
{
  const char *path = getenv ("PATH");
  char *copy, *dir, *save = NULL, buf[4096];
  int found = 0;

  if (path == NULL)
    return 0;
  copy = strdup (path);
  for (dir = strtok_r (copy, ":", &save); dir && !found;
       dir = strtok_r (NULL, ":", &save)) {
    snprintf (buf, sizeof buf, "%s/nbdkit", dir);
    found = access (buf, X_OK) == 0;
  }
  free (copy);
  return found;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

  nanosleep (&ts, NULL);
}

/* Write, FUA write, read back, flush, trim and read zeroes. */
static void
round_trips (struct fpfs_bdev *bd)
{
  uint8_t *buf = malloc (1 << 20), *got = malloc (1 << 20);
  uint64_t off;

  assert (buf && got);
  assert (bd->size == 16 << 20 && bd->sector_size == 512);
  assert (strcmp (bd->ops->name, "nbd") == 0);
  for (size_t i = 0; i < (1 << 20); i++)
    buf[i] = (uint8_t) rnd ();
  off = (rnd () % 15) << 20;
  assert (fpfs_bdev_write (bd, buf, off, 1 << 20, 0) == 0);
  assert (fpfs_bdev_write (bd, buf + 4096, off + 512, 512, FPFS_BDEV_FUA) == 0);
  memcpy (buf + 512, buf + 4096, 512);
  assert (fpfs_bdev_read (bd, got, off, 1 << 20) == 0);
  assert (memcmp (buf, got, 1 << 20) == 0);
  assert (fpfs_bdev_flush (bd) == 0);
  assert (fpfs_bdev_trim (bd, off + 4096, 8192) == 0);
  assert (fpfs_bdev_read (bd, got, off, 16384) == 0);
  assert (memcmp (got, buf, 4096) == 0);
  for (size_t i = 4096; i < 12288; i++)
    assert (got[i] == 0);
  assert (memcmp (got + 12288, buf + 12288, 4096) == 0);
  /* The wrappers' checks apply here as everywhere. */
  assert (fpfs_bdev_read (bd, got, 100, 512) == -EINVAL);
  assert (fpfs_bdev_write (bd, buf, bd->size, 512, 0) == -EINVAL);
  assert (bd->stats.writes == 2 && bd->stats.fua_writes == 1 &&
          bd->stats.flushes == 1 && bd->stats.trims == 1);
  free (buf);
  free (got);
}

static void
test_command_round_trips (void)
{
  char *argv[] = { "nbdkit", "-s", "--exit-with-parent", "memory", "16M",
                   NULL };
  struct fpfs_bdev *bd;
  char err[512] = "";

  if (fpfs_bdev_nbd_command_open (argv, &bd, err, sizeof err) != 0) {
    fprintf (stderr, "command_open: %s\n", err);
    assert (0);
  }
  assert (strstr (bd->desc, "(FUA emulated)") == NULL);
  round_trips (bd);
  fpfs_bdev_close (bd);
}

/* A server without FUA and without TRIM: nbdkit's eval plugin over an
 * image file, driven by dd.  FUA becomes write + FLUSH, and trim becomes
 * WRITE_ZEROES, and both still read back right. */
static void
test_server_without_fua_or_trim (void)
{
  char dir[] = "/tmp/test_bdev_nbd.XXXXXX", img[128], err[512] = "";
  char a_pread[256], a_pwrite[256], a_flush[160];
  char *argv[] = { "nbdkit", "-s", "--exit-with-parent", "eval",
                   "get_size=echo 16777216", a_pread, a_pwrite,
                   "can_write=exit 0", "can_flush=exit 0", a_flush,
                   "can_fua=echo none", NULL };
  struct fpfs_bdev *bd;
  uint8_t buf[4096], got[4096];
  FILE *f;

  assert (mkdtemp (dir) != NULL);
  snprintf (img, sizeof img, "%s/disk.img", dir);
  f = fopen (img, "w");
  assert (f != NULL && ftruncate (fileno (f), 16 << 20) == 0);
  fclose (f);
  snprintf (a_pread, sizeof a_pread, "pread=dd if=%s skip=$4 count=$3 "
            "iflag=skip_bytes,count_bytes status=none", img);
  snprintf (a_pwrite, sizeof a_pwrite, "pwrite=dd of=%s seek=$4 "
            "conv=notrunc oflag=seek_bytes status=none", img);
  snprintf (a_flush, sizeof a_flush, "flush=sync %s", img);
  if (fpfs_bdev_nbd_command_open (argv, &bd, err, sizeof err) != 0) {
    fprintf (stderr, "command_open: %s\n", err);
    assert (0);
  }
  assert (strstr (bd->desc, "(FUA emulated)") != NULL);
  memset (buf, 0x5e, sizeof buf);
  assert (fpfs_bdev_write (bd, buf, 65536, sizeof buf, FPFS_BDEV_FUA) == 0);
  assert (fpfs_bdev_read (bd, got, 65536, sizeof got) == 0);
  assert (memcmp (buf, got, sizeof got) == 0);
  assert (fpfs_bdev_trim (bd, 65536 + 1024, 2048) == 0);
  assert (fpfs_bdev_read (bd, got, 65536, sizeof got) == 0);
  memset (buf + 1024, 0, 2048);
  assert (memcmp (buf, got, sizeof got) == 0);
  assert (fpfs_bdev_flush (bd) == 0);
  fpfs_bdev_close (bd);
  unlink (img);
  assert (rmdir (dir) == 0);
}

static void
test_command_failure_is_reported (void)
{
  char *argv[] = { "nbdkit", "-s", "no-such-plugin-xyz", NULL };
  struct fpfs_bdev *bd = (struct fpfs_bdev *) 1;
  char err[512] = "";

  assert (fpfs_bdev_nbd_command_open (argv, &bd, err, sizeof err) < 0);
  assert (bd == NULL);
  assert (strstr (err, "nbdkit") != NULL);
}

static void
test_missing_socket_is_reported (void)
{
  struct fpfs_bdev *bd = (struct fpfs_bdev *) 1;
  char err[512] = "";

  assert (fpfs_bdev_nbd_open ("/nonexistent/fp.sock", NULL, &bd, err,
                              sizeof err) < 0);
  assert (bd == NULL);
  assert (strstr (err, "/nonexistent/fp.sock") != NULL);
  assert (fpfs_bdev_nbd_open ("nbd+unix:///?socket=/nonexistent/fp.sock",
                              NULL, &bd, err, sizeof err) < 0);
  assert (strstr (err, "/nonexistent/fp.sock") != NULL);
}

/* nbdkit on a Unix socket in dir; returns its pid once the pidfile shows
 * it is listening. */
static pid_t
start_nbdkit_unix (const char *sock, const char *pidfile)
{
  char *argv[] = { "nbdkit", "-f", "--exit-with-parent", "-U", (char *) sock,
                   "-P", (char *) pidfile, "memory", "16M", NULL };
  pid_t pid;
  struct stat st;

  /* fork + exec, not posix_spawn: <spawn.h> needs the system <sched.h>,
   * which engine/lib/sched.h shadows on this include path. */
  pid = fork ();
  assert (pid >= 0);
  if (pid == 0) {
    execvp ("nbdkit", argv);
    _exit (127);
  }
  /* nbdkit writes the pidfile once the socket is listening. */
  for (int i = 0; i < 1000; i++) {
    if (stat (pidfile, &st) == 0 && st.st_size > 0)
      return pid;
    if (waitpid (pid, NULL, WNOHANG) == pid) {
      fprintf (stderr, "nbdkit -U %s exited early\n", sock);
      assert (0);
    }
    sleep_ms (10);
  }
  fprintf (stderr, "nbdkit -U %s: no pidfile after 10 s\n", sock);
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  assert (0);
  return -1;
}

static void
stop_nbdkit (pid_t pid)
{
  kill (pid, SIGTERM);
  for (int i = 0; i < 500; i++) {
    if (waitpid (pid, NULL, WNOHANG) == pid)
      return;
    sleep_ms (10);
  }
  kill (pid, SIGKILL);                  /* did not exit in 5 s */
  waitpid (pid, NULL, 0);
}

static void
test_unix_socket_round_trips (void)
{
  char dir[] = "/tmp/test_bdev_nbd.XXXXXX", sock[128], pidfile[128];
  char uri[256], err[512] = "";
  struct fpfs_bdev *bd, *bd2;
  uint8_t buf[4096], got[4096];
  pid_t pid;

  assert (mkdtemp (dir) != NULL);
  snprintf (sock, sizeof sock, "%s/nbd.sock", dir);
  snprintf (pidfile, sizeof pidfile, "%s/nbdkit.pid", dir);
  pid = start_nbdkit_unix (sock, pidfile);

  if (fpfs_bdev_nbd_open (sock, NULL, &bd, err, sizeof err) != 0) {
    fprintf (stderr, "nbd_open: %s\n", err);
    assert (0);
  }
  assert (strstr (bd->desc, sock) != NULL);
  round_trips (bd);
  memset (buf, 0x3c, sizeof buf);
  assert (fpfs_bdev_write (bd, buf, 8192, sizeof buf, FPFS_BDEV_FUA) == 0);
  fpfs_bdev_close (bd);

  /* The same disk through a URI, with an explicit export name: nbdkit's
   * memory plugin serves one disk whatever the name. */
  snprintf (uri, sizeof uri, "nbd+unix:///?socket=%s", sock);
  if (fpfs_bdev_nbd_open (uri, "my disk", &bd2, err, sizeof err) != 0) {
    fprintf (stderr, "nbd_open %s: %s\n", uri, err);
    assert (0);
  }
  assert (fpfs_bdev_read (bd2, got, 8192, sizeof got) == 0);
  assert (memcmp (buf, got, sizeof got) == 0);
  fpfs_bdev_close (bd2);

  stop_nbdkit (pid);
  unlink (sock);
  unlink (pidfile);
  assert (rmdir (dir) == 0);
}

int
main (void)
{
  uint64_t seed = (uint64_t) time (NULL);
  const char *env = getenv ("FP_SEED");

  if (!have_nbdkit ()) {
    printf ("test_bdev_nbd: SKIP: no nbdkit on PATH\n");
    return 0;
  }
  if (env)
    seed = strtoull (env, NULL, 0);
  rng_state = seed;
  printf ("test_bdev_nbd: seed %" PRIu64 "\n", seed);
  test_command_round_trips ();
  test_server_without_fua_or_trim ();
  test_command_failure_is_reported ();
  test_missing_socket_is_reported ();
  test_unix_socket_round_trips ();
  printf ("test_bdev_nbd: ok\n");
  return 0;
}
