/* fptrace-dump: print a program's traced calls, one line each (for people
 * and for tests of the tracer): fptrace-dump [-C DIR] [-u ROOT] CMD ARGS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fptrace.h"

static int
dump_event (void *arg, const struct fptrace_event *ev)
{
  FILE *out = arg;

  fprintf (out, "%s %s tid=%d fd=%d", ev->phase == FPT_ENTRY ? "enter" : "exit",
           ev->name, (int) ev->tid, ev->fd);
  if (ev->path)
    fprintf (out, " path=%s", ev->path);
  if (ev->path2)
    fprintf (out, " path2=%s", ev->path2);
  fprintf (out, " off=%llu len=%llu flags=%#x mode=%#o",
           (unsigned long long) ev->off, (unsigned long long) ev->len,
           (unsigned) ev->flags, (unsigned) ev->mode);
  if (ev->phase == FPT_EXIT)
    fprintf (out, " ret=%ld err=%d fd2=%d", ev->ret, ev->err, ev->fd2);
  if (ev->phase == FPT_EXIT && ev->call == FPT_WRITE && ev->ret > 0) {
    fputs (" data=", out);
    for (long i = 0; i < ev->ret && i < 32; i++) {
      unsigned char c = ((const unsigned char *) ev->data)[i];
      fputc (c >= 0x20 && c < 0x7f ? c : '.', out);
    }
  }
  fputc ('\n', out);
  fflush (out);
  return 0;
}

int
main (int argc, char **argv)
{
  struct fptrace_opts o = { .stdout_fd = -1, .stderr_fd = -1 };
  char err[512];
  int c, status;

  while ((c = getopt (argc, argv, "+C:u:t:")) != -1) {
    switch (c) {
    case 'C': o.cwd = optarg; break;
    case 'u': o.only_under = optarg; break;
    case 't': o.timeout_s = atof (optarg); break;
    default:
      fprintf (stderr, "usage: fptrace-dump [-C DIR] [-u ROOT] [-t S] CMD ARGS\n");
      return 2;
    }
  }
  if (optind >= argc) {
    fprintf (stderr, "usage: fptrace-dump [-C DIR] [-u ROOT] [-t S] CMD ARGS\n");
    return 2;
  }
  int e = fptrace_run (argv + optind, &o, dump_event, stdout, &status, err,
                       sizeof err);
  if (e < 0) {
    fprintf (stderr, "fptrace-dump: %s\n", err);
    return 1;
  }
  printf ("status %s %d\n", WIFEXITED (status) ? "exit" : "signal",
          WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status));
  return 0;
}
