/* dirs: pass 2 (directory blocks), pass 3 (the tree) and pass 4
 * (link counts).
 *
 * Directory blocks are tiled by ext4_dir_entry_2 records (ondisk.h): each
 * rec_len >= 12, a multiple of 4, within the block, holding its name; a
 * record with inode 0 is free space.  The first block starts with "."
 * (naming the directory itself) and ".." (naming its parent; the root's
 * names the root); neither name appears anywhere else.  A live entry has a
 * name of 1..255 bytes without '/' or NUL, names an inode in use that is
 * not reserved (1, 3..10) and not the root, and carries that inode's file
 * type.  Names are unique within a directory.  A directory has no holes.
 *
 * Pass 3 walks from the root along the entries of directories: every inode
 * in use must be reached, and a directory only once (a second entry naming
 * a directory is a hard link or a cycle).  Each reached directory's ".."
 * names the directory whose entry reached it.  Unlinked inodes (links 0)
 * are left to pass 4: on the orphan chain they are legitimate.
 *
 * Pass 4 compares i_links_count with the links the tree gives: a file has
 * one per entry naming it; a directory has its own ".", the entries naming
 * it (one, in its parent) and one ".." per subdirectory: ext4's
 * 2 + subdirectories (the root's own ".." stands for the parent entry).
 * The links are counted from the structure, not from what "." and ".."
 * say, so a wrong ".." is one "dirs" problem, not a link count problem.
 *
 * Bounds: directory blocks read are capped by the block count (more means
 * blocks shared between directories, already a double-use error); records
 * per block by the block size.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "fsck_int.h"

struct dirscan {
  struct fsck *c;
  uint32_t dir;
  uint64_t *hashes;            /* names of this directory, for duplicates */
  uint32_t *hino;
  size_t nhash, hcap, hicap;
};

/* A name fit for a message: at most 40 bytes, unprintables as '?'. */
static const char *
show_name (char out[48], const uint8_t *name, unsigned len)
{
  unsigned n = len > 40 ? 40 : len, i;

  for (i = 0; i < n; i++)
    out[i] = name[i] >= 0x20 && name[i] < 0x7f && name[i] != '"'
             ? (char) name[i] : '?';
  if (n < len) {
    memcpy (out + n, "...", 3);
    n += 3;
  }
  out[n] = '\0';
  return out;
}

static void
count_ref (struct fsck *c, uint32_t ino)
{
  if (c->ino[ino].refs < UINT32_MAX)
    c->ino[ino].refs++;
}

/* An entry names ino, which pass 1 did not take as in use. */
static int
entry_unused (struct fsck *c, uint32_t dir, uint32_t ino, const char *nm)
{
  const uint8_t *raw;
  uint16_t mode, links;
  int ret;

  if (fsck_inode_marked (c, ino))
    return 0;                 /* marked but broken: pass 1 said so */
  ret = fsck_read_inode (c, ino, &raw);
  if (ret < 0)
    return ret;
  mode = get_le16 (raw + IN_MODE) & 0170000;
  links = get_le16 (raw + IN_LINKS);
  if ((mode == 0100000 || mode == 0040000) && links > 0
      && get_le32 (raw + IN_DTIME) == 0)
    fsck_problem (c, FPFS_FSCK_BITMAPS, "inode %" PRIu32 ": named by \"%s\" "
                  "in directory %" PRIu32 " and live (links %u), but free in "
                  "the inode bitmap", ino, nm, dir, (unsigned) links);
  else
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": entry \"%s\" "
                  "names inode %" PRIu32 ", which is free", dir, nm, ino);
  return 0;
}

/* One live record that is not "." or "..". */
static const char *
ftype_name (uint8_t ft)
{
  static const char *const names[FT_MAX] = {
    [FT_UNKNOWN] = "inode of unknown type", [FT_REG] = "regular file",
    [FT_DIR] = "directory", [FT_CHRDEV] = "character device",
    [FT_BLKDEV] = "block device", [FT_FIFO] = "FIFO", [FT_SOCK] = "socket",
    [FT_SYMLINK] = "symlink",
  };
  return ft < FT_MAX ? names[ft] : names[FT_UNKNOWN];
}

static int
scan_entry (struct dirscan *s, uint32_t ino, uint8_t type, const uint8_t *name,
            unsigned name_len)
{
  struct fsck *c = s->c;
  const struct fsck_inode *t;
  uint8_t want;
  char nm[48];
  int ret;

  show_name (nm, name, name_len);
  if (memchr (name, '/', name_len) || memchr (name, '\0', name_len))
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": entry \"%s\" "
                  "(inode %" PRIu32 "): name holds '/' or NUL", s->dir, nm,
                  ino);
  if (ino > c->g.inodes_count || (ino < FS_FIRST_INO && ino != FS_ROOT_INO)) {
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": entry \"%s\" "
                  "names %s inode %" PRIu32, s->dir, nm,
                  ino > c->g.inodes_count ? "out-of-range" : "reserved", ino);
    return 0;
  }
  if (ino == FS_ROOT_INO) {
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": entry \"%s\" "
                  "names the root directory", s->dir, nm);
    return 0;
  }
  t = &c->ino[ino];
  if (!(t->flags & FI_INUSE))
    return entry_unused (c, s->dir, ino, nm);
  want = t->ftype;
  if (type != want)
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": entry \"%s\" "
                  "has file type %u, but inode %" PRIu32 " is a %s", s->dir,
                  nm, (unsigned) type, ino, ftype_name (want));
  count_ref (c, ino);
  if (t->flags & FI_DIR)
    count_ref (c, s->dir);      /* the subdirectory's ".." */
  ret = fsck_grow ((void **) &c->edges, &c->edges_cap, c->nedges,
                   sizeof *c->edges);
  if (ret == 0)
    ret = fsck_grow ((void **) &s->hashes, &s->hcap, s->nhash,
                     sizeof *s->hashes);
  if (ret == 0)
    ret = fsck_grow ((void **) &s->hino, &s->hicap, s->nhash,
                     sizeof *s->hino);
  if (ret < 0)
    return ret;
  c->edges[c->nedges++] = (struct fsck_edge) { s->dir, ino };
  s->hashes[s->nhash] = XXH64 (name, name_len, 0);
  s->hino[s->nhash++] = ino;
  return 0;
}

/* "." (idx 0) or ".." (idx 1) of the first block. */
static void
scan_dot (struct dirscan *s, unsigned idx, uint32_t ino, const uint8_t *name,
          unsigned name_len)
{
  struct fsck *c = s->c;
  const char *want = idx == 0 ? "." : "..";
  char nm[48];

  if (name_len != strlen (want) || memcmp (name, want, name_len) != 0) {
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": entry %u of "
                  "block 0 is \"%s\", not \"%s\"", s->dir, idx,
                  show_name (nm, name, name_len), want);
    return;
  }
  if (ino == 0 || ino > c->g.inodes_count
      || !(c->ino[ino].flags & FI_INUSE) || !(c->ino[ino].flags & FI_DIR)) {
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": \"%s\" names "
                  "inode %" PRIu32 ", not a directory in use", s->dir, want,
                  ino);
    return;
  }
  if (idx == 0 && ino != s->dir)
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": \".\" names "
                  "inode %" PRIu32, s->dir, ino);
  if (idx == 1) {
    c->ino[s->dir].dotdot = ino;
    c->ino[s->dir].flags |= FI_HASDOT;
  }
}

static int
scan_block (struct dirscan *s, uint32_t lblk, uint64_t pblk)
{
  struct fsck *c = s->c;
  const uint8_t *b = c->blk;
  unsigned off = 0, idx = 0, rec_len = 0, name_len = 0;
  int ret = fsck_read_block (c, pblk, c->blk);

  if (ret < 0)
    return ret;
  while (off < FS_BLOCK_SIZE) {
    const uint8_t *name = b + off + DIRENT_HDR;
    uint32_t ino;
    bool dot;

    if (FS_BLOCK_SIZE - off < DIRENT_MIN) {
      rec_len = FS_BLOCK_SIZE - off;
      name_len = 0;
      break;
    }
    ino = get_le32 (b + off);
    rec_len = get_le16 (b + off + 4);
    name_len = b[off + 6];
    if (rec_len < DIRENT_MIN || (rec_len & 3) || rec_len > FS_BLOCK_SIZE - off
        || name_len + DIRENT_HDR > rec_len)
      break;
    dot = (name_len == 1 && name[0] == '.')
          || (name_len == 2 && name[0] == '.' && name[1] == '.');
    if (lblk == 0 && idx < 2) {
      if (ino == 0)
        fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": no \"%s\" "
                      "entry", s->dir, idx == 0 ? "." : "..");
      else
        scan_dot (s, idx, ino, name, name_len);
    } else if (ino != 0 && name_len == 0)
      fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": entry at "
                    "block %" PRIu32 " offset %u has an empty name", s->dir,
                    lblk, off);
    else if (ino != 0 && dot)
      fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": a \"%.*s\" "
                    "entry at block %" PRIu32 " offset %u", s->dir,
                    (int) name_len, (const char *) name, lblk, off);
    else if (ino != 0) {
      ret = scan_entry (s, ino, b[off + 7], name, name_len);
      if (ret < 0)
        return ret;
    }
    off += rec_len;
    idx++;
  }
  if (off != FS_BLOCK_SIZE)
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": block %" PRIu32
                  " (block %" PRIu64 "): bad record at offset %u (rec_len %u, "
                  "name_len %u)", s->dir, lblk, pblk, off, rec_len, name_len);
  return 0;
}

static int
cmp_hash (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return x < y ? -1 : x > y;
}

/* Two entries of one directory with the same name (by 64-bit hash). */
static void
scan_duplicates (struct dirscan *s)
{
  size_t n = s->nhash;

  if (n < 2)
    return;
  /* Sort hashes with their inode numbers alongside: pack the index. */
  uint64_t *k = malloc (n * 2 * sizeof *k);
  if (k == NULL)
    return;                   /* best effort: the rest of the check stands */
  for (size_t i = 0; i < n; i++) {
    k[2 * i] = s->hashes[i];
    k[2 * i + 1] = s->hino[i];
  }
  qsort (k, n, 2 * sizeof *k, cmp_hash);
  for (size_t i = 1; i < n; i++)
    if (k[2 * i] == k[2 * i - 2])
      fsck_problem (s->c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": two "
                    "entries with the same name (inodes %" PRIu64 " and %"
                    PRIu64 ")", s->dir, k[2 * i - 1], k[2 * i + 1]);
  free (k);
}

/* One directory: its runs are dext[*cur ...] while they name dir. */
static int
scan_dir (struct dirscan *s, uint32_t dir, size_t *cur)
{
  struct fsck *c = s->c;
  const uint8_t *raw;
  uint64_t nblocks, next = 0;
  int ret = fsck_read_inode (c, dir, &raw);

  if (ret < 0)
    return ret;
  nblocks = get_le64 (raw + IN_SIZE) / FS_BLOCK_SIZE;
  s->dir = dir;
  s->nhash = 0;
  for (; *cur < c->ndext && c->dext[*cur].ino == dir; (*cur)++) {
    const struct fsck_dext *d = &c->dext[*cur];
    if (d->lblk >= nblocks)
      continue;               /* past the size: pass 1 reported it */
    if (d->lblk > next)
      fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": hole at "
                    "logical blocks %" PRIu64 "-%" PRIu32, dir, next,
                    d->lblk - 1);
    for (uint32_t i = 0; i < d->len && d->lblk + (uint64_t) i < nblocks; i++) {
      if (++c->n_dir_blocks > c->g.blocks_count) {
        fsck_problem (c, FPFS_FSCK_DIRS, "more directory blocks than the "
                      "device holds: stopped reading directories");
        return 1;
      }
      ret = scan_block (s, d->lblk + i, d->pblk + i);
      if (ret < 0)
        return ret;
    }
    next = (uint64_t) d->lblk + d->len;
  }
  if (next < nblocks)
    fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": hole at "
                  "logical blocks %" PRIu64 "-%" PRIu64, dir, next,
                  nblocks - 1);
  scan_duplicates (s);
  return 0;
}

int
fsck_pass2 (struct fsck *c)
{
  struct dirscan s = { .c = c };
  size_t cur = 0;
  int ret = 0;

  for (uint32_t ino = 1; ino <= c->g.inodes_count && ret == 0; ino++) {
    if ((c->ino[ino].flags & (FI_INUSE | FI_DIR)) != (FI_INUSE | FI_DIR))
      continue;
    while (cur < c->ndext && c->dext[cur].ino < ino)
      cur++;
    ret = scan_dir (&s, ino, &cur);
  }
  free (s.hashes);
  free (s.hino);
  if (ret > 0) {
    c->dirs_incomplete = true;
    ret = 0;
  }
  return ret;
}

/* ---- pass 3 ---- */

static int
cmp_edge (const void *a, const void *b)
{
  const struct fsck_edge *x = a, *y = b;
  if (x->dir != y->dir)
    return x->dir < y->dir ? -1 : 1;
  return (x->child > y->child) - (x->child < y->child);
}

/* Index of the first edge from dir in the sorted edges. */
static size_t
first_edge (const struct fsck *c, uint32_t dir)
{
  size_t lo = 0, hi = c->nedges;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->edges[mid].dir < dir)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static void
pass3_report (struct fsck *c)
{
  for (uint32_t ino = FS_ROOT_INO; ino <= c->g.inodes_count; ino++) {
    struct fsck_inode *fi = &c->ino[ino];
    if (!(fi->flags & FI_INUSE) || (ino < FS_FIRST_INO && ino != FS_ROOT_INO))
      continue;
    if (!(fi->flags & FI_REACHED)) {
      if (fi->links != 0)       /* links 0: pass 4's business */
        fsck_problem (c, FPFS_FSCK_DIRS, "%s %" PRIu32 ": not reachable from "
                      "the root (detached, or in a cycle)",
                      fi->flags & FI_DIR ? "directory" : "inode", ino);
      continue;
    }
    if ((fi->flags & FI_DIR) && (fi->flags & FI_HASDOT)
        && fi->dotdot != fi->parent)
      fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": \"..\" names "
                    "inode %" PRIu32 ", but its entry is in directory %" PRIu32,
                    ino, fi->dotdot, fi->parent);
  }
}

int
fsck_pass3 (struct fsck *c)
{
  struct fsck_inode *root = &c->ino[FS_ROOT_INO];
  uint32_t *queue;
  size_t head = 0, tail = 0, ndirs = 0;

  if (c->dirs_incomplete)
    return 0;
  if ((root->flags & (FI_INUSE | FI_DIR)) != (FI_INUSE | FI_DIR)) {
    fsck_problem (c, FPFS_FSCK_DIRS, "no usable root directory: the tree "
                  "was not checked");
    return 0;
  }
  for (uint32_t ino = 1; ino <= c->g.inodes_count; ino++)
    ndirs += (c->ino[ino].flags & (FI_INUSE | FI_DIR)) == (FI_INUSE | FI_DIR);
  queue = malloc (ndirs * sizeof *queue);
  if (queue == NULL)
    return -ENOMEM;
  if (c->nedges > 1)
    qsort (c->edges, c->nedges, sizeof *c->edges, cmp_edge);
  root->flags |= FI_REACHED;
  root->parent = FS_ROOT_INO;
  queue[tail++] = FS_ROOT_INO;
  /* Each directory enters the queue once (FI_REACHED): bounded by ndirs. */
  while (head < tail) {
    uint32_t dir = queue[head++];
    for (size_t i = first_edge (c, dir); i < c->nedges
         && c->edges[i].dir == dir; i++) {
      uint32_t child = c->edges[i].child;
      struct fsck_inode *fi = &c->ino[child];
      if (!(fi->flags & FI_DIR)) {
        fi->flags |= FI_REACHED;
        continue;
      }
      if (fi->flags & FI_REACHED) {
        fsck_problem (c, FPFS_FSCK_DIRS, "directory %" PRIu32 ": named again "
                      "in directory %" PRIu32 " (first in %" PRIu32 ")", child,
                      dir, fi->parent);
        continue;
      }
      fi->flags |= FI_REACHED;
      fi->parent = dir;
      assert (tail < ndirs);
      queue[tail++] = child;
    }
  }
  free (queue);
  pass3_report (c);
  return 0;
}

/* ---- pass 4 ---- */

void
fsck_pass4 (struct fsck *c)
{
  if (c->dirs_incomplete)
    return;
  for (uint32_t ino = FS_ROOT_INO; ino <= c->g.inodes_count; ino++) {
    const struct fsck_inode *fi = &c->ino[ino];
    if (!(fi->flags & FI_INUSE) || (ino < FS_FIRST_INO && ino != FS_ROOT_INO))
      continue;
    if (fi->links == 0 && fi->refs == 0) {
      if (!(fi->flags & FI_ORPHAN))
        fsck_problem (c, FPFS_FSCK_LINKS, "inode %" PRIu32 ": in use with "
                      "links_count 0 but not on the orphan list", ino);
      continue;
    }
    if (!(fi->flags & FI_DIR) && fi->links != fi->refs)
      fsck_problem (c, FPFS_FSCK_LINKS, "inode %" PRIu32 ": links_count %u "
                    "but %" PRIu32 " directory entries", ino,
                    (unsigned) fi->links, fi->refs);
    if (fi->flags & FI_DIR) {
      uint64_t want = (uint64_t) fi->refs + 1 + (ino == FS_ROOT_INO);
      if (fi->links != want)
        fsck_problem (c, FPFS_FSCK_LINKS, "directory %" PRIu32 ": "
                      "links_count %u but %" PRIu64 " links (\".\", its "
                      "entries and its subdirectories' \"..\")", ino,
                      (unsigned) fi->links, want);
    }
  }
}
