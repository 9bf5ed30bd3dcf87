/* test_fs_determinism: the same calls with the same seed give the same
 * device requests, byte for byte (hash of the recorded request stream),
 * including background work (flusher, kjournald2) on the virtual clock;
 * another seed gives another stream. */
#include "fs_testlib.h"

static uint64_t
run (const char *opts, uint64_t seed)
{
  struct fpfs_bdev *bd = shim_new (64ull << 20);
  struct fpfs_mkfs_opts mo = { .deterministic = true, .seed = 99 };
  struct fpfs_mount_opts o;
  struct fpfs *fs;
  char err[256] = "", path[64];
  uint8_t buf[30000];
  uint64_t h;

  CHECK0 (fpfs_mkfs (bd, &mo, err, sizeof err));
  fpfs_mount_opts_init (&o);
  CHECK (fpfs_mount_opts_parse (opts, &o, err, sizeof err));
  o.seed = seed;
  CHECK0 (fpfs_mount (bd, &o, &fs, err, sizeof err));
  for (int i = 0; i < 4; i++) {
    snprintf (path, sizeof path, "/d%d", i);
    CHECK0 (fpfs_mkdir (fs, path, 0755));
  }
  for (int i = 0; i < 60; i++) {
    int fd;
    snprintf (path, sizeof path, "/d%d/f%d", i % 4, i % 13);
    fd = fpfs_open (fs, path, O_CREAT | O_RDWR, 0644);
    tfs_pattern (buf, sizeof buf, (uint64_t) i);
    assert (fpfs_pwrite (fs, fd, buf, 1000 + (size_t) i * 400,
                         (uint64_t) i * 777) > 0);
    if (i % 5 == 0)
      CHECK0 (fpfs_fsync (fs, fd));
    if (i % 7 == 0)
      CHECK0 (fpfs_fdatasync (fs, fd));
    CHECK0 (fpfs_close (fs, fd));
    if (i % 9 == 0) {
      char to[64];
      snprintf (to, sizeof to, "/d%d/renamed%d", (i + 1) % 4, i % 3);
      CHECK0 (fpfs_rename (fs, path, to));
    }
    if (i % 11 == 0)
      fpfs_clock_advance (fs, 7ull * FPFS_NSEC_PER_SEC);  /* background */
  }
  fpfs_clock_advance (fs, 40ull * FPFS_NSEC_PER_SEC);     /* flusher expiry */
  CHECK0 (fpfs_sync (fs));
  fpfs_crash (fs);
  h = shim_stream_hash (bd);
  fpfs_bdev_close (bd);
  return h;
}

int
main (void)
{
  static const char *const modes[] = { "", "nojournal", "data=journal",
                                       "lazytime" };
  setvbuf (stdout, NULL, _IONBF, 0);
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    uint64_t a = run (modes[m], 1), b = run (modes[m], 1), c = run (modes[m], 2);
    printf ("determinism [%s]: seed 1 %016" PRIx64 " twice %016" PRIx64
            ", seed 2 %016" PRIx64 "\n", modes[m], a, b, c);
    assert (a == b);
    assert (a != c);
  }
  printf ("ok determinism\n");
  return 0;
}
