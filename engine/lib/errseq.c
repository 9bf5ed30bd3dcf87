/* errseq: see errseq.h (Linux lib/errseq.c). */
#include <assert.h>

#include "errseq.h"

/* errseq_set: a new error bumps the counter only if the last one was seen,
 * so that an error nobody has looked at is reported once, not many times. */
void
errseq_set (struct errseq *e, int err)
{
  assert (err < 0);
  if (e->es_counter == 0 || e->es_seen)
    e->es_counter++;
  e->es_err = err;
  e->es_seen = false;
}

uint32_t
errseq_sample (const struct errseq *e)
{
  /* An error nobody has seen yet is reported to new openers too. */
  if (e->es_counter && !e->es_seen)
    return e->es_counter - 1;
  return e->es_counter;
}

int
errseq_check_and_advance (struct errseq *e, uint32_t *since)
{
  if (e->es_counter == *since)
    return 0;
  *since = e->es_counter;
  e->es_seen = true;
  return e->es_err;
}
