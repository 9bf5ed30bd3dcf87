/* test_ck_findings: what the findings of a state say and how many there
 * are (issue 11, "Diagnostics", and its false alarm 3).
 *
 * - a data finding names what the block holds: zeroes, the bytes an
 *   earlier op wrote there and the op that changed them, a block of
 *   another file;
 * - old bytes past a truncate point are stale data, allowed without
 *   ordered data, and never a data violation;
 * - one state reports one fact once (ck_result folds duplicates, keeping
 *   the worse verdict), and past the cap every property and verdict keeps
 *   a finding;
 * - ck_report_groups counts a state once per group.
 * One behaviour per test.
 */
#include "test_ck_oracle.h"
#include "ck_report.h"

/* ---- scenario: creat, pwrite 16K, fsync, truncate 5000, pwrite 6000 ---- */

struct trunc {
  struct tl t;
  struct file f1, f3, f4;      /* content after ops 1, 3 and 4 */
  uint64_t e_sync, e_end;
};

static json_object *
trunc_effect (uint64_t ino, const struct file *f)
{
  json_object *e = ident (ino);
  json_object_object_add (e, "size", json_object_new_int64 ((int64_t) f->size));
  json_object_object_add (e, "first_block",
                          json_object_new_int64 ((int64_t) (f->size / 4096)));
  json_object_object_add (e, "blocks",
                          blocks (f, f->size / 4096, f->size / 4096 + 1));
  return e;
}

static void
trunc_scen (struct trunc *s, bool other_file)
{
  json_object *a;
  const char *text = other_file
    ? "creat /f\npwrite /f 0 16K seed=1\nfsync /f\ntruncate /f 5000\n"
      "pwrite /f 6000 100 seed=2\ncreat /g\npwrite /g 0 4K seed=9\n"
    : "creat /f\npwrite /f 0 16K seed=1\nfsync /f\ntruncate /f 5000\n"
      "pwrite /f 6000 100 seed=2\n";

  memset (s, 0, sizeof *s);
  tl_open (&s->t, "ck-findings", 1 << 20, 512, NULL, 0, 0);
  emit_run (&s->t, text, other_file ? 7 : 5, "data=writeback,barrier,commit=5");
  emit_before (&s->t, 0);
  a = after (0, 0);
  json_object *e = ident (12);
  json_object_object_add (e, "size", json_object_new_int (0));
  json_object_object_add (a, "effect", e);
  emit (&s->t, a);
  emit_before (&s->t, 1);
  fpwrite (&s->f1, 1, 0, 16384);
  a = after (1, 16384);
  json_object_object_add (a, "effect", write_effect (12, &s->f1, 0, 16384));
  emit (&s->t, a);
  emit_before (&s->t, 2);
  a = after (2, 0);
  add_sync (a, "fsync", file_state ("/f", 12, &s->f1, 5));
  s->e_sync = emit (&s->t, a);
  emit_before (&s->t, 3);
  s->f3 = s->f1;
  memset (s->f3.d + 5000, 0, sizeof s->f3.d - 5000);
  s->f3.size = 5000;
  a = after (3, 0);
  json_object_object_add (a, "effect", trunc_effect (12, &s->f3));
  emit (&s->t, a);
  emit_before (&s->t, 4);
  s->f4 = s->f3;
  fpwrite (&s->f4, 2, 6000, 100);
  a = after (4, 100);
  json_object_object_add (a, "effect", write_effect (12, &s->f4, 6000, 100));
  s->e_end = emit (&s->t, a);
  if (other_file) {
    struct file g = { .size = 0 };
    emit_before (&s->t, 5);
    a = after (5, 0);
    e = ident (14);
    json_object_object_add (e, "size", json_object_new_int (0));
    json_object_object_add (a, "effect", e);
    emit (&s->t, a);
    emit_before (&s->t, 6);
    fpwrite (&g, 9, 0, 4096);
    a = after (6, 4096);
    json_object_object_add (a, "effect", write_effect (14, &g, 0, 4096));
    s->e_end = emit (&s->t, a);
  }
  tl_close (&s->t);
}

static const char *f_name[] = { "f" };
static const uint64_t f_ino[] = { 12 };

static void
judge_f (struct trunc *s, const struct file *content, bool stale_allowed,
         struct ck_state_result *res)
{
  struct ck_rules_opts ro = { .profile = CK_PROFILE_EXT4,
                              .stale_allowed = stale_allowed };
  struct fpfs_stat st = st_of (12, S_IFREG | 0644, content->size, 5);
  struct ck_view v;

  view_root (&v, 1, f_name, f_ino, &st);
  rfiles[0] = (struct rfile) { "/f", content };
  nrfiles = 1;
  judge (s->t.path, &ro, s->e_end, &v, res);
  ck_view_free (&v);
}

/* The recovered file: size 6100 (the extension reached the disk), block 1
 * as op 1 left it (the zeroed block did not). */
static struct file
trunc_old_bytes (const struct trunc *s)
{
  struct file d = s->f1;

  d.size = s->f4.size;
  memset (d.d + d.size, 0, sizeof d.d - d.size);
  return d;
}

static const struct ck_finding *
first (const struct ck_state_result *r, enum ck_prop p)
{
  for (size_t i = 0; i < r->nf; i++)
    if (r->f[i].prop == p)
      return &r->f[i];
  return NULL;
}

static void
test_old_bytes_past_a_truncate_are_stale_under_writeback (void)
{
  struct trunc s;
  struct ck_state_result r;
  struct file d;

  trunc_scen (&s, false);
  d = trunc_old_bytes (&s);
  judge_f (&s, &d, true, &r);
  /* Not a broken promise: fsync's bytes below the cut are there. */
  assert (r.v[CK_P_DATA] == CK_V_HELD && !ck_result_violated (&r));
  assert (r.v[CK_P_STALE] == CK_V_LOST && count (&r, CK_P_STALE, false) == 1);
  const struct ck_finding *f = first (&r, CK_P_STALE);
  assert (f->block == 1);
  assert (strstr (f->msg, "op 1 (`pwrite /f 0 16K seed=1`)"));
  assert (strstr (f->msg, "op 3 (`truncate /f 5000`) cut the file"));
  assert (strstr (f->msg, "ext4_block_truncate_page"));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_old_bytes_past_a_truncate_violate_ordered_as_stale (void)
{
  struct trunc s;
  struct ck_state_result r;
  struct file d;

  trunc_scen (&s, false);
  d = trunc_old_bytes (&s);
  judge_f (&s, &d, false, &r);
  assert (r.v[CK_P_STALE] == CK_V_VIOLATED && r.v[CK_P_DATA] == CK_V_HELD);
  assert (count (&r, CK_P_STALE, true) == 1 && count (&r, CK_P_DATA, true) == 0);
  ck_result_free (&r);
  /* The cut is no excuse before the truncate could reach the disk, nor
   * when the file does not reach past the cut: then the bytes are data. */
  d.size = 4500;
  memset (d.d + 4500, 0, sizeof d.d - 4500);
  judge_f (&s, &d, true, &r);
  assert (count (&r, CK_P_DATA, true) == 1 && first (&r, CK_P_DATA)->block == 1);
  for (size_t i = 0; i < r.nf; i++)
    assert (!strstr (r.f[i].msg, "cut the file"));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_data_finding_says_the_block_holds_zeroes (void)
{
  struct trunc s;
  struct ck_state_result r;
  struct file d;

  trunc_scen (&s, false);
  d = s.f4;
  memset (d.d, 0, 4096);
  judge_f (&s, &d, true, &r);
  const struct ck_finding *f = first (&r, CK_P_DATA);
  assert (f && f->violation && f->block == 0);
  assert (strstr (f->msg, "; it holds zeroes"));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_data_finding_names_the_earlier_op_and_what_changed_it (void)
{
  struct trunc s;
  struct ck_state_result r;
  struct file d;

  trunc_scen (&s, false);
  /* Block 0 holds block 2's bytes from op 1: another block of the file. */
  d = s.f4;
  memcpy (d.d, s.f1.d + 8192, 4096);
  judge_f (&s, &d, true, &r);
  const struct ck_finding *f = first (&r, CK_P_DATA);
  assert (f && strstr (f->msg, "op 1 (`pwrite /f 0 16K seed=1`) wrote at "
                       "block 2 of this file"));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_data_finding_names_another_file (void)
{
  struct trunc s;
  struct ck_state_result r;
  struct file d, g = { .size = 0 };

  trunc_scen (&s, true);
  fpwrite (&g, 9, 0, 4096);
  /* Block 2 holds /g's block (a reused block, say). */
  d = s.f4;
  d.size = 12288;
  memcpy (d.d + 8192, g.d, 4096);
  judge_f (&s, &d, true, &r);
  const struct ck_finding *f = first (&r, CK_P_DATA);
  if (!f || !strstr (f->msg, "a block of another file (inode 14, /g): its "
                     "block 0 as op 6 (`pwrite /g 0 4K seed=9`) wrote it"))
    dump (&r);
  assert (f && f->block == 2 && strstr (f->msg, "a block of another file "
                                        "(inode 14, /g): its block 0 as op 6 "
                                        "(`pwrite /g 0 4K seed=9`) wrote it"));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_stale_finding_says_what_the_block_holds (void)
{
  struct trunc s;
  struct ck_state_result r;
  struct file d;

  /* Before the fsync's after-mark only the stale rule looks: block 0
   * holding block 3's bytes is exposure of the file's own old data. */
  trunc_scen (&s, false);
  d = s.f1;
  memcpy (d.d, s.f1.d + 12288, 4096);
  struct ck_rules_opts ro = { .profile = CK_PROFILE_EXT4, .stale_allowed = true };
  struct fpfs_stat st = st_of (12, S_IFREG | 0644, d.size, 5);
  struct ck_view v;
  view_root (&v, 1, f_name, f_ino, &st);
  rfiles[0] = (struct rfile) { "/f", &d };
  nrfiles = 1;
  judge (s.t.path, &ro, s.e_sync - 1, &v, &r);
  ck_view_free (&v);
  const struct ck_finding *f = first (&r, CK_P_STALE);
  if (!f)
    dump (&r);
  assert (f && !f->violation && f->block == 0);
  assert (strstr (f->msg, "never had there; it holds the bytes op 1 "
                  "(`pwrite /f 0 16K seed=1`) wrote at block 3 of this file"));
  ck_result_free (&r);
  unlink (s.t.path);
}

/* ---- ck_result: one fact once ---- */

static void
test_same_fact_twice_is_one_finding_with_the_worse_verdict (void)
{
  struct ck_state_result r;

  ck_result_init (&r);
  assert (ck_result_add (&r, CK_P_DIRENT, false, "/d/f", 3, NULL,
                         "seen by op 3") == 0);
  assert (ck_result_add (&r, CK_P_DIRENT, true, "/d/f", 5, NULL,
                         "promised by op 5") == 0);
  assert (ck_result_add (&r, CK_P_DIRENT, true, "/d/f", 7, NULL,
                         "promised by op 7") == 0);
  assert (r.nf == 1 && r.f[0].violation && r.f[0].sync_op == 5);
  assert (r.v[CK_P_DIRENT] == CK_V_VIOLATED && r.more == 0);
  /* Another path, or another block, is another fact. */
  assert (ck_result_add (&r, CK_P_DIRENT, true, "/d/g", 5, NULL, "x") == 0);
  assert (ck_result_add_block (&r, CK_P_DATA, true, false, "/d/f", 1, 5, NULL,
                               "b1") == 0);
  assert (ck_result_add_block (&r, CK_P_DATA, true, false, "/d/f", 1, 6, NULL,
                               "b1 again") == 0);
  assert (ck_result_add_block (&r, CK_P_DATA, true, false, "/d/f", 2, 5, NULL,
                               "b2") == 0);
  assert (r.nf == 4);
  /* fsck findings fold only when identical. */
  assert (ck_result_add (&r, CK_P_FSCK, true, "/", CK_NO_OP, NULL, "a") == 0);
  assert (ck_result_add (&r, CK_P_FSCK, true, "/", CK_NO_OP, NULL, "b") == 0);
  assert (ck_result_add (&r, CK_P_FSCK, true, "/", CK_NO_OP, NULL, "a") == 0);
  assert (r.nf == 6);
  ck_result_free (&r);
}

static void
test_past_the_cap_each_property_and_verdict_keeps_a_finding (void)
{
  struct ck_state_result r;
  char path[32];

  ck_result_init (&r);
  for (unsigned i = 0; i < CK_FINDINGS_MAX + 10; i++) {
    snprintf (path, sizeof path, "/f%u", i);
    assert (ck_result_add_block (&r, CK_P_STALE, false, false, path, 0,
                                 CK_NO_OP, NULL, "stale") == 0);
  }
  assert (r.nf == CK_FINDINGS_MAX && r.more == 10);
  assert (ck_result_add (&r, CK_P_SIZE, true, "/x", 1, NULL, "size") == 0);
  assert (ck_result_add (&r, CK_P_SIZE, false, "/y", 1, NULL, "size") == 0);
  assert (ck_result_add (&r, CK_P_SIZE, true, "/z", 1, NULL, "size") == 0);
  assert (r.nf == CK_FINDINGS_MAX + 2 && r.more == 11);
  for (int p = 0; p < CK_P__COUNT; p++)
    if (r.v[p] >= CK_V_LOST)
      assert (count (&r, p, r.v[p] == CK_V_VIOLATED) >= 1);
  ck_result_free (&r);
}

/* ---- ck_report_groups ---- */

static void
test_a_group_counts_each_state_once (void)
{
  struct ck_state_result st[3];
  struct ck_check_result cr;
  struct ck_group *g;
  size_t ng;

  memset (&cr, 0, sizeof cr);
  for (int i = 0; i < 3; i++) {
    ck_result_init (&st[i]);
    st[i].index = (uint64_t) i;
    assert (ck_result_add (&st[i], CK_P_FSCK, true, "/", CK_NO_OP, NULL,
                           "same") == 0);
  }
  /* State 2 shows it twice (as two distinct findings would, were the
   * fold not there): still one state. */
  assert (ck_result_add (&st[2], CK_P_MODE, true, "/a", 1, NULL, "m") == 0);
  st[2].f[1].prop = CK_P_FSCK;
  free (st[2].f[1].path);
  free (st[2].f[1].msg);
  st[2].f[1].path = strdup ("/");
  st[2].f[1].msg = strdup ("same");
  st[2].f[1].sync_op = CK_NO_OP;
  cr.states = st;
  cr.nstates = 3;
  assert (ck_report_groups (&cr, true, &g, &ng) == 0);
  assert (ng == 1 && g[0].states == 3 && g[0].s == &st[0]);
  free (g);
  for (int i = 0; i < 3; i++)
    ck_result_free (&st[i]);
}

int
main (void)
{
  test_old_bytes_past_a_truncate_are_stale_under_writeback ();
  test_old_bytes_past_a_truncate_violate_ordered_as_stale ();
  test_data_finding_says_the_block_holds_zeroes ();
  test_data_finding_names_the_earlier_op_and_what_changed_it ();
  test_data_finding_names_another_file ();
  test_stale_finding_says_what_the_block_holds ();
  test_same_fact_twice_is_one_finding_with_the_worse_verdict ();
  test_past_the_cap_each_property_and_verdict_keeps_a_finding ();
  test_a_group_counts_each_state_once ();
  return 0;
}
