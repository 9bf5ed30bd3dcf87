/* test_wl_run: the runner in-process on the engine's memory device, marks
 * collected by a memory sink.  Checks the mark sequence and JSON, that
 * expected states match both an independent computation and a read-back
 * through the engine, persist substitution, splitting into parts,
 * determinism, error reporting, and that every bundled and every
 * length-1 generated workload runs. */
#undef NDEBUG
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "fpfs.h"
#include "wl.h"
#include "wl_pattern.h"
#include "wl_run.h"

struct sink {
  char **m;
  size_t *len;
  size_t n, cap;
};

static int
sink_mark (void *ctx, const void *buf, size_t len, char *err, size_t errlen)
{
  struct sink *s = ctx;
  (void) err, (void) errlen;
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 64;
    s->m = realloc (s->m, s->cap * sizeof *s->m);
    s->len = realloc (s->len, s->cap * sizeof *s->len);
    assert (s->m && s->len);
  }
  s->m[s->n] = malloc (len + 1);
  memcpy (s->m[s->n], buf, len);
  s->m[s->n][len] = '\0';
  s->len[s->n++] = len;
  return 0;
}

static void
sink_free (struct sink *s)
{
  for (size_t i = 0; i < s->n; i++)
    free (s->m[i]);
  free (s->m);
  free (s->len);
  memset (s, 0, sizeof *s);
}

static json_object *
mark_json (struct sink *s, size_t i)
{
  json_object *o = json_tokener_parse (s->m[i]);
  assert (o && json_object_is_type (o, json_type_object));
  return o;
}

static const char *
jstr (json_object *o, const char *k)
{
  json_object *v;
  if (!json_object_object_get_ex (o, k, &v) || !v)
    return NULL;
  return json_object_get_string (v);
}

static int64_t
jint (json_object *o, const char *k)
{
  json_object *v;
  assert (json_object_object_get_ex (o, k, &v));
  return json_object_get_int64 (v);
}

static json_object *
jget (json_object *o, const char *k)
{
  json_object *v = NULL;
  json_object_object_get_ex (o, k, &v);
  return v;
}

/* Run text on a fresh 64 MiB memory disk.  *bdp receives the device if
 * bdp is non-NULL (the caller closes it). */
static int
run_text (const char *name, const char *text, struct wl_run_opts *o,
          struct sink *s, size_t max_len, struct fpfs_bdev **bdp,
          char *err, size_t errlen)
{
  struct wl_workload *w;
  struct fpfs_bdev *bd;
  struct wl_run_result res;
  struct wl_mark_sink sk = { sink_mark, s, max_len };
  int r;

  assert (wl_parse (name, text, strlen (text), &w, err, errlen) == 0);
  assert (fpfs_bdev_mem_open (w->disk_size ? w->disk_size
                              : WL_DEFAULT_DISK, 512, &bd) == 0);
  r = wl_run_bdev (w, bd, &sk, o, &res, err, errlen);
  assert (res.marks == s->n);
  if (bdp)
    *bdp = bd;
  else
    fpfs_bdev_close (bd);
  wl_free (w);
  return r;
}

static void
hex_of (const void *p, size_t n, char out[17])
{
  uint64_t h = XXH3_64bits (p, n);
  snprintf (out, 17, "%016llx", (unsigned long long) h);
}

static const char seed_case[] =
  "mkdir /a\n"
  "open /a/foo O_CREAT|O_RDWR 0644\n"
  "pwrite /a/foo 0 6000 pattern=xorshift seed=7\n"
  "persist /a/foo\n";

static void
test_marks_well_formed_and_state_correct (void)
{
  struct wl_run_opts o;
  struct sink s = { 0 };
  char err[512];
  uint8_t buf[8192];
  char h0[17], h1[17];

  wl_run_opts_init (&o);
  o.verify_readback = true;
  assert (run_text ("seed", seed_case, &o, &s, 0, NULL, err, sizeof err) == 0);
  /* run, ready, 4 x (before, after), end */
  assert (s.n == 2 + 8 + 1);
  json_object *m = mark_json (&s, 0);
  assert (strcmp (jstr (m, "kind"), "run") == 0 && jint (m, "v") == 1);
  assert (strcmp (jstr (m, "workload"), "seed") == 0);
  assert (strcmp (jstr (m, "persist"), "fsync") == 0);
  assert (strcmp (jstr (m, "text"), seed_case) == 0);
  assert (jint (m, "ops") == 4);
  json_object_put (m);
  m = mark_json (&s, 1);
  assert (strcmp (jstr (m, "kind"), "ready") == 0);
  json_object_put (m);
  uint64_t vt = 0;
  for (size_t i = 0; i < 4; i++) {
    json_object *b = mark_json (&s, 2 + 2 * i), *a = mark_json (&s, 3 + 2 * i);
    assert (strcmp (jstr (b, "kind"), "before") == 0);
    assert (strcmp (jstr (a, "kind"), "after") == 0);
    assert (jint (b, "op") == (int64_t) i && jint (a, "op") == (int64_t) i);
    assert (jint (b, "line") == (int64_t) i + 1);
    assert (strcmp (jstr (b, "text"), jstr (a, "text")) == 0);
    assert ((uint64_t) jint (b, "vtime") >= vt);
    assert (jint (a, "vtime") >= jint (b, "vtime"));
    vt = (uint64_t) jint (a, "vtime");
    assert (jstr (a, "errno") == NULL && jint (a, "ret") >= 0);
    json_object_put (b);
    json_object_put (a);
  }
  /* The write's effect and the fsync's state: hashes computed here from
   * the pattern, independently of the runner's model. */
  wl_pattern_fill (WL_PAT_XORSHIFT, 7, 0, buf, 6000);
  hex_of (buf, 4096, h0);
  hex_of (buf + 4096, 6000 - 4096, h1);
  m = mark_json (&s, 7);
  json_object *eff = jget (m, "effect");
  assert (jint (m, "ret") == 6000 && jint (eff, "size") == 6000);
  assert (jint (eff, "off") == 0 && jint (eff, "first_block") == 0);
  assert (strcmp (json_object_get_string (json_object_array_get_idx (
                    jget (eff, "blocks"), 1)), h1) == 0);
  json_object_put (m);
  m = mark_json (&s, 9);
  json_object *sync = jget (m, "sync");
  assert (sync && strcmp (jstr (sync, "call"), "fsync") == 0);
  json_object *st = json_object_array_get_idx (jget (sync, "state"), 0);
  assert (strcmp (jstr (st, "type"), "file") == 0);
  assert (strcmp (jstr (st, "path"), "/a/foo") == 0);
  assert (jint (st, "size") == 6000 && jint (st, "nlink") == 1);
  assert (jint (st, "mode") == (0100000 | 0644));
  json_object *bl = jget (st, "blocks");
  assert (json_object_array_length (bl) == 2);
  assert (strcmp (json_object_get_string (json_object_array_get_idx (bl, 0)),
                  h0) == 0);
  assert (strcmp (json_object_get_string (json_object_array_get_idx (bl, 1)),
                  h1) == 0);
  json_object_put (m);
  m = mark_json (&s, 10);
  assert (strcmp (jstr (m, "kind"), "end") == 0);
  assert (strcmp (jstr (m, "status"), "ok") == 0);
  assert (strcmp (jstr (m, "then"), "crash") == 0);
  json_object_put (m);
  sink_free (&s);
}

/* The persist op's after-mark (index 9) and the write's (index 7). */
static void
test_persist_choices (void)
{
  static const char *const want_call[WL_PERSIST__COUNT] = {
    [WL_PERSIST_FSYNC] = "fsync", [WL_PERSIST_FDATASYNC] = "fdatasync",
    [WL_PERSIST_SYNC] = "sync",
  };
  for (int p = 0; p < WL_PERSIST__COUNT; p++) {
    struct wl_run_opts o;
    struct sink s = { 0 };
    char err[512];

    wl_run_opts_init (&o);
    o.persist = (enum wl_persist) p;
    o.verify_readback = true;
    assert (run_text ("seed", seed_case, &o, &s, 0, NULL, err,
                      sizeof err) == 0);
    json_object *bw = mark_json (&s, 6), *aw = mark_json (&s, 7);
    json_object *bp = mark_json (&s, 8), *ap = mark_json (&s, 9);
    assert (strcmp (jstr (bp, "persist"), wl_persist_name (o.persist)) == 0);
    json_object *psync = jget (ap, "sync"), *wsync = jget (aw, "sync");
    if (want_call[p]) {
      assert (psync && strcmp (jstr (psync, "call"), want_call[p]) == 0);
      assert (!wsync && !jstr (bw, "sync_write"));
    } else {
      assert (!psync);
    }
    if (p == WL_PERSIST_OSYNC || p == WL_PERSIST_ODSYNC) {
      const char *c = p == WL_PERSIST_OSYNC ? "osync" : "odsync";
      assert (strcmp (jstr (bw, "sync_write"), c) == 0);
      assert (wsync && strcmp (jstr (wsync, "call"), c) == 0);
    }
    if (p == WL_PERSIST_NONE)
      assert (!wsync && !jstr (bw, "sync_write"));
    json_object_put (bw);
    json_object_put (aw);
    json_object_put (bp);
    json_object_put (ap);
    sink_free (&s);
  }
}

static void
test_same_run_twice_is_identical (void)
{
  struct wl_run_opts o;
  struct sink a = { 0 }, b = { 0 };
  struct fpfs_bdev *da, *db;
  char err[512];
  static uint8_t ba[1 << 20], bb[1 << 20];

  wl_run_opts_init (&o);
  o.seed = 42;
  assert (run_text ("seed", seed_case, &o, &a, 0, &da, err, sizeof err) == 0);
  assert (run_text ("seed", seed_case, &o, &b, 0, &db, err, sizeof err) == 0);
  assert (a.n == b.n);
  for (size_t i = 0; i < a.n; i++)
    assert (a.len[i] == b.len[i] && memcmp (a.m[i], b.m[i], a.len[i]) == 0);
  assert (da->stats.writes == db->stats.writes);
  assert (da->stats.flushes == db->stats.flushes);
  for (uint64_t off = 0; off < da->size; off += sizeof ba) {
    assert (fpfs_bdev_read (da, ba, off, sizeof ba) == 0);
    assert (fpfs_bdev_read (db, bb, off, sizeof bb) == 0);
    assert (memcmp (ba, bb, sizeof ba) == 0);
  }
  fpfs_bdev_close (da);
  fpfs_bdev_close (db);
  sink_free (&a);
  sink_free (&b);
}

/* A small mark budget forces "state" parts before the after-mark; their
 * concatenation equals the inline state of an unconstrained run. */
static void
test_state_split_into_parts (void)
{
  char text[16384];
  size_t n = 0;
  struct wl_run_opts o;
  struct sink big = { 0 }, small = { 0 };
  char err[512];

  n += (size_t) snprintf (text + n, sizeof text - n, "mkdir /d\n");
  for (int i = 0; i < 150; i++)
    n += (size_t) snprintf (text + n, sizeof text - n,
                            "creat /d/file-%03d\nappend /d/file-%03d 100\n",
                            i, i);
  snprintf (text + n, sizeof text - n, "sync\n");
  wl_run_opts_init (&o);
  assert (run_text ("many", text, &o, &big, 0, NULL, err, sizeof err) == 0);
  assert (run_text ("many", text, &o, &small, 16384, NULL, err,
                    sizeof err) == 0);
  /* In the small run: ..., before(sync), state x k, after(sync), end. */
  json_object *after = mark_json (&small, small.n - 2);
  json_object *sync = jget (after, "sync");
  int64_t parts = jint (sync, "parts");
  assert (parts >= 2 && !jget (sync, "state"));
  json_object *all = json_object_new_array ();
  for (int64_t k = 0; k < parts; k++) {
    size_t i = small.n - 2 - (size_t) parts + (size_t) k;
    assert (small.len[i] <= 16384);
    json_object *p = mark_json (&small, i);
    assert (strcmp (jstr (p, "kind"), "state") == 0);
    assert (jint (p, "part") == k && jint (p, "parts") == parts);
    assert (jint (p, "op") == jint (after, "op"));
    json_object *st = jget (p, "state");
    for (size_t j = 0; j < json_object_array_length (st); j++)
      json_object_array_add (all, json_object_get (
                                    json_object_array_get_idx (st, j)));
    json_object_put (p);
  }
  json_object *ba = mark_json (&big, big.n - 2);
  json_object *inline_state = jget (jget (ba, "sync"), "state");
  assert (strcmp (json_object_to_json_string (all),
                  json_object_to_json_string (inline_state)) == 0);
  /* 150 files + /d + / (and lost+found, if mkfs makes one). */
  assert (json_object_array_length (all) >= 152);
  json_object_put (all);
  json_object_put (ba);
  json_object_put (after);
  sink_free (&big);
  sink_free (&small);
}

static void
test_expect_and_errors (void)
{
  struct wl_run_opts o;
  struct sink s = { 0 };
  char err[512];

  wl_run_opts_init (&o);
  assert (run_text ("e", "unlink /nope\nexpect ENOENT\nclose /x\nexpect EBADF\n",
                    &o, &s, 0, NULL, err, sizeof err) == 0);
  json_object *a = mark_json (&s, 3);
  assert (strcmp (jstr (a, "errno"), "ENOENT") == 0 && jint (a, "ret") == -1);
  json_object_put (a);
  sink_free (&s);

  assert (run_text ("e", "mkdir /a\nunlink /nope\n", &o, &s, 0, NULL, err,
                    sizeof err) == -EPROTO);
  assert (strcmp (err, "e:2: unlink /nope: failed with ENOENT (No such file "
                  "or directory)") == 0);
  json_object *end = mark_json (&s, s.n - 1);
  assert (strcmp (jstr (end, "status"), "failed") == 0);
  assert (jint (end, "failed_op") == 1);
  json_object_put (end);
  sink_free (&s);

  assert (run_text ("e", "mkdir /a\nexpect EEXIST\n", &o, &s, 0, NULL, err,
                    sizeof err) == -EPROTO);
  assert (strcmp (err, "e:1: mkdir /a: succeeded, but the workload expects "
                  "EEXIST") == 0);
  sink_free (&s);

  assert (run_text ("e", "open /f O_CREAT|O_RDWR\nopen /f O_RDWR\n", &o, &s,
                    0, NULL, err, sizeof err) == -EPROTO);
  assert (strcmp (err, "e:2: open /f O_RDWR: handle /f is already open") == 0);
  sink_free (&s);

  assert (run_text ("e", "fault write EIO next\n", &o, &s, 0, NULL, err,
                    sizeof err) == -ENOTSUP);
  /* A memory device has no fault injection (test_wl_faults.c has one). */
  assert (strstr (err, "fault operations need the recording plugin") != NULL);
  sink_free (&s);
}

/* Clean unmount, then mount again: the files hold the pattern bytes. */
static void
test_clean_umount_then_read (void)
{
  struct wl_run_opts o;
  struct sink s = { 0 };
  struct fpfs_bdev *bd;
  struct fpfs_mount_opts mo;
  struct fpfs *fs;
  char err[512];
  uint8_t want[6000], got[6000];

  wl_run_opts_init (&o);
  o.clean_umount = true;
  o.persist = WL_PERSIST_NONE;
  assert (run_text ("seed", seed_case, &o, &s, 0, &bd, err, sizeof err) == 0);
  json_object *u = mark_json (&s, s.n - 1);
  assert (strcmp (jstr (u, "kind"), "umounted") == 0 && jint (u, "ret") == 0);
  json_object_put (u);
  fpfs_mount_opts_init (&mo);
  assert (fpfs_mount (bd, &mo, &fs, err, sizeof err) == 0);
  int fd = fpfs_open (fs, "/a/foo", O_RDONLY, 0);
  assert (fd >= 0);
  assert (fpfs_pread (fs, fd, got, sizeof got, 0) == (ssize_t) sizeof got);
  wl_pattern_fill (WL_PAT_XORSHIFT, 7, 0, want, sizeof want);
  assert (memcmp (want, got, sizeof want) == 0);
  fpfs_close (fs, fd);
  assert (fpfs_umount (fs) == 0);
  fpfs_bdev_close (bd);
  sink_free (&s);
}

static int
run_generated (void *ctx, const char *name, const char *text)
{
  struct wl_run_opts o;
  struct sink s = { 0 };
  char err[512];
  int *count = ctx;

  wl_run_opts_init (&o);
  o.verify_readback = true;
  int r = run_text (name, text, &o, &s, 0, NULL, err, sizeof err);
  if (r != 0) {
    fprintf (stderr, "%s: %s\n%s", name, err, text);
    assert (0);
  }
  sink_free (&s);
  (*count)++;
  return 0;
}

static void
test_generated_length_1_all_run (void)
{
  int count = 0;
  assert (wl_generate_each (WL_GEN_CORE, 1, 5, run_generated, &count) == 0);
  assert (count == 96);
  /* --ops all: the issue-14 operations too, every `expect` right. */
  count = 0;
  assert (wl_generate_each (WL_GEN_ALL, 1, 5, run_generated, &count) == 0);
  assert (count == 168);
}

/* Every bundled workload except the 64 MiB one (run once, end to end). */
static void
test_bundled_workloads_run (void)
{
  const char *src = getenv ("FP_SOURCE_DIR");
  char dir[4096], path[4400], err[512];
  struct dirent *de;
  int count = 0;
  DIR *d;

  snprintf (dir, sizeof dir, "%s/workloads", src ? src : "..");
  d = opendir (dir);
  assert (d);
  while ((de = readdir (d))) {
    size_t n = strlen (de->d_name);
    if (n < 4 || strcmp (de->d_name + n - 3, ".wl") != 0
        || strcmp (de->d_name, "large-file-delalloc.wl") == 0)
      continue;
    snprintf (path, sizeof path, "%s/%s", dir, de->d_name);
    struct wl_workload *w;
    struct fpfs_bdev *bd;
    struct wl_run_opts o;
    struct wl_run_result res;
    struct sink s = { 0 };
    struct wl_mark_sink sk = { sink_mark, &s, 0 };
    assert (wl_parse_file (path, &w, err, sizeof err) == 0);
    assert (fpfs_bdev_mem_open (w->disk_size ? w->disk_size
                                : WL_DEFAULT_DISK, 512, &bd) == 0);
    wl_run_opts_init (&o);
    o.verify_readback = true;
    int r = wl_run_bdev (w, bd, &sk, &o, &res, err, sizeof err);
    if (r != 0) {
      fprintf (stderr, "%s: %s\n", de->d_name, err);
      assert (0);
    }
    printf ("  %-28s %4zu ops %5zu marks %4zu states %6llu blocks read "
            "back\n", w->name, w->n_ops, res.marks, res.sync_states,
            (unsigned long long) res.readback_blocks);
    fpfs_bdev_close (bd);
    wl_free (w);
    sink_free (&s);
    count++;
  }
  closedir (d);
  assert (count >= 30);
}

int
main (void)
{
  test_marks_well_formed_and_state_correct ();
  test_persist_choices ();
  test_same_run_twice_is_identical ();
  test_state_split_into_parts ();
  test_expect_and_errors ();
  test_generated_length_1_all_run ();
  test_bundled_workloads_run ();
  test_clean_umount_then_read ();
  printf ("test_wl_run: ok\n");
  return 0;
}
