#include "lib/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/mounts.h"
#include "lib/paths.h"
#include "oci/cleanup.h"
#include "lib/utils.h"

struct device_node {
  const char *path;
  mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
  unsigned major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct device_node default_devices[] = {
    {"/dev/null", S_IFCHR, 1, 3, 0666, 0, 0}, {"/dev/random", S_IFCHR, 1, 8, 0666, 0, 0},
    {"/dev/full", S_IFCHR, 1, 7, 0666, 0, 0}, {"/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0},
    {"/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0}, {"/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0},
};

static const char *const dev_symlinks[][2] = {
    {"/proc/self/fd", "fd"},
    {"/proc/self/fd/0", "stdin"},
    {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"},
};

bool devices_need_setup(const struct oci_config *config) {
  char clean[PATH_MAX];
  for (size_t i = 0; i < config->n_mounts; i++) {
    const struct oci_mount *m = &config->mounts[i];
    if (mount_is_bind(m) && path_clean(m->destination, clean, sizeof clean) && strcmp(clean, "/dev") == 0)
      return false;
  }
  return true;
}

/* Splits path into an fd of its parent directory (created if missing) and the last component. */
static int open_parent(int root_fd, const char *path, char name[NAME_MAX + 1], struct skiff_error *err) {
  char dir[PATH_MAX];
  if (!path_clean(path, dir, sizeof dir))
    return skiff_fail(err, ENAMETOOLONG, "path too long");
  char *slash = strrchr(dir, '/');
  if (!slash[1] || strlen(slash + 1) > NAME_MAX)
    return skiff_fail(err, EINVAL, "not a path to a file");
  strcpy(name, slash + 1);
  if (slash == dir)
    slash[1] = '\0';
  else
    *slash = '\0';
  return path_mkdir_in_root(root_fd, dir, 0755, 0, err);
}

/* In a user namespace mknod is refused: the host's node is bind-mounted on an empty file. */
static int bind_host_node(int root_fd, const struct device_node *d, struct skiff_error *err) {
  cleanup_close int fd = path_create_file_in_root(root_fd, d->path, 0666, err);
  if (fd < 0)
    return -1;
  char target[PROC_FD_PATH_MAX];
  if (mount(d->path, proc_fd_path(fd, target), NULL, MS_BIND, NULL) < 0)
    return skiff_fail_errno(err, errno, "bind mount host %s", d->path);
  return 0;
}

static int create_node(int root_fd, const struct device_node *d, bool bind, struct skiff_error *err) {
  if (bind)
    return bind_host_node(root_fd, d, err);
  char name[NAME_MAX + 1];
  cleanup_close int dir = open_parent(root_fd, d->path, name, err);
  if (dir < 0)
    return -1;
  int r = mknodat(dir, name, d->type | d->mode, makedev(d->major, d->minor));
  int e = errno;
  if (r < 0 && e == EEXIST) /* the image or an earlier mount has it: keep it, as runc */
    return 0;
  if (r < 0 && e == EPERM)
    return bind_host_node(root_fd, d, err);
  if (r < 0)
    return skiff_fail_errno(err, e, "mknod");
  if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return skiff_fail_errno(err, errno, "chown");
  return 0;
}

static int config_device(const struct oci_device *c, struct device_node *d, struct skiff_error *err) {
  d->path = c->path;
  if (!c->type || !c->type[0] || c->type[1])
    return skiff_fail(err, EINVAL, "device type \"%s\"", c->type ? c->type : "");
  switch (c->type[0]) {
  case 'c':
  case 'u':
    d->type = S_IFCHR;
    break;
  case 'b':
    d->type = S_IFBLK;
    break;
  case 'p':
    d->type = S_IFIFO;
    break;
  default:
    return skiff_fail(err, EINVAL, "device type \"%s\"", c->type);
  }
  d->major = (unsigned)c->major;
  d->minor = (unsigned)c->minor;
  d->mode = c->has_file_mode ? (mode_t)(c->file_mode & 07777) : 0666;
  d->uid = c->has_uid ? c->uid : 0;
  d->gid = c->has_gid ? c->gid : 0;
  return 0;
}

static bool config_has_device(const struct oci_config *config, const char *path) {
  char a[PATH_MAX], b[PATH_MAX];
  if (!path_clean(path, a, sizeof a))
    return false;
  for (size_t i = 0; i < config->linux_.n_devices; i++)
    if (path_clean(config->linux_.devices[i].path, b, sizeof b) && strcmp(a, b) == 0)
      return true;
  return false;
}

static bool is_ptmx(const char *path) {
  char clean[PATH_MAX];
  return path_clean(path, clean, sizeof clean) && strcmp(clean, "/dev/ptmx") == 0;
}

static int dev_links(int root_fd, struct skiff_error *err) {
  cleanup_close int dev = path_mkdir_in_root(root_fd, "/dev", 0755, 0, err);
  if (dev < 0)
    return -1;
  /* /dev/ptmx is the devpts instance's own, whatever the image had there */
  if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
    return skiff_fail_errno(err, errno, "remove /dev/ptmx");
  if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
    return skiff_fail_errno(err, errno, "symlink /dev/ptmx");
  for (size_t i = 0; i < sizeof dev_symlinks / sizeof dev_symlinks[0]; i++)
    if (symlinkat(dev_symlinks[i][0], dev, dev_symlinks[i][1]) < 0 && errno != EEXIST)
      return skiff_fail_errno(err, errno, "symlink /dev/%s", dev_symlinks[i][1]);
  /* the host's /proc (we are before pivot_root): kcore exists only with CONFIG_PROC_KCORE */
  if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 && errno != EEXIST)
    return skiff_fail_errno(err, errno, "symlink /dev/core");
  return 0;
}

static int make_nodes(const struct oci_config *config, int root_fd, bool in_user_ns, struct skiff_error *err) {
  for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
    const struct device_node *d = &default_devices[i];
    if (config_has_device(config, d->path))
      continue;
    if (create_node(root_fd, d, in_user_ns, err) < 0)
      return skiff_error_prefix(err, "device %s", d->path);
  }
  for (size_t i = 0; i < config->linux_.n_devices; i++) {
    const struct oci_device *c = &config->linux_.devices[i];
    struct device_node d;
    if (is_ptmx(c->path)) /* replaced by the pts/ptmx symlink below */
      continue;
    if (config_device(c, &d, err) < 0 || create_node(root_fd, &d, in_user_ns, err) < 0)
      return skiff_error_prefix(err, "linux.devices[%zu] (%s)", i, c->path);
  }
  return 0;
}

int devices_setup(const struct oci_config *config, int root_fd, bool in_user_ns, struct skiff_error *err) {
  /* the nodes get the modes as given, not less the init's umask */
  mode_t old_umask = umask(0);
  int r = make_nodes(config, root_fd, in_user_ns, err);
  umask(old_umask);
  return r < 0 ? -1 : dev_links(root_fd, err);
}

/* The container's /dev/null, resolved in its root and opened for reading and writing only once
 * it is known to be the null device: an image whose /dev/null leads to a procfs file (the kernel's
 * core_pattern, say) must not hand the container an fd the init opened with the host's rights. */
static int open_container_dev_null(struct skiff_error *err) {
  cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return skiff_fail_errno(err, errno, "open /");
  struct stat probe, st;
  cleanup_close int path_fd = path_open_in_root(root, "/dev/null", O_PATH, 0, err);
  if (path_fd < 0 || fd_stat(path_fd, &probe) < 0)
    return path_fd < 0 ? -1 : skiff_fail_errno(err, errno, "stat /dev/null in the container");
  if (!S_ISCHR(probe.st_mode) || probe.st_rdev != makedev(1, 3))
    return skiff_fail(err, EPERM, "/dev/null in the container is not the null device (1:3)");
  cleanup_close int fd = path_open_in_root(root, "/dev/null", O_RDWR | O_NOCTTY, 0, err);
  if (fd < 0 || fd_stat(fd, &st) < 0)
    return fd < 0 ? -1 : skiff_fail_errno(err, errno, "stat /dev/null in the container");
  if (st.st_ino != probe.st_ino || st.st_dev != probe.st_dev)
    return skiff_fail(err, EPERM, "/dev/null in the container changed while it was opened");
  return steal_fd(&fd);
}

int devices_reopen_dev_null(struct skiff_error *err) {
  struct stat st;
  int null_fd = -1;
  for (int fd = 0; fd < 3; fd++) {
    if (fd_stat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
      continue;
    if (null_fd < 0 && (null_fd = open_container_dev_null(err)) < 0)
      return -1;
    if (dup3(null_fd, fd, 0) < 0) {
      int e = errno;
      close(null_fd);
      return skiff_fail_errno(err, e, "reopen fd %d on /dev/null", fd);
    }
  }
  if (null_fd >= 0)
    close(null_fd);
  return 0;
}
