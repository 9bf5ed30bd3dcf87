/* jbd_int.h: the journal's private structures, shared by the files of
 * engine/jbd2 (and read by fsck/journal.c for the byte decoders).
 *
 * The files split the kernel's fs/jbd2 by job, and keep its names so that a
 * reader can hold one beside the other:
 *   journal.c      format, load, destroy, abort, the journal superblock,
 *                  log block allocation
 *   transaction.c  handles, get_write_access, dirty_metadata, forget,
 *                  ordered-data inodes
 *   commit.c       jbd2_journal_commit_transaction, by phase
 *   kjournald.c    the commit requests (log_start_commit, wait_commit,
 *                  complete_transaction, ...) and the kjournald2 timer
 *                  (fs/jbd2/journal.c in the kernel)
 *   checkpoint.c   checkpoint lists, log tail, log space
 *   revoke.c       revoke tables and revoke blocks
 *   recovery.c     PASS_SCAN, PASS_REVOKE, PASS_REPLAY
 *   ondisk.c       the byte layout (FORMAT-journal.md) in one place
 *
 * Structure invariants (asserted where they change):
 *   - a struct jbd_head exists while its buffer is on a transaction list or
 *     a checkpoint list, and holds one reference on the buffer meanwhile;
 *   - b_transaction is the running transaction, or the committing one while
 *     a commit runs; b_jlist says which of its lists holds the head;
 *   - a buffer on a transaction list never has BUF_DIRTY;
 *   - a buffer on a checkpoint list with b_transaction == NULL holds
 *     committed contents; BUF_DIRTY says they are not yet in place;
 *   - at most one handle is open (there are no threads), and a commit runs
 *     only when none is.
 */
#ifndef FP_JBD_INT_H
#define FP_JBD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbd.h"

/* ---- on-disk constants (FORMAT-journal.md) ---- */
#define JBD_MAGIC               0xC03B3998u
#define JBD_DESCRIPTOR_BLOCK    1
#define JBD_COMMIT_BLOCK        2
#define JBD_SUPERBLOCK_V2       4
#define JBD_REVOKE_BLOCK        5

#define JBD_FLAG_ESCAPE         1u     /* block started with the magic */
#define JBD_FLAG_SAME_UUID      2u     /* no uuid follows this tag */
#define JBD_FLAG_LAST_TAG       8u     /* last tag of this descriptor */

#define JBD_FEATURE_COMPAT_CHECKSUM   0x1u
#define JBD_FEATURE_INCOMPAT_REVOKE   0x1u
#define JBD_FEATURE_INCOMPAT_64BIT    0x2u
#define JBD_FEATURE_INCOMPAT_XXH3     0x80000000u   /* flushpoint's own */
#define JBD_KNOWN_INCOMPAT (JBD_FEATURE_INCOMPAT_REVOKE \
                            | JBD_FEATURE_INCOMPAT_64BIT \
                            | JBD_FEATURE_INCOMPAT_XXH3)

#define JBD_HEADER_SIZE         12u
#define JBD_TAG_SIZE            12u
#define JBD_UUID_SIZE           16u
#define JBD_REVOKE_HEADER_SIZE  16u    /* header + r_count */
#define JBD_SB_SIZE             512u   /* bytes covered by s_checksum: one
                                          sector, so a torn write leaves the
                                          old or the new superblock whole */
#define JBD_CHKSUM_TYPE_XXH3    5u

#define JBD_MIN_JOURNAL_BLOCKS  32u

/* ---- in-memory state ---- */

/* Which list of b_transaction holds a journal head (the kernel's BJ_*). */
enum jbd_jlist {
  BJ_None = 0,
  BJ_Metadata,     /* t_buffers: dirtied, goes to the log */
  BJ_Forget,       /* t_forget: freed; commit removes it from old cp lists */
  BJ_Reserved,     /* t_reserved_list: write access, not (yet) dirtied */
};

/* The kernel's struct journal_head. */
struct jbd_head {
  struct buf *b_bh;
  enum jbd_jlist b_jlist;
  bool b_modified;       /* dirtied in b_transaction: a credit was used */
  bool b_jbddirty;       /* BH_JBDDirty: must go in place after commit */
  struct jbd_transaction *b_transaction;
  struct jbd_transaction *b_next_transaction;
  struct jbd_head *b_tnext, *b_tprev;        /* on b_transaction's list */
  struct jbd_transaction *b_cp_transaction;
  struct jbd_head *b_cpnext, *b_cpprev;      /* on its checkpoint list */
};

/* A set of block numbers (revoke records of one transaction) or, during
 * recovery, a map from block number to the newest revoking tid. */
struct jbd_revoke_table {
  uint64_t *rt_keys;     /* blocknr + 1; 0 empty, UINT64_MAX deleted */
  uint32_t *rt_vals;
  size_t rt_cap, rt_count, rt_used;
};

struct jbd_chp_stats {
  uint64_t cs_chp_time;
  uint32_t cs_forced_to_close, cs_written, cs_dropped;
};

struct jbd_transaction {
  struct journal *t_journal;
  tid_t t_tid;
  enum jbd_tstate t_state;
  uint32_t t_log_start;                  /* first log block of the commit */
  struct jbd_head *t_reserved_list;      /* circular lists, as the kernel's */
  struct jbd_head *t_buffers;
  struct jbd_head *t_forget;
  int t_nr_buffers;
  struct jbd_head *t_checkpoint_list;
  struct jbd_inode *t_inode_list;
  struct jbd_revoke_table t_revoke;
  int t_outstanding_credits;
  int t_updates;                         /* open handles */
  int t_handle_count;
  bool t_synchronous_commit;
  uint64_t t_start_ns, t_requested_ns, t_commit_ns;
  uint64_t t_expires_ns;                 /* t_start + commit interval */
  /* run stats (virtual ns), for jbd2_run_stats */
  uint64_t t_locked_ns, t_flushing_ns, t_logging_ns;
  uint32_t t_blocks_logged;
  struct jbd_chp_stats t_chp_stats;
  struct jbd_transaction *t_cpnext, *t_cpprev;   /* checkpoint ring */
};

struct jbd_handle {
  struct jbd_transaction *h_transaction;
  int h_buffer_credits;
  int h_requested_credits;
  int h_ref;
  int h_dirtied;
  bool h_sync;
  uint64_t h_start_ns;
};

/* j_flags */
enum {
  JBD_ABORT   = 1u << 0,
  JBD_BARRIER = 1u << 1,
  JBD_UNMOUNT = 1u << 2,
  JBD_FLUSHED = 1u << 3,   /* the on-disk superblock says clean (s_start
                              0): the first commit must rewrite it */
};

struct journal {
  struct jbd_config j_cfg;               /* copy of the caller's */
  struct buf_cache *j_bc;
  struct fpfs_bdev *j_dev;
  uint32_t j_blocksize;
  uint64_t j_dev_blocks;                 /* device size in fs blocks */
  uint32_t j_maxlen, j_first, j_last;    /* log is [j_first, j_last) */
  uint32_t j_head, j_tail, j_free;
  tid_t j_tail_sequence, j_transaction_sequence;
  tid_t j_commit_sequence, j_commit_request;
  struct jbd_transaction *j_running_transaction;
  struct jbd_transaction *j_committing_transaction;
  struct jbd_transaction *j_checkpoint_transactions;   /* oldest first */
  struct jbd_handle j_handle;            /* the one handle (h_ref > 0: open) */
  unsigned j_flags;
  int j_errno;
  int j_max_transaction_buffers;
  uint32_t j_reserved_blocks;            /* the kernel's "- 32" slack */
  uint64_t j_commit_interval_ns;
  struct sched_timer j_commit_timer;
  bool j_timer_armed;
  bool j_timer_ready;                    /* initialised: a sched, interval */
  uint8_t j_uuid[16];
  uint8_t *j_scratch;                    /* one block for control blocks */
  uint8_t *j_scratch2;                   /* one block for escaped copies */
  struct jbd_stats j_stats;
};

/* ---- helpers shared by the files ---- */

uint64_t jbd_now (const struct journal *j);
#define jbd_trace(j, name, ...) \
  trace_event ((j)->j_cfg.trace, jbd_now (j), (name), __VA_ARGS__)
const char *jbd_devname (const struct journal *j);
bool jbd_is_aborted (const struct journal *j);

/* journal.c */
uint64_t jbd_log_to_dev (const struct journal *j, uint32_t logblk);
int jbd_next_log_block (struct journal *j, uint32_t *out);
int jbd_log_write (struct journal *j, uint32_t logblk, const void *data,
                   unsigned flags);
int jbd_dev_flush (struct journal *j);
int jbd_update_sb_log_tail (struct journal *j, tid_t tail_tid,
                            uint32_t tail_block, unsigned flags);
int jbd_mark_journal_empty (struct journal *j);
void jbd_free_transaction (struct jbd_transaction *t);
uint32_t jbd_wrap (const struct journal *j, uint32_t blk);

/* transaction.c */
struct jbd_head *jbd_add_journal_head (struct buf *b);
void jbd_put_journal_head (struct jbd_head *jh);
void jbd_file_buffer (struct jbd_head *jh, struct jbd_transaction *t,
                      enum jbd_jlist jlist);
void jbd_temp_unlink_buffer (struct jbd_head *jh);
void jbd_unfile_buffer (struct jbd_head *jh);
void jbd_refile_buffer (struct journal *j, struct jbd_head *jh);
struct jbd_head **jbd_tlist (struct jbd_transaction *t, enum jbd_jlist l);
void jbd_ilist_del (struct jbd_inode **list, struct jbd_inode *ji);

/* commit.c */
int jbd_journal_commit_transaction (struct journal *j);

/* kjournald.c */
void jbd_start_commit_timer (struct journal *j);
void jbd_arm_commit_timer (struct journal *j, const struct jbd_transaction *t);
void jbd_stop_commit_timer (struct journal *j);
int jbd_kjournald_run (struct journal *j);

/* checkpoint.c */
void jbd_insert_checkpoint (struct jbd_head *jh, struct jbd_transaction *t);
int jbd_remove_checkpoint (struct jbd_head *jh);
void jbd_drop_transaction (struct journal *j, struct jbd_transaction *t);
int jbd_log_do_checkpoint (struct journal *j, uint32_t want_free,
                           uint64_t older_than_ns, bool update_tail);
int jbd_cleanup_journal_tail (struct journal *j);
int jbd_log_wait_for_space (struct journal *j, uint32_t nblocks);
uint32_t jbd_log_space_left (const struct journal *j);
uint32_t jbd_space_needed (const struct journal *j);
void jbd_checkpoint_release_all (struct journal *j);

/* revoke.c */
void jbd_rt_free (struct jbd_revoke_table *rt);
int jbd_rt_set (struct jbd_revoke_table *rt, uint64_t blk, uint32_t val,
                bool keep_newest);
bool jbd_rt_get (const struct jbd_revoke_table *rt, uint64_t blk,
                 uint32_t *val);
bool jbd_rt_del (struct jbd_revoke_table *rt, uint64_t blk);
void jbd_cancel_revoke (struct jbd_handle *h, struct jbd_head *jh);
uint32_t jbd_revoke_blocks_needed (const struct journal *j, size_t records);
struct jbd_commit_csum;
int jbd_journal_write_revoke_records (struct journal *j,
                                      struct jbd_transaction *t,
                                      struct jbd_commit_csum *cs);

/* ondisk.c: encode / decode, no I/O. */
static inline uint32_t jbd_get_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
         | (uint32_t) p[2] << 8 | p[3];
}
static inline void jbd_put_be32 (uint8_t *p, uint32_t v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
static inline uint64_t jbd_get_be64 (const uint8_t *p)
{
  return (uint64_t) jbd_get_be32 (p) << 32 | jbd_get_be32 (p + 4);
}
static inline void jbd_put_be64 (uint8_t *p, uint64_t v)
{
  jbd_put_be32 (p, v >> 32);
  jbd_put_be32 (p + 4, (uint32_t) v);
}
static inline uint16_t jbd_get_be16 (const uint8_t *p)
{
  return (uint16_t) (p[0] << 8 | p[1]);
}
static inline void jbd_put_be16 (uint8_t *p, uint16_t v)
{
  p[0] = v >> 8; p[1] = (uint8_t) v;
}

struct jbd_sb {
  uint32_t s_blocksize, s_maxlen, s_first;
  tid_t s_sequence;
  uint32_t s_start;
  uint32_t s_feature_compat, s_feature_incompat, s_feature_ro_compat;
  uint8_t s_uuid[16];
};
void jbd_sb_encode (const struct jbd_sb *sb, uint8_t *block, uint32_t bs);
/* 0, or -EINVAL with errbuf saying which field is wrong. */
int jbd_sb_decode (const uint8_t *block, uint32_t bs, struct jbd_sb *sb,
                   char *errbuf, size_t errlen);

void jbd_header_encode (uint8_t *block, uint32_t type, tid_t seq);
/* true if block carries the magic, type and sequence given. */
bool jbd_header_match (const uint8_t *block, uint32_t type, tid_t seq);

/* Descriptor tags: tags_per_block is a bound; a tag is decoded by walking. */
uint32_t jbd_tags_per_block (uint32_t bs);
struct jbd_tag {
  uint64_t blocknr;
  uint32_t flags;
};
/* Walks the tags of a descriptor block: *off starts at 0; returns 1 and
 * fills *tag for each tag, 0 after the LAST_TAG one, -EUCLEAN if the block
 * ends without LAST_TAG. */
int jbd_tag_next (const uint8_t *block, uint32_t bs, uint32_t *off,
                  struct jbd_tag *tag);
/* Appends a tag at *off (0 for the first; the uuid follows it). */
void jbd_tag_put (uint8_t *block, uint32_t *off, const struct jbd_tag *tag,
                  const uint8_t *uuid);
uint32_t jbd_tag_space (uint32_t off);      /* bytes the next tag needs */

/* The running checksum of a transaction's log blocks (in log order). */
struct jbd_commit_csum {
  void *state;           /* XXH3_state_t */
};
int jbd_csum_begin (struct jbd_commit_csum *cs, tid_t seq,
                    const uint8_t *uuid);
void jbd_csum_add (struct jbd_commit_csum *cs, const void *block, uint32_t bs);
uint64_t jbd_csum_end (struct jbd_commit_csum *cs);
void jbd_csum_free (struct jbd_commit_csum *cs);

void jbd_commit_block_encode (uint8_t *block, uint32_t bs, tid_t seq,
                              uint64_t commit_ns, uint64_t csum);
/* true if the commit block is whole (its own checksum) and records csum. */
bool jbd_commit_block_verify (const uint8_t *block, uint32_t bs, tid_t seq,
                              uint64_t csum);

/* PASS_SCAN's view of one transaction through the scan cache
 * (scancache.c): every block fed to the commit checksum goes through
 * jbd_scan_tx_add, the commit block through jbd_scan_tx_commit, which
 * says whether it verifies.  With no cache both just checksum. */
struct fpfs_scan_cache;
struct jbd_scan_tx {
  struct fpfs_scan_cache *cache;  /* NULL: no cache */
  const struct sc_tx *hit;        /* the remembered copy, if any */
  bool matching;                  /* every block so far equals hit's */
  bool norec;                     /* out of memory: do not remember it */
  uint32_t k;                     /* blocks compared equal */
  tid_t tid;
  uint32_t start, bs;
  const uint8_t *uuid;
  uint8_t *rec;                   /* the blocks read, to remember */
  size_t nrec, caprec;
};
void jbd_scan_tx_begin (struct jbd_scan_tx *x, struct fpfs_scan_cache *c,
                        tid_t tid, uint32_t start, uint32_t bs,
                        const uint8_t *uuid);
void jbd_scan_tx_add (struct jbd_scan_tx *x, struct jbd_commit_csum *cs,
                      const uint8_t *block);
bool jbd_scan_tx_commit (struct jbd_scan_tx *x, struct jbd_commit_csum *cs,
                         const uint8_t *commit);
void jbd_scan_tx_end (struct jbd_scan_tx *x);

#endif /* FP_JBD_INT_H */
