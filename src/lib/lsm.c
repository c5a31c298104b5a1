#include "lib/lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/paths.h"
#include "oci/cleanup.h"
#include "oci/format.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

/* ---- what the host runs ------------------------------------------------- */

/* The module's own switch: "Y" when AppArmor is the (or a stacked) LSM and enabled at boot. */
static bool apparmor_enabled(void) {
  static int cached = -1;
  if (cached < 0) {
    char c = 0;
    cleanup_close int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
    cached = fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
  }
  return cached;
}

/* SELinux is enabled when its filesystem is mounted (libselinux's own test). */
static bool selinux_enabled(void) {
  static int cached = -1;
  if (cached < 0) {
    static const char *const mounts[] = {"/sys/fs/selinux", "/selinux"};
    cached = 0;
    for (size_t i = 0; i < sizeof mounts / sizeof mounts[0] && !cached; i++) {
      struct statfs st;
      cached = statfs(mounts[i], &st) == 0 && (unsigned long)st.f_type == SELINUX_MAGIC;
    }
  }
  return cached;
}

static bool is_set(const char *s) {
  return s && *s;
}

int lsm_check_process(const struct oci_process *p, struct skiff_error *err) {
  if (is_set(p->apparmor_profile) && !apparmor_enabled())
    return skiff_fail(err, EOPNOTSUPP, "process.apparmorProfile \"%s\": AppArmor is not enabled on this host",
                      p->apparmor_profile);
  if (is_set(p->selinux_label) && !selinux_enabled())
    return skiff_fail(err, EOPNOTSUPP, "process.selinuxLabel \"%s\": SELinux is not enabled on this host",
                      p->selinux_label);
  return 0;
}

int lsm_check_host(const struct oci_config *c, struct skiff_error *err) {
  if (c->has_process && lsm_check_process(&c->process, err) < 0)
    return -1;
  if (is_set(c->linux_.mount_label) && !selinux_enabled())
    return skiff_fail(err, EOPNOTSUPP, "linux.mountLabel \"%s\": SELinux is not enabled on this host",
                      c->linux_.mount_label);
  return 0;
}

/* ---- the process's label ------------------------------------------------- */

static int write_attr(const char *path, const char *data, size_t len, struct skiff_error *err) {
  cleanup_close int fd = proc_open(path, O_WRONLY, 0, err);
  if (fd < 0)
    return -1;
  ssize_t n = write(fd, data, len);
  if (n < 0)
    return skiff_fail_errno(err, errno, "write /proc/%s", path);
  if ((size_t)n != len)
    return skiff_fail(err, EIO, "write /proc/%s: short write", path);
  return 0;
}

static int apply_apparmor(const char *profile, struct skiff_error *err) {
  char cmd[4096];
  int len = format_string(cmd, sizeof cmd, "exec %s", profile);
  if (len < 0 || (size_t)len >= sizeof cmd)
    return skiff_fail(err, ENAMETOOLONG, "profile name too long");
  /* attr/apparmor/ since Linux 5.8 (LSM stacking); attr/exec belongs to AppArmor before that */
  if (write_attr("thread-self/attr/apparmor/exec", cmd, (size_t)len, err) == 0)
    return 0;
  if (err->code != ENOENT)
    return -1;
  return write_attr("thread-self/attr/exec", cmd, (size_t)len, err);
}

int lsm_apply_exec_label(const struct oci_process *p, struct skiff_error *err) {
  if (is_set(p->apparmor_profile) && apply_apparmor(p->apparmor_profile, err) < 0)
    return skiff_error_prefix(err, "process.apparmorProfile \"%s\"", p->apparmor_profile);
  if (is_set(p->selinux_label) &&
      write_attr("thread-self/attr/exec", p->selinux_label, strlen(p->selinux_label), err) < 0)
    return skiff_error_prefix(err, "process.selinuxLabel \"%s\"", p->selinux_label);
  return 0;
}

/* ---- mounts ------------------------------------------------------------- */

/* Filesystems that refuse context= (proc and sysfs have genfs labels, mqueue gets an xattr, the
 * cgroup mounts are the host's hierarchies). */
static bool takes_context(const char *type) {
  static const char *const refused[] = {"proc", "sysfs", "mqueue", "cgroup", "cgroup2", "bind"};
  if (!type)
    return false;
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    if (strcmp(type, refused[i]) == 0)
      return false;
  return true;
}

int lsm_mount_data(const char *type, const char *data, const char *mount_label, char **out,
                   struct skiff_error *err) {
  *out = NULL;
  if (!is_set(mount_label) || !takes_context(type))
    return 0;
  size_t size = (data ? strlen(data) + 1 : 0) + strlen(mount_label) + sizeof "context=\"\"";
  char *s = malloc(size);
  if (!s)
    return skiff_fail_errno(err, ENOMEM, "linux.mountLabel");
  format_string(s, size, "%s%scontext=\"%s\"", data ? data : "", data && *data ? "," : "", mount_label);
  *out = s;
  return 0;
}

int lsm_label_mount_root(int fd, const char *type, const char *mount_label, struct skiff_error *err) {
  if (!is_set(mount_label) || !type || strcmp(type, "mqueue") != 0)
    return 0;
  /* an O_PATH fd takes no fsetxattr; the init is before pivot_root, /proc is the host's */
  char path[PROC_FD_PATH_MAX];
  if (setxattr(proc_fd_path(fd, path), "security.selinux", mount_label, strlen(mount_label) + 1, 0) < 0)
    return skiff_fail_errno(err, errno, "linux.mountLabel \"%s\": label the mqueue mount", mount_label);
  return 0;
}
