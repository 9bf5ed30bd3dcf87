/* options: mount options, parsed from one table.
 *
 * Text form: comma-separated, as mount(8): "data=ordered,nobarrier,
 * commit=5,lazytime,bug=no-commit-flush".  Parsing applies each option on
 * top of whatever the struct holds, so callers start from
 * fpfs_mount_opts_init and may parse several strings.  Formatting prints
 * the canonical text that parses back to the same struct (trace and
 * tracepointer fields aside).
 *
 * The table below is the only list of options: parse walks it and format
 * walks it, so an option cannot be accepted but never printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext4.h"

enum opt_id {
  OPT_DATA, OPT_NOJOURNAL, OPT_JOURNAL, OPT_BARRIER, OPT_NOBARRIER,
  OPT_LAZYTIME, OPT_NOLAZYTIME, OPT_RO, OPT_RW, OPT_COMMIT, OPT_BUG,
  OPT_SEED, OPT_DIRTY_LIMIT,
};

enum opt_arg { ARG_NONE, ARG_UINT, ARG_WORD };

struct opt_desc {
  const char *name;
  enum opt_id id;
  enum opt_arg arg;
};

static const struct opt_desc opt_table[] = {
  { "data", OPT_DATA, ARG_WORD },
  { "nojournal", OPT_NOJOURNAL, ARG_NONE },
  { "journal", OPT_JOURNAL, ARG_NONE },
  { "barrier", OPT_BARRIER, ARG_NONE },        /* also barrier=0|1 */
  { "nobarrier", OPT_NOBARRIER, ARG_NONE },
  { "lazytime", OPT_LAZYTIME, ARG_NONE },
  { "nolazytime", OPT_NOLAZYTIME, ARG_NONE },
  { "ro", OPT_RO, ARG_NONE },
  { "rw", OPT_RW, ARG_NONE },
  { "commit", OPT_COMMIT, ARG_UINT },
  { "bug", OPT_BUG, ARG_WORD },
  { "seed", OPT_SEED, ARG_UINT },
  { "dirty_limit", OPT_DIRTY_LIMIT, ARG_UINT },
};

static const char *const data_names[] = {
  [FPFS_DATA_ORDERED] = "ordered",
  [FPFS_DATA_WRITEBACK] = "writeback",
  [FPFS_DATA_JOURNAL] = "journal",
};

#define COMMIT_MAX_S 86400u

void
fpfs_mount_opts_init (struct fpfs_mount_opts *o)
{
  memset (o, 0, sizeof *o);
  o->data = FPFS_DATA_ORDERED;
  o->barrier = true;
  o->commit_interval_s = 5;
}

static int
opt_err (char *errbuf, size_t errlen, const char *tok, const char *why)
{
  if (errbuf && errlen)
    snprintf (errbuf, errlen, "mount options: \"%s\": %s", tok, why);
  return -EINVAL;
}

static int
opt_apply (const struct opt_desc *d, const char *val, const char *tok,
           struct fpfs_mount_opts *o, char *errbuf, size_t errlen)
{
  unsigned long long n = 0;
  uint64_t bit;

  if (d->arg == ARG_UINT) {
    char *end;
    if (val == NULL || *val == '\0')
      return opt_err (errbuf, errlen, tok, "needs a number");
    errno = 0;
    n = strtoull (val, &end, 10);
    if (errno || *end != '\0' || val[0] == '-')
      return opt_err (errbuf, errlen, tok, "not a number");
  }
  if (d->arg == ARG_WORD && (val == NULL || *val == '\0'))
    return opt_err (errbuf, errlen, tok, "needs a value");

  switch (d->id) {
  case OPT_DATA:
    for (size_t i = 0; i < sizeof data_names / sizeof data_names[0]; i++)
      if (strcmp (val, data_names[i]) == 0) {
        o->data = (enum fpfs_data_mode) i;
        return 0;
      }
    return opt_err (errbuf, errlen, tok, "want ordered, writeback or journal");
  case OPT_NOJOURNAL: o->nojournal = true; return 0;
  case OPT_JOURNAL: o->nojournal = false; return 0;
  case OPT_BARRIER:
    if (val == NULL || strcmp (val, "1") == 0)
      o->barrier = true;
    else if (strcmp (val, "0") == 0)
      o->barrier = false;
    else
      return opt_err (errbuf, errlen, tok, "want barrier, barrier=0 or 1");
    return 0;
  case OPT_NOBARRIER: o->barrier = false; return 0;
  case OPT_LAZYTIME: o->lazytime = true; return 0;
  case OPT_NOLAZYTIME: o->lazytime = false; return 0;
  case OPT_RO: o->read_only = true; return 0;
  case OPT_RW: o->read_only = false; return 0;
  case OPT_COMMIT:
    if (n > COMMIT_MAX_S)
      return opt_err (errbuf, errlen, tok, "commit interval too long");
    o->commit_interval_s = n ? (uint32_t) n : 5;   /* commit=0: default */
    return 0;
  case OPT_BUG:
    if (fpfs_bug_lookup (val, &bit) < 0)
      return opt_err (errbuf, errlen, tok, "unknown bug switch");
    o->bugs |= bit;
    return 0;
  case OPT_SEED: o->seed = n; return 0;
  case OPT_DIRTY_LIMIT: o->dirty_limit_bytes = n; return 0;
  }
  return opt_err (errbuf, errlen, tok, "unhandled");
}

int
fpfs_mount_opts_parse (const char *s, struct fpfs_mount_opts *o,
                       char *errbuf, size_t errlen)
{
  char *copy, *save = NULL, *tok;
  int ret = 0;

  if (s == NULL)
    return 0;
  copy = strdup (s);
  if (copy == NULL)
    return -ENOMEM;
  for (tok = strtok_r (copy, ",", &save); tok && !ret;
       tok = strtok_r (NULL, ",", &save)) {
    char *val = strchr (tok, '=');
    const struct opt_desc *d = NULL;
    char shown[128];

    snprintf (shown, sizeof shown, "%s", tok);
    if (val)
      *val++ = '\0';
    for (size_t i = 0; i < sizeof opt_table / sizeof opt_table[0]; i++)
      if (strcmp (opt_table[i].name, tok) == 0)
        d = &opt_table[i];
    if (d == NULL)
      ret = opt_err (errbuf, errlen, shown, "unknown option");
    else if (d->arg == ARG_NONE && val && d->id != OPT_BARRIER)
      ret = opt_err (errbuf, errlen, shown, "takes no value");
    else
      ret = opt_apply (d, val, shown, o, errbuf, errlen);
  }
  free (copy);
  return ret;
}

/* Append ",text" (or "text" first) to buf; returns the length needed. */
static size_t
fmt_add (char *buf, size_t len, size_t pos, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));

static size_t
fmt_add (char *buf, size_t len, size_t pos, const char *fmt, ...)
{
  char tmp[160];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (tmp, sizeof tmp, fmt, ap);
  va_end (ap);
  if (n < 0)
    return pos;
  if (pos + (pos ? 1 : 0) + (size_t) n < len) {
    if (pos)
      buf[pos] = ',';
    memcpy (buf + pos + (pos ? 1 : 0), tmp, (size_t) n + 1);
  }
  return pos + (pos ? 1 : 0) + (size_t) n;
}

int
fpfs_mount_opts_format (const struct fpfs_mount_opts *o, char *buf,
                        size_t len)
{
  size_t pos = 0;

  if (buf && len)
    buf[0] = '\0';
  else
    len = 0;
  if ((unsigned) o->data >= sizeof data_names / sizeof data_names[0])
    return -EINVAL;
  for (size_t i = 0; i < sizeof opt_table / sizeof opt_table[0]; i++) {
    const struct opt_desc *d = &opt_table[i];
    switch (d->id) {
    case OPT_DATA:
      pos = fmt_add (buf, len, pos, "data=%s", data_names[o->data]);
      break;
    case OPT_NOJOURNAL:
      if (o->nojournal)
        pos = fmt_add (buf, len, pos, "nojournal");
      break;
    case OPT_BARRIER:
      pos = fmt_add (buf, len, pos, "%s", o->barrier ? "barrier" : "nobarrier");
      break;
    case OPT_LAZYTIME:
      if (o->lazytime)
        pos = fmt_add (buf, len, pos, "lazytime");
      break;
    case OPT_RO:
      if (o->read_only)
        pos = fmt_add (buf, len, pos, "ro");
      break;
    case OPT_COMMIT:
      pos = fmt_add (buf, len, pos, "commit=%" PRIu32, o->commit_interval_s);
      break;
    case OPT_BUG:
      for (int b = 0; b < fpfs_bug_count (); b++) {
        uint64_t bit = 0;
        fpfs_bug_lookup (fpfs_bug_name (b), &bit);
        if (o->bugs & bit)
          pos = fmt_add (buf, len, pos, "bug=%s", fpfs_bug_name (b));
      }
      break;
    case OPT_SEED:
      if (o->seed)
        pos = fmt_add (buf, len, pos, "seed=%" PRIu64, o->seed);
      break;
    case OPT_DIRTY_LIMIT:
      if (o->dirty_limit_bytes)
        pos = fmt_add (buf, len, pos, "dirty_limit=%" PRIu64,
                       o->dirty_limit_bytes);
      break;
    case OPT_JOURNAL: case OPT_NOBARRIER: case OPT_NOLAZYTIME: case OPT_RW:
      break;                    /* the negative spellings print nothing */
    }
  }
  return pos < len ? 0 : -ERANGE;
}

int
ext4_opts_check (const struct fpfs_mount_opts *o, char *errbuf, size_t errlen)
{
  uint64_t known = 0;

  for (int b = 0; b < fpfs_bug_count (); b++) {
    uint64_t bit = 0;
    fpfs_bug_lookup (fpfs_bug_name (b), &bit);
    known |= bit;
  }
  if ((unsigned) o->data > FPFS_DATA_JOURNAL)
    return opt_err (errbuf, errlen, "data", "bad data mode");
  if (o->bugs & ~known)
    return opt_err (errbuf, errlen, "bug", "unknown bug bits");
  if (o->nojournal && o->data == FPFS_DATA_JOURNAL)
    return opt_err (errbuf, errlen, "data=journal",
                    "needs a journal (drop nojournal)");
  if (o->commit_interval_s > COMMIT_MAX_S)
    return opt_err (errbuf, errlen, "commit", "commit interval too long");
  return 0;
}
