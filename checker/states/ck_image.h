/* ck_image: build one crash state's image from scratch, by its recipe.
 *
 * This is the slow, obvious path: apply the log's entries in order,
 * skipping the dropped ones and applying only the kept sectors of the
 * torn one (ck_recipe.h has the rules).  `flushpoint replay --drop/--tear`
 * uses it to rebuild for a human the image the checker found a violation
 * in, and the tests use it as the reference the incremental builder
 * (ck_build.h) must match byte for byte.
 */
#ifndef CK_IMAGE_H
#define CK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "ck_recipe.h"
#include "fplog.h"
#include "fpfs.h"
#include "replay.h"

/* Apply entries from_seq..r->end of log to bd, which must already hold the
 * image as of entry from_seq - 1, honouring r's drops and tear.  from_seq
 * must not be after the first dropped or torn entry.  Checks the recipe
 * against the log as it goes: -EINVAL (errbuf names the entry and the
 * rule) when a dropped or torn entry is not a WRITE/TRIM/ZERO, is FUA, is
 * flushed by a FLUSH at or before end, or a kept sector lies outside the
 * request; -ENOENT when the log ends before r->end. */
int ck_recipe_apply (const struct ck_recipe *r, struct fplog_reader *log,
                     uint64_t from_seq, struct fpfs_bdev *bd,
                     char *errbuf, size_t errlen);

/* The first entry the recipe changes (dropped or torn), or end + 1. */
uint64_t ck_recipe_first_change (const struct ck_recipe *r);

struct ck_state_image_opts {
  const char *log_path;
  const char *out_path;
  const char *base_path;       /* as ck_replay_opts.base_path */
  const struct ck_recipe *recipe;
};

/* Write the state's image to out_path, a sparse file of device_size
 * bytes: ck_replay_to_image() builds the prefix before the first change,
 * then ck_recipe_apply() the rest.  On failure the output is removed.
 * Returns 0, or a negative errno as ck_replay_to_image() does (-EINVAL for
 * a recipe the log does not allow). */
int ck_state_build_image (const struct ck_state_image_opts *o,
                          struct ck_replay_result *res,
                          char *errbuf, size_t errlen);

#endif /* CK_IMAGE_H */
