/* blocks: a file's per-4 KiB block hashes in the oracle's encoding
 * (workloads/ORACLE.md, "State objects"), shared by `flushpoint ls
 * --hash=blocks` (hashes of an image's file) and `flushpoint log promises`
 * (the hashes a sync's mark recorded), so the two print the same lines and
 * a human can diff an image against a mark.
 *
 * Encoding: one element per 4096-byte block from block_start: 16 lowercase
 * hex digits, the XXH3-64 (seed 0) of the block's bytes within the file's
 * size (a last partial block over its valid bytes only), or an integer n:
 * the next n blocks hold only zero bytes.  Text, one line per run:
 *     block 3 8d3f0a4c19e2b771
 *     blocks 4-9 zeroes
 */
#ifndef CLI_BLOCKS_H
#define CLI_BLOCKS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fpfs.h"

struct cli_blocks {
  json_object *bl_list;         /* the encoding, built block by block */
  uint64_t bl_zeros;            /* a run of zero blocks not yet added */
};

void cli_blocks_init (struct cli_blocks *b);
/* Add the next block: its bytes within the file's size (valid <= 4096). */
void cli_blocks_add (struct cli_blocks *b, const uint8_t *buf, size_t valid);
/* Finish; returns the list (the caller owns it). */
json_object *cli_blocks_end (struct cli_blocks *b);
/* Print a list (ours or a mark's) as text lines, each starting with
 * indent.  A list that is not the encoding prints "(not a block list)". */
void cli_blocks_print (FILE *out, const char *indent, json_object *list,
                       uint64_t block_start);

/* Of a regular file of a mounted image, read through the engine: the
 * XXH3-64 of its whole contents; its block list.  0 or -errno (-EIO when
 * it reads shorter than size). */
int cli_hash_file (struct fpfs *fs, const char *path, uint64_t size,
                   uint64_t *out);
int cli_blocks_of_file (struct fpfs *fs, const char *path, uint64_t size,
                        json_object **out);

#endif /* CLI_BLOCKS_H */
