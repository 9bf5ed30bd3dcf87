/* test_fs_options: mount option parsing and formatting, one table. */
#include "fs_testlib.h"

static void
roundtrip (const char *in, const char *want)
{
  struct fpfs_mount_opts o, o2;
  char err[128] = "", text[512];

  fpfs_mount_opts_init (&o);
  CHECK (fpfs_mount_opts_parse (in, &o, err, sizeof err));
  CHECK (fpfs_mount_opts_format (&o, text, sizeof text));
  if (strcmp (text, want) != 0) {
    fprintf (stderr, "format (%s) = %s, want %s\n", in, text, want);
    assert (0);
  }
  fpfs_mount_opts_init (&o2);
  CHECK (fpfs_mount_opts_parse (text, &o2, err, sizeof err));
  assert (memcmp (&o, &o2, sizeof o) == 0);
}

static void
bad (const char *in, const char *what)
{
  struct fpfs_mount_opts o;
  char err[128] = "";

  fpfs_mount_opts_init (&o);
  assert (fpfs_mount_opts_parse (in, &o, err, sizeof err) == -EINVAL);
  if (!strstr (err, what)) {
    fprintf (stderr, "parse (%s): message \"%s\" lacks \"%s\"\n", in, err, what);
    assert (0);
  }
}

int
main (void)
{
  struct fpfs_mount_opts o;
  char text[16];

  fpfs_mount_opts_init (&o);
  assert (o.data == FPFS_DATA_ORDERED && o.barrier && !o.nojournal
          && !o.lazytime && o.commit_interval_s == 5 && o.bugs == 0);
  roundtrip ("", "data=ordered,barrier,commit=5");
  roundtrip ("data=writeback,nobarrier,commit=30",
             "data=writeback,nobarrier,commit=30");
  roundtrip ("data=journal,lazytime", "data=journal,barrier,lazytime,commit=5");
  roundtrip ("nojournal,barrier=0,ro", "data=ordered,nojournal,nobarrier,ro,commit=5");
  roundtrip ("bug=rename-two-tx,bug=no-commit-flush,seed=7,dirty_limit=1048576",
             "data=ordered,barrier,commit=5,bug=no-commit-flush,"
             "bug=rename-two-tx,seed=7,dirty_limit=1048576");
  roundtrip ("lazytime,nolazytime,nojournal,journal,rw", "data=ordered,barrier,commit=5");
  bad ("data=bogus", "data=bogus");
  bad ("frobnicate", "unknown option");
  bad ("commit=abc", "not a number");
  bad ("commit=-1", "not a number");
  bad ("commit", "needs a number");
  bad ("lazytime=1", "takes no value");
  bad ("barrier=2", "barrier");
  fpfs_mount_opts_init (&o);
  assert (fpfs_mount_opts_format (&o, text, sizeof text) == -ERANGE);
  {
    /* data=journal without a journal is refused at mount. */
    struct fpfs_bdev *bd = shim_new (16ull << 20);
    struct fpfs_mkfs_opts mo = { .deterministic = true };
    struct fpfs *fs;
    char err[128] = "";
    CHECK0 (fpfs_mkfs (bd, &mo, err, sizeof err));
    fpfs_mount_opts_init (&o);
    CHECK (fpfs_mount_opts_parse ("nojournal,data=journal", &o, err, sizeof err));
    assert (fpfs_mount (bd, &o, &fs, err, sizeof err) == -EINVAL);
    assert (strstr (err, "journal"));
    fpfs_bdev_close (bd);
  }
  printf ("ok options\n");
  return 0;
}
