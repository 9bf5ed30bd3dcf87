/* faults_text: the canonical text of a fault specification
 * (fpfault_format; grammar in faults.h).
 *
 * The canonical form spells out every default, joins words with ':' (so it
 * has no blanks and fits the control export's key=value line), and parses
 * back to the same spec: `write EIO next` is `write:EIO:at:1:times:1`.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "faults.h"

static void
fpf_ops_text (unsigned ops, char *buf, size_t len)
{
  if (ops == FPFAULT_ANY) {
    snprintf (buf, len, "any");
    return;
  }
  for (unsigned i = 0; i < FPFAULT_NOPS; i++)
    if (ops == 1u << i) {
      snprintf (buf, len, "%s", fpfault_op_name (i));
      return;
    }
  assert (!"an op mask is one op or any");
}

static void
fpf_rate_text (uint32_t rate, char *buf, size_t len)
{
  char frac[16];
  size_t n;

  if (rate == FPFAULT_RATE_ONE) {
    snprintf (buf, len, "1");
    return;
  }
  snprintf (frac, sizeof frac, "%06" PRIu32, rate);
  for (n = 6; n > 1 && frac[n - 1] == '0'; n--)
    ;
  snprintf (buf, len, "0.%.*s", (int) n, frac);
}

static void
fpf_duration_text (uint64_t ns, char *buf, size_t len)
{
  if (ns == 0)
    snprintf (buf, len, "0");
  else if (ns % 1000000000 == 0)
    snprintf (buf, len, "%" PRIu64 "s", ns / 1000000000);
  else if (ns % 1000000 == 0)
    snprintf (buf, len, "%" PRIu64 "ms", ns / 1000000);
  else if (ns % 1000 == 0)
    snprintf (buf, len, "%" PRIu64 "us", ns / 1000);
  else
    snprintf (buf, len, "%" PRIu64 "ns", ns);
}

int
fpfault_format (const struct fpfault_spec *s, char *buf, size_t len)
{
  char ops[8], tmp[32];
  int n = 0;

#define FPF_PUT(...)                                                    \
  do {                                                                  \
    int k_ = snprintf (buf + n, len > (size_t) n ? len - (size_t) n : 0, \
                       __VA_ARGS__);                                    \
    n += k_;                                                            \
  } while (0)

  fpf_ops_text (s->s_ops, ops, sizeof ops);
  switch (s->s_kind) {
  case FPFAULT_POWERCUT:
    FPF_PUT ("powercut:%s:at:%" PRIu64 ":%s", ops, s->s_at,
             fpfault_errno_name (s->s_errno));
    break;
  case FPFAULT_LATENCY:
    fpf_duration_text (s->s_latency_ns, tmp, sizeof tmp);
    FPF_PUT ("latency:%s:%s", ops, tmp);
    break;
  case FPFAULT_CLEAR:
    FPF_PUT ("clear:%s", ops);
    break;
  case FPFAULT_ERROR:
    FPF_PUT ("%s:%s:at:%" PRIu64, ops, fpfault_errno_name (s->s_errno),
             s->s_at);
    if (s->s_has_range)
      FPF_PUT (":range:%" PRIu64 "-%" PRIu64, s->s_lo, s->s_hi);
    if (s->s_rate) {
      fpf_rate_text (s->s_rate, tmp, sizeof tmp);
      FPF_PUT (":rate:%s:seed:%" PRIu64, tmp, s->s_seed);
    }
    if (s->s_times == 0)
      FPF_PUT (":always");
    else
      FPF_PUT (":times:%" PRIu64, s->s_times);
    break;
  default:
    assert (!"unknown fault kind");
  }
#undef FPF_PUT
  return (size_t) n < len ? n : -ENOSPC;
}
