/* test_kfs_opts: engine option names -> kernel mkfs and mount(2)
 * arguments, one table of good cases and one of refusals (every refusal
 * names the option as written and the file system). */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "kfs.h"

struct good {
  enum kfs_type t;
  const char *in;
  const char *data, *mkfs_extra, *canon;
  unsigned long flags;
  bool write_through;
};

static const struct good goods[] = {
  { KFS_EXT4, NULL, "data=ordered,barrier,commit=5,noinit_itable", "",
    "data=ordered,barrier,commit=5", 0, false },
  { KFS_EXT4, "", "data=ordered,barrier,commit=5,noinit_itable", "",
    "data=ordered,barrier,commit=5", 0, false },
  { KFS_EXT4, "data=writeback", "data=writeback,barrier,commit=5,noinit_itable",
    "", "data=writeback,barrier,commit=5", 0, false },
  { KFS_EXT4, "data=journal,nobarrier,commit=9",
    "data=journal,nobarrier,commit=9,noinit_itable", "",
    "data=journal,nobarrier,commit=9", 0, false },
  { KFS_EXT4, "barrier=0", "data=ordered,nobarrier,commit=5,noinit_itable", "",
    "data=ordered,nobarrier,commit=5", 0, false },
  { KFS_EXT4, "nobarrier,barrier=1", "data=ordered,barrier,commit=5,noinit_itable",
    "", "data=ordered,barrier,commit=5", 0, false },
  { KFS_EXT4, "commit=0", "data=ordered,barrier,commit=5,noinit_itable", "",
    "data=ordered,barrier,commit=5", 0, false },
  { KFS_EXT4, "lazytime", "data=ordered,barrier,commit=5,noinit_itable", "",
    "data=ordered,barrier,lazytime,commit=5", MS_LAZYTIME, false },
  { KFS_EXT4, "lazytime,nolazytime", "data=ordered,barrier,commit=5,noinit_itable",
    "", "data=ordered,barrier,commit=5", 0, false },
  { KFS_EXT4, "ro", "data=ordered,barrier,commit=5,noinit_itable", "",
    "data=ordered,barrier,ro,commit=5", MS_RDONLY, false },
  { KFS_EXT4, "ro,rw", "data=ordered,barrier,commit=5,noinit_itable", "",
    "data=ordered,barrier,commit=5", 0, false },
  { KFS_EXT4, "nojournal", "barrier,noinit_itable", "-O ^has_journal",
    "nojournal,barrier", 0, false },
  /* The engine's own canonical text for nojournal parses. */
  { KFS_EXT4, "data=ordered,nojournal,barrier,commit=5", "barrier,noinit_itable",
    "-O ^has_journal", "nojournal,barrier", 0, false },
  { KFS_EXT4, "nojournal,journal", "data=ordered,barrier,commit=5,noinit_itable",
    "", "data=ordered,barrier,commit=5", 0, false },
  { KFS_XFS, "", "", "", "barrier", 0, false },
  { KFS_XFS, "barrier,barrier=1,journal", "", "", "barrier", 0, false },
  { KFS_XFS, "lazytime,ro", "", "", "barrier,lazytime,ro",
    MS_LAZYTIME | MS_RDONLY, false },
  /* xfs has no nobarrier: the recording device is made write-through. */
  { KFS_XFS, "nobarrier", "", "", "nobarrier", 0, true },
  { KFS_XFS, "barrier=0", "", "", "nobarrier", 0, true },
  { KFS_XFS, "nobarrier,barrier", "", "", "barrier", 0, false },
  { KFS_BTRFS, "", "barrier,commit=30,nodiscard", "", "barrier,commit=30", 0, false },
  { KFS_BTRFS, "nobarrier,commit=7,lazytime", "nobarrier,commit=7,nodiscard", "",
    "nobarrier,lazytime,commit=7", MS_LAZYTIME, false },
  { KFS_BTRFS, "barrier=0", "nobarrier,commit=30,nodiscard", "",
    "nobarrier,commit=30", 0, false },
};

struct bad {
  enum kfs_type t;
  const char *in;
  const char *tok;               /* the option as the message must name it */
  const char *also;              /* and this */
};

static const struct bad bads[] = {
  { KFS_XFS, "data=journal", "data=journal", "no such mount option" },
  { KFS_XFS, "data=ordered", "data=ordered", "no such mount option" },
  { KFS_BTRFS, "data=writeback", "data=writeback", "no such mount option" },
  { KFS_XFS, "commit=5", "commit=5", "no such mount option" },
  { KFS_XFS, "nojournal", "nojournal", "always journals" },
  { KFS_BTRFS, "nojournal", "nojournal", "no journal" },
  { KFS_EXT4, "nojournal,data=journal", "data=journal", "nojournal" },
  { KFS_EXT4, "data=writeback,nojournal", "data=writeback", "nojournal" },
  { KFS_EXT4, "data=bogus", "data=bogus", "want ordered" },
  { KFS_EXT4, "data", "data", "needs a value" },
  { KFS_EXT4, "commit=x", "commit=x", "not a number" },
  { KFS_BTRFS, "commit=-1", "commit=-1", "not a number" },
  { KFS_EXT4, "commit=100000", "commit=100000", "too long" },
  { KFS_EXT4, "lazytime=1", "lazytime=1", "takes no value" },
  { KFS_EXT4, "barrier=2", "barrier=2", "want barrier" },
  { KFS_EXT4, "bug=no-commit-flush", "bug=no-commit-flush", "engine-only" },
  { KFS_XFS, "seed=3", "seed=3", "engine-only" },
  { KFS_BTRFS, "dirty_limit=4096", "dirty_limit=4096", "engine-only" },
  { KFS_EXT4, "discard", "discard", "unknown mount option" },
  { KFS_BTRFS, "barrier,frobnicate=1", "frobnicate=1", "unknown mount option" },
};

static void
test_good_mappings (void)
{
  for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++) {
    const struct good *g = &goods[i];
    struct kfs_opts o;
    char err[256] = "";
    int r = kfs_opts_parse (g->t, g->in, &o, err, sizeof err);
    if (r != 0 || strcmp (o.data, g->data) || strcmp (o.mkfs_extra, g->mkfs_extra)
        || strcmp (o.canon, g->canon) || o.flags != g->flags || o.type != g->t
        || o.write_through != g->write_through) {
      fprintf (stderr, "%s \"%s\": r=%d err=%s data=%s mkfs=%s canon=%s "
               "flags=0x%lx write_through=%d\n", kfs_type_name (g->t),
               g->in ? g->in : "(null)", r, err, o.data, o.mkfs_extra,
               o.canon, o.flags, o.write_through);
      assert (0);
    }
  }
}

static void
test_every_refusal_names_option_and_fs (void)
{
  for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
    const struct bad *b = &bads[i];
    const char *fs = kfs_type_name (b->t);
    struct kfs_opts o;
    char err[256] = "";
    int r = kfs_opts_parse (b->t, b->in, &o, err, sizeof err);
    if (r != -EINVAL || strncmp (err, b->tok, strlen (b->tok)) != 0
        || err[strlen (b->tok)] != ':' || !strstr (err, fs)
        || !strstr (err, b->also)) {
      fprintf (stderr, "%s \"%s\": r=%d, message \"%s\" (want it to start "
               "with \"%s:\" and name %s and \"%s\")\n", fs, b->in, r, err,
               b->tok, fs, b->also);
      assert (0);
    }
  }
}

static void
test_errbuf_may_be_null (void)
{
  struct kfs_opts o;

  assert (kfs_opts_parse (KFS_XFS, "data=journal", &o, NULL, 0) == -EINVAL);
  assert (kfs_opts_parse ((enum kfs_type) 7, "", &o, NULL, 0) == -EINVAL);
}

static void
test_types (void)
{
  enum kfs_type t;

  for (int i = KFS_EXT4; i <= KFS_BTRFS; i++) {
    assert (kfs_type_parse (kfs_type_name ((enum kfs_type) i), &t) == 0);
    assert ((int) t == i);
  }
  assert (kfs_type_parse ("ext3", &t) == -EINVAL);
  assert (kfs_type_parse (NULL, &t) == -EINVAL);
  assert (kfs_min_size (KFS_XFS) == 300ull << 20);
  assert (kfs_min_size (KFS_BTRFS) == 114294784ull);
  assert (kfs_min_size (KFS_EXT4) == 8ull << 20);
}

static void
test_inspect_commands_quote_and_carry_options (void)
{
  struct kfs_opts o;
  char buf[1024], tiny[16];

  assert (kfs_opts_parse (KFS_XFS, "lazytime", &o, NULL, 0) == 0);
  assert (kfs_inspect_commands (&o, "/tmp/it's.img", buf, sizeof buf) == 0);
  assert (strstr (buf, "losetup -f --show '/tmp/it'\\''s.img'"));
  assert (strstr (buf, "-t xfs -o lazytime,noatime,nouuid "));
  assert (strstr (buf, "xfs_repair -n -f "));
  assert (kfs_opts_parse (KFS_EXT4, "", &o, NULL, 0) == 0);
  assert (kfs_inspect_commands (&o, "/x.img", buf, sizeof buf) == 0);
  assert (strstr (buf, "-o noatime,data=ordered,barrier,commit=5,noinit_itable "));
  assert (strstr (buf, "e2fsck -fn /x.img"));
  assert (kfs_inspect_commands (&o, "/x.img", tiny, sizeof tiny) == -ERANGE);
  assert (strlen (tiny) < sizeof tiny);
}

int
main (void)
{
  test_good_mappings ();
  test_every_refusal_names_option_and_fs ();
  test_errbuf_may_be_null ();
  test_types ();
  test_inspect_commands_quote_and_carry_options ();
  printf ("test_kfs_opts: ok\n");
  return 0;
}
