/* cmd_log: `flushpoint log dump` and `flushpoint log verify`, the two
 * commands that read a write log without changing anything.
 *
 * Both walk the log once with the fplog reader, which verifies every entry.
 * They agree on what the end of the log means:
 *   clean end                          exit 0
 *   truncated tail (server killed)     exit 0 and a warning; 1 with --strict
 *   corrupt header or entry            exit 1 (the log failed the check)
 *   not a log, unreadable, bad usage   exit 2
 *
 * `log dump --json` writes JSON lines (one object per line, json-c): first
 * {"kind":"header",...}, then {"kind":"entry",...} per entry, then
 * {"kind":"end",...} saying how the log ended.  One object per line rather
 * than one document, so that a log of millions of entries streams through
 * `jq` or a script without being held in memory.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <xxhash.h>

#include "commands.h"
#include "fplog.h"

#define LOG_NTYPES (FPLOG_FAULT + 1)

/* What a walk over the whole log found. */
struct log_walk {
  uint64_t count[LOG_NTYPES];  /* entries by type */
  uint64_t bytes[LOG_NTYPES];  /* device bytes covered (length) by type */
  uint64_t entries;
  int end;                     /* FPLOG_NEXT_END, _TRUNCATED or -errno */
  uint64_t end_offset;         /* where the clean end / bad tail / error is */
  char msg[512];               /* the reader's message for a bad end */
};

typedef void (*log_entry_fn) (void *ctx, const struct fplog_entry *e);

static void
log_walk (struct fplog_reader *r, struct log_walk *w, log_entry_fn fn,
          void *ctx)
{
  struct fplog_entry e;
  int ret;

  memset (w, 0, sizeof *w);
  while ((ret = fplog_next (r, &e, w->msg, sizeof w->msg)) ==
         FPLOG_NEXT_ENTRY) {
    w->entries++;
    w->count[e.type]++;        /* the reader has checked the type */
    w->bytes[e.type] += e.length;
    if (fn)
      fn (ctx, &e);
  }
  w->end = ret;
  w->end_offset = fplog_reader_offset (r);
}

/* Open the log; on failure report it and return the exit status. */
static int
log_open (const char *cmd, const char *path, struct fplog_reader **r)
{
  char msg[512];
  int err = fplog_reader_open (path, r, msg, sizeof msg);

  if (!err)
    return CLI_EXIT_OK;
  cli_error (cmd, "%s", msg);
  /* A log with a damaged header failed the check; anything else (missing,
   * unreadable, not a flushpoint log, newer version) is unusable input. */
  return err == -EBADMSG ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
}

/* Prefix for the reader's message about a bad end (a truncated tail's
 * message already says so). */
static const char *
log_end_word (const struct log_walk *w)
{
  if (w->end == FPLOG_NEXT_TRUNCATED)
    return "";
  return w->end == -EBADMSG ? "corrupt: " : "read error: ";
}

/* Report how the walk ended; returns the exit status. */
static int
log_end_status (const char *cmd, const struct log_walk *w, bool strict)
{
  if (w->end == FPLOG_NEXT_END)
    return CLI_EXIT_OK;
  if (w->end == FPLOG_NEXT_TRUNCATED) {
    if (strict) {
      cli_error (cmd, "%s (--strict)", w->msg);
      return CLI_EXIT_FAILED;
    }
    cli_warn (cmd, "%s", w->msg);
    return CLI_EXIT_OK;
  }
  cli_error (cmd, "%s", w->msg);
  return w->end == -EBADMSG ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
}

/* ISO 8601 UTC with nanoseconds; "" for 0 (a deterministic log). */
static const char *
log_time (uint64_t ns, char out[48])
{
  time_t s = (time_t) (ns / 1000000000u);
  struct tm tm;

  out[0] = '\0';
  if (ns && gmtime_r (&s, &tm)) {
    size_t n = strftime (out, 48, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (out + n, 48 - n, ".%09" PRIu64 "Z", ns % 1000000000u);
  }
  return out;
}

static const char *
log_flags (unsigned flags)
{
  switch (flags & (FPLOG_F_FUA | FPLOG_F_FAILED)) {
  case FPLOG_F_FUA:                   return "FUA";
  case FPLOG_F_FAILED:                return "FAILED";
  case FPLOG_F_FUA | FPLOG_F_FAILED:  return "FUA,FAILED";
  default:                            return "-";
  }
}

/* Text payload, quoted, with anything not printable ASCII escaped. */
static void
log_put_escaped (FILE *f, const uint8_t *p, size_t n)
{
  fputc ('"', f);
  for (size_t i = 0; i < n; i++) {
    switch (p[i]) {
    case '"':  fputs ("\\\"", f); break;
    case '\\': fputs ("\\\\", f); break;
    case '\n': fputs ("\\n", f); break;
    case '\r': fputs ("\\r", f); break;
    case '\t': fputs ("\\t", f); break;
    default:
      if (p[i] >= 0x20 && p[i] < 0x7f)
        fputc (p[i], f);
      else
        fprintf (f, "\\x%02x", p[i]);
    }
  }
  fputc ('"', f);
}

/* Valid UTF-8?  NUL is U+0000, which JSON carries as \u0000, so a MARK
 * holding one is still text (as the help says). */
static bool
log_is_utf8 (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    size_t len;
    uint32_t cp;

    if (c < 0x80) { i++; continue; }
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
    else return false;
    if (n - i < len)
      return false;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xc0) != 0x80)
        return false;
      cp = cp << 6 | (p[i + k] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;            /* overlong, surrogate or out of range */
    i += len;
  }
  return true;
}

/* ---- log dump ---- */

static const char dump_usage[] =
  "Usage: flushpoint log dump LOG [--json] [--strict]\n"
  "\n"
  "Print a write log: its header (version, uuid, device and sector size,\n"
  "base image, creation time), then one line per entry: seq, type, flags,\n"
  "device offset, length, completion time (ISO 8601 UTC, '-' when the log\n"
  "is deterministic) and a detail: the XXH3-64 of a WRITE's data, the text\n"
  "of a MARK or FAULT (quoted; bytes that are not printable ASCII shown as\n"
  "\\xHH).  Every entry is verified while it is read.\n"
  "\n"
  "  --json    JSON lines instead: a {\"kind\":\"header\"} object, one\n"
  "            {\"kind\":\"entry\"} object per entry, and a {\"kind\":\"end\"}\n"
  "            object (state clean, truncated or corrupt).  A MARK/FAULT\n"
  "            payload is \"text\" when it is valid UTF-8 (NUL included,\n"
  "            as \\u0000), else \"payload_hex\".\n"
  "  --strict  a truncated tail is a failure (exit 1), not a warning\n"
  "  --help    this text\n"
  "\n"
  "Exit status: 0 the log read to its end (a truncated tail only warns);\n"
  "1 the log is corrupt, or has a truncated tail and --strict was given;\n"
  "2 usage error, or LOG is unreadable or not a flushpoint log.\n";

static void
dump_text_header (const char *path, const struct fplog_header *h)
{
  char uuid[37], t[48];

  fplog_uuid_format (h->uuid, uuid);
  printf ("log:          %s\n", path);
  printf ("version:      %" PRIu32 "\n", h->version);
  printf ("uuid:         %s\n", uuid);
  printf ("device size:  %" PRIu64 " bytes\n", h->device_size);
  printf ("sector size:  %" PRIu32 " bytes\n", h->sector_size);
  if (h->flags & FPLOG_H_BASE_IMAGE)
    printf ("base:         image %s (%" PRIu64 " bytes, xxh3 %016" PRIx64
            ")\n", h->base_path, h->base_size, h->base_checksum);
  else
    printf ("base:         zeroes\n");
  if (h->created_ns)
    printf ("created:      %s\n", log_time (h->created_ns, t));
  else
    printf ("created:      - (deterministic log)\n");
  printf ("%8s  %-5s  %-10s  %14s  %10s  %-30s  %s\n", "seq", "type",
          "flags", "offset", "length", "time", "detail");
}

static void
dump_text_entry (void *ctx, const struct fplog_entry *e)
{
  char t[48];

  (void) ctx;
  printf ("%8" PRIu64 "  %-5s  %-10s  %14" PRIu64 "  %10" PRIu64 "  %-30s",
          e->seq, fplog_type_name (e->type), log_flags (e->flags), e->offset,
          e->length, e->timestamp_ns ? log_time (e->timestamp_ns, t) : "-");
  if (e->type == FPLOG_WRITE)
    printf ("  xxh3 %016" PRIx64, (uint64_t) XXH3_64bits (e->payload,
                                                           e->payload_len));
  else if (e->type == FPLOG_MARK || e->type == FPLOG_FAULT) {
    fputs ("  ", stdout);
    log_put_escaped (stdout, e->payload, e->payload_len);
  }
  putchar ('\n');
}

static void
dump_json_print (struct json_object *o)
{
  puts (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                        JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
}

static void
json_add_time (struct json_object *o, const char *key, uint64_t ns)
{
  char t[48];

  json_object_object_add (o, key, ns ? json_object_new_string (log_time (ns, t))
                                     : NULL);
}

static void
dump_json_header (const char *path, const struct fplog_header *h)
{
  struct json_object *o = json_object_new_object ();
  struct json_object *b = json_object_new_object ();
  char uuid[37], hex[17];

  fplog_uuid_format (h->uuid, uuid);
  json_object_object_add (o, "kind", json_object_new_string ("header"));
  json_object_object_add (o, "file", json_object_new_string (path));
  json_object_object_add (o, "version", json_object_new_uint64 (h->version));
  json_object_object_add (o, "uuid", json_object_new_string (uuid));
  json_object_object_add (o, "device_size",
                          json_object_new_uint64 (h->device_size));
  json_object_object_add (o, "sector_size",
                          json_object_new_uint64 (h->sector_size));
  if (h->flags & FPLOG_H_BASE_IMAGE) {
    snprintf (hex, sizeof hex, "%016" PRIx64, h->base_checksum);
    json_object_object_add (b, "kind", json_object_new_string ("image"));
    json_object_object_add (b, "path", json_object_new_string (h->base_path));
    json_object_object_add (b, "size", json_object_new_uint64 (h->base_size));
    json_object_object_add (b, "xxh3", json_object_new_string (hex));
  }
  else
    json_object_object_add (b, "kind", json_object_new_string ("zeroes"));
  json_object_object_add (o, "base", b);
  json_object_object_add (o, "created_ns",
                          json_object_new_uint64 (h->created_ns));
  json_add_time (o, "created", h->created_ns);
  json_object_object_add (o, "header_len",
                          json_object_new_uint64 (h->header_len));
  dump_json_print (o);
}

static void
dump_json_entry (void *ctx, const struct fplog_entry *e)
{
  struct json_object *o = json_object_new_object ();
  struct json_object *fl = json_object_new_array ();
  char hex[17];

  (void) ctx;
  json_object_object_add (o, "kind", json_object_new_string ("entry"));
  json_object_object_add (o, "seq", json_object_new_uint64 (e->seq));
  json_object_object_add (o, "type",
                          json_object_new_string (fplog_type_name (e->type)));
  if (e->flags & FPLOG_F_FUA)
    json_object_array_add (fl, json_object_new_string ("FUA"));
  if (e->flags & FPLOG_F_FAILED)
    json_object_array_add (fl, json_object_new_string ("FAILED"));
  json_object_object_add (o, "flags", fl);
  json_object_object_add (o, "offset", json_object_new_uint64 (e->offset));
  json_object_object_add (o, "length", json_object_new_uint64 (e->length));
  json_object_object_add (o, "timestamp_ns",
                          json_object_new_uint64 (e->timestamp_ns));
  json_add_time (o, "time", e->timestamp_ns);
  json_object_object_add (o, "file_offset",
                          json_object_new_uint64 (e->file_offset));
  json_object_object_add (o, "payload_len",
                          json_object_new_uint64 (e->payload_len));
  if (e->type == FPLOG_WRITE) {
    snprintf (hex, sizeof hex, "%016" PRIx64,
              (uint64_t) XXH3_64bits (e->payload, e->payload_len));
    json_object_object_add (o, "data_xxh3", json_object_new_string (hex));
  }
  else if (e->type == FPLOG_MARK || e->type == FPLOG_FAULT) {
    if (log_is_utf8 (e->payload, e->payload_len))
      json_object_object_add (o, "text", json_object_new_string_len (
                                (const char *) e->payload, e->payload_len));
    else {
      struct json_object *hx;
      char *s = malloc (2 * (size_t) e->payload_len + 1);

      if (s) {
        for (uint32_t i = 0; i < e->payload_len; i++)
          sprintf (s + 2 * i, "%02x", e->payload[i]);
        s[2 * (size_t) e->payload_len] = '\0';
      }
      hx = json_object_new_string (s ? s : "");
      free (s);
      json_object_object_add (o, "payload_hex", hx);
    }
  }
  dump_json_print (o);
}

static void
dump_json_end (struct fplog_reader *r, const struct log_walk *w,
               const char *path)
{
  struct json_object *o = json_object_new_object ();
  uint64_t last;
  const char *state = w->end == FPLOG_NEXT_END ? "clean" :
    w->end == FPLOG_NEXT_TRUNCATED ? "truncated" :
    w->end == -EBADMSG ? "corrupt" : "error";

  json_object_object_add (o, "kind", json_object_new_string ("end"));
  json_object_object_add (o, "state", json_object_new_string (state));
  json_object_object_add (o, "entries", json_object_new_uint64 (w->entries));
  json_object_object_add (o, "last_seq", fplog_reader_last_seq (r, &last) ?
                          json_object_new_uint64 (last) : NULL);
  json_object_object_add (o, "offset", json_object_new_uint64 (w->end_offset));
  if (w->end != FPLOG_NEXT_END)
    json_object_object_add (o, "message", json_object_new_string (
                              cli_strip_path (w->msg, path)));
  dump_json_print (o);
}

int
cmd_log_dump (int argc, char **argv)
{
  static const struct option opts[] = {
    { "json",   no_argument, NULL, 'j' },
    { "strict", no_argument, NULL, 's' },
    { "help",   no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0];
  bool json = false, strict = false;
  struct fplog_reader *r;
  struct log_walk w;
  int c, ret;

  while ((c = getopt_long (argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case 'j': json = true; break;
    case 's': strict = true; break;
    case 'h': fputs (dump_usage, stdout); return CLI_EXIT_OK;
    default:  return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind != 1)
    return cli_usage_error (cmd, argc == optind ? "missing LOG" :
                            "expected one LOG, got %d arguments",
                            argc - optind);
  const char *path = argv[optind];

  if ((ret = log_open (cmd, path, &r)) != CLI_EXIT_OK)
    return ret;
  if (json) {
    dump_json_header (path, fplog_reader_header (r));
    log_walk (r, &w, dump_json_entry, NULL);
    dump_json_end (r, &w, path);
  }
  else {
    dump_text_header (path, fplog_reader_header (r));
    log_walk (r, &w, dump_text_entry, NULL);
    if (w.end == FPLOG_NEXT_END)
      printf ("end: clean, %" PRIu64 " entries\n", w.entries);
    else
      printf ("end: %s%s\n", log_end_word (&w), cli_strip_path (w.msg, path));
  }
  fplog_reader_close (r);
  if (fflush (stdout) != 0) {
    cli_error (cmd, "stdout: %s", strerror (errno));
    return CLI_EXIT_USAGE;
  }
  return log_end_status (cmd, &w, strict);
}

/* ---- log verify ---- */

static const char verify_usage[] =
  "Usage: flushpoint log verify LOG [--strict]\n"
  "\n"
  "Check a write log completely: the header (magic, version, checksum, sane\n"
  "sizes) and every entry (magic, checksum, seq in order, known type, range\n"
  "inside the device, WRITE length equal to its data).  Print a summary:\n"
  "entries by type, bytes by type, the last good seq, and how the log ends:\n"
  "a clean end, or a truncated tail (the server was killed mid-append).\n"
  "\n"
  "  --strict  a truncated tail is a failure, not a warning\n"
  "  --help    this text\n"
  "\n"
  "Exit status: 0 the log is sound (a truncated tail only warns);\n"
  "1 the check failed: a corrupt header or entry (named with its seq and\n"
  "byte offset), or a truncated tail with --strict;\n"
  "2 usage error, or LOG is unreadable or not a flushpoint log.\n";

int
cmd_log_verify (int argc, char **argv)
{
  static const struct option opts[] = {
    { "strict", no_argument, NULL, 's' },
    { "help",   no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = argv[0];
  bool strict = false;
  struct fplog_reader *r;
  struct log_walk w;
  char uuid[37];
  uint64_t last;
  int c, ret;

  while ((c = getopt_long (argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case 's': strict = true; break;
    case 'h': fputs (verify_usage, stdout); return CLI_EXIT_OK;
    default:  return cli_option_error (cmd, c, argv);
    }
  }
  if (argc - optind != 1)
    return cli_usage_error (cmd, argc == optind ? "missing LOG" :
                            "expected one LOG, got %d arguments",
                            argc - optind);
  const char *path = argv[optind];

  if ((ret = log_open (cmd, path, &r)) != CLI_EXIT_OK)
    return ret;
  log_walk (r, &w, NULL, NULL);
  fplog_uuid_format (fplog_reader_header (r)->uuid, uuid);

  printf ("log:       %s\n", path);
  printf ("uuid:      %s\n", uuid);
  printf ("entries:   %" PRIu64, w.entries);
  for (int t = FPLOG_WRITE; t < LOG_NTYPES; t++)
    printf ("%s%s %" PRIu64, t == FPLOG_WRITE ? " (" : ", ",
            fplog_type_name (t), w.count[t]);
  printf (")\n");
  printf ("bytes:     WRITE %" PRIu64 ", TRIM %" PRIu64 ", ZERO %" PRIu64 "\n",
          w.bytes[FPLOG_WRITE], w.bytes[FPLOG_TRIM], w.bytes[FPLOG_ZERO]);
  if (fplog_reader_last_seq (r, &last))
    printf ("last seq:  %" PRIu64 "\n", last);
  else
    printf ("last seq:  none\n");
  if (w.end == FPLOG_NEXT_END)
    printf ("end:       clean end at byte %" PRIu64 "\n", w.end_offset);
  else
    printf ("end:       %s%s\n", log_end_word (&w), cli_strip_path (w.msg, path));
  fplog_reader_close (r);

  ret = log_end_status (cmd, &w, strict);
  printf ("result:    %s\n", ret != CLI_EXIT_OK ? "FAILED" :
          w.end == FPLOG_NEXT_TRUNCATED ? "ok, with a truncated tail" : "ok");
  return ret;
}
