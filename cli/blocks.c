/* blocks: per-block hashes in the oracle's encoding (contract in
 * blocks.h). */
#define XXH_STATIC_LINKING_ONLY   /* XXH3_state_t */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "blocks.h"

void
cli_blocks_init (struct cli_blocks *b)
{
  b->bl_list = json_object_new_array ();
  b->bl_zeros = 0;
}

static bool
blocks_is_zero (const uint8_t *p, size_t n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

void
cli_blocks_add (struct cli_blocks *b, const uint8_t *buf, size_t valid)
{
  char hex[17];

  if (blocks_is_zero (buf, valid)) {
    b->bl_zeros++;
    return;
  }
  if (b->bl_zeros) {
    json_object_array_add (b->bl_list,
                           json_object_new_int64 ((int64_t) b->bl_zeros));
    b->bl_zeros = 0;
  }
  snprintf (hex, sizeof hex, "%016" PRIx64, XXH3_64bits (buf, valid));
  json_object_array_add (b->bl_list, json_object_new_string (hex));
}

json_object *
cli_blocks_end (struct cli_blocks *b)
{
  json_object *l = b->bl_list;

  if (b->bl_zeros)
    json_object_array_add (l, json_object_new_int64 ((int64_t) b->bl_zeros));
  b->bl_list = NULL;
  b->bl_zeros = 0;
  return l;
}

void
cli_blocks_print (FILE *out, const char *indent, json_object *list,
                  uint64_t block_start)
{
  uint64_t b = block_start;

  if (!json_object_is_type (list, json_type_array)) {
    fprintf (out, "%s(not a block list)\n", indent);
    return;
  }
  for (size_t i = 0; i < json_object_array_length (list); i++) {
    json_object *x = json_object_array_get_idx (list, i);
    if (json_object_is_type (x, json_type_int)) {
      int64_t n = json_object_get_int64 (x);
      if (n <= 0) {
        fprintf (out, "%s(not a block list)\n", indent);
        return;
      }
      if (n == 1)
        fprintf (out, "%sblock %" PRIu64 " zeroes\n", indent, b);
      else
        fprintf (out, "%sblocks %" PRIu64 "-%" PRIu64 " zeroes\n", indent, b,
                 b + (uint64_t) n - 1);
      b += (uint64_t) n;
    }
    else if (json_object_is_type (x, json_type_string)) {
      fprintf (out, "%sblock %" PRIu64 " %s\n", indent, b,
               json_object_get_string (x));
      b++;
    }
    else {
      fprintf (out, "%s(not a block list)\n", indent);
      return;
    }
  }
}

/* ---- reading a file of an image ---- */

#define CLI_HASH_CHUNK (64u << 10)

int
cli_hash_file (struct fpfs *fs, const char *path, uint64_t size, uint64_t *out)
{
  XXH3_state_t *st = XXH3_createState ();
  uint8_t *buf = malloc (CLI_HASH_CHUNK);
  uint64_t off = 0;
  int fd = -1, ret = 0;

  if (!st || !buf) {
    ret = -ENOMEM;
    goto out;
  }
  XXH3_64bits_reset (st);
  fd = fpfs_open (fs, path, O_RDONLY, 0);
  if (fd < 0) {
    ret = fd;
    goto out;
  }
  while (off < size) {
    size_t want = size - off < CLI_HASH_CHUNK ? (size_t) (size - off)
                                             : CLI_HASH_CHUNK;
    ssize_t got = fpfs_pread (fs, fd, buf, want, off);
    if (got < 0) {
      ret = (int) got;
      goto out;
    }
    if (got == 0) {
      ret = -EIO;               /* shorter than its size: say so */
      goto out;
    }
    XXH3_64bits_update (st, buf, (size_t) got);
    off += (uint64_t) got;
  }
  *out = XXH3_64bits_digest (st);
out:
  if (fd >= 0)
    fpfs_close (fs, fd);
  free (buf);
  XXH3_freeState (st);
  return ret;
}

int
cli_blocks_of_file (struct fpfs *fs, const char *path, uint64_t size,
                    json_object **out)
{
  struct cli_blocks b;
  uint8_t buf[4096];
  int fd = fpfs_open (fs, path, O_RDONLY, 0), ret = 0;

  *out = NULL;
  if (fd < 0)
    return fd;
  cli_blocks_init (&b);
  for (uint64_t off = 0; off < size; off += 4096) {
    size_t want = size - off < 4096 ? (size_t) (size - off) : 4096, have = 0;
    while (have < want) {
      ssize_t got = fpfs_pread (fs, fd, buf + have, want - have, off + have);
      if (got <= 0) {
        ret = got < 0 ? (int) got : -EIO;  /* shorter than its size */
        break;
      }
      have += (size_t) got;
    }
    if (ret)
      break;
    cli_blocks_add (&b, buf, want);
  }
  fpfs_close (fs, fd);
  *out = cli_blocks_end (&b);
  if (ret) {
    json_object_put (*out);
    *out = NULL;
  }
  return ret;
}
