/* test_trace: trace_event formatting and the text sink. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

struct cap {
  int n;
  uint64_t t;
  char name[64];
  char *args;
};

static void
capture (void *ctx, uint64_t t, const char *name, const char *args)
{
  struct cap *c = ctx;

  c->n++;
  c->t = t;
  snprintf (c->name, sizeof c->name, "%s", name);
  free (c->args);
  c->args = strdup (args);
}

static void
test_null_sink_is_silent (void)
{
  struct fpfs_trace_sink none = { NULL, NULL };

  trace_event (NULL, 1, "x", "%d", 1);
  trace_event (&none, 1, "x", "%d", 1);
  none = fpfs_trace_text_sink (NULL);
  assert (none.event == NULL);
  trace_event (&none, 1, "x", "%d", 1);
}

static void
test_event_gets_formatted_args (void)
{
  struct cap c = { 0 };
  struct fpfs_trace_sink s = { capture, &c };

  trace_event (&s, 42, "ext4_sync_file_enter", "ino %lu datasync %d", 12ul,
               1);
  assert (c.n == 1 && c.t == 42);
  assert (strcmp (c.name, "ext4_sync_file_enter") == 0);
  assert (strcmp (c.args, "ino 12 datasync 1") == 0);
  free (c.args);
}

static void
test_long_args_are_not_truncated (void)
{
  struct cap c = { 0 };
  struct fpfs_trace_sink s = { capture, &c };
  char big[2000];

  memset (big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  trace_event (&s, 0, "long", "a %s z", big);
  assert (strlen (c.args) == sizeof big - 1 + 4);
  assert (c.args[0] == 'a' && c.args[strlen (c.args) - 1] == 'z');
  free (c.args);
}

static void
test_text_sink_line_format (void)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  struct fpfs_trace_sink s;

  assert (f != NULL);
  s = fpfs_trace_text_sink (f);
  trace_event (&s, 5000000001ull, "jbd2_start_commit",
               "dev %s transaction %u", "fp-8", 2u);
  trace_event (&s, 7, "ext4_writepages_result", "ino %d", 12);
  fclose (f);
  assert (strcmp (text,
                  "  5.000000001 jbd2_start_commit: dev fp-8 transaction 2\n"
                  "  0.000000007 ext4_writepages_result: ino 12\n") == 0);
  free (text);
}

int
main (void)
{
  test_null_sink_is_silent ();
  test_event_gets_formatted_args ();
  test_long_args_are_not_truncated ();
  test_text_sink_line_format ();
  printf ("test_trace: ok\n");
  return 0;
}
