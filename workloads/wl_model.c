/* wl_model: sparse per-inode content model for the oracle (see wl_model.h).
 * Blocks live in a sorted array found by binary search; appends, the common
 * case, insert at the end. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wl_model.h"

struct wl_mfile *
wl_model_find (struct wl_model *m, uint64_t ino, uint32_t gen)
{
  for (size_t i = 0; i < m->m_n; i++)
    if (m->m_files[i].f_ino == ino && m->m_files[i].f_gen == gen)
      return &m->m_files[i];
  return NULL;
}

int
wl_model_get (struct wl_model *m, uint64_t ino, uint32_t gen,
              struct wl_mfile **out)
{
  struct wl_mfile *f = wl_model_find (m, ino, gen);

  if (!f) {
    if (m->m_n == m->m_cap) {
      size_t cap = m->m_cap ? 2 * m->m_cap : 16;
      struct wl_mfile *n = realloc (m->m_files, cap * sizeof *n);
      if (!n)
        return -ENOMEM;
      m->m_files = n;
      m->m_cap = cap;
    }
    f = &m->m_files[m->m_n++];
    memset (f, 0, sizeof *f);
    f->f_ino = ino;
    f->f_gen = gen;
  }
  *out = f;
  return 0;
}

/* Index of the first stored block with b_index >= idx. */
static size_t
wl_model_lower (const struct wl_mfile *f, uint64_t idx)
{
  size_t lo = 0, hi = f->f_n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f->f_blocks[mid].b_index < idx)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static bool
wl_is_zero (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

static void
wl_model_drop (struct wl_mfile *f, size_t pos)
{
  free (f->f_blocks[pos].b_data);
  memmove (&f->f_blocks[pos], &f->f_blocks[pos + 1],
           (f->f_n - pos - 1) * sizeof f->f_blocks[0]);
  f->f_n--;
}

/* The stored block idx, inserted zeroed if absent. */
static int
wl_model_slot (struct wl_mfile *f, uint64_t idx, uint8_t **data)
{
  size_t pos = wl_model_lower (f, idx);

  if (pos < f->f_n && f->f_blocks[pos].b_index == idx) {
    *data = f->f_blocks[pos].b_data;
    return 0;
  }
  if (f->f_n == f->f_cap) {
    size_t cap = f->f_cap ? 2 * f->f_cap : 8;
    struct wl_mblock *n = realloc (f->f_blocks, cap * sizeof *n);
    if (!n)
      return -ENOMEM;
    f->f_blocks = n;
    f->f_cap = cap;
  }
  uint8_t *d = calloc (1, WL_BLOCK);
  if (!d)
    return -ENOMEM;
  memmove (&f->f_blocks[pos + 1], &f->f_blocks[pos],
           (f->f_n - pos) * sizeof f->f_blocks[0]);
  f->f_blocks[pos].b_index = idx;
  f->f_blocks[pos].b_data = d;
  f->f_n++;
  *data = d;
  return 0;
}

int
wl_model_write (struct wl_mfile *f, uint64_t off, const void *buf, size_t len)
{
  const uint8_t *src = buf;

  while (len > 0) {
    uint64_t idx = off / WL_BLOCK;
    size_t in = (size_t) (off % WL_BLOCK);
    size_t n = WL_BLOCK - in < len ? WL_BLOCK - in : len;
    uint8_t *d;
    if (wl_is_zero (src, n)) {
      /* Zeroes over a hole keep the hole; over data they are copied. */
      size_t pos = wl_model_lower (f, idx);
      if (pos < f->f_n && f->f_blocks[pos].b_index == idx) {
        memset (f->f_blocks[pos].b_data + in, 0, n);
        if (wl_is_zero (f->f_blocks[pos].b_data, WL_BLOCK))
          wl_model_drop (f, pos);
      }
    } else {
      int r = wl_model_slot (f, idx, &d);
      if (r)
        return r;
      memcpy (d + in, src, n);
    }
    src += n, off += n, len -= n;
  }
  if (off > f->f_size)
    f->f_size = off;
  return 0;
}

int
wl_model_truncate (struct wl_mfile *f, uint64_t size)
{
  if (size < f->f_size) {
    uint64_t keep = (size + WL_BLOCK - 1) / WL_BLOCK;
    while (f->f_n > 0 && f->f_blocks[f->f_n - 1].b_index >= keep)
      wl_model_drop (f, f->f_n - 1);
    /* Bytes past the new end of the last block become zero, so a later
     * extension reads zeroes there as POSIX requires. */
    if (size % WL_BLOCK) {
      size_t pos = wl_model_lower (f, size / WL_BLOCK);
      if (pos < f->f_n && f->f_blocks[pos].b_index == size / WL_BLOCK) {
        uint8_t *d = f->f_blocks[pos].b_data;
        memset (d + size % WL_BLOCK, 0, WL_BLOCK - size % WL_BLOCK);
        if (wl_is_zero (d, WL_BLOCK))
          wl_model_drop (f, pos);
      }
    }
  }
  f->f_size = size;
  return 0;
}

/* Zeroes over [off, end) within the file; the size does not change. */
static int
wl_model_zero (struct wl_mfile *f, uint64_t off, uint64_t end)
{
  static const uint8_t zero[WL_BLOCK];
  uint64_t size = f->f_size;

  if (end > size)
    end = size;
  while (off < end) {
    size_t n = end - off < WL_BLOCK ? (size_t) (end - off) : WL_BLOCK;
    int r = wl_model_write (f, off, zero, n);
    if (r)
      return r;
    off += n;
  }
  f->f_size = size;
  return 0;
}

/* Move every stored block at or past index from by delta blocks (collapse:
 * down, insert: up).  The array stays sorted: the order of the moved
 * blocks is kept and nothing is left between. */
static void
wl_model_shift (struct wl_mfile *f, uint64_t from, uint64_t delta, bool up)
{
  for (size_t i = wl_model_lower (f, from); i < f->f_n; i++)
    f->f_blocks[i].b_index = up ? f->f_blocks[i].b_index + delta
                                : f->f_blocks[i].b_index - delta;
}

int
wl_model_fallocate (struct wl_mfile *f, int mode, uint64_t off, uint64_t len,
                    uint64_t *first, uint64_t *end)
{
  const bool keep = mode & WL_FALLOC_KEEP_SIZE;
  uint64_t old_nb = wl_model_nblocks (f);
  int r = 0;

  *first = *end = off / WL_BLOCK;
  switch (mode & ~WL_FALLOC_KEEP_SIZE) {
  case 0:                          /* allocation: the contents stay */
    if (!keep && off + len > f->f_size)
      f->f_size = off + len;
    return 0;
  case WL_FALLOC_PUNCH_HOLE:
  case WL_FALLOC_ZERO_RANGE:
    if (!keep && (mode & WL_FALLOC_ZERO_RANGE) && off + len > f->f_size)
      f->f_size = off + len;
    r = wl_model_zero (f, off, off + len);
    *end = (off + len + WL_BLOCK - 1) / WL_BLOCK;
    break;
  case WL_FALLOC_COLLAPSE_RANGE:
  case WL_FALLOC_INSERT_RANGE:
    if (keep || off % WL_BLOCK || len % WL_BLOCK || len == 0)
      return -EINVAL;              /* Linux refuses these: never applied */
    if (mode & WL_FALLOC_COLLAPSE_RANGE) {
      if (off + len >= f->f_size)
        return -EINVAL;
      for (size_t pos = wl_model_lower (f, off / WL_BLOCK);
           pos < f->f_n && f->f_blocks[pos].b_index < (off + len) / WL_BLOCK;)
        wl_model_drop (f, pos);
      wl_model_shift (f, (off + len) / WL_BLOCK, len / WL_BLOCK, false);
      f->f_size -= len;
    } else {
      if (off >= f->f_size)
        return -EINVAL;
      wl_model_shift (f, off / WL_BLOCK, len / WL_BLOCK, true);
      f->f_size += len;
    }
    *end = wl_model_nblocks (f) > old_nb ? wl_model_nblocks (f) : old_nb;
    return 0;
  default:
    return -EINVAL;
  }
  if (*end > wl_model_nblocks (f))
    *end = wl_model_nblocks (f);
  if (*end < *first)
    *end = *first;
  return r;
}

uint64_t
wl_model_nblocks (const struct wl_mfile *f)
{
  return (f->f_size + WL_BLOCK - 1) / WL_BLOCK;
}

size_t
wl_model_block (const struct wl_mfile *f, uint64_t idx, uint8_t *buf)
{
  size_t valid;
  size_t pos = wl_model_lower (f, idx);

  if (idx >= wl_model_nblocks (f))
    valid = 0;
  else if (idx == f->f_size / WL_BLOCK)
    valid = (size_t) (f->f_size % WL_BLOCK);
  else
    valid = WL_BLOCK;
  if (pos < f->f_n && f->f_blocks[pos].b_index == idx)
    memcpy (buf, f->f_blocks[pos].b_data, WL_BLOCK);
  else
    memset (buf, 0, WL_BLOCK);
  return valid;
}

bool
wl_model_block_is_zero (const struct wl_mfile *f, uint64_t idx)
{
  size_t pos = wl_model_lower (f, idx);
  /* Stored blocks are never all-zero (see wl_model_write/truncate). */
  return !(pos < f->f_n && f->f_blocks[pos].b_index == idx);
}

void
wl_model_free (struct wl_model *m)
{
  for (size_t i = 0; i < m->m_n; i++) {
    struct wl_mfile *f = &m->m_files[i];
    for (size_t k = 0; k < f->f_n; k++)
      free (f->f_blocks[k].b_data);
    free (f->f_blocks);
  }
  free (m->m_files);
  memset (m, 0, sizeof *m);
}
