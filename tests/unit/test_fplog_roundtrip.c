/* test_fplog_roundtrip: what the writer appends, the reader returns, field
 * for field (the writer and reader are separate implementations of the
 * format in fplog.h, so each checks the other). */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fplog.h"

static char path[] = "/tmp/fplog-roundtrip-XXXXXX";

struct req {
  enum fplog_type type;
  unsigned flags;
  uint64_t offset, length;
  const char *payload;
  uint32_t plen;
};

static const struct req reqs[] = {
  { FPLOG_WRITE, 0,              4096, 11, "hello world", 11 },
  { FPLOG_WRITE, FPLOG_F_FUA,    1,    3,  "abc", 3 },
  { FPLOG_FLUSH, 0,              0,    0,  NULL, 0 },
  { FPLOG_MARK,  0,              0,    8,  "mark one", 8 },
  { FPLOG_TRIM,  0,              0,    8192, NULL, 0 },
  { FPLOG_ZERO,  FPLOG_F_FUA,    8192, 512, NULL, 0 },
  { FPLOG_FAULT, FPLOG_F_FAILED, 512,  512, "fired id=1 op=WRITE errno=EIO",
    29 },
  { FPLOG_MARK,  0,              0,    1,  "\0", 1 },
};
#define NREQS (sizeof reqs / sizeof reqs[0])

static void
roundtrip (bool deterministic, const char *base)
{
  static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                    13, 14, 15, 16 };
  struct fplog_writer_opts wo = {
    .path = path, .device_size = 1 << 20, .sector_size = 4096,
    .base_path = base, .base_size = base ? 8192 : 0,
    .base_checksum = base ? 0xfeedfacecafebeefull : 0,
    .uuid = uuid, .deterministic = deterministic,
  };
  struct fplog_writer *w;
  struct fplog_reader *r;
  struct fplog_entry e;
  const struct fplog_header *h;
  char msg[512];
  uint64_t seq;

  assert (fplog_writer_open (&wo, &w, msg, sizeof msg) == 0);
  for (size_t i = 0; i < NREQS; i++) {
    assert (fplog_append (w, reqs[i].type, reqs[i].flags, reqs[i].offset,
                          reqs[i].length, reqs[i].payload, reqs[i].plen,
                          &seq, msg, sizeof msg) == 0);
    assert (seq == i);
  }
  assert (fplog_writer_next_seq (w) == NREQS);
  assert (fplog_writer_close (w) == 0);

  if (fplog_reader_open (path, &r, msg, sizeof msg) != 0) {
    fprintf (stderr, "%s\n", msg);
    assert (!"the reader rejects the writer's header");
  }
  h = fplog_reader_header (r);
  assert (h->version == FPLOG_VERSION);
  assert (memcmp (h->uuid, uuid, 16) == 0);
  assert (h->device_size == 1 << 20 && h->sector_size == 4096);
  assert (deterministic ? h->created_ns == 0 : h->created_ns != 0);
  if (base) {
    assert (h->flags & FPLOG_H_BASE_IMAGE);
    assert (!strcmp (h->base_path, base));
    assert (h->base_size == 8192 && h->base_checksum == 0xfeedfacecafebeefull);
  }
  else
    assert (!(h->flags & FPLOG_H_BASE_IMAGE) && h->base_path[0] == '\0');

  for (size_t i = 0; i < NREQS; i++) {
    int ret = fplog_next (r, &e, msg, sizeof msg);
    if (ret != FPLOG_NEXT_ENTRY)
      fprintf (stderr, "entry %zu: %d %s\n", i, ret, msg);
    assert (ret == FPLOG_NEXT_ENTRY);
    assert (e.seq == i && e.type == reqs[i].type && e.flags == reqs[i].flags);
    assert (e.offset == reqs[i].offset && e.length == reqs[i].length);
    assert (e.payload_len == reqs[i].plen);
    assert (!e.payload_len || !memcmp (e.payload, reqs[i].payload, e.payload_len));
    assert (deterministic ? e.timestamp_ns == 0 : e.timestamp_ns != 0);
  }
  assert (fplog_next (r, &e, msg, sizeof msg) == FPLOG_NEXT_END);
  fplog_reader_close (r);
}

int
main (void)
{
  int fd = mkstemp (path);

  assert (fd >= 0);
  close (fd);
  printf ("roundtrip_zeroes_base\n");
  roundtrip (false, NULL);
  printf ("roundtrip_deterministic_with_base_image\n");
  roundtrip (true, "/images/base image.raw");
  unlink (path);
  printf ("all tests passed\n");
  return 0;
}
