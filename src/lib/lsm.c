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
#include "lib/utils.h"
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

/* The attr file opened for the trampoline to write (lsm.h says why not now). proc_open: beneath a
 * verified procfs, through no mount. */
static int open_attr(const char *path, const char *what, const char *data, struct lsm_exec_label *label,
                     struct skiff_error *err) {
  int fd = proc_open(path, O_WRONLY, 0, err);
  if (fd < 0)
    return -1;
  label->fd = fd;
  label->what = xasprintf("%s: write /proc/%s", what, path);
  label->data = strdup(data);
  if (!label->what || !label->data)
    return skiff_fail_errno(err, ENOMEM, "%s", what);
  return 0;
}

static int open_apparmor(const char *profile, struct lsm_exec_label *label, struct skiff_error *err) {
  cleanup_free char *what = xasprintf("process.apparmorProfile \"%s\"", profile);
  cleanup_free char *cmd = xasprintf("exec %s", profile);
  if (!what || !cmd)
    return skiff_fail_errno(err, ENOMEM, "process.apparmorProfile");
  /* attr/apparmor/ since Linux 5.8 (LSM stacking); attr/exec belongs to AppArmor before that */
  if (open_attr("thread-self/attr/apparmor/exec", what, cmd, label, err) == 0)
    return 0;
  if (err->code != ENOENT || label->fd >= 0)
    return skiff_error_prefix(err, "%s", what);
  if (open_attr("thread-self/attr/exec", what, cmd, label, err) < 0)
    return skiff_error_prefix(err, "%s", what);
  return 0;
}

int lsm_open_exec_labels(const struct oci_process *p, struct lsm_exec_label labels[LSM_EXEC_LABELS_MAX],
                         size_t *n, struct skiff_error *err) {
  *n = 0;
  for (size_t i = 0; i < LSM_EXEC_LABELS_MAX; i++)
    labels[i] = (struct lsm_exec_label){.fd = -1};
  if (is_set(p->apparmor_profile) && open_apparmor(p->apparmor_profile, &labels[(*n)++], err) < 0)
    return -1;
  if (!is_set(p->selinux_label))
    return 0;
  cleanup_free char *what = xasprintf("process.selinuxLabel \"%s\"", p->selinux_label);
  if (!what)
    return skiff_fail_errno(err, ENOMEM, "process.selinuxLabel");
  if (open_attr("thread-self/attr/exec", what, p->selinux_label, &labels[(*n)++], err) < 0)
    return skiff_error_prefix(err, "%s", what);
  return 0;
}

void lsm_exec_labels_free(struct lsm_exec_label labels[LSM_EXEC_LABELS_MAX]) {
  for (size_t i = 0; i < LSM_EXEC_LABELS_MAX; i++) {
    if (labels[i].fd >= 0)
      close(labels[i].fd);
    free(labels[i].what);
    free(labels[i].data);
    labels[i] = (struct lsm_exec_label){.fd = -1};
  }
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
