/* handle: ext4_jbd2.c, the file system's side of journal handles.
 *
 * Every metadata change happens inside a handle:
 *   ext4_journal_start -> ext4_journal_get_write_access (before touching
 *   b_data) -> change -> ext4_handle_dirty_metadata -> ext4_journal_stop.
 * With a journal these map one to one onto jbd.h.  Without one (nojournal)
 * the handle is ext4's "fake handle": the same calls, no transaction, and
 * dirty_metadata marks the buffer for in-place writeback instead, recording
 * it on the inode for fsync (mark_buffer_dirty_inode).
 *
 * A fs has one handle: calls are synchronous, so handles only nest (an
 * operation that dirties an inode inside a write, say), as in the kernel
 * where current->journal_info makes ext4_journal_start nest.
 *
 * Credits: every handle states how many distinct buffers it may touch.  We
 * count them here too (h_blocks) so that long operations (truncate) know
 * when to restart, and so that an undersized estimate trips an assertion
 * in nojournal mode as well as with a journal.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ext4.h"

int
ext4_journal_start (struct fpfs *fs, const char *type, int credits,
                    handle_t **out)
{
  handle_t *h = &fs->s_handle;
  struct jbd_handle *jh = NULL;
  int ret;

  assert (credits > 0 && credits <= FS_MAX_CREDITS);
  if (credits > fs->s_max_credits)
    credits = fs->s_max_credits;     /* a small journal: restart sooner */
  *out = NULL;
  /* ext4_journal_check_start: an aborted or read-only fs starts nothing. */
  if (fs->s_ro && !fs->s_mounting)
    return -EROFS;
  FS_TRACE (fs, "ext4_journal_start", "dev %s blocks %d rsv_blocks 0 caller %s",
            fs->s_devname, credits, type);
  if (fs->s_journal) {
    ret = jbd_journal_start (fs->s_journal, credits, &jh);
    if (ret < 0) {
      if (jbd_journal_aborted (fs->s_journal))
        ext4_abort (fs, jbd_journal_errno (fs->s_journal),
                    "journal start failed");
      return ret;
    }
  }
  if (h->h_ref > 0) {
    /* Nested: jbd returned the same handle with one more reference. */
    assert (jh == h->h_jh);
    h->h_ref++;
    *out = h;
    return 0;
  }
  h->h_fs = fs;
  h->h_jh = jh;
  h->h_ref = 1;
  h->h_credits = credits;
  h->h_nblocks = 0;
  h->h_type = type;
  *out = h;
  return 0;
}

int
ext4_journal_stop (handle_t *h)
{
  struct fpfs *fs;
  int ret = 0;

  if (h == NULL)
    return 0;
  fs = h->h_fs;
  assert (h->h_ref > 0);
  h->h_ref--;
  if (h->h_jh) {
    struct jbd_handle *jh = h->h_jh;
    if (h->h_ref == 0)
      h->h_jh = NULL;
    /* Stopping the outermost handle may run a commit right here (a
     * requested or sync commit, or a full transaction). */
    ret = jbd_journal_stop (jh);
    if (fs->s_journal && jbd_journal_aborted (fs->s_journal) && !fs->s_aborted)
      ext4_abort (fs, jbd_journal_errno (fs->s_journal), "journal aborted");
  }
  if (h->h_ref == 0)
    h->h_nblocks = 0;
  return ret;
}

int
ext4_journal_restart (handle_t *h, int credits)
{
  struct fpfs *fs = h->h_fs;
  const char *type = h->h_type;
  handle_t *nh;
  int ret, err;

  assert (h->h_ref == 1);
  ret = ext4_journal_stop (h);
  err = ext4_journal_start (fs, type, credits, &nh);
  assert (err < 0 || nh == h);
  return ret ? ret : err;
}

int
ext4_handle_credits_left (const handle_t *h)
{
  return h->h_credits - h->h_nblocks;
}

/* Count b against the handle's credits. */
static void
handle_track (handle_t *h, uint64_t blk)
{
  assert (h->h_ref > 0);
  for (int i = 0; i < h->h_nblocks; i++)
    if (h->h_blocks[i] == blk)
      return;
  assert (h->h_nblocks < h->h_credits);
  h->h_blocks[h->h_nblocks++] = blk;
}

static int
handle_check (handle_t *h, int ret)
{
  struct fpfs *fs = h->h_fs;

  if (ret < 0 && fs->s_journal && jbd_journal_aborted (fs->s_journal))
    ext4_abort (fs, jbd_journal_errno (fs->s_journal), "journal aborted");
  return ret;
}

int
ext4_journal_get_write_access (handle_t *h, struct buf *b)
{
  handle_track (h, b->b_blocknr);
  if (h->h_jh)
    return handle_check (h, jbd_get_write_access (h->h_jh, b));
  return 0;
}

int
ext4_journal_get_create_access (handle_t *h, struct buf *b)
{
  handle_track (h, b->b_blocknr);
  if (h->h_jh)
    return handle_check (h, jbd_get_create_access (h->h_jh, b));
  return 0;
}

int
ext4_handle_dirty_metadata (handle_t *h, struct fs_inode *inode,
                            struct buf *b)
{
  struct fpfs *fs = h->h_fs;

  assert (h->h_ref > 0);
  if (h->h_jh)
    return handle_check (h, jbd_dirty_metadata (h->h_jh, b));
  /* nojournal: written in place by fsync (when inode is set), sync or the
   * flusher once it expires. */
  buf_mark_dirty (b, fs_now (fs));
  if (inode)
    return ext4_inode_add_assoc (inode, b->b_blocknr);
  return 0;
}

int
ext4_handle_dirty_super (handle_t *h)
{
  struct fpfs *fs = h->h_fs;

  ondisk_sb_csum_set (fs->s_sbh->b_data);
  return ext4_handle_dirty_metadata (h, NULL, fs->s_sbh);
}

int
ext4_forget (handle_t *h, bool is_metadata, uint64_t blk)
{
  struct fpfs *fs = h->h_fs;
  struct buf *b = buf_lookup (fs->s_bc, blk);
  int ret = 0;

  FS_TRACE (fs, "ext4_forget", "dev %s block %" PRIu64 " is_metadata %d",
            fs->s_devname, blk, is_metadata);
  if (!h->h_jh) {
    /* nojournal: bforget, drop the cached copy without writing it. */
    if (b) {
      bool only_ref = b->b_count == 1;
      buf_clear_dirty (b);
      buf_put (b);
      if (only_ref)
        buf_forget (fs->s_bc, blk);
    }
    return 0;
  }
  /* __ext4_forget (Linux 4.10): "Never use the revoke function if we are
   * doing full data journaling: there is no need to ... Otherwise, only
   * skip the revoke on un-journaled data blocks."  So under data=journal,
   * and for data blocks of an inode whose data is not journaled, a cached
   * copy is only dropped from the journal (jbd2_journal_forget); otherwise
   * the block is revoked (jbd2_journal_revoke, which forgets a cached copy
   * too).  Every block handed here as data belongs to a regular file, and
   * ext4_should_journal_data() is false for those outside data=journal.
   * (Until issue 10's deviation 11 a cached copy was always revoked.) */
  if (fs->s_opts.data == FPFS_DATA_JOURNAL || !is_metadata)
    ret = b ? jbd_forget_norevoke (h->h_jh, b) : 0;
  else
    ret = jbd_revoke (h->h_jh, blk);
  buf_put (b);
  return handle_check (h, ret);
}

tid_t
ext4_handle_tid (const handle_t *h)
{
  return h && h->h_jh ? jbd_handle_tid (h->h_jh) : 0;
}

int
ext4_getblk_new (handle_t *h, uint64_t blk, struct buf **out)
{
  struct fpfs *fs = h->h_fs;
  struct buf *b = buf_lookup (fs->s_bc, blk);
  int ret;

  /* Access first, then change: a cached copy may still be known to jbd. */
  if (b == NULL) {
    ret = buf_get_zero (fs->s_bc, blk, &b);
    if (ret < 0)
      return ret;
  }
  ret = ext4_journal_get_create_access (h, b);
  if (ret < 0) {
    buf_put (b);
    return ret;
  }
  memset (b->b_data, 0, FS_BLOCK_SIZE);
  b->b_state |= BUF_UPTODATE;
  *out = b;
  return 0;
}
