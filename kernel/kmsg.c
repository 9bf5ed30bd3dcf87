/* kmsg: the kernel's own words after a failed mount.
 *
 * mount(2) says only EINVAL or EUCLEAN; the reason ("can't mount with
 * data=, fs mounted w/o journal", "Filesystem has duplicate UUID") goes to
 * the kernel log.  /dev/kmsg (root, or dmesg_restrict=0) gives one record
 * per read(); seeking to SEEK_END skips everything logged so far, so a
 * mark before the attempt and a collect after it see only the lines
 * logged in between.  Other processes log too: only lines naming our
 * device ("EXT4-fs (loop3): ...", "BTRFS error (device loop3): ...") or
 * starting with the file system's name ("xfs: Unknown parameter 'barrier'",
 * which names no device) are kept.
 *
 * Record format: "PRIO,SEQ,USEC,FLAGS[,...];MESSAGE\n" then optional
 * " KEY=VALUE\n" continuation lines, which we drop.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kfs_int.h"

int
kfs_kmsg_open (void)
{
  return open ("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

void
kfs_kmsg_mark (int fd)
{
  if (fd >= 0)
    lseek (fd, 0, SEEK_END);
}

/* Does msg name dev ("loop3" but not "loop31")? */
static bool
names_dev (const char *msg, const char *dev)
{
  size_t l = strlen (dev);

  for (const char *p = strstr (msg, dev); p; p = strstr (p + 1, dev))
    if (!isdigit ((unsigned char) p[l]))
      return true;
  return false;
}

int
kfs_kmsg_collect (int fd, const char *dev, const char *fstype,
                  struct kfs_str *s)
{
  char rec[2048];
  size_t tl = strlen (fstype);
  int kept = 0;

  if (fd < 0)
    return 0;
  for (int i = 0; i < 256; i++) {
    ssize_t n = read (fd, rec, sizeof rec - 1);
    if (n < 0 && errno == EPIPE)
      continue;                    /* overwritten records: go on */
    if (n <= 0)
      break;
    rec[n] = '\0';
    char *msg = strchr (rec, ';');
    if (msg == NULL)
      continue;
    msg++;
    msg[strcspn (msg, "\n")] = '\0';
    if (!names_dev (msg, dev)
        && !(strncasecmp (msg, fstype, tl) == 0
             && (msg[tl] == ':' || msg[tl] == ' ' || msg[tl] == '-')))
      continue;
    kfs_str_add (s, "%s%s", kept ? "; " : "", msg);
    kept++;
  }
  return kept;
}
