/* faults: fault injection for the flushpoint plugin -- the specification
 * language (faults.c parses it, faults_text.c writes its canonical form)
 * and the set of armed faults that requests are matched against
 * (faultset.c).
 *
 * Neither file calls nbdkit: they return 0 or a negative errno and put
 * text for humans in a caller's buffer, so the workload parser (which
 * checks `fault` lines) and the unit tests use them too.  The plugin
 * prints, logs and locks (flushpoint-plugin.c).
 *
 * The language (the man page, nbdkit-flushpoint-plugin.pod, is the user's
 * reference).  Words are separated by blanks or ':' (so that
 * `fault=write:EIO:next` needs no shell quoting); specifications in one
 * text are separated by ';' or newlines.
 *
 *   spec     := error | powercut | latency | clear
 *   error    := OP ERRNO { modifier }
 *   powercut := "powercut" [OP] [ "next" | "at" N ] [ "EIO" | "ESHUTDOWN" ]
 *   latency  := "latency" OP DURATION       -- DURATION 0 removes it
 *   clear    := "clear" [OP]
 *   OP       := read | write | flush | trim | zero | any
 *   ERRNO    := EPERM | EIO | ENOMEM | EINVAL | ENOSPC | ESHUTDOWN
 *             | EOVERFLOW | ENOTSUP          -- what NBD can carry
 *   modifier := "next" | "at" N              -- from the Nth matching request
 *             | "range" A-B                  -- requests overlapping [A, B)
 *             | "rate" P ["seed" S]          -- each with probability P
 *             | "once" | "times" N | "always"
 *
 * Semantics of an armed error fault.  It counts the requests it matches
 * (its OP, and its range if any), from the moment it is armed.  From the
 * `at`-th one on (default: the first), each match fires -- or, with a rate,
 * fires with probability P drawn from a splitmix64 stream seeded with S --
 * until it has fired `times` times (`once` = 1; the default is once with
 * `next`/`at` and no rate, else `always`, i.e. until cleared).  Every
 * fault sees every request it matches, even one an earlier fault fails;
 * when several fire on one request it fails with the errno of the first
 * armed, and each counts a firing.  A power cut fires the same way
 * (default: the next request of any type) and is then permanent: every
 * later request fails, reads included; `clear` does not restore power.
 *
 * Invariants: a set holds at most FPFAULT_MAX armed faults; every fault's
 * canonical text (fpfault_format) parses back to the same spec and fits in
 * FPFAULT_TEXT_MAX bytes.
 */
#ifndef FPFAULT_H
#define FPFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FPFAULT_MAX       32u      /* armed faults in one set */
#define FPFAULT_TEXT_MAX  192u     /* canonical text of one spec, with NUL */
#define FPFAULT_SPECS_MAX 64u      /* specs in one text (one command) */
#define FPFAULT_RATE_ONE  1000000u /* rates are in millionths */

enum fpfault_op {
  FPFAULT_READ = 0, FPFAULT_WRITE, FPFAULT_FLUSH, FPFAULT_TRIM, FPFAULT_ZERO,
  FPFAULT_NOPS
};
#define FPFAULT_ANY ((1u << FPFAULT_NOPS) - 1)   /* a mask of every op */

enum fpfault_kind {
  FPFAULT_ERROR = 1,           /* fail matching requests with s_errno */
  FPFAULT_POWERCUT,            /* from the trigger on, fail everything */
  FPFAULT_LATENCY,             /* sleep before serving s_ops */
  FPFAULT_CLEAR,               /* disarm error faults and latency on s_ops */
};

/* One parsed specification. */
struct fpfault_spec {
  enum fpfault_kind s_kind;
  unsigned s_ops;              /* mask of 1u << enum fpfault_op */
  int s_errno;                 /* positive: EIO, ... */
  uint64_t s_at;               /* fire from the s_at-th match, >= 1 */
  bool s_has_at;               /* parsing: `next` or `at` was given;
                                  true in every parsed spec */
  bool s_has_range;
  uint64_t s_lo, s_hi;         /* byte range [lo, hi), lo < hi */
  uint32_t s_rate;             /* millionths; 0: no rate (every match) */
  uint64_t s_seed;
  uint64_t s_times;            /* fires before it retires; 0: until cleared */
  uint64_t s_latency_ns;
};

/* An armed fault and its progress. */
struct fpfault {
  struct fpfault_spec f_spec;
  unsigned f_id;               /* 1, 2, ... in arming order, never reused */
  uint64_t f_seen;             /* matching requests so far */
  uint64_t f_fired;
  uint64_t f_rng;              /* splitmix64 state */
};

struct fpfault_set {
  struct fpfault fs_faults[FPFAULT_MAX];
  unsigned fs_n;
  unsigned fs_next_id;
  uint64_t fs_latency_ns[FPFAULT_NOPS];
  bool fs_power_off;
  int fs_power_errno;          /* EIO or ESHUTDOWN once off */
  unsigned fs_power_id;        /* the power cut that fired */
  char fs_power_text[FPFAULT_TEXT_MAX];
  uint64_t fs_fired;           /* requests failed, power cut included */
  uint64_t fs_device_size;     /* ranges must start inside the device */
};

/* What happened to one request. */
struct fpfault_hit {
  int h_errno;                 /* 0: serve the request; else fail with it */
  unsigned h_id;               /* the fault that fired */
  bool h_power;                /* failed because the power is off */
  bool h_power_now;            /* ...and this request cut it */
  char h_text[FPFAULT_TEXT_MAX];   /* canonical text of the fault */
};

/* ---- the language (faults.c, faults_text.c) ---- */

/* Parse text[0..len) into at most max specs.  On error returns -EINVAL
 * with errbuf naming the spec (its number and text) and the word that is
 * wrong, e.g.
 *   fault spec 2 "write EIO at x": word 4 "x": expected a count >= 1 after "at"
 * Empty specs (";;", blank lines) are skipped; a text with none is an
 * error. */
int fpfault_parse (const char *text, size_t len, struct fpfault_spec *out,
                   size_t max, size_t *n, char *errbuf, size_t errlen);
/* The canonical text, words joined by ':'.  Returns its length, or -ENOSPC
 * if len is too small (FPFAULT_TEXT_MAX always suffices). */
int fpfault_format (const struct fpfault_spec *s, char *buf, size_t len);
const char *fpfault_op_name (enum fpfault_op op);      /* "read", ... */
/* "EIO", ... for the errnos NBD carries; NULL for others. */
const char *fpfault_errno_name (int err);

/* ---- the armed set (faultset.c) ---- */

void fpfault_set_init (struct fpfault_set *fs, uint64_t device_size);
/* Apply one spec: arm it, set latency, or clear.  note (for the log) says
 * what was done, e.g. "armed id=3 spec=write:EIO:at:3".  -ENOSPC when
 * FPFAULT_MAX faults are armed already, -EINVAL for a range that starts
 * past the device (errbuf says why); nothing changes on error. */
int fpfault_set_apply (struct fpfault_set *fs, const struct fpfault_spec *s,
                       char *note, size_t notelen, char *errbuf,
                       size_t errlen);
/* Check whether the set is able to take every spec in s[0..n) (so that a
 * command either applies whole or not at all). */
int fpfault_set_check (const struct fpfault_set *fs,
                       const struct fpfault_spec *s, size_t n,
                       char *errbuf, size_t errlen);
/* Match one request (len 0 for FLUSH).  Fills *hit; counts it. */
void fpfault_set_match (struct fpfault_set *fs, enum fpfault_op op,
                        uint64_t off, uint64_t len, struct fpfault_hit *hit);
/* Nothing armed, no latency, power on: requests need not be matched. */
bool fpfault_set_idle (const struct fpfault_set *fs);
uint64_t fpfault_set_latency (const struct fpfault_set *fs,
                              enum fpfault_op op);
/* The armed faults and latencies as canonical texts joined by ';' ("" when
 * none), for the control export's read line.  Truncated at a whole spec if
 * len is short. */
void fpfault_set_list (const struct fpfault_set *fs, char *buf, size_t len);

#endif /* FPFAULT_H */
