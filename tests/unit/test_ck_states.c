/* test_ck_states: recipes (text, JSON, parsers) and the choice of crash
 * states on hand-made logs.  One behaviour per function. */
#include "test_ck_util.h"
#include "ck_states.h"

/* ---- collecting the states of a walk ---- */

struct coll {
  struct ck_recipe r[4096];
  uint64_t epoch[4096];
  size_t n;
  uint64_t fed;                /* entries seen by ops->entry */
};

static int
coll_entry (void *ctx, const struct fplog_entry *e)
{
  struct coll *c = ctx;
  assert (e->seq == c->fed);
  c->fed++;
  return 0;
}

static int
coll_state (void *ctx, const struct ck_state *st)
{
  struct coll *c = ctx;
  assert (st->index == c->n);
  assert (c->n < 4096);
  /* The walk's promise: entries 0..end were fed, nothing after. */
  assert (c->fed == st->recipe.end + 1);
  assert (c->n == 0 || st->recipe.end >= c->r[c->n - 1].end);
  assert (ck_recipe_copy (&c->r[c->n], &st->recipe) == 0);
  c->epoch[c->n] = st->epoch;
  c->n++;
  return 0;
}

static struct coll *
walk (const char *path, const struct ck_states_opts *o,
      struct ck_walk_stats *stats)
{
  static const struct ck_walk_ops ops = { coll_entry, coll_state };
  struct coll *c = calloc (1, sizeof *c);
  struct fplog_reader *rd;
  char err[512];

  assert (fplog_reader_open (path, &rd, err, sizeof err) == 0);
  assert (ck_states_walk (rd, o, &ops, c, stats, err, sizeof err) == 0);
  fplog_reader_close (rd);
  return c;
}

static void
coll_free (struct coll *c)
{
  for (size_t i = 0; i < c->n; i++)
    ck_recipe_free (&c->r[i]);
  free (c);
}

static size_t
count_kind (const struct coll *c, enum ck_state_kind k)
{
  size_t n = 0;
  for (size_t i = 0; i < c->n; i++)
    n += c->r[i].kind == k;
  return n;
}

static void
fmt (const struct ck_recipe *r, char *buf, size_t len)
{
  size_t n = ck_recipe_format (r, buf, len);
  assert (n < len);
}

/* W0 W1(FUA) W2 F3 W4 M5 W6 F7 W8(2 sectors) M9 */
static void
small_log (struct tl *t)
{
  tl_open (t, "ck-states", 64 * 1024, 512, NULL, 0, 0);
  tl_write (t, 0, 0, 512, 1);
  tl_write (t, FPLOG_F_FUA, 4096, 512, 2);
  tl_write (t, 0, 8192, 512, 3);
  tl_flush (t);
  tl_write (t, 0, 0, 1024, 4);
  tl_mark (t, "m");
  tl_write (t, 0, 512, 512, 5);
  tl_flush (t);
  tl_write (t, 0, 1024, 1024, 6);
  tl_mark (t, "end");
  tl_close (t);
}

/* ---- recipes ---- */

static void
test_recipe_text_round_trip (void)
{
  struct ck_recipe r, p;
  struct ck_range keep[] = { { 6, 6 }, { 0, 3 } };
  uint64_t drops[] = { 25, 17, 23, 24, 17 };
  char buf[256], err[256];

  ck_recipe_init (&r);
  r.end = 123;
  assert (ck_recipe_set_drop (&r, drops, 5) == 0);
  assert (r.ndrop == 4);                         /* sorted, de-duplicated */
  assert (ck_recipe_set_tear (&r, 31, keep, 2) == 0);
  fmt (&r, buf, sizeof buf);
  assert (strcmp (buf, "end=123 drop=17,23-25 tear=31:0-3,6") == 0);
  ck_recipe_format_options (&r, buf, sizeof buf);
  assert (strcmp (buf, "--to-entry 123 --drop 17,23-25 --tear 31:0-3,6") == 0);
  ck_recipe_init (&p);
  assert (ck_recipe_parse (&p, "end=123 drop=17,23-25 tear=31:0-3,6", err,
                           sizeof err) == 0);
  r.kind = CK_KIND_TORN;
  assert (ck_recipe_equal (&r, &p));
  ck_recipe_free (&p);
  ck_recipe_free (&r);
}

static void
test_recipe_parse_rejects_garbage (void)
{
  static const char *bad[] = { "", "x", "1,", "1-", "3-1", "1,,2", "-1",
                               "99999999999999999999", "0-99999999999" };
  struct ck_recipe r;
  char err[256];

  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ck_recipe_init (&r);
    err[0] = 0;
    assert (ck_recipe_parse_drop (&r, bad[i], err, sizeof err) == -EINVAL);
    assert (err[0]);
    ck_recipe_free (&r);
  }
  ck_recipe_init (&r);
  assert (ck_recipe_parse_tear (&r, "31", err, sizeof err) == -EINVAL);
  assert (ck_recipe_parse_tear (&r, "31:0-3,6", err, sizeof err) == 0);
  assert (ck_recipe_parse_tear (&r, "32:1", err, sizeof err) == -EINVAL);
  ck_recipe_free (&r);
  assert (ck_recipe_parse (&r, "drop=1", err, sizeof err) == -EINVAL);
  ck_recipe_free (&r);
}

static void
test_recipe_command_quotes_paths (void)
{
  struct ck_recipe r;
  char *cmd;

  ck_recipe_init (&r);
  r.end = 7;
  cmd = ck_recipe_command (&r, "/tmp/it's here.fpl", "s.img");
  assert (strcmp (cmd, "flushpoint replay '/tmp/it'\\''s here.fpl' -o s.img "
                  "--to-entry 7") == 0);
  free (cmd);
}

static void
test_recipe_json (void)
{
  struct ck_recipe r;
  struct ck_range keep[] = { { 1, 2 } };
  uint64_t d = 4;

  ck_recipe_init (&r);
  r.kind = CK_KIND_TORN;
  r.end = 9;
  assert (ck_recipe_set_drop (&r, &d, 1) == 0);
  assert (ck_recipe_set_tear (&r, 8, keep, 1) == 0);
  struct json_object *j = ck_recipe_to_json (&r);
  const char *s = json_object_to_json_string_ext (j, JSON_C_TO_STRING_PLAIN);
  assert (strstr (s, "\"kind\":\"torn\""));
  assert (strstr (s, "\"end\":9"));
  assert (strstr (s, "\"drop\":[4]"));
  assert (strstr (s, "\"tear\":{\"seq\":8,\"keep\":[[1,2]]}"));
  json_object_put (j);
  ck_recipe_free (&r);
}

static void
test_kinds_parse (void)
{
  unsigned m;
  char err[256];

  assert (ck_kinds_parse ("flush,torn", &m, err, sizeof err) == 0);
  assert (m == (CK_KIND_BIT (CK_KIND_FLUSH) | CK_KIND_BIT (CK_KIND_TORN)));
  assert (ck_kinds_parse ("flush,bogus", &m, err, sizeof err) == -EINVAL);
  assert (strstr (err, "bogus"));
}

/* ---- the walk ---- */

static void
test_flush_states_end_after_trailing_marks (void)
{
  struct tl t;
  struct ck_states_opts o;
  struct ck_walk_stats st;
  char buf[128];

  small_log (&t);
  ck_states_opts_init (&o);
  o.kinds = 0;                                   /* flush is always on */
  struct coll *c = walk (t.path, &o, &st);
  assert (c->n == 3 && st.flushes == 2 && st.entries == 10);
  fmt (&c->r[0], buf, sizeof buf);
  assert (strcmp (buf, "end=3") == 0);
  assert (c->r[0].kind == CK_KIND_FLUSH && c->epoch[0] == 1);
  fmt (&c->r[1], buf, sizeof buf);
  assert (strcmp (buf, "end=7") == 0);
  /* The log ends in a write: the power cut at its end is a state too. */
  fmt (&c->r[2], buf, sizeof buf);
  assert (strcmp (buf, "end=9") == 0 && c->r[2].kind == CK_KIND_FLUSH);
  coll_free (c);
  unlink (t.path);
}

static void
test_write_states_run_on_over_marks (void)
{
  struct tl t;
  struct ck_states_opts o;
  struct ck_walk_stats st;
  uint64_t ends[16];

  small_log (&t);
  ck_states_opts_init (&o);
  o.kinds = CK_KIND_BIT (CK_KIND_WRITE);
  struct coll *c = walk (t.path, &o, &st);
  /* W0 W1 W2 F3 W4(+M5) W6 F7 W8(+M9) */
  uint64_t want[] = { 0, 1, 2, 3, 5, 6, 7, 9 };
  assert (c->n == 8);
  for (size_t i = 0; i < c->n; i++)
    ends[i] = c->r[i].end;
  assert (memcmp (ends, want, sizeof want) == 0);
  assert (count_kind (c, CK_KIND_FLUSH) == 2);
  coll_free (c);
  unlink (t.path);
}

static void
test_epoch_states_never_drop_fua_and_enumerate_subsets (void)
{
  struct tl t;
  struct ck_states_opts o;
  struct ck_walk_stats st;
  char buf[128];
  /* The epoch's drops come before the state of the FLUSH that ends it. */
  const char *order[] = { "end=2 drop=0", "end=2 drop=2", "end=2 drop=0,2",
                          "end=3", "end=6 drop=4", "end=6 drop=6",
                          "end=6 drop=4,6", "end=7", "end=9",
                          "end=9 drop=8" };

  small_log (&t);
  ck_states_opts_init (&o);
  o.kinds = CK_KIND_BIT (CK_KIND_EPOCH);
  o.max_subset = 2;
  o.samples = 5;                  /* nothing left to sample: skipped */
  struct coll *c = walk (t.path, &o, &st);
  assert (c->n == 10);
  for (size_t i = 0; i < c->n; i++) {
    fmt (&c->r[i], buf, sizeof buf);
    assert (strcmp (buf, order[i]) == 0);
  }
  assert (st.epochs == 3 && st.capped_epochs == 0);
  coll_free (c);
  unlink (t.path);
}

static void
test_torn_states_per_write (void)
{
  struct tl t;
  struct ck_states_opts o;
  struct ck_walk_stats st;
  char buf[128];

  tl_open (&t, "ck-torn", 64 * 1024, 512, NULL, 0, 0);
  tl_write (&t, 0, 0, 512, 1);              /* one sector: never torn */
  tl_write (&t, FPLOG_F_FUA, 0, 4096, 1);   /* FUA: never torn */
  tl_write (&t, 0, 1024, 1024, 1);          /* two sectors */
  tl_write (&t, 0, 8192, 4096, 1);          /* eight sectors */
  tl_close (&t);
  ck_states_opts_init (&o);
  o.kinds = CK_KIND_BIT (CK_KIND_TORN);
  o.seed = 7;
  struct coll *c = walk (t.path, &o, &st);
  assert (count_kind (c, CK_KIND_TORN) == 2 + 8);
  fmt (&c->r[0], buf, sizeof buf);
  assert (strcmp (buf, "end=2 tear=2:0") == 0);
  fmt (&c->r[1], buf, sizeof buf);
  assert (strcmp (buf, "end=2 tear=2:1") == 0);
  const char *eight[] = { "end=3 tear=3:0", "end=3 tear=3:0-3",
                          "end=3 tear=3:0-6", "end=3 tear=3:7",
                          "end=3 tear=3:4-7", "end=3 tear=3:1-7" };
  assert (c->r[2].kind == CK_KIND_FLUSH);       /* the log's end */
  for (size_t i = 0; i < 6; i++) {
    fmt (&c->r[3 + i], buf, sizeof buf);
    assert (strcmp (buf, eight[i]) == 0);
  }
  for (size_t i = 3; i < c->n; i++) {
    /* never none, never all, all distinct */
    assert (c->r[i].nkeep > 0);
    assert (!(c->r[i].nkeep == 1 && c->r[i].keep[0].first == 0 &&
              c->r[i].keep[0].last == 7));
    for (size_t j = 3; j < i; j++)
      assert (!ck_recipe_equal (&c->r[i], &c->r[j]));
  }
  coll_free (c);
  o.tears_per_write = 3;
  c = walk (t.path, &o, &st);
  assert (c->n == 2 + 1 + 3);
  coll_free (c);
  unlink (t.path);
}

static void
test_big_epoch_is_capped_and_sampled (void)
{
  struct tl t;
  struct ck_states_opts o;
  struct ck_walk_stats st;

  tl_open (&t, "ck-cap", 1 << 20, 512, NULL, 0, 0);
  for (int i = 0; i < 200; i++)
    tl_write (&t, 0, (uint64_t) i * 512, 512, (uint8_t) i);
  tl_close (&t);
  ck_states_opts_init (&o);
  o.kinds = CK_KIND_BIT (CK_KIND_EPOCH);
  o.max_subset = 2;
  o.max_per_epoch = 300;      /* 200 singles fit, 19900 pairs do not */
  o.samples = 10;
  o.seed = 99;
  struct coll *c = walk (t.path, &o, &st);
  assert (c->n == 1 + 300 + 10);        /* the log's end, then drops */
  assert (st.capped_epochs == 1);
  for (size_t i = 0; i < 200; i++)
    assert (c->r[1 + i].ndrop == 1 && c->r[1 + i].drop[0] == i);
  for (size_t i = 201; i < 301; i++)
    assert (c->r[i].ndrop == 2);
  for (size_t i = 301; i < c->n; i++)   /* samples: 2..64 writes */
    assert (c->r[i].ndrop >= 2 && c->r[i].ndrop <= CK_SAMPLE_MAX);
  /* The same seed gives the same states; another seed does not. */
  struct coll *d = walk (t.path, &o, &st);
  for (size_t i = 0; i < c->n; i++)
    assert (ck_recipe_equal (&c->r[i], &d->r[i]));
  coll_free (d);
  o.seed = 100;
  d = walk (t.path, &o, &st);
  bool differ = false;
  for (size_t i = 201; i < c->n; i++)
    differ |= !ck_recipe_equal (&c->r[i], &d->r[i]);
  assert (differ);
  coll_free (d);
  o.max_per_epoch = 50;       /* fewer than the singles: random singles */
  o.samples = 0;
  d = walk (t.path, &o, &st);
  assert (d->n == 1 + 50);
  for (size_t i = 1; i < d->n; i++) {
    assert (d->r[i].ndrop == 1);
    for (size_t j = 1; j < i; j++)
      assert (d->r[j].drop[0] != d->r[i].drop[0]);
  }
  coll_free (d);
  coll_free (c);
  unlink (t.path);
}

static void
test_recipe_apply_rejects_impossible_states (void)
{
  struct tl t;
  struct ck_recipe r;
  struct fplog_reader *rd;
  struct fpfs_bdev *bd;
  char err[512];

  small_log (&t);
  assert (fplog_reader_open (t.path, &rd, err, sizeof err) == 0);
  assert (fpfs_bdev_mem_open (64 * 1024, 512, &bd) == 0);
  const char *bad[] = {
    "end=2 drop=1",            /* FUA */
    "end=5 drop=2",            /* flushed by the FLUSH at 3 */
    "end=6 drop=5",            /* a MARK */
    "end=4 drop=6",            /* after the end */
    "end=9 tear=8:2",          /* two sectors: 0-1 only */
    "end=9 tear=8:0 drop=8",   /* torn and dropped */
    "end=12",                  /* past the log */
  };
  int want[] = { -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL,
                 -ENOENT };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ck_recipe_init (&r);
    assert (ck_recipe_parse (&r, bad[i], err, sizeof err) == 0);
    err[0] = 0;
    int rc = ck_recipe_apply (&r, rd, 0, bd, err, sizeof err);
    if (rc != want[i])
      fprintf (stderr, "%s: got %d (%s)\n", bad[i], rc, err);
    assert (rc == want[i] && err[0]);
    ck_recipe_free (&r);
  }
  fpfs_bdev_close (bd);
  fplog_reader_close (rd);
  unlink (t.path);
}

int
main (void)
{
  test_recipe_text_round_trip ();
  test_recipe_parse_rejects_garbage ();
  test_recipe_command_quotes_paths ();
  test_recipe_json ();
  test_kinds_parse ();
  test_flush_states_end_after_trailing_marks ();
  test_write_states_run_on_over_marks ();
  test_epoch_states_never_drop_fua_and_enumerate_subsets ();
  test_torn_states_per_write ();
  test_big_epoch_is_capped_and_sampled ();
  test_recipe_apply_rejects_impossible_states ();
  printf ("test_ck_states: ok\n");
  return 0;
}
