/* mmap: shared writable file mappings, the system-call and memory side
 * (mm/mmap.c: mmap_region, do_munmap; mm/msync.c: sys_msync; mm/memory.c:
 * do_shared_fault, wp_page_shared, fault_dirty_shared_page), Linux 4.10.
 *
 * A mapping (struct vfs_mapping) is one MAP_SHARED, PROT_READ|PROT_WRITE
 * vma: [m_start, m_start + m_len) of a file, m_start page aligned.  Its id
 * stands for its address: there is one mapping per id and no address
 * space to share, so msync and munmap name the mapping and a file range
 * inside it.  The mapping holds a reference to its struct fpfs_file (the
 * vma's vm_file, get_file at mmap), so close(2) of the fd leaves it
 * usable, and the last reference -- the fd's or a mapping's -- runs
 * ext4_release_file (fput).
 *
 * A store (fpfs_mwrite) is, page by page, what a CPU store through the
 * mapping does: no page table here, so mm/'s PG_WRITE_MAPPED bit stands
 * for "this page's pte is writable".  When it is clear the store faults:
 * ext4_filemap_fault brings the page in, ext4_page_mkwrite updates the
 * times and reserves (or maps) the block and dirties the page, then the
 * pte becomes writable (PG_WRITE_MAPPED) and the bytes land.  Writeback's
 * clear_page_dirty_for_io write-protects the page again (page_mkclean),
 * so the first store after the page was cleaned faults again.  After each
 * faulting page, balance_dirty_pages (fault_dirty_shared_page's
 * balance_dirty_pages_ratelimited).  data=journal has no pages (jdata.c):
 * every store is a fault, ext4_journalled_page_store.
 *
 * Rules (fpfs.h): a store must lie inside the mapping and inside i_size
 * (else -EFAULT, SIGSEGV / SIGBUS, and nothing is stored); stores never
 * change i_size.  msync follows sys_msync's checks in order and syncs
 * with vfs_fsync_range (datasync) for MS_SYNC only.  munmap drops the
 * mapping; its dirty pages stay dirty, and pages no other mapping of the
 * inode covers lose PG_WRITE_MAPPED (their ptes are gone).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "vfs.h"

#define VFS_MAX_MAPS 65530            /* vm.max_map_count's default */

struct vfs_mapping {
  struct fpfs_file *m_file;           /* vm_file: holds a reference */
  uint64_t m_start;                   /* file offset, page aligned */
  uint64_t m_len;                     /* bytes, a whole number of pages */
};

static struct vfs_mapping *
map_get (struct fpfs *fs, int map)
{
  if (map < 0 || map >= fs->s_nmaps)
    return NULL;
  return fs->s_maps[map];
}

static int
map_install (struct fpfs *fs, struct vfs_mapping *m)
{
  int id;

  for (id = 0; id < fs->s_nmaps; id++)
    if (fs->s_maps[id] == NULL)
      break;
  if (id == fs->s_nmaps) {
    int n = fs->s_nmaps ? fs->s_nmaps * 2 : 8;
    struct vfs_mapping **v;
    if (fs->s_nmaps >= VFS_MAX_MAPS)
      return -ENOMEM;                 /* mmap(2) past max_map_count */
    v = realloc (fs->s_maps, (size_t) n * sizeof *v);
    if (v == NULL)
      return -ENOMEM;
    for (int i = fs->s_nmaps; i < n; i++)
      v[i] = NULL;
    fs->s_maps = v;
    fs->s_nmaps = n;
  }
  fs->s_maps[id] = m;
  return id;
}

int
fpfs_mmap (struct fpfs *fs, int fd, uint64_t off, uint64_t len)
{
  uint64_t limit = FS_MAX_FILE_BLOCKS << FS_BLOCK_BITS;
  struct vfs_mapping *m;
  struct fpfs_file *f;
  int acc, id;

  fs_syscall_enter (fs);
  /* The checks of sys_mmap (the offset), sys_mmap_pgoff (fget) and
   * do_mmap (length, overflow, then MAP_SHARED's file modes and
   * f_op->mmap), in their order. */
  if (off & (FS_BLOCK_SIZE - 1))
    return -EINVAL;
  f = fs_fd_get (fs, fd);
  if (f == NULL)
    return -EBADF;
  if (len == 0)
    return -EINVAL;
  len = (len + FS_BLOCK_SIZE - 1) & ~(uint64_t) (FS_BLOCK_SIZE - 1);
  if (len == 0)
    return -ENOMEM;                   /* PAGE_ALIGN wrapped */
  if (off + len < off || off + len > limit)
    return -EOVERFLOW;                /* pgoff + pages wraps (page index u32) */
  /* MAP_SHARED with PROT_WRITE needs FMODE_WRITE, any file mapping
   * FMODE_READ.  (IS_APPEND is chattr +a, which the engine lacks; an
   * O_APPEND file may be mapped.) */
  acc = f->f_flags & O_ACCMODE;
  if (acc != O_RDWR)
    return -EACCES;
  if (!fs_isreg (f->f_inode))
    return -ENODEV;                   /* no f_op->mmap */
  m = calloc (1, sizeof *m);
  if (m == NULL)
    return -ENOMEM;
  m->m_file = f;
  m->m_start = off;
  m->m_len = len;
  id = map_install (fs, m);
  if (id < 0) {
    free (m);
    return id;
  }
  /* ext4_file_mmap: vm_ops = ext4_file_vm_ops (file_accessed: noatime). */
  f->f_count++;                       /* get_file (vma->vm_file) */
  return id;
}

/* One page of a store: the write fault when the pte is not writable. */
static int
mwrite_page (struct fs_inode *inode, const uint8_t *buf, size_t n,
             uint64_t pos)
{
  uint32_t index = (uint32_t) (pos >> FS_BLOCK_BITS);
  struct page *pg;
  int ret;

  if (ext4_should_journal_data (inode->i_fs))
    return ext4_journalled_page_store (inode, buf, n, pos);
  ret = ext4_filemap_fault (inode, index, &pg);
  if (ret < 0)
    return ret;
  if (!(pg->pg_flags & PG_WRITE_MAPPED)) {
    /* do_shared_fault / wp_page_shared: page_mkwrite, then the pte made
     * writable and dirty (finish_mkwrite_fault), then
     * fault_dirty_shared_page.  The page is dirty before a byte lands, so
     * writeback cannot clean it between the fault and the store. */
    ret = ext4_page_mkwrite (inode, pg);
    if (ret < 0)
      return ret;
    pg->pg_flags |= PG_WRITE_MAPPED;
    memcpy (pg->pg_data + (pos & (FS_BLOCK_SIZE - 1)), buf, n);
    balance_dirty_pages (&inode->i_fs->s_wb);
    return 0;
  }
  /* A writable pte: the store lands on a page that is dirty already
   * (clear_page_dirty_for_io would have write-protected it). */
  assert (pg->pg_flags & PG_DIRTY);
  memcpy (pg->pg_data + (pos & (FS_BLOCK_SIZE - 1)), buf, n);
  return 0;
}

int
fpfs_mwrite (struct fpfs *fs, int map, uint64_t off, const void *buf,
             size_t len)
{
  const uint8_t *p = buf;
  struct vfs_mapping *m;
  struct fs_inode *inode;
  size_t done = 0;
  int ret = 0;

  fs_syscall_enter (fs);
  m = map_get (fs, map);
  if (m == NULL)
    return -EFAULT;                   /* nothing mapped there: SIGSEGV */
  if (len == 0)
    return 0;
  inode = m->m_file->f_inode;
  if (off < m->m_start || off - m->m_start > m->m_len
      || len > m->m_len - (off - m->m_start))
    return -EFAULT;                   /* outside the vma: SIGSEGV */
  if (off > inode->i_size || len > inode->i_size - off)
    return -EFAULT;                   /* past EOF: SIGBUS (fpfs.h) */
  if (fs->s_ro)
    return -EROFS;                    /* as a write(2) would fail */
  while (done < len && ret == 0) {
    uint64_t pos = off + done;
    size_t in = (size_t) (pos & (FS_BLOCK_SIZE - 1));
    size_t n = FS_BLOCK_SIZE - in < len - done ? FS_BLOCK_SIZE - in
      : len - done;
    ret = mwrite_page (inode, p + done, n, pos);
    if (ret == 0)
      done += n;
  }
  return ret;
}

int
fpfs_msync (struct fpfs *fs, int map, uint64_t off, uint64_t len, int flags)
{
  const int valid = FPFS_MS_ASYNC | FPFS_MS_INVALIDATE | FPFS_MS_SYNC;
  struct vfs_mapping *m;
  uint64_t end, start, vm_end, fend;
  int unmapped_error = 0, ret;

  fs_syscall_enter (fs);
  /* sys_msync's checks, in its order. */
  if (flags & ~valid)
    return -EINVAL;
  if (off & (FS_BLOCK_SIZE - 1))
    return -EINVAL;
  if ((flags & FPFS_MS_ASYNC) && (flags & FPFS_MS_SYNC))
    return -EINVAL;
  len = (len + FS_BLOCK_SIZE - 1) & ~(uint64_t) (FS_BLOCK_SIZE - 1);
  end = off + len;
  if (end < off)
    return -ENOMEM;
  if (end == off)
    return 0;
  /* find_vma: the one vma of this "address space", if the range reaches
   * it; a part of [off, end) outside it is unmapped: synced around, and
   * -ENOMEM at the end. */
  m = map_get (fs, map);
  vm_end = m ? m->m_start + m->m_len : 0;
  if (m == NULL || off >= vm_end)
    return -ENOMEM;
  start = off;
  if (start < m->m_start) {
    start = m->m_start;
    if (start >= end)
      return -ENOMEM;
    unmapped_error = -ENOMEM;
  }
  if (end > vm_end)
    unmapped_error = -ENOMEM;         /* no vma after this one */
  if (!(flags & FPFS_MS_SYNC))
    return unmapped_error;            /* MS_ASYNC: nothing since 2.6.19 */
  fend = (end < vm_end ? end : vm_end) - 1;
  if (fs_bug (fs, FPFS_BUG_MSYNC_NO_WAIT))
    /* Bug msync-no-wait: the data goes out and is waited on, but no
     * commit maps it and no FLUSH makes it durable (BUGS.md). */
    ret = filemap_write_and_wait_range (VFS_I (m->m_file->f_inode), start,
                                        fend);
  else
    /* datasync: msync promises the data and what reaches it (size,
     * mapping), not the timestamps. */
    ret = vfs_fsync_range (m->m_file, start, fend, 1);
  return ret ? ret : unmapped_error;
}

/* Is page index of inode inside a mapping other than skip? */
static bool
map_covers (struct fpfs *fs, const struct vfs_mapping *skip,
            const struct fs_inode *inode, uint32_t index)
{
  uint64_t pos = (uint64_t) index << FS_BLOCK_BITS;

  for (int i = 0; i < fs->s_nmaps; i++) {
    const struct vfs_mapping *m = fs->s_maps[i];
    if (m && m != skip && m->m_file->f_inode == inode
        && pos >= m->m_start && pos - m->m_start < m->m_len)
      return true;
  }
  return false;
}

/* do_munmap: zap the vma's ptes (the pages stay, dirty or not; a page
 * still mapped elsewhere keeps its pte there), then fput. */
static void
map_release (struct fpfs *fs, struct vfs_mapping *m, bool release)
{
  struct fs_inode *inode = m->m_file->f_inode;
  uint64_t first = m->m_start >> FS_BLOCK_BITS;
  uint64_t last = (m->m_start + m->m_len - 1) >> FS_BLOCK_BITS;
  uint32_t index = (uint32_t) first;
  struct page *v[64];
  unsigned n;

  if (last > UINT32_MAX)
    last = UINT32_MAX;
  while (release && index <= last
         && (n = pc_lookup_range (VFS_I (inode), &index, (uint32_t) last, v,
                                  64)) > 0) {
    bool wrapped = index == 0;
    for (unsigned i = 0; i < n; i++)
      if ((v[i]->pg_flags & PG_WRITE_MAPPED)
          && !map_covers (fs, m, inode, v[i]->pg_index))
        v[i]->pg_flags &= ~PG_WRITE_MAPPED;
    if (wrapped)
      break;
  }
  fs_file_put (m->m_file, release);
  free (m);
}

int
fpfs_munmap (struct fpfs *fs, int map)
{
  struct vfs_mapping *m;

  fs_syscall_enter (fs);
  m = map_get (fs, map);
  if (m == NULL)
    return -EINVAL;
  fs->s_maps[map] = NULL;
  map_release (fs, m, true);
  return 0;
}

void
fs_maps_destroy (struct fpfs *fs, bool release)
{
  for (int i = 0; i < fs->s_nmaps; i++) {
    struct vfs_mapping *m = fs->s_maps[i];
    if (m == NULL)
      continue;
    fs->s_maps[i] = NULL;
    map_release (fs, m, release);
  }
  free (fs->s_maps);
  fs->s_maps = NULL;
  fs->s_nmaps = 0;
}
