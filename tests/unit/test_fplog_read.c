/* test_fplog_read: the log reader on hand-made good, truncated and corrupt
 * files (built byte by byte in testlog.h, not with the writer). */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fplog.h"
#include "testlog.h"

/* What reading a whole file gave. */
struct outcome {
  int open_err;
  int end;                      /* FPLOG_NEXT_END / _TRUNCATED / -errno */
  uint64_t n;                   /* entries returned */
  bool has_last;
  uint64_t last_seq;
  uint64_t end_off;
  char msg[512];
};

static struct outcome
read_all (const void *d, size_t len)
{
  struct outcome o = { 0 };
  struct fplog_reader *r;
  struct fplog_entry e;
  const char *path = tl_file (d, len);

  o.open_err = fplog_reader_open (path, &r, o.msg, sizeof o.msg);
  if (o.open_err) {
    assert (o.open_err < 0);
    assert (strncmp (o.msg, path, strlen (path)) == 0);   /* names the file */
    return o;
  }
  while ((o.end = fplog_next (r, &e, o.msg, sizeof o.msg)) == FPLOG_NEXT_ENTRY) {
    assert (e.seq == o.n);
    o.n++;
  }
  o.has_last = fplog_reader_last_seq (r, &o.last_seq);
  o.end_off = fplog_reader_offset (r);
  assert (fplog_reader_next_seq (r) == o.n);
  fplog_reader_close (r);
  return o;
}

static bool
has (const char *msg, const char *sub)
{
  if (strstr (msg, sub))
    return true;
  fprintf (stderr, "expected \"%s\" in: %s\n", sub, msg);
  return false;
}

static void
test_valid_log_reads_every_field (void)
{
  struct testlog t;
  struct fplog_reader *r;
  struct fplog_entry e;
  const struct fplog_header *h;
  char msg[512];
  static const uint8_t types[] = { 1, 1, 4, 5, 2, 3, 1, 4, 6, 5 };

  tl_sample (&t);
  assert (fplog_reader_open (tl_file (t.d, t.len), &r, msg, sizeof msg) == 0);
  h = fplog_reader_header (r);
  assert (h->version == 1 && h->flags == 0 && h->sector_size == 512);
  assert (h->device_size == 1 << 20 && h->header_len == 96);
  assert (h->created_ns == 1700000000123456789ull);
  assert (h->uuid[0] == 0xa0 && h->uuid[15] == 0xaf);
  assert (h->base_path[0] == '\0' && h->base_size == 0);
  for (uint64_t i = 0; i < t.nent; i++) {
    assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY);
    assert (e.seq == i && e.type == types[i]);
    assert (e.file_offset == t.off[i]);
    assert (e.timestamp_ns == 1700000000000000000ull + i);
    assert (e.offset == tl_get64 (t.d + t.off[i] + 24));
    assert (e.length == tl_get64 (t.d + t.off[i] + 32));
    assert (e.payload_len == 0 ||
            memcmp (e.payload, t.d + t.off[i] + 56, e.payload_len) == 0);
  }
  assert (fplog_reader_offset (r) == t.len);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_END);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_END);  /* sticky */
  fplog_reader_close (r);
  tl_free (&t);
}

static void
test_base_image_header_is_read (void)
{
  struct testlog t;
  struct fplog_reader *r;
  char msg[512];

  tl_header (&t, 1 << 20, 4096, "img/base.raw", 65536, 0x1234);
  assert (t.hlen == 112);
  assert (fplog_reader_open (tl_file (t.d, t.len), &r, msg, sizeof msg) == 0);
  assert (fplog_reader_header (r)->flags == FPLOG_H_BASE_IMAGE);
  assert (!strcmp (fplog_reader_header (r)->base_path, "img/base.raw"));
  assert (fplog_reader_header (r)->base_checksum == 0x1234);
  assert (fplog_reader_header (r)->sector_size == 4096);
  fplog_reader_close (r);
  tl_free (&t);
}

static void
test_truncated_at_every_byte_of_last_entry (void)
{
  struct testlog t;
  char want[128];

  tl_sample (&t);
  size_t last = t.nent - 1;
  for (size_t cut = t.off[last]; cut < t.len; cut++) {
    struct outcome o = read_all (t.d, cut);

    assert (o.open_err == 0 && o.n == last);
    if (cut == t.off[last]) {
      assert (o.end == FPLOG_NEXT_END);     /* an entry boundary: clean */
      continue;
    }
    assert (o.end == FPLOG_NEXT_TRUNCATED);
    assert (o.has_last && o.last_seq == last - 1);
    assert (o.end_off == t.off[last]);
    snprintf (want, sizeof want, "truncated tail after entry %zu (byte %zu)",
              last - 1, t.off[last]);
    assert (has (o.msg, want));
  }
  tl_free (&t);
}

static void
test_truncated_anywhere_keeps_every_whole_entry (void)
{
  struct testlog t;

  tl_sample (&t);
  for (size_t cut = t.hlen; cut <= t.len; cut++) {
    struct outcome o = read_all (t.d, cut);
    size_t whole = 0;

    while (whole < t.nent && t.off[whole + 1] <= cut)
      whole++;
    assert (o.open_err == 0 && o.n == whole);
    assert (o.end == (cut == t.off[whole] ? FPLOG_NEXT_END
                                          : FPLOG_NEXT_TRUNCATED));
  }
  tl_free (&t);
}

static void
test_truncated_right_after_header_has_no_last_seq (void)
{
  struct testlog t;
  struct outcome o;

  tl_sample (&t);
  o = read_all (t.d, t.off[0] + 20);
  assert (o.end == FPLOG_NEXT_TRUNCATED && o.n == 0 && !o.has_last);
  assert (has (o.msg, "truncated tail after the header (byte 96)"));
  tl_free (&t);
}

static void
test_zero_filled_tail_is_truncated (void)
{
  struct testlog t;
  struct outcome o;
  uint8_t zero[4096] = { 0 };

  tl_sample (&t);
  tl_put (&t, zero, sizeof zero);
  o = read_all (t.d, t.len);
  assert (o.end == FPLOG_NEXT_TRUNCATED && o.n == t.nent);
  assert (has (o.msg, "bad entry magic"));
  tl_free (&t);
}

static void
test_flipped_byte_in_middle_entry_names_entry_and_offset (void)
{
  struct testlog t;
  char want[64];

  tl_sample (&t);
  snprintf (want, sizeof want, "log entry 3 at byte %zu: ", t.off[3]);
  for (size_t b = t.off[3]; b < t.off[4]; b++) {
    struct outcome o;

    t.d[b] ^= 0x10;
    o = read_all (t.d, t.len);
    t.d[b] ^= 0x10;
    assert (o.open_err == 0 && o.end == -EBADMSG && o.n == 3);
    assert (has (o.msg, want));
  }
  tl_free (&t);
}

static void
test_flipped_payload_byte_reports_checksum_mismatch (void)
{
  struct testlog t;
  struct outcome o;

  tl_sample (&t);
  t.d[t.off[0] + 56 + 100] ^= 1;
  o = read_all (t.d, t.len);
  assert (o.end == -EBADMSG && o.n == 0);
  assert (has (o.msg, "log entry 0 at byte 96: checksum mismatch"));
  tl_free (&t);
}

static void
test_bad_last_entry_reads_as_truncated_tail (void)
{
  struct testlog t;
  struct outcome o;

  tl_sample (&t);
  t.d[t.off[t.nent - 1] + 57] ^= 1;      /* "end" -> "dnd"-like */
  o = read_all (t.d, t.len);
  assert (o.end == FPLOG_NEXT_TRUNCATED && o.n == t.nent - 1);
  assert (has (o.msg, "checksum mismatch"));
  tl_free (&t);
}

static void
test_header_errors_have_their_own_messages (void)
{
  static const struct {
    size_t off;                 /* patch a 4-byte LE value here */
    uint32_t val;
    bool fix;                   /* recompute the header checksum */
    int err;
    const char *msg;
  } cases[] = {
    { 0,  0x474e4950, false, -EINVAL,  "not a flushpoint log (bad magic)" },
    { 8,  2,          true,  -ENOTSUP, "unsupported log version 2" },
    { 30, 0x99,       false, -EBADMSG, "header checksum mismatch" },
    { 20, 1000,       true,  -EBADMSG, "sector size 1000 is not a power of two" },
    { 20, 256,        true,  -EBADMSG, "sector size 256" },
    { 20, 8192,       true,  -EBADMSG, "sector size 8192" },
    { 40, 1048000,    true,  -EBADMSG, "not a multiple of the sector size" },
    { 12, 104,        true,  -EBADMSG, "header_len 104 does not match" },
    { 72, 5000,       true,  -EBADMSG, "base_path_len 5000 exceeds" },
    { 16, 4,          true,  -EBADMSG, "unknown flags" },
    { 16, 1,          true,  -EBADMSG, "base image flag set but no base path" },
    { 76, 1,          true,  -EBADMSG, "reserved field is not zero" },
    { 56, 1,          true,  -EBADMSG, "without the base image flag" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct testlog t;
    struct outcome o;

    tl_sample (&t);
    tl_le32 (t.d + cases[i].off, cases[i].val);
    if (cases[i].fix)
      tl_fix_header (t.d, t.hlen);
    o = read_all (t.d, t.len);
    if (o.open_err != cases[i].err)
      fprintf (stderr, "case %zu: got %d: %s\n", i, o.open_err, o.msg);
    assert (o.open_err == cases[i].err);
    assert (has (o.msg, cases[i].msg));
    tl_free (&t);
  }
}

static void
test_base_path_checks (void)
{
  struct testlog t;
  struct outcome o;

  tl_header (&t, 1 << 20, 512, "a\x01" "b", 4096, 7);
  t.d[97] = 0;                  /* a NUL inside the path */
  tl_fix_header (t.d, t.hlen);
  o = read_all (t.d, t.len);
  assert (o.open_err == -EBADMSG && has (o.msg, "base path contains a NUL"));
  tl_free (&t);

  tl_header (&t, 1 << 20, 512, "abc", 4096, 7);
  t.d[100] = 'x';               /* padding after the path */
  tl_fix_header (t.d, t.hlen);
  o = read_all (t.d, t.len);
  assert (o.open_err == -EBADMSG && has (o.msg, "padding after the base path"));
  tl_free (&t);

  tl_header (&t, 1 << 20, 512, "abc", (1 << 20) + 512, 7);
  o = read_all (t.d, t.len);
  assert (o.open_err == -EBADMSG && has (o.msg, "exceeds the device size"));
  tl_free (&t);
}

static void
test_short_files (void)
{
  struct testlog t;
  struct outcome o;

  o = read_all ("", 0);
  assert (o.open_err == -EINVAL && has (o.msg, "empty file"));
  o = read_all ("FPLOG", 5);
  assert (o.open_err == -EINVAL && has (o.msg, "bad magic"));
  tl_sample (&t);
  o = read_all (t.d, 50);
  assert (o.open_err == -EBADMSG && has (o.msg, "header cut short (50 of 96"));
  tl_free (&t);
  tl_header (&t, 1 << 20, 512, "base.img", 0, 0);
  o = read_all (t.d, 100);
  assert (o.open_err == -EBADMSG && has (o.msg, "header cut short (100 of 104"));
  tl_free (&t);
}

static void
test_header_only_file_is_an_empty_log (void)
{
  struct testlog t;
  struct outcome o;

  tl_header (&t, 1 << 20, 512, NULL, 0, 0);
  o = read_all (t.d, t.len);
  assert (o.open_err == 0 && o.end == FPLOG_NEXT_END && o.n == 0);
  assert (!o.has_last && o.end_off == 96);
  tl_free (&t);
}

static void
test_missing_file_and_directory (void)
{
  struct fplog_reader *r;
  char msg[512];

  assert (fplog_reader_open ("/nonexistent/x.fpl", &r, msg, sizeof msg) ==
          -ENOENT);
  assert (r == NULL && has (msg, "/nonexistent/x.fpl: open: "));
  assert (fplog_reader_open ("/tmp", &r, msg, sizeof msg) == -EINVAL);
  assert (has (msg, "/tmp: not a regular file"));
}

/* Entries whose checksum is right but whose fields are wrong are corrupt,
 * wherever they are, even last. */
static void
test_bad_fields_with_good_checksum_are_corrupt (void)
{
  static const struct {
    size_t off;                 /* byte offset inside entry 2 */
    uint64_t val;
    int width;
    const char *msg;
  } cases[] = {
    { 16, 5,                  8, "seq 5, expected 2" },
    { 4,  9,                  1, "unknown type 9" },
    { 4,  0,                  1, "unknown type 0" },
    { 5,  0x80,               1, "unknown flags 0x80" },
    { 5,  FPLOG_F_FAILED,     1, "FAILED flag on a WRITE entry" },
    { 6,  1,                  1, "reserved field is not zero" },
    { 12, 1,                  4, "reserved field is not zero" },
    { 24, (1 << 20) - 4,      8, "runs past the device end" },
    { 24, UINT64_MAX - 2,     8, "runs past the device end" },
    { 32, 6,                  8, "WRITE length 6 != payload_len 5" },
    { 61, 'x',                1, "payload padding is not zero" },
  };

  for (int last = 0; last <= 1; last++)
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      struct testlog t;
      struct outcome o;
      uint8_t *e;
      char want[64];

      tl_header (&t, 1 << 20, 512, NULL, 0, 0);
      tl_entry (&t, FPLOG_FLUSH, 0, 0, 0, NULL, 0);
      tl_entry (&t, FPLOG_MARK, 0, 0, 1, "m", 1);
      tl_entry (&t, FPLOG_WRITE, 0, 100, 5, "hello", 5);
      if (!last)
        tl_entry (&t, FPLOG_FLUSH, 0, 0, 0, NULL, 0);
      e = t.d + t.off[2];
      for (int b = 0; b < cases[i].width; b++)
        e[cases[i].off + b] = cases[i].val >> (8 * b);
      tl_fix_entry (e);
      o = read_all (t.d, t.len);
      snprintf (want, sizeof want, "log entry 2 at byte %zu: ", t.off[2]);
      assert (o.end == -EBADMSG && o.n == 2);
      assert (has (o.msg, want) && has (o.msg, cases[i].msg));
      tl_free (&t);
    }
}

static void
test_type_rules (void)
{
  static const struct {
    uint8_t type, flags;
    uint64_t off, len;
    uint32_t plen;
    const char *msg;            /* NULL: valid */
  } cases[] = {
    { FPLOG_FLUSH, 0, 0, 512, 0, "FLUSH with nonzero" },
    { FPLOG_FLUSH, 0, 0, 0, 4, "FLUSH with nonzero" },
    { FPLOG_TRIM,  0, 0, 4, 4, "TRIM with a payload" },
    { FPLOG_MARK,  0, 8, 4, 4, "MARK offset must be 0" },
    { FPLOG_MARK,  0, 0, 3, 4, "MARK offset must be 0" },
    { FPLOG_ZERO,  0, 1 << 20, 1, 0, "runs past the device end" },
    { FPLOG_ZERO,  0, 1 << 20, 0, 0, NULL },
    { FPLOG_TRIM,  FPLOG_F_FUA, 0, 1 << 20, 0, NULL },
    { FPLOG_FAULT, FPLOG_F_FAILED, UINT64_MAX, 9, 4, NULL },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct testlog t;
    struct outcome o;

    tl_header (&t, 1 << 20, 512, NULL, 0, 0);
    tl_entry (&t, cases[i].type, cases[i].flags, cases[i].off, cases[i].len,
              "abcd", cases[i].plen);
    o = read_all (t.d, t.len);
    if (cases[i].msg)
      assert (o.end == -EBADMSG && has (o.msg, cases[i].msg));
    else
      assert (o.end == FPLOG_NEXT_END && o.n == 1);
    tl_free (&t);
  }
}

static void
test_huge_payload_len (void)
{
  for (int last = 0; last <= 1; last++) {
    struct testlog t;
    struct outcome o;

    tl_sample (&t);
    tl_le32 (t.d + t.off[last ? t.nent - 1 : 2] + 8, 0xffffffffu);
    o = read_all (t.d, t.len);
    if (last)
      assert (o.end == FPLOG_NEXT_TRUNCATED && o.n == t.nent - 1);
    else {
      assert (o.end == -EBADMSG && o.n == 2);
      assert (has (o.msg, "payload_len 4294967295 exceeds the maximum"));
    }
    assert (has (o.msg, "payload_len 4294967295 exceeds the maximum"));
    tl_free (&t);
  }
}

static void
test_entry_bigger_than_read_window (void)
{
  struct testlog t;
  struct fplog_reader *r;
  struct fplog_entry e;
  char msg[512];
  size_t big = 3u << 20;
  uint8_t *data = malloc (big);

  assert (data);
  for (size_t i = 0; i < big; i++)
    data[i] = (uint8_t) (i ^ (i >> 11));
  tl_header (&t, 8 << 20, 512, NULL, 0, 0);
  tl_entry (&t, FPLOG_WRITE, 0, 4096, big, data, big);
  tl_entry (&t, FPLOG_FLUSH, 0, 0, 0, NULL, 0);
  assert (fplog_reader_open (tl_file (t.d, t.len), &r, msg, sizeof msg) == 0);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY);
  assert (e.payload_len == big && memcmp (e.payload, data, big) == 0);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY);
  assert (e.type == FPLOG_FLUSH);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_END);
  fplog_reader_close (r);
  free (data);
  tl_free (&t);
}

/* 300 entries of varying size, so entries straddle the read window and the
 * seek index (every 64th entry) is exercised. */
static void
test_seek_to_any_entry (void)
{
  static uint8_t data[9000];
  static const uint64_t order[] = { 130, 0, 299, 64, 63, 65, 1, 128, 300,
                                    200, 127, 5 };
  struct testlog t;
  struct fplog_reader *r;
  struct fplog_entry e;
  char msg[512];

  memset (data, 0x5a, sizeof data);
  tl_header (&t, 1 << 20, 512, NULL, 0, 0);
  for (int i = 0; i < 300; i++)
    tl_entry (&t, FPLOG_WRITE, 0, i * 512, (i * 37) % 9000, data,
              (i * 37) % 9000);
  for (int pass = 0; pass < 2; pass++) {
    /* pass 0: seeks run ahead of the index; pass 1: after a full read. */
    assert (fplog_reader_open (tl_file (t.d, t.len), &r, msg, sizeof msg) == 0);
    if (pass == 1) {
      while (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY)
        ;
    }
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
      assert (fplog_reader_seek (r, order[i], msg, sizeof msg) == 0);
      if (order[i] == 300) {
        assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_END);
        continue;
      }
      assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY);
      assert (e.seq == order[i] && e.file_offset == t.off[order[i]]);
      assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_END ||
              e.seq == order[i] + 1);
    }
    assert (fplog_reader_seek (r, 301, msg, sizeof msg) == -ENOENT);
    assert (has (msg, "the log has only 300 entries"));
    fplog_reader_close (r);
  }
  tl_free (&t);
}

static void
test_seek_across_corruption_fails_and_rewinds (void)
{
  struct testlog t;
  struct fplog_reader *r;
  struct fplog_entry e;
  char msg[512];

  tl_sample (&t);
  t.d[t.off[4] + 20] ^= 1;
  assert (fplog_reader_open (tl_file (t.d, t.len), &r, msg, sizeof msg) == 0);
  assert (fplog_reader_seek (r, 6, msg, sizeof msg) == -EBADMSG);
  assert (has (msg, "log entry 4 at byte"));
  assert (fplog_next (r, &e, msg, sizeof msg) == -EBADMSG);   /* sticky */
  assert (fplog_reader_seek (r, 1, msg, sizeof msg) == 0);
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_ENTRY);
  assert (e.seq == 1);
  fplog_reader_close (r);
  tl_free (&t);
}

/* Random damage must give an orderly answer, never a crash (run this under
 * the sanitizer build to catch bad reads). */
static void
test_mutated_logs_never_crash (void)
{
  unsigned seed = getenv ("FP_SEED") ? (unsigned) atoi (getenv ("FP_SEED"))
                                     : (unsigned) time (NULL);
  struct testlog t;

  printf ("  seed %u (FP_SEED=%u to repeat)\n", seed, seed);
  srand (seed);
  tl_sample (&t);
  for (int iter = 0; iter < 1500; iter++) {
    uint8_t *d = malloc (t.len + 64);
    size_t len = t.len;
    struct fplog_reader *r;
    struct fplog_entry e;
    char msg[512];
    int ret, n = 1 + rand () % 4;

    assert (d);
    memcpy (d, t.d, t.len);
    for (int k = 0; k < n; k++) {
      size_t at = rand () % len;
      switch (rand () % 4) {
      case 0: d[at] ^= 1u << (rand () % 8); break;
      case 1: d[at] = rand (); break;
      case 2: len = at > 96 || rand () % 8 == 0 ? at : len; break;
      case 3: tl_le32 (d + (at & ~(size_t) 7 ), rand ()); break;
      }
    }
    if (fplog_reader_open (tl_file (d, len), &r, msg, sizeof msg) == 0) {
      uint64_t got = 0;
      while ((ret = fplog_next (r, &e, msg, sizeof msg)) == FPLOG_NEXT_ENTRY) {
        assert (e.seq == got++);
        assert (e.payload_len <= FPLOG_MAX_PAYLOAD);
      }
      assert (ret == FPLOG_NEXT_END || ret == FPLOG_NEXT_TRUNCATED ||
              ret == -EBADMSG);
      ret = fplog_reader_seek (r, rand () % 12, msg, sizeof msg);
      assert (ret == 0 || ret == -ENOENT || ret == -EBADMSG);
      fplog_reader_close (r);
    }
    free (d);
  }
  tl_free (&t);
}

int
main (void)
{
  static const struct { const char *name; void (*fn) (void); } tests[] = {
#define T(f) { #f, f }
    T (test_valid_log_reads_every_field),
    T (test_base_image_header_is_read),
    T (test_truncated_at_every_byte_of_last_entry),
    T (test_truncated_anywhere_keeps_every_whole_entry),
    T (test_truncated_right_after_header_has_no_last_seq),
    T (test_zero_filled_tail_is_truncated),
    T (test_flipped_byte_in_middle_entry_names_entry_and_offset),
    T (test_flipped_payload_byte_reports_checksum_mismatch),
    T (test_bad_last_entry_reads_as_truncated_tail),
    T (test_header_errors_have_their_own_messages),
    T (test_base_path_checks),
    T (test_short_files),
    T (test_header_only_file_is_an_empty_log),
    T (test_missing_file_and_directory),
    T (test_bad_fields_with_good_checksum_are_corrupt),
    T (test_type_rules),
    T (test_huge_payload_len),
    T (test_entry_bigger_than_read_window),
    T (test_seek_to_any_entry),
    T (test_seek_across_corruption_fails_and_rewinds),
    T (test_mutated_logs_never_crash),
#undef T
  };

  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    printf ("%s\n", tests[i].name);
    fflush (stdout);
    tests[i].fn ();
  }
  tl_cleanup ();
  printf ("all %zu tests passed\n", sizeof tests / sizeof tests[0]);
  return 0;
}
