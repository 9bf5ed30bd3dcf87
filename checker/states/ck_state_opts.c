/* ck_state_opts: parse the crash-state options (ck_states.h) from a table,
 * once, for every command that takes them.  Each number has its bounds
 * here and every error names the option, the value and the range. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "ck_recipe.h"
#include "ck_states.h"

enum state_field { F_MAX_SUBSET, F_SAMPLES, F_SEED, F_PER_EPOCH, F_TEARS };

static const struct state_num {
  const char *name;
  enum state_field field;
  uint64_t min, max;
} state_nums[] = {
  { "max-subset",      F_MAX_SUBSET, 1, CK_SAMPLE_MAX },
  { "samples",         F_SAMPLES,    0, 1000000 },
  { "seed",            F_SEED,       0, UINT64_MAX },
  { "max-per-epoch",   F_PER_EPOCH,  1, 100000000 },
  { "tears-per-write", F_TEARS,      1, CK_TEARS_MAX },
};

/* A whole decimal number, no sign, no trailing text. */
static int
parse_u64 (const char *s, uint64_t *v)
{
  char *end;

  if (*s < '0' || *s > '9')
    return -EINVAL;
  errno = 0;
  *v = strtoull (s, &end, 10);
  return errno || *end ? -EINVAL : 0;
}

int
ck_states_opt_parse (struct ck_states_opts *o, const char *name,
                     const char *val, char *errbuf, size_t errlen)
{
  char msg[256];
  uint64_t v;

  if (strcmp (name, "states") == 0) {
    if (ck_kinds_parse (val, &o->kinds, msg, sizeof msg) < 0) {
      fp_errbuf (errbuf, errlen, "--states: %s", msg);
      return -EINVAL;
    }
    return 1;
  }
  for (size_t i = 0; i < sizeof state_nums / sizeof *state_nums; i++) {
    const struct state_num *n = &state_nums[i];
    if (strcmp (name, n->name) != 0)
      continue;
    if (parse_u64 (val, &v) < 0 || v < n->min || v > n->max) {
      fp_errbuf (errbuf, errlen, "--%s: '%s' is not a number from %" PRIu64
                 " to %" PRIu64, n->name, val, n->min, n->max);
      return -EINVAL;
    }
    switch (n->field) {
    case F_MAX_SUBSET: o->max_subset = (unsigned) v; break;
    case F_SAMPLES:    o->samples = (unsigned) v; break;
    case F_SEED:       o->seed = v; break;
    case F_PER_EPOCH:  o->max_per_epoch = (unsigned) v; break;
    case F_TEARS:      o->tears_per_write = (unsigned) v; break;
    }
    return 1;
  }
  return 0;
}
