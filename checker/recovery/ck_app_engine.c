/* ck_app_engine: the program's own check (ck_app.h) in a state the
 * engine recovered.  The engine mounts the state again on a copy-on-write
 * overlay -- the check may write (a database rolls back its journal), and
 * nothing it writes may reach the state's image, which later checks and
 * the read-set cache still read -- and serves it through FUSE
 * (fuse/fpfuse.h) at a fresh directory, which ck_app_check binds at the
 * path the program ran in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck_app.h"
#include "fpfuse.h"

int
ck_app_engine (const struct ck_oracle *o, const char *cmd, double timeout_s,
               struct fpfs_bdev *bd, const struct fpfs_mount_opts *mo,
               uint64_t end, struct ck_state_result *res)
{
  struct fpfuse_opts fo = { .read_only = false, .clock_real = true,
                              .mapped_suffixes = fpfuse_default_mapped };
  struct fpfs_mount_opts m = *mo;
  struct fpfs_bdev *ovl = NULL;
  struct fpfs *fs = NULL;
  struct fpfuse *uf = NULL;
  char dir[] = "/tmp/flushpoint-state-XXXXXX", why[512] = "";
  bool made = false;
  int e, err = 0;

  if ((e = fpfs_bdev_overlay_open (bd, &ovl)) < 0)
    return e;
  m.scan_cache = NULL;
  m.trace = NULL;
  m.read_only = false;
  if ((e = fpfs_mount (ovl, &m, &fs, why, sizeof why)) < 0) {
    fs = NULL;
    err = ck_result_add (res, CK_P_APP, true, "/", CK_NO_OP, NULL,
                         "mounting the recovered state again for the "
                         "application's check: %s (%s)",
                         why[0] ? why : "no detail", strerror (-e));
    goto out;
  }
  if (!mkdtemp (dir)) {
    err = -errno;
    goto out;
  }
  made = true;
  if ((e = fpfuse_start (fs, dir, &fo, &uf, why, sizeof why)) < 0) {
    err = ck_result_add (res, CK_P_APP, true, "/", CK_NO_OP, NULL,
                         "serving the recovered state through FUSE for the "
                         "application's check: %s", why);
    goto out;
  }
  err = ck_app_check (o, cmd, timeout_s, dir, end, res);
out:
  fpfuse_stop (uf);
  if (fs)
    fpfs_crash (fs);             /* what the check wrote goes with ovl */
  if (made)
    rmdir (dir);
  fpfs_bdev_close (ovl);
  return err;
}
