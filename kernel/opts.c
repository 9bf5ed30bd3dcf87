/* opts: the engine's mount option names mapped to what mkfs and mount(2)
 * take for a kernel file system.
 *
 * One table lists every engine option (engine/options.c) with the file
 * systems that have it; parsing walks the table, so an option is either
 * mapped or refused with a reason naming it and the file system.  Later
 * options override earlier ones, as in the engine; consistency
 * (nojournal with data=) is checked once all are read.
 *
 * What each file system gets (tested on Linux 6.18, see
 * docs/DESIGN-NOTES.md "Kernel backend"):
 *   ext4  data=MODE,barrier|nobarrier,commit=N,noinit_itable;
 *         nojournal: mkfs -O ^has_journal, and no data= (the kernel
 *         refuses any data= without a journal) nor commit=
 *   xfs   no mount option (barrier/nobarrier became no-ops in 4.10,
 *         commit 4cf4573 "xfs: deprecate barrier/nobarrier mount option",
 *         and were removed in 4.19, commit 1c02d502); nobarrier is
 *         emulated below the file system instead: the recording loop
 *         device's queue/write_cache is set to "write through", so the
 *         block layer strips every PREFLUSH and FUA and sends no FLUSH
 *         (what xfs nobarrier did before 4.10, and what a device that
 *         lies about its cache does); no data=, no commit=
 *   btrfs barrier|nobarrier,commit=N,nodiscard (nodiscard: otherwise
 *         btrfs turns on discard=async for non-rotational devices and
 *         trims in the background)
 *   all   lazytime -> MS_LAZYTIME, ro -> MS_RDONLY
 * noinit_itable: mkfs zeroes the inode tables (lazy_itable_init=0), and
 * no ext4lazyinit thread writes behind the workload's back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "kfs_int.h"

enum kopt_id {
  KO_DATA, KO_NOJOURNAL, KO_JOURNAL, KO_BARRIER, KO_NOBARRIER,
  KO_LAZYTIME, KO_NOLAZYTIME, KO_RO, KO_RW, KO_COMMIT, KO_ENGINE_ONLY,
};

enum kopt_arg { KA_NONE, KA_UINT, KA_WORD, KA_BOOL /* bare or =0|1 */ };

#define M_EXT4 (1u << KFS_EXT4)
#define M_XFS (1u << KFS_XFS)
#define M_BTRFS (1u << KFS_BTRFS)
#define M_ALL (M_EXT4 | M_XFS | M_BTRFS)

struct kopt_desc {
  const char *name;
  enum kopt_id id;
  enum kopt_arg arg;
  unsigned fs_mask;              /* the file systems that have it */
};

static const struct kopt_desc kopt_table[] = {
  { "data", KO_DATA, KA_WORD, M_EXT4 },
  { "nojournal", KO_NOJOURNAL, KA_NONE, M_EXT4 },
  { "journal", KO_JOURNAL, KA_NONE, M_ALL },
  { "barrier", KO_BARRIER, KA_BOOL, M_ALL },
  { "nobarrier", KO_NOBARRIER, KA_NONE, M_ALL },
  { "lazytime", KO_LAZYTIME, KA_NONE, M_ALL },
  { "nolazytime", KO_NOLAZYTIME, KA_NONE, M_ALL },
  { "ro", KO_RO, KA_NONE, M_ALL },
  { "rw", KO_RW, KA_NONE, M_ALL },
  { "commit", KO_COMMIT, KA_UINT, M_EXT4 | M_BTRFS },
  { "bug", KO_ENGINE_ONLY, KA_WORD, 0 },
  { "seed", KO_ENGINE_ONLY, KA_UINT, 0 },
  { "dirty_limit", KO_ENGINE_ONLY, KA_UINT, 0 },
};

static const char *const data_names[] = { "ordered", "writeback", "journal" };

#define COMMIT_MAX_S 86400u      /* the engine's limit */

struct kopt_state {
  unsigned data;                 /* index in data_names */
  bool data_given;               /* data= other than ordered was asked */
  char data_tok[128];
  bool nojournal, nobarrier, lazytime, ro;
  unsigned commit;               /* 0: the file system's default */
};

/* Why file system t does not take option d (tok as the caller wrote it). */
static int
absent (const struct kopt_desc *d, const char *tok, enum kfs_type t,
        char *errbuf, size_t errlen)
{
  const char *fs = kfs_type_name (t);

  if (d->id == KO_ENGINE_ONLY)
    return kfs_err (errbuf, errlen, -EINVAL, "%s: engine-only option "
                    "(%s has no such mount option)", tok, fs);
  if (d->id == KO_NOJOURNAL)
    return kfs_err (errbuf, errlen, -EINVAL, "%s: %s has no such option "
                    "(%s)", tok, fs, t == KFS_BTRFS
                    ? "copy-on-write, no journal to turn off"
                    : "it always journals");
  return kfs_err (errbuf, errlen, -EINVAL, "%s: %s has no such mount option",
                  tok, fs);
}

static int
apply (const struct kopt_desc *d, const char *val, const char *tok,
       enum kfs_type t, struct kopt_state *st, char *errbuf, size_t errlen)
{
  const char *fs = kfs_type_name (t);
  unsigned long long n = 0;

  if (d->arg == KA_NONE && val)
    return kfs_err (errbuf, errlen, -EINVAL, "%s: %s: takes no value", tok, fs);
  if ((d->arg == KA_UINT || d->arg == KA_WORD) && (val == NULL || !*val))
    return kfs_err (errbuf, errlen, -EINVAL, "%s: %s: needs a value", tok, fs);
  if (d->arg == KA_UINT) {
    char *end;
    errno = 0;
    n = strtoull (val, &end, 10);
    if (errno || *end || val[0] == '-')
      return kfs_err (errbuf, errlen, -EINVAL, "%s: %s: not a number", tok, fs);
  }
  if (!(d->fs_mask & (1u << t)))
    return absent (d, tok, t, errbuf, errlen);

  switch (d->id) {
  case KO_DATA:
    for (size_t i = 0; i < sizeof data_names / sizeof data_names[0]; i++)
      if (strcmp (val, data_names[i]) == 0) {
        st->data = (unsigned) i;
        st->data_given = i != 0;
        snprintf (st->data_tok, sizeof st->data_tok, "%s", tok);
        return 0;
      }
    return kfs_err (errbuf, errlen, -EINVAL,
                    "%s: %s: want ordered, writeback or journal", tok, fs);
  case KO_NOJOURNAL: st->nojournal = true; return 0;
  case KO_JOURNAL: st->nojournal = false; return 0;
  case KO_BARRIER:
    if (val && strcmp (val, "0") && strcmp (val, "1"))
      return kfs_err (errbuf, errlen, -EINVAL,
                      "%s: %s: want barrier, barrier=0 or barrier=1", tok, fs);
    st->nobarrier = val && strcmp (val, "0") == 0;
    return 0;
  case KO_NOBARRIER: st->nobarrier = true; return 0;
  case KO_LAZYTIME: st->lazytime = true; return 0;
  case KO_NOLAZYTIME: st->lazytime = false; return 0;
  case KO_RO: st->ro = true; return 0;
  case KO_RW: st->ro = false; return 0;
  case KO_COMMIT:
    if (n > COMMIT_MAX_S)
      return kfs_err (errbuf, errlen, -EINVAL, "%s: %s: commit interval too "
                      "long (at most %u s)", tok, fs, COMMIT_MAX_S);
    st->commit = (unsigned) n;
    return 0;
  case KO_ENGINE_ONLY:
    break;
  }
  return absent (d, tok, t, errbuf, errlen);
}

static int
parse_all (enum kfs_type t, const char *text, struct kopt_state *st,
           char *errbuf, size_t errlen)
{
  char *copy, *save = NULL;
  int ret = 0;

  if (text == NULL || !*text)
    return 0;
  copy = strdup (text);
  if (copy == NULL)
    return kfs_err (errbuf, errlen, -ENOMEM, "mount options: out of memory");
  for (char *tok = strtok_r (copy, ",", &save); tok && !ret;
       tok = strtok_r (NULL, ",", &save)) {
    char shown[128], *val = strchr (tok, '=');
    const struct kopt_desc *d = NULL;

    snprintf (shown, sizeof shown, "%s", tok);
    if (val)
      *val++ = '\0';
    for (size_t i = 0; i < sizeof kopt_table / sizeof kopt_table[0]; i++)
      if (strcmp (kopt_table[i].name, tok) == 0)
        d = &kopt_table[i];
    if (d == NULL)
      ret = kfs_err (errbuf, errlen, -EINVAL, "%s: unknown mount option for "
                     "%s (engine names: data=, nojournal, barrier, nobarrier, "
                     "lazytime, commit=, ro)", shown, kfs_type_name (t));
    else
      ret = apply (d, val, shown, t, st, errbuf, errlen);
  }
  free (copy);
  return ret;
}

/* Fill o from a consistent state. */
static int
emit (enum kfs_type t, const struct kopt_state *st, struct kfs_opts *o)
{
  const struct kfs_fs_desc *fs = kfs_fs_desc (t);
  const char *bar = st->nobarrier ? "nobarrier" : "barrier";
  unsigned commit = st->commit ? st->commit : fs->commit_default;
  struct kfs_str data, canon, mk;

  kfs_str_init (&data, o->data, sizeof o->data);
  kfs_str_init (&canon, o->canon, sizeof o->canon);
  kfs_str_init (&mk, o->mkfs_extra, sizeof o->mkfs_extra);
  switch (t) {
  case KFS_EXT4:
    if (st->nojournal) {
      kfs_str_add (&mk, "-O ^has_journal");
      kfs_str_add (&data, "%s,noinit_itable", bar);
      kfs_str_add (&canon, "nojournal,%s", bar);
    }
    else {
      kfs_str_add (&data, "data=%s,%s,commit=%u,noinit_itable",
                   data_names[st->data], bar, commit);
      kfs_str_add (&canon, "data=%s,%s", data_names[st->data], bar);
    }
    break;
  case KFS_XFS:
    kfs_str_add (&canon, "%s", bar);
    o->write_through = st->nobarrier;
    break;
  case KFS_BTRFS:
    kfs_str_add (&data, "%s,commit=%u,nodiscard", bar, commit);
    kfs_str_add (&canon, "%s", bar);
    break;
  }
  if (st->lazytime)
    kfs_str_add (&canon, ",lazytime");
  if (st->ro)
    kfs_str_add (&canon, ",ro");
  if (fs->commit_default && !(t == KFS_EXT4 && st->nojournal))
    kfs_str_add (&canon, ",commit=%u", commit);
  o->type = t;
  o->flags = (st->lazytime ? MS_LAZYTIME : 0) | (st->ro ? MS_RDONLY : 0);
  return data.over || canon.over || mk.over ? -ERANGE : 0;
}

int
kfs_opts_parse (enum kfs_type t, const char *engine_opts,
                struct kfs_opts *o, char *errbuf, size_t errlen)
{
  struct kopt_state st;
  int ret;

  memset (o, 0, sizeof *o);
  memset (&st, 0, sizeof st);
  if (kfs_fs_desc (t) == NULL)
    return kfs_err (errbuf, errlen, -EINVAL, "mount options: file system "
                    "type %d out of range", (int) t);
  ret = parse_all (t, engine_opts, &st, errbuf, errlen);
  if (ret)
    return ret;
  if (st.nojournal && st.data_given)
    return kfs_err (errbuf, errlen, -EINVAL, "%s: ext4 without a journal "
                    "(nojournal) has no data= mode (the kernel refuses it)",
                    st.data_tok);
  ret = emit (t, &st, o);
  if (ret)
    return kfs_err (errbuf, errlen, ret, "mount options: %s: too long",
                    engine_opts);
  return 0;
}
