/* ck_matrix_int: what the files of ck_matrix_run share (not an API).
 *
 *   ck_matrix.c         options, one cell (in a child), the supervisor, the run
 *   ck_matrix_cells.c   the cell numbering and the workloads a shard reads
 *   ck_matrix_record.c  OUT/cells.jsonl as the run writes and resumes it
 */
#ifndef CK_MATRIX_INT_H
#define CK_MATRIX_INT_H

#include <stdbool.h>

#include "ck_matrix.h"

struct json_object;

struct mx_shared {
  const struct ck_matrix_opts *o;
  struct ck_matrix_result *r;
  size_t *todo;                  /* slots of r->cells still to run */
  size_t ntodo;
  size_t done;                   /* cells finished, resumed ones too */
  int fd;                        /* OUT/cells.jsonl, O_APPEND */
  int record_err;                /* the first failed append, sticky */
};

/* The shard's cells, numbered and named (r->wl_names first). */
int ck_matrix_cells_alloc (const struct ck_matrix_opts *o,
                           struct ck_matrix_result *r);
/* names_only: every workload's name from its path.  Else parse (to fail
 * early) and hash the workloads the shard's cells use, one at a time. */
int ck_matrix_workloads_load (const struct ck_matrix_opts *o,
                              struct ck_matrix_result *r, bool names_only,
                              char *errbuf, size_t errlen);
/* Append j and a newline to the record in one write(2). */
int ck_matrix_record_line (struct mx_shared *sh, struct json_object *j);
/* Open sh->fd: a fresh record with its header, or (o->resume) the old
 * one checked against this run, its cells taken (done[slot] set). */
int ck_matrix_record_open (struct mx_shared *sh, bool *done, char *errbuf,
                           size_t errlen);

#endif /* CK_MATRIX_INT_H */
