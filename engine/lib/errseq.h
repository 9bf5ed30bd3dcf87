/* errseq: an error counter that reports each write error once per
 * observer (Linux lib/errseq.c, errseq_t).
 *
 * Each observer (an open file, sync/syncfs) samples the counter and later
 * asks whether an error happened since (errseq_check_and_advance); the
 * counter bumps on a new error only after the last one was seen, so an
 * error nobody has looked at is reported once, not many times, and a late
 * sampler still sees an unseen error (Linux >= 4.17).
 */
#ifndef FP_ERRSEQ_H
#define FP_ERRSEQ_H

#include <stdbool.h>
#include <stdint.h>

struct errseq {
  uint32_t es_counter;        /* bumps on a new error after one was seen */
  int es_err;                 /* the last error (negative errno) */
  bool es_seen;
};

void errseq_set (struct errseq *e, int err);
uint32_t errseq_sample (const struct errseq *e);
/* 0 if no error since *since; else the error, and *since moves on. */
int errseq_check_and_advance (struct errseq *e, uint32_t *since);

#endif /* FP_ERRSEQ_H */
