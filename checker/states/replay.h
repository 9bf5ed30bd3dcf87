/* replay: rebuild the disk image as it stood at one point of a write log.
 *
 * This is the prefix form of the crash model (DESIGN.md section 3): the image
 * holds the base (zeroes or the header's base image) with entries 0..S of
 * the log applied in order, where S is chosen by a stop rule.  It is what a
 * device that persists writes in order would hold after a power cut right
 * after entry S.  `flushpoint replay` is its command-line face.
 *
 * Stop rules (every one inclusive of the entry it names):
 * - CK_REPLAY_ALL: every good entry.  A truncated tail is skipped and
 *   reported in the result; corruption in the middle is an error.
 * - CK_REPLAY_TO_ENTRY n: entries with seq 0..n.
 * - CK_REPLAY_TO_FLUSH n: up to and including the n-th FLUSH entry, counted
 *   from 1.  n == 0 names the empty prefix: the base image alone, as it was
 *   before any request (the only way to ask for it, since entries are
 *   numbered from 0).
 * - CK_REPLAY_TO_MARK text: up to and including the first MARK entry whose
 *   payload contains text as a substring (byte-wise; a whole payload is
 *   matched by giving it all).  The first match in log order wins.
 * A stop point the log does not reach is an error (-ENOENT): replay never
 * silently writes a different point than the one asked for.
 *
 * Entries applied: WRITE writes its data; TRIM and ZERO make the range read
 * as zeroes (hole punched, or zeroes written where the file system cannot
 * punch); FLUSH, MARK and FAULT do not change the image (a FAULT records a
 * request that was failed, so it never reached the disk).
 *
 * The output is a sparse regular file of exactly device_size bytes.  It is
 * created or truncated only after the log header and the base image have
 * been checked, and removed again if replay fails, so a failed replay never
 * leaves a half-built image behind.  The output must not be the log or the
 * base image itself.
 *
 * Returns 0 or a negative errno: -EBADMSG when the log is corrupt (bad
 * header or a bad entry before the stop point), -ENOENT when the stop point
 * is not in the log, other values for unreadable or mismatched input
 * (base image size or checksum, unwritable output).  errbuf says which,
 * starting with the name of the file concerned.
 */
#ifndef CK_REPLAY_H
#define CK_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ck_replay_stop {
  CK_REPLAY_ALL,
  CK_REPLAY_TO_ENTRY,
  CK_REPLAY_TO_FLUSH,
  CK_REPLAY_TO_MARK,
};

struct ck_replay_opts {
  const char *log_path;
  const char *out_path;
  /* Base image to start from instead of the one the header names (for a
   * log whose base has moved).  Its size and XXH3-64 checksum must still
   * match the header.  NULL: the header's base path; a relative one is
   * looked up in the current directory, then beside the log. */
  const char *base_path;
  enum ck_replay_stop stop;
  uint64_t stop_n;             /* TO_ENTRY: seq; TO_FLUSH: flush count */
  const char *stop_mark;       /* TO_MARK: text to look for, non-empty */
};

struct ck_replay_result {
  uint64_t entries;            /* entries read, i.e. seq 0..entries-1 */
  uint64_t flushes;            /* FLUSH entries among them */
  uint64_t data_bytes;         /* WRITE bytes applied */
  bool truncated;              /* CK_REPLAY_ALL stopped at a truncated tail */
  char tail_msg[512];          /* the reader's message about that tail */
  char base_used[4096];        /* base image read, "" for zeroes */
};

int ck_replay_to_image (const struct ck_replay_opts *o,
                        struct ck_replay_result *res,
                        char *errbuf, size_t errlen);

#endif /* CK_REPLAY_H */
