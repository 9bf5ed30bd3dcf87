/* test_ck_oracle: building synthetic oracles for the rules' unit tests
 * (header only, shared by test_ck_rules.c and test_ck_findings.c).
 *
 * A test writes a log whose MARK entries are oracle JSON built the way
 * workloads/ORACLE.md describes, with the real block hashes of the
 * patterns; judge() loads it (ck_oracle_load, ck_model_build) and judges
 * a hand-made recovered view whose file contents come from fake_pread.
 */
#ifndef TEST_CK_ORACLE_H
#define TEST_CK_ORACLE_H

#include <sys/stat.h>
#include <xxhash.h>

#include "test_ck_util.h"
#include "ck_model.h"
#include "ck_oracle.h"
#include "ck_rules.h"
#include "wl_pattern.h"

/* ---- building oracle marks ---- */

static json_object *
mk (const char *kind)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "v", json_object_new_int (1));
  json_object_object_add (o, "kind", json_object_new_string (kind));
  return o;
}

static uint64_t
emit (struct tl *t, json_object *o)
{
  const char *s = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN);
  uint64_t seq = tl_mark (t, s);
  json_object_put (o);
  return seq;
}

static void
emit_run (struct tl *t, const char *text, size_t nops, const char *mount)
{
  json_object *o = mk ("run");
  json_object_object_add (o, "workload", json_object_new_string ("t"));
  json_object_object_add (o, "ops", json_object_new_int64 ((int64_t) nops));
  json_object_object_add (o, "text", json_object_new_string (text));
  json_object_object_add (o, "persist", json_object_new_string ("fsync"));
  json_object_object_add (o, "mount", json_object_new_string (mount));
  json_object_object_add (o, "seed", json_object_new_int (0));
  emit (t, o);
  emit (t, mk ("ready"));
}

static uint64_t
emit_before (struct tl *t, int op)
{
  json_object *o = mk ("before");
  json_object_object_add (o, "op", json_object_new_int (op));
  return emit (t, o);
}

static json_object *
after (int op, int ret)
{
  json_object *o = mk ("after");
  json_object_object_add (o, "op", json_object_new_int (op));
  json_object_object_add (o, "ret", json_object_new_int (ret));
  json_object_object_add (o, "errno", NULL);
  return o;
}

static json_object *
ident (uint64_t ino)
{
  json_object *e = json_object_new_object ();
  json_object_object_add (e, "ino", json_object_new_int64 ((int64_t) ino));
  json_object_object_add (e, "gen", json_object_new_int (1));
  return e;
}

static void
hex (uint64_t h, char out[17])
{
  snprintf (out, 17, "%016" PRIx64, h);
}

/* Content of a file written by pwrite patterns, for hashes and reads. */
struct file {
  uint8_t d[65536];
  uint64_t size;
};

static void
fpwrite (struct file *f, uint64_t seed, uint64_t off, uint64_t len)
{
  wl_pattern_fill (WL_PAT_XORSHIFT, seed, off, f->d + off, len);
  if (off + len > f->size)
    f->size = off + len;
}

static json_object *
blocks (const struct file *f, uint64_t first, uint64_t end)
{
  json_object *a = json_object_new_array ();
  char h[17];
  for (uint64_t b = first; b < end; b++) {
    uint64_t valid = f->size - b * 4096 < 4096 ? f->size - b * 4096 : 4096;
    hex (XXH3_64bits (f->d + b * 4096, valid), h);
    json_object_array_add (a, json_object_new_string (h));
  }
  return a;
}

static json_object *
write_effect (uint64_t ino, const struct file *f, uint64_t off, uint64_t len)
{
  json_object *e = ident (ino);
  json_object_object_add (e, "size", json_object_new_int64 ((int64_t) f->size));
  json_object_object_add (e, "first_block", json_object_new_int64 ((int64_t) (off / 4096)));
  json_object_object_add (e, "blocks", blocks (f, off / 4096, (off + len + 4095) / 4096));
  json_object_object_add (e, "off", json_object_new_int64 ((int64_t) off));
  json_object_object_add (e, "len", json_object_new_int64 ((int64_t) len));
  return e;
}

static json_object *
file_state (const char *path, uint64_t ino, const struct file *f,
            int64_t mtime_ns)
{
  json_object *o = ident (ino), *t;
  json_object_object_add (o, "type", json_object_new_string ("file"));
  json_object_object_add (o, "path", json_object_new_string (path));
  json_object_object_add (o, "mode", json_object_new_int (S_IFREG | 0644));
  json_object_object_add (o, "nlink", json_object_new_int (1));
  json_object_object_add (o, "size", json_object_new_int64 ((int64_t) f->size));
  for (int k = 0; k < 2; k++) {
    t = json_object_new_array ();
    json_object_array_add (t, json_object_new_int (0));
    json_object_array_add (t, json_object_new_int64 (mtime_ns));
    json_object_object_add (o, k ? "ctime" : "mtime", t);
  }
  json_object_object_add (o, "block_start", json_object_new_int (0));
  json_object_object_add (o, "blocks", blocks (f, 0, (f->size + 4095) / 4096));
  return o;
}

static void
add_sync (json_object *a, const char *call, json_object *obj)
{
  json_object *s = json_object_new_object (), *st = json_object_new_array ();
  json_object_array_add (st, obj);
  json_object_object_add (s, "call", json_object_new_string (call));
  json_object_object_add (s, "state", st);
  json_object_object_add (a, "sync", s);
}

/* ---- recovered views and their reader ---- */

struct rfile {
  const char *path;
  const struct file *f;
};
static struct rfile rfiles[8];
static size_t nrfiles;

static uint64_t fake_pread_bytes;   /* asked for, over all calls */

static long
fake_pread (void *ctx, const char *path, void *buf, size_t len, uint64_t off)
{
  (void) ctx;
  fake_pread_bytes += len;
  for (size_t i = 0; i < nrfiles; i++)
    if (strcmp (rfiles[i].path, path) == 0) {
      const struct file *f = rfiles[i].f;
      if (off >= f->size)
        return 0;
      size_t n = f->size - off < len ? f->size - off : len;
      memcpy (buf, f->d + off, n);
      return (long) n;
    }
  return -ENOENT;
}

static struct fpfs_stat
st_of (uint64_t ino, uint32_t mode, uint64_t size, int64_t mtime_ns)
{
  struct fpfs_stat st = { .ino = ino, .generation = 1, .mode = mode,
                          .nlink = S_ISDIR (mode) ? 2 : 1, .size = size };
  st.mtime.nsec = st.ctime.nsec = (uint32_t) mtime_ns;
  return st;
}

/* A view: "/" holding the given files (all in the root). */
static void
view_root (struct ck_view *v, size_t n, const char *const *names,
           const uint64_t *inos, const struct fpfs_stat *sts)
{
  struct fpfs_stat rs = st_of (2, S_IFDIR | 0755, 4096, 0);
  uint32_t root, nodes[8];
  char path[64];

  memset (v, 0, sizeof *v);
  assert (ck_view_add_node (v, CK_ROOT, &rs, "/", &root) == 0);
  for (size_t i = 0; i < n; i++) {
    snprintf (path, sizeof path, "/%s", names[i]);
    assert (ck_view_add_node (v, (struct ck_id) { inos[i], 1 }, &sts[i], path,
                              &nodes[i]) == 0);
  }
  assert (ck_view_set_entries (v, root, n, names, nodes) == 0);
}

struct judged {
  struct ck_state_result res;
};

static void
judge (const char *log, const struct ck_rules_opts *ro, uint64_t end,
       const struct ck_view *v, struct ck_state_result *res)
{
  struct fplog_reader *rd;
  struct ck_oracle *o;
  struct ck_model *m;
  struct ck_fsread fr = { fake_pread, NULL, NULL };
  char err[512];

  assert (fplog_reader_open (log, &rd, err, sizeof err) == 0);
  if (ck_oracle_load (rd, &o, err, sizeof err) != 0 ||
      ck_model_build (o, 512, &m, err, sizeof err) != 0) {
    fprintf (stderr, "oracle/model: %s\n", err);
    abort ();
  }
  ck_result_init (res);
  assert (ck_rules_check (o, m, ro, end, v, &fr, res) == 0);
  ck_model_free (m);
  ck_oracle_free (o);
  fplog_reader_close (rd);
}

static void
dump (const struct ck_state_result *r)
{
  for (size_t i = 0; i < r->nf; i++)
    fprintf (stderr, "    %s %s %s: %s [since: %s]\n",
             r->f[i].violation ? "VIOLATION" : "lost", ck_prop_name (r->f[i].prop),
             r->f[i].path, r->f[i].msg, r->f[i].since ? r->f[i].since : "-");
}

static size_t
count (const struct ck_state_result *r, enum ck_prop p, bool violation)
{
  size_t n = 0;
  for (size_t i = 0; i < r->nf; i++)
    n += r->f[i].prop == p && r->f[i].violation == violation;
  return n;
}

#endif /* TEST_CK_ORACLE_H */
