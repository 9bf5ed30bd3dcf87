/* test_jbd_crash: seeded random metadata changes, commits, checkpoints,
 * frees and block reuse over a small journal that wraps many times; then a
 * crash after every device write (the device rebuilt from each prefix of
 * the recorded writes) must recover exactly the last committed state.
 *
 * Model: cur[] is what the running transaction holds, snap[] the state as
 * of each commit (taken in the commit callback, after the commit block was
 * written) or direct data write.  A block freed by a committed transaction
 * is "don't care" until something is written to it again.
 *
 * FP_JBD_CRASH_SEED=N picks one seed; otherwise a few fixed ones run.
 */
#include "jbd_testlib.h"

#define NBLK    40              /* metadata blocks TMETA .. TMETA+NBLK-1 */
#define DONTCARE 0xFFFF

struct snap {
  size_t at;                    /* crash prefixes > at include it */
  uint16_t v[NBLK];
};

struct model {
  struct tenv *e;
  uint16_t cur[NBLK];
  struct snap *snaps;
  size_t nsnaps, cap;
};

static void
model_push (struct model *m, size_t at, const uint16_t *v)
{
  if (m->nsnaps == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 64;
    m->snaps = realloc (m->snaps, m->cap * sizeof *m->snaps);
    assert (m->snaps);
  }
  m->snaps[m->nsnaps].at = at;
  memcpy (m->snaps[m->nsnaps].v, v, sizeof m->snaps[0].v);
  m->nsnaps++;
}

static void
model_commit_cb (void *ctx, tid_t tid)
{
  struct model *m = ctx;
  (void) tid;
  /* the commit block is the last op recorded */
  model_push (m, m->e->rec->n - 1, m->cur);
}

static const uint16_t *
model_last_committed (const struct model *m)
{
  return m->nsnaps ? m->snaps[m->nsnaps - 1].v : NULL;
}

static uint64_t rng_state;

static uint64_t
rnd (uint64_t n)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state % n;
}

static void
run_workload (struct tenv *e, struct model *m, unsigned steps)
{
  uint8_t next_val = 1;

  for (unsigned s = 0; s < steps; s++) {
    unsigned what = (unsigned) rnd (100);
    if (what < 70) {
      /* a handle changing a few blocks, maybe freeing one */
      int credits = 1 + (int) rnd (8);
      struct jbd_handle *h;
      int sr = jbd_journal_start (e->j, credits, &h);
      if (sr) fprintf (stderr, "start: %d step %u errno %d\n", sr, s, jbd_journal_errno (e->j));
      assert (sr == 0);
      for (int i = 0; i < credits; i++) {
        unsigned k = (unsigned) rnd (NBLK);
        if (rnd (10) == 0) {
          struct buf *b;
          assert (buf_read (e->bc, TMETA + k, &b) == 0);
          assert (jbd_forget (h, b) == 0);
          buf_put (b);
          m->cur[k] = DONTCARE;
        } else {
          if (++next_val == 0)
            next_val = 1;
          tmeta_set (e, h, TMETA + k, next_val);
          m->cur[k] = next_val;
        }
      }
      assert (jbd_journal_stop (h) == 0);
    } else if (what < 82) {
      assert (jbd_force_commit (e->j) == 0);
    } else if (what < 88) {
      assert (jbd_checkpoint (e->j, sched_now (e->sched)) == 0);
    } else if (what < 94) {
      sched_advance (e->sched, 6 * FPFS_NSEC_PER_SEC);   /* kjournald2 */
    } else {
      /* reuse a block freed by a committed transaction as file data */
      const uint16_t *c = model_last_committed (m);
      unsigned k = (unsigned) rnd (NBLK);
      if (c && c[k] == DONTCARE && m->cur[k] == DONTCARE) {
        uint16_t v[NBLK];
        if (++next_val == 0)
          next_val = 1;
        tdev_fill (e->dev, TMETA + k, next_val);
        m->cur[k] = next_val;
        memcpy (v, c, sizeof v);
        v[k] = next_val;
        model_push (m, e->rec->n - 1, v);
      }
    }
  }
}

/* Recover the state after the first k recorded ops and compare. */
static void
check_prefix (struct tenv *e, struct model *m, struct fpfs_bdev *base,
              size_t k, uint64_t seed)
{
  static const uint16_t zero[NBLK];
  const uint16_t *want = zero;
  struct fpfs_bdev *ov;
  struct buf_cache *bc;
  struct journal *j;
  struct jbd_config cfg = e->cfg;
  char err[256] = "";
  unsigned replayed;

  for (size_t i = 0; i < m->nsnaps && m->snaps[i].at < k; i++)
    want = m->snaps[i].v;
  assert (fpfs_bdev_overlay_open (base, &ov) == 0);
  assert (buf_cache_create (ov, TBS, 64, &bc) == 0);
  cfg.bc = bc;
  cfg.trace = NULL;
  cfg.ops = NULL;
  cfg.sched = NULL;
  if (jbd_journal_load (&cfg, &j, &replayed, err, sizeof err) != 0) {
    fprintf (stderr, "seed %llu prefix %zu: load: %s\n",
             (unsigned long long) seed, k, err);
    abort ();
  }
  for (unsigned i = 0; i < NBLK; i++) {
    uint8_t got;
    if (want[i] == DONTCARE)
      continue;
    got = tdev_byte (ov, TMETA + i);
    if (got != want[i]) {
      fprintf (stderr, "seed %llu prefix %zu/%zu: block %u holds %u, "
               "committed state says %u\n", (unsigned long long) seed, k,
               e->rec->n, TMETA + i, got, want[i]);
      abort ();
    }
  }
  jbd_journal_drop (j);
  buf_cache_destroy (bc);
  fpfs_bdev_close (ov);
}

static void
test_crash_every_write (uint64_t seed, unsigned steps, uint32_t jblocks)
{
  static const struct jbd_fs_ops ops = { NULL, model_commit_cb };
  struct model m = { 0 };
  struct jbd_stats st;
  struct fpfs_bdev *base;
  struct tenv e;
  size_t nwrites = 0, start;

  printf ("  seed %llu steps %u journal %u blocks\n",
          (unsigned long long) seed, steps, jblocks);
  fflush (stdout);
  rng_state = seed * 2654435761u + 1;
  tenv_init (&e, jblocks, true, 0);
  m.e = &e;
  jbd_journal_drop (e.j);
  buf_cache_destroy (e.bc);
  e.cfg.ops = &ops;
  e.cfg.fs_ctx = &m;
  e.cfg.trace = NULL;
  tenv_mount (&e);
  start = e.rec->n;             /* crash points from the mounted state on */
  run_workload (&e, &m, steps);
  jbd_get_stats (e.j, &st);
  /* the log wrapped several times and was checkpointed */
  assert (st.log_blocks_written > 3 * jblocks);
  assert (st.checkpoints > 0);

  assert (fpfs_bdev_mem_open (e.mem->size, 512, &base) == 0);
  for (size_t k = 0; k <= e.rec->n; k++) {
    if (k >= start && (k == e.rec->n || e.rec->ops[k].type == REC_WRITE)) {
      check_prefix (&e, &m, base, k, seed);
      nwrites++;
    }
    if (k < e.rec->n && e.rec->ops[k].type == REC_WRITE)
      assert (fpfs_bdev_write (base, e.rec->ops[k].data, e.rec->ops[k].off,
                               e.rec->ops[k].len, 0) == 0);
  }
  printf ("  %zu crash points, %zu commits, %llu log blocks\n", nwrites,
          m.nsnaps, (unsigned long long) st.log_blocks_written);
  fpfs_bdev_close (base);
  free (m.snaps);
  tenv_fini (&e);
}

int
main (void)
{
  const char *s = getenv ("FP_JBD_CRASH_SEED");

  printf ("test_crash_every_write\n");
  if (s) {
    test_crash_every_write (strtoull (s, NULL, 0), 400, 64);
    return 0;
  }
  test_crash_every_write (1, 300, 64);
  test_crash_every_write (2, 300, 48);
  test_crash_every_write (3, 300, 128);
  return 0;
}
