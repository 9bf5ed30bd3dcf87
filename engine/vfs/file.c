/* file: the fd table and the per-file system calls (open, close, pread,
 * pwrite, ftruncate, truncate, fsync, fdatasync, fstat, fallocate,
 * sync_file_range), and the clock.
 *
 * Every entry point first calls fs_syscall_enter: the virtual clock ticks
 * FPFS_SYSCALL_TICK_NS (so successive writes get distinct mtimes) and
 * background work that fell due runs (flusher, kjournald2), as if it had
 * run between the calls.
 *
 * A write follows __generic_file_write_iter: file_update_time (mtime and
 * ctime; under lazytime only I_DIRTY_TIME), the buffered write (da.c, or
 * jdata.c for data=journal), then generic_write_sync: with O_DSYNC or
 * O_SYNC, vfs_fsync_range over the bytes written, datasync unless O_SYNC.
 * close drops the fd's reference to the open file; the last reference
 * (a shared mapping holds one, vfs/mmap.c) runs ext4_release_file
 * (fs_file_put): the last writer gives back its
 * preallocation, and a file truncated to zero then rewritten has its
 * delayed data pushed out (auto_da_alloc).
 * O_TMPFILE opens make an unnamed inode on the orphan list (do_tmpfile,
 * ext4_tmpfile).  O_DIRECT reads and writes go through ext4/direct.c
 * first; what it leaves (data=journal: everything) goes buffered, then,
 * for a write, is written and dropped from the cache
 * (__generic_file_write_iter's fallback).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>

#include "vfs.h"


#define FS_MAX_FILES 65536

void
fs_syscall_enter (struct fpfs *fs)
{
  sched_tick (fs->s_sched, FPFS_SYSCALL_TICK_NS);
  sched_run_due (fs->s_sched);
}

struct fpfs_file *
fs_fd_get (struct fpfs *fs, int fd)
{
  if (fd < 0 || fd >= fs->s_nfiles)
    return NULL;
  return fs->s_files[fd];
}

static int
fd_install (struct fpfs *fs, struct fpfs_file *f)
{
  int fd;

  for (fd = 0; fd < fs->s_nfiles; fd++)
    if (fs->s_files[fd] == NULL)
      break;
  if (fd == fs->s_nfiles) {
    int n = fs->s_nfiles ? fs->s_nfiles * 2 : 16;
    struct fpfs_file **v;
    if (fs->s_nfiles >= FS_MAX_FILES)
      return -EMFILE;
    v = realloc (fs->s_files, (size_t) n * sizeof *v);
    if (v == NULL)
      return -ENOMEM;
    for (int i = fs->s_nfiles; i < n; i++)
      v[i] = NULL;
    fs->s_files = v;
    fs->s_nfiles = n;
  }
  fs->s_files[fd] = f;
  return fd;
}

static bool
f_writable (const struct fpfs_file *f)
{
  return (f->f_flags & O_ACCMODE) == O_WRONLY
    || (f->f_flags & O_ACCMODE) == O_RDWR;
}

static bool
f_readable (const struct fpfs_file *f)
{
  return (f->f_flags & O_ACCMODE) == O_RDONLY
    || (f->f_flags & O_ACCMODE) == O_RDWR;
}

/* ext4_setattr for a size change, with the auto_da_alloc hint. */
static int
do_truncate (struct fs_inode *inode, uint64_t size)
{
  if (size == 0 && inode->i_size > 0)
    inode->i_ext4_state |= EXT4_STATE_DA_ALLOC_CLOSE;
  return ext4_setsize (inode, size);
}

/* The kernel's __O_TMPFILE bit: glibc's __O_TMPFILE includes O_DIRECTORY,
 * so O_TMPFILE's own bit is what O_TMPFILE has beyond O_DIRECTORY. */
#define FS_O_TMPFILE_BIT (O_TMPFILE & ~O_DIRECTORY)

/* do_tmpfile (fs/namei.c) with build_open_flags' checks: O_TMPFILE is
 * __O_TMPFILE | O_DIRECTORY, without O_CREAT, and needs write access; path
 * names the directory the inode is made in (ENOENT, ENOTDIR), which gets
 * no entry.  Unless O_EXCL, the inode is I_LINKABLE: linkat may name it. */
static int
do_tmpfile (struct fpfs *fs, const char *path, int flags, uint32_t mode,
            struct fs_inode **out)
{
  int acc = flags & O_ACCMODE;
  struct fs_inode *dir;
  int ret;

  if ((flags & (FS_O_TMPFILE_BIT | O_DIRECTORY | O_CREAT)) != O_TMPFILE
      || (acc != O_WRONLY && acc != O_RDWR))
    return -EINVAL;
  ret = ext4_lookup_path (fs, path, &dir);
  if (ret < 0)
    return ret;
  if (!fs_isdir (dir))
    ret = -ENOTDIR;
  else if (fs->s_ro)
    ret = -EROFS;
  else
    ret = ext4_tmpfile (dir, (uint16_t) (FS_S_IFREG | (mode & 07777)), out);
  iput (dir);
  if (ret == 0 && !(flags & O_EXCL))
    VFS_I (*out)->i_state |= I_LINKABLE;
  return ret;
}

int
fpfs_open (struct fpfs *fs, const char *path, int flags, uint32_t mode)
{
  struct fs_inode *dir, *inode = NULL;
  struct ext4_dir_loc loc;
  struct fpfs_file *f;
  const char *name;
  size_t len;
  int acc = flags & O_ACCMODE, ret, fd;

  fs_syscall_enter (fs);
  if (acc == O_ACCMODE)
    return -EINVAL;
  if (flags & FS_O_TMPFILE_BIT) {
    /* A new regular inode: none of the checks below apply to it. */
    ret = do_tmpfile (fs, path, flags, mode, &inode);
    if (ret < 0)
      return ret;
    goto install;
  }
  ret = ext4_lookup_parent (fs, path, &dir, &name, &len);
  if (ret == -EBUSY || ret == -EINVAL) {         /* "/", ".", "..": a dir */
    if (flags & O_CREAT)
      return -EISDIR;
    ret = ext4_lookup_path (fs, path, &inode);
    dir = NULL;
  } else if (ret == 0) {
    ret = ext4_find_entry (dir, name, len, &loc);
    if (ret == 0) {
      if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        ret = -EEXIST;
      else
        ret = ext4_iget (fs, loc.ino, &inode);
      if (ret == 0)
        inode->i_parent = dir->i_ino;
    } else if (ret == -ENOENT && (flags & O_CREAT)) {
      ret = fs->s_ro ? -EROFS
        : ext4_create (dir, name, len, (uint16_t) (0100000 | (mode & 07777)),
                       &inode);
    }
    iput (dir);
  }
  if (ret < 0)
    return ret;
  /* The walk never follows a symlink, so opening one is O_NOFOLLOW's
   * ELOOP; a FIFO, socket or device has no driver here: ENXIO, which
   * open(2) gives for a device with none (FIDELITY.md). */
  if (fs_islnk (inode))
    ret = -ELOOP;
  else if (fs_isspecial (inode))
    ret = -ENXIO;
  else if (fs_isdir (inode) && (acc != O_RDONLY || (flags & O_TRUNC)))
    ret = -EISDIR;
  else if ((flags & O_DIRECTORY) && !fs_isdir (inode))
    ret = -ENOTDIR;
  else if (fs->s_ro && (acc != O_RDONLY || (flags & O_TRUNC)))
    ret = -EROFS;
  else if ((flags & O_TRUNC) && acc != O_RDONLY && fs_isreg (inode))
    ret = do_truncate (inode, 0);
  if (ret < 0) {
    iput (inode);
    return ret;
  }
install:
  f = calloc (1, sizeof *f);
  if (f == NULL) {
    iput (inode);
    return -ENOMEM;
  }
  f->f_inode = inode;
  f->f_count = 1;                   /* the fd's */
  f->f_flags = flags;
  f->f_wb_err = errseq_sample (&inode->vfs_inode.i_mapping.a_wb_err);
  fd = fd_install (fs, f);
  if (fd < 0) {
    free (f);
    iput (inode);
    return fd;
  }
  if (f_writable (f))
    inode->i_writecount++;
  return fd;
}

/* ext4_release_file */
static void
file_release (struct fpfs_file *f)
{
  struct fs_inode *inode = f->f_inode;

  if (f_writable (f)) {
    if (!inode->i_fs->s_ro
        && (inode->i_ext4_state & EXT4_STATE_DA_ALLOC_CLOSE)) {
      inode->i_ext4_state &= ~EXT4_STATE_DA_ALLOC_CLOSE;
      /* ext4_alloc_da_blocks: filemap_flush */
      __filemap_fdatawrite_range (VFS_I (inode), 0, UINT64_MAX, WB_SYNC_NONE);
    }
    if (--inode->i_writecount == 0 && inode->i_reserved_data_blocks == 0)
      ext4_discard_preallocations (inode);
  }
  iput (inode);
  free (f);
}

void
fs_file_put (struct fpfs_file *f, bool release)
{
  assert (f->f_count > 0);
  if (--f->f_count > 0)
    return;                         /* a mapping still holds it */
  if (release)
    file_release (f);
  else
    free (f);
}

int
fpfs_close (struct fpfs *fs, int fd)
{
  struct fpfs_file *f;

  fs_syscall_enter (fs);
  f = fs_fd_get (fs, fd);
  if (f == NULL)
    return -EBADF;
  fs->s_files[fd] = NULL;
  fs_file_put (f, true);
  return 0;
}

void
fs_files_destroy (struct fpfs *fs, bool release)
{
  for (int fd = 0; fd < fs->s_nfiles; fd++) {
    struct fpfs_file *f = fs->s_files[fd];
    if (f == NULL)
      continue;
    fs->s_files[fd] = NULL;
    fs_file_put (f, release);
  }
  free (fs->s_files);
  fs->s_files = NULL;
  fs->s_nfiles = 0;
}

ssize_t
fpfs_pread (struct fpfs *fs, int fd, void *buf, size_t len, uint64_t off)
{
  struct fpfs_file *f;

  fs_syscall_enter (fs);
  f = fs_fd_get (fs, fd);
  if (f == NULL || !f_readable (f))
    return -EBADF;
  if (fs_isdir (f->f_inode))
    return -EISDIR;
  if (len > SSIZE_MAX || off > (uint64_t) LLONG_MAX)
    return -EINVAL;
  if (f->f_flags & O_DIRECT) {
    /* generic_file_read_iter, IOCB_DIRECT: -ENOTBLK is data=journal's
     * fallback to the buffered read. */
    ssize_t n = ext4_direct_IO_read (f->f_inode, buf, len, off);
    if (n != -ENOTBLK)
      return n;
  }
  return ext4_file_read (f->f_inode, buf, len, off);
}

ssize_t
fpfs_pwrite (struct fpfs *fs, int fd, const void *buf, size_t len,
             uint64_t off)
{
  struct fpfs_file *f;
  struct fs_inode *inode;
  uint64_t limit = FS_MAX_FILE_BLOCKS << FS_BLOCK_BITS;
  ssize_t n;

  fs_syscall_enter (fs);
  f = fs_fd_get (fs, fd);
  if (f == NULL || !f_writable (f))
    return -EBADF;
  inode = f->f_inode;
  if (fs_isdir (inode))
    return -EISDIR;
  if (fs->s_ro)
    return -EROFS;
  if (len > SSIZE_MAX)
    return -EINVAL;
  if (f->f_flags & O_APPEND)
    off = inode->i_size;
  if (len == 0)
    return 0;
  if (off >= limit)
    return -EFBIG;
  if (len > limit - off)
    len = (size_t) (limit - off);
  file_update_time (inode);
  n = 0;
  if (f->f_flags & O_DIRECT) {
    /* __generic_file_write_iter: the direct write first (ext4/direct.c);
     * what it did not write (data=journal: all of it) goes buffered. */
    n = ext4_direct_IO_write (inode, buf, len, off);
    if (n == -ENOTBLK)
      n = 0;
    else if (n < 0)
      return n;
  }
  if ((size_t) n < len) {
    const uint8_t *rest = (const uint8_t *) buf + n;
    uint64_t at = off + (uint64_t) n;
    ssize_t m = ext4_should_journal_data (fs)
      ? ext4_journalled_write (inode, rest, len - (size_t) n, at)
      : ext4_file_write (f, rest, len - (size_t) n, at);
    if (m > 0 && (f->f_flags & O_DIRECT)) {
      /* ... then written and dropped, to keep O_DIRECT's semantics. */
      int err = filemap_write_and_wait_range (VFS_I (inode), at,
                                              at + (uint64_t) m - 1);
      if (err < 0)
        return n > 0 ? n : err;
      invalidate_mapping_pages (VFS_I (inode),
                                (uint32_t) (at >> FS_BLOCK_BITS),
                                (uint32_t) ((at + (uint64_t) m - 1)
                                            >> FS_BLOCK_BITS));
    }
    if (m < 0 && n == 0)
      return m;
    if (m > 0)
      n += m;
  }
  if (n > 0 && (f->f_flags & O_DSYNC)) {
    /* generic_write_sync: O_SYNC is __O_SYNC | O_DSYNC */
    int err = vfs_fsync_range (f, off, off + (uint64_t) n - 1,
                               (f->f_flags & O_SYNC) != O_SYNC);
    if (err < 0)
      return err;
  }
  return n;
}

int
fpfs_ftruncate (struct fpfs *fs, int fd, uint64_t size)
{
  struct fpfs_file *f;

  fs_syscall_enter (fs);
  f = fs_fd_get (fs, fd);
  if (f == NULL)
    return -EBADF;
  if (!f_writable (f) || !fs_isreg (f->f_inode))
    return -EINVAL;
  if (fs->s_ro)
    return -EROFS;
  return do_truncate (f->f_inode, size);
}

int
fpfs_truncate (struct fpfs *fs, const char *path, uint64_t size)
{
  struct fs_inode *inode;
  int ret;

  fs_syscall_enter (fs);
  ret = ext4_lookup_path (fs, path, &inode);
  if (ret < 0)
    return ret;
  if (fs_isdir (inode))
    ret = -EISDIR;
  else if (!fs_isreg (inode))
    ret = -EINVAL;              /* vfs_truncate: not a regular file */
  else if (fs->s_ro)
    ret = -EROFS;
  else
    ret = do_truncate (inode, size);
  iput (inode);
  return ret;
}

static int
do_fsync (struct fpfs *fs, int fd, int datasync)
{
  struct fpfs_file *f;

  fs_syscall_enter (fs);
  f = fs_fd_get (fs, fd);
  if (f == NULL)
    return -EBADF;
  return vfs_fsync_range (f, 0, (uint64_t) LLONG_MAX, datasync);
}

int
fpfs_fsync (struct fpfs *fs, int fd)
{
  return do_fsync (fs, fd, 0);
}

int
fpfs_fdatasync (struct fpfs *fs, int fd)
{
  return do_fsync (fs, fd, 1);
}

/* vfs_fallocate (fs/open.c, 4.10): its checks, in its order, then
 * ext4_fallocate. */
int
fpfs_fallocate (struct fpfs *fs, int fd, int mode, uint64_t off, uint64_t len)
{
  /* FALLOC_FL_SUPPORTED_MASK; 0x40 is FALLOC_FL_UNSHARE_RANGE, which the
   * VFS knows (4.9) and ext4 refuses (EOPNOTSUPP in ext4_fallocate). */
  const int unshare = 0x40;
  const int all = FPFS_FALLOC_FL_KEEP_SIZE | FPFS_FALLOC_FL_PUNCH_HOLE
    | FPFS_FALLOC_FL_COLLAPSE_RANGE | FPFS_FALLOC_FL_ZERO_RANGE
    | FPFS_FALLOC_FL_INSERT_RANGE | unshare;
  uint64_t limit = FS_MAX_FILE_BLOCKS << FS_BLOCK_BITS;
  struct fpfs_file *f;
  struct fs_inode *inode;

  fs_syscall_enter (fs);
  f = fs_fd_get (fs, fd);                         /* sys_fallocate: fdget */
  if (f == NULL)
    return -EBADF;
  if (off > (uint64_t) LLONG_MAX || len == 0 || len > (uint64_t) LLONG_MAX)
    return -EINVAL;
  if (mode & ~all)
    return -EOPNOTSUPP;
  if ((mode & (FPFS_FALLOC_FL_PUNCH_HOLE | FPFS_FALLOC_FL_ZERO_RANGE))
      == (FPFS_FALLOC_FL_PUNCH_HOLE | FPFS_FALLOC_FL_ZERO_RANGE))
    return -EOPNOTSUPP;                        /* mutually exclusive */
  if ((mode & FPFS_FALLOC_FL_PUNCH_HOLE) && !(mode & FPFS_FALLOC_FL_KEEP_SIZE))
    return -EOPNOTSUPP;                        /* punch must keep the size */
  if ((mode & FPFS_FALLOC_FL_COLLAPSE_RANGE)
      && (mode & ~FPFS_FALLOC_FL_COLLAPSE_RANGE))
    return -EINVAL;
  if ((mode & FPFS_FALLOC_FL_INSERT_RANGE)
      && (mode & ~FPFS_FALLOC_FL_INSERT_RANGE))
    return -EINVAL;
  if ((mode & unshare) && (mode & ~(unshare | FPFS_FALLOC_FL_KEEP_SIZE)))
    return -EINVAL;
  if (!f_writable (f))
    return -EBADF;
  inode = f->f_inode;
  if (fs_isdir (inode))
    return -EISDIR;
  if (!fs_isreg (inode))
    return -ENODEV;
  if (off + len > limit || off + len < off)    /* s_maxbytes, and wrap */
    return -EFBIG;
  if (fs->s_ro)
    return -EROFS;                             /* ext4_journal_start */
  return ext4_fallocate (f, mode, off, len);
}

/* sync_file_range (fs/sync.c, 4.10): starts and waits on the data
 * writeback of the range only -- no inode write, no commit, no FLUSH.
 * WRITE is WB_SYNC_NONE: under delayed allocation ext4_writepages still
 * allocates, in a handle of its own, so the mapping joins the running
 * transaction but nothing commits it. */
int
fpfs_sync_file_range (struct fpfs *fs, int fd, uint64_t off, uint64_t nbytes,
                      unsigned flags)
{
  const unsigned valid = FPFS_SYNC_FILE_RANGE_WAIT_BEFORE
    | FPFS_SYNC_FILE_RANGE_WRITE | FPFS_SYNC_FILE_RANGE_WAIT_AFTER;
  uint64_t endbyte = off + nbytes;
  struct fpfs_file *f;
  struct inode *vi;
  int ret = 0;

  fs_syscall_enter (fs);
  if (flags & ~valid)
    return -EINVAL;
  if (off > (uint64_t) LLONG_MAX || endbyte > (uint64_t) LLONG_MAX
      || endbyte < off)
    return -EINVAL;
  endbyte = nbytes == 0 ? (uint64_t) LLONG_MAX : endbyte - 1;   /* inclusive */
  f = fs_fd_get (fs, fd);
  if (f == NULL)
    return -EBADF;
  vi = VFS_I (f->f_inode);
  if (flags & FPFS_SYNC_FILE_RANGE_WAIT_BEFORE)
    ret = filemap_fdatawait_range (vi, off, endbyte);
  if (ret == 0 && (flags & FPFS_SYNC_FILE_RANGE_WRITE))
    ret = __filemap_fdatawrite_range (vi, off, endbyte, WB_SYNC_NONE);
  if (ret == 0 && (flags & FPFS_SYNC_FILE_RANGE_WAIT_AFTER))
    ret = filemap_fdatawait_range (vi, off, endbyte);
  return ret;
}

int
fpfs_fstat (struct fpfs *fs, int fd, struct fpfs_stat *st)
{
  struct fpfs_file *f;

  fs_syscall_enter (fs);
  f = fs_fd_get (fs, fd);
  if (f == NULL)
    return -EBADF;
  inode_stat (f->f_inode, st);
  return 0;
}

/* syncfs (Linux >= 5.8): sync_filesystem, then report a data write error
 * of any inode that sync/syncfs have not reported yet, once
 * (errseq_check_and_advance on sb->s_wb_err).  Linux's sync(2) returns
 * void and cannot report it; the engine's sync returns what a syncfs would
 * (ERRORS.md), so that a workload learns of every error it could learn of. */
static int
sync_and_check (struct fpfs *fs)
{
  int ret = sync_filesystem (fs);
  int err = errseq_check_and_advance (&fs->s_wb.wb_err, &fs->s_sync_wb_err);

  return ret ? ret : err;
}

int
fpfs_sync (struct fpfs *fs)
{
  fs_syscall_enter (fs);
  FS_TRACE (fs, "sys_sync", "dev %s", fs->s_devname);
  return sync_and_check (fs);
}

int
fpfs_syncfs (struct fpfs *fs)
{
  fs_syscall_enter (fs);
  return sync_and_check (fs);
}

int
fpfs_clock_advance (struct fpfs *fs, uint64_t ns)
{
  sched_advance (fs->s_sched, ns);
  return 0;
}

uint64_t
fpfs_clock_now (const struct fpfs *fs)
{
  return sched_now (fs->s_sched);
}
