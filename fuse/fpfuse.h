/* fpfuse: the engine (libfpfs) served as a FUSE file system, so that any
 * program -- and any person with ls, cat, sqlite3 -- can use a mounted
 * engine as it would use ext4.
 *
 * fpfuse_start mounts dir and serves it from one thread of its own
 * (single-threaded: every request runs the engine call of the same name
 * under one lock, in the order the kernel sends them).  The kernel is
 * told to cache nothing (direct_io, attribute and entry timeouts 0), so
 * every read, write and stat reaches the engine when the program makes
 * it: the engine's page cache, not the kernel's, decides what is dirty.
 * What FUSE does not forward -- sync(2), syncfs(2), sync_file_range(2)
 * reach no FUSE request -- the caller forwards with fpfuse_sync (run
 * --exec does it from the tracer, at the call's exit).  fpfuse.c's top
 * comment lists every operation and what it maps to.
 *
 * The engine's clock: with clock_real, a ticker advances the engine's
 * virtual clock with CLOCK_MONOTONIC (every 50 ms, and before every
 * request), so its commit timer (commit=5) and the flusher fire as they
 * would on a real machine.  A FUSE-served engine is therefore not
 * deterministic; without clock_real the clock stands still.
 */
#ifndef FPFUSE_H
#define FPFUSE_H

#include <stdbool.h>
#include <stddef.h>

#include "fpfs.h"

struct fpfuse;

struct fpfuse_opts {
  bool read_only;              /* mount -o ro: writes are EROFS */
  bool clock_real;             /* the engine's clock follows the wall */
  /* Files whose name ends with one of these (NULL-terminated; NULL:
   * none) are opened without direct_io, so that the program can map
   * them shared and writable (libfuse 3.14 cannot ask for
   * FUSE_DIRECT_IO_ALLOW_MMAP): their write(2)s still reach the engine
   * at once (no writeback cache), but stores through a mapping reach it
   * only when the kernel writes the pages back (msync, fsync, close, or
   * its own writeback).  For shared-memory files whose content is not
   * meant to survive a crash, such as SQLite's WAL index "-shm"
   * (https://www.sqlite.org/walformat.html: the wal-index is transient,
   * rebuilt from the WAL after a crash). */
  const char *const *mapped_suffixes;
};

/* SQLite's "-shm": the default list for run --exec and mount. */
extern const char *const fpfuse_default_mapped[];

/* Mount the engine fs (not owned) at dir (an existing empty directory)
 * and serve it until fpfuse_stop.  0, or -errno with errbuf saying why
 * (no /dev/fuse, dir busy ...). */
int fpfuse_start (struct fpfs *fs, const char *dir,
                  const struct fpfuse_opts *o, struct fpfuse **out,
                  char *errbuf, size_t errlen);
/* Serialise a direct engine call with the requests being served. */
void fpfuse_lock (struct fpfuse *f);
void fpfuse_unlock (struct fpfuse *f);
/* sync(2) (what 1) or syncfs(2) (what 2) on the served engine, which
 * FUSE never forwards.  The engine's return. */
int fpfuse_sync (struct fpfuse *f, int what);
/* sync_file_range(2) on the file at path (inside the served tree), which
 * FUSE never forwards either. */
int fpfuse_sync_file_range (struct fpfuse *f, const char *path, uint64_t off,
                            uint64_t nbytes, unsigned flags);
/* Has the serving loop ended (the mount was unmounted from outside, or
 * the connection aborted)? */
bool fpfuse_ended (const struct fpfuse *f);
/* Stop serving, unmount (lazily when still busy), free; the engine stays
 * mounted (the caller umounts or crashes it).  0; NULL is fine. */
int fpfuse_stop (struct fpfuse *f);
/* The number of requests served (for tests and reports). */
unsigned long fpfuse_requests (const struct fpfuse *f);

#endif /* FPFUSE_H */
