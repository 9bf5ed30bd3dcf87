/* bench_check: how fast the checker goes, and that a crash state's cost
 * does not grow with its position in the log.
 *
 *   bench_check [--entries N] [--reps R] [--workloads DIR] [--jobs J]
 *               [--skip-ratio] [--skip-matrix]
 *
 * 1. Ratio.  A synthetic log: mkfs of the engine over an in-process
 *    recording device (ck_record), then N entries (default 1,000,000) of
 *    small WRITEs and ZEROs into free space with a FLUSH every 100 -- so
 *    the file system stays valid and every epoch is small.  The log is
 *    walked once with the incremental builder; near entry 1,000 and near
 *    entry N it builds R times (default 50) the same kinds of state -- the
 *    prefix, and the epoch with its last write dropped -- and recovers
 *    each with fpfs_mount + fpfs_umount.  It prints the mean cost of a
 *    state at both places and their ratio (target <= 1.5).
 * 2. States per second.  The bundled workloads x persist {fsync,
 *    fdatasync, sync, none} x mount {ordered+barrier, ordered+nobarrier,
 *    writeback, journal, nojournal}, each recorded in-process and checked
 *    with states flush, write, epoch (K=1) on J jobs (default 2): crash
 *    states checked per second -- over the whole wall time, and over the
 *    time spent checking (target >= 500) -- and workloads per minute;
 *    cells taking over 5 s are named.
 *    (The matrix proper runs the same cells through nbdkit; recording
 *    in-process measures the checker, not the NBD transport.)
 * Wall-clock figures, measured in one run; nothing here asserts on time.
 */
#include <errno.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ck_build.h"
#include "ck_check.h"
#include "ck_record.h"
#include "fplog.h"
#include "wl_run.h"

#define BENCH_DISK (64u << 20)

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static uint64_t bench_rng = 42;
static uint64_t
rnd (void)
{
  uint64_t z = (bench_rng += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* ---- 1. ratio ---- */

static int
make_synthetic (const char *path, uint64_t entries)
{
  struct ck_recorder *rec;
  struct fpfs_bdev *bd;
  struct fpfs_mkfs_opts mk = { .deterministic = true };
  uint8_t buf[512];
  char err[512];
  int e;

  if ((e = ck_record_open (path, BENCH_DISK, 512, NULL, &rec, &bd, err,
                           sizeof err)) < 0 ||
      (e = fpfs_mkfs (bd, &mk, err, sizeof err)) < 0) {
    fprintf (stderr, "bench_check: synthetic log: %s\n", err);
    return e;
  }
  /* The last quarter of the disk is free space after mkfs. */
  for (uint64_t i = 0; i < entries && e == 0; i++) {
    uint64_t off = BENCH_DISK / 4 * 3 + (rnd () % (BENCH_DISK / 4 / 512)) * 512;
    if (i % 100 == 99)
      e = fpfs_bdev_flush (bd);
    else if (i % 10 == 0) {
      memset (buf, (int) (i & 0xff), sizeof buf);
      e = fpfs_bdev_write (bd, buf, off, sizeof buf, 0);
    }
    else
      e = fpfs_bdev_trim (bd, off, 512);
  }
  ck_record_close (rec);
  return e;
}

/* Cost of one state at the builder's position: build, recover, reset. */
static double
state_cost (struct ck_build *b, const struct ck_recipe *r, unsigned reps,
            bool *mounted)
{
  struct fpfs_mount_opts mo;
  char err[512];
  double t0 = now ();

  fpfs_mount_opts_init (&mo);
  for (unsigned i = 0; i < reps; i++) {
    struct fpfs_bdev *bd;
    struct fpfs *fs;
    if (ck_build_state (b, r, &bd, err, sizeof err) < 0) {
      fprintf (stderr, "bench_check: %s\n", err);
      exit (2);
    }
    if (fpfs_mount (bd, &mo, &fs, err, sizeof err) == 0) {
      fpfs_umount (fs);
      *mounted = true;
    }
    else {
      /* No working recovery: read what a mount would (superblock area
       * and a spread of blocks) so the figure still covers the layers. */
      uint8_t blk[4096];
      for (int k = 0; k < 64; k++)
        fpfs_bdev_read (bd, blk, (uint64_t) (k * 977 % (BENCH_DISK / 4096)) * 4096,
                        sizeof blk);
    }
    ck_build_state_done (b);
  }
  return (now () - t0) / reps;
}

static int
bench_ratio (uint64_t entries, unsigned reps)
{
  char path[256], err[512];
  struct ck_build *b;
  struct fplog_reader *rd;
  struct fplog_entry e;
  uint64_t targets[2] = { 1000, entries - 200 }, last_write = 0;
  double cost[2][2];
  bool mounted = false;
  int t = 0, rc;

  snprintf (path, sizeof path, "/tmp/bench-check-%d.fpl", (int) getpid ());
  printf ("ratio: writing a synthetic log of %" PRIu64 " entries...\n", entries);
  if (make_synthetic (path, entries) < 0)
    return 2;
  if (ck_build_open (path, NULL, &b, err, sizeof err) < 0 ||
      fplog_reader_open (path, &rd, err, sizeof err) < 0) {
    fprintf (stderr, "bench_check: %s\n", err);
    return 2;
  }
  double t0 = now ();
  while (t < 2 && (rc = fplog_next (rd, &e, err, sizeof err)) == FPLOG_NEXT_ENTRY) {
    if (ck_build_entry (b, &e, err, sizeof err) < 0) {
      fprintf (stderr, "bench_check: %s\n", err);
      return 2;
    }
    if (e.type == FPLOG_WRITE)
      last_write = e.seq;
    /* Measure at the first entry past the target that has a write of
     * its own epoch to drop. */
    if (e.seq >= targets[t] && last_write > e.seq - 90 &&
        e.type != FPLOG_FLUSH) {
      struct ck_recipe r;
      ck_recipe_init (&r);
      r.end = e.seq;
      if (t == 0)
        state_cost (b, &r, reps, &mounted);     /* warm caches and allocator */
      cost[t][0] = state_cost (b, &r, reps, &mounted);
      ck_recipe_set_drop (&r, &last_write, 1);
      if (t == 0)
        state_cost (b, &r, reps, &mounted);
      cost[t][1] = state_cost (b, &r, reps, &mounted);
      printf ("  at entry %8" PRIu64 ": prefix state %.3f ms, epoch state "
              "(1 drop) %.3f ms\n", e.seq, cost[t][0] * 1e3, cost[t][1] * 1e3);
      ck_recipe_free (&r);
      t++;
    }
  }
  printf ("  walk + measurements: %.1f s; recovery %s\n", now () - t0,
          mounted ? "by fpfs_mount + fpfs_umount"
          : "NOT measured (fpfs_mount failed: reads only)");
  if (t == 2)
    printf ("  RATIO state cost at entry %" PRIu64 " / at entry 1000: prefix "
            "%.2f, epoch %.2f (target <= 1.5)\n", targets[1],
            cost[1][0] / cost[0][0], cost[1][1] / cost[0][1]);
  fplog_reader_close (rd);
  ck_build_close (b);
  unlink (path);
  return 0;
}

/* ---- 2. states per second over the default matrix ---- */

static const char *const bench_persist[] = { "fsync", "fdatasync", "sync", "none" };
static const char *const bench_mounts[] = {
  "data=ordered,barrier", "data=ordered,nobarrier", "data=writeback",
  "data=journal", "nojournal",
};

static double bench_check_seconds;      /* ck_check_run wall time, summed */

static int
bench_cell (const char *wlpath, const char *persist, const char *mount,
            unsigned jobs, uint64_t *states)
{
  double t0 = now (), t1;
  struct wl_workload *w;
  struct ck_recorder *rec;
  struct fpfs_bdev *bd;
  struct wl_run_opts o;
  struct wl_run_result res;
  struct ck_check_opts co;
  struct ck_check_result cr;
  char path[256], err[1024];
  int e;

  if (wl_parse_file (wlpath, &w, err, sizeof err) < 0)
    return -1;
  snprintf (path, sizeof path, "/tmp/bench-cell-%d.fpl", (int) getpid ());
  e = ck_record_open (path, w->disk_size ? w->disk_size : BENCH_DISK, 512, NULL,
                      &rec, &bd, err, sizeof err);
  if (e == 0) {
    struct wl_mark_sink sink = { ck_record_mark, rec, 0 };
    wl_run_opts_init (&o);
    o.mount = mount;
    wl_persist_lookup (persist, &o.persist);
    e = wl_run_bdev (w, bd, &sink, &o, &res, err, sizeof err);
    ck_record_close (rec);
  }
  wl_free (w);
  if (e < 0) {
    fprintf (stderr, "  %s %s %s: run: %s\n", wlpath, persist, mount, err);
    unlink (path);
    return -1;
  }
  t1 = now ();
  ck_check_opts_init (&co);
  co.log_path = path;
  co.states.kinds = CK_KIND_BIT (CK_KIND_FLUSH) | CK_KIND_BIT (CK_KIND_WRITE) |
                    CK_KIND_BIT (CK_KIND_EPOCH);
  co.jobs = jobs;
  e = ck_check_run (&co, &cr, err, sizeof err);
  bench_check_seconds += now () - t1;
  if (now () - t0 > 5)
    printf ("  slow cell: %s %s %s: record %.1f s, check %.1f s, %" PRIu64
            " states\n", strrchr (wlpath, '/') + 1, persist, mount, t1 - t0,
            now () - t1, cr.checked);
  if (e == 0)
    *states += cr.checked;
  else
    fprintf (stderr, "  %s %s %s: check: %s\n", wlpath, persist, mount, err);
  ck_check_result_free (&cr);
  unlink (path);
  return e;
}

static int
bench_matrix (const char *dir, unsigned jobs)
{
  struct dirent **names;
  uint64_t states = 0, cells = 0, failed = 0;
  int n = scandir (dir, &names, NULL, alphasort);
  double t0 = now ();

  if (n < 0) {
    fprintf (stderr, "bench_check: %s: %s\n", dir, strerror (errno));
    return 2;
  }
  printf ("matrix: workloads in %s x 4 persist x 5 mounts, states "
          "flush,write,epoch (K=1), %u jobs\n", dir, jobs);
  for (int i = 0; i < n; i++) {
    size_t len = strlen (names[i]->d_name);
    char wl[2048];
    if (len > 3 && strcmp (names[i]->d_name + len - 3, ".wl") == 0) {
      snprintf (wl, sizeof wl, "%s/%s", dir, names[i]->d_name);
      for (size_t p = 0; p < 4; p++)
        for (size_t m = 0; m < 5; m++) {
          cells++;
          failed += bench_cell (wl, bench_persist[p], bench_mounts[m], jobs,
                                &states) != 0;
        }
    }
    free (names[i]);
  }
  free (names);
  double dt = now () - t0;
  printf ("  %" PRIu64 " cells (%" PRIu64 " failed to run or check), %" PRIu64
          " states in %.1f s\n", cells, failed, states, dt);
  printf ("  STATES/S %.0f over the whole wall time (recording included), "
          "%.0f over checking time (%.1f s; target >= 500)\n",
          (double) states / dt, (double) states / bench_check_seconds,
          bench_check_seconds);
  printf ("  WORKLOADS/MIN %.1f (cells recorded and checked per minute)\n",
          (double) (cells - failed) * 60.0 / dt);
  return 0;
}

int
main (int argc, char **argv)
{
  uint64_t entries = 1000000;
  unsigned reps = 50, jobs = 2;
  const char *dir = getenv ("FP_SOURCE_DIR") ? NULL : "workloads";
  char dbuf[1024];
  bool ratio = true, matrix = true;

  setvbuf (stdout, NULL, _IOLBF, 0);     /* progress lines as they come */
  if (!dir) {
    snprintf (dbuf, sizeof dbuf, "%s/workloads", getenv ("FP_SOURCE_DIR"));
    dir = dbuf;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--entries") == 0 && i + 1 < argc)
      entries = strtoull (argv[++i], NULL, 10);
    else if (strcmp (argv[i], "--reps") == 0 && i + 1 < argc)
      reps = (unsigned) strtoul (argv[++i], NULL, 10);
    else if (strcmp (argv[i], "--jobs") == 0 && i + 1 < argc)
      jobs = (unsigned) strtoul (argv[++i], NULL, 10);
    else if (strcmp (argv[i], "--workloads") == 0 && i + 1 < argc)
      dir = argv[++i];
    else if (strcmp (argv[i], "--skip-ratio") == 0)
      ratio = false;
    else if (strcmp (argv[i], "--skip-matrix") == 0)
      matrix = false;
    else {
      fprintf (stderr, "usage: bench_check [--entries N] [--reps R] "
               "[--jobs J] [--workloads DIR] [--skip-ratio] [--skip-matrix]\n");
      return 2;
    }
  }
  if (entries < 5000)
    entries = 5000;
  if (ratio && bench_ratio (entries, reps ? reps : 1) != 0)
    return 2;
  if (matrix && bench_matrix (dir, jobs ? jobs : 1) != 0)
    return 2;
  return 0;
}
