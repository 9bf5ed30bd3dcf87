/* ck_fsck: fpfs_fsck's verdict, summarised for a finding (ck_fsck.h).
 *
 * The report names how many problems each check found and the first few
 * problem lines of the engine's text, joined on one line:
 *   "3 problems (bitmaps 2, links 1): block 812: in use, not marked; ..." */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_fsck.h"

#define FSCK_LINES 3

int
ck_fsck_run (struct fpfs_bdev *bd, bool *ran, char *report, size_t len)
{
  return ck_fsck_run_unowned (bd, ran, report, len, NULL, NULL);
}

int
ck_fsck_run_unowned (struct fpfs_bdev *bd, bool *ran, char *report,
                     size_t len, uint64_t *unowned, bool *only_unowned)
{
  struct fpfs_fsck_report *r = calloc (1, sizeof *r);
  char why[512] = "";
  size_t used = 0;
  int rc;

  *ran = false;
  if (report && len)
    report[0] = '\0';
  if (!r)
    return -ENOMEM;
  rc = fpfs_fsck (bd, r, why, sizeof why);
  if (rc < 0) {
    snprintf (report, len, "%s", why[0] ? why : strerror (-rc));
    free (r);
    return rc;
  }
  *ran = true;
  if (unowned)
    *unowned = r->unowned_blocks;
  if (only_unowned)
    *only_unowned = r->errors == r->unowned_problems;
  if (r->errors == 0) {
    free (r);
    return 0;
  }
  used += (size_t) snprintf (report, len, "%u problem%s (", r->errors,
                             r->errors == 1 ? "" : "s");
  for (int c = 0, n = 0; c < FPFS_FSCK_NCHECKS && used < len; c++)
    if (r->per_check[c])
      used += (size_t) snprintf (report + used, len - used, "%s%s %u",
                                 n++ ? ", " : "", fpfs_fsck_check_name (c),
                                 r->per_check[c]);
  if (used < len)
    used += (size_t) snprintf (report + used, len - used, ")");
  /* The first lines of the engine's own text. */
  const char *p = r->text;
  for (int i = 0; i < FSCK_LINES && *p && used < len; i++) {
    size_t n = strcspn (p, "\n");
    used += (size_t) snprintf (report + used, len - used, "%s%.*s",
                               i ? "; " : ": ", (int) n, p);
    p += n;
    p += *p == '\n';
  }
  free (r);
  return 1;
}
