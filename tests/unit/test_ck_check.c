/* test_ck_check: the whole checker on real engine runs, recorded
 * in-process (ck_record: the engine over a logging memory device, the
 * runner's marks into the same log), then checked with ck_check_run.
 *
 * What it shows, one behaviour per test:
 *   - the correct engine with barriers violates nothing, in every kind of
 *     crash state (torn ones too, separately);
 *   - nobarrier loses synced data in some epoch states, and says so;
 *   - overwrite + fdatasync can keep the data and lose the mtime (lost, not
 *     violated); fsync keeps both;
 *   - the result does not depend on --jobs.
 * FP_WORKLOADS (default: the source tree's workloads/) locates the
 * bundled workloads.
 */
#include "test_ck_util.h"
#include "ck_check.h"
#include "ck_record.h"
#include "ck_report.h"
#include "wl_run.h"

static const char *
src_dir (void)
{
  const char *s = getenv ("FP_SOURCE_DIR");
  return s ? s : "/work/main";
}

/* Run workload NAME (a bundled .wl, or inline text) with mount options and
 * persist choice; leave the log at path. */
static void
record (const char *name, const char *text, const char *mount,
        enum wl_persist persist, char *path, size_t plen)
{
  struct wl_workload *w;
  struct ck_recorder *rec;
  struct fpfs_bdev *bd;
  struct wl_run_opts o;
  struct wl_run_result res;
  char err[1024], file[512];
  int rc;

  if (text)
    rc = wl_parse (name, text, strlen (text), &w, err, sizeof err);
  else {
    snprintf (file, sizeof file, "%s/workloads/%s.wl", src_dir (), name);
    rc = wl_parse_file (file, &w, err, sizeof err);
  }
  if (rc) {
    fprintf (stderr, "%s: %s\n", name, err);
    abort ();
  }
  snprintf (path, plen, "/tmp/ck-check-%s-%d.fpl", name, (int) getpid ());
  assert (ck_record_open (path, w->disk_size ? w->disk_size : 16u << 20, 512,
                          NULL, &rec, &bd, err, sizeof err) == 0);
  struct wl_mark_sink sink = { ck_record_mark, rec, 0 };
  wl_run_opts_init (&o);
  o.mount = mount;
  o.persist = persist;
  rc = wl_run_bdev (w, bd, &sink, &o, &res, err, sizeof err);
  if (rc) {
    fprintf (stderr, "%s: run: %s\n", name, err);
    abort ();
  }
  assert (ck_record_close (rec) == 0);
  wl_free (w);
}

static void
check (const char *path, unsigned kinds, unsigned K, unsigned jobs,
       struct ck_check_result *r)
{
  struct ck_check_opts o;
  char err[1024];

  ck_check_opts_init (&o);
  o.log_path = path;
  o.states.kinds = kinds;
  o.states.max_subset = K;
  o.jobs = jobs;
  if (ck_check_run (&o, r, err, sizeof err) != 0) {
    fprintf (stderr, "%s: check: %s\n", path, err);
    abort ();
  }
}

static void
report (const char *path, const struct ck_check_result *r)
{
  struct ck_report_opts ro = { .log_path = path, .jobs = 1, .max_groups = 5,
                               .show_lost = true };
  ck_report_text (stderr, r, &ro);
}

#define ALL (CK_KIND_BIT (CK_KIND_FLUSH) | CK_KIND_BIT (CK_KIND_WRITE) | \
             CK_KIND_BIT (CK_KIND_EPOCH) | CK_KIND_BIT (CK_KIND_TORN))

#define NOTORN (CK_KIND_BIT (CK_KIND_FLUSH) | CK_KIND_BIT (CK_KIND_WRITE) | \
                CK_KIND_BIT (CK_KIND_EPOCH))

static void
correct_engine (unsigned kinds, const char *what)
{
  static const char *wls[] = { "fsync-seed", "overwrite-fsync",
                               "atomic-replace", "append-fdatasync" };
  char path[512];

  for (size_t i = 0; i < sizeof wls / sizeof *wls; i++) {
    struct ck_check_result r;
    record (wls[i], NULL, NULL, WL_PERSIST_FSYNC, path, sizeof path);
    check (path, kinds, 2, 2, &r);
    if (r.violated)
      report (path, &r);
    assert (r.checked > 0 && r.violated == 0);
    assert (r.per_prop[CK_P_DATA][CK_V_HELD] > 0);
    printf ("  %s, %s: %" PRIu64 " states checked, none violated (%.2f s)\n",
            wls[i], what, r.checked, r.seconds);
    ck_check_result_free (&r);
    unlink (path);
  }
}

static void
test_correct_engine_violates_nothing (void)
{
  correct_engine (NOTORN, "flush, write, epoch K=2");
}

/* Torn writes too: every in-place write the engine does not protect (by
 * the journal, or by FUA) must survive being torn at 512-byte sectors. */
static void
test_correct_engine_survives_torn_writes (void)
{
  correct_engine (ALL, "all kinds");
}

static void
test_nobarrier_loses_synced_data (void)
{
  struct ck_check_result r;
  char path[512];

  record ("fsync-seed", NULL, "nobarrier", WL_PERSIST_FSYNC, path,
          sizeof path);
  check (path, CK_KIND_BIT (CK_KIND_EPOCH), 1, 2, &r);
  assert (r.violated > 0);
  assert (r.per_prop[CK_P_DATA][CK_V_VIOLATED] +
          r.per_prop[CK_P_SIZE][CK_V_VIOLATED] +
          r.per_prop[CK_P_FSCK][CK_V_VIOLATED] > 0);
  printf ("  nobarrier: %" PRIu64 " of %" PRIu64 " states violate\n",
          r.violated, r.checked);
  ck_check_result_free (&r);
  unlink (path);
}

static void
test_fdatasync_keeps_data_may_lose_mtime (void)
{
  struct ck_check_result r;
  char path[512];

  record ("overwrite-fdatasync", NULL, NULL, WL_PERSIST_FSYNC, path,
          sizeof path);
  check (path, ALL, 1, 2, &r);
  if (r.violated)
    report (path, &r);
  assert (r.violated == 0);
  assert (r.per_prop[CK_P_DATA][CK_V_HELD] > 0);
  assert (r.per_prop[CK_P_MTIME][CK_V_LOST] > 0);
  ck_check_result_free (&r);
  unlink (path);
  record ("overwrite-fsync", NULL, NULL, WL_PERSIST_FSYNC, path, sizeof path);
  check (path, ALL, 1, 2, &r);
  assert (r.violated == 0 && r.per_prop[CK_P_MTIME][CK_V_LOST] == 0);
  assert (r.per_prop[CK_P_MTIME][CK_V_HELD] > 0);
  ck_check_result_free (&r);
  unlink (path);
}

static void
test_results_do_not_depend_on_jobs (void)
{
  struct ck_check_result a, b;
  char path[512];

  record ("fsync-seed", NULL, "nobarrier", WL_PERSIST_FSYNC, path,
          sizeof path);
  check (path, ALL, 1, 1, &a);
  check (path, ALL, 1, 3, &b);
  assert (a.nstates == b.nstates && a.violated == b.violated);
  for (size_t i = 0; i < a.nstates; i++) {
    assert (ck_recipe_equal (&a.states[i].recipe, &b.states[i].recipe));
    assert (memcmp (a.states[i].v, b.states[i].v, sizeof a.states[i].v) == 0);
    assert (a.states[i].nf == b.states[i].nf);
  }
  ck_check_result_free (&a);
  ck_check_result_free (&b);
  unlink (path);
}

int
main (void)
{
  test_correct_engine_violates_nothing ();
  test_correct_engine_survives_torn_writes ();
  test_nobarrier_loses_synced_data ();
  test_fdatasync_keeps_data_may_lose_mtime ();
  test_results_do_not_depend_on_jobs ();
  printf ("test_ck_check: ok\n");
  return 0;
}
