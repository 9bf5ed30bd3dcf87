/* fuzz_check: libFuzzer target for the whole check pipeline, in process:
 * a mutated recording (header, entries, oracle marks and all) goes
 * through `flushpoint check` as the CLI runs it -- the log reader, the
 * oracle read back from the marks, crash-state enumeration, the CoW
 * builder, recovery by the engine (journal replay), fsck, the rules --
 * and then the text, JSON and HTML reports.
 *
 * Build (clang only):  CC=clang cmake -B build-fuzz -DFP_FUZZ=ON
 *                      cmake --build build-fuzz --target fuzz_check
 * Run:                 build-fuzz/tests/fuzz/fuzz_check -runs=1000000 \
 *                        -timeout=20 -rss_limit_mb=2048
 *                      (no corpus is needed: see the seeds below)
 *
 * Seeds: at start the target records SEEDS small workloads with the
 * engine in process (checker/states/ck_record.h), on a 16 MiB disk, as
 * `flushpoint run` would over the plugin.  Input: one flag byte, then
 * edits or a whole log:
 *   bits 0-1  0: the rest of the input is the log, as it is;
 *             1..3: seed log 1..3, edited by the rest of the input: 4-byte
 *             groups (offset as 3 bytes little-endian, modulo the log's
 *             length + 1; then a byte).  An offset equal to the length
 *             cuts the log there instead of setting a byte.
 *   bit 2     fix up the header and entry checksums afterwards, so that
 *             the edits reach the marks, the recovery and the rules
 *             instead of stopping at the checksum wall
 *   bits 3-4  crash states: flush; flush,write; flush,epoch; flush,torn
 *   bit 5     profile ext4 instead of posix
 * Every input must end in a verdict or an error with a message (never a
 * crash, a leak, an assertion or a hang: ASan, UBSan and -timeout watch).
 * A log recorded on a kernel file system is refused (engine_only), so the
 * fuzzer never mounts anything.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ck_check.h"
#include "ck_record.h"
#include "ck_report.h"
#include "fplog.h"
#include "wl.h"
#include "wl_run.h"
#include "../unit/testlog.h"

#define SEEDS 3
#define SEED_DISK (2u << 20)

static const char *const seed_text[SEEDS] = {
  "creat /f\nappend /f 8K seed=1\nfsync /f\nappend /f 4K seed=2\n"
  "fdatasync /f\n",
  "mkdir /d\ncreat /d/a\npwrite /d/a 0 4K seed=3\nfsync /d/a\n"
  "rename /d/a /d/b\nfsync /d\n",
  "creat /t\npwrite /t 0 12K seed=4\nfsync /t\ntruncate /t 5000\n"
  "append /t 3000 seed=5\nsync\n",
};

static struct { uint8_t *d; size_t len; } seeds[SEEDS];
static int memfd = -1;
static char path[64];
static FILE *devnull;

static void
die (const char *what, const char *err)
{
  fprintf (stderr, "fuzz_check: %s: %s\n", what, err);
  abort ();
}

/* Record seed i into the memfd and keep its bytes. */
static void
record_seed (int i)
{
  struct wl_workload *w;
  struct wl_run_opts o;
  struct wl_run_result res;
  struct ck_recorder *rec;
  struct fpfs_bdev *bd;
  char err[512];
  off_t len;

  if (wl_parse ("seed", seed_text[i], strlen (seed_text[i]), &w, err,
                sizeof err) < 0)
    die ("seed workload", err);
  if (ftruncate (memfd, 0) < 0)
    die ("ftruncate", strerror (errno));
  if (ck_record_open (path, SEED_DISK, 512, NULL, &rec, &bd, err,
                      sizeof err) < 0)
    die ("record", err);
  struct wl_mark_sink sink = { ck_record_mark, rec, 0 };
  wl_run_opts_init (&o);
  if (wl_run_bdev (w, bd, &sink, &o, &res, err, sizeof err) < 0)
    die ("run", err);
  ck_record_close (rec);
  wl_free (w);
  len = lseek (memfd, 0, SEEK_END);
  seeds[i].d = malloc ((size_t) len);
  if (len <= 0 || !seeds[i].d || pread (memfd, seeds[i].d, (size_t) len, 0)
      != len)
    die ("read back", "short");
  seeds[i].len = (size_t) len;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  memfd = memfd_create ("fuzz-check-log", 0);
  assert (memfd >= 0);
  snprintf (path, sizeof path, "/proc/self/fd/%d", memfd);
  devnull = fopen ("/dev/null", "w");
  assert (devnull);
  for (int i = 0; i < SEEDS; i++)
    record_seed (i);
  return 0;
}

/* The log this input stands for, malloc'd. */
static uint8_t *
make_log (const uint8_t *data, size_t size, size_t *len)
{
  unsigned which = data[0] & 3;
  uint8_t *d;

  if (which == 0) {
    *len = size - 1;
    d = malloc (*len ? *len : 1);
    memcpy (d, data + 1, *len);
  }
  else {
    *len = seeds[which - 1].len;
    d = malloc (*len);
    memcpy (d, seeds[which - 1].d, *len);
    for (size_t i = 1; i + 4 <= size; i += 4) {
      size_t off = (data[i] | data[i + 1] << 8 | (size_t) data[i + 2] << 16)
                   % (*len + 1);
      if (off == *len)
        continue;
      if (data[i + 3] == 0 && (data[i] & 0x80))
        *len = off;                /* a cut, now and then */
      else
        d[off] = data[i + 3];
    }
  }
  if (data[0] & 4)
    tl_fix_all (d, *len);
  return d;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const unsigned kinds[4] = {
    0, CK_KIND_BIT (CK_KIND_WRITE), CK_KIND_BIT (CK_KIND_EPOCH),
    CK_KIND_BIT (CK_KIND_TORN),
  };
  struct ck_check_opts o;
  struct ck_check_result r;
  struct ck_report_opts ro = { .max_groups = 20 };
  char msg[1024] = "";
  uint8_t *d;
  size_t len;
  int err;

  if (size < 1)
    return 0;
  d = make_log (data, size, &len);
  if (ftruncate (memfd, 0) < 0 || (len && pwrite (memfd, d, len, 0)
                                   != (ssize_t) len))
    die ("write the log", strerror (errno));
  free (d);

  ck_check_opts_init (&o);
  o.log_path = path;
  o.jobs = 1;
  o.engine_only = true;
  o.states.kinds |= kinds[(data[0] >> 3) & 3];
  o.states.max_per_epoch = 64;     /* keep one input's work bounded */
  o.states.tears_per_write = 2;
  if (data[0] & 32)
    o.profile = CK_PROFILE_EXT4;
  err = ck_check_run (&o, &r, msg, sizeof msg);
  if (err) {
    if (err > 0 || msg[0] == '\0')
      die ("ck_check_run gave no message", strerror (err < 0 ? -err : err));
  }
  else {
    struct json_object *j;
    ro.log_path = path;
    ro.profile = o.profile;
    ro.jobs = 1;
    ck_report_text (devnull, &r, &ro);
    j = ck_report_json (&r, &ro);
    assert (j);
    json_object_to_json_string (j);
    json_object_put (j);
    if (ck_report_html (devnull, &r, &ro, msg, sizeof msg) < 0 && !msg[0])
      die ("ck_report_html gave no message", "");
    (void) ck_check_failed (&r);
  }
  ck_check_result_free (&r);
  return 0;
}
