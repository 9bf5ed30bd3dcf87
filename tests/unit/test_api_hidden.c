/* test_api_hidden: a program that links the public libfpfs may define the
 * kernel names the engine uses inside (iput, set_page_dirty, errseq_set,
 * sync_filesystem, __mark_inode_dirty, ext4_iget, trace_event) for its
 * own purposes: they neither clash at link time nor get called by the
 * engine, because libfpfs exports fpfs.h's API only (issue 17).
 *
 * If the engine's internals were global, this file would either fail to
 * link (duplicate definitions) or the engine would call these functions,
 * which count their calls; a full write / fsync / sync / unlink / umount
 * cycle must leave every count at zero. */
#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fpfs.h"

static int calls;

/* The program's own functions, with the engine's names and other
 * signatures. */
void iput (void *p);
void set_page_dirty (void *p);
int errseq_set (int a, int b);
int sync_filesystem (void);
void __mark_inode_dirty (void *p, unsigned f);
int ext4_iget (void);
void trace_event (const char *s);

void iput (void *p) { (void) p; calls++; }
void set_page_dirty (void *p) { (void) p; calls++; }
int errseq_set (int a, int b) { calls++; return a + b; }
int sync_filesystem (void) { calls++; return 0; }
void __mark_inode_dirty (void *p, unsigned f) { (void) p; (void) f; calls++; }
int ext4_iget (void) { calls++; return 0; }
void trace_event (const char *s) { (void) s; calls++; }

int
main (void)
{
  struct fpfs_bdev *bd;
  struct fpfs_mount_opts o;
  struct fpfs *fs;
  char buf[8192];
  int fd;

  memset (buf, 'x', sizeof buf);
  assert (fpfs_bdev_mem_open (64ull << 20, 512, &bd) == 0);
  assert (fpfs_mkfs (bd, NULL, NULL, 0) == 0);
  fpfs_mount_opts_init (&o);
  assert (fpfs_mount (bd, &o, &fs, NULL, 0) == 0);
  assert (fpfs_mkdir (fs, "/d", 0755) == 0);
  fd = fpfs_open (fs, "/d/f", O_CREAT | O_WRONLY, 0644);
  assert (fd >= 0);
  assert (fpfs_pwrite (fs, fd, buf, sizeof buf, 0) == (ssize_t) sizeof buf);
  assert (fpfs_fsync (fs, fd) == 0);
  assert (fpfs_pwrite (fs, fd, buf, 100, 8192) == 100);
  assert (fpfs_fdatasync (fs, fd) == 0);
  assert (fpfs_close (fs, fd) == 0);
  assert (fpfs_clock_advance (fs, 40ull * FPFS_NSEC_PER_SEC) == 0);
  assert (fpfs_rename (fs, "/d/f", "/g") == 0);
  assert (fpfs_sync (fs) == 0);
  assert (fpfs_unlink (fs, "/g") == 0);
  assert (fpfs_umount (fs) == 0);
  fpfs_bdev_close (bd);
  assert (calls == 0);
  /* Ours are still callable by name. */
  iput (NULL);
  assert (errseq_set (1, 2) == 3 && calls == 2);
  printf ("test_api_hidden: engine used none of the program's 7 functions\n");
  return 0;
}
