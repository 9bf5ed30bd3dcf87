/* wl_model: the runner's independent model of file contents.
 *
 * The oracle must not take its expected bytes from the engine it judges,
 * so the runner applies every write and truncate to this model as well and
 * hashes blocks from here.  Files are keyed by inode identity (ino,
 * generation) as the engine reports it, so names, links and renames need no
 * modelling: the engine's namespace is observed, the content is predicted.
 *
 * A file is a size and a sparse, sorted array of 4 KiB blocks; a block not
 * present reads as zeroes, and a block that becomes all zeroes is dropped,
 * so memory tracks the non-zero data written.  Invariant: no stored block
 * lies at or beyond ceil(size / 4096), and the bytes of the last block past
 * size are zero.
 */
#ifndef WL_MODEL_H
#define WL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WL_BLOCK 4096u

struct wl_mblock {
  uint64_t b_index;
  uint8_t *b_data;               /* WL_BLOCK bytes */
};

struct wl_mfile {
  uint64_t f_ino;
  uint32_t f_gen;
  uint64_t f_size;
  struct wl_mblock *f_blocks;    /* sorted by b_index */
  size_t f_n, f_cap;
};

struct wl_model {
  struct wl_mfile *m_files;
  size_t m_n, m_cap;
};

/* The file with this identity; created empty on first use.  The pointer is
 * valid until the next wl_model_get (the array may move). */
int wl_model_get (struct wl_model *m, uint64_t ino, uint32_t gen,
                  struct wl_mfile **out);
/* Look up without creating; NULL if absent. */
struct wl_mfile *wl_model_find (struct wl_model *m, uint64_t ino,
                                uint32_t gen);
int wl_model_write (struct wl_mfile *f, uint64_t off, const void *buf,
                    size_t len);
int wl_model_truncate (struct wl_mfile *f, uint64_t size);
/* fallocate(2)'s effect on the contents, for a call that succeeded (modes
 * as Linux's FALLOC_FL_*): allocation keeps the bytes and grows the size
 * unless KEEP_SIZE; PUNCH_HOLE and ZERO_RANGE make the range (within the
 * file) zeroes, ZERO_RANGE growing the size unless KEEP_SIZE;
 * COLLAPSE_RANGE removes the range and INSERT_RANGE inserts a hole, both
 * block aligned.  [*first, *end) are the blocks whose bytes may have
 * changed.  -EINVAL for a call Linux refuses (the model does not change). */
#define WL_FALLOC_KEEP_SIZE      0x01
#define WL_FALLOC_PUNCH_HOLE     0x02
#define WL_FALLOC_COLLAPSE_RANGE 0x08
#define WL_FALLOC_ZERO_RANGE     0x10
#define WL_FALLOC_INSERT_RANGE   0x20
int wl_model_fallocate (struct wl_mfile *f, int mode, uint64_t off,
                        uint64_t len, uint64_t *first, uint64_t *end);
/* Copy the bytes of block idx that lie within the file into buf
 * (WL_BLOCK bytes, zero-filled past the end); returns how many lie within
 * (0 past EOF). */
size_t wl_model_block (const struct wl_mfile *f, uint64_t idx, uint8_t *buf);
/* True when block idx holds only zero bytes (a hole or zero data). */
bool wl_model_block_is_zero (const struct wl_mfile *f, uint64_t idx);
uint64_t wl_model_nblocks (const struct wl_mfile *f);  /* ceil(size/4096) */
void wl_model_free (struct wl_model *m);

#endif /* WL_MODEL_H */
