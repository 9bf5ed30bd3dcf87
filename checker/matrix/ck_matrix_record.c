/* ck_matrix_record: OUT/cells.jsonl as a run writes it and --resume takes
 * it back (format in ck_matrix_partial.h; shared state in
 * ck_matrix_int.h).
 *
 * Lines are appended with one write(2) each (O_APPEND) by the
 * supervisor alone, so a killed run leaves whole lines and at most one
 * torn last line, which the reader skips and a resume cuts off before
 * appending.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck_matrix.h"
#include "ck_matrix_int.h"
#include "ck_matrix_partial.h"

/* Append one line to the record with a single write(2): a killed run
 * leaves whole lines, or a torn last one that readers skip. */
int
ck_matrix_record_line (struct mx_shared *sh, struct json_object *j)
{
  const char *text = json_object_to_json_string_ext (j, JSON_C_TO_STRING_PLAIN);
  size_t len = strlen (text);
  char *line = malloc (len + 2);
  int err = 0;

  if (!line)
    return -ENOMEM;
  memcpy (line, text, len);
  line[len++] = '\n';
  for (size_t n = 0; n < len && !err;) {
    ssize_t k = write (sh->fd, line + n, len - n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      err = k < 0 ? -errno : -EIO;
    else
      n += (size_t) k;
  }
  free (line);
  return err;
}

/* ---- the record: OUT/cells.jsonl ---- */

struct mx_resume {
  const struct ck_matrix_opts *o;
  struct ck_matrix_result *r;
  bool *done;
};

static int
mx_resume_cell (void *ctx, struct json_object *j, size_t line, char *errbuf,
                size_t errlen)
{
  struct mx_resume *x = ctx;
  uint64_t n = x->o->shard_count ? x->o->shard_count : 1, h;
  struct ck_cell c;
  size_t slot;
  int err = ck_matrix_partial_cell_parse (j, &c, &h, errbuf, errlen);

  (void) line;
  if (err)
    return err;
  slot = (size_t) ((c.index - x->o->shard_index) / n);
  if (c.index % n != x->o->shard_index || slot >= x->r->ncells
      || strcmp (x->r->cells[slot].name, c.name) != 0) {
    snprintf (errbuf, errlen, "cell %zu (%s) is not a cell of this shard",
              c.index, c.name);
    return -EINVAL;
  }
  if (x->done[slot]) {
    snprintf (errbuf, errlen, "cell %zu (%s) is recorded twice", c.index,
              c.name);
    return -EINVAL;
  }
  if (h != x->r->wl_hash[c.wl]) {
    snprintf (errbuf, errlen, "cannot resume: workload %s changed since "
              "cell %s ran (run again without --resume)",
              x->r->wl_names[c.wl], c.name);
    return -EINVAL;
  }
  /* The log path as this run names it (the same unless OUT moved). */
  memcpy (c.log, x->r->cells[slot].log, sizeof c.log);
  x->r->cells[slot] = c;
  x->done[slot] = true;
  x->r->resumed++;
  return 0;
}

/* Open the record: a fresh one with its header, or (resume) the old one,
 * its header compared with this run's, its cells taken, a torn last line
 * cut off. */
int
ck_matrix_record_open (struct mx_shared *sh, bool *done, char *errbuf, size_t errlen)
{
  const struct ck_matrix_opts *o = sh->o;
  char path[4200], why[1024];
  struct json_object *mine = ck_matrix_partial_header (o, sh->r), *old;
  struct mx_resume x = { o, sh->r, done };
  double secs;
  bool complete;
  off_t end = 0;
  int err = 0;

  snprintf (path, sizeof path, "%s/%s", o->out_dir, CK_PARTIAL_FILE);
  if (o->resume && access (path, F_OK) == 0) {
    /* The header first: cells of another matrix mean nothing here. */
    err = ck_matrix_partial_read (path, &old, NULL, NULL, &secs, &complete,
                                  &end, errbuf, errlen);
    if (!err && ck_matrix_partial_differ (old, mine, "the record",
                                          "this run", why, sizeof why)) {
      snprintf (errbuf, errlen, "%s: cannot resume: this run is another "
                "matrix: %s", path, why);
      err = -EINVAL;
    }
    if (!err) {
      struct json_object *s;
      uint64_t oi = 0, on = 0;
      if (json_object_object_get_ex (old, "shard", &s)) {
        struct json_object *v;
        if (json_object_object_get_ex (s, "index", &v))
          oi = json_object_get_uint64 (v);
        if (json_object_object_get_ex (s, "count", &v))
          on = json_object_get_uint64 (v);
      }
      if (oi != o->shard_index || on != (o->shard_count ? o->shard_count : 1)) {
        snprintf (errbuf, errlen, "%s: cannot resume: it holds shard %"
                  PRIu64 "/%" PRIu64 ", this run is %" PRIu64 "/%" PRIu64,
                  path, oi, on, o->shard_index,
                  o->shard_count ? o->shard_count : 1);
        err = -EINVAL;
      }
    }
    json_object_put (old);
    old = NULL;
    if (!err)
      err = ck_matrix_partial_read (path, &old, mx_resume_cell, &x, &secs,
                                    &complete, &end, errbuf, errlen);
    json_object_put (old);
    if (!err && (sh->fd = open (path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
      err = -errno;
    if (!err && ftruncate (sh->fd, end) < 0)
      err = -errno;
  }
  else {
    if ((sh->fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND
                        | O_CLOEXEC, 0666)) < 0)
      err = -errno;
    if (!err)
      err = ck_matrix_record_line (sh, mine);
  }
  if (err && !errbuf[0])
    snprintf (errbuf, errlen, "%s: %s", path, strerror (-err));
  json_object_put (mine);
  return err;
}
