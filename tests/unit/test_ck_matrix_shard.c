/* The cell numbering shards rest on (ck_matrix_cell_count/_decode), the
 * record's cell lines (every field back as written) and how two headers
 * are told apart (ck_matrix_partial_differ). */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "ck_matrix.h"
#include "ck_matrix_partial.h"

static const char *const wls[] = { "w/a.wl", "w/b.wl", "w/c.wl" };

static void
opts_small (struct ck_matrix_opts *o)
{
  ck_matrix_opts_init (o);
  o->workloads = wls;
  o->nworkloads = 3;
  o->npersist = 2;
  o->out_dir = "out";
}

static void
test_numbering_is_workload_persist_column (void)
{
  struct ck_matrix_opts o;
  size_t i = 0, w, p, c;
  int bug;

  opts_small (&o);
  assert (ck_matrix_cell_count (&o) == 3 * 2 * 5);
  for (size_t ew = 0; ew < 3; ew++)
    for (size_t ep = 0; ep < 2; ep++)
      for (size_t ec = 0; ec < 5; ec++, i++) {
        ck_matrix_cell_decode (&o, i, &w, &p, &c, &bug);
        assert (w == ew && p == ep && c == ec && bug == -1);
      }
}

static void
test_bug_cells_come_first_then_the_baseline_of_their_columns (void)
{
  static const char *const bugs[] = { "no-commit-flush", "nojournal-x" };
  struct ck_matrix_opts o;
  size_t i = 0, w, p, c;
  int bug;

  opts_small (&o);
  o.bugs = bugs;
  o.nbugs = 2;
  /* Two switches x 6 (workload, persist); baseline in columns 0 and
   * nojournal (4). */
  assert (ck_matrix_cell_count (&o) == (2 + 2) * 6);
  for (int b = 0; b < 2; b++)
    for (size_t ew = 0; ew < 3; ew++)
      for (size_t ep = 0; ep < 2; ep++, i++) {
        ck_matrix_cell_decode (&o, i, &w, &p, &c, &bug);
        assert (bug == b && w == ew && p == ep && c == (b ? 4u : 0u));
      }
  for (size_t ew = 0; ew < 3; ew++)
    for (size_t ep = 0; ep < 2; ep++)
      for (size_t ec = 0; ec < 5; ec += 4, i++) {
        ck_matrix_cell_decode (&o, i, &w, &p, &c, &bug);
        assert (bug == -1 && w == ew && p == ep && c == ec);
      }
}

static void
test_a_cell_line_gives_back_every_field (void)
{
  struct ck_matrix_result r = { 0 };
  char *names[3] = { "a", "b", "c" };
  uint64_t hash[3] = { 1, 0xfedcba9876543210ull, 3 }, h;
  struct ck_cell c, back;
  char msg[256];

  memset (&c, 0, sizeof c);     /* padding too: compared with memcmp */
  r.wl_names = names;
  r.wl_hash = hash;
  r.nwl = 3;
  c.index = 17;
  c.wl = 1;
  c.persist = 1;
  c.col = 3;
  c.bug = -1;
  strcpy (c.name, "b--fdatasync--journal");
  strcpy (c.log, "out/logs/b--fdatasync--journal.fpl");
  c.err = -110;
  strcpy (c.msg, "note \"quoted\"\nand a newline");
  for (int p = 0; p < CK_P__COUNT; p++) {
    snprintf (c.recipe[p], sizeof c.recipe[p], "end=%d drop=3", p);
    for (int k = 0; k <= CK_V_VIOLATED; k++)
      c.per_prop[p][k] = (uint64_t) (p * 10 + k) << 33;
    c.worst[p] = (uint8_t) (p % (CK_V_VIOLATED + 1));
  }
  c.states = 1ull << 40;
  c.checked = 12345;
  c.violated = 7;
  c.seconds = 1.25;
  c.nfaults = 2;
  strcpy (c.faults[0], "write:EIO:rate:5%:seed:1");
  strcpy (c.faults[1], "powercut:at:12");
  c.faults_fired = 3;
  c.failed_syncs = 2;
  c.after_error = 1;
  c.faults_disagree = true;
  c.log_removed = true;
  struct json_object *j = ck_matrix_partial_cell (&r, &c);
  /* Through text, as the record holds it. */
  struct json_object *t = json_tokener_parse (json_object_to_json_string (j));
  assert (ck_matrix_partial_cell_parse (t, &back, &h, msg, sizeof msg) == 0);
  assert (h == hash[1]);
  assert (memcmp (&back, &c, sizeof c) == 0);
  /* A field missing is named. */
  json_object_object_del (t, "violated");
  assert (ck_matrix_partial_cell_parse (t, &back, &h, msg, sizeof msg) == -EINVAL);
  assert (strstr (msg, "'violated'"));
  json_object_put (t);
  json_object_put (j);
}

static void
test_headers_differ_by_the_first_cause (void)
{
  struct ck_matrix_opts o;
  struct ck_matrix_result r = { 0 };
  char *names[3] = { "a", "b", "c" };
  char why[1024];

  opts_small (&o);
  r.wl_names = names;
  r.nwl = 3;
  r.ncells_total = ck_matrix_cell_count (&o);
  struct json_object *a = ck_matrix_partial_header (&o, &r);
  /* Another shard, other jobs, another out dir: the same matrix. */
  o.shard_index = 1;
  o.shard_count = 2;
  o.jobs = 8;
  o.out_dir = "elsewhere";
  struct json_object *b = ck_matrix_partial_header (&o, &r);
  assert (ck_matrix_partial_differ (a, b, "A", "B", why, sizeof why) == 0);
  json_object_put (b);
  /* Fewer persist choices: named as the option, not as the cell count. */
  o.npersist = 1;
  r.ncells_total = ck_matrix_cell_count (&o);
  b = ck_matrix_partial_header (&o, &r);
  assert (ck_matrix_partial_differ (a, b, "A", "B", why, sizeof why) == 1);
  assert (strcmp (why, "option persist is [\"fsync\",\"fdatasync\"] in A, "
                  "[\"fsync\"] in B") == 0);
  json_object_put (b);
  /* Other workload names. */
  o.npersist = 2;
  r.ncells_total = ck_matrix_cell_count (&o);
  names[2] = "d";
  b = ck_matrix_partial_header (&o, &r);
  assert (ck_matrix_partial_differ (a, b, "A", "B", why, sizeof why) == 1);
  assert (strncmp (why, "workload names (hash) is", 24) == 0);
  json_object_put (b);
  json_object_put (a);
}

int
main (void)
{
  test_numbering_is_workload_persist_column ();
  test_bug_cells_come_first_then_the_baseline_of_their_columns ();
  test_a_cell_line_gives_back_every_field ();
  test_headers_differ_by_the_first_cause ();
  return 0;
}
