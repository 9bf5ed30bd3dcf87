/* ck_matrix_ci: a matrix's result for a CI pipeline -- the expectations
 * file (--expect), the outcome that sets the exit status, JUnit XML.
 *
 * Expectations file: one rule a line; '#' starts a comment; blank lines
 * are ignored.  A rule is one to three words, each a shell pattern
 * (fnmatch: * ? [...]):
 *     COLUMN                     e.g.  ordered+nobarrier
 *     PERSIST COLUMN             e.g.  fsync writeback
 *     WORKLOAD PERSIST COLUMN    e.g.  append-fsync none *
 * A cell matched by a rule may violate a promise: that violation is
 * expected.  A rule must earn its place: when none of the cells it
 * matches violates anything (or it matches no cell), the expected
 * violation is gone, and that fails the run as an unexpected one does.
 * A PERSIST word without a pattern character must be a persist choice.
 * Bug-switch cells are judged by the kill table, never by rules.
 */
#ifndef CK_MATRIX_CI_H
#define CK_MATRIX_CI_H

#include <stdbool.h>
#include <stddef.h>

#include "ck_matrix.h"

struct ck_expect_rule {
  unsigned line;
  char text[160];                /* the rule as written, for messages */
  char pat[3][128];              /* workload, persist, column */
  size_t matched, violated;      /* cells, after ck_matrix_judge */
};

struct ck_expect {
  char path[1024];
  struct ck_expect_rule *rules;
  size_t n;
};

/* -EINVAL with "PATH:LINE: ..." in errbuf for a bad rule, -errno when the
 * file cannot be read. */
int ck_expect_load (const char *path, struct ck_expect *e, char *errbuf,
                    size_t errlen);
void ck_expect_free (struct ck_expect *e);

struct ck_outcome {
  size_t cells, ok, lost, violated, err, na, bug_cells;
  size_t expected, unexpected;   /* of violated (judged with rules) */
  size_t gone;                   /* rules with no violation */
  bool judged;                   /* rules were given */
};

/* Count r's cells (baseline cells only, for ok/lost/violated) and judge
 * them against e (NULL: no rules); fills each rule's counters. */
void ck_matrix_judge (const struct ck_matrix_opts *o,
                      const struct ck_matrix_result *r, struct ck_expect *e,
                      struct ck_outcome *out);
/* The rule that expects cell c's violation, or -1. */
int ck_expect_match (const struct ck_expect *e, const struct ck_matrix_opts *o,
                     const struct ck_matrix_result *r, const struct ck_cell *c);

/* JUnit XML: <testsuites> holding one <testsuite> "flushpoint.matrix",
 * one <testcase> per cell (classname flushpoint.matrix.PERSIST.COLUMN,
 * name the workload, time its seconds): <failure> for an unexpected
 * violation (the first violating state and rebuild command of each
 * violated property), <error> for a cell that could not run, <skipped>
 * for n/a; then one testcase per rule (classname flushpoint.expect) that
 * fails when its violation is gone.  e may be NULL (every violation
 * fails). */
int ck_matrix_junit (const char *path, const struct ck_matrix_opts *o,
                     const struct ck_matrix_result *r,
                     const struct ck_expect *e, char *errbuf, size_t errlen);

#endif /* CK_MATRIX_CI_H */
