/* inode: in-core inodes, their on-disk form, and dirtying (fs/ext4/inode.c).
 *
 * Two ways an inode becomes dirty, as in Linux:
 *   - ext4_mark_inode_dirty(handle, inode): copy the in-core inode into its
 *     inode-table buffer inside a handle (ext4_do_update_inode) and note
 *     which transaction now holds it: ext4_update_inode_fsync_trans sets
 *     i_sync_tid always and i_datasync_tid only when the on-disk size
 *     changed (the rule fdatasync relies on).  Block allocation also moves
 *     i_datasync_tid (ext4_ext_map_blocks, in map.c).
 *   - __mark_inode_dirty(inode, I_DIRTY_*): the VFS side (mm/flusher.c).
 *     It calls back ext4_dirty_inode (a handle around
 *     ext4_mark_inode_dirty) unless only I_DIRTY_TIME is being set
 *     (lazytime), records the flags in i_state and puts the inode on the
 *     flusher's b_dirty or b_dirty_time list.
 * The table ext4_wb_ops at the end is what mm/ calls back.
 *
 * i_size is the size the file has; i_disksize the size the on-disk inode
 * may claim: with delayed allocation it only grows when the blocks up to it
 * are allocated (mpage_map_and_submit_extent), so a crash never exposes a
 * size covering unallocated blocks.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ext4.h"


void
inode_init_once (struct fs_inode *inode, struct fpfs *fs, uint32_t ino)
{
  tid_t tid = fs->s_journal ? jbd_commit_sequence (fs->s_journal) : 0;

  memset (inode, 0, sizeof *inode);
  inode->vfs_inode.i_wb = &fs->s_wb;
  inode->vfs_inode.i_ino = ino;
  inode->i_fs = fs;
  inode->i_ino = ino;
  inode->i_jinode.i_owner = inode;
  inode->i_sync_tid = inode->i_datasync_tid = inode->i_meta_tid = tid;
  ext4_es_init (&inode->i_es);
}

void
inode_free_mem (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;

  pc_drop_all (VFS_I (inode));
  ext4_es_destroy (&inode->i_es);
  ext4_mb_pa_free_all (inode);
  if (fs->s_journal)
    jbd_release_jbd_inode (fs->s_journal, &inode->i_jinode);
  free (inode->i_assoc);
  free (inode);
}

int
ext4_get_inode_loc (struct fs_inode *inode, struct buf **out,
                    unsigned *offset)
{
  struct fpfs *fs = inode->i_fs;
  uint32_t idx = inode->i_ino - 1;

  assert (inode->i_ino >= 1 && inode->i_ino <= fs->s_geo.inodes_count);
  *offset = (idx % FS_INODES_PER_BLOCK) * FS_INODE_SIZE;
  return buf_read (fs->s_bc, fs->s_geo.itable_start + idx / FS_INODES_PER_BLOCK,
                   out);
}

static void
put_time (uint8_t *raw, unsigned sec_off, unsigned ns_off,
          const struct fpfs_timespec *t)
{
  put_le64 (raw + sec_off, (uint64_t) t->sec);
  put_le32 (raw + ns_off, t->nsec);
}

static void
get_time (const uint8_t *raw, unsigned sec_off, unsigned ns_off,
          struct fpfs_timespec *t)
{
  t->sec = (int64_t) get_le64 (raw + sec_off);
  t->nsec = get_le32 (raw + ns_off);
  if (t->nsec >= 1000000000u)
    t->nsec = 999999999u;
}

/* Encode everything but the size (the caller decides about that). */
static void
inode_encode (const struct fs_inode *inode, uint8_t *raw)
{
  put_le16 (raw + IN_MODE, inode->i_mode);
  put_le16 (raw + IN_LINKS, inode->i_nlink);
  put_le32 (raw + IN_FLAGS, inode->i_flags);
  put_le64 (raw + IN_BLOCKS, inode->i_blocks);
  put_time (raw, IN_ATIME, IN_ATIME_NS, &inode->i_atime);
  put_time (raw, IN_MTIME, IN_MTIME_NS, &inode->i_mtime);
  put_time (raw, IN_CTIME, IN_CTIME_NS, &inode->i_ctime);
  put_time (raw, IN_CRTIME, IN_CRTIME_NS, &inode->i_crtime);
  put_le32 (raw + IN_GENERATION, inode->i_generation);
  put_le32 (raw + IN_DTIME, inode->i_dtime);
  put_le32 (raw + IN_UID, inode->i_uid);
  put_le32 (raw + IN_GID, inode->i_gid);
  /* ext4_do_update_inode: a device's number is encoded into i_block
   * (old or new form); every other inode copies i_data as is. */
  memcpy (raw + IN_BLOCK, inode->i_data, IN_BLOCK_BYTES);
  if ((inode->i_mode & FS_S_IFMT) == FS_S_IFCHR
      || (inode->i_mode & FS_S_IFMT) == FS_S_IFBLK)
    ondisk_dev_encode (raw + IN_BLOCK, inode->i_rdev);
  put_le32 (raw + IN_NEXT_ORPHAN, inode->i_next_orphan);
  put_le64 (raw + IN_FILE_ACL, inode->i_file_acl);
  put_le16 (raw + IN_EXTRA_ISIZE, inode->i_extra_isize);
  /* The pad after i_extra_isize; past the extra fields lies the in-inode
   * xattr area, which only ext4/xattr.c writes (in this buffer, as
   * ext4_xattr_ibody_set does in the kernel): left alone here. */
  if (inode->i_extra_isize > 2)
    memset (raw + IN_EXTRA_ISIZE + 2, 0, inode->i_extra_isize - 2u);
}

void
ext4_update_inode_fsync_trans (handle_t *h, struct fs_inode *inode,
                               bool datasync)
{
  if (ext4_handle_valid (h)) {
    tid_t tid = ext4_handle_tid (h);
    inode->i_sync_tid = tid;
    /* FPFS_BUG_NO_DATASYNC_TID: fdatasync then never sees size changes. */
    if (datasync && !fs_bug (inode->i_fs, FPFS_BUG_NO_DATASYNC_TID))
      inode->i_datasync_tid = tid;
  } else if (h) {
    /* nojournal: the same rule through i_state, which decides what
     * __generic_file_fsync writes (the kernel leaves changes made only via
     * ext4_mark_inode_dirty to the block-device flusher; we do not). */
    inode_mark_state (VFS_I (inode), datasync && !fs_bug (inode->i_fs,
                                                   FPFS_BUG_NO_DATASYNC_TID)
                      ? I_DIRTY_SYNC | I_DIRTY_DATASYNC : I_DIRTY_SYNC);
  }
}

/* ext4_do_update_inode: the in-core inode into its buffer, inside h. */
static int
ext4_do_update_inode (handle_t *h, struct fs_inode *inode, struct buf *bh,
                      unsigned off)
{
  uint8_t *raw = bh->b_data + off;
  uint8_t old[FS_INODE_SIZE];
  bool need_datasync = false, meta;
  int ret;

  /* A new inode's first write zeroes its slot (4.10 ext4_do_update_inode
   * under EXT4_STATE_NEW): whatever a freed inode left there, its old
   * xattrs included, goes. */
  if (inode->i_ext4_state & EXT4_STATE_NEW) {
    memset (raw, 0, FS_INODE_SIZE);
    inode->i_ext4_state &= ~EXT4_STATE_NEW;
  }
  memcpy (old, raw, sizeof old);
  if (inode->i_disksize != get_le64 (raw + IN_SIZE)) {
    put_le64 (raw + IN_SIZE, inode->i_disksize);
    need_datasync = true;
  }
  inode_encode (inode, raw);
  /* Did anything but the timestamps change?  (For the bug switch that
   * makes fsync skip time-only changes; nothing else reads i_meta_tid.) */
  meta = memcmp (old, raw, IN_ATIME) != 0
    || memcmp (old + IN_TIMES_END, raw + IN_TIMES_END,
               FS_INODE_SIZE - IN_TIMES_END) != 0;
  ret = ext4_handle_dirty_metadata (h, NULL, bh);
  ext4_update_inode_fsync_trans (h, inode, need_datasync);
  if (meta && ext4_handle_valid (h))
    inode->i_meta_tid = ext4_handle_tid (h);
  return ret;
}

int
ext4_mark_inode_dirty (handle_t *h, struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  struct buf *bh;
  unsigned off;
  int ret;

  FS_TRACE (fs, "ext4_mark_inode_dirty", "dev %s ino %u caller %s",
            fs->s_devname, inode->i_ino, h->h_type);
  ret = ext4_get_inode_loc (inode, &bh, &off);
  if (ret < 0)
    return ret;
  ret = ext4_journal_get_write_access (h, bh);
  if (ret == 0)
    ret = ext4_do_update_inode (h, inode, bh, off);
  buf_put (bh);
  return ret;
}

/* ext4_dirty_inode: the s_op->dirty_inode hook. */
static void
ext4_dirty_inode (struct fs_inode *inode, unsigned flags)
{
  handle_t *h;

  if (flags == I_DIRTY_TIME)
    return;
  if (ext4_journal_start (inode->i_fs, "dirty_inode", 2, &h) < 0)
    return;
  ext4_mark_inode_dirty (h, inode);
  ext4_journal_stop (h);
}

struct fpfs_timespec
fs_current_time (const struct fpfs *fs)
{
  uint64_t now = fs_now (fs);
  struct fpfs_timespec t = { (int64_t) (now / FPFS_NSEC_PER_SEC),
                             (uint32_t) (now % FPFS_NSEC_PER_SEC) };
  return t;
}

void
file_update_time (struct fs_inode *inode)
{
  struct fpfs *fs = inode->i_fs;
  struct fpfs_timespec now = fs_current_time (fs);

  if (inode->i_mtime.sec == now.sec && inode->i_mtime.nsec == now.nsec
      && inode->i_ctime.sec == now.sec && inode->i_ctime.nsec == now.nsec)
    return;
  inode->i_mtime = inode->i_ctime = now;
  /* generic_update_time: under lazytime only I_DIRTY_TIME. */
  __mark_inode_dirty (VFS_I (inode),
                      fs->s_opts.lazytime ? I_DIRTY_TIME : I_DIRTY_SYNC);
}

void
ext4_update_i_disksize (struct fs_inode *inode, uint64_t newsize)
{
  if (newsize > inode->i_disksize)
    inode->i_disksize = newsize;
}

static int
inode_decode_check (struct fs_inode *inode, const uint8_t *raw)
{
  struct fpfs *fs = inode->i_fs;

  inode->i_mode = get_le16 (raw + IN_MODE);
  inode->i_nlink = get_le16 (raw + IN_LINKS);
  inode->i_flags = get_le32 (raw + IN_FLAGS);
  inode->i_size = inode->i_disksize = get_le64 (raw + IN_SIZE);
  inode->i_blocks = get_le64 (raw + IN_BLOCKS);
  get_time (raw, IN_ATIME, IN_ATIME_NS, &inode->i_atime);
  get_time (raw, IN_MTIME, IN_MTIME_NS, &inode->i_mtime);
  get_time (raw, IN_CTIME, IN_CTIME_NS, &inode->i_ctime);
  get_time (raw, IN_CRTIME, IN_CRTIME_NS, &inode->i_crtime);
  inode->i_generation = get_le32 (raw + IN_GENERATION);
  inode->i_dtime = get_le32 (raw + IN_DTIME);
  inode->i_uid = get_le32 (raw + IN_UID);
  inode->i_gid = get_le32 (raw + IN_GID);
  memcpy (inode->i_data, raw + IN_BLOCK, IN_BLOCK_BYTES);
  inode->i_next_orphan = get_le32 (raw + IN_NEXT_ORPHAN);
  inode->i_file_acl = get_le64 (raw + IN_FILE_ACL);
  inode->i_extra_isize = get_le16 (raw + IN_EXTRA_ISIZE);

  /* ext4_iget (4.10): the extra fields must fit, an unused extra space
   * (0) is taken into use, and the xattr magic there says the body holds
   * xattrs.  (The & 3 check is 4.12's, kept so the area stays aligned.) */
  if (IN_GOOD_OLD_SIZE + (unsigned) inode->i_extra_isize + XATTR_IBODY_HDR
      > FS_INODE_SIZE || (inode->i_extra_isize & 3))
    return ext4_error_corrupt (fs, "inode i_extra_isize is invalid",
                               inode->i_ino);
  if (inode->i_extra_isize == 0)
    inode->i_extra_isize = FS_WANT_EXTRA_ISIZE;
  else if (get_le32 (raw + IN_GOOD_OLD_SIZE + inode->i_extra_isize)
           == XATTR_MAGIC)
    inode->i_ext4_state |= EXT4_STATE_XATTR;
  if (inode->i_file_acl && !ext4_blk_in_data (fs, inode->i_file_acl, 1))
    return ext4_error_corrupt (fs, "inode xattr block out of range",
                               inode->i_ino);

  if (!fs_isreg (inode) && !fs_isdir (inode) && !fs_islnk (inode)
      && !fs_isspecial (inode))
    return ext4_error_corrupt (fs, "inode has an unsupported mode",
                               inode->i_ino);
  if (fs_isspecial (inode)) {
    /* ext4_iget: init_special_inode with the number in i_block. */
    inode->i_rdev = ondisk_dev_decode (inode->i_data);
    if (ext4_has_extents (inode) || inode->i_blocks || inode->i_size)
      return ext4_error_corrupt (fs, "special inode has data", inode->i_ino);
  } else if (ext4_inode_is_fast_symlink (inode)) {
    /* ext4_iget: nd_terminate_link; a size that cannot be a fast
     * target, or bytes at or past it, is corruption. */
    if (inode->i_size >= IN_BLOCK_BYTES || inode->i_blocks
        || strnlen ((const char *) inode->i_data, IN_BLOCK_BYTES)
           != inode->i_size)
      return ext4_error_corrupt (fs, "fast symlink size is invalid",
                                 inode->i_ino);
  } else if (!ext4_has_extents (inode))
    return ext4_error_corrupt (fs, "inode is not extent-mapped", inode->i_ino);
  if (inode->i_size > (FS_MAX_FILE_BLOCKS << FS_BLOCK_BITS)
      || (fs_isdir (inode) && (inode->i_size % FS_BLOCK_SIZE) != 0)
      || (fs_islnk (inode) && ext4_has_extents (inode)
          && (inode->i_size < IN_BLOCK_BYTES
              || inode->i_size > FS_SYMLINK_MAX)
          && inode->i_nlink))
    return ext4_error_corrupt (fs, "inode size is invalid", inode->i_ino);
  if (inode->i_nlink == 0 && !fs->s_mounting)
    return ext4_error_corrupt (fs, "reference to a deleted inode",
                               inode->i_ino);
  if (inode->i_next_orphan > fs->s_geo.inodes_count)
    return ext4_error_corrupt (fs, "orphan link out of range", inode->i_ino);
  return ext4_has_extents (inode) ? ext4_ext_check_inode (inode) : 0;
}

int
ext4_iget (struct fpfs *fs, uint32_t ino, struct fs_inode **out)
{
  struct fs_inode *inode;
  struct buf *bh;
  unsigned off;
  int ret;

  *out = NULL;
  if (ino < 1 || ino > fs->s_geo.inodes_count
      || (ino < FS_FIRST_INO && ino != FS_ROOT_INO))
    return ext4_error_corrupt (fs, "inode number out of range", ino);
  inode = ext4_icache_find (fs, ino);
  if (inode) {
    if (inode->vfs_inode.i_state & I_FREEING)
      return -ESTALE;
    inode->i_count++;
    ext4_icache_touch (inode);
    *out = inode;
    return 0;
  }
  inode = malloc (sizeof *inode);
  if (inode == NULL)
    return -ENOMEM;
  inode_init_once (inode, fs, ino);
  ret = ext4_get_inode_loc (inode, &bh, &off);
  if (ret < 0) {
    inode_free_mem (inode);
    return ret;
  }
  ret = inode_decode_check (inode, bh->b_data + off);
  buf_put (bh);
  if (ret < 0) {
    inode_free_mem (inode);
    return ret;
  }
  inode->i_count = 1;
  ext4_icache_insert (fs, inode);
  *out = inode;
  return 0;
}

void
ext4_ihold (struct fs_inode *inode)
{
  inode->i_count++;
  ext4_icache_touch (inode);
}

void
iput (struct fs_inode *inode)
{
  struct fpfs *fs;

  if (inode == NULL)
    return;
  fs = inode->i_fs;
  assert (inode->i_count > 0);
  if (--inode->i_count > 0)
    return;
  if (inode->i_nlink == 0 && !fs->s_ro) {
    ext4_evict_inode (inode);
    return;
  }
  ext4_icache_touch (inode);
  ext4_icache_shrink (fs);
}

int
ext4_write_inode (struct fs_inode *inode, const struct writeback_control *wbc)
{
  struct fpfs *fs = inode->i_fs;
  struct buf *bh;
  unsigned off;
  int ret;

  if (fs->s_journal) {
    /* No need to force a commit for WB_SYNC_NONE, nor for sync(2):
     * ext4_sync_fs commits after everything is written. */
    if (wbc->sync_mode != WB_SYNC_ALL || wbc->for_sync)
      return 0;
    return ext4_force_commit (fs);
  }
  ret = ext4_get_inode_loc (inode, &bh, &off);
  if (ret < 0)
    return ret;
  /* sync(2) writes the whole buffer cache; fsync writes the block now. */
  if (wbc->sync_mode == WB_SYNC_ALL && !wbc->for_sync
      && (bh->b_state & BUF_DIRTY))
    ret = buf_write (bh, 0);
  buf_put (bh);
  return ret;
}

void
inode_stat (const struct fs_inode *inode, struct fpfs_stat *st)
{
  memset (st, 0, sizeof *st);
  st->ino = inode->i_ino;
  st->generation = inode->i_generation;
  st->mode = inode->i_mode;
  st->nlink = inode->i_nlink;
  st->size = inode->i_size;
  /* ext4_getattr counts delayed-allocation blocks as allocated. */
  st->blocks = inode->i_blocks
    + (uint64_t) inode->i_reserved_data_blocks * (FS_BLOCK_SIZE / 512);
  st->atime = inode->i_atime;
  st->mtime = inode->i_mtime;
  st->ctime = inode->i_ctime;
  if ((inode->i_mode & FS_S_IFMT) == FS_S_IFCHR
      || (inode->i_mode & FS_S_IFMT) == FS_S_IFBLK) {
    /* cp_new_stat: new_encode_dev, as user space's makedev(). */
    uint64_t ma = FS_DEV_MAJOR (inode->i_rdev), mi = FS_DEV_MINOR (inode->i_rdev);
    st->rdev = ((ma & 0xfffff000u) << 32) | ((ma & 0xfffu) << 8)
      | ((mi & 0xffffff00u) << 12) | (mi & 0xffu);
  }
}

/* ---- what mm/ calls back (super_operations, address_space_operations) ---- */

static int
wb_writepages (struct inode *vi, struct writeback_control *wbc)
{
  return ext4_writepages (EXT4_I (vi), wbc);
}

static int
wb_write_inode (struct inode *vi, const struct writeback_control *wbc)
{
  return ext4_write_inode (EXT4_I (vi), wbc);
}

static void
wb_dirty_inode (struct inode *vi, unsigned flags)
{
  ext4_dirty_inode (EXT4_I (vi), flags);
}

static void
wb_ihold (struct inode *vi)
{
  ext4_ihold (EXT4_I (vi));
}

static void
wb_iput (struct inode *vi)
{
  iput (EXT4_I (vi));
}

/* The flusher's metadata pass: with a journal, checkpoint committed
 * buffers that expired; without, write expired dirty buffers in place. */
static void
wb_write_metadata (void *ctx, uint64_t older_than_ns)
{
  struct fpfs *fs = ctx;

  if (fs->s_journal)
    jbd_checkpoint (fs->s_journal, older_than_ns);
  else
    buf_write_dirty (fs->s_bc, older_than_ns);
}

static bool
wb_metadata_dirty (void *ctx)
{
  struct fpfs *fs = ctx;

  return buf_dirty_count (fs->s_bc) != 0;
}

static bool
wb_sb_rdonly (void *ctx)
{
  struct fpfs *fs = ctx;

  return fs->s_ro;
}

const struct wb_operations ext4_wb_ops = {
  .writepages = wb_writepages,
  .write_inode = wb_write_inode,
  .dirty_inode = wb_dirty_inode,
  .ihold = wb_ihold,
  .iput = wb_iput,
  .write_metadata = wb_write_metadata,
  .metadata_dirty = wb_metadata_dirty,
  .sb_rdonly = wb_sb_rdonly,
};
