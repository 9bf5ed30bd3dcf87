/* test_wl_generate: the generator's counts for --length 1 and 2 against the
 * formula in LANGUAGE.md, that every workload parses, that output is
 * deterministic and that illegal steps carry their `expect`. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <xxhash.h>

#include "wl.h"

/* LANGUAGE.md: O = 12 core ops, P = 8 persistence choices,
 * count(n) = sum_{k=1..n} (O*P)^k. */
#define O 12u
#define P 8u

struct tally {
  uint64_t n;
  uint64_t hash;                 /* over names and texts, in order */
  char last[48];
  const char *want_name;         /* when set, copy that workload's text */
  char want_text[4096];
};

static int
count_cb (void *ctx, const char *name, const char *text)
{
  struct tally *t = ctx;
  struct wl_workload *w = NULL;
  char err[256];

  if (wl_parse (name, text, strlen (text), &w, err, sizeof err) != 0) {
    fprintf (stderr, "%s does not parse: %s\n%s", name, err, text);
    assert (0);
  }
  assert (w->n_ops >= 8);        /* prologue (7) + at least one op */
  wl_free (w);
  /* Names strictly increase within one length. */
  if (t->n > 0 && strncmp (name, t->last, 6) == 0)
    assert (strcmp (name, t->last) > 0);
  snprintf (t->last, sizeof t->last, "%s", name);
  t->hash = XXH3_64bits_withSeed (text, strlen (text), t->hash);
  t->hash = XXH3_64bits_withSeed (name, strlen (name), t->hash);
  if (t->want_name && strcmp (name, t->want_name) == 0)
    snprintf (t->want_text, sizeof t->want_text, "%s", text);
  t->n++;
  return 0;
}

static void
test_count_formula (void)
{
  assert (wl_generate_count (WL_GEN_CORE, 1) == O * P);
  assert (wl_generate_count (WL_GEN_CORE, 2) == O * P + (O * P) * (O * P));
  assert (wl_generate_count (WL_GEN_CORE, 3) == O * P + (O * P) * (O * P)
                                   + (O * P) * (O * P) * (O * P));
}

static void
test_length_1_and_2_counts (void)
{
  struct tally t1 = { 0 }, t2 = { 0 };

  assert (wl_generate_each (WL_GEN_CORE, 1, 7, count_cb, &t1) == 0);
  assert (t1.n == 96 && t1.n == wl_generate_count (WL_GEN_CORE, 1));
  assert (wl_generate_each (WL_GEN_CORE, 2, 7, count_cb, &t2) == 0);
  assert (t2.n == 9312 && t2.n == wl_generate_count (WL_GEN_CORE, 2));
}

static void
test_deterministic_and_seeded (void)
{
  struct tally a = { 0 }, b = { 0 }, c = { 0 };

  assert (wl_generate_each (WL_GEN_CORE, 1, 7, count_cb, &a) == 0);
  assert (wl_generate_each (WL_GEN_CORE, 1, 7, count_cb, &b) == 0);
  assert (wl_generate_each (WL_GEN_CORE, 1, 8, count_cb, &c) == 0);
  assert (a.hash == b.hash);
  assert (a.hash != c.hash && a.n == c.n);
}

static void
test_illegal_steps_expect (void)
{
  /* Step 1: op 9 (unlink /A/bar) then persist 3 (fsync /A/bar);
   * step 2: op 9 again then nothing.  Index = ((9*8+3)*12 + 9)*8 + 0. */
  struct tally t = { .want_name = "gen-2-007272" };

  assert ((9u * 8 + 3) * 12 * 8 + 9 * 8 == 7272);
  assert (wl_generate_each (WL_GEN_CORE, 2, 1, count_cb, &t) == 0);
  assert (strstr (t.want_text, "\nunlink /A/bar\nfsync /A/bar\nexpect ENOENT\n"
                               "unlink /A/bar\nexpect ENOENT\n") != NULL);
  /* The rename of a name onto another link of the same inode succeeds:
   * step 1 op 6 (link /foo /A/baz), step 2 op 7 (rename /foo /A/baz). */
  struct tally u = { .want_name = "gen-2-004664" };
  assert (((6u * 8 + 0) * 12 + 7) * 8 + 0 == 4664);
  assert (wl_generate_each (WL_GEN_CORE, 2, 1, count_cb, &u) == 0);
  assert (strstr (u.want_text, "\nlink /foo /A/baz\nrename /foo /A/baz\n")
          != NULL);
  assert (strstr (u.want_text, "expect") == NULL);
}

/* --ops all: the 12 core ops and the 9 of issue 14, so 168 per step;
 * every workload parses (count_cb), and the namespace model predicts the
 * new ops' errors: a second symlink onto /A/sym is EEXIST, removing an
 * attribute never set is ENODATA, one set before is not. */
static void
test_all_ops_set (void)
{
  struct tally t1 = { 0 }, t2 = { 0 };
  /* step 1: op 18 (symlink) + nothing; step 2: op 18 again + nothing */
  struct tally sym = { .want_name = "gen-2-024336" };
  /* step 1: op 17 (removexattr) + nothing; step 2: op 16 (setxattr),
   * which succeeds, then fsync /foo */
  struct tally xr = { .want_name = "gen-2-022977" };
  /* step 1: op 16 (setxattr) + nothing; step 2: op 17 (removexattr) */
  struct tally xs = { .want_name = "gen-2-021640" };

  assert (wl_generate_count (WL_GEN_ALL, 1) == 168);
  assert (wl_generate_count (WL_GEN_ALL, 2) == 168 + 168 * 168);
  assert (wl_generate_count (WL_GEN_ALL, 3) == 4770024);
  assert (wl_generate_each (WL_GEN_ALL, 1, 7, count_cb, &t1) == 0
          && t1.n == 168);
  assert (wl_generate_each (WL_GEN_ALL, 2, 7, count_cb, &t2) == 0
          && t2.n == 28392);
  assert (((18u * 8) * 21 + 18) * 8 == 24336);
  assert (wl_generate_each (WL_GEN_ALL, 2, 1, count_cb, &sym) == 0);
  assert (strstr (sym.want_text, "\nsymlink /foo /A/sym\nsymlink /foo /A/sym\n"
                                 "expect EEXIST\n") != NULL);
  assert (((17u * 8) * 21 + 16) * 8 + 1 == 22977);
  assert (wl_generate_each (WL_GEN_ALL, 2, 1, count_cb, &xr) == 0);
  assert (strstr (xr.want_text, "\nremovexattr /foo user.gen\nexpect ENODATA\n"
                                "setxattr /foo user.gen 64 seed=1011\n"
                                "fsync /foo\n") != NULL);
  assert (((16u * 8) * 21 + 17) * 8 == 21640);
  assert (wl_generate_each (WL_GEN_ALL, 2, 1, count_cb, &xs) == 0);
  assert (strstr (xs.want_text, "\nremovexattr /foo user.gen\n") != NULL
          && strstr (xs.want_text, "expect") == NULL);
  /* An exchange needs both names: after unlink /A/bar it is ENOENT. */
  struct tally xe = { .want_name = "gen-2-012256" };
  assert (((9u * 8) * 21 + 20) * 8 == 12256);
  assert (wl_generate_each (WL_GEN_ALL, 2, 1, count_cb, &xe) == 0);
  assert (strstr (xe.want_text, "\nunlink /A/bar\nrename /foo /A/bar "
                                "exchange\nexpect ENOENT\n") != NULL);
  /* The core set is unchanged by the larger one. */
  assert (wl_generate_count (WL_GEN_CORE, 2) == 9312);
}

static void
test_bad_length (void)
{
  struct tally t = { 0 };
  char err[128];
  uint64_t n;

  assert (wl_generate_each (WL_GEN_CORE, 0, 1, count_cb, &t) == -EINVAL);
  assert (wl_generate_each (WL_GEN_CORE, WL_GEN_MAX_LENGTH + 1, 1, count_cb,
                            &t) == -EINVAL);
  assert (wl_generate (WL_GEN_CORE, 4, 1, "/nonexistent", &n, err,
                       sizeof err) == -EINVAL);
  assert (strcmp (err, "--length 4: must be 1 to 3") == 0);
}

static void
test_writes_files (void)
{
  char dir[] = "/tmp/test_wl_generate-XXXXXX";
  char err[256], path[600];
  uint64_t n = 0, files = 0;
  DIR *d;
  struct dirent *de;

  assert (mkdtemp (dir));
  snprintf (path, sizeof path, "%s/out", dir);
  assert (wl_generate (WL_GEN_CORE, 1, 3, path, &n, err, sizeof err) == 0);
  assert (n == 96);
  assert ((d = opendir (path)));
  while ((de = readdir (d))) {
    if (de->d_name[0] == '.')
      continue;
    files++;
    char f[1200];
    snprintf (f, sizeof f, "%s/%s", path, de->d_name);
    struct wl_workload *w;
    assert (wl_parse_file (f, &w, err, sizeof err) == 0);
    wl_free (w);
    unlink (f);
  }
  closedir (d);
  assert (files == 96);
  rmdir (path);
  rmdir (dir);
}

int
main (void)
{
  test_count_formula ();
  test_length_1_and_2_counts ();
  test_deterministic_and_seeded ();
  test_illegal_steps_expect ();
  test_all_ops_set ();
  test_bad_length ();
  test_writes_files ();
  printf ("test_wl_generate: ok\n");
  return 0;
}
