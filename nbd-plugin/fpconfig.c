/* fpconfig: the flushpoint plugin's parameters (see fpconfig.h).
 *
 * One table, FP_PARAMS, lists every key with its help text; the parser,
 * the --help text and the --dump-plugin key list are all generated from
 * it, so a key cannot be parsed without being documented or vice versa.
 * A key is given once, except those marked FP_REPEAT (fault=).
 *
 * Checks happen as early as possible so that nbdkit exits non-zero with a
 * message before it listens: each value when it is parsed, then the
 * combination (required keys, size vs sector, the base image's existence
 * and size, fault ranges against the size) in fpconfig_complete().  The log itself is created by the
 * plugin's .get_ready, still before the first connection.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <xxhash.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "fpconfig.h"
#include "fplog.h"

_Static_assert (FPDISK_MAX_SIZE == FPLOG_MAX_DEVICE,
                "the disk's size limit is the log format's");

/* X (setter, "key", ONCE|REPEAT, "META", "help"): the setter is
 * fp_set_<setter>; keys with a '-' need a setter name of their own. */
#define FP_PARAMS(X)                                                         \
  X (size, "size", FP_ONCE, "SIZE",                                          \
     "(required) Size of the virtual disk, e.g. 64M; a multiple of sector.")  \
  X (log, "log", FP_ONCE, "FILE",                                            \
     "(required) Write log to create: a new file, or an existing log\n"      \
     "  (truncated); a file that is not a log needs log-overwrite=true.\n"   \
     "  Locked while nbdkit runs: one server per log.")                      \
  X (log_overwrite, "log-overwrite", FP_ONCE, "BOOL",                        \
     "If true, log= may replace an existing file that is not a log.")        \
  X (durable, "durable", FP_ONCE, "BOOL",                                    \
     "If true, the log is fdatasync'd before a FLUSH or FUA write is\n"      \
     "  acknowledged, so it survives a crash of the host (default false).")  \
  X (base, "base", FP_ONCE, "IMAGE",                                         \
     "Start from this image instead of zeroes; not larger than size.\n"      \
     "  It is read once at startup and never modified.")                     \
  X (sector, "sector", FP_ONCE, "512|1024|2048|4096",                        \
     "Sector size recorded in the log (default 512).")                       \
  X (uuid, "uuid", FP_ONCE, "UUID",                                          \
     "UUID of the recording (default: a random one).")                       \
  X (deterministic, "deterministic", FP_ONCE, "BOOL",                        \
     "If true, every timestamp in the log is 0 (default false).")            \
  X (fault, "fault", FP_REPEAT, "SPEC[;SPEC...]",                            \
     "Arm faults at startup (may be repeated), e.g. fault=write:EIO:at:3,\n"  \
     "  fault=flush:EIO:next, fault=read:EIO:range:0-1M, fault=powercut:at:50,\n" \
     "  fault=latency:write:5ms.  See the man page for the language.")

/* Whether a key may be given more than once. */
enum { FP_ONCE = 0, FP_REPEAT = 1 };

#define FP_HELP_LINE(set, key, rep, meta, text) key "=" meta "\n  " text "\n"
#define FP_DECLARE_SETTER(set, key, rep, meta, text) \
  static int fp_set_##set (struct fp_config *, const char *);
#define FP_TABLE_ROW(set, key, rep, meta, text) { key, rep, fp_set_##set },

FP_PARAMS (FP_DECLARE_SETTER)

static const struct fp_param {
  const char *pa_key;
  int pa_repeat;               /* FP_ONCE or FP_REPEAT */
  int (*pa_set) (struct fp_config *c, const char *value);
} fp_params[] = { FP_PARAMS (FP_TABLE_ROW) };

#define FP_NPARAMS (sizeof fp_params / sizeof fp_params[0])

const char fpconfig_help[] = FP_PARAMS (FP_HELP_LINE);

static bool
fp_seen (const struct fp_config *c, const char *key)
{
  size_t i;

  for (i = 0; i < FP_NPARAMS; i++)
    if (strcmp (fp_params[i].pa_key, key) == 0)
      return c->c_seen & (1u << i);
  assert (!"key missing from FP_PARAMS");
  return false;
}

static int
fp_set_size (struct fp_config *c, const char *value)
{
  int64_t r = nbdkit_parse_size (value);

  if (r == -1) {
    nbdkit_error ("size=%s: not a size (use e.g. size=64M)", value);
    return -1;
  }
  if (r == 0 || (uint64_t) r > FPDISK_MAX_SIZE) {
    nbdkit_error ("size=%s: must be between 1 byte and 16T", value);
    return -1;
  }
  c->c_size = r;
  return 0;
}

static int
fp_set_log (struct fp_config *c, const char *value)
{
  c->c_log_path = nbdkit_absolute_path (value);
  return c->c_log_path ? 0 : -1;
}

static int
fp_set_base (struct fp_config *c, const char *value)
{
  c->c_base_path = nbdkit_absolute_path (value);
  return c->c_base_path ? 0 : -1;
}

static int
fp_set_sector (struct fp_config *c, const char *value)
{
  uint32_t s;

  if (nbdkit_parse_uint32_t ("sector", value, &s) == -1) {
    nbdkit_error ("sector=%s: not a number (use 512, 1024, 2048 or 4096)",
                  value);
    return -1;
  }
  if (s < 512 || s > 4096 || (s & (s - 1))) {
    nbdkit_error ("sector=%s: must be a power of two from 512 to 4096", value);
    return -1;
  }
  c->c_sector = s;
  return 0;
}

static int
fp_set_uuid (struct fp_config *c, const char *value)
{
  if (uuid_parse (value, c->c_uuid) == -1) {
    nbdkit_error ("uuid=%s: not a UUID (expected the form "
                  "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", value);
    return -1;
  }
  return 0;
}

static int
fp_parse_bool (const char *key, const char *value, bool *out)
{
  int b = nbdkit_parse_bool (value);

  if (b == -1) {
    nbdkit_error ("%s=%s: not a boolean (use true or false)", key, value);
    return -1;
  }
  *out = b;
  return 0;
}

static int
fp_set_deterministic (struct fp_config *c, const char *value)
{
  return fp_parse_bool ("deterministic", value, &c->c_deterministic);
}

static int
fp_set_log_overwrite (struct fp_config *c, const char *value)
{
  return fp_parse_bool ("log-overwrite", value, &c->c_log_overwrite);
}

static int
fp_set_durable (struct fp_config *c, const char *value)
{
  return fp_parse_bool ("durable", value, &c->c_durable);
}

/* Checked now, so that a bad spec stops nbdkit with a message naming the
 * parameter; armed by the plugin once the log exists (fpconfig_faults).
 * Repeated values are kept in order, one a line. */
static int
fp_set_fault (struct fp_config *c, const char *value)
{
  struct fpfault_spec specs[FPFAULT_SPECS_MAX];
  size_t n, old = c->c_faults ? strlen (c->c_faults) : 0;
  char err[512];
  char *t;

  if (fpfault_parse (value, strlen (value), specs, FPFAULT_SPECS_MAX, &n,
                     err, sizeof err) < 0) {
    nbdkit_error ("fault=%s: %s", value, err);
    return -1;
  }
  t = realloc (c->c_faults, old + strlen (value) + 2);
  if (!t) {
    nbdkit_error ("fault=%s: out of memory", value);
    return -1;
  }
  snprintf (t + old, strlen (value) + 2, "%s%s", old ? "\n" : "", value);
  c->c_faults = t;
  return 0;
}

void
fpconfig_init (struct fp_config *c)
{
  memset (c, 0, sizeof *c);
  c->c_sector = 512;
  c->c_base_fd = -1;
}

int
fpconfig_set (struct fp_config *c, const char *key, const char *value)
{
  size_t i;

  for (i = 0; i < FP_NPARAMS; i++) {
    if (strcmp (fp_params[i].pa_key, key) != 0)
      continue;
    if ((c->c_seen & (1u << i)) && !fp_params[i].pa_repeat) {
      nbdkit_error ("%s: parameter given more than once", key);
      return -1;
    }
    c->c_seen |= 1u << i;
    return fp_params[i].pa_set (c, value);
  }
  nbdkit_error ("unknown parameter '%s' (see --help for the list)", key);
  return -1;
}

static int
fp_check_base (struct fp_config *c)
{
  struct stat st;
  off_t end;

  struct stat lst;

  /* O_NONBLOCK: opening a FIFO for reading would wait for a writer. */
  c->c_base_fd = open (c->c_base_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (c->c_base_fd == -1) {
    nbdkit_error ("base: open: %s: %m", c->c_base_path);
    return -1;
  }
  if (fstat (c->c_base_fd, &st) == -1) {
    nbdkit_error ("base: fstat: %s: %m", c->c_base_path);
    return -1;
  }
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode)) {
    nbdkit_error ("base: %s: not a regular file or block device%s",
                  c->c_base_path, S_ISFIFO (st.st_mode) ? " (a FIFO)" : "");
    return -1;
  }
  if (fcntl (c->c_base_fd, F_SETFL, 0) == -1) {
    nbdkit_error ("base: fcntl: %s: %m", c->c_base_path);
    return -1;
  }
  /* The base is never written; the log is truncated at startup. */
  if (stat (c->c_log_path, &lst) == 0 && lst.st_dev == st.st_dev &&
      lst.st_ino == st.st_ino) {
    nbdkit_error ("log=%s is the base image base=%s (the same file): the "
                  "base is never written, give the log another name",
                  c->c_log_path, c->c_base_path);
    return -1;
  }
  end = lseek (c->c_base_fd, 0, SEEK_END);
  if (end == -1) {
    nbdkit_error ("base: lseek: %s: %m", c->c_base_path);
    return -1;
  }
  c->c_base_size = end;
  if (c->c_base_size > c->c_size) {
    nbdkit_error ("base: %s is %" PRIu64 " bytes, larger than size=%" PRIu64,
                  c->c_base_path, c->c_base_size, c->c_size);
    return -1;
  }
  return 0;
}

int
fpconfig_complete (struct fp_config *c)
{
  if (!fp_seen (c, "size")) {
    nbdkit_error ("missing required parameter size=SIZE (e.g. size=64M)");
    return -1;
  }
  if (!fp_seen (c, "log")) {
    nbdkit_error ("missing required parameter log=FILE (the write log)");
    return -1;
  }
  if (c->c_size % c->c_sector) {
    nbdkit_error ("size=%" PRIu64 " is not a multiple of sector=%" PRIu32,
                  c->c_size, c->c_sector);
    return -1;
  }
  if (!fp_seen (c, "uuid"))
    uuid_generate (c->c_uuid);
  if (c->c_faults && fpconfig_faults (c, NULL, NULL, 0) < 0)
    return -1;
  return c->c_base_path ? fp_check_base (c) : 0;
}

static bool
is_zero (const uint8_t *p, size_t n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

/* Copy buf (len bytes of the image at off) into d, leaving all-zero pages
 * unallocated. */
static int
fp_store_chunk (struct fpdisk *d, const uint8_t *buf, uint64_t len,
                uint64_t off)
{
  uint64_t p;

  for (p = off; p < off + len; ) {
    uint32_t n = FPDISK_PAGE - p % FPDISK_PAGE;

    if (n > off + len - p)
      n = off + len - p;
    if (!is_zero (buf + (p - off), n)) {
      if (fpdisk_prepare (d, FPDISK_PREP_WRITE_MEM, n, p) < 0)
        return -ENOMEM;
      fpdisk_write (d, buf + (p - off), n, p, FPDISK_NO_LOG);
    }
    p += n;
  }
  return 0;
}

/* The image is copied into memory and checksummed in the same pass, so
 * the checksum in the log header is that of exactly what the disk starts
 * with, even if someone changes the file later. */
int
fpconfig_load_base (struct fp_config *c, struct fpdisk *d, uint64_t *checksum)
{
  const size_t chunk = 1u << 20;
  uint8_t *buf = malloc (chunk);
  XXH3_state_t *st = XXH3_createState ();
  uint64_t off = 0;
  int ret = -1;

  assert (c->c_base_fd >= 0);
  if (!buf || !st) {
    nbdkit_error ("base: %s: out of memory", c->c_base_path);
    goto out;
  }
  XXH3_64bits_reset (st);
  while (off < c->c_base_size) {
    size_t want = c->c_base_size - off < chunk ? c->c_base_size - off : chunk;
    ssize_t r = pread (c->c_base_fd, buf, want, off);

    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      nbdkit_error ("base: read: %s at byte %" PRIu64 ": %m",
                    c->c_base_path, off);
      goto out;
    }
    if (r == 0) {
      nbdkit_error ("base: %s: shrank to %" PRIu64 " bytes while loading",
                    c->c_base_path, off);
      goto out;
    }
    XXH3_64bits_update (st, buf, r);
    if (fp_store_chunk (d, buf, r, off) < 0) {
      nbdkit_error ("base: %s: out of memory loading the image",
                    c->c_base_path);
      goto out;
    }
    off += r;
  }
  *checksum = XXH3_64bits_digest (st);
  ret = 0;
 out:
  close (c->c_base_fd);
  c->c_base_fd = -1;
  XXH3_freeState (st);
  free (buf);
  return ret;
}

/* Parse the fault= values and check them against the disk, all of them
 * together, as one command; with fs, arm them too, writing into note
 * (note_len bytes) one line per spec applied.  Errors name the values. */
int
fpconfig_faults (const struct fp_config *c, struct fpfault_set *fs,
                 char *note, size_t note_len)
{
  struct fpfault_spec specs[FPFAULT_SPECS_MAX];
  struct fpfault_set scratch;
  size_t n, used = 0;
  char err[512];

  if (!c->c_faults)
    return 0;
  if (fpfault_parse (c->c_faults, strlen (c->c_faults), specs,
                     FPFAULT_SPECS_MAX, &n, err, sizeof err) < 0) {
    nbdkit_error ("fault: %s", err);
    return -1;
  }
  fpfault_set_init (&scratch, c->c_size);
  if (fpfault_set_check (fs ? fs : &scratch, specs, n, err, sizeof err) < 0) {
    nbdkit_error ("fault: %s", err);
    return -1;
  }
  for (size_t i = 0; fs && i < n; i++) {
    char line[FP_FAULT_LINE];
    int e = fpfault_set_apply (fs, &specs[i], line, sizeof line, err,
                               sizeof err);
    assert (e == 0);            /* checked above */
    if (used < note_len)
      used += snprintf (note + used, note_len - used, "%s%s",
                        used ? "\n" : "", line);
  }
  return 0;
}

void
fpconfig_dump (void)
{
  size_t i;

  printf ("flushpoint_params=");
  for (i = 0; i < FP_NPARAMS; i++)
    printf ("%s%s", i ? "," : "", fp_params[i].pa_key);
  printf ("\n");
}

void
fpconfig_free (struct fp_config *c)
{
  if (c->c_base_fd >= 0)
    close (c->c_base_fd);
  free (c->c_log_path);
  free (c->c_base_path);
  free (c->c_faults);
  fpconfig_init (c);
}
