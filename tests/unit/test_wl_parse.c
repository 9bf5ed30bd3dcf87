/* test_wl_parse: the workload parser on good input (every operation and
 * directive) and on bad input (each case with its exact message). */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "wl.h"

static char err[512];

static struct wl_workload *
parse_ok (const char *text)
{
  struct wl_workload *w = NULL;
  int r = wl_parse ("t.wl", text, strlen (text), &w, err, sizeof err);
  if (r != 0) {
    fprintf (stderr, "unexpected parse error %d: %s\n--- input:\n%s\n", r,
             err, text);
    assert (0);
  }
  return w;
}

static void
parse_bad (const char *text, size_t len, const char *msg)
{
  struct wl_workload *w = (struct wl_workload *) 1;
  int r = wl_parse ("t.wl", text, len, &w, err, sizeof err);
  if (r != -EINVAL || strcmp (err, msg) != 0) {
    fprintf (stderr, "input:   %.*s\nwant:    %s\ngot (%d): %s\n",
             (int) (len > 200 ? 200 : len), text, msg, r, err);
    assert (0);
  }
  assert (w == NULL);
}

#define BAD(text, msg) parse_bad ((text), strlen (text), (msg))

static void
test_every_op_parses (void)
{
  struct wl_workload *w = parse_ok (
    "#! mount lazytime\n"
    "#! mount commit=1\n"
    "#! disk 256M\n"
    "# a comment line\n"
    "\n"
    "mkdir /a\n"                                 /* 0 */
    "mkdir /a/b 0700   # trailing comment\n"     /* 1 */
    "rmdir /a/b\n"                               /* 2 */
    "creat /a/f\n"                               /* 3 */
    "creat /a/g 0600\n"                          /* 4 */
    "open /a/f O_CREAT|O_RDWR 0640\n"            /* 5 */
    "open /a/f O_RDONLY as r1\n"                 /* 6 */
    "close r1\n"                                 /* 7 */
    "unlink /a/g\n"                              /* 8 */
    "rename /a/f /a/g\n"                         /* 9 */
    "link /a/g /a/h\n"                           /* 10 */
    "chmod /a/g 0600\n"                          /* 11 */
    "utimes /a/g now\n"                          /* 12 */
    "utimes /a/g 1.5 100\n"                      /* 13 */
    "truncate /a/f 4K\n"                         /* 14 */
    "truncate r1 0\n"                            /* 15 */
    "write /a/f 4096\n"                          /* 16 */
    "pwrite /a/f 8192 4096 pattern=stamp seed=7\n"   /* 17 */
    "append /a/f 0x1000 seed=3\n"                /* 18 */
    "fsync /a/f\n"                               /* 19 */
    "fdatasync r1\n"                             /* 20 */
    "sync\n"                                     /* 21 */
    "syncfs\n"                                   /* 22 */
    "persist /a/f\n"                             /* 23 */
    "sleep 35\n"                                 /* 24 */
    "sleep 0.5\r\n"                              /* 25 */
    "mark hello # world\n"                       /* 26 */
    "unlink /nope\n"                             /* 27 */
    "expect ENOENT\n"
    "fault write EIO next\n"                     /* 28 */
    "  \t close /a/f\n");                        /* 29 */
  struct wl_op *o = w->ops;

  assert (w->n_ops == 30);
  assert (strcmp (w->name, "t") == 0);
  assert (strcmp (w->mount_opts, "lazytime,commit=1") == 0);
  assert (w->disk_size == 256u << 20);
  assert (o[0].kind == WL_OP_MKDIR && o[0].mode == 0755 && o[0].line == 6);
  assert (strcmp (o[0].path, "/a") == 0);
  assert (o[1].mode == 0700 && strcmp (o[1].text, "mkdir /a/b 0700") == 0);
  assert (o[2].kind == WL_OP_RMDIR);
  assert (o[3].kind == WL_OP_CREAT && o[3].mode == 0644);
  assert (o[4].mode == 0600);
  assert (o[5].kind == WL_OP_OPEN && o[5].flags == (O_CREAT | O_RDWR));
  assert (o[5].mode == 0640 && strcmp (o[5].handle, "/a/f") == 0);
  assert (o[6].flags == O_RDONLY && strcmp (o[6].handle, "r1") == 0);
  assert (o[7].kind == WL_OP_CLOSE && o[7].is_handle);
  assert (strcmp (o[7].path, "r1") == 0);
  assert (o[8].kind == WL_OP_UNLINK);
  assert (o[9].kind == WL_OP_RENAME && strcmp (o[9].path2, "/a/g") == 0);
  assert (o[10].kind == WL_OP_LINK && strcmp (o[10].path2, "/a/h") == 0);
  assert (o[11].kind == WL_OP_CHMOD && o[11].mode == 0600);
  assert (o[12].kind == WL_OP_UTIMES && o[12].times_now);
  assert (!o[13].times_now && o[13].atime.sec == 1);
  assert (o[13].atime.nsec == 500000000u && o[13].mtime.sec == 100);
  assert (o[14].kind == WL_OP_TRUNCATE && o[14].size == 4096);
  assert (!o[14].is_handle && o[15].is_handle && o[15].size == 0);
  assert (o[16].kind == WL_OP_WRITE && o[16].len == 4096);
  assert (o[16].pattern == WL_PAT_XORSHIFT && o[16].seed == o[16].line);
  assert (o[17].kind == WL_OP_PWRITE && o[17].off == 8192);
  assert (o[17].pattern == WL_PAT_STAMP && o[17].seed == 7);
  assert (o[18].kind == WL_OP_APPEND && o[18].len == 4096 && o[18].seed == 3);
  assert (o[19].kind == WL_OP_FSYNC && o[20].kind == WL_OP_FDATASYNC);
  assert (o[21].kind == WL_OP_SYNC && o[22].kind == WL_OP_SYNCFS);
  assert (o[23].kind == WL_OP_PERSIST && strcmp (o[23].path, "/a/f") == 0);
  assert (o[24].sleep_ns == 35000000000ull);
  assert (o[25].sleep_ns == 500000000ull && strcmp (o[25].text, "sleep 0.5") == 0);
  assert (o[26].kind == WL_OP_MARK);
  assert (strcmp (o[26].path, "hello # world") == 0);
  assert (o[27].expect_errno == ENOENT && o[26].expect_errno == 0);
  assert (o[28].kind == WL_OP_FAULT);
  assert (strcmp (o[28].path, "write EIO next") == 0);
  assert (strcmp (o[29].text, "close /a/f") == 0 && o[29].line == 36);
  for (size_t i = 1; i < w->n_ops; i++)
    assert (o[i].line > o[i - 1].line);
  wl_free (w);
}

static void
test_empty_and_comment_only (void)
{
  struct wl_workload *w = parse_ok ("");
  assert (w->n_ops == 0 && w->mount_opts == NULL && w->disk_size == 0);
  wl_free (w);
  w = parse_ok ("# only\n\n   # comments\n");
  assert (w->n_ops == 0);
  wl_free (w);
}

/* `#! exec` keeps the rest of the line for the shell, '#' and quotes
 * included, without the blanks around it. */
static void
test_exec_directive_keeps_the_command (void)
{
  struct wl_workload *w = parse_ok ("#! exec   sh -c 'echo a # b'  \n"
                                    "#! check test -f x\n");
  assert (w->n_ops == 0);
  assert (strcmp (w->exec_cmd, "sh -c 'echo a # b'") == 0);
  assert (strcmp (w->check_cmd, "test -f x") == 0);
  wl_free (w);
}

static void
test_bad_input_messages (void)
{
  BAD ("mkdri /a", "t.wl:1:1: expected an operation, got \"mkdri\"");
  BAD ("mkdir a", "t.wl:1:7: expected an absolute path, got \"a\"");
  BAD ("mkdir", "t.wl:1:6: expected an absolute path, got end of line");
  BAD ("mkdir /a//b", "t.wl:1:7: expected a path without empty, '.' or "
       "'..' components, got \"/a//b\"");
  BAD ("rmdir /a/../b", "t.wl:1:7: expected a path without empty, '.' or "
       "'..' components, got \"/a/../b\"");
  BAD ("unlink /a/", "t.wl:1:8: expected a path without empty, '.' or "
       "'..' components, got \"/a/\"");
  BAD ("mkdir /a 0999", "t.wl:1:10: expected an octal mode like 0644, got "
       "\"0999\"");
  BAD ("chmod /a", "t.wl:1:9: expected an octal mode like 0644, got end of "
       "line");
  BAD ("mkdir /a 0755 x", "t.wl:1:15: expected end of line, got \"x\"");
  BAD ("open /f O_CRAT", "t.wl:1:9: expected open flags like O_CREAT|O_RDWR "
       "(one access mode, no flag twice), got \"O_CRAT\"");
  BAD ("open /f O_RDONLY|O_RDWR", "t.wl:1:9: expected open flags like "
       "O_CREAT|O_RDWR (one access mode, no flag twice), got "
       "\"O_RDONLY|O_RDWR\"");
  BAD ("open /f O_RDWR as 9x", "t.wl:1:19: expected a handle name "
       "([A-Za-z_][A-Za-z0-9_.-]*, at most 32 bytes), got \"9x\"");
  BAD ("write f1 10", "t.wl:1:7: expected a handle bound by an earlier "
       "'open PATH FLAGS as NAME', got \"f1\"");
  BAD ("fsync", "t.wl:1:6: expected a path or a handle name, got end of "
       "line");
  BAD ("fsync ~/x", "t.wl:1:7: expected a path or a handle name, got "
       "\"~/x\"");
  BAD ("write /f 65M", "t.wl:1:10: expected a length of at most 67108864, "
       "got \"65M\"");
  BAD ("write /f ten", "t.wl:1:10: expected a length (bytes, e.g. 4096, "
       "0x1000 or 4K), got \"ten\"");
  BAD ("truncate /f 2T", "t.wl:1:13: expected a size of at most "
       "1099511627776, got \"2T\"");
  BAD ("pwrite /f 1T 4096", "t.wl:1:14: expected a length that ends at "
       "most 1099511627776 bytes into the file, got \"4096\"");
  BAD ("pwrite /f 0 10 pattern=foo", "t.wl:1:16: expected pattern=NAME with "
       "NAME one of xorshift, zero, fill, stamp, got \"pattern=foo\"");
  BAD ("pwrite /f 0 10 seed=x", "t.wl:1:16: expected seed=N with N a 64-bit "
       "number, got \"seed=x\"");
  BAD ("append /f 10 seed=1 seed=2", "t.wl:1:21: expected pattern=NAME, "
       "seed=N or end of line, got \"seed=2\"");
  BAD ("append /f 10 seed=1 pattern=zero x", "t.wl:1:34: expected end of "
       "line, got \"x\"");
  BAD ("utimes /f yesterday", "t.wl:1:11: expected 'now' or ATIME MTIME in "
       "seconds, got \"yesterday\"");
  BAD ("utimes /f 1", "t.wl:1:12: expected an mtime (seconds, e.g. 35 or "
       "0.25), got end of line");
  BAD ("sleep 1.1234567891", "t.wl:1:7: expected a duration (seconds, e.g. "
       "35 or 0.25), got \"1.1234567891\"");
  BAD ("sleep .5", "t.wl:1:7: expected a duration (seconds, e.g. 35 or "
       "0.25), got \".5\"");
  BAD ("sleep 2000000", "t.wl:1:7: expected a duration of at most 1000000 "
       "seconds, got \"2000000\"");
  BAD ("mark", "t.wl:1:5: expected mark text, got end of line");
  BAD ("fault   ", "t.wl:1:9: expected a fault specification, got end of "
       "line");
  BAD ("expect ENOENT", "t.wl:1:1: expected an operation that can fail "
       "before expect, got \"expect\"");
  BAD ("mark x\nexpect EIO", "t.wl:2:1: expected an operation that can "
       "fail before expect, got \"expect\"");
  BAD ("unlink /f\nexpect ENOPE", "t.wl:2:8: expected an errno name like "
       "ENOENT, got \"ENOPE\"");
  BAD ("unlink /f\nexpect ENOENT\nexpect ENOENT", "t.wl:3:1: expected one "
       "expect per operation, got \"expect\"");
  BAD ("sync\n#! mount lazytime", "t.wl:2:1: expected directives before "
       "the first operation, got \"#!\"");
  BAD ("#! frob", "t.wl:1:4: expected a directive (mount, disk, exec or "
       "check), got \"frob\"");
  BAD ("#! exec true\nsync", "t.wl:2:1: expected no operations in a "
       "program's workload (`#! exec`: its calls are recorded), got an "
       "operation");
  BAD ("#! check true", "t.wl:1:1: expected `#! exec CMD` with `#! check "
       "CMD`, got a check without a program");
  BAD ("#! disk", "t.wl:1:8: expected a disk size (bytes, e.g. 4096, 0x1000 "
       "or 4K), got end of line");
  BAD ("#! mount", "t.wl:1:9: expected mount options like lazytime,commit=5, "
       "got end of line");
  BAD ("# ok\nmkdir /a\x01", "t.wl:2:9: expected a printable character, got "
       "byte 0x01");
  parse_bad ("sync\0", 5, "t.wl:1:5: expected a printable character, got "
             "byte 0x00");
  /* A token longer than 40 bytes is cut in the message. */
  BAD ("mkdir aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
       "t.wl:1:7: expected an absolute path, got "
       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
}

static void
test_limits (void)
{
  char *long_line = malloc (5001);
  char comp[300];

  memset (long_line, 'x', 5000);
  long_line[5000] = '\0';
  BAD (long_line, "t.wl:1:4097: expected a line of at most 4096 bytes, got "
       "a longer line");
  free (long_line);

  comp[0] = '/';
  memset (comp + 1, 'c', 256);
  comp[257] = '\0';
  char line[320];
  snprintf (line, sizeof line, "creat %s", comp);
  BAD (line, "t.wl:1:7: expected path components of at most 255 bytes, got "
       "\"/ccccccccccccccccccccccccccccccccccccccc...\"");
  comp[256] = '\0';                              /* 255 bytes: fine */
  snprintf (line, sizeof line, "creat %s", comp);
  wl_free (parse_ok (line));

  size_t big = WL_TEXT_MAX + 1;
  char *text = malloc (big);
  memset (text, '\n', big);
  parse_bad (text, big, "t.wl:1:1: expected a workload of at most 1048576 "
             "bytes, got 1048577 bytes");
  free (text);
}

static void
test_names_and_flags (void)
{
  char buf[128];
  int f;

  assert (wl_flags_parse ("O_CREAT|O_RDWR", &f) == 0 && f == (O_CREAT | O_RDWR));
  assert (wl_flags_parse ("O_WRONLY|O_SYNC|O_DSYNC", &f) == 0);
  assert ((f & O_SYNC) == O_SYNC);
  assert (wl_flags_parse ("O_CREAT|", &f) == -EINVAL);
  assert (wl_flags_parse ("O_CREAT|O_CREAT", &f) == -EINVAL);
  assert (wl_flags_format (O_WRONLY | O_CREAT | O_DSYNC, buf, sizeof buf) == 0);
  assert (strcmp (buf, "O_WRONLY|O_CREAT|O_DSYNC") == 0);
  assert (wl_flags_format (O_RDWR | O_SYNC, buf, sizeof buf) == 0);
  assert (strcmp (buf, "O_RDWR|O_SYNC") == 0);
  assert (wl_flags_format (O_RDWR | O_SYNC, buf, 5) == -ENOSPC);
  assert (wl_errno_lookup ("EEXIST") == EEXIST);
  assert (strcmp (wl_errno_name (ENOTEMPTY), "ENOTEMPTY") == 0);
  for (int k = 0; k < WL_OP__COUNT; k++) {
    enum wl_op_kind back;
    assert (wl_op_lookup (wl_op_name ((enum wl_op_kind) k), &back) == 0);
    assert ((int) back == k);
  }
  for (int p = 0; p < WL_PERSIST__COUNT; p++) {
    enum wl_persist back;
    assert (wl_persist_lookup (wl_persist_name ((enum wl_persist) p),
                               &back) == 0 && (int) back == p);
  }
}

static void
test_persist_plan (void)
{
  struct wl_workload *w = parse_ok (
    "open /f O_CREAT|O_RDWR\n"   /* 0 */
    "write /f 10\n"              /* 1: covered by 4 */
    "pwrite /g 0 10\n"           /* 2: never persisted */
    "append /f 10\n"             /* 3: covered by 4 */
    "persist /f\n"               /* 4 */
    "write /f 10\n"              /* 5: after the last persist */
    "open /f O_RDWR as h\n"      /* 6 */
    "write h 10\n"               /* 7: operand h, persisted by 8 */
    "persist h\n");              /* 8 */
  bool plan[9];

  wl_persist_plan (w, plan);
  assert (!plan[0] && plan[1] && !plan[2] && plan[3] && !plan[4]);
  assert (!plan[5] && !plan[6] && plan[7] && !plan[8]);
  wl_free (w);
}

/* Seeded random mutations of a valid workload must give 0 or -EINVAL with
 * a "t.wl:L:C: expected" message, never anything else. */
static void
test_random_garbage (void)
{
  const char *base = "open /a O_CREAT|O_RDWR 0644 as h\npwrite h 0 4K "
                     "pattern=stamp seed=9\nexpect EIO\nsleep 0.25\n";
  unsigned seed = 4242;
  char buf[256];
  size_t n = strlen (base);

  printf ("test_random_garbage: seed %u\n", seed);
  srand (seed);
  for (int iter = 0; iter < 20000; iter++) {
    memcpy (buf, base, n);
    for (int k = rand () % 4; k >= 0; k--)
      buf[rand () % n] = (char) (rand () % 256);
    struct wl_workload *w = NULL;
    int r = wl_parse ("t.wl", buf, n, &w, err, sizeof err);
    assert (r == 0 || r == -EINVAL);
    assert (r == 0 ? w != NULL : strncmp (err, "t.wl:", 5) == 0);
    assert (r == 0 || strstr (err, ": expected ") != NULL);
    wl_free (w);
  }
}

/* The operations of issue 14: operands, defaults, the word lists. */
static void
test_new_ops_parse (void)
{
  struct wl_workload *w = parse_ok (
    "open /f O_CREAT|O_RDWR as h\n"                    /* 0 */
    "fallocate /f 0 1M\n"                              /* 1 */
    "fallocate h 4K 8K punch_hole\n"                   /* 2 */
    "fallocate /f 0 64K zero_range|keep_size\n"        /* 3 */
    "fallocate /f 4K 4K collapse_range\n"              /* 4 */
    "sync_file_range /f 0 0 write\n"                   /* 5 */
    "sync_file_range h 4K 8K wait_before|write|wait_after\n"  /* 6 */
    "read h 0 8K\n"                                    /* 7 */
    "drop_caches\n"                                    /* 8 */
    "drop_caches 1\n"                                  /* 9 */
    "symlink ../x/y /a/s   # comment\n"                /* 10 */
    "mknod /a/p fifo\n"                                /* 11 */
    "mknod /a/c char 0600 dev=1:3\n"                   /* 12 */
    "mknod /a/b block dev=259:1048575\n"               /* 13 */
    "setxattr /f user.k 100\n"                         /* 14 */
    "setxattr /f trusted.k 8 replace seed=4\n"         /* 15 */
    "removexattr /f user.k\n"                          /* 16 */
    "expect ENODATA\n");
  const struct wl_op *o = w->ops;

  assert (w->n_ops == 17);
  assert (o[1].kind == WL_OP_FALLOCATE && o[1].off == 0
          && o[1].len == 1u << 20 && o[1].opflags == 0);
  assert (o[2].is_handle && o[2].opflags == (0x02 | 0x01));  /* + keep_size */
  assert (o[3].opflags == (0x10 | 0x01));
  assert (o[4].opflags == 0x08);
  assert (o[5].kind == WL_OP_SYNC_FILE_RANGE && o[5].len == 0
          && o[5].opflags == 2);
  assert (o[6].opflags == 7 && o[6].off == 4096);
  assert (o[7].kind == WL_OP_READ && o[7].len == 8192);
  assert (o[8].kind == WL_OP_DROP_CACHES && o[8].opflags == 3);
  assert (o[9].opflags == 1);
  assert (o[10].kind == WL_OP_SYMLINK && strcmp (o[10].target, "../x/y") == 0
          && strcmp (o[10].path, "/a/s") == 0);
  assert (o[11].mode == (S_IFIFO | 0644) && o[11].dev == 0);
  assert (o[12].mode == (S_IFCHR | 0600) && o[12].dev == makedev (1, 3));
  assert (o[13].mode == (S_IFBLK | 0644)
          && o[13].dev == makedev (259, 1048575));
  assert (o[14].kind == WL_OP_SETXATTR && strcmp (o[14].xname, "user.k") == 0
          && o[14].len == 100 && o[14].opflags == 0 && o[14].seed == 15);
  assert (o[15].opflags == 2 && o[15].seed == 4);
  assert (o[16].kind == WL_OP_REMOVEXATTR && o[16].expect_errno == ENODATA);
  wl_free (w);
}

static void
test_rename_flags_tmpfile_direct (void)
{
  struct wl_workload *w = parse_ok (
    "rename /a /b\n"
    "rename /a /b noreplace\n"
    "rename /a /b exchange\n"
    "rename /a /b whiteout\n"
    "open /d O_TMPFILE|O_RDWR 0600 as t\n"
    "linkat t /d/f\n"
    "open /f O_RDWR|O_DIRECT as d\n");
  char buf[64];

  assert (w->ops[0].opflags == 0 && w->ops[1].opflags == 1
          && w->ops[2].opflags == 2 && w->ops[3].opflags == 4);
  assert ((w->ops[4].flags & O_TMPFILE) == O_TMPFILE);
  assert (w->ops[5].kind == WL_OP_LINKAT && w->ops[5].is_handle
          && strcmp (w->ops[5].path2, "/d/f") == 0);
  assert (w->ops[6].flags & O_DIRECT);
  assert (wl_flags_format (w->ops[4].flags, buf, sizeof buf) == 0
          && strcmp (buf, "O_RDWR|O_TMPFILE") == 0);
  wl_free (w);
  BAD ("rename /a /b swap", "t.wl:1:14: expected noreplace, exchange, "
       "whiteout or end of line, got \"swap\"");
  BAD ("linkat /a", "t.wl:1:10: expected an absolute path, got end of line");
}

static void
test_after_recovery_section (void)
{
  struct wl_workload *w = parse_ok (
    "mkdir /d\n"
    "open /d/f O_CREAT|O_RDWR as h\n"
    "after-recovery\n"
    "unlink /d/f\n"
    "expect ENOENT\n"
    "rmdir /d\n");

  assert (w->n_ops == 2 && w->n_rops == 2);
  assert (w->rops[0].kind == WL_OP_UNLINK
          && w->rops[0].expect_errno == ENOENT && w->rops[0].line == 4);
  assert (w->rops[1].kind == WL_OP_RMDIR);
  wl_free (w);
  w = parse_ok ("mkdir /d\nafter-recovery\n");
  assert (w->n_ops == 1 && w->n_rops == 0);
  wl_free (w);
  BAD ("mkdir /d\nafter-recovery\nafter-recovery\n", "t.wl:3:1: expected "
       "one after-recovery section, got \"after-recovery\"");
  BAD ("after-recovery\nsleep 1\n", "t.wl:2:1: expected an operation "
       "allowed after recovery (not open, close, persist, sleep, mark, "
       "fault, linkat, sync_file_range, drop_caches or a mapping op), got "
       "\"sleep\"");
  BAD ("open /f O_RDWR as h\nafter-recovery\nfsync h\n", "t.wl:3:1: "
       "expected a path (no handle of the run exists after recovery), got "
       "\"h\"");
}

static void
test_mapping_ops (void)
{
  struct wl_workload *w = parse_ok ("mmap /db 0 16K as m\n"
                                    "mwrite m 8K 4K seed=3\n"
                                    "msync m\n"
                                    "msync m MS_ASYNC\n"
                                    "munmap m\n");

  assert (w->n_ops == 5 && strcmp (w->ops[0].handle, "m") == 0
          && w->ops[0].len == 16384);
  assert (w->ops[1].kind == WL_OP_MWRITE && w->ops[1].is_handle
          && w->ops[1].off == 8192 && w->ops[1].seed == 3);
  assert (w->ops[2].opflags == 4 && w->ops[3].opflags == 1);
  assert (w->ops[4].kind == WL_OP_MUNMAP);
  wl_free (w);
  BAD ("mmap /db 0 4K", "t.wl:1:14: expected 'as NAME' (a mapping is "
       "named), got end of line");
  BAD ("mwrite m 0 4K", "t.wl:1:8: expected a mapping bound by an earlier "
       "'mmap FILE OFF LEN as NAME', got \"m\"");
  BAD ("mmap /db 0 4K as m\nmsync m MS_NOW", "t.wl:2:9: expected MS_SYNC, "
       "MS_ASYNC or end of line, got \"MS_NOW\"");
}

static void
test_new_ops_bad_input (void)
{
  BAD ("fallocate /f 0 4K punch", "t.wl:1:19: expected a fallocate mode: "
       "keep_size, punch_hole, zero_range, collapse_range or insert_range, "
       "joined by '|', got \"punch\"");
  BAD ("fallocate /f 0 4K keep_size|keep_size", "t.wl:1:19: expected a "
       "fallocate mode: keep_size, punch_hole, zero_range, collapse_range or "
       "insert_range, joined by '|', got \"keep_size|keep_size\"");
  BAD ("fallocate /f 0", "t.wl:1:15: expected a length (bytes, e.g. 4096, "
       "0x1000 or 4K), got end of line");
  BAD ("sync_file_range /f 0 4K", "t.wl:1:24: expected sync_file_range "
       "flags: wait_before, write or wait_after, joined by '|', got end of "
       "line");
  BAD ("read /f 0 65M", "t.wl:1:11: expected a length of at most 67108864, "
       "got \"65M\"");
  BAD ("drop_caches 4", "t.wl:1:13: expected 1, 2 or 3 (what "
       "/proc/sys/vm/drop_caches takes), got \"4\"");
  BAD ("symlink /t", "t.wl:1:11: expected an absolute path, got end of line");
  BAD ("mknod /p pipe", "t.wl:1:10: expected fifo, char, block or socket, "
       "got \"pipe\"");
  BAD ("mknod /c char dev=4096:0", "t.wl:1:15: expected dev=MAJOR:MINOR "
       "(major at most 4095, minor at most 1048575), got \"dev=4096:0\"");
  BAD ("mknod /c char dev=1", "t.wl:1:15: expected dev=MAJOR:MINOR (major at "
       "most 4095, minor at most 1048575), got \"dev=1\"");
  BAD ("setxattr /f nodot 4", "t.wl:1:13: expected an xattr name like "
       "user.NAME (at most 255 bytes), got \"nodot\"");
  BAD ("setxattr /f user. 4", "t.wl:1:13: expected an xattr name like "
       "user.NAME (at most 255 bytes), got \"user.\"");
  BAD ("setxattr /f user.k 65537", "t.wl:1:20: expected a value length of at "
       "most 65536, got \"65537\"");
  BAD ("removexattr /f user.k 4", "t.wl:1:23: expected end of line, got "
       "\"4\"");
}

int
main (void)
{
  test_every_op_parses ();
  test_empty_and_comment_only ();
  test_exec_directive_keeps_the_command ();
  test_bad_input_messages ();
  test_limits ();
  test_names_and_flags ();
  test_persist_plan ();
  test_random_garbage ();
  test_new_ops_parse ();
  test_new_ops_bad_input ();
  test_rename_flags_tmpfile_direct ();
  test_after_recovery_section ();
  test_mapping_ops ();
  printf ("test_wl_parse: ok\n");
  return 0;
}
