/* map: ext4_map_blocks and ext4_ext_map_blocks (fs/ext4/inode.c,
 * fs/ext4/extents.c), the logical-to-physical mapping every reader and
 * writer goes through.
 *
 * ext4_map_blocks asks the extent status cache first.  A WRITTEN hit is
 * answered at once.  A DELAYED or HOLE hit ends a lookup; with CREATE it
 * goes straight to allocation.  A miss looks the tree up
 * (ext4_ext_map_blocks without CREATE), caches the answer, and only then,
 * if asked to create and still unmapped, allocates:
 * ext4_ext_map_blocks(CREATE) -> ext4_mb_new_blocks -> insert the extent ->
 * claim the delalloc reservation -> ext4_update_inode_fsync_trans(h, 1)
 * (a new mapping is what fdatasync must commit) -> ext4_mark_inode_dirty.
 * Newly allocated blocks of a data=ordered file put the inode on the
 * transaction's ordered-data list (jbd_file_inode), so the commit writes
 * the data first.
 *
 * Unwritten extents (fallocate): a lookup reports them as a hole with
 * EXT4_MAP_UNWRITTEN and the block; CREATE_UNWRIT_EXT allocates them (and
 * CONVERT_UNWRITTEN turns written blocks unwritten, zero range); plain
 * CREATE converts them to written in the caller's handle, reported NEW so
 * that the data is ordered before that commit (ext_map_unwritten).
 *
 * Trace events, in the order seed 000 lists them for a delayed block:
 * ext4_es_lookup_extent_enter/exit, ext4_ext_map_blocks_enter,
 * ext4_request_blocks, ext4_allocate_blocks, ext4_mark_inode_dirty,
 * ext4_ext_map_blocks_exit, ext4_es_insert_extent.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>

#include "ext4.h"

static const char *
map_flags_str (unsigned f)
{
  static const char *const s[] = {
    "0", "N", "M", "NM", "D", "ND", "MD", "NMD",
  };
  return s[f & 7];
}

/* The unwritten run at map->m_lblk (ext4_ext_handle_unwritten_extents,
 * 4.10, without dioread_nolock).  Without CREATE it reads as a hole: 0,
 * with EXT4_MAP_UNWRITTEN and m_pblk set.  With CREATE_UNWRIT_EXT
 * (fallocate) it is already what was asked for.  With plain CREATE (the
 * writeback of pages written into it, data=journal writes) the run is
 * converted to written in this handle (ext4_ext_convert_to_initialized)
 * and reported NEW, so ext4_map_blocks puts the inode on the ordered-data
 * list: the commit that records the conversion writes the data first. */
static int
ext_map_unwritten (handle_t *h, struct fs_inode *inode,
                   struct ext4_map_blocks *map, unsigned flags, uint64_t pblk,
                   uint32_t len)
{
  int ret;

  inode->i_ext4_state |= EXT4_STATE_UNWRIT;
  map->m_pblk = pblk;
  map->m_len = len < map->m_len ? len : map->m_len;
  map->m_flags |= EXT4_MAP_UNWRITTEN;
  if (!(flags & EXT4_GET_BLOCKS_CREATE))
    return 0;
  if (flags & EXT4_GET_BLOCKS_UNWRIT_EXT) {
    map->m_flags |= EXT4_MAP_MAPPED;
    return (int) map->m_len;
  }
  ret = ext4_ext_set_state (h, inode, map->m_lblk, map->m_len, false);
  if (ret < 0)
    return ret;
  map->m_len = (uint32_t) ret;
  ext4_update_inode_fsync_trans (h, inode, true);
  ret = ext4_mark_inode_dirty (h, inode);
  if (ret < 0)
    return ret;
  map->m_flags = (map->m_flags & ~EXT4_MAP_UNWRITTEN)
    | EXT4_MAP_NEW | EXT4_MAP_MAPPED;
  return (int) map->m_len;
}

/* ext4_ext_map_blocks: look up, and with CREATE allocate (unwritten with
 * CREATE_UNWRIT_EXT, as ext4_alloc_file_blocks asks). */
static int
ext4_ext_map_blocks (handle_t *h, struct fs_inode *inode,
                     struct ext4_map_blocks *map, unsigned flags)
{
  struct fpfs *fs = inode->i_fs;
  struct ext4_allocation_request ar;
  bool unwrit = (flags & EXT4_GET_BLOCKS_UNWRIT_EXT) != 0, is_unwritten;
  uint64_t pblk;
  uint32_t len, got, delayed;
  int ret;

  FS_TRACE (fs, "ext4_ext_map_blocks_enter",
            "dev %s ino %u lblk %u len %u flags %s", fs->s_devname,
            inode->i_ino, map->m_lblk, map->m_len,
            !(flags & EXT4_GET_BLOCKS_CREATE) ? ""
            : unwrit ? "CREATE|UNWRIT" : "CREATE");
  ret = ext4_ext_lookup_state (inode, map->m_lblk, &pblk, &len, &is_unwritten);
  if (ret < 0)
    goto out;
  if (pblk && is_unwritten) {
    ret = ext_map_unwritten (h, inode, map, flags, pblk, len);
    goto out;
  }
  if (pblk) {
    map->m_pblk = pblk;
    map->m_len = len < map->m_len ? len : map->m_len;
    map->m_flags |= EXT4_MAP_MAPPED;
    ret = (int) map->m_len;
    if ((flags & EXT4_GET_BLOCKS_CREATE)
        && (flags & EXT4_GET_BLOCKS_CONVERT_UNWRITTEN)) {
      /* ext4_convert_initialized_extents (zero range): written blocks
       * become unwritten, so they read as zeroes from this commit on. */
      ret = ext4_ext_set_state (h, inode, map->m_lblk, map->m_len, true);
      if (ret < 0)
        goto out;
      map->m_len = (uint32_t) ret;
      map->m_flags |= EXT4_MAP_UNWRITTEN;
      inode->i_ext4_state |= EXT4_STATE_UNWRIT;
      ext4_update_inode_fsync_trans (h, inode, true);
      ret = ext4_mark_inode_dirty (h, inode);
      if (ret == 0)
        ret = (int) map->m_len;
    }
    goto out;
  }
  if (!(flags & EXT4_GET_BLOCKS_CREATE)) {
    map->m_len = len < map->m_len ? len : map->m_len;   /* the hole */
    ret = 0;
    goto out;
  }
  /* Allocate at most up to the next mapped block, one extent's worth. */
  ar.inode = inode;
  ar.logical = map->m_lblk;
  ar.len = map->m_len < len ? map->m_len : len;
  if (ar.len > (unwrit ? EXT_UNWRITTEN_MAX_LEN : EXT_INIT_MAX_LEN))
    ar.len = unwrit ? EXT_UNWRITTEN_MAX_LEN : EXT_INIT_MAX_LEN;
  ar.goal = ext4_ext_find_goal (inode, map->m_lblk);
  ar.flags = fs_isreg (inode) ? EXT4_MB_HINT_DATA : 0;
  if (flags & EXT4_GET_BLOCKS_DELALLOC_RESERVE)
    ar.flags |= EXT4_MB_DELALLOC_RESERVED;
  ret = ext4_mb_new_blocks (h, &ar, &pblk, &got);
  if (ret < 0)
    goto out;
  ret = ext4_ext_insert_extent_state (h, inode, map->m_lblk, got, pblk,
                                      unwrit);
  if (ret < 0) {
    ext4_free_blocks (h, inode, pblk, got, false);
    goto out;
  }
  inode->i_blocks += (uint64_t) got * (FS_BLOCK_SIZE / 512);
  /* Delayed blocks now allocated give their reservations back: by
   * writeback (DELALLOC_RESERVE), or by fallocate over pages written and
   * not yet written back (the pages stay delayed; writeback then finds the
   * unwritten extent and converts it). */
  delayed = ext4_es_delayed_count (inode, map->m_lblk, got);
  if (delayed)
    ext4_da_update_reserve_space (inode, delayed);
  if (unwrit)
    inode->i_ext4_state |= EXT4_STATE_UNWRIT;
  /* Cache the extent and update the transaction to commit on fdatasync. */
  ext4_update_inode_fsync_trans (h, inode, true);
  ret = ext4_mark_inode_dirty (h, inode);
  if (ret < 0)
    goto out;
  map->m_pblk = pblk;
  map->m_len = got;
  map->m_flags |= EXT4_MAP_NEW | EXT4_MAP_MAPPED
    | (unwrit ? EXT4_MAP_UNWRITTEN : 0);
  ret = (int) got;
out:
  FS_TRACE (fs, "ext4_ext_map_blocks_exit",
            "dev %s ino %u flags %s lblk %u pblk %" PRIu64 " len %u mflags %s%s "
            "ret %d", fs->s_devname, inode->i_ino,
            flags & EXT4_GET_BLOCKS_CREATE ? "CREATE" : "", map->m_lblk,
            map->m_pblk, map->m_len, map_flags_str (map->m_flags),
            map->m_flags & EXT4_MAP_UNWRITTEN ? "U" : "", ret);
  return ret;
}

int
ext4_map_blocks (handle_t *h, struct fs_inode *inode,
                 struct ext4_map_blocks *map, unsigned flags)
{
  struct fpfs *fs = inode->i_fs;
  struct extent_status es;
  bool found;
  int ret;

  assert (map->m_len >= 1);
  map->m_flags = 0;
  map->m_pblk = 0;
  if ((uint64_t) map->m_lblk + map->m_len > FS_MAX_FILE_BLOCKS)
    return -EFBIG;
  if (flags & EXT4_GET_BLOCKS_CONVERT_UNWRITTEN) {
    /* Zero range: the tree decides (EXT4_EX_NOCACHE), the cache follows. */
    assert (h != NULL && (flags & EXT4_GET_BLOCKS_UNWRIT_EXT));
    ret = ext4_ext_map_blocks (h, inode, map, flags);
    if (ret > 0)
      ext4_es_insert_extent (inode, map->m_lblk, map->m_len, map->m_pblk,
                             ES_UNWRITTEN);
    return ret == 0 ? -EIO : ret;
  }
  FS_TRACE (fs, "ext4_es_lookup_extent_enter", "dev %s ino %u lblk %u",
            fs->s_devname, inode->i_ino, map->m_lblk);
  found = ext4_es_lookup_extent (inode, map->m_lblk, &es);
  FS_TRACE (fs, "ext4_es_lookup_extent_exit",
            "dev %s ino %u found %d [%u/%u) %" PRIu64 " %s", fs->s_devname,
            inode->i_ino, found, found ? es.es_lblk : 0,
            found ? es.es_len : 0, found ? es.es_pblk : 0,
            !found ? "" : es.es_status & ES_WRITTEN ? "W"
            : es.es_status & ES_DELAYED ? "D" : "H");
  if (found) {
    uint32_t left = es.es_len - (map->m_lblk - es.es_lblk);
    if (map->m_len > left)
      map->m_len = left;
    if (es.es_status & ES_WRITTEN) {
      map->m_pblk = es.es_pblk + (map->m_lblk - es.es_lblk);
      map->m_flags = EXT4_MAP_MAPPED;
      return (int) map->m_len;
    }
    if (es.es_status & ES_UNWRITTEN) {
      map->m_pblk = es.es_pblk + (map->m_lblk - es.es_lblk);
      map->m_flags = EXT4_MAP_UNWRITTEN;
      if (!(flags & EXT4_GET_BLOCKS_CREATE))
        return 0;                     /* reads as a hole: zeroes */
      if (flags & EXT4_GET_BLOCKS_UNWRIT_EXT) {
        map->m_flags |= EXT4_MAP_MAPPED;
        return (int) map->m_len;
      }
    }
    if (es.es_status & ES_DELAYED)
      map->m_flags = EXT4_MAP_DELAYED;
    if (!(flags & EXT4_GET_BLOCKS_CREATE))
      return 0;
  } else {
    /* Miss: look the tree up and cache what it says.  A hole stops at
     * the next cached extent, which may be delayed: the tree does not know
     * those (ext4_ext_determine_hole / ext4_es_find_delayed_extent_range),
     * and caching the hole over them would lose their reservations. */
    uint64_t next = ext4_es_next_start (inode, map->m_lblk);
    ret = ext4_ext_map_blocks (h, inode, map, 0);
    if (ret < 0)
      return ret;
    if (ret == 0 && (uint64_t) map->m_lblk + map->m_len > next)
      map->m_len = (uint32_t) (next - map->m_lblk);
    if (ret > 0)
      ext4_es_insert_extent (inode, map->m_lblk, map->m_len, map->m_pblk,
                             ES_WRITTEN);
    else if (map->m_flags & EXT4_MAP_UNWRITTEN)
      ext4_es_insert_extent (inode, map->m_lblk, map->m_len, map->m_pblk,
                             ES_UNWRITTEN);
    else
      ext4_es_insert_extent (inode, map->m_lblk, map->m_len, 0, ES_HOLE);
    if (ret > 0 || !(flags & EXT4_GET_BLOCKS_CREATE))
      return ret;
    if ((map->m_flags & EXT4_MAP_UNWRITTEN)
        && (flags & EXT4_GET_BLOCKS_UNWRIT_EXT)) {
      map->m_flags |= EXT4_MAP_MAPPED;
      return (int) map->m_len;
    }
  }
  assert (h != NULL && h->h_ref > 0);
  map->m_flags = 0;
  ret = ext4_ext_map_blocks (h, inode, map, flags);
  if (ret <= 0) {
    if (ret == 0)
      ret = -EIO;
    return ret;
  }
  ext4_es_insert_extent (inode, map->m_lblk, map->m_len, map->m_pblk,
                         map->m_flags & EXT4_MAP_UNWRITTEN ? ES_UNWRITTEN
                         : ES_WRITTEN);
  /* ext4_map_blocks: "New blocks allocate and/or writing to unwritten
   * extent will possibly result in updating i_data, so we take the write
   * lock" -- and in data=ordered, a block that becomes written here (new,
   * or an unwritten one converted) puts the inode on the transaction's
   * ordered-data list: the commit writes the data before the commit block
   * that maps it.  A block left unwritten has nothing to order (it reads
   * as zeroes whatever it holds).  Bug unwritten-convert-early's early
   * conversion (da.c) passes NO_ORDER: nothing ties it to the data. */
  if ((map->m_flags & EXT4_MAP_NEW) && !(map->m_flags & EXT4_MAP_UNWRITTEN)
      && !(flags & EXT4_GET_BLOCKS_NO_ORDER)
      && ext4_should_order_data (fs) && fs_isreg (inode)) {
    int err = jbd_file_inode (h->h_jh, &inode->i_jinode);
    if (err < 0)
      return err;
  }
  return ret;
}
