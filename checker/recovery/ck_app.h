/* ck_app: run a program's own checker (`--check-cmd`) in a recovered crash
 * state (ck_app.c has the method).  Adds "held" or a finding under
 * CK_P_APP to res.  0, or -errno when the check could not be run. */
#ifndef CK_APP_H
#define CK_APP_H

#include <stdint.h>

#include "ck_oracle.h"
#include "ck_result.h"

/* dir: where the state is mounted now; end: the crash point (the state
 * holds log entries up to end); app marks up to end go to
 * FLUSHPOINT_MARKS. */
int ck_app_check (const struct ck_oracle *o, const char *cmd,
                  double timeout_s, const char *dir, uint64_t end,
                  struct ck_state_result *res);

/* Before the first state: make the missing directories of root (the
 * path every state is bound at); *made: the shallowest one made (NULL:
 * none), for ck_app_root_remove after the last state (frees it). */
int ck_app_root_make (const char *root, char **made);
void ck_app_root_remove (const char *root, char *made);

/* The same in a state the engine recovered on bd (ck_app_engine.c):
 * mounted again with mo on an overlay (bd is not written), served through
 * FUSE. */
struct fpfs_bdev;
struct fpfs_mount_opts;
int ck_app_engine (const struct ck_oracle *o, const char *cmd,
                   double timeout_s, struct fpfs_bdev *bd,
                   const struct fpfs_mount_opts *mo, uint64_t end,
                   struct ck_state_result *res);

#endif /* CK_APP_H */
