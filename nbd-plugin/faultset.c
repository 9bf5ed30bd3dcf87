/* faultset: the faults armed in one plugin instance, and matching each
 * request against them (semantics in faults.h).
 *
 * State: an array of armed faults in arming order (fs_faults[0..fs_n)),
 * latency per operation, and the power state.  The power goes off once,
 * when a power cut fires, and never comes back: a real device that lost
 * power has lost its volatile cache too, and what survives is the
 * checker's to decide from the log, not ours to pretend.
 *
 * Not thread-safe: the plugin serialises every call with its fault mutex.
 * Determinism: the outcome of a request depends only on the specs armed
 * and the sequence of requests matched since, never on time or threads,
 * so a single-threaded client (the runner) sees the same faults every run.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "faults.h"

/* splitmix64: the same stream for the same seed, everywhere. */
static uint64_t
fpf_splitmix (uint64_t *state)
{
  uint64_t z = (*state += UINT64_C (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
fpfault_set_init (struct fpfault_set *fs, uint64_t device_size)
{
  memset (fs, 0, sizeof *fs);
  fs->fs_next_id = 1;
  fs->fs_device_size = device_size;
}

bool
fpfault_set_idle (const struct fpfault_set *fs)
{
  if (fs->fs_n || fs->fs_power_off)
    return false;
  for (unsigned i = 0; i < FPFAULT_NOPS; i++)
    if (fs->fs_latency_ns[i])
      return false;
  return true;
}

uint64_t
fpfault_set_latency (const struct fpfault_set *fs, enum fpfault_op op)
{
  assert (op < FPFAULT_NOPS);
  return fs->fs_latency_ns[op];
}

static int
fpf_check_one (const struct fpfault_set *fs, const struct fpfault_spec *s,
               char *errbuf, size_t errlen)
{
  char text[FPFAULT_TEXT_MAX];

  if (s->s_kind != FPFAULT_ERROR && s->s_kind != FPFAULT_POWERCUT)
    return 0;
  fpfault_format (s, text, sizeof text);
  if (s->s_has_range && s->s_lo >= fs->fs_device_size) {
    snprintf (errbuf, errlen, "fault \"%s\": the range starts at byte %"
              PRIu64 ", past the end of the %" PRIu64 "-byte disk", text,
              s->s_lo, fs->fs_device_size);
    return -EINVAL;
  }
  if (fs->fs_n >= FPFAULT_MAX) {
    snprintf (errbuf, errlen, "fault \"%s\": %u faults are armed already, "
              "the most a disk can have (clear some first)", text,
              FPFAULT_MAX);
    return -ENOSPC;
  }
  return 0;
}

/* Apply every spec to a scratch copy: a command is armed whole or not at
 * all, and a `clear` early in it makes room for the specs after it. */
int
fpfault_set_check (const struct fpfault_set *fs,
                   const struct fpfault_spec *s, size_t n,
                   char *errbuf, size_t errlen)
{
  struct fpfault_set scratch = *fs;
  char note[256];

  for (size_t i = 0; i < n; i++) {
    int e = fpfault_set_apply (&scratch, &s[i], note, sizeof note, errbuf,
                               errlen);
    if (e < 0)
      return e;
  }
  return 0;
}

static void
fpf_remove (struct fpfault_set *fs, unsigned i)
{
  assert (i < fs->fs_n);
  memmove (&fs->fs_faults[i], &fs->fs_faults[i + 1],
           (fs->fs_n - i - 1) * sizeof fs->fs_faults[0]);
  fs->fs_n--;
}

static void
fpf_clear (struct fpfault_set *fs, unsigned ops, char *note, size_t notelen)
{
  int n = snprintf (note, notelen, "cleared ids=");
  bool any = false;

  for (unsigned i = 0; i < fs->fs_n; ) {
    /* A fault goes when every op it watches is being cleared. */
    if ((fs->fs_faults[i].f_spec.s_ops & ~ops) == 0) {
      if (n >= 0 && (size_t) n < notelen)
        n += snprintf (note + n, notelen - (size_t) n, "%s%u", any ? "," : "",
                       fs->fs_faults[i].f_id);
      any = true;
      fpf_remove (fs, i);
    } else
      i++;
  }
  if (!any && n >= 0 && (size_t) n < notelen)
    n += snprintf (note + n, notelen - (size_t) n, "none");
  for (unsigned i = 0; i < FPFAULT_NOPS; i++)
    if (ops & (1u << i))
      fs->fs_latency_ns[i] = 0;
  if (n >= 0 && (size_t) n < notelen)
    snprintf (note + n, notelen - (size_t) n, " latency=0 power=%s",
              fs->fs_power_off ? "off" : "on");
}

int
fpfault_set_apply (struct fpfault_set *fs, const struct fpfault_spec *s,
                   char *note, size_t notelen, char *errbuf, size_t errlen)
{
  char text[FPFAULT_TEXT_MAX];
  struct fpfault *f;
  int e;

  fpfault_format (s, text, sizeof text);
  switch (s->s_kind) {
  case FPFAULT_LATENCY:
    for (unsigned i = 0; i < FPFAULT_NOPS; i++)
      if (s->s_ops & (1u << i))
        fs->fs_latency_ns[i] = s->s_latency_ns;
    snprintf (note, notelen, "latency spec=%s", text);
    return 0;
  case FPFAULT_CLEAR:
    fpf_clear (fs, s->s_ops, note, notelen);
    return 0;
  case FPFAULT_ERROR:
  case FPFAULT_POWERCUT:
    if ((e = fpf_check_one (fs, s, errbuf, errlen)) < 0)
      return e;
    f = &fs->fs_faults[fs->fs_n++];
    memset (f, 0, sizeof *f);
    f->f_spec = *s;
    f->f_id = fs->fs_next_id++;
    f->f_rng = s->s_seed;
    snprintf (note, notelen, "armed id=%u spec=%s", f->f_id, text);
    return 0;
  }
  assert (!"unknown fault kind");
  return -EINVAL;
}

static bool
fpf_matches (const struct fpfault_spec *s, enum fpfault_op op, uint64_t off,
             uint64_t len)
{
  if (!(s->s_ops & (1u << op)))
    return false;
  if (!s->s_has_range)
    return true;
  /* A request overlaps [lo, hi); a FLUSH (no range) never does. */
  return len > 0 && off < s->s_hi && off + len > s->s_lo;
}

void
fpfault_set_match (struct fpfault_set *fs, enum fpfault_op op, uint64_t off,
                   uint64_t len, struct fpfault_hit *hit)
{
  assert (op < FPFAULT_NOPS);
  memset (hit, 0, sizeof *hit);
  if (fs->fs_power_off) {
    hit->h_errno = fs->fs_power_errno;
    hit->h_id = fs->fs_power_id;
    hit->h_power = true;
    snprintf (hit->h_text, sizeof hit->h_text, "%s", fs->fs_power_text);
    fs->fs_fired++;
    return;
  }
  /* Every fault sees every request it matches, even one that an earlier
   * fault fails: "at N" means the Nth matching request whatever the other
   * faults do.  The first to fire gives the errno; all that fire count it. */
  for (unsigned i = 0; i < fs->fs_n; ) {
    struct fpfault *f = &fs->fs_faults[i];
    const struct fpfault_spec *s = &f->f_spec;
    bool retire = false;

    if (!fpf_matches (s, op, off, len) || ++f->f_seen < s->s_at
        || (s->s_rate
            && fpf_splitmix (&f->f_rng) % FPFAULT_RATE_ONE >= s->s_rate)) {
      i++;
      continue;
    }
    f->f_fired++;
    if (!hit->h_errno) {
      hit->h_errno = s->s_errno;
      hit->h_id = f->f_id;
      fpfault_format (s, hit->h_text, sizeof hit->h_text);
    }
    if (s->s_kind == FPFAULT_POWERCUT) {
      fs->fs_power_off = true;
      fs->fs_power_errno = s->s_errno;
      fs->fs_power_id = f->f_id;
      fpfault_format (s, fs->fs_power_text, sizeof fs->fs_power_text);
      hit->h_power = hit->h_power_now = true;
      retire = true;
    } else if (s->s_times && f->f_fired == s->s_times)
      retire = true;
    if (retire)
      fpf_remove (fs, i);
    else
      i++;
  }
  if (hit->h_errno)
    fs->fs_fired++;
}

void
fpfault_set_list (const struct fpfault_set *fs, char *buf, size_t len)
{
  size_t used = 0;
  char text[FPFAULT_TEXT_MAX];

  assert (len > 0);
  buf[0] = '\0';
  for (unsigned i = 0; i < fs->fs_n + FPFAULT_NOPS; i++) {
    int n;
    if (i < fs->fs_n)
      n = fpfault_format (&fs->fs_faults[i].f_spec, text, sizeof text);
    else {
      struct fpfault_spec lat = {
        .s_kind = FPFAULT_LATENCY, .s_ops = 1u << (i - fs->fs_n),
        .s_latency_ns = fs->fs_latency_ns[i - fs->fs_n],
      };
      if (!lat.s_latency_ns)
        continue;
      n = fpfault_format (&lat, text, sizeof text);
    }
    assert (n > 0);
    if (used + (used > 0) + (size_t) n + 1 > len)
      return;                   /* only whole specs */
    used += (size_t) snprintf (buf + used, len - used, "%s%s",
                               used ? ";" : "", text);
  }
}
