/* scancache: remember which transactions PASS_SCAN found committed, so
 * that the next recovery of a nearly identical log need not checksum them
 * again.
 *
 * Why: the checker recovers thousands of crash states of one recording,
 * one after the other, and two consecutive states differ in one or two
 * blocks.  PASS_SCAN (fs/jbd2/recovery.c, do_one_pass) walks every
 * transaction of the log and checksums all its blocks before it trusts the
 * commit block; for the checker that was most of the cost of a state.
 *
 * What is remembered: per transaction that PASS_SCAN verified (its commit
 * block matched the checksum of its blocks), its tid, the log block it
 * starts at, the journal's uuid and the exact bytes of every block the
 * scan fed to the checksum, and of the commit block.
 *
 * The rule that keeps it exact: the scan reads every block as before, and
 * compares it byte for byte with the remembered copy.  Only when every
 * block of a transaction, its commit block included, equals the copy of a
 * transaction with the same tid, start and uuid is the checksum skipped:
 * jbd_commit_block_verify is a function of (tid, uuid, those bytes), so it
 * would return what it returned then, true.  At the first block that
 * differs, the remembered prefix (equal to what was read) is fed to the
 * checksum and the scan goes on as without a cache.  Transactions found
 * uncommitted are never remembered; nothing else of recovery (revoke,
 * replay) uses the cache.
 *
 * A cache belongs to one caller (one checker worker): it is not shared
 * between threads.  It is bounded: past SC_MAX_BYTES it is emptied.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fpfs.h"
#include "jbd_int.h"

#define SC_BUCKETS 1024u
#define SC_MAX_BYTES (256ull << 20)

struct sc_tx {
  struct sc_tx *next;           /* bucket chain */
  tid_t tid;
  uint32_t start;               /* log block of its first block */
  uint32_t bs;
  uint8_t uuid[16];
  uint32_t nblocks;             /* checksummed blocks, then the commit */
  uint8_t *bytes;               /* (nblocks + 1) * bs */
};

struct fpfs_scan_cache {
  struct sc_tx *buckets[SC_BUCKETS];
  uint64_t bytes;
  uint64_t hits, misses;        /* transactions, for tests and benches */
};

int
fpfs_scan_cache_new (struct fpfs_scan_cache **out)
{
  *out = calloc (1, sizeof **out);
  return *out ? 0 : -ENOMEM;
}

static void
sc_clear (struct fpfs_scan_cache *c)
{
  for (unsigned i = 0; i < SC_BUCKETS; i++)
    while (c->buckets[i]) {
      struct sc_tx *t = c->buckets[i];
      c->buckets[i] = t->next;
      free (t->bytes);
      free (t);
    }
  c->bytes = 0;
}

void
fpfs_scan_cache_free (struct fpfs_scan_cache *c)
{
  if (c == NULL)
    return;
  sc_clear (c);
  free (c);
}

void
fpfs_scan_cache_stats (const struct fpfs_scan_cache *c, uint64_t *hits,
                       uint64_t *misses)
{
  *hits = c ? c->hits : 0;
  *misses = c ? c->misses : 0;
}

static unsigned
sc_bucket (tid_t tid, uint32_t start)
{
  return (tid * 2654435761u ^ start * 40503u) % SC_BUCKETS;
}

static struct sc_tx **
sc_find (struct fpfs_scan_cache *c, tid_t tid, uint32_t start, uint32_t bs,
         const uint8_t *uuid)
{
  struct sc_tx **p = &c->buckets[sc_bucket (tid, start)];

  for (; *p; p = &(*p)->next)
    if ((*p)->tid == tid && (*p)->start == start && (*p)->bs == bs
        && memcmp ((*p)->uuid, uuid, 16) == 0)
      break;
  return p;
}

void
jbd_scan_tx_begin (struct jbd_scan_tx *x, struct fpfs_scan_cache *c,
                   tid_t tid, uint32_t start, uint32_t bs, const uint8_t *uuid)
{
  memset (x, 0, sizeof *x);
  x->cache = c;
  x->tid = tid;
  x->start = start;
  x->bs = bs;
  x->uuid = uuid;
  if (c != NULL) {
    x->hit = *sc_find (c, tid, start, bs, uuid);
    x->matching = x->hit != NULL;
  }
}

/* Keep a copy of block (for remembering the transaction if it commits). */
static int
sc_record (struct jbd_scan_tx *x, const uint8_t *block)
{
  if (x->nrec == x->caprec) {
    size_t cap = x->caprec ? x->caprec * 2 : 8;
    uint8_t *v = realloc (x->rec, cap * x->bs);
    if (v == NULL)
      return -ENOMEM;
    x->rec = v;
    x->caprec = cap;
  }
  memcpy (x->rec + x->nrec++ * x->bs, block, x->bs);
  return 0;
}

/* The blocks compared equal so far go to the checksum (and the record). */
static void
sc_catch_up (struct jbd_scan_tx *x, struct jbd_commit_csum *cs)
{
  x->matching = false;
  for (uint32_t i = 0; i < x->k; i++) {
    const uint8_t *b = x->hit->bytes + (size_t) i * x->bs;
    jbd_csum_add (cs, b, x->bs);
    if (!x->norec && sc_record (x, b) < 0)
      x->norec = true;          /* cannot remember it: fine, only slower */
  }
}

void
jbd_scan_tx_add (struct jbd_scan_tx *x, struct jbd_commit_csum *cs,
                 const uint8_t *block)
{
  if (x->matching) {
    if (x->k < x->hit->nblocks
        && memcmp (x->hit->bytes + (size_t) x->k * x->bs, block, x->bs) == 0) {
      x->k++;                   /* same bytes: the checksum can wait */
      return;
    }
    sc_catch_up (x, cs);
  }
  jbd_csum_add (cs, block, x->bs);
  if (x->cache != NULL && !x->norec && sc_record (x, block) < 0)
    x->norec = true;
}

/* Remember the transaction just verified: x->rec holds its blocks. */
static void
sc_remember (struct jbd_scan_tx *x, const uint8_t *commit)
{
  struct fpfs_scan_cache *c = x->cache;
  struct sc_tx **p, *t;
  size_t len = (x->nrec + 1) * (size_t) x->bs;

  if (x->norec || sc_record (x, commit) < 0)
    return;
  if (c->bytes + len > SC_MAX_BYTES)
    sc_clear (c);
  p = sc_find (c, x->tid, x->start, x->bs, x->uuid);
  if (*p == NULL) {
    *p = calloc (1, sizeof **p);
    if (*p == NULL)
      return;
    (*p)->tid = x->tid;
    (*p)->start = x->start;
    (*p)->bs = x->bs;
    memcpy ((*p)->uuid, x->uuid, 16);
  } else {
    c->bytes -= ((*p)->nblocks + 1) * (size_t) x->bs;
    free ((*p)->bytes);
  }
  t = *p;
  t->bytes = x->rec;            /* the record becomes the entry */
  t->nblocks = (uint32_t) x->nrec - 1;
  c->bytes += len;
  x->rec = NULL;
  x->nrec = x->caprec = 0;
}

bool
jbd_scan_tx_commit (struct jbd_scan_tx *x, struct jbd_commit_csum *cs,
                    const uint8_t *commit)
{
  bool ok;

  if (x->matching && x->k == x->hit->nblocks
      && memcmp (x->hit->bytes + (size_t) x->k * x->bs, commit, x->bs) == 0) {
    x->cache->hits++;
    return true;                /* the same bytes verified before */
  }
  if (x->matching)
    sc_catch_up (x, cs);
  ok = jbd_commit_block_verify (commit, x->bs, x->tid, jbd_csum_end (cs));
  if (x->cache != NULL) {
    x->cache->misses++;
    if (ok)
      sc_remember (x, commit);
  }
  return ok;
}

void
jbd_scan_tx_end (struct jbd_scan_tx *x)
{
  free (x->rec);
  x->rec = NULL;
  x->nrec = x->caprec = 0;
}
