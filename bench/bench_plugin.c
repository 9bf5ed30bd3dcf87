/* bench_plugin: what does recording cost?  (issue 2, section 6)
 *
 * The workload: N synchronous 4 KiB writes (default 100,000) at
 * consecutive offsets, with a FLUSH after every 16th, from one libnbd
 * client over a Unix socket.  It runs against `nbdkit memory SIZE` and
 * against the flushpoint plugin with logging on (log in --logdir, default
 * /tmp, i.e. a real disk file system here), in pairs.  Pairs alternate
 * which server goes first (ABBA) so that drift in machine load hits both
 * sides alike.  Each pair's ratio plugin/memory is printed, then the
 * median ratio, which is the figure of merit (target <= 1.10).
 *
 * Only the write loop is timed: nbdkit start-up and tear-down are not.
 * Each server is started fresh for each run with -f --exit-with-parent,
 * and its log is deleted after the run.
 *
 *   bench_plugin [--pairs N] [--writes N] [--flush-every N] [--size SIZE]
 *                [--plugin PATH] [--logdir DIR] [--only memory|flushpoint]
 *                [--threads N] [--durable] [--vs memory|flushpoint]
 *
 * --only runs one side N times (no ratio), e.g. under perf record -g.
 * --threads N passes -t N to both nbdkits.  With -t 1 nbdkit serves
 * `memory` without worker threads too, as it always does for our plugin
 * (serialize_requests): that isolates the cost of recording itself.
 * --durable gives the plugin durable=true (fdatasync before each FLUSH or
 * FUA write is acknowledged); with --vs flushpoint the baseline is the
 * plugin without it, so the ratios are the cost of durability alone.
 *
 * Each run also records the CPU time the server used (user+sys of the
 * nbdkit process, from wait4, its whole life), which is less sensitive to
 * other load on the machine than wall time.  Per pair two ratios are
 * printed, wall and CPU; at the end their medians and their spread (the
 * smallest and largest pair, and the interquartile range).  Targets (issue
 * 13): median CPU ratio <= 1.05 and median wall ratio <= 1.10, like for
 * like: both servers default, and both --threads 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libnbd.h>

struct bench_opts {
  int pairs;
  uint64_t writes;
  uint64_t flush_every;
  const char *size;          /* nbdkit size string, e.g. "1G" */
  uint64_t size_bytes;
  char plugin[PATH_MAX];
  const char *logdir;
  int only;                  /* -1: both; else an enum bench_server */
  const char *threads;       /* nbdkit -t value, or NULL for its default */
  bool durable;              /* the measured plugin gets durable=true */
  int baseline;              /* enum bench_server of the baseline side */
};

/* BENCH_PLAIN: the plugin without --durable (the baseline of --vs
 * flushpoint); BENCH_PLUGIN: the plugin as measured. */
enum bench_server { BENCH_MEMORY, BENCH_PLUGIN, BENCH_PLAIN };

struct bench_run {
  double wall;               /* seconds of the write loop; < 0 on error */
  double cpu;                /* server user+sys seconds, whole life */
};

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Start nbdkit; return its pid once its pidfile exists, or -1. */
static pid_t
server_start (const struct bench_opts *o, enum bench_server which,
              const char *dir, const char *logpath)
{
  char sock[PATH_MAX], pidfile[PATH_MAX], sizearg[64], logarg[PATH_MAX + 8];
  const char *argv[16];
  pid_t pid;
  int i, status, n = 0;

  snprintf (sock, sizeof sock, "%s/sock", dir);
  snprintf (pidfile, sizeof pidfile, "%s/pid", dir);
  snprintf (sizearg, sizeof sizearg, "size=%s", o->size);
  snprintf (logarg, sizeof logarg, "log=%s", logpath);

  pid = fork ();
  if (pid == -1) {
    perror ("bench_plugin: fork");
    return -1;
  }
  if (pid == 0) {
    argv[n++] = "nbdkit";
    argv[n++] = "-f";
    argv[n++] = "--exit-with-parent";
    argv[n++] = "-U";
    argv[n++] = sock;
    argv[n++] = "-P";
    argv[n++] = pidfile;
    if (o->threads) {
      argv[n++] = "-t";
      argv[n++] = o->threads;
    }
    argv[n++] = which == BENCH_MEMORY ? "memory" : o->plugin;
    argv[n++] = sizearg;
    if (which != BENCH_MEMORY)
      argv[n++] = logarg;
    if (which == BENCH_PLUGIN && o->durable)
      argv[n++] = "durable=true";
    argv[n] = NULL;
    execvp ("nbdkit", (char **) argv);
    perror ("bench_plugin: exec nbdkit");
    _exit (127);
  }
  for (i = 0; i < 3000; i++) {          /* 30 s */
    struct stat st;

    if (stat (pidfile, &st) == 0 && st.st_size > 0)
      return pid;
    if (waitpid (pid, &status, WNOHANG) == pid) {
      fprintf (stderr, "bench_plugin: nbdkit exited at startup\n");
      return -1;
    }
    usleep (10000);
  }
  fprintf (stderr, "bench_plugin: nbdkit did not start in 30 s\n");
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  return -1;
}

/* Stop the server; return its CPU time (user+sys) in seconds. */
static double
server_stop (pid_t pid)
{
  struct rusage ru;
  int status, i;

  kill (pid, SIGTERM);
  for (i = 0; i < 1000; i++) {           /* 10 s, then SIGKILL */
    if (wait4 (pid, &status, WNOHANG, &ru) == pid)
      goto out;
    usleep (10000);
  }
  kill (pid, SIGKILL);
  wait4 (pid, &status, 0, &ru);
 out:
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* The timed workload.  Returns seconds, or a negative value on error. */
static double
workload (const struct bench_opts *o, const char *sock)
{
  struct nbd_handle *h = nbd_create ();
  static char buf[4096];
  double t0, t;
  uint64_t i;

  if (!h || nbd_connect_unix (h, sock) == -1) {
    fprintf (stderr, "bench_plugin: connect %s: %s\n", sock, nbd_get_error ());
    nbd_close (h);
    return -1;
  }
  memset (buf, 0xa5, sizeof buf);
  t0 = now_s ();
  for (i = 0; i < o->writes; i++) {
    uint64_t off = (i * sizeof buf) % (o->size_bytes - sizeof buf + 1);

    memcpy (buf, &i, sizeof i);         /* every block differs */
    if (nbd_pwrite (h, buf, sizeof buf, off, 0) == -1 ||
        ((i + 1) % o->flush_every == 0 && nbd_flush (h, 0) == -1)) {
      fprintf (stderr, "bench_plugin: request %" PRIu64 ": %s\n", i,
               nbd_get_error ());
      nbd_close (h);
      return -1;
    }
  }
  t = now_s () - t0;
  nbd_shutdown (h, 0);
  nbd_close (h);
  return t;
}

static struct bench_run
run_one (const struct bench_opts *o, enum bench_server which)
{
  char dir[] = "/tmp/bench_plugin.XXXXXX";
  char sock[PATH_MAX], pidfile[PATH_MAX], logpath[PATH_MAX];
  struct bench_run run = { -1, 0 };
  pid_t pid;

  if (!mkdtemp (dir)) {
    perror ("bench_plugin: mkdtemp");
    return run;
  }
  snprintf (sock, sizeof sock, "%s/sock", dir);
  snprintf (pidfile, sizeof pidfile, "%s/pid", dir);
  snprintf (logpath, sizeof logpath, "%s/bench_plugin.%d.fpl", o->logdir,
            (int) getpid ());
  pid = server_start (o, which, dir, logpath);
  if (pid > 0) {
    run.wall = workload (o, sock);
    run.cpu = server_stop (pid);
  }
  unlink (logpath);
  unlink (sock);
  unlink (pidfile);
  rmdir (dir);
  return run;
}

static int
parse_args (int argc, char **argv, struct bench_opts *o)
{
  static const struct option longopts[] = {
    { "pairs", required_argument, NULL, 'p' },
    { "writes", required_argument, NULL, 'w' },
    { "flush-every", required_argument, NULL, 'f' },
    { "size", required_argument, NULL, 's' },
    { "plugin", required_argument, NULL, 'P' },
    { "logdir", required_argument, NULL, 'l' },
    { "only", required_argument, NULL, 'o' },
    { "threads", required_argument, NULL, 't' },
    { "durable", no_argument, NULL, 'd' },
    { "vs", required_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  char self[PATH_MAX];
  ssize_t n;
  int c;

  *o = (struct bench_opts) { .pairs = 11, .writes = 100000, .flush_every = 16,
                             .size = "1G", .size_bytes = UINT64_C (1) << 30,
                             .logdir = "/tmp", .only = -1,
                             .baseline = BENCH_MEMORY };
  /* Default plugin: <build>/nbdkit-flushpoint-plugin.so, we are in
   * <build>/bench/. */
  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = '\0';
  snprintf (o->plugin, sizeof o->plugin, "%s/../nbdkit-flushpoint-plugin.so",
            dirname (self));

  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 'p': o->pairs = atoi (optarg); break;
    case 'w': o->writes = strtoull (optarg, NULL, 0); break;
    case 'f': o->flush_every = strtoull (optarg, NULL, 0); break;
    case 's': o->size = optarg; break;
    case 'P': snprintf (o->plugin, sizeof o->plugin, "%s", optarg); break;
    case 'l': o->logdir = optarg; break;
    case 't': o->threads = optarg; break;
    case 'd': o->durable = true; break;
    case 'v':
      if (strcmp (optarg, "memory") == 0)
        o->baseline = BENCH_MEMORY;
      else if (strcmp (optarg, "flushpoint") == 0)
        o->baseline = BENCH_PLAIN;
      else
        return -1;
      break;
    case 'o':
      if (strcmp (optarg, "memory") == 0)
        o->only = BENCH_MEMORY;
      else if (strcmp (optarg, "flushpoint") == 0)
        o->only = BENCH_PLUGIN;
      else
        return -1;
      break;
    case 'h':
      printf ("usage: bench_plugin [--pairs N] [--writes N] [--flush-every N]"
              " [--size SIZE] [--plugin PATH] [--logdir DIR]"
              " [--only memory|flushpoint] [--threads N] [--durable]"
              " [--vs memory|flushpoint]\n");
      exit (0);
    default:
      return -1;
    }
  }
  {
    char *end;
    uint64_t v = strtoull (o->size, &end, 10);

    switch (*end) {
    case 'K': case 'k': v <<= 10; break;
    case 'M': case 'm': v <<= 20; break;
    case 'G': case 'g': v <<= 30; break;
    case '\0': break;
    default: v = 0;
    }
    o->size_bytes = v;
  }
  if (o->pairs < 1 || o->writes < 1 || o->flush_every < 1 ||
      o->size_bytes < 4096 || access (o->plugin, R_OK) == -1) {
    fprintf (stderr, "bench_plugin: bad arguments (plugin %s: %s)\n",
             o->plugin, access (o->plugin, R_OK) ? strerror (errno) : "ok");
    return -1;
  }
  return 0;
}

static int
run_only (const struct bench_opts *o)
{
  int p;

  for (p = 0; p < o->pairs; p++) {
    struct bench_run r = run_one (o, o->only);

    if (r.wall <= 0)
      return 1;
    printf ("run %d: %s %.3f s (server cpu %.3f s)\n", p + 1,
            o->only == BENCH_MEMORY ? "memory" : "flushpoint", r.wall, r.cpu);
  }
  return 0;
}

/* Median and spread of v[0..n) (sorted in place). */
static void
print_spread (const char *what, double *v, int n, const char *target)
{
  qsort (v, n, sizeof *v, cmp_double);
  printf ("%-10s median %.3f  min %.3f  max %.3f  IQR %.3f..%.3f%s%s\n",
          what, median (v, n), v[0], v[n - 1], v[n / 4], v[(3 * n) / 4],
          target ? "  target " : "", target ? target : "");
}

int
main (int argc, char **argv)
{
  struct bench_opts o;
  double *wr, *cr, *tm, *tp, *cm, *cp;
  const char *bname, *pname;
  int p;

  if (parse_args (argc, argv, &o) == -1)
    return 2;
  bname = o.baseline == BENCH_MEMORY ? "memory" : "plain";
  pname = o.durable ? "durable" : "flushpoint";
  printf ("bench_plugin: %" PRIu64 " x 4 KiB synchronous writes, flush every "
          "%" PRIu64 ", size %s, %d pairs\n  plugin %s%s\n  log in %s\n"
          "  nbdkit threads: %s\n  baseline: %s\n", o.writes, o.flush_every,
          o.size, o.pairs, o.plugin, o.durable ? " durable=true" : "",
          o.logdir, o.threads ? o.threads : "default",
          o.baseline == BENCH_MEMORY ? "nbdkit memory"
                                     : "the plugin without durable=true");
  if (o.only >= 0)
    return run_only (&o);

  wr = calloc (o.pairs, sizeof *wr);
  cr = calloc (o.pairs, sizeof *cr);
  tm = calloc (o.pairs, sizeof *tm);
  tp = calloc (o.pairs, sizeof *tp);
  cm = calloc (o.pairs, sizeof *cm);
  cp = calloc (o.pairs, sizeof *cp);
  if (!wr || !cr || !tm || !tp || !cm || !cp)
    return 2;
  for (p = 0; p < o.pairs; p++) {
    struct bench_run m, f;

    /* ABBA: even pairs run the baseline first, odd pairs the plugin. */
    if (p % 2 == 0) {
      m = run_one (&o, o.baseline);
      f = run_one (&o, BENCH_PLUGIN);
    }
    else {
      f = run_one (&o, BENCH_PLUGIN);
      m = run_one (&o, o.baseline);
    }
    if (m.wall <= 0 || f.wall <= 0)
      return 1;
    tm[p] = m.wall, tp[p] = f.wall, cm[p] = m.cpu, cp[p] = f.cpu;
    wr[p] = f.wall / m.wall;
    cr[p] = m.cpu > 0 ? f.cpu / m.cpu : 0;
    printf ("pair %2d: wall %s %.3f s  %s %.3f s  ratio %.3f   "
            "cpu %s %.3f s  %s %.3f s  ratio %.3f\n", p + 1, bname, m.wall,
            pname, f.wall, wr[p], bname, m.cpu, pname, f.cpu, cr[p]);
    fflush (stdout);
  }
  printf ("median: wall %s %.3f s  %s %.3f s;  cpu %s %.3f s  %s %.3f s\n",
          bname, median (tm, o.pairs), pname, median (tp, o.pairs),
          bname, median (cm, o.pairs), pname, median (cp, o.pairs));
  printf ("ratios %s / %s over %d pairs:\n", pname, bname, o.pairs);
  print_spread ("wall", wr, o.pairs,
                o.baseline == BENCH_MEMORY && !o.durable ? "<= 1.10" : NULL);
  print_spread ("cpu", cr, o.pairs,
                o.baseline == BENCH_MEMORY && !o.durable ? "<= 1.05" : NULL);
  free (wr);
  free (cr);
  free (tm);
  free (tp);
  free (cm);
  free (cp);
  return 0;
}
