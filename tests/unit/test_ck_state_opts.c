/* ck_states_opt_parse: the crash-state options shared by `check` and
 * `matrix` are parsed from one table, with the option named in errors. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ck_recipe.h"
#include "ck_states.h"

static void
test_good_values_are_applied (void)
{
  struct ck_states_opts o;
  char msg[256];

  ck_states_opts_init (&o);
  assert (ck_states_opt_parse (&o, "states", "write,epoch", msg, sizeof msg) == 1);
  assert (o.kinds & CK_KIND_BIT (CK_KIND_WRITE));
  assert (o.kinds & CK_KIND_BIT (CK_KIND_EPOCH));
  assert (ck_states_opt_parse (&o, "max-subset", "2", msg, sizeof msg) == 1);
  assert (o.max_subset == 2);
  assert (ck_states_opt_parse (&o, "samples", "0", msg, sizeof msg) == 1);
  assert (o.samples == 0);
  assert (ck_states_opt_parse (&o, "seed", "18446744073709551615", msg,
                               sizeof msg) == 1);
  assert (o.seed == UINT64_MAX);
  assert (ck_states_opt_parse (&o, "max-per-epoch", "7", msg, sizeof msg) == 1);
  assert (o.max_per_epoch == 7);
  assert (ck_states_opt_parse (&o, "tears-per-write", "3", msg, sizeof msg) == 1);
  assert (o.tears_per_write == 3);
}

static void
test_other_options_are_not_claimed (void)
{
  struct ck_states_opts o;
  char msg[256];

  ck_states_opts_init (&o);
  assert (ck_states_opt_parse (&o, "jobs", "2", msg, sizeof msg) == 0);
  assert (ck_states_opt_parse (&o, "profile", "ext4", msg, sizeof msg) == 0);
}

static void
test_bad_values_name_the_option_and_range (void)
{
  struct ck_states_opts o;
  char msg[256];

  ck_states_opts_init (&o);
  assert (ck_states_opt_parse (&o, "max-subset", "0", msg, sizeof msg) == -EINVAL);
  assert (strcmp (msg, "--max-subset: '0' is not a number from 1 to 64") == 0);
  assert (o.max_subset == 1);              /* unchanged */
  assert (ck_states_opt_parse (&o, "tears-per-write", "9", msg, sizeof msg)
          == -EINVAL);
  assert (strstr (msg, "--tears-per-write: '9'") != NULL);
  assert (ck_states_opt_parse (&o, "seed", "-1", msg, sizeof msg) == -EINVAL);
  assert (ck_states_opt_parse (&o, "samples", "12x", msg, sizeof msg) == -EINVAL);
  assert (ck_states_opt_parse (&o, "seed", "99999999999999999999", msg,
                               sizeof msg) == -EINVAL);
  assert (ck_states_opt_parse (&o, "states", "flush,nope", msg, sizeof msg)
          == -EINVAL);
  assert (strncmp (msg, "--states: ", 10) == 0);
}

int
main (void)
{
  test_good_values_are_applied ();
  test_other_options_are_not_claimed ();
  test_bad_values_name_the_option_and_range ();
  printf ("test_ck_state_opts: ok\n");
  return 0;
}
