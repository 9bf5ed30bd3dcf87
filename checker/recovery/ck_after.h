/* ck_after: run a workload's after-recovery section on a recovered state
 * (ck_after.c has the rules).  Findings are added to res under "after";
 * lost_only (no journal: damage is what fsck repairs) makes them "lost".
 * Returns 0 or -ENOMEM. */
#ifndef CK_AFTER_H
#define CK_AFTER_H

#include <stdbool.h>

#include "ck_result.h"
#include "wl.h"
#include "wl_fs.h"

int ck_after_run (const struct wl_workload *w, const struct wl_fs *fs,
                  bool lost_only, struct ck_state_result *res);

#endif /* CK_AFTER_H */
