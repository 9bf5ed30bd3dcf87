/* wl_generate: bounded exhaustive workloads in the style of CrashMonkey's
 * Ace (LANGUAGE.md, "Generated workloads", is the reference).
 *
 * Every workload is the same synced prologue followed by a sequence of k
 * steps, 1 <= k <= length; a step is one core op (wl_gen_ops, O of them)
 * then one persistence choice (wl_gen_persist, P of them, the first being
 * "nothing").  All O*P choices are taken at every step, so
 *   count(length) = sum_{k=1..length} (O*P)^k.
 * A step may be illegal in the state the earlier steps left (unlink of a
 * name already gone...): a small model of the namespace predicts that, and
 * the generator writes the errno after it as `expect`, so that every
 * workload runs to its end and the count stays a plain product.
 *
 * The seed only picks the contents: every write's pattern seed is
 * seed * 1000 + a tag (wrapping), so two seeds give the same operations
 * with different bytes.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wl.h"

/* The namespace: fixed names, each naming one of a few inodes or nothing. */
enum { N_FOO, N_BAR, N_BAZ, N_B, N_SYM, N_FIFO, N__COUNT };
/* /foo /A/bar /A/baz /B /A/sym /A/fifo */

#define WL_GEN_INODES 16         /* more than any workload makes */

struct wl_gen_ns {
  int ino[N__COUNT];             /* 0: absent; else an inode number */
  int next_ino;
  bool xattr[WL_GEN_INODES];     /* inode has user.gen */
};

/* Core ops.  %s is replaced by " seed=N" for writes. */
enum wl_gen_kind { G_DATA, G_CREAT, G_LINK, G_RENAME, G_UNLINK, G_MKDIR,
                   G_META, G_NEW, G_XSET, G_XREMOVE, G_EXCHANGE };
static const struct wl_gen_op {
  const char *text;
  enum wl_gen_kind kind;
  int a, b;                      /* names (N_*) it uses */
} wl_gen_ops[] = {
  { "pwrite /foo 0 4096%s", G_DATA, N_FOO, -1 },
  { "append /foo 4096%s", G_DATA, N_FOO, -1 },
  { "truncate /foo 2048", G_DATA, N_FOO, -1 },
  { "pwrite /A/bar 4096 4096%s", G_DATA, N_BAR, -1 },
  { "append /A/bar 4096%s", G_DATA, N_BAR, -1 },
  { "creat /A/baz", G_CREAT, N_BAZ, -1 },
  { "link /foo /A/baz", G_LINK, N_FOO, N_BAZ },
  { "rename /foo /A/baz", G_RENAME, N_FOO, N_BAZ },
  { "rename /A/bar /foo", G_RENAME, N_BAR, N_FOO },
  { "unlink /A/bar", G_UNLINK, N_BAR, -1 },
  { "mkdir /B", G_MKDIR, N_B, -1 },
  { "chmod /foo 0600", G_META, N_FOO, -1 },
  /* --ops all adds the operations of issue 14: */
  { "fallocate /foo 8192 8192", G_DATA, N_FOO, -1 },
  { "fallocate /foo 0 4096 punch_hole", G_DATA, N_FOO, -1 },
  { "fallocate /A/bar 2048 4096 zero_range", G_DATA, N_BAR, -1 },
  { "sync_file_range /foo 0 0 write", G_DATA, N_FOO, -1 },
  { "setxattr /foo user.gen 64%s", G_XSET, N_FOO, -1 },
  { "removexattr /foo user.gen", G_XREMOVE, N_FOO, -1 },
  { "symlink /foo /A/sym", G_NEW, N_SYM, -1 },
  { "mknod /A/fifo fifo", G_NEW, N_FIFO, -1 },
  { "rename /foo /A/bar exchange", G_EXCHANGE, N_FOO, N_BAR },
};
#define WL_GEN_O_CORE 12u
#define WL_GEN_O_ALL (sizeof wl_gen_ops / sizeof wl_gen_ops[0])

static unsigned
wl_gen_o (enum wl_gen_set set)
{
  return set == WL_GEN_ALL ? (unsigned) WL_GEN_O_ALL : WL_GEN_O_CORE;
}

/* Persistence choices; NULL is "nothing".  `name` is the file it opens
 * (-1: none that can be missing). */
static const struct { const char *text; int name; } wl_gen_persist[] = {
  { NULL, -1 },
  { "fsync /foo", N_FOO }, { "fdatasync /foo", N_FOO },
  { "fsync /A/bar", N_BAR }, { "fdatasync /A/bar", N_BAR },
  { "fsync /A", -1 }, { "fsync /", -1 }, { "sync", -1 },
};
#define WL_GEN_P (sizeof wl_gen_persist / sizeof wl_gen_persist[0])

uint64_t
wl_generate_count (enum wl_gen_set set, unsigned length)
{
  uint64_t total = 0, pow = 1;
  for (unsigned k = 1; k <= length; k++) {
    pow *= wl_gen_o (set) * WL_GEN_P;
    total += pow;
  }
  return total;
}

/* Apply op to the namespace; returns 0 or the errno it must fail with. */
static int
wl_gen_apply (struct wl_gen_ns *ns, const struct wl_gen_op *op)
{
  int *a = &ns->ino[op->a], *b = op->b >= 0 ? &ns->ino[op->b] : NULL;

  switch (op->kind) {
  case G_DATA: case G_META:
    return *a ? 0 : ENOENT;
  case G_NEW:                    /* symlink, mknod: the name must be free */
    if (*a)
      return EEXIST;
    *a = ns->next_ino++;
    return 0;
  case G_EXCHANGE:                /* renameat2 RENAME_EXCHANGE: both exist */
    if (!*a || !*b)
      return ENOENT;
    int t = *a;
    *a = *b;
    *b = t;
    return 0;
  case G_XSET: case G_XREMOVE:
    if (!*a)
      return ENOENT;
    assert (*a > 0 && *a < WL_GEN_INODES);
    if (op->kind == G_XREMOVE && !ns->xattr[*a])
      return ENODATA;
    ns->xattr[*a] = op->kind == G_XSET;
    return 0;
  case G_CREAT:
    if (!*a)
      *a = ns->next_ino++;
    return 0;
  case G_LINK:
    if (!*a)
      return ENOENT;
    if (*b)
      return EEXIST;
    *b = *a;
    return 0;
  case G_RENAME:
    if (!*a)
      return ENOENT;
    if (*a != *b) {              /* same inode: rename(2) does nothing */
      *b = *a;
      *a = 0;
    }
    return 0;
  case G_UNLINK:
    if (!*a)
      return ENOENT;
    *a = 0;
    return 0;
  case G_MKDIR:
    if (*a)
      return EEXIST;
    *a = -1;                     /* a directory */
    return 0;
  }
  assert (!"unreachable");
  return 0;
}

struct wl_buf {
  char *s;
  size_t n, cap;
};

static void __attribute__ ((format (printf, 2, 3)))
wl_buf_add (struct wl_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int k = vsnprintf (b->s + b->n, b->cap - b->n, fmt, ap);
  va_end (ap);
  assert (k >= 0 && (size_t) k < b->cap - b->n);   /* sized for the worst */
  b->n += (size_t) k;
}

static void
wl_gen_text (struct wl_buf *b, enum wl_gen_set set, unsigned length,
             uint64_t seed, unsigned k, const unsigned *choice, uint64_t idx,
             uint64_t total)
{
  struct wl_gen_ns ns = { .ino = { 1, 2, 0, 0 }, .next_ino = 3 };
  char sd[40];

  b->n = 0;
  wl_buf_add (b, "# Generated by `flushpoint generate --length %u --seed "
              "%llu%s`: sequence length %u, number %llu of %llu.\n", length,
              (unsigned long long) seed, set == WL_GEN_ALL ? " --ops all" : "",
              k, (unsigned long long) idx, (unsigned long long) total);
  wl_buf_add (b, "# Probes: after a synced start (/foo and /A/bar, 8 KiB "
              "each), the\n# steps below, each a core op then a "
              "persistence choice.  ext4\n# guarantees what each sync call "
              "covered (DESIGN.md section 6).\n");
  wl_buf_add (b, "mkdir /A\ncreat /foo\npwrite /foo 0 8192 seed=%llu\n"
              "creat /A/bar\npwrite /A/bar 0 8192 seed=%llu\nsync\n"
              "mark start\n", (unsigned long long) (seed * 1000 + 1),
              (unsigned long long) (seed * 1000 + 2));
  for (unsigned s = 0; s < k; s++) {
    const struct wl_gen_op *op = &wl_gen_ops[choice[2 * s]];
    unsigned p = choice[2 * s + 1];
    snprintf (sd, sizeof sd, " seed=%llu",
              (unsigned long long) (seed * 1000 + 10 + s));
    wl_buf_add (b, op->text, sd);
    wl_buf_add (b, "\n");
    int e = wl_gen_apply (&ns, op);
    if (e)
      wl_buf_add (b, "expect %s\n", wl_errno_name (e));
    if (wl_gen_persist[p].text) {
      wl_buf_add (b, "%s\n", wl_gen_persist[p].text);
      int n = wl_gen_persist[p].name;
      if (n >= 0 && !ns.ino[n])
        wl_buf_add (b, "expect ENOENT\n");
    }
  }
}

int
wl_generate_each (enum wl_gen_set set, unsigned length, uint64_t seed,
                  int (*cb) (void *ctx, const char *name, const char *text),
                  void *ctx)
{
  unsigned choice[2 * WL_GEN_MAX_LENGTH];
  char text[4096], name[48];
  struct wl_buf b = { text, 0, sizeof text };
  uint64_t total = wl_generate_count (set, length);

  if (length == 0 || length > WL_GEN_MAX_LENGTH)
    return -EINVAL;
  for (unsigned k = 1; k <= length; k++) {
    uint64_t idx = 0;
    memset (choice, 0, sizeof choice);
    /* Mixed-radix counting over (op, persist) x k, last step fastest. */
    for (;;) {
      int r;
      wl_gen_text (&b, set, length, seed, k, choice, idx, total);
      snprintf (name, sizeof name, "gen-%u-%06llu", k,
                (unsigned long long) idx);
      if ((r = cb (ctx, name, text)) != 0)
        return r;
      idx++;
      int d = (int) (2 * k) - 1;
      for (; d >= 0; d--) {
        unsigned radix = d % 2 ? WL_GEN_P : wl_gen_o (set);
        if (++choice[d] < radix)
          break;
        choice[d] = 0;
      }
      if (d < 0)
        break;
    }
  }
  return 0;
}

struct wl_gen_out {
  const char *dir;
  uint64_t count;
  char *err;
  size_t errlen;
};

static int
wl_gen_write (void *ctx, const char *name, const char *text)
{
  struct wl_gen_out *o = ctx;
  char path[4096];
  FILE *f;
  size_t len = strlen (text);
  int e = 0;

  snprintf (path, sizeof path, "%s/%s.wl", o->dir, name);
  f = fopen (path, "w");
  if (!f || fwrite (text, 1, len, f) != len)
    e = errno ? -errno : -EIO;
  if (f && fclose (f) != 0 && !e)
    e = errno ? -errno : -EIO;
  if (e) {
    snprintf (o->err, o->errlen, "%s: %s", path, strerror (-e));
    return e;
  }
  o->count++;
  return 0;
}

int
wl_generate (enum wl_gen_set set, unsigned length, uint64_t seed,
             const char *dir,
             uint64_t *count, char *errbuf, size_t errlen)
{
  struct wl_gen_out o = { dir, 0, errbuf, errlen };
  int e;

  *count = 0;
  if (length == 0 || length > WL_GEN_MAX_LENGTH) {
    snprintf (errbuf, errlen, "--length %u: must be 1 to %u", length,
              WL_GEN_MAX_LENGTH);
    return -EINVAL;
  }
  if (mkdir (dir, 0777) < 0 && errno != EEXIST) {
    e = -errno;
    snprintf (errbuf, errlen, "%s: %s", dir, strerror (-e));
    return e;
  }
  e = wl_generate_each (set, length, seed, wl_gen_write, &o);
  *count = o.count;
  return e;
}
