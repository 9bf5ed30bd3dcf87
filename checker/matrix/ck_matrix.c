/* ck_matrix: run and check every cell of a test matrix (ck_matrix.h).
 *
 * Processes: one single-threaded supervisor (mx_supervise) keeps `jobs`
 * cells running, each in a child process of its own, started in number
 * order; a child sends its result slot back through a pipe.  The
 * supervisor has no other thread, so a fork never copies a lock another
 * thread holds (with worker threads that each forked, a child could
 * start with ASan's allocator lock or a stdio lock taken, and hang).
 * Each cell records through its own nbdkit (started by wl_run_nbd,
 * exit-with-parent) and is checked in its child with one job; its HTML
 * report is written at once, so the per-state results need not be kept.
 *
 * Shards and size (ck_matrix_cells.c, ck_matrix_record.c): the cells are
 * numbered over the whole matrix, and only the shard's are allocated
 * (shard I of N: numbers I, I+N, I+2N, ...).
 * No workload is held in memory: the run reads and parses those its
 * shard uses once up front (a bad one stops the run, as before), hashes
 * their text, and each cell's child process parses its own again.  A
 * finished cell is appended to OUT/cells.jsonl (ck_matrix_partial.h) by
 * one write(2), which is what --resume and merge read.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <xxhash.h>

#include "ck_check.h"
#include "ck_matrix.h"
#include "ck_matrix_int.h"
#include "ck_matrix_partial.h"
#include "ck_report.h"
#include "kfs.h"
#include "wl_run.h"

static const struct ck_matrix_col mx_default_cols[] = {
  { "ordered+barrier", "data=ordered,barrier", "" },
  { "ordered+nobarrier", "data=ordered,nobarrier", "" },
  { "writeback", "data=writeback,barrier", "" },
  { "journal", "data=journal,barrier", "" },
  { "nojournal", "nojournal,barrier", "" },
};

void
ck_matrix_opts_init (struct ck_matrix_opts *o)
{
  static const enum wl_persist p[] = { WL_PERSIST_FSYNC, WL_PERSIST_FDATASYNC,
                                       WL_PERSIST_SYNC, WL_PERSIST_NONE };

  memset (o, 0, sizeof *o);
  memcpy (o->persist, p, sizeof p);
  o->npersist = 4;
  memcpy (o->cols, mx_default_cols, sizeof mx_default_cols);
  o->ncols = sizeof mx_default_cols / sizeof *mx_default_cols;
  ck_states_opts_init (&o->states);
  o->profile = CK_PROFILE_EXT4;  /* the same default as check */
  o->states.kinds = CK_KIND_BIT (CK_KIND_FLUSH) | CK_KIND_BIT (CK_KIND_WRITE) |
                    CK_KIND_BIT (CK_KIND_EPOCH);
  o->jobs = 1;
}

int
ck_matrix_columns (struct ck_matrix_opts *o, const char *modes,
                   const char *barriers, char *errbuf, size_t errlen)
{
  static const char *const all_modes[] = { "ordered", "writeback", "journal",
                                           "nojournal" };
  char mbuf[256], bbuf[64], *save, *m, *b;
  size_t n = 0;

  snprintf (mbuf, sizeof mbuf, "%s", modes ? modes : "ordered,writeback,journal,nojournal");
  for (m = strtok_r (mbuf, ",", &save); m; m = strtok_r (NULL, ",", &save)) {
    char *save2;
    bool known = false;
    for (size_t i = 0; i < 4; i++)
      known |= strcmp (m, all_modes[i]) == 0;
    if (!known) {
      snprintf (errbuf, errlen, "--mount: '%s' is not ordered, writeback, "
                "journal or nojournal", m);
      return -EINVAL;
    }
    snprintf (bbuf, sizeof bbuf, "%s", barriers ? barriers : "on,off");
    for (b = strtok_r (bbuf, ",", &save2); b; b = strtok_r (NULL, ",", &save2)) {
      bool on = strcmp (b, "on") == 0;
      if (!on && strcmp (b, "off") != 0) {
        snprintf (errbuf, errlen, "--barrier: '%s' is not on or off", b);
        return -EINVAL;
      }
      if (n == CK_MATRIX_MAX_COLS) {
        snprintf (errbuf, errlen, "more than %d mount columns",
                  CK_MATRIX_MAX_COLS);
        return -EINVAL;
      }
      o->cols[n].fs[0] = '\0';
      snprintf (o->cols[n].name, sizeof o->cols[n].name, "%s+%s", m,
                on ? "barrier" : "nobarrier");
      snprintf (o->cols[n].opts, sizeof o->cols[n].opts, "%s%s,%s",
                strcmp (m, "nojournal") ? "data=" : "", m,
                on ? "barrier" : "nobarrier");
      n++;
    }
  }
  o->ncols = n;
  return 0;
}

int
ck_matrix_add_fs (struct ck_matrix_opts *o, const char *fs, const char *cols,
                  char *errbuf, size_t errlen)
{
  enum kfs_type t;
  size_t nengine = 0;

  if (kfs_type_parse (fs, &t) < 0) {
    snprintf (errbuf, errlen, "--fs: '%s' is not engine, ext4, xfs or btrfs",
              fs);
    return -EINVAL;
  }
  for (size_t c = 0; c < o->ncols; c++)
    nengine += o->cols[c].fs[0] == '\0';
  for (size_t c = 0, added = 0; c < nengine; c++) {
    const struct ck_matrix_col *e = &o->cols[c];
    if (cols) {
      char buf[512], *save, *w;
      bool want = false;
      snprintf (buf, sizeof buf, "%s", cols);
      for (w = strtok_r (buf, ",", &save); w; w = strtok_r (NULL, ",", &save))
        want |= strcmp (w, e->name) == 0;
      if (!want)
        continue;
    }
    if (o->ncols == CK_MATRIX_MAX_COLS) {
      snprintf (errbuf, errlen, "more than %d mount columns",
                CK_MATRIX_MAX_COLS);
      return -EINVAL;
    }
    struct ck_matrix_col *k = &o->cols[o->ncols++];
    snprintf (k->name, sizeof k->name, "%s.%s", fs, e->name);
    snprintf (k->opts, sizeof k->opts, "%s", e->opts);
    if (t != KFS_EXT4 && strncmp (k->opts, "data=ordered", 12) == 0) {
      /* xfs and btrfs have no data= modes; what they always do is what
       * the ordered column compares them with. */
      const char *rest = k->opts + 12;
      memmove (k->opts, *rest == ',' ? rest + 1 : rest,
               strlen (*rest == ',' ? rest + 1 : rest) + 1);
    }
    snprintf (k->fs, sizeof k->fs, "%s", fs);
    added++;
    (void) added;
  }
  return 0;
}

/* ---- one cell ---- */

/* Random faults for a cell.  Rates are high enough that a workload of a
 * few dozen requests meets some (a fault that never fires tests nothing),
 * low enough that it gets past its first sync calls; one cell in three
 * also loses power somewhere in its first few hundred requests. */
void
ck_matrix_cell_faults (uint64_t seed, struct ck_cell *c)
{
  uint64_t h = XXH3_64bits_withSeed (c->name, strlen (c->name), seed);
  uint64_t s1 = h ^ 0x5eed1, s2 = (h >> 7) ^ 0x5eed2;

  c->nfaults = 0;
  snprintf (c->faults[c->nfaults++], sizeof c->faults[0],
            "write:EIO:rate:%u%%:seed:%" PRIu64, 4 + (unsigned) (h % 9), s1);
  snprintf (c->faults[c->nfaults++], sizeof c->faults[0],
            "flush:EIO:rate:%u%%:seed:%" PRIu64, 4 + (unsigned) ((h >> 8) % 9),
            s2);
  if ((h >> 16) % 3 == 0)
    snprintf (c->faults[c->nfaults++], sizeof c->faults[0],
              "powercut:at:%" PRIu64, 10 + (h >> 20) % 300);
}

static void
mx_cell_result (struct ck_cell *c, const struct ck_check_result *cr)
{
  const struct ck_oracle *o = cr->oracle;

  c->faults_fired = o ? o->fault_entries : 0;
  c->failed_syncs = o ? o->failed_syncs : 0;
  c->faults_disagree = cr->faults_disagree;
  for (size_t i = 0; i < cr->nstates; i++)
    for (size_t k = 0; k < cr->states[i].nf; k++)
      c->after_error += cr->states[i].f[k].after_error;
  for (size_t i = 0; i < cr->nstates; i++)
    for (int p = 0; p < CK_P__COUNT; p++)
      if (!c->recipe[p][0] && cr->worst[p] >= CK_V_LOST
          && cr->states[i].v[p] == cr->worst[p])
        ck_recipe_format (&cr->states[i].recipe, c->recipe[p],
                          sizeof c->recipe[p]);
  c->states = cr->nstates;
  c->checked = cr->checked;
  c->violated = cr->violated;
  memcpy (c->per_prop, cr->per_prop, sizeof c->per_prop);
  memcpy (c->worst, cr->worst, sizeof c->worst);
}

/* A kernel cell's child tells the supervisor when a real-time `sleep`
 * starts ('S') and ends ('W'), on its status pipe. */
static void
mx_sleep_hook (void *ctx, bool asleep)
{
  int fd = *(int *) ctx;
  char b = asleep ? 'S' : 'W';

  while (write (fd, &b, 1) < 0 && errno == EINTR)
    ;
}

static void
mx_run_cell (struct mx_shared *sh, struct ck_cell *c, int status_fd)
{
  const struct ck_matrix_opts *o = sh->o;
  struct wl_workload *w = NULL;
  char mount[256], html[4400], err[1024] = "";
  struct wl_run_opts ro;
  struct wl_run_result rr;
  struct wl_nbd_opts no = { .start_nbdkit = true, .log_path = c->log,
                            .disk_size = o->disk_size };
  struct ck_check_opts co;
  struct ck_check_result cr;
  struct timespec t0, t1;
  int rc;

  clock_gettime (CLOCK_MONOTONIC, &t0);
  /* The run checked that it parses; it may have changed since. */
  rc = wl_parse_file (o->workloads[c->wl], &w, err, sizeof err);
  if (rc < 0) {
    c->err = rc;
    snprintf (c->msg, sizeof c->msg, "workload: %s", err);
    goto out;
  }
  unlink (c->log);              /* a killed run's, resumed */
  snprintf (mount, sizeof mount, "%s%s%s", o->cols[c->col].opts,
            c->bug >= 0 ? ",bug=" : "", c->bug >= 0 ? o->bugs[c->bug] : "");
  wl_run_opts_init (&ro);
  ro.mount = mount;
  ro.persist = o->persist[c->persist];
  /* A program's workload (`#! exec`) makes its own sync calls: it runs
   * once per column, in the first persist table. */
  struct wl_exec x = { .cmd = w->exec_cmd, .check_cmd = w->check_cmd,
                       .timeout_s = 600, .out_fd = -1 };
  if (w->exec_cmd) {
    c->program = true;
    if (c->persist != 0) {
      c->na = true;
      snprintf (c->msg, sizeof c->msg, "n/a: a program makes its own sync "
                "calls (see the %s table)", wl_persist_name (o->persist[0]));
      goto out;
    }
    ro.exec = &x;
    ro.verify_readback = true;
  }
  const char *fv[3];
  if (o->random_faults) {
    ck_matrix_cell_faults (o->fault_seed, c);
    for (size_t i = 0; i < c->nfaults; i++)
      fv[i] = c->faults[i];
    ro.faults = fv;
    ro.n_faults = c->nfaults;
    ro.keep_going = true;         /* any op may fail: record and go on */
  }
  const struct ck_matrix_col *col = &o->cols[c->col];
  if (col->fs[0]) {
    enum kfs_type t;
    struct kfs_opts ko;
    char why[256] = "";
    kfs_type_parse (col->fs, &t);
    if (o->fs_persist_mask
        && !(o->fs_persist_mask & (1u << o->persist[c->persist]))) {
      c->na = true;
      snprintf (c->msg, sizeof c->msg, "not run on %s with persist %s",
                col->fs, wl_persist_name (o->persist[c->persist]));
      goto out;
    }
    if (kfs_opts_parse (t, mount, &ko, why, sizeof why) < 0) {
      c->na = true;
      snprintf (c->msg, sizeof c->msg, "n/a: %s", why);
      goto out;
    }
    ro.sleep_hook = mx_sleep_hook;
    ro.sleep_ctx = &status_fd;
    rc = wl_run_kernel (w, col->fs, &no, &ro, &rr, err, sizeof err);
  } else
    rc = wl_run_nbd (w, &no, &ro, &rr, err, sizeof err);
  /* -EPROTO: an op did not behave as written (a bug switch can do that);
   * the log is whole, so it is still checked. */
  if (rc < 0 && rc != -EPROTO) {
    c->err = rc;
    snprintf (c->msg, sizeof c->msg, "run: %s", err);
    goto out;
  }
  if (rc == -EPROTO)
    snprintf (c->msg, sizeof c->msg, "run: %s", err);
  ck_check_opts_init (&co);
  co.log_path = c->log;
  co.states = col->fs[0] && o->fs_states_set ? o->fs_states : o->states;
  co.profile = o->profile;
  co.jobs = 1;
  rc = ck_check_run (&co, &cr, err, sizeof err);
  if (rc < 0) {
    c->err = rc;
    snprintf (c->msg, sizeof c->msg, "check: %s", err);
  }
  else {
    struct ck_report_opts rep = { .log_path = c->log, .profile = o->profile,
                                  .jobs = 1 };
    char note[3200], cmd[2600];
    struct stat lst;
    FILE *f;
    mx_cell_result (c, &cr);
    /* The same rule as ck_matrix_prune_logs, less the links it alone
     * knows of: say how to get the log back. */
    if (!o->keep_logs && c->violated && !c->faults_disagree && !w->exec_cmd
        && ck_matrix_rebuild_command (o, c, cmd, sizeof cmd)
        && stat (c->log, &lst) == 0
        && (uint64_t) lst.st_size > CK_MATRIX_LOG_KEEP_MAX) {
      snprintf (note, sizeof note, "This cell's log is %.1f MiB: the matrix "
                "keeps a violated engine cell's log only up to %u KiB "
                "(--keep-logs keeps all) or when a table links it.  If it "
                "is gone, this command records it again, byte for byte (the "
                "engine is deterministic), and the replay commands below "
                "work again: %s", (double) lst.st_size / (1 << 20),
                (unsigned) (CK_MATRIX_LOG_KEEP_MAX >> 10), cmd);
      rep.note = note;
    }
    snprintf (html, sizeof html, "%s/cells/%s.html", o->out_dir, c->name);
    if ((f = fopen (html, "w")) != NULL) {
      ck_report_html (f, &cr, &rep, err, sizeof err);
      fclose (f);
    }
  }
  ck_check_result_free (&cr);
 out:
  wl_free (w);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  c->seconds = (double) (t1.tv_sec - t0.tv_sec) +
               (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* Test hooks: a cell whose name contains $FP_TEST_CELL_ABORT aborts in its
 * child, as an engine assertion would; one matching $FP_TEST_CELL_SLEEP
 * hangs (tests/e2e/test_matrix_fs.py). */
static void
mx_test_abort (const struct ck_cell *c)
{
  const char *a = getenv ("FP_TEST_CELL_ABORT");
  const char *h = getenv ("FP_TEST_CELL_SLEEP");
  if (a && a[0] && strstr (c->name, a))
    abort ();
  if (h && h[0] && strstr (c->name, h))     /* ... or hangs */
    sleep (3600);
}

/* One running cell: its child process, the read end of the pipe its
 * result comes back through (the struct itself, plain data) and how much
 * of it has come. */
struct mx_child {
  struct ck_cell *c;
  pid_t pid;                     /* 0: the slot is free */
  int fd;
  int sfd;                       /* its status pipe, -1 once closed */
  bool asleep;                   /* in a real-time sleep (kernel cells) */
  size_t have;
  struct timespec t0;
  struct ck_cell got;
};

static double
mx_since (const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  return (double) (t1.tv_sec - t0->tv_sec) +
         (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Fork the cell's child.  The parent has no other thread when it forks
 * (ck_matrix_run is a single-threaded supervisor), so the child inherits
 * no lock held by someone else: a fork from one of several threads
 * deadlocked a child on ASan's allocator lock taken by a sibling thread.
 * Returns 0, or fills c->err/msg and returns the error. */
static int
mx_cell_start (struct mx_shared *sh, struct ck_cell *c, struct mx_child *ch)
{
  int fds[2], sfds[2];

  memset (ch, 0, sizeof *ch);
  ch->c = c;
  clock_gettime (CLOCK_MONOTONIC, &ch->t0);
  if (pipe2 (fds, O_CLOEXEC) < 0) {
    c->err = -errno;
    snprintf (c->msg, sizeof c->msg, "pipe: %s", strerror (errno));
    return c->err;
  }
  if (pipe2 (sfds, O_CLOEXEC) < 0) {
    c->err = -errno;
    snprintf (c->msg, sizeof c->msg, "pipe: %s", strerror (errno));
    close (fds[0]);
    close (fds[1]);
    return c->err;
  }
  fflush (NULL);
  pid_t parent = getpid ();
  pid_t pid = fork ();
  if (pid == 0) {
    close (fds[0]);
    close (sfds[0]);
    /* A killed matrix takes its cells with it: an orphan would go on
     * writing the log a --resume is about to record again. */
    if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
      _exit (4);
    mx_test_abort (c);
    mx_run_cell (sh, c, sfds[1]);
    const char *p = (const char *) c;
    for (size_t n = 0; n < sizeof *c;) {
      ssize_t k = write (fds[1], p + n, sizeof *c - n);
      if (k <= 0)
        _exit (3);
      n += (size_t) k;
    }
    _exit (0);
  }
  close (fds[1]);
  close (sfds[1]);
  if (pid < 0) {
    c->err = -errno;
    snprintf (c->msg, sizeof c->msg, "fork: %s", strerror (errno));
    close (fds[0]);
    close (sfds[0]);
    return c->err;
  }
  ch->pid = pid;
  ch->fd = fds[0];
  ch->sfd = sfds[0];
  return 0;
}

/* What the child said on its status pipe: the last byte is its state. */
static void
mx_cell_status (struct mx_child *ch)
{
  char b[64];
  ssize_t k;

  while ((k = read (ch->sfd, b, sizeof b)) < 0 && errno == EINTR)
    ;
  if (k <= 0) {
    close (ch->sfd);
    ch->sfd = -1;
    ch->asleep = false;
    return;
  }
  ch->asleep = b[k - 1] == 'S';
}

/* Read what the child has sent; true once it is all in or the pipe is
 * closed (the child is done, one way or another). */
static bool
mx_cell_read (struct mx_child *ch)
{
  for (;;) {
    ssize_t k = read (ch->fd, (char *) &ch->got + ch->have,
                      sizeof ch->got - ch->have);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return true;
    ch->have += (size_t) k;
    return ch->have == sizeof ch->got;
  }
}

/* The child is done or out of time: reap it and fill the cell.  Anything
 * but a whole result -- a signal, an exit without a result, the time
 * limit -- makes the cell ERR with the reason and the commands that
 * rebuild it, and the matrix goes on. */
static void
mx_cell_reap (struct mx_shared *sh, struct mx_child *ch, bool timed_out)
{
  struct ck_cell *c = ch->c;
  int st = 0;

  if (timed_out)
    kill (ch->pid, SIGKILL);
  close (ch->fd);
  if (ch->sfd >= 0)
    close (ch->sfd);
  ch->sfd = -1;
  ch->asleep = false;
  while (waitpid (ch->pid, &st, 0) < 0 && errno == EINTR)
    ;
  ch->pid = 0;
  if (ch->have == sizeof ch->got && !timed_out) {
    *c = ch->got;
    return;
  }
  c->seconds = mx_since (&ch->t0);
  c->err = timed_out ? -ETIMEDOUT : -ECHILD;
  char how[64];
  if (timed_out)
    snprintf (how, sizeof how, "ran past --cell-timeout %us",
              sh->o->cell_timeout_s);
  else if (WIFSIGNALED (st))
    snprintf (how, sizeof how, "died of signal %d (%s)", WTERMSIG (st),
              strsignal (WTERMSIG (st)));
  else
    snprintf (how, sizeof how, "exited with status %d without a result",
              WIFEXITED (st) ? WEXITSTATUS (st) : -1);
  /* The message may be cut: the cell's name and log are in the JSON. */
  char big[4096], cmd[2600];
  ck_matrix_rebuild_command (sh->o, c, cmd, sizeof cmd);
  snprintf (big, sizeof big, "the cell %s; rebuild: %s, then flushpoint "
            "check %.1100s", how, cmd, c->log);
  snprintf (c->msg, sizeof c->msg, "%.*s", (int) sizeof c->msg - 1, big);
}

static void
mx_cell_finished (struct mx_shared *sh, struct ck_cell *c)
{
  struct json_object *j = ck_matrix_partial_cell (sh->r, c);
  int err;

  err = j ? ck_matrix_record_line (sh, j) : -ENOMEM;
  json_object_put (j);
  if (err && !sh->record_err)
    sh->record_err = err;
  if (sh->o->cell_done)
    sh->o->cell_done (sh->o->cell_done_ctx, sh->r, c, false);
  sh->done++;
}

/* Up to this many cells beyond `jobs` may be asleep at once. */
#define MX_MAX_ASLEEP 8u

/* Keep `jobs` cells awake, in the order of sh->todo, until all are done:
 * poll their pipes, enforce --cell-timeout, and report progress every 200
 * ms.  A kernel cell in a real-time `sleep` (it says so on its status
 * pipe) needs no CPU, so it does not count against `jobs` while it sleeps:
 * another cell starts beside it, up to MX_MAX_ASLEEP sleepers.  Results
 * land by number, so the order of starts changes no output. */
static int
mx_supervise (struct mx_shared *sh, unsigned jobs)
{
  const struct ck_matrix_opts *o = sh->o;
  const unsigned slots = jobs + MX_MAX_ASLEEP;
  struct mx_child *run = calloc (slots, sizeof *run);
  struct pollfd *pf = calloc (2 * (size_t) slots, sizeof *pf);
  size_t next = 0;
  unsigned nrun = 0;
  struct timespec shown = { 0, 0 };

  if (!run || !pf) {
    free (run);
    free (pf);
    return -ENOMEM;
  }
  for (;;) {
    unsigned awake = 0;
    for (unsigned s = 0; s < slots; s++)
      awake += run[s].pid && !run[s].asleep;
    for (unsigned s = 0; s < slots && awake < jobs && next < sh->ntodo;
         s++) {
      if (run[s].pid)
        continue;
      struct ck_cell *c = &sh->r->cells[sh->todo[next++]];
      if (mx_cell_start (sh, c, &run[s]) == 0) {
        nrun++;
        awake++;
      }
      else
        mx_cell_finished (sh, c);
    }
    if (o->progress && (nrun == 0 || mx_since (&shown) >= 0.2)) {
      o->progress (o->progress_ctx, sh->done, sh->r->ncells);
      clock_gettime (CLOCK_MONOTONIC, &shown);
    }
    if (nrun == 0 && next == sh->ntodo)
      break;
    if (nrun == 0)
      continue;                  /* every start failed: try the next */
    int ms = 200;
    for (unsigned s = 0; s < slots; s++) {
      pf[2 * s] = (struct pollfd) { run[s].pid ? run[s].fd : -1, POLLIN, 0 };
      pf[2 * s + 1] = (struct pollfd) { run[s].pid ? run[s].sfd : -1,
                                        POLLIN, 0 };
      if (run[s].pid && o->cell_timeout_s) {
        double left = o->cell_timeout_s - mx_since (&run[s].t0);
        int l = left <= 0 ? 0 : (int) (left * 1000) + 1;
        if (l < ms)
          ms = l;
      }
    }
    if (poll (pf, 2 * slots, ms) < 0 && errno != EINTR) {
      int err = -errno;
      for (unsigned s = 0; s < slots; s++)
        if (run[s].pid) {
          mx_cell_reap (sh, &run[s], true);
          mx_cell_finished (sh, run[s].c);
        }
      free (run);
      free (pf);
      return err;
    }
    for (unsigned s = 0; s < slots; s++) {
      if (!run[s].pid)
        continue;
      if (run[s].sfd >= 0
          && (pf[2 * s + 1].revents & (POLLIN | POLLHUP | POLLERR)))
        mx_cell_status (&run[s]);
      bool over = o->cell_timeout_s
                  && mx_since (&run[s].t0) >= o->cell_timeout_s;
      bool in = (pf[2 * s].revents & (POLLIN | POLLHUP | POLLERR))
                && mx_cell_read (&run[s]);
      if (in || over) {
        mx_cell_reap (sh, &run[s], over && !in);
        mx_cell_finished (sh, run[s].c);
        nrun--;
      }
    }
  }
  free (run);
  free (pf);
  return 0;
}

/* ---- the matrix ---- */

static int
mx_mkdir (const char *dir, char *errbuf, size_t errlen)
{
  if (mkdir (dir, 0777) == 0 || errno == EEXIST)
    return 0;
  snprintf (errbuf, errlen, "%s: mkdir: %s", dir, strerror (errno));
  return -errno;
}

int
ck_matrix_run (const struct ck_matrix_opts *o, struct ck_matrix_result *r,
               char *errbuf, size_t errlen)
{
  struct mx_shared sh = { .o = o, .r = r, .fd = -1 };
  char dir[4200];
  unsigned jobs = o->jobs ? o->jobs : 1;
  struct timespec t0, t1;
  bool *done = NULL;
  int err = 0;

  memset (r, 0, sizeof *r);
  errbuf[0] = '\0';
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (!o->nworkloads || !o->npersist || !o->ncols) {
    snprintf (errbuf, errlen, "the matrix is empty (no workloads, persist "
              "choices or mount columns)");
    return -EINVAL;
  }
  assert (o->shard_index < (o->shard_count ? o->shard_count : 1));
  err = mx_mkdir (o->out_dir, errbuf, errlen);
  snprintf (dir, sizeof dir, "%s/logs", o->out_dir);
  if (!err)
    err = mx_mkdir (dir, errbuf, errlen);
  snprintf (dir, sizeof dir, "%s/cells", o->out_dir);
  if (!err)
    err = mx_mkdir (dir, errbuf, errlen);
  if (!err)
    err = ck_matrix_workloads_load (o, r, true, errbuf, errlen);
  if (!err)
    err = ck_matrix_cells_alloc (o, r);
  if (!err)
    err = ck_matrix_workloads_load (o, r, false, errbuf, errlen);
  if (!err && (!(done = calloc (r->ncells + 1, sizeof *done))
               || !(sh.todo = calloc (r->ncells + 1, sizeof *sh.todo))))
    err = -ENOMEM;
  if (!err)
    err = ck_matrix_record_open (&sh, done, errbuf, errlen);
  if (err)
    goto out;
  /* Kernel file-system cells first: they are the long ones (a mount per
   * state, real-time sleeps), and a long cell started last is a tail
   * the other job waits out.  Results land by number whatever the order. */
  for (int kernel = 1; kernel >= 0; kernel--)
    for (size_t k = 0; k < r->ncells; k++) {
      bool is_kernel = o->cols[r->cells[k].col].fs[0] != '\0';
      if (is_kernel != (kernel == 1))
        continue;
      if (!done[k])
        sh.todo[sh.ntodo++] = k;
      else if (o->cell_done)
        o->cell_done (o->cell_done_ctx, r, &r->cells[k], true);
    }
  sh.done = r->ncells - sh.ntodo;
  if (sh.ntodo && jobs > sh.ntodo)
    jobs = (unsigned) sh.ntodo;
  err = mx_supervise (&sh, jobs);
  if (err)
    snprintf (errbuf, errlen, "poll: %s", strerror (-err));
  for (size_t i = 0; i < r->ncells; i++) {
    r->states += r->cells[i].states;
    r->checked += r->cells[i].checked;
    r->failed_cells += r->cells[i].err != 0 && !r->cells[i].na;
  }
  if (!o->keep_logs)
    r->logs_pruned_bytes = ck_matrix_prune_logs (o, r);
 out:
  clock_gettime (CLOCK_MONOTONIC, &t1);
  r->seconds = (double) (t1.tv_sec - t0.tv_sec) +
               (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (sh.fd >= 0) {
    /* Every cell is in: the end line says so (merge wants it). */
    if (!err && !sh.record_err) {
      struct json_object *e = json_object_new_object ();
      json_object_object_add (e, "kind", json_object_new_string ("end"));
      json_object_object_add (e, "seconds", json_object_new_double (r->seconds));
      sh.record_err = ck_matrix_record_line (&sh, e);
      json_object_put (e);
    }
    if (close (sh.fd) < 0 && !sh.record_err)
      sh.record_err = -errno;
  }
  if (!err && sh.record_err) {
    err = sh.record_err;
    snprintf (errbuf, errlen, "%s/%s: cannot record the cells: %s",
              o->out_dir, CK_PARTIAL_FILE, strerror (-err));
  }
  free (sh.todo);
  free (done);
  return err;
}

void
ck_matrix_result_free (struct ck_matrix_result *r)
{
  for (size_t i = 0; r->wl_names && i < r->nwl; i++)
    free (r->wl_names[i]);
  free (r->wl_names);
  free (r->wl_hash);
  free (r->cells);
  memset (r, 0, sizeof *r);
}
