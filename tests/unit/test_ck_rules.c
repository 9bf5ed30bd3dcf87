/* test_ck_rules: the rules of DESIGN.md section 6 on synthetic oracles.
 *
 * Each test writes a log whose MARK entries are oracle JSON (built by
 * test_ck_oracle.h as workloads/ORACLE.md describes, with the real hashes of
 * the patterns), loads it with ck_oracle_load and ck_model_build, then
 * judges hand-made recovered views (ck_view_add_node) whose file contents
 * come from a fake reader.  One behaviour per test.
 */
#include "test_ck_oracle.h"

/* ---- scenario 1: creat, pwrite 8K, SYNC, overwrite block 1 ---- */

struct scen1 {
  struct tl t;
  struct file f1, f2;          /* content after op 1 and after op 3 */
  uint64_t e_write1, e_sync, e_w2_before, e_w2;
};

static void
scen1 (struct scen1 *s, const char *call)
{
  char text[256];
  json_object *a;

  memset (s, 0, sizeof *s);
  snprintf (text, sizeof text, "creat /db\npwrite /db 0 8K seed=1\n%s /db\n"
            "pwrite /db 4K 4K seed=2\n", call);
  tl_open (&s->t, "ck-rules1", 1 << 20, 512, NULL, 0, 0);
  emit_run (&s->t, text, 4, "data=ordered,barrier,commit=5");
  emit_before (&s->t, 0);
  a = after (0, 0);
  json_object *e = ident (12);
  json_object_object_add (e, "size", json_object_new_int (0));
  json_object_object_add (a, "effect", e);
  emit (&s->t, a);
  emit_before (&s->t, 1);
  fpwrite (&s->f1, 1, 0, 8192);
  a = after (1, 8192);
  json_object_object_add (a, "effect", write_effect (12, &s->f1, 0, 8192));
  s->e_write1 = emit (&s->t, a);
  emit_before (&s->t, 2);
  a = after (2, 0);
  add_sync (a, call, file_state ("/db", 12, &s->f1, 5));
  s->e_sync = emit (&s->t, a);
  s->e_w2_before = emit_before (&s->t, 3);
  s->f2 = s->f1;
  fpwrite (&s->f2, 2, 4096, 4096);
  a = after (3, 4096);
  json_object_object_add (a, "effect", write_effect (12, &s->f2, 4096, 4096));
  s->e_w2 = emit (&s->t, a);
  tl_close (&s->t);
}

static const char *db_name[] = { "db" };
static const uint64_t db_ino[] = { 12 };

static void
judge_db (struct scen1 *s, const struct file *content, int64_t mtime,
          uint64_t end, const struct ck_rules_opts *ro,
          struct ck_state_result *res)
{
  struct fpfs_stat st = st_of (12, S_IFREG | 0644, content->size, mtime);
  struct ck_view v;

  view_root (&v, 1, db_name, db_ino, &st);
  rfiles[0] = (struct rfile) { "/db", content };
  nrfiles = 1;
  judge (s->t.path, ro, end, &v, res);
  ck_view_free (&v);
}

static void
test_synced_state_holds (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;

  scen1 (&s, "fsync");
  judge_db (&s, &s.f1, 5, s.e_sync, &ro, &r);
  if (r.nf)
    dump (&r);
  assert (r.nf == 0);
  for (int p = CK_P_DATA; p <= CK_P_NLINK; p++)
    assert (r.v[p] == CK_V_HELD);
  assert (r.v[CK_P_STALE] == CK_V_HELD);
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_fdatasync_may_lose_mtime_fsync_may_not (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;

  scen1 (&s, "fdatasync");
  judge_db (&s, &s.f1, 3, s.e_sync, &ro, &r);
  assert (r.v[CK_P_MTIME] == CK_V_LOST && r.v[CK_P_DATA] == CK_V_HELD);
  assert (!ck_result_violated (&r));
  ck_result_free (&r);
  unlink (s.t.path);

  scen1 (&s, "fsync");
  judge_db (&s, &s.f1, 3, s.e_sync, &ro, &r);
  assert (r.v[CK_P_MTIME] == CK_V_VIOLATED);
  assert (count (&r, CK_P_MTIME, true) == 1);
  assert (strstr (r.f[0].msg, "mtime 0.000000003") && r.f[0].sync_op == 2);
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_lost_synced_block_is_a_data_violation (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;
  struct file z;

  scen1 (&s, "fdatasync");
  z = s.f1;
  memset (z.d + 4096, 0, 4096);
  judge_db (&s, &z, 5, s.e_sync, &ro, &r);
  assert (r.v[CK_P_DATA] == CK_V_VIOLATED && count (&r, CK_P_DATA, true) == 1);
  assert (strstr (r.f[0].msg, "block 1"));
  assert (r.v[CK_P_STALE] != CK_V_VIOLATED);    /* reported once, as data */
  ck_result_free (&r);
  /* Before the sync's after-mark nothing was promised: zeroes are fine. */
  judge_db (&s, &z, 5, s.e_write1, &ro, &r);
  assert (r.v[CK_P_DATA] == CK_V_NONE && !ck_result_violated (&r));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_later_write_is_a_candidate_once_started (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;

  scen1 (&s, "fsync");
  /* From the overwrite's before-mark on, its data may be on the disk. */
  judge_db (&s, &s.f2, 9, s.e_w2_before, &ro, &r);
  if (ck_result_violated (&r))
    dump (&r);
  assert (r.v[CK_P_DATA] == CK_V_HELD && !ck_result_violated (&r));
  ck_result_free (&r);
  /* Before it, the new bytes cannot be there. */
  judge_db (&s, &s.f2, 5, s.e_sync, &ro, &r);
  assert (r.v[CK_P_DATA] == CK_V_VIOLATED);
  assert (strstr (r.f[0].since, "no operation touched it since"));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_size_must_match_the_sync (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;
  struct file h;

  scen1 (&s, "fdatasync");
  h = s.f1;
  h.size = 4096;
  judge_db (&s, &h, 5, s.e_sync, &ro, &r);
  assert (r.v[CK_P_SIZE] == CK_V_VIOLATED && r.v[CK_P_DATA] == CK_V_HELD);
  ck_result_free (&r);
  unlink (s.t.path);
}

/* A recovered inode that claims 16 TiB (a damaged or crafted image): the
 * rules read at most RL_STALE_MAX blocks past the largest size the file
 * ever had, and report the size, instead of reading 16 TiB. */
static void
test_absurd_recovered_size_is_judged_without_reading_it (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;
  struct fpfs_stat st;
  struct ck_view v;

  scen1 (&s, "fsync");
  /* The inode says 16 TiB; its bytes are the synced 8 KiB, then zeroes
   * (the fake reader ends the file at the content's size). */
  st = st_of (12, S_IFREG | 0644, UINT64_C (1) << 44, 5);
  view_root (&v, 1, db_name, db_ino, &st);
  rfiles[0] = (struct rfile) { "/db", &s.f1 };
  nrfiles = 1;
  fake_pread_bytes = 0;
  judge (s.t.path, &ro, s.e_sync, &v, &r);
  ck_view_free (&v);
  assert (r.v[CK_P_SIZE] == CK_V_VIOLATED);
  assert (fake_pread_bytes <= (2 + 1024 + 16) * UINT64_C (4096));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_torn_block_mixes_sectors_only_in_torn_states (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;
  struct file mix;

  scen1 (&s, "fsync");
  mix = s.f1;
  memcpy (mix.d + 4096, s.f2.d + 4096, 1024);     /* two new sectors */
  judge_db (&s, &mix, 9, s.e_w2, &ro, &r);
  assert (r.v[CK_P_DATA] == CK_V_VIOLATED);
  ck_result_free (&r);
  ro.torn = true;
  judge_db (&s, &mix, 9, s.e_w2, &ro, &r);
  assert (r.v[CK_P_DATA] == CK_V_HELD && !ck_result_violated (&r));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_stale_data_depends_on_the_data_mode (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;
  struct file g;

  scen1 (&s, "fsync");
  g = s.f1;
  memset (g.d + 4096, 0x5a, 4096);                /* never written there */
  judge_db (&s, &g, 5, s.e_write1, &ro, &r);      /* no promise yet */
  assert (r.v[CK_P_STALE] == CK_V_VIOLATED && count (&r, CK_P_STALE, true) == 1);
  ck_result_free (&r);
  ro.stale_allowed = true;                        /* data=writeback */
  judge_db (&s, &g, 5, s.e_write1, &ro, &r);
  assert (r.v[CK_P_STALE] == CK_V_LOST && !ck_result_violated (&r));
  assert (strstr (r.f[0].msg, "allowed"));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_fsynced_file_name_depends_on_the_profile (void)
{
  struct scen1 s;
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_state_result r;
  struct ck_view v;

  scen1 (&s, "fsync");
  view_root (&v, 0, NULL, NULL, NULL);
  nrfiles = 0;
  judge (s.t.path, &ro, s.e_sync, &v, &r);
  assert (r.v[CK_P_DIRENT] == CK_V_LOST && !ck_result_violated (&r));
  ck_result_free (&r);
  ro.profile = CK_PROFILE_EXT4;
  judge (s.t.path, &ro, s.e_sync, &v, &r);
  assert (r.v[CK_P_DIRENT] == CK_V_VIOLATED);
  assert (strstr (r.f[0].msg, "/db is gone"));
  ck_result_free (&r);
  ck_view_free (&v);
  unlink (s.t.path);
}

/* ---- scenario 2: fsync a directory, then rename over a name in it ---- */

struct scen2 {
  struct tl t;
  uint64_t e_dirsync, e_rename;
};

static void
scen2 (struct scen2 *s)
{
  static const char text[] = "mkdir /d\ncreat /d/f\ncreat /d/t\nfsync /d\n"
                             "rename /d/t /d/f\n";
  static const char *names[] = { "f", "t" };
  static const int inos[] = { 20, 21 };
  json_object *a, *e, *d, *ents;

  memset (s, 0, sizeof *s);
  tl_open (&s->t, "ck-rules2", 1 << 20, 512, NULL, 0, 0);
  emit_run (&s->t, text, 5, "data=ordered,barrier,commit=5");
  emit_before (&s->t, 0);
  a = after (0, 0);
  e = ident (10);
  json_object_object_add (e, "nlink", json_object_new_int (2));
  json_object_object_add (a, "effect", e);
  emit (&s->t, a);
  for (int i = 0; i < 2; i++) {
    emit_before (&s->t, 1 + i);
    a = after (1 + i, 0);
    e = ident ((uint64_t) inos[i]);
    json_object_object_add (e, "size", json_object_new_int (0));
    json_object_object_add (a, "effect", e);
    emit (&s->t, a);
  }
  emit_before (&s->t, 3);
  a = after (3, 0);
  d = ident (10);
  json_object_object_add (d, "type", json_object_new_string ("dir"));
  json_object_object_add (d, "path", json_object_new_string ("/d"));
  json_object_object_add (d, "mode", json_object_new_int (S_IFDIR | 0755));
  json_object_object_add (d, "nlink", json_object_new_int (2));
  json_object_object_add (d, "entry_start", json_object_new_int (0));
  ents = json_object_new_array ();
  for (int i = 0; i < 2; i++) {
    json_object *x = json_object_new_array ();
    json_object_array_add (x, json_object_new_string (names[i]));
    json_object_array_add (x, json_object_new_int (inos[i]));
    json_object_array_add (x, json_object_new_int (1));
    json_object_array_add (ents, x);
  }
  json_object_object_add (d, "entries", ents);
  add_sync (a, "fsync", d);
  s->e_dirsync = emit (&s->t, a);
  emit_before (&s->t, 4);
  a = after (4, 0);
  e = ident (21);
  json_object_object_add (e, "nlink", json_object_new_int (1));
  json_object_object_add (a, "effect", e);
  s->e_rename = emit (&s->t, a);
  tl_close (&s->t);
}

/* /d holding names[i] -> inos[i]. */
static void
view_d (struct ck_view *v, size_t n, const char *const *names,
        const uint64_t *inos)
{
  struct fpfs_stat rs = st_of (2, S_IFDIR | 0755, 4096, 0);
  struct fpfs_stat ds = st_of (10, S_IFDIR | 0755, 4096, 0);
  static const char *dn[] = { "d" };
  uint32_t root, dnode, nodes[8];
  char path[64];

  memset (v, 0, sizeof *v);
  assert (ck_view_add_node (v, CK_ROOT, &rs, "/", &root) == 0);
  assert (ck_view_add_node (v, (struct ck_id) { 10, 1 }, &ds, "/d", &dnode) == 0);
  for (size_t i = 0; i < n; i++) {
    struct fpfs_stat fs = st_of (inos[i], S_IFREG | 0644, 0, 0);
    snprintf (path, sizeof path, "/d/%s", names[i]);
    assert (ck_view_add_node (v, (struct ck_id) { inos[i], 1 }, &fs, path,
                              &nodes[i]) == 0);
  }
  assert (ck_view_set_entries (v, root, 1, dn, &dnode) == 0);
  assert (ck_view_set_entries (v, dnode, n, names, nodes) == 0);
}

static void
judge_d (struct scen2 *s, uint64_t end, size_t n, const char *const *names,
         const uint64_t *inos, struct ck_state_result *r)
{
  struct ck_rules_opts ro = { .profile = CK_PROFILE_POSIX };
  struct ck_view v;

  view_d (&v, n, names, inos);
  nrfiles = 0;
  judge (s->t.path, &ro, end, &v, r);
  ck_view_free (&v);
}

static void
test_rename_over_leaves_old_or_new_never_nothing (void)
{
  struct scen2 s;
  struct ck_state_result r;
  const char *both[] = { "f", "t" }, *f[] = { "f" };
  const uint64_t old[] = { 20, 21 }, new[] = { 21 };

  scen2 (&s);
  judge_d (&s, s.e_rename, 2, both, old, &r);      /* the old state */
  assert (r.v[CK_P_DIRENT] == CK_V_HELD);
  ck_result_free (&r);
  judge_d (&s, s.e_rename, 1, f, new, &r);         /* the new state */
  if (r.nf)
    dump (&r);
  assert (r.v[CK_P_DIRENT] == CK_V_HELD);
  ck_result_free (&r);
  judge_d (&s, s.e_rename, 0, NULL, NULL, &r);     /* nothing: wrong */
  assert (r.v[CK_P_DIRENT] == CK_V_VIOLATED);
  assert (count (&r, CK_P_DIRENT, true) == 1);     /* f; t may go */
  assert (strstr (r.f[0].msg, "never nothing"));
  assert (strstr (r.f[0].since, "rename /d/t /d/f"));
  ck_result_free (&r);
  /* Before the rename started, the new state is not allowed either. */
  judge_d (&s, s.e_dirsync, 1, f, new, &r);
  assert (count (&r, CK_P_DIRENT, true) == 2);
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_synced_directory_grows_no_unmade_names (void)
{
  struct scen2 s;
  struct ck_state_result r;
  const char *three[] = { "f", "t", "x" };
  const uint64_t inos[] = { 20, 21, 30 };

  scen2 (&s);
  judge_d (&s, s.e_rename, 3, three, inos, &r);
  assert (r.v[CK_P_DIRENT] == CK_V_VIOLATED && count (&r, CK_P_DIRENT, true) == 1);
  assert (strstr (r.f[0].path, "/d/x"));
  ck_result_free (&r);
  unlink (s.t.path);
}

static void
test_oracle_rejects_logs_without_a_run (void)
{
  struct tl t;
  struct fplog_reader *rd;
  struct ck_oracle *o;
  char err[512];

  tl_open (&t, "ck-rules-norun", 1 << 20, 512, NULL, 0, 0);
  tl_write (&t, 0, 0, 512, 1);
  tl_mark (&t, "hello, not json");
  tl_close (&t);
  assert (fplog_reader_open (t.path, &rd, err, sizeof err) == 0);
  assert (ck_oracle_load (rd, &o, err, sizeof err) == -ENOMSG);
  assert (strstr (err, "no oracle marks"));
  fplog_reader_close (rd);
  unlink (t.path);
}

/* Oracle marks whose run mark was lost (a dm-log-writes round trip cuts
 * long marks): without any run mark the log has no oracle (-ENOMSG, so a
 * check goes fsck-only); with a run mark after them, they contradict it. */
static void
test_oracle_marks_before_the_run_mark (void)
{
  struct tl t;
  struct fplog_reader *rd;
  struct ck_oracle *o;
  char err[512];

  tl_open (&t, "ck-rules-orphan", 1 << 20, 512, NULL, 0, 0);
  tl_write (&t, 0, 0, 512, 1);
  emit (&t, mk ("ready"));
  emit_before (&t, 0);
  tl_close (&t);
  assert (fplog_reader_open (t.path, &rd, err, sizeof err) == 0);
  assert (ck_oracle_load (rd, &o, err, sizeof err) == -ENOMSG);
  assert (strstr (err, "no oracle marks"));
  fplog_reader_close (rd);
  unlink (t.path);

  tl_open (&t, "ck-rules-orphan2", 1 << 20, 512, NULL, 0, 0);
  emit (&t, mk ("ready"));
  emit_run (&t, "creat /a\n", 1, "data=ordered,barrier,commit=5");
  tl_close (&t);
  assert (fplog_reader_open (t.path, &rd, err, sizeof err) == 0);
  assert (ck_oracle_load (rd, &o, err, sizeof err) == -EBADMSG);
  assert (strstr (err, "log entry 0: a \"ready\" mark before the \"run\" "
                  "mark"));
  fplog_reader_close (rd);
  unlink (t.path);
}

int
main (void)
{
  test_synced_state_holds ();
  test_fdatasync_may_lose_mtime_fsync_may_not ();
  test_lost_synced_block_is_a_data_violation ();
  test_later_write_is_a_candidate_once_started ();
  test_size_must_match_the_sync ();
  test_absurd_recovered_size_is_judged_without_reading_it ();
  test_torn_block_mixes_sectors_only_in_torn_states ();
  test_stale_data_depends_on_the_data_mode ();
  test_fsynced_file_name_depends_on_the_profile ();
  test_rename_over_leaves_old_or_new_never_nothing ();
  test_synced_directory_grows_no_unmade_names ();
  test_oracle_rejects_logs_without_a_run ();
  test_oracle_marks_before_the_run_mark ();
  printf ("test_ck_rules: ok\n");
  return 0;
}
