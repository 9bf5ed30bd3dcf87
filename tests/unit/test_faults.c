/* test_faults: the plugin's fault language (nbd-plugin/faults.c,
 * faults_text.c) and the armed set (faultset.c), without nbdkit:
 *   - every good form parses to the spec it says, and the canonical text
 *     parses back to the same spec;
 *   - each bad form gives its own message naming the spec and the word;
 *   - matching: next, at N, times, always, range overlap, rate (seeded,
 *     repeatable, roughly the rate), several faults on one request, power
 *     cut (permanent, clear does not undo it), latency, clear, the limit;
 *   - a command is checked whole before anything changes.
 * The end-to-end counterparts are tests/e2e/test_faults_plugin.py and
 * test_faults_specs.py. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"

static struct fpfault_spec
parse1 (const char *text)
{
  struct fpfault_spec s[4];
  char err[512];
  size_t n;
  int r = fpfault_parse (text, strlen (text), s, 4, &n, err, sizeof err);

  if (r < 0 || n != 1) {
    fprintf (stderr, "parse \"%s\": %d %s\n", text, r, err);
    assert (0);
  }
  return s[0];
}

static void
canon_is (const char *text, const char *want)
{
  struct fpfault_spec a = parse1 (text), b;
  char got[FPFAULT_TEXT_MAX];

  assert (fpfault_format (&a, got, sizeof got) > 0);
  if (strcmp (got, want) != 0) {
    fprintf (stderr, "\"%s\": canonical \"%s\", want \"%s\"\n", text, got,
             want);
    assert (0);
  }
  b = parse1 (got);                          /* round trip */
  if (memcmp (&a, &b, sizeof a) != 0) {
    fprintf (stderr, "\"%s\": \"%s\" does not parse back to it\n", text,
             got);
    assert (0);
  }
}

static void
test_good_specs_and_canonical_forms (void)
{
  canon_is ("write EIO next", "write:EIO:at:1:times:1");
  canon_is ("write:EIO:next", "write:EIO:at:1:times:1");
  canon_is ("flush EIO at 3", "flush:EIO:at:3:times:1");
  canon_is ("read EIO", "read:EIO:at:1:always");
  canon_is ("trim ENOSPC range 4K-8K", "trim:ENOSPC:at:1:range:4096-8192:always");
  canon_is ("zero EPERM at 2 times 3", "zero:EPERM:at:2:times:3");
  canon_is ("any ESHUTDOWN at 0x10 always", "any:ESHUTDOWN:at:16:always");
  canon_is ("write EIO rate 5%", "write:EIO:at:1:rate:0.05:seed:0:always");
  canon_is ("write EIO rate 0.000001 seed 9 once",
            "write:EIO:at:1:rate:0.000001:seed:9:times:1");
  canon_is ("write EIO rate 1", "write:EIO:at:1:rate:1:seed:0:always");
  canon_is ("write EIO at 5 rate 0.5", "write:EIO:at:5:rate:0.5:seed:0:always");
  canon_is ("powercut", "powercut:any:at:1:EIO");
  canon_is ("powercut flush at 7 ESHUTDOWN", "powercut:flush:at:7:ESHUTDOWN");
  canon_is ("powercut next", "powercut:any:at:1:EIO");
  canon_is ("latency write 5ms", "latency:write:5ms");
  canon_is ("latency any 1500us", "latency:any:1500us");
  canon_is ("latency read 2s", "latency:read:2s");
  canon_is ("latency trim 0", "latency:trim:0");
  canon_is ("clear", "clear:any");
  canon_is ("clear zero", "clear:zero");
  canon_is ("  write\tEOVERFLOW  ", "write:EOVERFLOW:at:1:always");
  canon_is ("write ENOTSUP at 18446744073709551615 range "
            "0-18446744073709551615 rate 0.000001 seed 18446744073709551615 "
            "times 18446744073709551615",
            "write:ENOTSUP:at:18446744073709551615:range:0-"
            "18446744073709551615:rate:0.000001:seed:18446744073709551615:"
            "times:18446744073709551615");
  printf ("ok good_specs_and_canonical_forms\n");
}

static void
bad_is (const char *text, const char *want)
{
  struct fpfault_spec s[FPFAULT_SPECS_MAX];
  char err[512];
  size_t n;
  int r = fpfault_parse (text, strlen (text), s, FPFAULT_SPECS_MAX, &n, err,
                         sizeof err);

  if (r != -EINVAL || !strstr (err, want)) {
    fprintf (stderr, "\"%s\": %d \"%s\", want \"%s\"\n", text, r, err, want);
    assert (0);
  }
}

static void
test_bad_specs_each_say_why (void)
{
  bad_is ("", "empty fault specification");
  bad_is (" ; \n ;", "empty fault specification");
  bad_is ("wrte EIO", "fault spec 1 \"wrte EIO\": word 1 \"wrte\": expected "
          "an operation");
  bad_is ("write", "fault spec 1 \"write\": word 1 \"write\": expected "
          "an errno after the operation");
  bad_is ("write EBADF", "word 2 \"EBADF\": not an errno NBD can carry");
  bad_is ("write eio", "word 2 \"eio\": not an errno");
  bad_is ("write EIO at 0", "word 4 \"0\": expected a count >= 1 after \"at\"");
  bad_is ("write EIO at -1", "word 4 \"-1\": expected a count");
  bad_is ("write EIO at 99999999999999999999", "expected a count");
  bad_is ("write EIO at", "word 3 \"at\": \"at\" needs a value");
  bad_is ("write EIO next at 2", "word 4 \"at\": conflicts with word 3 "
          "\"next\": give one of next or at N");
  bad_is ("write EIO once always", "conflicts with word 3 \"once\"");
  bad_is ("write EIO range 1M-1M", "the range is empty");
  bad_is ("write EIO range 5", "expected a byte range A-B");
  bad_is ("write EIO range 1Q-2M", "expected a byte range A-B");
  bad_is ("write EIO range 0-1M range 2M-3M", "conflicts with word 3");
  bad_is ("flush EIO range 0-4K", "a flush has no offset");
  bad_is ("write EIO rate 0", "expected a probability in (0, 1]");
  bad_is ("write EIO rate 1.5", "expected a probability");
  bad_is ("write EIO rate 101%", "expected a probability");
  bad_is ("write EIO rate 0.0000001", "expected a probability");
  bad_is ("write EIO seed 4", "a seed only applies to \"rate P\"");
  bad_is ("write EIO rate 0.1 seed x", "expected a number after \"seed\"");
  bad_is ("write EIO soon", "word 3 \"soon\": expected a modifier");
  bad_is ("latency", "expected an operation after \"latency\"");
  bad_is ("latency write", "expected a duration");
  bad_is ("latency write 5", "word 3 \"5\": expected a duration");
  bad_is ("latency write 61s", "expected a duration up to 60s");
  bad_is ("latency write 5ms extra", "unexpected word after the duration");
  bad_is ("powercut at 3 ENOSPC", "word 4 \"ENOSPC\": a power cut fails "
          "requests with EIO or ESHUTDOWN");
  bad_is ("powercut at 3 EIO again", "unexpected word after the errno");
  bad_is ("powercut range 0-1M", "expected next, at N, EIO or ESHUTDOWN");
  bad_is ("clear all", "expected nothing or an operation after \"clear\"");
  bad_is ("clear write read", "unexpected word after \"clear\"");
  bad_is ("write EIO next; flush EXYZ", "fault spec 2 \"flush EXYZ\": word "
          "2 \"EXYZ\"");
  bad_is ("write\x01 EIO", "holds byte 0x01");
  {
    char many[2048] = "";
    for (int i = 0; i < 70; i++)
      strcat (many, "read EIO;");
    bad_is (many, "more than 64 specs");
  }
  printf ("ok bad_specs_each_say_why\n");
}

/* ---- the armed set ---- */

static void
arm (struct fpfault_set *fs, const char *text)
{
  struct fpfault_spec s[FPFAULT_SPECS_MAX];
  char err[512], note[256];
  size_t n;

  assert (fpfault_parse (text, strlen (text), s, FPFAULT_SPECS_MAX, &n, err,
                         sizeof err) == 0);
  assert (fpfault_set_check (fs, s, n, err, sizeof err) == 0);
  for (size_t i = 0; i < n; i++)
    assert (fpfault_set_apply (fs, &s[i], note, sizeof note, err,
                               sizeof err) == 0);
}

static int
req (struct fpfault_set *fs, enum fpfault_op op, uint64_t off, uint64_t len)
{
  struct fpfault_hit h;
  fpfault_set_match (fs, op, off, len, &h);
  return h.h_errno;
}

static void
test_next_at_times_always (void)
{
  struct fpfault_set fs;

  fpfault_set_init (&fs, 1 << 20);
  assert (fpfault_set_idle (&fs));
  arm (&fs, "write EIO next");
  assert (!fpfault_set_idle (&fs));
  assert (req (&fs, FPFAULT_READ, 0, 512) == 0);    /* other ops don't count */
  assert (req (&fs, FPFAULT_WRITE, 0, 512) == EIO);
  assert (req (&fs, FPFAULT_WRITE, 0, 512) == 0);
  assert (fpfault_set_idle (&fs));                  /* retired */

  arm (&fs, "flush ENOSPC at 3 times 2");
  int want[] = { 0, 0, ENOSPC, ENOSPC, 0, 0 };
  for (int i = 0; i < 6; i++)
    assert (req (&fs, FPFAULT_FLUSH, 0, 0) == want[i]);

  arm (&fs, "trim EPERM");
  for (int i = 0; i < 5; i++)
    assert (req (&fs, FPFAULT_TRIM, 0, 4096) == EPERM);
  arm (&fs, "clear trim");
  assert (req (&fs, FPFAULT_TRIM, 0, 4096) == 0);
  assert (fs.fs_fired == 1 + 2 + 5);
  printf ("ok next_at_times_always\n");
}

static void
test_range_overlap (void)
{
  struct fpfault_set fs;

  fpfault_set_init (&fs, 1 << 20);
  arm (&fs, "any EIO range 4096-8192");
  assert (req (&fs, FPFAULT_WRITE, 0, 4096) == 0);        /* ends at lo */
  assert (req (&fs, FPFAULT_WRITE, 8192, 512) == 0);      /* starts at hi */
  assert (req (&fs, FPFAULT_WRITE, 4095, 2) == EIO);
  assert (req (&fs, FPFAULT_READ, 8191, 1) == EIO);
  assert (req (&fs, FPFAULT_ZERO, 0, 1 << 20) == EIO);    /* covers it */
  assert (req (&fs, FPFAULT_FLUSH, 0, 0) == 0);           /* no range */
  printf ("ok range_overlap\n");
}

/* The same seed gives the same faults; the count is near the rate. */
static void
test_rate_is_seeded (void)
{
  struct fpfault_set a, b, c;
  unsigned hits = 0, diff = 0;

  fpfault_set_init (&a, 1 << 20);
  fpfault_set_init (&b, 1 << 20);
  fpfault_set_init (&c, 1 << 20);
  arm (&a, "write EIO rate 0.1 seed 42");
  arm (&b, "write EIO rate 10% seed 42");
  arm (&c, "write EIO rate 0.1 seed 43");
  for (int i = 0; i < 10000; i++) {
    int x = req (&a, FPFAULT_WRITE, 0, 512);
    assert (x == req (&b, FPFAULT_WRITE, 0, 512));
    diff += x != req (&c, FPFAULT_WRITE, 0, 512);
    hits += x != 0;
  }
  assert (hits > 850 && hits < 1150);     /* 1000 expected; ~10 sigma wide */
  assert (diff > 0);
  printf ("ok rate_is_seeded (%u of 10000 at rate 0.1, seed 42)\n", hits);
}

static void
test_several_faults_on_one_request (void)
{
  struct fpfault_set fs;
  struct fpfault_hit h;

  fpfault_set_init (&fs, 1 << 20);
  arm (&fs, "write ENOSPC at 2; any EIO at 2; write EPERM at 3");
  assert (req (&fs, FPFAULT_WRITE, 0, 512) == 0);
  fpfault_set_match (&fs, FPFAULT_WRITE, 0, 512, &h);
  assert (h.h_errno == ENOSPC && h.h_id == 1);       /* the first armed */
  assert (fs.fs_n == 1);                             /* both fired, retired */
  assert (req (&fs, FPFAULT_WRITE, 0, 512) == EPERM);   /* still counted */
  printf ("ok several_faults_on_one_request\n");
}

static void
test_powercut_is_permanent (void)
{
  struct fpfault_set fs;
  struct fpfault_hit h;

  fpfault_set_init (&fs, 1 << 20);
  arm (&fs, "powercut at 3 ESHUTDOWN");
  assert (req (&fs, FPFAULT_READ, 0, 512) == 0);
  assert (req (&fs, FPFAULT_FLUSH, 0, 0) == 0);
  fpfault_set_match (&fs, FPFAULT_WRITE, 0, 512, &h);
  assert (h.h_errno == ESHUTDOWN && h.h_power_now && h.h_power);
  fpfault_set_match (&fs, FPFAULT_READ, 0, 512, &h);
  assert (h.h_errno == ESHUTDOWN && !h.h_power_now && h.h_power);
  assert (strcmp (h.h_text, "powercut:any:at:3:ESHUTDOWN") == 0);
  arm (&fs, "clear");
  assert (req (&fs, FPFAULT_TRIM, 0, 512) == ESHUTDOWN);
  assert (!fpfault_set_idle (&fs));
  printf ("ok powercut_is_permanent\n");
}

static void
test_latency_and_list (void)
{
  struct fpfault_set fs;
  char list[4096];

  fpfault_set_init (&fs, 1 << 20);
  arm (&fs, "latency write 5ms; read EIO at 9; latency any 1us");
  assert (fpfault_set_latency (&fs, FPFAULT_WRITE) == 1000);
  assert (fpfault_set_latency (&fs, FPFAULT_FLUSH) == 1000);
  fpfault_set_list (&fs, list, sizeof list);
  assert (strcmp (list, "read:EIO:at:9:times:1;latency:read:1us;"
                  "latency:write:1us;latency:flush:1us;latency:trim:1us;"
                  "latency:zero:1us") == 0);
  fpfault_set_list (&fs, list, 30);              /* only whole specs */
  assert (strcmp (list, "read:EIO:at:9:times:1") == 0);
  arm (&fs, "clear read");
  assert (fpfault_set_latency (&fs, FPFAULT_READ) == 0);
  assert (fpfault_set_latency (&fs, FPFAULT_ZERO) == 1000);
  arm (&fs, "latency any 0");
  assert (fpfault_set_idle (&fs));
  printf ("ok latency_and_list\n");
}

static void
test_limit_and_whole_commands (void)
{
  struct fpfault_set fs;
  struct fpfault_spec s[FPFAULT_SPECS_MAX];
  char err[512], text[4096] = "";
  size_t n;

  fpfault_set_init (&fs, 1 << 20);
  for (unsigned i = 0; i < FPFAULT_MAX; i++)
    arm (&fs, "read EIO at 100");
  assert (fpfault_parse ("write EIO", 9, s, FPFAULT_SPECS_MAX, &n, err,
                         sizeof err) == 0);
  assert (fpfault_set_check (&fs, s, n, err, sizeof err) == -ENOSPC);
  assert (strstr (err, "32 faults are armed already"));
  /* A clear early in a command makes room for what follows it. */
  strcpy (text, "clear read; write EIO; write EIO");
  assert (fpfault_parse (text, strlen (text), s, FPFAULT_SPECS_MAX, &n, err,
                         sizeof err) == 0);
  assert (fpfault_set_check (&fs, s, n, err, sizeof err) == 0);
  assert (fs.fs_n == FPFAULT_MAX);                /* check changed nothing */
  /* A range must start inside the disk. */
  assert (fpfault_parse ("write EIO range 1M-2M", 21, s, FPFAULT_SPECS_MAX,
                         &n, err, sizeof err) == 0);
  assert (fpfault_set_check (&fs, s, n, err, sizeof err) == -EINVAL);
  assert (strstr (err, "past the end of the 1048576-byte disk"));
  printf ("ok limit_and_whole_commands\n");
}

int
main (void)
{
  setvbuf (stdout, NULL, _IONBF, 0);
  test_good_specs_and_canonical_forms ();
  test_bad_specs_each_say_why ();
  test_next_at_times_always ();
  test_range_overlap ();
  test_rate_is_seeded ();
  test_several_faults_on_one_request ();
  test_powercut_is_permanent ();
  test_latency_and_list ();
  test_limit_and_whole_commands ();
  return 0;
}
