/* mkfs: making a kernel file system with a given uuid, as reproducibly as
 * the tools allow.
 *
 *   ext4   mkfs.ext4 -q -F -b 4096 -U UUID -E lazy_itable_init=0,
 *          lazy_journal_init=0,nodiscard,hash_seed=UUID, with
 *          E2FSPROGS_FAKE_TIME=1: every timestamp mkfs writes is 1 s
 *          after the epoch, the directory hash seed is the uuid, inode
 *          tables and journal are zeroed now (no lazy init writes later),
 *          no whole-device TRIM.  -b 4096: on a small disk mke2fs would
 *          pick 1 KiB blocks ("small" type); 4 KiB is what ext4 uses in
 *          practice and what the engine models.
 *   xfs    mkfs.xfs -q -f -K -m uuid=UUID (xfsprogs 6.1 has no fake time:
 *          its timestamps are real)
 *   btrfs  mkfs.btrfs -q -f -K -U UUID (the device and chunk tree uuids
 *          are random: btrfs-progs 6.2 has no option for them)
 * then the words of kfs_opts.mkfs_extra, then the target.  The tool's
 * configuration file (/etc/mke2fs.conf, ...) is the machine's: the
 * version goes into kfs_stack_describe.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kfs_int.h"

#define MKFS_ARGS_MAX 40

static void
uuid_text (const uint8_t *u, char out[37])
{
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;

  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out[o++] = '-';
    out[o++] = hex[u[i] >> 4];
    out[o++] = hex[u[i] & 15];
  }
  out[o] = '\0';
}

int
kfs_mkfs_run (const struct kfs_opts *o, const uint8_t *uuid,
              const char *target, char *cmd, size_t cmdlen,
              char *env, size_t envlen, char *errbuf, size_t errlen)
{
  const struct kfs_fs_desc *fs = kfs_fs_desc (o->type);
  const char *argv[MKFS_ARGS_MAX + 1], *envv[2] = { NULL, NULL };
  char tool[256], u[37], ext[160], xfsm[48], extra[sizeof o->mkfs_extra];
  char out[4096], text[1024], st[48], *save = NULL;
  int n = 0, status = 0, ret;

  if (fs == NULL || uuid == NULL || target == NULL)
    return kfs_err (errbuf, errlen, -EINVAL, "mkfs: bad arguments");
  if (kfs_which (fs->mkfs, tool, sizeof tool) < 0)
    return kfs_err (errbuf, errlen, -ENOENT, "mkfs: %s not found (package %s)",
                    fs->mkfs, fs->pkg);
  uuid_text (uuid, u);
  argv[n++] = tool;
  argv[n++] = "-q";
  switch (o->type) {
  case KFS_EXT4:
    snprintf (ext, sizeof ext, "lazy_itable_init=0,lazy_journal_init=0,"
              "nodiscard,hash_seed=%s", u);
    argv[n++] = "-F";
    argv[n++] = "-b";
    argv[n++] = "4096";
    argv[n++] = "-U";
    argv[n++] = u;
    argv[n++] = "-E";
    argv[n++] = ext;
    envv[0] = "E2FSPROGS_FAKE_TIME=1";
    break;
  case KFS_XFS:
    snprintf (xfsm, sizeof xfsm, "uuid=%s", u);
    argv[n++] = "-f";
    argv[n++] = "-K";
    argv[n++] = "-m";
    argv[n++] = xfsm;
    break;
  case KFS_BTRFS:
    argv[n++] = "-f";
    argv[n++] = "-K";
    argv[n++] = "-U";
    argv[n++] = u;
    break;
  }
  snprintf (extra, sizeof extra, "%s", o->mkfs_extra);
  for (char *w = strtok_r (extra, " \t", &save); w;
       w = strtok_r (NULL, " \t", &save)) {
    if (n >= MKFS_ARGS_MAX - 1)
      return kfs_err (errbuf, errlen, -E2BIG, "mkfs: %s: too many extra "
                      "arguments", o->mkfs_extra);
    argv[n++] = w;
  }
  argv[n++] = target;
  argv[n] = NULL;
  kfs_argv_text (argv, text, sizeof text);
  if (cmd)
    snprintf (cmd, cmdlen, "%s", text);
  if (env)
    snprintf (env, envlen, "%s", envv[0] ? envv[0] : "");
  ret = kfs_run (argv, envv, out, sizeof out, &status);
  if (ret)
    return kfs_err (errbuf, errlen, ret, "%s: cannot run: %s", text,
                    strerror (-ret));
  if (status != 0) {
    kfs_status_text (status, st, sizeof st);
    return kfs_err (errbuf, errlen, -EIO, "%s: %s: %s", text, st, out);
  }
  return 0;
}

int
kfs_mkfs (const struct kfs_opts *o, const uint8_t *uuid, const char *target,
          char *errbuf, size_t errlen)
{
  return kfs_mkfs_run (o, uuid, target, NULL, 0, NULL, 0, errbuf, errlen);
}

int
kfs_mkfs_version (enum kfs_type t, char *buf, size_t len)
{
  const struct kfs_fs_desc *fs = kfs_fs_desc (t);
  char tool[256], out[512];
  const char *argv[] = { tool, "-V", NULL };
  int status = 0, ret;

  if (len)
    buf[0] = '\0';
  if (fs == NULL || kfs_which (fs->mkfs, tool, sizeof tool) < 0)
    return -ENOENT;
  ret = kfs_run (argv, NULL, out, sizeof out, &status);
  if (ret)
    return ret;
  out[strcspn (out, "\n")] = '\0';
  snprintf (buf, len, "%s", out);
  return 0;
}
