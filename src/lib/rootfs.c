#include "lib/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/devices.h"
#include "lib/mountinfo.h"
#include "lib/mounts.h"
#include "lib/paths.h"
#include "oci/cleanup.h"
#include "lib/utils.h"

static bool path_has_prefix(const char *path, const char *prefix) {
  size_t n = strlen(prefix);
  if (n == 1 && prefix[0] == '/')
    return true;
  return strncmp(path, prefix, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The mount holding the rootfs: if it is shared, pivot_root fails (EINVAL) and our bind of the
 * rootfs would propagate to its peers, so it becomes private. */
static int make_parent_private(const char *mountinfo, const char *root, struct skiff_error *err) {
  struct mountinfo_iter it;
  struct mountinfo_entry e;
  char parent[PATH_MAX] = "";
  size_t best = 0;
  bool found = false, shared = false;
  mountinfo_iter_init(&it, mountinfo);
  while (mountinfo_iter_next(&it, &e)) {
    size_t n = strlen(e.mountpoint);
    /* >=: of mounts stacked on one point, the last listed is the one on top */
    if (n < sizeof parent && path_has_prefix(root, e.mountpoint) && (!found || n >= best)) {
      memcpy(parent, e.mountpoint, n + 1);
      best = n;
      found = true;
      shared = strstr(e.optional, "shared:") != NULL;
    }
  }
  mountinfo_iter_release(&it);
  if (!found)
    return skiff_fail(err, ENOENT, "no mount holds the rootfs %s", root);
  if (shared && mount(NULL, parent, NULL, MS_PRIVATE, NULL) < 0)
    return skiff_fail_errno(err, errno, "make %s private", parent);
  return 0;
}

int rootfs_setup(const struct oci_config *config, const char *rootfs, bool in_user_ns, int *mount_fds,
                 const struct mount_cgroup_view *cgroup, struct skiff_error *err) {
  const char *propagation = config->linux_.rootfs_propagation;
  unsigned long flag = MS_SLAVE | MS_REC;
  if (propagation && !(flag = mount_propagation_flag(propagation)))
    return skiff_fail(err, EINVAL, "linux.rootfsPropagation: unknown propagation \"%s\"", propagation);
  /* an unbindable tree could not give the rootfs bind below: private now, unbindable once the
     new root stands (rootfs_finalize) */
  if (flag & MS_UNBINDABLE)
    flag = MS_PRIVATE | (flag & MS_REC);
  if (mount(NULL, "/", NULL, flag, NULL) < 0)
    return skiff_fail_errno(err, errno, "set the propagation of / to %s",
                            propagation ? propagation : "rslave");

  /* rootfs is the parent's realpath() of root.path: resolving it again here would walk it with
   * a syscall per component and put realpath's PATH_MAX buffers on the init's stack */
  const char *root = rootfs;
  /* read after the propagation change, which is what make_parent_private must see */
  cleanup_free char *mountinfo = read_proc_file("/proc/self/mountinfo", err);
  if (!mountinfo || make_parent_private(mountinfo, root, err) < 0)
    return -1;
  if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return skiff_fail_errno(err, errno, "bind mount the rootfs %s on itself", root);
  cleanup_close int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return skiff_fail_errno(err, errno, "open rootfs %s", root);

  struct mount_context ctx = {
      .root_fd = root_fd,
      .root_path = root,
      .in_user_ns = in_user_ns,
      .cgroup_ns = oci_config_namespace(config, OCI_NS_CGROUP) != NULL && !cgroup->ns_pending,
      .memory_cgroup_dir = cgroup->memory_dir,
      .mountinfo = mountinfo,
      .mount_label =
          config->linux_.mount_label && *config->linux_.mount_label ? config->linux_.mount_label : NULL,
      .mount_fds = mount_fds,
  };
  if (mounts_setup(config, &ctx, err) < 0)
    return -1;
  if (devices_need_setup(config) && devices_setup(config, root_fd, in_user_ns, err) < 0)
    return -1;
  return 0;
}

/* --no-pivot: after a chroot the host's proc and sysfs would stay reachable in this mount
 * namespace, and the kernel lets a new procfs be mounted while a full one is visible. Every full
 * (root "/") proc or sysfs mount outside the rootfs is detached, or covered when that is refused. */
static int hide_host_pseudo_fs(const char *root, struct skiff_error *err) {
  cleanup_free char *mountinfo = read_proc_file("/proc/self/mountinfo", err);
  if (!mountinfo)
    return -1;
  struct mountinfo_iter it;
  struct mountinfo_entry e;
  int r = 0;
  mountinfo_iter_init(&it, mountinfo);
  while (r == 0 && mountinfo_iter_next(&it, &e)) {
    if (strcmp(e.root, "/") != 0 || (strcmp(e.fstype, "proc") != 0 && strcmp(e.fstype, "sysfs") != 0) ||
        path_has_prefix(e.mountpoint, root))
      continue;
    if (mount(NULL, e.mountpoint, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
      if (errno == ENOENT) /* under a mount already detached */
        continue;
      r = skiff_fail_errno(err, errno, "make %s rslave", e.mountpoint);
    } else if (umount2(e.mountpoint, MNT_DETACH) < 0) {
      if ((errno != EINVAL && errno != EPERM) || mount("tmpfs", e.mountpoint, "tmpfs", 0, NULL) < 0)
        r = skiff_fail_errno(err, errno, "hide %s", e.mountpoint);
    }
  }
  mountinfo_iter_release(&it);
  return r;
}

int rootfs_pivot(const char *rootfs, bool no_pivot, struct skiff_error *err) {
  const char *root = rootfs; /* the parent's realpath(), as in rootfs_setup */
  cleanup_close int new_root = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (new_root < 0)
    return skiff_fail_errno(err, errno, "open rootfs %s", root);
  if (no_pivot) {
    if (hide_host_pseudo_fs(root, err) < 0)
      return -1;
    if (fchdir(new_root) < 0)
      return skiff_fail_errno(err, errno, "chdir to %s", root);
    if (mount(root, "/", NULL, MS_MOVE, NULL) < 0)
      return skiff_fail_errno(err, errno, "move %s onto /", root);
    if (chroot(".") < 0)
      return skiff_fail_errno(err, errno, "chroot");
  } else {
    cleanup_close int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (old_root < 0)
      return skiff_fail_errno(err, errno, "open /");
    if (fchdir(new_root) < 0)
      return skiff_fail_errno(err, errno, "chdir to %s", root);
    /* pivot_root(".", "."): the old root ends stacked under the new one, with no directory for it */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
      return skiff_fail_errno(err, errno, "pivot_root to %s", root);
    if (fchdir(old_root) < 0)
      return skiff_fail_errno(err, errno, "chdir to the old root");
    /* rslave, so that detaching it cannot propagate unmounts to the host */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
      return skiff_fail_errno(err, errno, "make the old root rslave");
    if (umount2(".", MNT_DETACH) < 0)
      return skiff_fail_errno(err, errno, "detach the old root");
  }
  if (chdir("/") < 0)
    return skiff_fail_errno(err, errno, "chdir to /");
  return 0;
}

/* A bind of the path onto itself, made read-only (submounts too) before it is attached. */
static int readonly_path(int root_fd, const char *path, struct skiff_error *err) {
  cleanup_close int fd = path_open_in_root(root_fd, path, O_PATH, 0, err);
  if (fd < 0)
    return err->code == ENOENT ? 0 : -1;
  return mount_fd_bind(fd, fd, true, true, err);
}

/* The container's /dev/null, checked to be the null device before it is bound over files: a
 * symlink in the image resolves inside the rootfs, and whatever it reaches must be 1:3. */
static int open_dev_null(int root_fd, struct skiff_error *err) {
  cleanup_close int fd = path_open_in_root(root_fd, "/dev/null", O_PATH, 0, err);
  struct stat st;
  if (fd < 0)
    return -1;
  if (fd_stat(fd, &st) < 0)
    return skiff_fail_errno(err, errno, "stat /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    return skiff_fail(err, EPERM, "/dev/null in the container is not the null device (1:3)");
  return steal_fd(&fd);
}

static int mask_path(int root_fd, const char *path, int *dev_null, struct skiff_error *err) {
  cleanup_close int fd = path_open_in_root(root_fd, path, O_PATH, 0, err);
  struct stat st;
  if (fd < 0)
    return err->code == ENOENT ? 0 : -1;
  if (fd_stat(fd, &st) < 0)
    return skiff_fail_errno(err, errno, "stat");
  if (S_ISDIR(st.st_mode))
    return mount_fd_tmpfs_ro(fd, err);
  if (*dev_null < 0 && (*dev_null = open_dev_null(root_fd, err)) < 0)
    return -1;
  if (mount_fd_bind(*dev_null, fd, false, false, err) < 0)
    return skiff_error_prefix(err, "mask with /dev/null");
  return 0;
}

/* MS_REMOUNT|MS_BIND|MS_RDONLY keeps nothing else: a refusal (flags locked in a user namespace)
 * is retried with the flags / has. */
static int remount_root_readonly(struct skiff_error *err) {
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  if (mount(NULL, "/", NULL, flags, NULL) == 0)
    return 0;
  int saved = errno;
  struct statfs st;
  if (statfs("/", &st) < 0)
    return skiff_fail_errno(err, saved, "remount / read-only");
  flags |= (unsigned long)st.f_flags &
           (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
  if (mount(NULL, "/", NULL, flags, NULL) < 0)
    return skiff_fail_errno(err, errno, "remount / read-only");
  return 0;
}

/* The process's cwd is made when the image lacks it, as runc does (Kubernetes' workingDir need not
 * exist in the image): as root, inside the root, before any path is made read-only. */
static int make_cwd(int root_fd, const char *cwd, struct skiff_error *err) {
  cleanup_close int fd = path_mkdir_in_root(root_fd, cwd, 0755, 0, err);
  if (fd < 0)
    return skiff_error_prefix(err, "process.cwd (%s)", cwd);
  return 0;
}

int rootfs_finalize(const struct oci_config *config, struct skiff_error *err) {
  const struct oci_linux *lx = &config->linux_;
  cleanup_close int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return skiff_fail_errno(err, errno, "open /");
  if (config->process.cwd && make_cwd(root_fd, config->process.cwd, err) < 0)
    return -1;
  if (devices_need_setup(config) && devices_reopen_dev_null(err) < 0)
    return -1;
  /* the new root is a bind mount made after the propagation of the old one was set: give it
     the configured propagation too (shared and unbindable are visible from inside) */
  unsigned long flag = lx->rootfs_propagation ? mount_propagation_flag(lx->rootfs_propagation) : 0;
  if (flag && mount(NULL, "/", NULL, flag, NULL) < 0)
    return skiff_fail_errno(err, errno, "set the propagation of the new / to %s", lx->rootfs_propagation);
  for (size_t i = 0; i < lx->readonly_paths.n; i++)
    if (readonly_path(root_fd, lx->readonly_paths.v[i], err) < 0)
      return skiff_error_prefix(err, "linux.readonlyPaths[%zu] (%s)", i, lx->readonly_paths.v[i]);
  cleanup_close int dev_null = -1;
  for (size_t i = 0; i < lx->masked_paths.n; i++)
    if (mask_path(root_fd, lx->masked_paths.v[i], &dev_null, err) < 0)
      return skiff_error_prefix(err, "linux.maskedPaths[%zu] (%s)", i, lx->masked_paths.v[i]);
  if (mounts_finalize_readonly(config, root_fd, err) < 0)
    return -1;
  if (config->root.readonly && remount_root_readonly(err) < 0)
    return -1;
  return 0;
}

/* ---- no mount namespace ---------------------------------------------------------------- */

/* What a container without a mount namespace cannot get: each would be a change to the host's
 * mount namespace (outliving the container, seen by everyone) or to the host's files. */
int rootfs_check_shared_mount_ns(const struct oci_config *c, struct skiff_error *err) {
  const struct oci_linux *lx = &c->linux_;
  static const char why[] = "without a mount namespace (linux.namespaces has no \"mount\"), the container "
                            "shares the host's";
  if (lx->masked_paths.n || lx->readonly_paths.n) /* runc's words */
    return skiff_fail(err, EINVAL, "config.json: linux.%s: unable to restrict sys entries without a private MNT "
                                   "namespace: add a mount namespace",
                      lx->masked_paths.n ? "maskedPaths" : "readonlyPaths");
  if (c->n_mounts)
    return skiff_fail(err, EINVAL, "config.json: mounts[0] (%s): %s, where this mount would be made and stay: "
                                   "add a mount namespace or remove the mounts",
                      c->mounts[0].destination, why);
  if (c->root.readonly)
    return skiff_fail(err, EINVAL, "config.json: root.readonly: %s, where the rootfs would become read-only", why);
  if (lx->rootfs_propagation)
    return skiff_fail(err, EINVAL, "config.json: linux.rootfsPropagation: %s, whose propagation it would change",
                      why);
  if (lx->n_devices)
    return skiff_fail(err, EINVAL, "config.json: linux.devices: %s: the rootfs is used as it is, no device "
                                   "node is made in it",
                      why);
  if (c->process.terminal)
    return skiff_fail(err, EINVAL, "config.json: process.terminal: %s, and no devpts of its own for the pty", why);
  if (lx->n_sysctl || c->process.has_oom_score_adj)
    return skiff_fail(err, EINVAL, "config.json: %s: %s, and no /proc of its own to write it through",
                      lx->n_sysctl ? "linux.sysctl" : "process.oomScoreAdj", why);
  return 0;
}

int rootfs_enter_shared(const struct oci_config *c, const char *rootfs, int *host_proc,
                        struct skiff_error *err) {
  *host_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*host_proc < 0)
    return skiff_fail_errno(err, errno, "open /proc");
  if (chdir(rootfs) < 0 || chroot(".") < 0 || chdir("/") < 0)
    return skiff_fail_errno(err, errno, "chroot to the rootfs %s", rootfs);
  cleanup_close int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return skiff_fail_errno(err, errno, "open /");
  return c->process.cwd ? make_cwd(root_fd, c->process.cwd, err) : 0;
}
