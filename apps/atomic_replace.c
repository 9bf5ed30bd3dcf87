/* atomic-replace: the write-temp, fsync, rename, fsync-dir pattern, and its
 * broken variant, as an application under `flushpoint run --exec`.
 *
 *   atomic-replace [--broken] [N]   write generations 1..N of ./data: each
 *                                   is written to ./data.tmp, fsynced,
 *                                   renamed over ./data, and (unless
 *                                   --broken) the directory is fsynced;
 *                                   then `flushpoint mark "committed G"`
 *   atomic-replace --check          the application's check: ./data, if
 *                                   present, is one whole generation, and
 *                                   no older than the last generation in
 *                                   $FLUSHPOINT_MARKS
 *
 * Without the directory fsync, rename(2) is not durable when it returns
 * (the new name is in the directory's block, which ext4 commits with the
 * next transaction): a crash can bring back the old generation although
 * the program already said it committed the new one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIZE 6000

static int
check (void)
{
  const char *mp = getenv ("FLUSHPOINT_MARKS");
  char line[256], buf[SIZE + 1];
  int want = 0, g;
  FILE *m = mp ? fopen (mp, "r") : NULL;

  while (m && fgets (line, sizeof line, m))
    if (sscanf (line, "committed %d", &g) == 1 && g > want)
      want = g;
  if (m)
    fclose (m);
  int fd = open ("data", O_RDONLY);
  if (fd < 0) {
    if (want == 0)
      return 0;
    printf ("data is missing, but generation %d was committed\n", want);
    return 1;
  }
  ssize_t n = read (fd, buf, sizeof buf);
  close (fd);
  if (n != SIZE) {
    printf ("data has %zd bytes, a generation has %d\n", n, SIZE);
    return 1;
  }
  g = buf[0] - 'a';
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] != buf[0]) {
      printf ("data mixes generations at byte %zd\n", i);
      return 1;
    }
  if (g < want) {
    printf ("data holds generation %d, but %d was committed\n", g, want);
    return 1;
  }
  return 0;
}

int
main (int argc, char **argv)
{
  int broken = 0, n = 3;
  char buf[SIZE], cmd[64];

  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--check") == 0)
      return check ();
    if (strcmp (argv[i], "--broken") == 0)
      broken = 1;
    else
      n = atoi (argv[i]);
  }
  for (int g = 1; g <= n; g++) {
    memset (buf, 'a' + g, sizeof buf);
    int fd = open ("data.tmp", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write (fd, buf, sizeof buf) != sizeof buf || fsync (fd)
        || close (fd) || rename ("data.tmp", "data")) {
      perror ("atomic-replace");
      return 1;
    }
    if (!broken) {
      int d = open (".", O_RDONLY | O_DIRECTORY);
      if (d < 0 || fsync (d) || close (d)) {
        perror ("atomic-replace: fsync .");
        return 1;
      }
    }
    snprintf (cmd, sizeof cmd, "flushpoint mark 'committed %d'", g);
    if (system (cmd) != 0) {
      fprintf (stderr, "atomic-replace: %s failed\n", cmd);
      return 1;
    }
  }
  return 0;
}
