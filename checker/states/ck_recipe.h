/* ck_recipe: the name of one crash state, and how to rebuild it.
 *
 * A crash state is the disk as a power cut right after log entry `end`
 * could leave it (DESIGN.md section 3):
 *   - every entry 0..end is applied in log order (WRITE writes its data,
 *     TRIM and ZERO make the range read as zeroes; FLUSH, MARK and FAULT
 *     change nothing), except
 *   - the entries in `drop`, which never reached the disk, and
 *   - the entry `tear.seq`, of which only the `tear.keep` sectors reached
 *     the disk (sector indices relative to the first device sector the
 *     request touches, inclusive ranges; the other sectors keep whatever
 *     the earlier entries left there).
 * A recipe is valid for a log when every dropped or torn entry is a WRITE,
 * TRIM or ZERO with seq <= end, not FUA (a FUA write is durable when it
 * completes), and not followed by a FLUSH at or before end (a flushed
 * write is durable); the torn entry is not also dropped, and its keep
 * ranges lie inside the request.  The checker only makes valid recipes;
 * ck_recipe_apply() (ck_image.h) holds a hand-written one to the same
 * rules.
 *
 * Text forms (stable; tests and users parse them):
 *   recipe   "end=123", "end=123 drop=17,23-25", "end=31 tear=31:0-3,6"
 *   options  "--to-entry 123 --drop 17,23-25 --tear 31:0-3,6"  (the
 *            `flushpoint replay` options that rebuild the image; drop and
 *            tear lists are comma-separated numbers and A-B ranges)
 *   JSON     {"uuid":"...","kind":"epoch","end":123,"drop":[17,23,24,25],
 *             "tear":{"seq":31,"keep":[[0,3],[6,6]]}}
 */
#ifndef CK_RECIPE_H
#define CK_RECIPE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kinds of crash states, cheapest first (DESIGN.md section 3). */
enum ck_state_kind {
  CK_KIND_FLUSH = 0,       /* the prefix ending at a FLUSH */
  CK_KIND_WRITE,           /* the prefix ending at a write */
  CK_KIND_EPOCH,           /* an epoch with a subset of its writes dropped */
  CK_KIND_TORN,            /* a prefix whose last write is torn */
  CK_KIND__COUNT
};
#define CK_KIND_BIT(k) (1u << (k))

const char *ck_kind_name (enum ck_state_kind k);          /* "flush", ... */
/* "flush,write,epoch,torn" (any subset, any order) -> bitmask. */
int ck_kinds_parse (const char *s, unsigned *mask, char *errbuf,
                    size_t errlen);

struct ck_range {
  uint64_t first, last;    /* inclusive */
};

struct ck_recipe {
  uint8_t uuid[16];        /* the log's UUID */
  enum ck_state_kind kind;
  uint64_t end;            /* the crash comes right after entry `end` */
  uint64_t *drop;          /* sorted, distinct; malloc'd, NULL if none */
  size_t ndrop;
  bool torn;
  uint64_t tear_seq;
  struct ck_range *keep;   /* sorted, disjoint, non-adjacent; malloc'd */
  size_t nkeep;
};

void ck_recipe_init (struct ck_recipe *r);
void ck_recipe_free (struct ck_recipe *r);           /* back to init state */
int ck_recipe_copy (struct ck_recipe *dst, const struct ck_recipe *src);
bool ck_recipe_equal (const struct ck_recipe *a, const struct ck_recipe *b);
bool ck_recipe_drops (const struct ck_recipe *r, uint64_t seq);

/* Set the dropped set (copied, sorted, de-duplicated). */
int ck_recipe_set_drop (struct ck_recipe *r, const uint64_t *seqs, size_t n);
/* Set the torn write and its kept sector ranges (copied, normalised). */
int ck_recipe_set_tear (struct ck_recipe *r, uint64_t seq,
                        const struct ck_range *keep, size_t n);

/* Text forms; return the length snprintf would have written (may be >=
 * len: the text is then cut short, always NUL-terminated). */
size_t ck_recipe_format (const struct ck_recipe *r, char *buf, size_t len);
size_t ck_recipe_format_options (const struct ck_recipe *r, char *buf,
                                 size_t len);
/* The whole command: "flushpoint replay 'LOG' -o 'IMAGE' --to-entry ...",
 * with LOG and IMAGE shell-quoted.  malloc'd; NULL on ENOMEM. */
char *ck_recipe_command (const struct ck_recipe *r, const char *log_path,
                         const char *image_path);
/* s for a shell command line: as it is when made only of safe characters,
 * else in single quotes.  Returns the length snprintf would have written
 * (may be >= len: cut short, always NUL-terminated). */
size_t ck_shell_quote (const char *s, char *buf, size_t len);
struct json_object *ck_recipe_to_json (const struct ck_recipe *r);

/* Parsers for the replay options (and tests): "17,23-25" and
 * "31:0-3,6".  -EINVAL with errbuf saying what is wrong. */
int ck_recipe_parse_drop (struct ck_recipe *r, const char *s,
                          char *errbuf, size_t errlen);
int ck_recipe_parse_tear (struct ck_recipe *r, const char *s,
                          char *errbuf, size_t errlen);
/* Parse the recipe text form ("end=123 drop=... tear=..."). */
int ck_recipe_parse (struct ck_recipe *r, const char *s,
                     char *errbuf, size_t errlen);

#endif /* CK_RECIPE_H */
