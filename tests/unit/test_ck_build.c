/* test_ck_build: every crash state the incremental builder makes equals,
 * byte for byte, the image replayed from scratch by its recipe.
 *
 * Seeded random logs (seed printed; FP_SEED=N reruns one), all four kinds
 * of states with subsets up to 3 and samples, sometimes over a base image.
 * After each state the test scribbles on the state's device, as recovery
 * would, to prove the next state does not see it.  A few states per log
 * also go through ck_state_build_image() (the replay path) and are
 * compared with the same reference.
 */
#include <fcntl.h>
#include <xxhash.h>

#include "test_ck_util.h"
#include "ck_build.h"
#include "ck_states.h"

struct run {
  const char *log_path;
  struct ck_build *b;
  uint64_t states, images;
  uint64_t seed;
};

static int
run_entry (void *ctx, const struct fplog_entry *e)
{
  struct run *r = ctx;
  char err[512];
  int rc = ck_build_entry (r->b, e, err, sizeof err);
  if (rc)
    fprintf (stderr, "ck_build_entry: %s\n", err);
  assert (rc == 0);
  return 0;
}

static void
check_image_file (struct run *r, const struct ck_recipe *rc,
                  struct fpfs_bdev *ref)
{
  char img[300], err[1024];
  struct ck_replay_result res;
  struct fpfs_bdev *bd;

  snprintf (img, sizeof img, "%s.img", r->log_path);
  struct ck_state_image_opts o = { r->log_path, img, NULL, rc };
  if (ck_state_build_image (&o, &res, err, sizeof err) != 0) {
    fprintf (stderr, "ck_state_build_image: %s\n", err);
    abort ();
  }
  assert (fpfs_bdev_file_open (img, false, 0, &bd, err, sizeof err) == 0);
  assert (tl_diff (bd, ref) == -1);
  fpfs_bdev_close (bd);
  unlink (img);
  r->images++;
}

static int
run_state (void *ctx, const struct ck_state *st)
{
  struct run *r = ctx;
  struct fpfs_bdev *bd, *ref;
  char err[512], buf[4096];
  int64_t d;

  if (ck_build_state (r->b, &st->recipe, &bd, err, sizeof err) != 0) {
    fprintf (stderr, "seed %" PRIu64 ": ck_build_state: %s\n", r->seed, err);
    abort ();
  }
  ref = tl_reference (r->log_path, &st->recipe);
  d = tl_diff (bd, ref);
  if (d >= 0) {
    ck_recipe_format (&st->recipe, buf, sizeof buf);
    fprintf (stderr, "seed %" PRIu64 ": state %" PRIu64 " (%s, %s): images "
             "differ at byte %" PRId64 "\n", r->seed, st->index,
             ck_kind_name (st->recipe.kind), buf, d);
    abort ();
  }
  if (st->index % 97 == 0)
    check_image_file (r, &st->recipe, ref);
  fpfs_bdev_close (ref);
  /* What recovery would do: write over the state. */
  memset (buf, 0xee, sizeof buf);
  assert (fpfs_bdev_write (bd, buf, 0, sizeof buf, 0) == 0);
  assert (fpfs_bdev_trim (bd, 8192, 4096) == 0);
  ck_build_state_done (r->b);
  r->states++;
  return 0;
}

static void
make_base (const char *path, uint64_t size, uint64_t *sum)
{
  uint8_t *p = calloc (1, size);
  int fd;

  for (uint64_t i = 0; i < size; i += 4096)   /* some blocks stay zero */
    if (tl_rand () % 3)
      for (uint64_t j = i; j < i + 4096 && j < size; j++)
        p[j] = (uint8_t) tl_rand ();
  *sum = XXH3_64bits (p, size);
  fd = open (path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  assert (fd >= 0 && write (fd, p, size) == (ssize_t) size);
  close (fd);
  free (p);
}

static void
one_log (uint64_t seed)
{
  static const struct ck_walk_ops ops = { run_entry, run_state };
  struct ck_states_opts o;
  struct ck_walk_stats st;
  struct fplog_reader *rd;
  struct run r = { .seed = seed };
  char base[300] = "", err[512];
  uint64_t sum = 0, base_size = 0;
  struct tl t;
  uint32_t ss = seed % 3 == 0 ? 4096 : 512;

  tl_rng = seed;
  if (seed % 2) {
    snprintf (base, sizeof base, "/tmp/ck-build-base-%d.img", (int) getpid ());
    base_size = 40960 + (seed % 2 ? 4096 : 0);
    make_base (base, base_size, &sum);
  }
  tl_open (&t, "ck-build", 128 * 1024, ss, base[0] ? base : NULL, base_size,
           sum);
  tl_random_log (&t, 60 + (unsigned) (tl_rand () % 60),
                 2 + (unsigned) (tl_rand () % 12));
  tl_close (&t);
  r.log_path = t.path;
  assert (ck_build_open (t.path, NULL, &r.b, err, sizeof err) == 0);
  ck_states_opts_init (&o);
  o.kinds = CK_KIND_BIT (CK_KIND_WRITE) | CK_KIND_BIT (CK_KIND_EPOCH) |
            CK_KIND_BIT (CK_KIND_TORN);
  o.max_subset = 1 + (unsigned) (seed % 3);
  o.samples = 4;
  o.seed = seed;
  o.max_per_epoch = 40;
  assert (fplog_reader_open (t.path, &rd, err, sizeof err) == 0);
  assert (ck_states_walk (rd, &o, &ops, &r, &st, err, sizeof err) == 0);
  assert (r.states == st.total_states && r.states > 0);
  fplog_reader_close (rd);
  ck_build_close (r.b);
  unlink (t.path);
  if (base[0])
    unlink (base);
  printf ("  seed %" PRIu64 ": %" PRIu64 " entries, %" PRIu64 " states "
          "(%" PRIu64 " flush, %" PRIu64 " write, %" PRIu64 " epoch, %"
          PRIu64 " torn), %" PRIu64 " also as image files\n", seed,
          st.entries, r.states, st.states[CK_KIND_FLUSH],
          st.states[CK_KIND_WRITE], st.states[CK_KIND_EPOCH],
          st.states[CK_KIND_TORN], r.images);
}

/* A state may only drop writes of the current epoch, end where the
 * builder stands, and never drop FUA. */
static void
test_builder_rejects_out_of_order_states (void)
{
  struct tl t;
  struct ck_build *b;
  struct fplog_reader *rd;
  struct fplog_entry e;
  struct fpfs_bdev *bd;
  struct ck_recipe r;
  char err[512];

  tl_open (&t, "ck-build-rej", 64 * 1024, 512, NULL, 0, 0);
  tl_write (&t, 0, 0, 512, 1);
  tl_flush (&t);
  tl_write (&t, FPLOG_F_FUA, 512, 512, 2);
  tl_write (&t, 0, 1024, 512, 3);
  tl_close (&t);
  assert (ck_build_open (t.path, NULL, &b, err, sizeof err) == 0);
  assert (fplog_reader_open (t.path, &rd, err, sizeof err) == 0);
  while (fplog_next (rd, &e, err, sizeof err) == FPLOG_NEXT_ENTRY)
    assert (ck_build_entry (b, &e, err, sizeof err) == 0);
  const char *bad[] = { "end=2", "end=3 drop=0", "end=3 drop=2",
                        "end=3 drop=1" };
  for (size_t i = 0; i < 4; i++) {
    ck_recipe_init (&r);
    assert (ck_recipe_parse (&r, bad[i], err, sizeof err) == 0);
    assert (ck_build_state (b, &r, &bd, err, sizeof err) == -EINVAL);
    ck_recipe_free (&r);
  }
  ck_recipe_init (&r);
  assert (ck_recipe_parse (&r, "end=3 drop=3", err, sizeof err) == 0);
  assert (ck_build_state (b, &r, &bd, err, sizeof err) == 0);
  ck_build_state_done (b);
  ck_recipe_free (&r);
  fplog_reader_close (rd);
  ck_build_close (b);
  unlink (t.path);
}

int
main (void)
{
  uint64_t seed = tl_seed_from_env (0);
  unsigned n = seed ? 1 : 24;

  test_builder_rejects_out_of_order_states ();
  if (!seed)
    seed = (uint64_t) time (NULL);
  printf ("test_ck_build: seeds %" PRIu64 "..%" PRIu64 " (FP_SEED=N for one)\n",
          seed, seed + n - 1);
  for (unsigned i = 0; i < n; i++)
    one_log (seed + i);
  printf ("test_ck_build: ok\n");
  return 0;
}
