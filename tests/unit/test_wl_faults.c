/* test_wl_faults: `fault` lines and --fault in the workload runner, on the
 * engine's memory device wrapped in a faulty device that obeys the same
 * fault set as the plugin (nbd-plugin/faultset.c), so no nbdkit is needed:
 *   - `fault` lines parse, and bad ones are parse errors with line:column;
 *   - the block range sets behind the doubt bookkeeping;
 *   - fsyncgate in the marks: the failed fsync has sync_failed and no
 *     state; the later fsync that returns 0 lists the block as unknown;
 *   - a rewrite clears the doubt, a sync error taints every file;
 *   - a failed O_SYNC write still gives its values as an uncertain effect;
 *   - --fault arms after the mount; --keep-going records and goes on;
 *   - without a fault control, `fault` is a runner error.
 * Over a real nbdkit: tests/e2e/test_faults_runner.py. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "fpfs.h"
#include "wl.h"
#include "wl_doubt.h"
#include "wl_run.h"

/* ---- a faulty device: memory below, an fpfault_set in front ---- */

struct fdev {
  struct fpfs_bdev *lower;
  struct fpfault_set set;
  unsigned armed;                /* fault() calls */
};

static int
fdev_gate (struct fpfs_bdev *bd, enum fpfault_op op, uint64_t off,
           uint64_t len)
{
  struct fdev *d = bd->priv;
  struct fpfault_hit h;

  fpfault_set_match (&d->set, op, off, len, &h);
  return -h.h_errno;
}

static int
fdev_read (struct fpfs_bdev *bd, void *buf, uint64_t off, size_t len)
{
  struct fdev *d = bd->priv;
  int e = fdev_gate (bd, FPFAULT_READ, off, len);
  return e ? e : fpfs_bdev_read (d->lower, buf, off, len);
}

static int
fdev_write (struct fpfs_bdev *bd, const void *buf, uint64_t off, size_t len,
            unsigned flags)
{
  struct fdev *d = bd->priv;
  int e = fdev_gate (bd, FPFAULT_WRITE, off, len);
  return e ? e : fpfs_bdev_write (d->lower, buf, off, len, flags);
}

static int
fdev_flush (struct fpfs_bdev *bd)
{
  struct fdev *d = bd->priv;
  int e = fdev_gate (bd, FPFAULT_FLUSH, 0, 0);
  return e ? e : fpfs_bdev_flush (d->lower);
}

static int
fdev_trim (struct fpfs_bdev *bd, uint64_t off, size_t len)
{
  struct fdev *d = bd->priv;
  int e = fdev_gate (bd, FPFAULT_TRIM, off, len);
  return e ? e : fpfs_bdev_trim (d->lower, off, len);
}

static void
fdev_close (struct fpfs_bdev *bd)
{
  struct fdev *d = bd->priv;
  fpfs_bdev_close (d->lower);
  free (d);
}

static const struct fpfs_bdev_ops fdev_ops = {
  .name = "faulty", .read = fdev_read, .write = fdev_write,
  .flush = fdev_flush, .trim = fdev_trim, .close = fdev_close,
};

static struct fpfs_bdev *
fdev_new (uint64_t size)
{
  struct fpfs_bdev *bd = calloc (1, sizeof *bd);
  struct fdev *d = calloc (1, sizeof *d);

  assert (bd && d && fpfs_bdev_mem_open (size, 512, &d->lower) == 0);
  fpfault_set_init (&d->set, size);
  bd->ops = &fdev_ops;
  bd->priv = d;
  bd->size = size;
  bd->sector_size = 512;
  snprintf (bd->desc, sizeof bd->desc, "faulty:mem");
  return bd;
}

static int
fdev_fault (void *ctx, const char *text, char *err, size_t errlen)
{
  struct fdev *d = ctx;
  struct fpfault_spec s[FPFAULT_SPECS_MAX];
  char note[256];
  size_t n;
  int e = fpfault_parse (text, strlen (text), s, FPFAULT_SPECS_MAX, &n, err,
                         errlen);

  if (e == 0)
    e = fpfault_set_check (&d->set, s, n, err, errlen);
  for (size_t i = 0; e == 0 && i < n; i++)
    e = fpfault_set_apply (&d->set, &s[i], note, sizeof note, err, errlen);
  d->armed++;
  return e < 0 ? -EINVAL : 0;
}

static int
fdev_fired (void *ctx, uint64_t *n)
{
  *n = ((struct fdev *) ctx)->set.fs_fired;
  return 0;
}

/* ---- marks ---- */

struct sink {
  json_object *marks[512];
  size_t n;
};

static int
sink_mark (void *ctx, const void *buf, size_t len, char *err, size_t errlen)
{
  struct sink *s = ctx;
  char *t = strndup (buf, len);
  (void) err, (void) errlen;
  assert (t && s->n < 512);
  s->marks[s->n] = json_tokener_parse (t);
  assert (s->marks[s->n]);
  s->n++;
  free (t);
  return 0;
}

static void
sink_free (struct sink *s)
{
  for (size_t i = 0; i < s->n; i++)
    json_object_put (s->marks[i]);
  s->n = 0;
}

static json_object *
jget (json_object *o, const char *k)
{
  json_object *v = NULL;
  json_object_object_get_ex (o, k, &v);
  return v;
}

static const char *
jstr (json_object *o, const char *k)
{
  json_object *v = jget (o, k);
  return v ? json_object_get_string (v) : NULL;
}

/* The after-mark of op i. */
static json_object *
after (struct sink *s, int op)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp (jstr (s->marks[i], "kind"), "after") == 0
        && json_object_get_int (jget (s->marks[i], "op")) == op)
      return s->marks[i];
  assert (!"no after-mark for that op");
  return NULL;
}

static json_object *
mark_of_kind (struct sink *s, const char *kind)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp (jstr (s->marks[i], "kind"), kind) == 0)
      return s->marks[i];
  return NULL;
}

/* The "unknown" of the first file object of op's sync, as text. */
static const char *
unknown_of (struct sink *s, int op)
{
  json_object *sync = jget (after (s, op), "sync"), *st = NULL, *u;
  assert (sync);
  json_object *arr = jget (sync, "state");
  for (size_t i = 0; i < json_object_array_length (arr) && !st; i++)
    if (strcmp (jstr (json_object_array_get_idx (arr, i), "type"), "file")
        == 0)
      st = json_object_array_get_idx (arr, i);
  assert (st);
  u = jget (st, "unknown");
  return u ? json_object_to_json_string_ext (u, JSON_C_TO_STRING_PLAIN)
           : "none";
}

static int
run (const char *text, struct wl_run_opts *o, bool with_ctl, struct sink *s,
     struct wl_run_result *res, char *err, size_t errlen)
{
  struct wl_workload *w;
  struct fpfs_bdev *bd = fdev_new (64u << 20);
  struct wl_mark_sink sk = { .mark = sink_mark, .ctx = s };
  struct wl_fault_ctl fc = { fdev_fault, fdev_fired, bd->priv };
  int r;

  assert (wl_parse ("t", text, strlen (text), &w, err, errlen) == 0);
  o->fault_ctl = with_ctl ? &fc : NULL;
  r = wl_run_bdev (w, bd, &sk, o, res, err, errlen);
  o->fault_ctl = NULL;
  wl_free (w);
  fpfs_bdev_close (bd);
  return r;
}

/* ---- tests ---- */

static void
parse_error_is (const char *text, const char *want)
{
  struct wl_workload *w = NULL;
  char err[512] = "";

  assert (wl_parse ("w.wl", text, strlen (text), &w, err, sizeof err)
          == -EINVAL);
  if (!strstr (err, want)) {
    fprintf (stderr, "got \"%s\", want \"%s\"\n", err, want);
    assert (0);
  }
}

static void
test_fault_lines_parse (void)
{
  struct wl_workload *w;
  char err[512];
  const char *text =
    "fault write EIO next\n"
    "fault flush:EIO:at:3   # the third flush\n"
    "fault clear\n"
    "expect EINVAL\n"
    "fault write EIO next; powercut at 9\n";

  assert (wl_parse ("w.wl", text, strlen (text), &w, err, sizeof err) == 0);
  assert (w->n_ops == 4);
  assert (strcmp (w->ops[1].path, "flush:EIO:at:3") == 0);
  assert (strcmp (w->ops[1].text, "fault flush:EIO:at:3") == 0);
  assert (w->ops[2].expect_errno == EINVAL);
  assert (strcmp (w->ops[3].path, "write EIO next; powercut at 9") == 0);
  wl_free (w);
  parse_error_is ("mkdir /a\nfault write EIO at x\n",
                  "w.wl:2:7: fault spec 1 \"write EIO at x\": word 4 \"x\": "
                  "expected a count >= 1 after \"at\"");
  parse_error_is ("fault\n", "w.wl:1:6: expected a fault specification");
  parse_error_is ("fault # nothing\n", "w.wl:1:7: expected a fault "
                  "specification");
  parse_error_is ("  fault  wirte EIO\n", "w.wl:1:10: fault spec 1 "
                  "\"wirte EIO\": word 1 \"wirte\": expected an operation");
  printf ("ok fault_lines_parse\n");
}

static void
test_range_sets (void)
{
  struct wl_rset s = { 0 };

  assert (wl_rset_add (&s, 10, 20) == 0 && wl_rset_add (&s, 30, 40) == 0);
  assert (wl_rset_add (&s, 20, 30) == 0);          /* touching: one range */
  assert (s.rs_n == 1 && s.rs_v[0] == 10 && s.rs_v[1] == 40);
  assert (wl_rset_remove (&s, 15, 25) == 0);       /* a hole: two ranges */
  assert (s.rs_n == 2 && s.rs_v[1] == 15 && s.rs_v[2] == 25);
  assert (wl_rset_add (&s, 0, 5) == 0 && wl_rset_add (&s, 50, 60) == 0);
  assert (s.rs_n == 4);
  assert (wl_rset_add (&s, 3, 55) == 0);           /* swallows all */
  assert (s.rs_n == 1 && s.rs_v[0] == 0 && s.rs_v[1] == 60);
  assert (wl_rset_remove (&s, 0, 60) == 0 && wl_rset_empty (&s));
  assert (wl_rset_add (&s, 5, 5) == 0 && wl_rset_empty (&s));
  wl_rset_free (&s);
  printf ("ok range_sets\n");
}

/* write, fsync -> EIO, fsync -> 0: the marks say what happened. */
static void
test_fsyncgate_marks (void)
{
  struct wl_run_opts o;
  struct wl_run_result res;
  struct sink s = { 0 };
  char err[512];
  const char *text =
    "open /f O_CREAT|O_RDWR 0644\n"     /* 0 */
    "pwrite /f 0 8K\n"                  /* 1 */
    "fsync /f\n"                        /* 2 */
    "pwrite /f 0 8K seed=9\n"           /* 3 */
    "fault write EIO next\n"            /* 4 */
    "fsync /f\n"                        /* 5 */
    "expect EIO\n"
    "fsync /f\n"                        /* 6 */
    "pwrite /f 0 100\n"                 /* 7: rewrites block 0 */
    "fsync /f\n"                        /* 8 */
    "sync\n"                            /* 9: sync has not reported it */
    "expect EIO\n"
    "sync\n";                           /* 10 */

  wl_run_opts_init (&o);
  if (run (text, &o, true, &s, &res, err, sizeof err) != 0) {
    fprintf (stderr, "%s\n", err);
    assert (0);
  }
  assert (strcmp (unknown_of (&s, 2), "none") == 0);
  assert (jget (after (&s, 5), "sync") == NULL);
  assert (strcmp (jstr (after (&s, 5), "sync_failed"), "fsync") == 0);
  assert (strcmp (jstr (after (&s, 5), "errno"), "EIO") == 0);
  assert (strcmp (unknown_of (&s, 6), "[[0,2]]") == 0);
  assert (strcmp (unknown_of (&s, 8), "[[1,1]]") == 0);
  assert (strcmp (jstr (after (&s, 9), "sync_failed"), "sync") == 0);
  assert (strcmp (unknown_of (&s, 10), "[[1,1]]") == 0);
  json_object *end = mark_of_kind (&s, "end");
  assert (json_object_get_int (jget (end, "sync_errors")) == 2);
  assert (json_object_get_int (jget (end, "failed_ops")) == 2);
  assert (json_object_get_int (jget (end, "doubt_blocks")) == 1);
  assert (json_object_get_int (jget (end, "faults_fired")) == 1);
  assert (res.sync_errors == 2 && res.doubt_blocks == 1);
  sink_free (&s);
  printf ("ok fsyncgate_marks\n");
}

/* A sync error puts every file's unsynced blocks in doubt; blocks synced
 * before stay out of it.  (Without a journal, so that the failed writes
 * do not abort it and later syncs can succeed.) */
static void
test_sync_error_taints_every_unsynced_file (void)
{
  struct wl_run_opts o;
  struct wl_run_result res;
  struct sink s = { 0 };
  char err[512];
  const char *text =
    "#! mount nojournal\n"
    "creat /a\n"                        /* 0 */
    "creat /b\n"                        /* 1 */
    "pwrite /a 0 4K\n"                  /* 2 */
    "sync\n"                            /* 3 */
    "pwrite /b 0 4K\n"                  /* 4 */
    "pwrite /a 8K 4K\n"                 /* 5 */
    "fault write EIO\n"                 /* 6: every write, until cleared */
    "sync\n"                            /* 7 */
    "expect EIO\n"
    "fault clear\n"                     /* 8 */
    "fsync /a\n"                        /* 9: the file's own errseq */
    "expect EIO\n"
    "fsync /a\n"                        /* 10 */
    "fsync /b\n"                        /* 11 */
    "expect EIO\n"
    "fsync /b\n";                       /* 12 */

  wl_run_opts_init (&o);
  if (run (text, &o, true, &s, &res, err, sizeof err) != 0) {
    fprintf (stderr, "%s\n", err);
    assert (0);
  }
  assert (strcmp (jstr (after (&s, 7), "sync_failed"), "sync") == 0);
  assert (strcmp (unknown_of (&s, 10), "[[2,1]]") == 0);
  assert (strcmp (unknown_of (&s, 12), "[[0,1]]") == 0);
  assert (res.doubt_blocks == 2);
  sink_free (&s);
  printf ("ok sync_error_taints_every_unsynced_file\n");
}

static void
test_keep_going_and_fault_flags (void)
{
  struct wl_run_opts o;
  struct wl_run_result res;
  struct sink s = { 0 };
  char err[512];
  const char *faults[] = { "flush EIO next" };
  const char *text =
    "creat /a\n"
    "pwrite /a 0 4K\n"
    "fsync /a\n"                        /* 2: the armed flush fails */
    "mkdir /d\n";

  wl_run_opts_init (&o);
  o.faults = faults;
  o.n_faults = 1;
  assert (run (text, &o, true, &s, &res, err, sizeof err) == -EPROTO);
  assert (strstr (err, "t:3: fsync /a: failed with EIO"));
  sink_free (&s);

  o.keep_going = true;
  assert (run (text, &o, true, &s, &res, err, sizeof err) == 0);
  assert (res.unexpected == 2);       /* fsync EIO, then mkdir EROFS */
  assert (json_object_get_boolean (jget (after (&s, 2), "unexpected")));
  assert (strcmp (jstr (after (&s, 3), "errno"), "EROFS") == 0);
  json_object *run_mark = mark_of_kind (&s, "run");
  assert (json_object_array_length (jget (run_mark, "faults")) == 1);
  assert (json_object_get_boolean (jget (run_mark, "keep_going")));
  assert (json_object_get_int (jget (mark_of_kind (&s, "end"), "unexpected"))
          == 2);
  sink_free (&s);
  printf ("ok keep_going_and_fault_flags\n");
}

/* An O_DSYNC write whose sync part fails: the data did reach the cache. */
static void
test_failed_sync_write_has_an_uncertain_effect (void)
{
  struct wl_run_opts o;
  struct wl_run_result res;
  struct sink s = { 0 };
  char err[512];
  const char *text =
    "open /f O_CREAT|O_RDWR|O_DSYNC 0644 as h\n"   /* 0 */
    "pwrite h 0 4K\n"                              /* 1 */
    "fault flush EIO next\n"                       /* 2 */
    "pwrite h 4K 4K\n"                             /* 3 */
    "expect EIO\n"
    "fsync h\n";                                   /* 4 */

  wl_run_opts_init (&o);
  o.keep_going = true;
  assert (run (text, &o, true, &s, &res, err, sizeof err) == 0);
  json_object *a = after (&s, 3);
  assert (strcmp (jstr (a, "sync_failed"), "odsync") == 0);
  json_object *eff = jget (a, "effect");
  assert (eff && json_object_get_boolean (jget (eff, "uncertain")));
  assert (json_object_get_int (jget (eff, "size")) == 8192);
  sink_free (&s);
  printf ("ok failed_sync_write_has_an_uncertain_effect\n");
}

static void
test_fault_without_a_fault_control_is_a_runner_error (void)
{
  struct wl_run_opts o;
  struct wl_run_result res;
  struct sink s = { 0 };
  char err[512];

  wl_run_opts_init (&o);
  assert (run ("fault write EIO next\n", &o, false, &s, &res, err,
               sizeof err) == -ENOTSUP);
  assert (strstr (err, "fault operations need the recording plugin"));
  sink_free (&s);
  printf ("ok fault_without_a_fault_control_is_a_runner_error\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_fault_lines_parse ();
  test_range_sets ();
  test_fsyncgate_marks ();
  test_sync_error_taints_every_unsynced_file ();
  test_keep_going_and_fault_flags ();
  test_failed_sync_write_has_an_uncertain_effect ();
  test_fault_without_a_fault_control_is_a_runner_error ();
  return 0;
}
