/* ck_rules_holds: a failed block's finding says what the block does hold,
 * when the model can tell (ck_model_holds): zeroes, an earlier value of
 * the same block (and the op that replaced it), a value it takes only
 * after the crash point, another block of the same file, a block of
 * another file, or bytes the workload never wrote.  Called only for the
 * findings a state keeps (RL_PER_FILE a file), never for a block that
 * held. */
#include <inttypes.h>
#include <stdio.h>

#include "ck_rules_int.h"

static const char *
rh_text (const struct rl *r, uint32_t op)
{
  return op < r->o->nops ? r->o->ops[op].wop->text : "?";
}

void
ck_rl_holds (struct rl *r, const struct ck_mfile *f, uint64_t b, uint64_t h,
             char *buf, size_t len)
{
  struct ck_holds w;
  const char *path;

  if (ck_model_holds (r->m, f, b, h, r->E, &w) < 0) {
    snprintf (buf, len, "; what it holds is unknown (out of memory)");
    return;
  }
  switch (w.kind) {
  case CK_HOLDS_ZEROES:
    snprintf (buf, len, "; it holds zeroes");
    break;
  case CK_HOLDS_EARLIER:
    if (w.next_op != CK_MODEL_NO_OP)
      snprintf (buf, len, "; it holds the bytes op %u (`%s`) wrote there, "
                "before op %u (`%s`) changed them", w.op, rh_text (r, w.op),
                w.next_op, rh_text (r, w.next_op));
    else
      snprintf (buf, len, "; it holds the bytes op %u (`%s`) wrote there",
                w.op, rh_text (r, w.op));
    break;
  case CK_HOLDS_LATER:
    snprintf (buf, len, "; it holds the bytes op %u (`%s`) writes there "
              "only after the crash point", w.op, rh_text (r, w.op));
    break;
  case CK_HOLDS_MOVED:
    snprintf (buf, len, "; it holds the bytes op %u (`%s`) wrote at block %"
              PRIu64 " of this file", w.op, rh_text (r, w.op), w.block);
    break;
  case CK_HOLDS_OTHER:
    path = ck_model_path (r->m, w.id);
    snprintf (buf, len, "; it holds a block of another file (inode %" PRIu64
              "%s%s): its block %" PRIu64 " as op %u (`%s`) wrote it",
              w.id.ino, path ? ", " : "", path ? path : "", w.block, w.op,
              rh_text (r, w.op));
    break;
  default:
    snprintf (buf, len, "; it holds bytes the workload never wrote to any "
              "file (not zeroes)");
    break;
  }
}
