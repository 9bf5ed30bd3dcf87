/* fuzz_mount: libFuzzer target for mount (journal recovery), a few reads
 * and writes, and fsck, on corrupted images.
 *
 * Build (clang only):  CC=clang cmake -S . -B build-fuzz -DFP_FUZZ=ON
 *                      cmake --build build-fuzz --target fuzz_mount
 * Run:                 build-fuzz/tests/fuzz/fuzz_mount -timeout=10
 *                      -max_total_time=600 [corpus-dir]
 *
 * Property: whatever the image, fpfs_fsck and fpfs_mount return 0 or a
 * negative errno, a mounted fs survives readdir, stat, read (and, when
 * asked, writes, sync and a clock advance), and crash or umount; nothing
 * crashes, hangs, leaks or trips ASan/UBSan, and the fsck report adds up.
 *
 * Images.  Two 2 MiB templates are built once, deterministically: the same
 * small tree (nested directories, a hard link, a file whose extent tree has
 * an index level, a fast and a slow symlink, a FIFO, xattrs in inodes and
 * in blocks, a file unlinked while open, with an xattr block, a file with
 * unwritten extents, one past EOF, and a punched hole) left by a power cut
 * with
 * committed transactions in the journal (template 0), or cleanly unmounted
 * (template 1).  Each input perturbs one on a copy-on-write overlay.
 *
 * Input:
 *   byte 0  flags: bit 0 template; bit 1 re-checksum the fs superblock;
 *           bit 2 re-encode the journal superblock (valid checksum); bit 3
 *           re-seal committed transactions (recompute commit checksums, so
 *           patched descriptors, revoke blocks and copies get replayed);
 *           bit 4 write phase after mount; bit 5 umount (else power cut);
 *           bit 6 raw: the rest of the input is the whole image; bit 7
 *           truncate the device
 *   byte 1  mount options (default, data=journal, data=writeback,
 *           nojournal, ro, nobarrier+commit=1)
 *   byte 2  truncated size, in 256ths of the template
 *   then    patches: le16 block, le16 offset, u8 length, bytes
 * The checksum fix-ups let mutations get past the checksum walls to the
 * field checks behind them.
 *
 * FUZZ_MOUNT_NO_WRITE=1 in the environment turns the write phase off (to
 * keep fuzzing mount, recovery, reads and fsck past a known write-path bug).
 *
 * tests/unit/test_mount_garbage.c includes this file (FUZZ_MOUNT_NO_MAIN)
 * and feeds it seeded random inputs in the normal test suite.
 */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpfs.h"
#include "jbd_int.h"
#include "ondisk.h"

#define FM_DEV_SIZE    (2u << 20)
#define FM_BLOCKS      (FM_DEV_SIZE / FS_BLOCK_SIZE)
#define FM_JOURNAL     1u             /* ondisk_sb_check: always block 1 */
#define FM_MAX_NAMES   32

enum {
  FM_TEMPLATE = 1u << 0, FM_FIX_SB = 1u << 1, FM_FIX_JSB = 1u << 2,
  FM_RESEAL = 1u << 3, FM_WRITE = 1u << 4, FM_UMOUNT = 1u << 5,
  FM_RAW = 1u << 6, FM_TRUNCATE = 1u << 7,
};

static struct fpfs_bdev *fm_templates[2];
/* What happened to the inputs (test_mount_garbage prints it). */
static struct {
  unsigned fsck_ran, fsck_refused, fsck_problems, mounted, mount_refused;
} fm_stats;

/* ---- templates ---- */

static void
fm_write_file (struct fpfs *fs, const char *path, size_t len, uint64_t off)
{
  static uint8_t buf[5 * 4096];
  int fd = fpfs_open (fs, path, O_CREAT | O_WRONLY, 0644);

  assert (fd >= 0 && len <= sizeof buf);
  for (size_t i = 0; i < len; i++)
    buf[i] = (uint8_t) (i * 7 + off);
  assert (fpfs_pwrite (fs, fd, buf, len, off) == (ssize_t) len);
  assert (fpfs_close (fs, fd) == 0);
}

static const uint8_t fm_xattr_big[3000] = { 1, 2, 3 };

static struct fpfs_bdev *
fm_build_template (bool clean)
{
  struct fpfs_mkfs_opts mo = { .deterministic = true, .seed = 7 };
  struct fpfs_mount_opts o;
  struct fpfs_bdev *bd;
  struct fpfs *fs;
  char err[256];
  int fd, ofd;

  assert (fpfs_bdev_mem_open (FM_DEV_SIZE, 512, &bd) == 0);
  assert (fpfs_mkfs (bd, &mo, err, sizeof err) == 0);
  fpfs_mount_opts_init (&o);
  o.seed = 1;
  assert (fpfs_mount (bd, &o, &fs, err, sizeof err) == 0);
  assert (fpfs_mkdir (fs, "/a", 0755) == 0);
  assert (fpfs_mkdir (fs, "/a/b", 0700) == 0);
  fm_write_file (fs, "/f1", 5 * 4096, 0);
  fm_write_file (fs, "/a/f2", 100, 0);
  assert (fpfs_link (fs, "/f1", "/a/b/l") == 0);
  for (unsigned i = 0; i < 8; i++)       /* 8 extents: an index level */
    fm_write_file (fs, "/s", 4096, 2ull * i * 4096);
  {
    char slow[200];                      /* a slow symlink: one block */
    memset (slow, 'q', sizeof slow - 1);
    slow[sizeof slow - 1] = '\0';
    assert (fpfs_symlink (fs, slow, "/a/ls") == 0);
  }
  assert (fpfs_symlink (fs, "a/f2", "/lf") == 0);   /* fast: in i_block */
  assert (fpfs_mknod (fs, "/p", 0010644, 0) == 0);  /* a FIFO */
  /* Xattrs in the inode and in a block (on a file and a directory). */
  fm_write_file (fs, "/x", 10, 0);
  assert (fpfs_setxattr (fs, "/x", "user.in", "inode", 5, 0) == 0);
  assert (fpfs_setxattr (fs, "/x", "trusted.blk", fm_xattr_big,
                         sizeof fm_xattr_big, 0) == 0);
  assert (fpfs_setxattr (fs, "/a", "security.d", fm_xattr_big, 1500, 0) == 0);
  assert (fpfs_sync (fs) >= 0);
  ofd = fpfs_open (fs, "/o", O_CREAT | O_RDWR, 0600);
  assert (ofd >= 0);
  assert (fpfs_pwrite (fs, ofd, "orphan", 6, 0) == 6);
  /* The orphan's xattr block goes with it (ext4_free_inode). */
  assert (fpfs_setxattr (fs, "/o", "user.o", fm_xattr_big, 2500, 0) == 0);
  assert (fpfs_unlink (fs, "/o") == 0);   /* open and unlinked: an orphan */
  fm_write_file (fs, "/f3", 3000, 0);
  fd = fpfs_open (fs, "/f3", O_RDWR, 0);
  assert (fd >= 0 && fpfs_fsync (fs, fd) == 0 && fpfs_close (fs, fd) == 0);
  /* Unwritten extents (one past EOF), a written block split out of one,
   * and a punched hole with zeroed edges. */
  fd = fpfs_open (fs, "/u", O_CREAT | O_RDWR, 0644);
  assert (fd >= 0);
  assert (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_KEEP_SIZE, 0, 6 * 4096) == 0);
  assert (fpfs_pwrite (fs, fd, "unwritten", 9, 4096 + 5) == 9);
  assert (fpfs_pwrite (fs, fd, "end", 3, 3 * 4096) == 3);
  assert (fpfs_fallocate (fs, fd, FPFS_FALLOC_FL_PUNCH_HOLE
                          | FPFS_FALLOC_FL_KEEP_SIZE, 2 * 4096 - 100,
                          4096 + 200) == 0);
  assert (fpfs_fsync (fs, fd) == 0 && fpfs_close (fs, fd) == 0);
  assert (fpfs_rename (fs, "/a/f2", "/f2") == 0);
  assert (fpfs_truncate (fs, "/f1", 2 * 4096 + 10) == 0);
  fd = fpfs_open (fs, "/f2", O_RDWR, 0);
  assert (fd >= 0 && fpfs_fsync (fs, fd) == 0 && fpfs_close (fs, fd) == 0);
  if (clean) {
    assert (fpfs_close (fs, ofd) == 0);
    assert (fpfs_sync (fs) >= 0);
    assert (fpfs_umount (fs) == 0);
  } else
    fpfs_crash (fs);                      /* the journal holds the rest */
  return bd;
}

static bool fm_no_write;

static void
fm_init (void)
{
  if (fm_templates[0] == NULL) {
    const char *e = getenv ("FUZZ_MOUNT_NO_WRITE");
    fm_no_write = e != NULL && e[0] == '1';
    fm_templates[0] = fm_build_template (false);
    fm_templates[1] = fm_build_template (true);
  }
}

/* ---- fix-ups ---- */

static void
fm_fix_sb (struct fpfs_bdev *bd, uint8_t *blk)
{
  assert (fpfs_bdev_read (bd, blk, 0, FS_BLOCK_SIZE) == 0);
  ondisk_sb_csum_set (blk);
  assert (fpfs_bdev_write (bd, blk, 0, FS_BLOCK_SIZE, 0) == 0);
}

/* Decode the fields as they are and encode them again: a valid checksum
 * over whatever values the patches left. */
static void
fm_fix_jsb (struct fpfs_bdev *bd, uint8_t *blk)
{
  struct jbd_sb sb;

  assert (fpfs_bdev_read (bd, blk, FM_JOURNAL * FS_BLOCK_SIZE,
                          FS_BLOCK_SIZE) == 0);
  sb.s_blocksize = jbd_get_be32 (blk + 0x0C);
  sb.s_maxlen = jbd_get_be32 (blk + 0x10);
  sb.s_first = jbd_get_be32 (blk + 0x14);
  sb.s_sequence = jbd_get_be32 (blk + 0x18);
  sb.s_start = jbd_get_be32 (blk + 0x1C);
  sb.s_feature_compat = jbd_get_be32 (blk + 0x24);
  sb.s_feature_incompat = jbd_get_be32 (blk + 0x28);
  sb.s_feature_ro_compat = jbd_get_be32 (blk + 0x2C);
  memcpy (sb.s_uuid, blk + 0x30, 16);
  jbd_sb_encode (&sb, blk, FS_BLOCK_SIZE);
  assert (fpfs_bdev_write (bd, blk, FM_JOURNAL * FS_BLOCK_SIZE,
                           FS_BLOCK_SIZE, 0) == 0);
}

static void
fm_jread (struct fpfs_bdev *bd, uint32_t logblk, uint8_t *buf)
{
  assert (fpfs_bdev_read (bd, buf, (FM_JOURNAL + logblk) * FS_BLOCK_SIZE,
                          FS_BLOCK_SIZE) == 0);
}

/* Walk the log as recovery's scan does and give every commit block the
 * checksum of the blocks before it, so that patched transactions commit. */
static void
fm_reseal (struct fpfs_bdev *bd, uint8_t *blk, uint8_t *data)
{
  struct jbd_commit_csum cs = { NULL };
  uint32_t maxlen, first, next, seq, limit, steps = 0;
  uint8_t uuid[16];

  fm_jread (bd, 0, blk);
  maxlen = jbd_get_be32 (blk + 0x10);
  first = jbd_get_be32 (blk + 0x14);
  seq = jbd_get_be32 (blk + 0x18);
  next = jbd_get_be32 (blk + 0x1C);
  memcpy (uuid, blk + 0x30, 16);
  if (maxlen > FM_BLOCKS - FM_JOURNAL || first == 0 || first >= maxlen
      || next < first || next >= maxlen)
    return;
  limit = maxlen - first;
  if (jbd_csum_begin (&cs, seq, uuid) < 0)
    return;
  while (steps++ < limit) {
    uint32_t here = next, type, off = 0, ntags = 0;
    struct jbd_tag tag;

    fm_jread (bd, here, blk);
    next = next + 1 >= maxlen ? first : next + 1;
    if (jbd_get_be32 (blk) != JBD_MAGIC || jbd_get_be32 (blk + 8) != seq)
      break;
    type = jbd_get_be32 (blk + 4);
    if (type == JBD_DESCRIPTOR_BLOCK) {
      while (jbd_tag_next (blk, FS_BLOCK_SIZE, &off, &tag) == 1
             && ntags <= jbd_tags_per_block (FS_BLOCK_SIZE))
        ntags++;
      jbd_csum_add (&cs, blk, FS_BLOCK_SIZE);
      for (uint32_t i = 0; i < ntags && steps < limit; i++, steps++) {
        fm_jread (bd, next, data);
        next = next + 1 >= maxlen ? first : next + 1;
        jbd_csum_add (&cs, data, FS_BLOCK_SIZE);
      }
    } else if (type == JBD_REVOKE_BLOCK)
      jbd_csum_add (&cs, blk, FS_BLOCK_SIZE);
    else if (type == JBD_COMMIT_BLOCK) {
      uint64_t ns = jbd_get_be64 (blk + 0x30) * FPFS_NSEC_PER_SEC
                    + jbd_get_be32 (blk + 0x38) % FPFS_NSEC_PER_SEC;
      jbd_commit_block_encode (blk, FS_BLOCK_SIZE, seq, ns, jbd_csum_end (&cs));
      assert (fpfs_bdev_write (bd, blk, (FM_JOURNAL + here) * FS_BLOCK_SIZE,
                               FS_BLOCK_SIZE, 0) == 0);
      jbd_csum_free (&cs);
      if (jbd_csum_begin (&cs, ++seq, uuid) < 0)
        return;
    } else
      break;
  }
  jbd_csum_free (&cs);
}

/* ---- the run ---- */

static void
fm_fsck (struct fpfs_bdev *bd)
{
  struct fpfs_fsck_report r;
  char err[256];
  unsigned sum = 0;
  int ret = fpfs_fsck (bd, &r, err, sizeof err);

  assert (ret == 0 || (ret < 0 && ret > -4096));
  if (ret < 0) {
    fm_stats.fsck_refused++;
    return;
  }
  fm_stats.fsck_ran++;
  fm_stats.fsck_problems += r.errors > 0;
  for (int i = 0; i < FPFS_FSCK_NCHECKS; i++)
    sum += r.per_check[i];
  assert (sum == r.errors);
  assert (memchr (r.text, '\0', sizeof r.text) != NULL);
  /* Problems have lines; a clean report has notes at most. */
  assert (r.errors == 0 || r.text[0] != '\0');
  for (const char *line = r.text; r.errors == 0 && *line;) {
    const char *nl = strchr (line, '\n');
    assert (strncmp (line, "note: ", 6) == 0 && nl != NULL);
    line = nl + 1;
  }
}

struct fm_names {
  char name[FM_MAX_NAMES][FPFS_NAME_MAX + 2];
  unsigned n;
};

static int
fm_collect (void *ctx, const struct fpfs_dirent *de)
{
  struct fm_names *nm = ctx;

  assert (strlen (de->name) <= FPFS_NAME_MAX);
  if (nm->n < FM_MAX_NAMES && strchr (de->name, '/') == NULL && de->name[0])
    snprintf (nm->name[nm->n++], sizeof nm->name[0], "/%s", de->name);
  return 0;
}

static int
fm_count (void *ctx, const struct fpfs_dirent *de)
{
  (void) de;
  return ++*(unsigned *) ctx > 1000;     /* a bound, not a limit we expect */
}

static void
fm_reads (struct fpfs *fs, struct fm_names *nm)
{
  static uint8_t buf[16384];

  nm->n = 0;
  (void) fpfs_readdir (fs, "/", fm_collect, nm);
  for (unsigned i = 0; i < nm->n; i++) {
    struct fpfs_stat st;
    unsigned count = 0;
    int fd;

    if (fpfs_stat (fs, nm->name[i], &st) < 0)
      continue;
    if ((st.mode & 0170000) == 0040000) {
      (void) fpfs_readdir (fs, nm->name[i], fm_count, &count);
      continue;
    }
    if ((st.mode & 0170000) == 0120000) {
      ssize_t n = fpfs_readlink (fs, nm->name[i], (char *) buf, sizeof buf);
      assert (n <= 4095);
      continue;
    }
    fd = fpfs_open (fs, nm->name[i], O_RDONLY, 0);
    if (fd < 0)
      continue;
    for (uint64_t off = 0; off < 3 * sizeof buf; off += sizeof buf) {
      ssize_t n = fpfs_pread (fs, fd, buf, sizeof buf, off);
      assert (n <= (ssize_t) sizeof buf);
      if (n <= 0)
        break;
    }
    (void) fpfs_fstat (fs, fd, &st);
    (void) fpfs_close (fs, fd);
  }
  for (unsigned i = 0; i < nm->n; i++) {
    static char names[1024];
    ssize_t n = fpfs_listxattr (fs, nm->name[i], names, sizeof names);
    assert (n <= (ssize_t) sizeof names);
    for (ssize_t at = 0; at < n;) {
      size_t len = strnlen (names + at, (size_t) (n - at));
      if ((ssize_t) (at + len) >= n)
        break;                         /* not NUL-terminated: a bad list */
      assert (fpfs_getxattr (fs, nm->name[i], names + at, buf, sizeof buf)
              <= (ssize_t) sizeof buf);
      at += (ssize_t) len + 1;
    }
  }
}

static void
fm_writes (struct fpfs *fs, const struct fm_names *nm)
{
  static uint8_t buf[9000];
  int fd = fpfs_open (fs, "/fz", O_CREAT | O_RDWR, 0644);

  memset (buf, 0x5a, sizeof buf);
  if (fd >= 0) {
    (void) fpfs_pwrite (fs, fd, buf, sizeof buf, 0);
    (void) fpfs_pwrite (fs, fd, buf, 1, 100000);
    (void) fpfs_fsync (fs, fd);
    (void) fpfs_close (fs, fd);
  }
  (void) fpfs_mkdir (fs, "/fzd", 0755);
  (void) fpfs_symlink (fs, "/fzd/x", "/fzd/lf");
  buf[300] = '\0';                       /* 300 'Z's: a slow target */
  (void) fpfs_symlink (fs, (const char *) buf, "/fzd/ls");
  (void) fpfs_mknod (fs, "/fzd/c", 0020644, 0x0103);
  (void) fpfs_drop_caches (fs, 3);
  (void) fpfs_setxattr (fs, "/fzd", "user.z", buf, 3000, 0);
  (void) fpfs_setxattr (fs, "/x", "user.in", buf, 2000, 0);
  (void) fpfs_removexattr (fs, "/x", "trusted.blk");
  (void) fpfs_rename (fs, "/fz", "/fzd/x");
  (void) fpfs_truncate (fs, "/fzd/x", 5000);
  if (nm->n > 0) {
    (void) fpfs_link (fs, nm->name[0], "/fzd/l");
    (void) fpfs_unlink (fs, nm->name[nm->n - 1]);
    (void) fpfs_rmdir (fs, nm->name[0]);
    (void) fpfs_chmod (fs, nm->name[0], 0600);
  }
  (void) fpfs_sync (fs);
  (void) fpfs_clock_advance (fs, 40ull * FPFS_NSEC_PER_SEC);
}

static void
fm_mount_opts (uint8_t sel, struct fpfs_mount_opts *o)
{
  fpfs_mount_opts_init (o);
  o->seed = 3;
  switch (sel % 6) {
  case 1: o->data = FPFS_DATA_JOURNAL; break;
  case 2: o->data = FPFS_DATA_WRITEBACK; break;
  case 3: o->nojournal = true; break;
  case 4: o->read_only = true; break;
  case 5: o->barrier = false; o->commit_interval_s = 1; break;
  default: break;
  }
}

/* Mount, use, stop, fsck: the part every input gets. */
static void
fm_exercise (struct fpfs_bdev *bd, uint8_t flags, uint8_t optsel)
{
  struct fpfs_mount_opts o;
  struct fm_names nm;
  struct fpfs *fs = NULL;
  char err[256];
  int ret;

  fm_fsck (bd);
  fm_mount_opts (optsel, &o);
  ret = fpfs_mount (bd, &o, &fs, err, sizeof err);
  assert (ret <= 0 && ret > -4096);
  if (ret < 0) {
    assert (fs == NULL);
    fm_stats.mount_refused++;
    return;
  }
  fm_stats.mounted++;
  fm_reads (fs, &nm);
  if (flags & FM_WRITE)
    fm_writes (fs, &nm);
  if (flags & FM_UMOUNT) {
    ret = fpfs_umount (fs);
    assert (ret <= 0 && ret > -4096);
  } else
    fpfs_crash (fs);
  fm_fsck (bd);
}

static void
fm_patch (struct fpfs_bdev *bd, const uint8_t *p, size_t n, uint8_t *blk)
{
  uint64_t nblocks = bd->size / FS_BLOCK_SIZE;

  /* Each patch consumes at least 5 bytes: bounded by the input. */
  while (n >= 5) {
    uint64_t b = (p[0] | (uint64_t) p[1] << 8) % nblocks;
    unsigned off = (p[2] | (unsigned) p[3] << 8) % FS_BLOCK_SIZE;
    size_t len = p[4];

    p += 5;
    n -= 5;
    if (len > n)
      len = n;
    if (len > FS_BLOCK_SIZE - off)
      len = FS_BLOCK_SIZE - off;
    assert (fpfs_bdev_read (bd, blk, b * FS_BLOCK_SIZE, FS_BLOCK_SIZE) == 0);
    memcpy (blk + off, p, len);
    assert (fpfs_bdev_write (bd, blk, b * FS_BLOCK_SIZE, FS_BLOCK_SIZE,
                             0) == 0);
    p += len;
    n -= len;
  }
}

/* A device of size bytes holding the first bytes of src. */
static struct fpfs_bdev *
fm_copy (struct fpfs_bdev *src, uint64_t size, uint8_t *blk)
{
  struct fpfs_bdev *bd;

  assert (fpfs_bdev_mem_open (size, 512, &bd) == 0);
  for (uint64_t off = 0; off < size; off += FS_BLOCK_SIZE) {
    size_t len = size - off < FS_BLOCK_SIZE ? size - off : FS_BLOCK_SIZE;
    assert (fpfs_bdev_read (src, blk, off, len) == 0);
    assert (fpfs_bdev_write (bd, blk, off, len, 0) == 0);
  }
  return bd;
}

static void
fm_run (const uint8_t *data, size_t size)
{
  static uint8_t blk[FS_BLOCK_SIZE], blk2[FS_BLOCK_SIZE];
  uint8_t flags = size > 0 ? data[0] : 0;
  uint8_t optsel = size > 1 ? data[1] : 0;
  uint8_t trunc = size > 2 ? data[2] : 0;
  const uint8_t *p = size > 3 ? data + 3 : data + size;
  size_t n = size > 3 ? size - 3 : 0;
  struct fpfs_bdev *ov, *bd;

  fm_init ();
  if (fm_no_write)
    flags &= (uint8_t) ~FM_WRITE;
  if (flags & FM_RAW) {
    /* The input is the image: mostly too small to be one. */
    uint64_t dsize = (n + 511) / 512 * 512;
    if (dsize == 0)
      dsize = 512;
    assert (fpfs_bdev_mem_open (dsize, 512, &bd) == 0);
    memset (blk, 0, sizeof blk);
    for (uint64_t off = 0; off < n; off += 512) {
      size_t len = n - off < 512 ? n - off : 512;
      memset (blk, 0, 512);
      memcpy (blk, p + off, len);
      assert (fpfs_bdev_write (bd, blk, off, 512, 0) == 0);
    }
    fm_exercise (bd, flags, optsel);
    fpfs_bdev_close (bd);
    return;
  }
  assert (fpfs_bdev_overlay_open (fm_templates[flags & FM_TEMPLATE], &ov) == 0);
  fm_patch (ov, p, n, blk);
  if (flags & FM_FIX_JSB)
    fm_fix_jsb (ov, blk);
  if (flags & FM_RESEAL)
    fm_reseal (ov, blk, blk2);
  if (flags & FM_FIX_SB)
    fm_fix_sb (ov, blk);
  bd = ov;
  if (flags & FM_TRUNCATE) {
    uint64_t tsize = (uint64_t) FM_DEV_SIZE * trunc / 256 / 512 * 512;
    bd = fm_copy (ov, tsize ? tsize : 512, blk);
  }
  fm_exercise (bd, flags, optsel);
  if (bd != ov)
    fpfs_bdev_close (bd);
  fpfs_bdev_close (ov);
}

#ifndef FUZZ_MOUNT_NO_MAIN
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fm_run (data, size);
  return 0;
}
#endif
