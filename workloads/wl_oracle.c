/* wl_oracle: the JSON of oracle marks (format in ORACLE.md) and its split
 * into payloads no larger than the sink takes.
 *
 * json-c does the encoding; objects keep insertion order, so the same run
 * gives the same bytes.  An after-mark whose expected state does not fit in
 * one payload is preceded by "state" marks, each holding whole state
 * objects (big files and directories are already cut into objects of at
 * most r_chunk entries by wl_state.c), and then says how many there were.
 * Parts come before the after-mark so that a crash point after the
 * after-mark always has the complete state in the log prefix.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "wl_runner.h"

#define WL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define WL_PART_OVERHEAD 256u      /* bytes of a "state" mark besides objects */

json_object *
wl_oracle_mark (const char *kind)
{
  json_object *o = json_object_new_object ();
  if (!o)
    return NULL;
  json_object_object_add (o, "v", json_object_new_int (WL_ORACLE_VERSION));
  json_object_object_add (o, "kind", json_object_new_string (kind));
  return o;
}

void
wl_oracle_put_u64 (json_object *o, const char *key, uint64_t v)
{
  json_object_object_add (o, key, json_object_new_uint64 (v));
}

void
wl_oracle_put_str (json_object *o, const char *key, const char *s)
{
  json_object_object_add (o, key, s ? json_object_new_string (s) : NULL);
}

json_object *
wl_oracle_time (int64_t sec, uint32_t nsec)
{
  json_object *a = json_object_new_array_ext (2);
  json_object_array_add (a, json_object_new_int64 (sec));
  json_object_array_add (a, json_object_new_int64 (nsec));
  return a;
}

void
wl_oracle_hex64 (uint64_t v, char out[17])
{
  static const char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i--, v >>= 4)
    out[i] = hex[v & 15];
  out[16] = '\0';
}

json_object *
wl_oracle_blocks (const struct wl_mfile *f, uint64_t first, uint64_t count)
{
  json_object *a = json_object_new_array ();
  uint8_t buf[WL_BLOCK];
  uint64_t zeros = 0;
  char hex[17];

  for (uint64_t i = first; i < first + count; i++) {
    if (wl_model_block_is_zero (f, i)) {
      zeros++;
      continue;
    }
    if (zeros) {
      json_object_array_add (a, json_object_new_int64 ((int64_t) zeros));
      zeros = 0;
    }
    size_t valid = wl_model_block (f, i, buf);
    wl_oracle_hex64 (XXH3_64bits (buf, valid), hex);
    json_object_array_add (a, json_object_new_string_len (hex, 16));
  }
  if (zeros)
    json_object_array_add (a, json_object_new_int64 ((int64_t) zeros));
  return a;
}

int
wl_runner_error (struct wl_runner *r, int err, const struct wl_op *op,
                 const char *fmt, ...)
{
  va_list ap;
  size_t n = 0;

  if (r->r_errlen == 0)
    return err;
  if (op) {
    int k = snprintf (r->r_err, r->r_errlen, "%s:%u: %s: ", r->r_w->name,
                      op->line, op->text);
    n = k < 0 ? 0 : (size_t) k < r->r_errlen ? (size_t) k : r->r_errlen - 1;
  }
  va_start (ap, fmt);
  vsnprintf (r->r_err + n, r->r_errlen - n, fmt, ap);
  va_end (ap);
  return err;
}

static int
wl_oracle_send (struct wl_runner *r, const char *s, size_t len)
{
  char sink_err[256] = "";
  int e;

  if (len > r->r_mark_max)
    return wl_runner_error (r, -E2BIG, NULL,
                            "%s: mark of %zu bytes exceeds the %zu the log "
                            "takes", r->r_w->name, len, r->r_mark_max);
  e = r->r_sink->mark (r->r_sink->ctx, s, len, sink_err, sizeof sink_err);
  if (e < 0)
    return wl_runner_error (r, e, NULL, "%s: writing mark %zu: %s",
                            r->r_w->name, r->r_res->marks, sink_err);
  r->r_res->marks++;
  r->r_res->mark_bytes += len;
  return 0;
}

int
wl_oracle_emit (struct wl_runner *r, json_object *mark)
{
  size_t len;
  const char *s;
  int e;

  if (!mark)
    return wl_runner_error (r, -ENOMEM, NULL, "out of memory");
  s = json_object_to_json_string_length (mark, WL_JSON_FLAGS, &len);
  e = s ? wl_oracle_send (r, s, len)
        : wl_runner_error (r, -ENOMEM, NULL, "out of memory");
  json_object_put (mark);
  return e;
}

/* Emit objects [from, to) of state as part k of n. */
static int
wl_oracle_part (struct wl_runner *r, size_t op, json_object *state,
                size_t from, size_t to, size_t k, size_t n)
{
  json_object *m = wl_oracle_mark ("state");
  json_object *a = json_object_new_array_ext ((int) (to - from));

  wl_oracle_put_u64 (m, "op", op);
  wl_oracle_put_u64 (m, "part", k);
  wl_oracle_put_u64 (m, "parts", n);
  for (size_t i = from; i < to; i++)
    json_object_array_add (a, json_object_get (
                                json_object_array_get_idx (state, i)));
  json_object_object_add (m, "state", a);
  return wl_oracle_emit (r, m);
}

int
wl_oracle_emit_after (struct wl_runner *r, size_t op, json_object *after,
                      const char *call, json_object *state)
{
  json_object *sync;
  size_t len, n, budget, used, parts;
  size_t *sizes = NULL;
  int e = 0;

  if (!state)
    return wl_oracle_emit (r, after);
  sync = json_object_new_object ();
  wl_oracle_put_str (sync, "call", call);
  json_object_object_add (sync, "state", json_object_get (state));
  json_object_object_add (after, "sync", sync);
  r->r_res->sync_states++;
  if (!json_object_to_json_string_length (after, WL_JSON_FLAGS, &len)) {
    e = wl_runner_error (r, -ENOMEM, NULL, "out of memory");
    goto out;
  }
  if (len <= r->r_mark_max) {
    e = wl_oracle_emit (r, after);
    after = NULL;
    goto out;
  }

  /* Too big: pack whole objects greedily into parts, count them, then
   * emit the parts and an after-mark that names their number. */
  n = json_object_array_length (state);
  budget = r->r_mark_max - WL_PART_OVERHEAD;
  sizes = calloc (n ? n : 1, sizeof *sizes);
  if (!sizes) {
    e = wl_runner_error (r, -ENOMEM, NULL, "out of memory");
    goto out;
  }
  parts = 0, used = 0;
  for (size_t i = 0; i < n; i++) {
    json_object_to_json_string_length (json_object_array_get_idx (state, i),
                                       WL_JSON_FLAGS, &sizes[i]);
    sizes[i] += 1;                                   /* the comma */
    if (sizes[i] > budget) {
      e = wl_runner_error (r, -E2BIG, NULL, "%s: op %zu: one state object "
                           "takes %zu bytes, more than a mark holds",
                           r->r_w->name, op, sizes[i]);
      goto out;
    }
    if (used && used + sizes[i] > budget)
      parts++, used = 0;
    used += sizes[i];
  }
  parts++;
  for (size_t i = 0, from = 0, k = 0, u = 0; i <= n && !e; i++) {
    if (i == n || (u && u + sizes[i] > budget)) {
      e = wl_oracle_part (r, op, state, from, i, k++, parts);
      from = i, u = 0;
    }
    if (i < n)
      u += sizes[i];
  }
  if (!e) {
    sync = json_object_new_object ();
    wl_oracle_put_str (sync, "call", call);
    wl_oracle_put_u64 (sync, "parts", parts);
    json_object_object_add (after, "sync", sync);   /* replaces the inline one */
    e = wl_oracle_emit (r, after);
    after = NULL;
  }
out:
  free (sizes);
  json_object_put (after);
  json_object_put (state);
  return e;
}
