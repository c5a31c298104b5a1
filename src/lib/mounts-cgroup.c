/* The "cgroup" mount type. On a cgroup v2 host: cgroup2 itself. On a v1 (or hybrid) host, as runc
 * 1.1 lays it out: a tmpfs at the destination holding one mount per v1 hierarchy the init
 * belongs to, named as the host names it (cpu,cpuacct), plus a symlink per comounted controller;
 * the hybrid cgroup2 at <host>/unified is not carried in. Each hierarchy is, with a cgroup
 * namespace, a fresh cgroup mount (the kernel shows the namespace's root); without one (or with one
 * still to be made), a bind of the host directory of the init's own cgroup, or of the memory
 * cgroup it is still to join. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/mountinfo.h"
#include "lib/mounts-internal.h"
#include "lib/paths.h"
#include "oci/cleanup.h"
#include "oci/format.h"

#define CGROUP_V1_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* The line of /proc/self/cgroup ("id:controllers:path") whose controllers are all among the
 * hierarchy's super options. Sets *ctrls and *path (pointers into a copy in line). */
static bool find_own_cgroup(const char *cgroups, const char *super_options, char *line, size_t size,
                            const char **ctrls, const char **path) {
  const char *p = cgroups;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    const char *next = nl ? nl + 1 : p + n;
    if (n >= size) {
      p = next;
      continue;
    }
    memcpy(line, p, n);
    line[n] = '\0';
    p = next;
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2 || c2 == c1 + 1) /* malformed, or the v2 line "0::/..." */
      continue;
    *c1 = *c2 = '\0';
    bool all = true;
    for (const char *w = c1 + 1; *w && all;) {
      const char *comma = strchr(w, ',');
      size_t wl = comma ? (size_t)(comma - w) : strlen(w);
      all = option_list_has(super_options, w, wl);
      w = comma ? comma + 1 : w + wl;
    }
    if (all) {
      *ctrls = c1 + 1;
      *path = c2 + 1;
      return true;
    }
  }
  return false;
}

/* The host directory of the init's cgroup in a hierarchy mounted at mountpoint with root mnt_root. */
static int own_cgroup_dir(const char *mountpoint, const char *mnt_root, const char *cgroup_path, char *out,
                          size_t size, struct skiff_error *err) {
  const char *rel = cgroup_path;
  if (strcmp(mnt_root, "/") != 0) {
    size_t rl = strlen(mnt_root);
    if (strncmp(cgroup_path, mnt_root, rl) != 0 || (cgroup_path[rl] != '/' && cgroup_path[rl] != '\0'))
      return skiff_fail(err, ENOENT, "cgroup %s is outside the hierarchy mounted at %s", cgroup_path,
                        mountpoint);
    rel = cgroup_path + rl;
  }
  int n = format_string(out, size, "%s%s", mountpoint, strcmp(rel, "/") == 0 ? "" : rel);
  if (n < 0 || (size_t)n >= size)
    return skiff_fail(err, ENAMETOOLONG, "cgroup path %s%s", mountpoint, rel);
  return 0;
}

/* The tmpfs at the destination was made just now: nothing of the rootfs is in it, so plain
 * *at calls relative to it are safe. */
static int fresh_subdir(int dir_fd, const char *name, struct skiff_error *err) {
  if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
    return skiff_fail_errno(err, errno, "mkdir cgroup mount point %s", name);
  int fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open cgroup mount point %s", name);
  return fd;
}

/* The mount flags a detached bind of a hierarchy can take as attributes; others (propagation,
 * data, recursive attributes) go the general way. */
#define CGROUP_BIND_ATTR_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME)

static bool bind_by_attributes(const struct mount_options *o) {
  if ((o->flags & ~(CGROUP_BIND_ATTR_FLAGS | MS_BIND | MS_REC | MS_REMOUNT)) || o->cleared || o->has_rec ||
      o->data)
    return false;
  for (size_t i = 0; o->propagation && i < o->propagation->n; i++)
    if (mount_propagation_flag(o->propagation->v[i]))
      return false;
  return true;
}

/* A clone of the host's hierarchy directory, checked to be a cgroup, with the flags as attributes,
 * moved onto the mount point: five calls where bind + remount through /proc/self/fd take more. */
static int bind_hierarchy(int target_fd, const char *host_dir, unsigned long flags, struct skiff_error *err) {
  cleanup_close int tree =
      (int)syscall(SYS_open_tree, AT_FDCWD, host_dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    return skiff_fail_errno(err, errno, "open_tree %s", host_dir);
  struct statfs st;
  if (fstatfs(tree, &st) < 0 || st.f_type != CGROUP_SUPER_MAGIC)
    return skiff_fail(err, EXDEV, "%s is not a cgroup hierarchy", host_dir);
  struct mount_attr attr = {.attr_clr = MOUNT_ATTR__ATIME}; /* relatime, as asked or by default */
  attr.attr_set |= flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0;
  attr.attr_set |= flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0;
  attr.attr_set |= flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0;
  attr.attr_set |= flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0;
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return skiff_fail_errno(err, errno, "set the attributes of %s", host_dir);
  if (syscall(SYS_move_mount, tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return skiff_fail_errno(err, errno, "mount %s", host_dir);
  return 0;
}

static int mount_v1_hierarchy(const struct mount_context *ctx, int dir_fd, const char *dest, const char *ctrls,
                              const char *host_dir, const struct mount_options *o, struct skiff_error *err) {
  const char *name = strrchr(dest, '/') + 1;
  if (ctx->cgroup_ns) {
    cleanup_close int fd = fresh_subdir(dir_fd, name, err);
    if (fd < 0)
      return -1;
    const char *source = strncmp(ctrls, "name=", 5) == 0 ? ctrls + 5 : "cgroup";
    if (mount_on_fd(source, fd, "cgroup", CGROUP_V1_FLAGS | (o->flags & MS_RDONLY), ctrls) < 0)
      return skiff_fail_errno(err, errno, "mount cgroup %s", ctrls);
    return 0;
  }
  if (bind_by_attributes(o)) {
    cleanup_close int fd = fresh_subdir(dir_fd, name, err);
    return fd < 0 ? -1 : bind_hierarchy(fd, host_dir, CGROUP_V1_FLAGS | o->flags, err);
  }
  struct mount_options bind = {
      .flags = MS_BIND | MS_REC | (o->flags & ~MS_REMOUNT),
      .cleared = o->cleared,
      .propagation = o->propagation,
  };
  return mount_bind(ctx, dest, host_dir, -1, -1, &bind, err);
}

/* For "cpu,cpuacct": cpu -> cpu,cpuacct and cpuacct -> cpu,cpuacct next to it. */
static int comount_symlinks(int dir_fd, const char *name, struct skiff_error *err) {
  if (!strchr(name, ','))
    return 0;
  char part[NAME_MAX + 1];
  for (const char *p = name; *p;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n > 0 && n < sizeof part) {
      memcpy(part, p, n);
      part[n] = '\0';
      if (symlinkat(name, dir_fd, part) < 0 && errno != EEXIST)
        return skiff_fail_errno(err, errno, "symlink %s -> %s", part, name);
    }
    p = comma ? comma + 1 : p + n;
  }
  return 0;
}

static int mount_cgroup_v1(const struct mount_context *ctx, const struct oci_mount *m,
                           const struct mount_options *o, struct skiff_error *err) {
  struct mount_options tmpfs = {.flags = CGROUP_V1_FLAGS, .data = "mode=755", .propagation = o->propagation};
  if (mount_filesystem(ctx, m->destination, "tmpfs", "tmpfs", &tmpfs, err) < 0)
    return -1;
  cleanup_close int dir_fd = path_open_in_root(ctx->root_fd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (dir_fd < 0)
    return -1;
  cleanup_free char *cgroups = read_proc_file("/proc/self/cgroup", err);
  if (!cgroups)
    return -1;

  struct mountinfo_iter it;
  struct mountinfo_entry e;
  uint64_t done = 0; /* hierarchy ids already mounted: a hierarchy may be mounted twice on the host */
  int r = 0;
  mountinfo_iter_init(&it, ctx->mountinfo);
  while (r == 0 && mountinfo_iter_next(&it, &e)) {
    char line[PATH_MAX + 256], dest[PATH_MAX], host_dir[PATH_MAX];
    const char *ctrls, *path;
    if (strcmp(e.fstype, "cgroup") != 0 ||
        !find_own_cgroup(cgroups, e.super_options, line, sizeof line, &ctrls, &path))
      continue;
    unsigned long id = strtoul(line, NULL, 10);
    if (id < 64 && (done & (1ull << id)))
      continue;
    if (id < 64)
      done |= 1ull << id;
    const char *name = strrchr(e.mountpoint, '/');
    name = name ? name + 1 : e.mountpoint;
    int n = format_string(dest, sizeof dest, "%s/%s", m->destination, name);
    if (n < 0 || (size_t)n >= sizeof dest) {
      r = skiff_fail(err, ENAMETOOLONG, "cgroup destination %s/%s", m->destination, name);
      break;
    }
    if (ctx->memory_cgroup_dir && option_list_has(e.super_options, "memory", 6)) {
      format_string(host_dir, sizeof host_dir, "%s", ctx->memory_cgroup_dir);
    } else if (!ctx->cgroup_ns &&
               own_cgroup_dir(e.mountpoint, e.root, path, host_dir, sizeof host_dir, err) < 0) {
      r = -1;
      break;
    }
    r = mount_v1_hierarchy(ctx, dir_fd, dest, ctrls, host_dir, o, err);
    if (r == 0)
      r = comount_symlinks(dir_fd, name, err);
  }
  mountinfo_iter_release(&it);
  return r;
}

static int mount_cgroup_v2(const struct mount_context *ctx, const struct oci_mount *m,
                           const struct mount_options *o, struct skiff_error *err) {
  cleanup_close int fd = path_mkdir_in_root(ctx->root_fd, m->destination, 0755, 0, err);
  if (fd < 0)
    return -1;
  if (mount_on_fd(m->source ? m->source : "cgroup", fd, "cgroup2", o->flags & ~(MS_BIND | MS_REC), o->data) ==
      0)
    return mount_finish(ctx, m->destination, o, err);
  /* A user namespace without its own cgroup namespace may not mount cgroup2: bind the host's. */
  if ((errno != EPERM && errno != EBUSY) || ctx->cgroup_ns)
    return skiff_fail_errno(err, errno, "mount type \"cgroup2\"");
  struct mount_options bind = *o;
  bind.flags |= MS_BIND;
  return mount_bind(ctx, m->destination, "/sys/fs/cgroup", -1, -1, &bind, err);
}

int mount_cgroup(const struct mount_context *ctx, const struct oci_mount *m, const struct mount_options *o,
                 struct skiff_error *err) {
  struct statfs st;
  if (statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
    return mount_cgroup_v2(ctx, m, o, err);
  return mount_cgroup_v1(ctx, m, o, err);
}
