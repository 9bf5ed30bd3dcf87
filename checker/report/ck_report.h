/* ck_report: a check's results for people (terminal), programs (JSON) and
 * browsers (HTML with an SVG timeline).
 *
 * Text: a header (log, workload, states), the per-property table (states
 * in which each property held, was lost without a promise, or was
 * violated), then the violations grouped -- one group per distinct
 * (property, path, promise, message), with how many states showed it and
 * the first of them: its recipe, the exact `flushpoint replay` command
 * that rebuilds its image, the promise, and the ops since.
 * JSON (version 1): {"version","log","uuid","workload","mount","profile",
 * "states":{...counts},"properties":{"data":{"held":n,"lost":n,
 * "violated":n},...},"violations":n,"groups":[the grouped findings, each
 * with "states" and "first_state"],"results":[per state, only those with
 * findings unless all_states]} -- every recipe with its replay command.
 * Counts agree: a state counted under (property, verdict) in the table has
 * a finding of that property and verdict (ck_result keeps one), and a
 * group's "states" counts each state once.
 * HTML: the same table, a timeline of the log (where writes landed on
 * the device against log position, flushes, marks, and each crash
 * state's verdict; zoomable with a few lines of inline JavaScript), and
 * the grouped findings.  One self-contained file, no external assets.
 */
#ifndef CK_REPORT_H
#define CK_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "ck_check.h"

struct ck_report_opts {
  const char *log_path;        /* as the user named it: for replay commands */
  enum ck_profile profile;
  unsigned jobs;
  bool all_states;             /* JSON/text: every state, not only findings */
  unsigned max_groups;         /* text: violation groups shown (0: all) */
  bool show_lost;              /* text: list "lost" findings too */
  const char *note;            /* HTML: a paragraph under the header, or
                                  NULL (the matrix's word on the log) */
};

void ck_report_text (FILE *out, const struct ck_check_result *r,
                     const struct ck_report_opts *o);
struct json_object *ck_report_json (const struct ck_check_result *r,
                                    const struct ck_report_opts *o);
/* s with <, >, &, " and ' escaped for HTML text and attributes. */
void ck_html_esc (FILE *out, const char *s);
/* The timeline section alone (ck_report_timeline.c); reads the log. */
int ck_report_timeline (FILE *out, const struct ck_check_result *r,
                        const char *log_path, char *errbuf, size_t errlen);
/* Reads the log again for the timeline.  0 or -errno (errbuf says). */
int ck_report_html (FILE *out, const struct ck_check_result *r,
                    const struct ck_report_opts *o, char *errbuf,
                    size_t errlen);

/* Shared by the three: findings grouped as described above. */
struct ck_group {
  const struct ck_finding *f;        /* the first finding of the group */
  const struct ck_state_result *s;   /* the first state that showed it */
  size_t states;                     /* how many states showed it */
};
/* Groups of findings (violations only, or lost too), in the order of
 * their first state.  *out malloc'd. */
int ck_report_groups (const struct ck_check_result *r, bool lost,
                      struct ck_group **out, size_t *n);
/* For a log recovered with the kernel: the shell commands that mount the
 * rebuilt image img and run the file system's checker on it
 * (kfs_inspect_commands), malloc'd, lines ending in '\n'; NULL otherwise
 * (or out of memory). */
char *ck_report_inspect (const struct ck_check_result *r, const char *img);
/* "state-123.img" */
void ck_report_image_name (const struct ck_state_result *s, char *buf,
                           size_t len);

#endif /* CK_REPORT_H */
