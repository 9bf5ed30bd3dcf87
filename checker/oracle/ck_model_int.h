/* ck_model_int: the model's private parts, shared by ck_model.c (files,
 * names, content histories, queries) and ck_model_ops.c (replaying the
 * oracle's ops into them).  Not for use outside those two files. */
#ifndef CK_MODEL_INT_H
#define CK_MODEL_INT_H

#include <pthread.h>

#include "ck_model.h"
#include "wl_model.h"

/* One value of one block, for looking a hash up (ck_model_find.c). */
struct ck_hent {
  uint64_t h;
  uint64_t block;
  uint32_t file;               /* index into files */
  uint32_t val;                /* index into that block's history */
};

struct ck_name {
  char *path;
  struct ck_id id;
  bool present;
};

struct ck_model {
  uint32_t ss, spb;            /* sector size, sectors per 4 KiB block */
  uint64_t zero4k, zerosec;    /* hashes of zeroes */
  struct ck_mfile *files;
  size_t nfiles, capfiles;
  struct ck_map ids;           /* (ino, gen) -> file index */
  struct ck_dirent *dents;
  size_t ndents, capdents;
  struct ck_map dmap;          /* (dir identity mix, name hash) -> dirent */
  struct ck_name *names;
  size_t nnames, capnames;
  struct ck_map nmap;          /* (path hash, 0) -> name index */
  uint64_t *sec;               /* sector hash pool */
  size_t nsec, capsec;
  struct wl_model content;     /* build time only */
  /* The one part of a built model that changes: the hash index, built on
   * the first ck_model_holds, under idx_lock; read-only afterwards. */
  pthread_mutex_t idx_lock;
  struct ck_hent *idx;         /* sorted by h, zero values left out */
  size_t nidx;
  bool idx_built;
  char *err;
  size_t errlen;
};

int ck_md_fail (struct ck_model *m, int err, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));
int ck_md_grow (void **v, size_t *cap, size_t n, size_t sz);
struct ck_mfile *ck_md_file (struct ck_model *m, struct ck_id id, bool is_dir,
                             bool create);
int ck_md_event (struct ck_mfile *f, const struct ck_op *op,
                 enum ck_ev_kind k, int64_t val);
void ck_md_split (const char *path, char *parent, size_t plen,
                  const char **name);
struct ck_name *ck_md_name (struct ck_model *m, const char *path);
int ck_md_name_set (struct ck_model *m, const char *path, struct ck_id id);
bool ck_md_lookup (struct ck_model *m, const char *path, struct ck_id *id);
struct ck_dirent *ck_md_dirent (const struct ck_model *m, struct ck_id dir,
                                const char *name);
int ck_md_dirent_set (struct ck_model *m, const struct ck_op *op,
                      const char *path, struct ck_id target);
int ck_md_push (struct ck_model *m, struct ck_mfile *f, const struct ck_op *op,
                uint64_t b, const uint8_t *blk);
int ck_md_blocks (struct ck_model *m, struct ck_mfile *f, struct wl_mfile *c,
                  const struct ck_op *op, uint64_t first, uint64_t end);
int ck_md_truncate (struct ck_model *m, struct ck_mfile *f,
                    const struct ck_op *op, uint64_t size);
int ck_md_write (struct ck_model *m, struct ck_mfile *f, const struct ck_op *op);
int ck_md_fallocate (struct ck_model *m, struct ck_mfile *f,
                     const struct ck_op *op);
void ck_md_index_free (struct ck_model *m);   /* ck_model_find.c */

#endif /* CK_MODEL_INT_H */
