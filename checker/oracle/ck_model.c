/* ck_model: the oracle's ops replayed into per-file timelines (contract
 * in ck_model.h).
 *
 * Build order: ops in index order (the runner runs them one at a time), an
 * op's effects stamped with its before-mark.  Content is replayed into a
 * wl_model (the runner's own content model type, workloads/wl_model.h),
 * used only while building; after each write or truncate the touched
 * blocks' hashes are appended to their histories and the runner's block
 * hashes from the after-mark are compared with ours.  Names: a table from
 * path to identity, so that unlink, rename, chmod and utimes -- whose
 * marks name paths, not inodes -- land on the right file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "ck_model_int.h"
#include "wl_model.h"
#include "wl_pattern.h"

int
ck_md_fail (struct ck_model *m, int err, const char *fmt, ...)
{
  va_list ap;

  if (m->err && m->errlen) {
    va_start (ap, fmt);
    vsnprintf (m->err, m->errlen, fmt, ap);
    va_end (ap);
  }
  return err;
}

int
ck_md_grow (void **v, size_t *cap, size_t n, size_t sz)
{
  if (n < *cap)
    return 0;
  size_t nc = *cap ? *cap * 2 : 16;
  void *p = realloc (*v, nc * sz);
  if (!p)
    return -ENOMEM;
  *v = p;
  *cap = nc;
  return 0;
}

/* ---- files and events ---- */

struct ck_mfile *
ck_md_file (struct ck_model *m, struct ck_id id, bool is_dir, bool create)
{
  uint64_t idx;

  if (ck_map_get (&m->ids, id.ino, id.gen, &idx))
    return &m->files[idx];
  if (!create || ck_md_grow ((void **) &m->files, &m->capfiles, m->nfiles,
                          sizeof *m->files))
    return NULL;
  if (ck_map_put (&m->ids, id.ino, id.gen, m->nfiles))
    return NULL;
  struct ck_mfile *f = &m->files[m->nfiles++];
  memset (f, 0, sizeof *f);
  f->id = id;
  f->is_dir = is_dir;
  f->cur_mode = is_dir ? S_IFDIR | 0755 : S_IFREG | 0644;
  f->cur_nlink = is_dir ? 2 : 1;
  return f;
}

int
ck_md_event (struct ck_mfile *f, const struct ck_op *op, enum ck_ev_kind k,
          int64_t val)
{
  if (ck_md_grow ((void **) &f->ev, &f->capev, f->nev, sizeof *f->ev))
    return -ENOMEM;
  f->ev[f->nev++] = (struct ck_event) { op->before_seq, (uint32_t) op->index,
                                        (uint8_t) k, val };
  if (k == CK_EV_SIZE && val > 0 && (uint64_t) val > f->max_end)
    f->max_end = (uint64_t) val;
  return 0;
}

/* ---- names and directory entries ---- */

void
ck_md_split (const char *path, char *parent, size_t plen, const char **name)
{
  const char *slash = strrchr (path, '/');

  *name = slash + 1;
  if (slash == path)
    snprintf (parent, plen, "/");
  else
    snprintf (parent, plen, "%.*s", (int) (slash - path), path);
}

struct ck_name *
ck_md_name (struct ck_model *m, const char *path)
{
  uint64_t idx;

  if (!ck_map_get (&m->nmap, XXH3_64bits (path, strlen (path)), 0, &idx))
    return NULL;
  if (strcmp (m->names[idx].path, path) != 0 || !m->names[idx].present)
    return NULL;
  return &m->names[idx];
}

int
ck_md_name_set (struct ck_model *m, const char *path, struct ck_id id)
{
  uint64_t h = XXH3_64bits (path, strlen (path)), idx;

  if (ck_map_get (&m->nmap, h, 0, &idx) && strcmp (m->names[idx].path, path) == 0) {
    m->names[idx].id = id;
    m->names[idx].present = true;
    return 0;
  }
  if (ck_md_grow ((void **) &m->names, &m->capnames, m->nnames, sizeof *m->names))
    return -ENOMEM;
  char *p = strdup (path);
  if (!p || ck_map_put (&m->nmap, h, 0, m->nnames)) {
    free (p);
    return -ENOMEM;
  }
  m->names[m->nnames++] = (struct ck_name) { p, id, true };
  return 0;
}

bool
ck_md_lookup (struct ck_model *m, const char *path, struct ck_id *id)
{
  struct ck_name *n = ck_md_name (m, path);

  if (strcmp (path, "/") == 0) {
    *id = CK_ROOT;
    return true;
  }
  if (n)
    *id = n->id;
  return n != NULL;
}

struct ck_dirent *
ck_md_dirent (const struct ck_model *m, struct ck_id dir, const char *name)
{
  uint64_t idx;

  if (!ck_map_get (&m->dmap, dir.ino ^ ((uint64_t) dir.gen << 40),
                   XXH3_64bits (name, strlen (name)), &idx))
    return NULL;
  return &m->dents[idx];
}

/* Entry name in the directory that `path`'s parent names now. */
int
ck_md_dirent_set (struct ck_model *m, const struct ck_op *op, const char *path,
               struct ck_id target)
{
  char parent[4096];
  const char *name;
  struct ck_id dir;
  struct ck_dirent *d;
  struct ck_mfile *pf;

  ck_md_split (path, parent, sizeof parent, &name);
  if (!ck_md_lookup (m, parent, &dir))
    return 0;                  /* parent unknown: nothing to attribute */
  d = ck_md_dirent (m, dir, name);
  if (!d) {
    if (ck_md_grow ((void **) &m->dents, &m->capdents, m->ndents, sizeof *m->dents))
      return -ENOMEM;
    d = &m->dents[m->ndents];
    memset (d, 0, sizeof *d);
    d->dir = dir;
    d->name = strdup (name);
    if (!d->name || ck_map_put (&m->dmap, dir.ino ^ ((uint64_t) dir.gen << 40),
                                XXH3_64bits (name, strlen (name)), m->ndents))
      return -ENOMEM;
    m->ndents++;
  }
  if (ck_md_grow ((void **) &d->v, &d->cap, d->n, sizeof *d->v))
    return -ENOMEM;
  d->v[d->n++] = (struct ck_dval) { op->before_seq, (uint32_t) op->index, target };
  pf = ck_md_file (m, dir, true, false);
  if (pf) {
    int err = ck_md_event (pf, op, CK_EV_NAME, 0);
    if (!err)
      err = ck_md_event (pf, op, CK_EV_MTIME, 0);
    if (!err)
      err = ck_md_event (pf, op, CK_EV_CTIME, 0);
    return err;
  }
  return 0;
}

/* ---- content ---- */

int
ck_md_push (struct ck_model *m, struct ck_mfile *f, const struct ck_op *op,
         uint64_t b, const uint8_t *blk)
{
  uint64_t h = XXH3_64bits (blk, 4096), idx;
  struct ck_hist *hs;

  if ((b + 1) * 4096 > f->max_end)
    f->max_end = (b + 1) * 4096;

  if (!ck_map_get (&f->blocks, b, 0, &idx)) {
    if (h == m->zero4k)
      return 0;                /* zeroes over zeroes */
    if (ck_md_grow ((void **) &f->hist, &f->caphist, f->nhist, sizeof *f->hist) ||
        ck_map_put (&f->blocks, b, 0, f->nhist))
      return -ENOMEM;
    idx = f->nhist++;
    memset (&f->hist[idx], 0, sizeof f->hist[idx]);
  }
  hs = &f->hist[idx];
  if (hs->n && hs->v[hs->n - 1].h == h)
    return 0;
  if (ck_md_grow ((void **) &m->sec, &m->capsec, m->nsec + m->spb - 1,
               sizeof *m->sec))
    return -ENOMEM;
  if (hs->n == hs->cap) {
    uint32_t nc = hs->cap ? hs->cap * 2 : 2;
    struct ck_val *v = realloc (hs->v, nc * sizeof *v);
    if (!v)
      return -ENOMEM;
    hs->v = v;
    hs->cap = nc;
  }
  for (uint32_t s = 0; s < m->spb; s++)
    m->sec[m->nsec + s] = XXH3_64bits (blk + s * m->ss, m->ss);
  hs->v[hs->n++] = (struct ck_val) { op->before_seq, h, (uint32_t) m->nsec,
                                     (uint32_t) op->index };
  m->nsec += m->spb;
  return 0;
}

/* Hash blocks [first, end) of the content after op, and compare them with
 * the runner's "blocks" list (hex hashes of the bytes within EOF, zero
 * runs as counts) when the effect has one. */
int
ck_md_blocks (struct ck_model *m, struct ck_mfile *f, struct wl_mfile *c,
           const struct ck_op *op, uint64_t first, uint64_t end)
{
  json_object *list = NULL;
  uint8_t blk[4096];
  size_t li = 0;
  uint64_t run = 0, fb = first;
  int err = 0;

  if (op->effect && json_object_object_get_ex (op->effect, "blocks", &list)) {
    ck_json_u64 (op->effect, "first_block", &fb);
    if (fb != first)
      list = NULL;             /* not the range we hash: no comparison */
  }
  for (uint64_t b = first; b < end && !err; b++) {
    size_t valid = wl_model_block (c, b, blk);
    err = ck_md_push (m, f, op, b, blk);
    if (err || !list)
      continue;
    bool zero = wl_model_block_is_zero (c, b);
    if (run == 0 && li < json_object_array_length (list)) {
      json_object *x = json_object_array_get_idx (list, li++);
      if (json_object_is_type (x, json_type_int))
        run = json_object_get_uint64 (x);
      else {
        char hex[17];
        snprintf (hex, sizeof hex, "%016" PRIx64, XXH3_64bits (blk, valid));
        if (zero || strcmp (hex, json_object_get_string (x)) != 0)
          return ck_md_fail (m, -EBADMSG, "op %zu (%s): block %" PRIu64 ": the "
                          "checker's model of the file disagrees with the "
                          "runner's hash", op->index, op->wop->text, b);
        continue;
      }
    }
    if (run == 0 || !zero)
      return ck_md_fail (m, -EBADMSG, "op %zu (%s): block %" PRIu64 ": the "
                      "checker's model says %s, the runner's oracle does not",
                      op->index, op->wop->text, b, zero ? "zeroes" : "data");
    run--;
  }
  return err;
}

/* Before a truncate inside a block with data: remember the block as it
 * stands, the bytes the cut zeroes may come back (ck_model_cut_match). */
static int
md_cut (struct ck_mfile *f, struct wl_mfile *c, const struct ck_op *op,
        uint64_t size)
{
  uint64_t b = size / 4096, idx;
  struct ck_cut *cut;

  if (size % 4096 == 0 || size >= c->f_size || wl_model_block_is_zero (c, b))
    return 0;
  if (ck_md_grow ((void **) &f->cuts, &f->capcuts, f->ncuts, sizeof *f->cuts))
    return -ENOMEM;
  cut = &f->cuts[f->ncuts];
  if (!(cut->bytes = malloc (4096)))
    return -ENOMEM;
  wl_model_block (c, b, cut->bytes);
  cut->seq = op->before_seq;
  cut->block = b;
  cut->size = size;
  cut->op = (uint32_t) op->index;
  cut->vop = CK_MODEL_NO_OP;
  if (ck_map_get (&f->blocks, b, 0, &idx) && f->hist[idx].n)
    cut->vop = f->hist[idx].v[f->hist[idx].n - 1].op;
  f->ncuts++;
  return 0;
}

int
ck_md_truncate (struct ck_model *m, struct ck_mfile *f, const struct ck_op *op,
             uint64_t size)
{
  struct wl_mfile *c;
  uint8_t zero[4096] = { 0 };
  uint64_t nb = (size + 4095) / 4096;
  int err;

  if ((err = wl_model_get (&m->content, f->id.ino, f->id.gen, &c)) < 0 ||
      (err = md_cut (f, c, op, size)) < 0 ||
      (err = wl_model_truncate (c, size)) < 0)
    return err;
  for (size_t i = 0; i < f->blocks.cap && !err; i++)
    if (f->blocks.s[i].used && f->blocks.s[i].k1 >= nb)
      err = ck_md_push (m, f, op, f->blocks.s[i].k1, zero);
  if (!err && size % 4096)
    err = ck_md_blocks (m, f, c, op, size / 4096, size / 4096 + 1);
  if (!err && size != f->cur_size)
    err = ck_md_event (f, op, CK_EV_SIZE, (int64_t) size);
  if (!err)
    err = ck_md_event (f, op, CK_EV_DATA, (int64_t) (size / 4096));
  if (!err)
    err = ck_md_event (f, op, CK_EV_MTIME, 0);
  if (!err)
    err = ck_md_event (f, op, CK_EV_CTIME, 0);
  f->cur_size = size;
  return err;
}

/* After a write or a fallocate changed the content model c of f: the
 * sizes must agree, blocks [first, end) take their new values, and the
 * events say what moved (size, data from first, mtime, ctime). */
static int
md_changed (struct ck_model *m, struct ck_mfile *f, struct wl_mfile *c,
            const struct ck_op *op, uint64_t first, uint64_t end,
            uint64_t size)
{
  int err = 0;

  if (c->f_size != size)
    return ck_md_fail (m, -EBADMSG, "op %zu (%s): the checker's model has "
                       "size %" PRIu64 ", the runner's %" PRIu64, op->index,
                       op->wop->text, c->f_size, size);
  err = ck_md_blocks (m, f, c, op, first, end);
  if (!err && size != f->cur_size)
    err = ck_md_event (f, op, CK_EV_SIZE, (int64_t) size);
  if (!err && end > first)
    err = ck_md_event (f, op, CK_EV_DATA, (int64_t) first);
  if (!err)
    err = ck_md_event (f, op, CK_EV_MTIME, 0);
  if (!err)
    err = ck_md_event (f, op, CK_EV_CTIME, 0);
  f->cur_size = size;
  return err;
}

int
ck_md_write (struct ck_model *m, struct ck_mfile *f, const struct ck_op *op)
{
  uint64_t off, len, size;
  struct wl_mfile *c;
  uint8_t *buf;
  int err;

  if (ck_json_u64 (op->effect, "off", &off) < 0 ||
      ck_json_u64 (op->effect, "len", &len) < 0 ||
      ck_json_u64 (op->effect, "size", &size) < 0)
    return ck_md_fail (m, -EBADMSG, "op %zu (%s): after-mark without off, len "
                    "and size", op->index, op->wop->text);
  if (len == 0)
    return 0;
  /* A program's write: the bytes it wrote are in the log (ORACLE.md,
   * "Programs"), not a formula. */
  if (op->wop->pattern == WL_PAT_RECORDED && op->data_len != len)
    return ck_md_fail (m, -EBADMSG, "op %zu (%s): the log holds %zu bytes "
                       "of the program's write of %" PRIu64, op->index,
                       op->wop->text, op->data_len, len);
  buf = malloc (len);
  if (!buf)
    return -ENOMEM;
  if (op->wop->pattern == WL_PAT_RECORDED)
    memcpy (buf, op->data, len);
  else
    wl_pattern_fill (op->wop->pattern, op->wop->seed, off, buf, len);
  err = wl_model_get (&m->content, f->id.ino, f->id.gen, &c);
  if (!err)
    err = wl_model_write (c, off, buf, len);
  free (buf);
  return err ? err : md_changed (m, f, c, op, off / 4096,
                                 (off + len - 1) / 4096 + 1, size);
}


/* fallocate: the same change to the contents as the runner made
 * (wl_model_fallocate), then the changed blocks' new values.  ctime and
 * mtime may both change, whatever the mode: ext4_punch_hole,
 * ext4_zero_range, ext4_collapse_range and ext4_insert_range set both, and
 * this machine's ext4 (Linux 6.18) also moved mtime for a keep_size
 * allocation (workloads/falloc-keep-size-fsync.wl), where 4.10's
 * ext4_alloc_file_blocks sets ctime only. */
int
ck_md_fallocate (struct ck_model *m, struct ck_mfile *f,
                 const struct ck_op *op)
{
  uint64_t off, len, mode, size, first, end;
  struct wl_mfile *c;
  int err;

  if (ck_json_u64 (op->effect, "off", &off) < 0 ||
      ck_json_u64 (op->effect, "len", &len) < 0 ||
      ck_json_u64 (op->effect, "mode", &mode) < 0 ||
      ck_json_u64 (op->effect, "size", &size) < 0)
    return ck_md_fail (m, -EBADMSG, "op %zu (%s): after-mark without off, "
                       "len, mode and size", op->index, op->wop->text);
  if ((err = wl_model_get (&m->content, f->id.ino, f->id.gen, &c)) < 0)
    return err;
  if (wl_model_fallocate (c, (int) mode, off, len, &first, &end) < 0)
    return ck_md_fail (m, -EBADMSG, "op %zu (%s): a fallocate that Linux "
                       "refuses, recorded as a success", op->index,
                       op->wop->text);
  return md_changed (m, f, c, op, first, end, size);
}

int64_t
ck_xattr_key (const char *name)
{
  return (int64_t) (XXH3_64bits (name, strlen (name)) >> 1);
}

/* ---- queries ---- */

const struct ck_mfile *
ck_model_file (const struct ck_model *m, struct ck_id id)
{
  uint64_t idx;

  return ck_map_get (&m->ids, id.ino, id.gen, &idx) ? &m->files[idx] : NULL;
}

const struct ck_dirent *
ck_model_dirent (const struct ck_model *m, struct ck_id dir, const char *name)
{
  return ck_md_dirent (m, dir, name);
}

uint32_t ck_model_sector_size (const struct ck_model *m) { return m->ss; }
uint64_t ck_model_zero_block (const struct ck_model *m) { return m->zero4k; }
uint64_t ck_model_zero_sector (const struct ck_model *m) { return m->zerosec; }

static const struct ck_hist *
md_hist (const struct ck_mfile *f, uint64_t b)
{
  uint64_t idx;

  return ck_map_get (&f->blocks, b, 0, &idx) ? &f->hist[idx] : NULL;
}

/* Index of the first value set after `from` (values before it: the one
 * current at `from` is the one just before). */
static uint32_t
md_after (const struct ck_hist *hs, uint64_t from)
{
  uint32_t lo = 0, hi = hs->n;

  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (hs->v[mid].seq <= from)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Shared by the block and sector queries: sector < 0 means the block. */
static bool
md_match (const struct ck_model *m, const struct ck_mfile *f, uint64_t b,
          int sector, uint64_t from, uint64_t to, uint64_t h)
{
  const struct ck_hist *hs = md_hist (f, b);
  uint64_t zero = sector < 0 ? m->zero4k : m->zerosec;
  uint32_t i;

  if (!hs)
    return h == zero;
  i = md_after (hs, from);
  /* The value current at `from`: the last one set at or before it, or
   * zeroes when the block had not been written yet. */
  if (i == 0 ? h == zero
      : (sector < 0 ? hs->v[i - 1].h : m->sec[hs->v[i - 1].sec + sector]) == h)
    return true;
  for (; i < hs->n && hs->v[i].seq <= to; i++)
    if ((sector < 0 ? hs->v[i].h : m->sec[hs->v[i].sec + sector]) == h)
      return true;
  return false;
}

bool
ck_model_block_ok (const struct ck_model *m, const struct ck_mfile *f,
                   uint64_t b, uint64_t from, uint64_t to, uint64_t h)
{
  return md_match (m, f, b, -1, from, to, h);
}

bool
ck_model_sector_ok (const struct ck_model *m, const struct ck_mfile *f,
                    uint64_t b, unsigned s, uint64_t from, uint64_t to,
                    uint64_t h)
{
  return s < m->spb && md_match (m, f, b, (int) s, from, to, h);
}

bool
ck_model_block_written (const struct ck_model *m, const struct ck_mfile *f,
                        uint64_t b, uint64_t from, uint64_t to)
{
  const struct ck_hist *hs = md_hist (f, b);

  (void) m;
  for (uint32_t i = 0; hs && i < hs->n && hs->v[i].seq <= to; i++)
    if (hs->v[i].seq > from)
      return true;
  return false;
}

bool
ck_model_block_known (const struct ck_model *m, const struct ck_mfile *f,
                      uint64_t b, uint64_t to)
{
  const struct ck_hist *hs = md_hist (f, b);

  for (uint32_t i = 0; hs && i < hs->n && hs->v[i].seq <= to; i++)
    if (hs->v[i].h != m->zero4k)
      return true;
  return false;
}

/* The cut block as the recovered file shows it: up to its size rsize,
 * zeroes after.  False when the file does not reach past the cut. */
static bool
md_cut_view (const struct ck_cut *c, uint64_t b, uint64_t to, uint64_t rsize,
             uint8_t blk[4096])
{
  uint64_t len;

  if (c->block != b || c->seq > to || rsize <= c->size)
    return false;
  len = rsize - b * 4096 < 4096 ? rsize - b * 4096 : 4096;
  memcpy (blk, c->bytes, len);
  memset (blk + len, 0, 4096 - len);
  return true;
}

const struct ck_cut *
ck_model_cut_match (const struct ck_model *m, const struct ck_mfile *f,
                    uint64_t b, uint64_t to, uint64_t rsize, uint64_t h)
{
  uint8_t blk[4096];

  (void) m;
  for (size_t i = f->ncuts; i-- > 0; )
    if (md_cut_view (&f->cuts[i], b, to, rsize, blk)
        && XXH3_64bits (blk, 4096) == h)
      return &f->cuts[i];
  return NULL;
}

const struct ck_cut *
ck_model_cut_sector (const struct ck_model *m, const struct ck_mfile *f,
                     uint64_t b, unsigned s, uint64_t to, uint64_t rsize,
                     uint64_t h)
{
  uint8_t blk[4096];

  for (size_t i = f->ncuts; s < m->spb && i-- > 0; )
    if (md_cut_view (&f->cuts[i], b, to, rsize, blk)
        && XXH3_64bits (blk + s * m->ss, m->ss) == h)
      return &f->cuts[i];
  return NULL;
}
