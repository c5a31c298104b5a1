/* Idmapped bind mounts (mounts[].uidMappings/gidMappings, options "idmap"/"ridmap").
 *
 * The kernel idmaps only a detached mount (open_tree(OPEN_TREE_CLONE)), and only for a caller
 * that administers the filesystem's superblock: for the host's filesystems, root on the host. The
 * init has left the host's user namespace by then, so the parent makes the trees before clone and
 * the init, which inherits the fds, attaches them with move_mount (mount_bind in mounts.c).
 *
 * A mapping entry is written to a user namespace's uid_map as it is ("containerID hostID size"):
 * a file owned by containerID + k on the filesystem shows as hostID + k through the mount, so a
 * mount given the container's own mappings shows the filesystem's ids unchanged inside the
 * container, as runc and crun do. */
#include "lib/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/namespaces.h"
#include "oci/cleanup.h"
#include "oci/format.h"

struct idmap {
  const struct oci_id_mapping *uids, *gids;
  size_t n_uids, n_gids;
};

/* User namespaces made so far, one per distinct mapping. */
struct userns_cache {
  struct idmap map[16];
  int fd[16];
  size_t n;
};

bool mount_wants_idmap(const struct oci_mount *m, bool *recursive) {
  bool asked = false;
  *recursive = false;
  for (size_t i = 0; i < m->options.n; i++) {
    if (strcmp(m->options.v[i], "ridmap") == 0)
      asked = *recursive = true;
    else if (strcmp(m->options.v[i], "idmap") == 0)
      asked = true;
  }
  return asked || m->n_uid_mappings || m->n_gid_mappings;
}

static bool same_ids(const struct oci_id_mapping *a, size_t na, const struct oci_id_mapping *b, size_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

/* A user namespace holding the mapping: a child clone3'd into a new one waits on a pipe while its
 * maps are written and its namespace opened, then exits when the pipe closes (also if we die). */
static int userns_with_map(const struct idmap *map, struct skiff_error *err) {
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) < 0)
    return skiff_fail_errno(err, errno, "pipe");
  struct clone_args args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
  pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) {
    char c;
    close(gate[1]);
    while (read(gate[0], &c, 1) < 0 && errno == EINTR)
      ;
    _exit(0);
  }
  int saved = errno;
  close(gate[0]);
  cleanup_close int gate_w = gate[1];
  if (pid < 0)
    return skiff_fail_errno(err, saved, "clone3 a user namespace for the mapping");
  struct oci_linux maps = {
      .uid_mappings = (struct oci_id_mapping *)map->uids,
      .n_uid_mappings = map->n_uids,
      .gid_mappings = (struct oci_id_mapping *)map->gids,
      .n_gid_mappings = map->n_gids,
  };
  int fd = -1;
  if (ns_write_id_maps(pid, &maps, err) == 0) {
    char path[64];
    format_string(path, sizeof path, "/proc/%d/ns/user", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      skiff_fail_errno(err, errno, "open %s", path);
  }
  close(steal_fd(&gate_w));
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return fd;
}

static int cached_userns(struct userns_cache *cache, const struct idmap *map, struct skiff_error *err) {
  for (size_t i = 0; i < cache->n; i++)
    if (same_ids(cache->map[i].uids, cache->map[i].n_uids, map->uids, map->n_uids) &&
        same_ids(cache->map[i].gids, cache->map[i].n_gids, map->gids, map->n_gids))
      return cache->fd[i];
  if (cache->n == sizeof cache->fd / sizeof cache->fd[0])
    return skiff_fail(err, E2BIG, "more than %zu different idmappings", cache->n);
  int fd = userns_with_map(map, err);
  if (fd < 0)
    return -1;
  cache->map[cache->n] = *map;
  cache->fd[cache->n++] = fd;
  return fd;
}

/* The user namespace whose mapping the mount gets: its own mappings, else the container's
 * (written to a new namespace, or the one joined by path, used as it is). */
static int mount_userns(const struct oci_config *c, const struct oci_mount *m, int joined_userns,
                        struct userns_cache *cache, struct skiff_error *err) {
  if (!m->n_uid_mappings != !m->n_gid_mappings)
    return skiff_fail(err, EINVAL, "uidMappings and gidMappings must be given together");
  struct idmap map = {m->uid_mappings, m->gid_mappings, m->n_uid_mappings, m->n_gid_mappings};
  if (!map.n_uids) {
    const struct oci_linux *lx = &c->linux_;
    if (!oci_config_namespace(c, OCI_NS_USER))
      return skiff_fail(err, EINVAL, "idmap without uidMappings and gidMappings needs a user namespace");
    if (joined_userns >= 0 && !lx->n_uid_mappings)
      return joined_userns;
    if (!lx->n_uid_mappings || !lx->n_gid_mappings)
      return skiff_fail(err, EINVAL, "idmap: the container's user namespace has no mappings to use");
    map = (struct idmap){lx->uid_mappings, lx->gid_mappings, lx->n_uid_mappings, lx->n_gid_mappings};
  }
  return cached_userns(cache, &map, err);
}

static int idmapped_tree(int bundle_fd, const struct oci_mount *m, bool recursive, int userns,
                         struct skiff_error *err) {
  bool rbind = false;
  for (size_t i = 0; i < m->options.n; i++)
    rbind = rbind || strcmp(m->options.v[i], "rbind") == 0;
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0);
  cleanup_close int tree = (int)syscall(SYS_open_tree, bundle_fd, m->source, flags);
  if (tree < 0)
    return skiff_fail_errno(err, errno, "open_tree %s", m->source);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
              sizeof attr) < 0) {
    int e = errno;
    if (e == EINVAL || e == EOPNOTSUPP)
      return skiff_fail_errno(err, e, "idmap %s (does its filesystem support idmapped mounts?)", m->source);
    return skiff_fail_errno(err, e, "idmap %s", m->source);
  }
  return steal_fd(&tree);
}

static int prepare(const struct oci_config *c, int bundle_fd, int joined_userns, int *trees,
                   struct userns_cache *cache, struct skiff_error *err) {
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct oci_mount *m = &c->mounts[i];
    bool recursive;
    if (!mount_wants_idmap(m, &recursive))
      continue;
    int r = -1;
    if (!mount_is_bind(m))
      skiff_fail(err, EINVAL, "idmapped mounts are bind mounts (type \"%s\")", m->type ? m->type : "");
    else if (!m->source || !*m->source)
      skiff_fail(err, EINVAL, "bind mount without a source");
    else if (geteuid() != 0)
      skiff_fail(err, EPERM,
                 "idmapped mounts need root: the kernel idmaps only filesystems the caller administers");
    else if ((r = mount_userns(c, m, joined_userns, cache, err)) >= 0)
      r = trees[i] = idmapped_tree(bundle_fd, m, recursive, r, err);
    if (r < 0)
      return skiff_error_prefix(err, "mounts[%zu] (%s)", i, m->destination);
  }
  return 0;
}

int mounts_idmap_prepare(const struct oci_config *c, int bundle_fd, int joined_userns, int *fds,
                         struct skiff_error *err) {
  struct userns_cache cache = {.n = 0};
  int ret = prepare(c, bundle_fd, joined_userns, fds, &cache, err);
  for (size_t i = 0; i < cache.n; i++)
    if (cache.fd[i] != joined_userns)
      close(cache.fd[i]);
  return ret;
}
