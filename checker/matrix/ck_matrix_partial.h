/* ck_matrix_partial: OUT/cells.jsonl, the record every matrix run leaves
 * and the unit that `flushpoint merge` combines and `--resume` continues.
 *
 * Format: JSON Lines (one object a line, '\n' after each), appended as
 * cells finish, so a killed run loses at most the line being written:
 *   line 1  {"kind": "flushpoint-matrix-partial", "format": 1,
 *            "version": FP_VERSION, "options": {...}, "workloads":
 *            {"count": N, "names_hash": "16 hex"}, "cells_total": T,
 *            "shard": {"index": I, "count": N}, "jobs": J,
 *            "keep_logs": B, "out_dir": "..."}
 *   then    {"kind": "cell", "index": i, ...every field of struct ck_cell,
 *            "workload_hash": "16 hex"} per finished cell, in finishing
 *            order
 *   last    {"kind": "end", "seconds": S} once every cell of the run is in
 * "options" holds every option that changes a cell's result (persist,
 * columns, bugs, states, profile, faults, disk size, kernel options,
 * cell timeout); jobs, keep_logs and out_dir do not, and are not compared.
 * Two records belong to one matrix when version, options, the workload
 * names and cells_total are equal; each cell carries its workload's
 * content hash, so a workload edited between two shards is caught by the
 * cells that ran it.  A trailing line without its '\n' is a torn write and
 * is ignored.
 */
#ifndef CK_MATRIX_PARTIAL_H
#define CK_MATRIX_PARTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ck_matrix.h"

#define CK_PARTIAL_FILE "cells.jsonl"
#define CK_PARTIAL_FORMAT 1

struct json_object;

/* This build's version, as records carry it. */
const char *ck_matrix_version (void);

struct json_object *ck_matrix_partial_header (const struct ck_matrix_opts *o,
                                              const struct ck_matrix_result *r);
struct json_object *ck_matrix_partial_cell (const struct ck_matrix_result *r,
                                            const struct ck_cell *c);
/* Fill c from a cell line; *wl_hash gets its workload hash.  -EINVAL with
 * errbuf naming the field when one is missing or of the wrong type. */
int ck_matrix_partial_cell_parse (struct json_object *j, struct ck_cell *c,
                                  uint64_t *wl_hash, char *errbuf,
                                  size_t errlen);

/* Do headers a and b (called na and nb) describe the same matrix?  0 if
 * so; 1 with the first difference in why ("option persist is [...] in
 * NA, [...] in NB").  The shard is not compared. */
int ck_matrix_partial_differ (struct json_object *a, struct json_object *b,
                              const char *na, const char *nb, char *why,
                              size_t len);

/* Read a record: *header gets line 1 (the caller puts it), cell is called
 * for every cell line (a non-zero return stops the read and is returned),
 * *seconds gets the end line's (0 without one), *complete whether there
 * is one, *good_end the offset just past the last whole line.  -EINVAL
 * with "PATH:LINE: ..." in errbuf for a line that is not what it should
 * be (a torn last line excepted), -errno when the file cannot be read. */
int ck_matrix_partial_read (const char *path, struct json_object **header,
                            int (*cell) (void *ctx, struct json_object *j,
                                         size_t line, char *errbuf,
                                         size_t errlen),
                            void *ctx, double *seconds, bool *complete,
                            off_t *good_end, char *errbuf, size_t errlen);

/* The options of a header, for the reports of a merge: o is initialised
 * and filled; the strings it points to belong to h (and *bugs, which the
 * caller frees) and live as long as h does. */
int ck_matrix_partial_opts (struct json_object *h, struct ck_matrix_opts *o,
                            const char ***bugs, char *errbuf, size_t errlen);

#endif /* CK_MATRIX_PARTIAL_H */
