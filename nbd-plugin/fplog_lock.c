/* fplog_lock: one writer per log file.
 *
 * Two servers given the same log= would both write at their own idea of
 * the end, and the second one's truncate would take the first one's
 * acknowledged entries away.  So the writer holds an exclusive open file
 * description lock (fcntl F_OFD_SETLK, F_WRLCK over the whole file) for as
 * long as its file description is open: the lock belongs to the open file
 * description, not to the process, so it survives nbdkit's fork into the
 * background, is shared by dup(2)s of the descriptor (the plugin's read
 * side), and goes away by itself when the last of them is closed, however
 * the server dies.  Readers take no lock: `flushpoint log dump` and friends
 * work on a log being recorded.
 *
 * Naming the holder.  F_OFD_GETLK reports l_pid = -1 for OFD locks, and
 * so does /proc/locks; but /proc/PID/fdinfo/FD lists, in "lock:" lines,
 * the locks held through that descriptor, with the device and inode.  That
 * is scanned only after the lock was refused, to say who holds it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fplog.h"

/* Does /proc/PID/fdinfo/FD hold an OFD lock line naming key
 * (" MAJ:MIN:INO ")? */
static int
lk_fdinfo_has (const char *path, const char *key)
{
  char line[256];
  FILE *f = fopen (path, "re");
  int found = 0;

  if (!f)
    return 0;
  while (!found && fgets (line, sizeof line, f))
    found = strncmp (line, "lock:", 5) == 0 && strstr (line, "OFDLCK") &&
            strstr (line, key);
  fclose (f);
  return found;
}

/* The pid holding an OFD lock on the file of st, or 0 if none is found. */
static pid_t
lk_find_holder (const struct stat *st)
{
  char key[64], path[600];
  DIR *proc = opendir ("/proc");
  struct dirent *p;
  pid_t holder = 0;

  if (!proc)
    return 0;
  snprintf (key, sizeof key, " %02x:%02x:%ju ", major (st->st_dev),
            minor (st->st_dev), (uintmax_t) st->st_ino);
  while (!holder && (p = readdir (proc)) != NULL) {
    struct dirent *fd;
    DIR *fds;

    if (!isdigit ((unsigned char) p->d_name[0]))
      continue;
    snprintf (path, sizeof path, "/proc/%s/fdinfo", p->d_name);
    if (!(fds = opendir (path)))
      continue;
    while (!holder && (fd = readdir (fds)) != NULL) {
      if (!isdigit ((unsigned char) fd->d_name[0]))
        continue;
      snprintf (path, sizeof path, "/proc/%s/fdinfo/%s", p->d_name,
                fd->d_name);
      if (lk_fdinfo_has (path, key))
        holder = (pid_t) atol (p->d_name);
    }
    closedir (fds);
  }
  closedir (proc);
  return holder;
}

int
fplog_lock_take (int fd, const char *path, char *errbuf, size_t errlen)
{
  struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  char comm[64] = "";
  struct stat st;
  pid_t holder;
  int err;

  if (fcntl (fd, F_OFD_SETLK, &fl) == 0)
    return 0;
  err = errno;
  if (err != EAGAIN && err != EACCES) {
    snprintf (errbuf, errlen, "lock: %s: %s", path, strerror (err));
    return -err;
  }
  holder = fstat (fd, &st) == 0 ? lk_find_holder (&st) : 0;
  if (holder > 0) {
    char cpath[64];
    FILE *f;

    snprintf (cpath, sizeof cpath, "/proc/%ld/comm", (long) holder);
    if ((f = fopen (cpath, "re")) != NULL) {
      if (fgets (comm, sizeof comm, f))
        comm[strcspn (comm, "\n")] = '\0';
      fclose (f);
    }
    snprintf (errbuf, errlen, "lock: %s: the log is in use by process %ld"
              "%s%s%s: another flushpoint server is recording into it "
              "(give each server its own log=)", path, (long) holder,
              comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
  } else
    snprintf (errbuf, errlen, "lock: %s: the log is locked by another "
              "process: another flushpoint server is recording into it "
              "(give each server its own log=)", path);
  return -EBUSY;
}
