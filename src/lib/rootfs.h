/* The container's filesystem, built by its init (single-threaded, in its new mount namespace and,
 * if configured, its new user namespace). init.c calls, in this order: rootfs_setup (cwd: the
 * bundle directory), [createContainer hooks, cwd: the rootfs], rootfs_pivot, [sysctls], rootfs_finalize. */
#ifndef SKIFF_ROOTFS_H
#define SKIFF_ROOTFS_H

#include <stdbool.h>

#include "lib/mounts.h"
#include "oci/config.h"
#include "oci/error.h"

/* Before pivot. Sets the propagation of "/" (linux.rootfsPropagation, default rslave, as runc),
 * makes the mount holding the rootfs private if it is shared (pivot_root refuses a shared parent,
 * and the bind below must not propagate to the host), bind-mounts rootfs (absolute, resolved: the
 * parent's realpath(), used as it is) onto itself,
 * mounts config->mounts in order, then, unless /dev is a bind mount, creates the device nodes and
 * /dev symlinks. in_user_ns: the init is in a user namespace (no mknod: host nodes are bound).
 * mount_fds: what mounts_open_sources() opened in the parent for each mount (NULL: none);
 * each is closed once used. cgroup: where the init stands in its cgroups meanwhile. */
int rootfs_setup(const struct oci_config *config, const char *rootfs, bool in_user_ns, int *mount_fds,
                 const struct mount_cgroup_view *cgroup, struct skiff_error *err);

/* pivot_root(".", ".") in rootfs, then the old root (stacked under it) made rslave and detached;
 * with no_pivot, the host's full proc and sysfs mounts are unmounted (or covered) first, then
 * rootfs is MS_MOVEd onto / and chrooted into. Leaves cwd at "/". */
int rootfs_pivot(const char *rootfs, bool no_pivot, struct skiff_error *err);

/* After pivot (and sysctls): process.cwd is created (mkdir -p, 0755) when missing, as runc does;
 * fds 0-2 on the host's /dev/null are reopened on the container's; linux.readonlyPaths (bind on
 * itself, remount ro keeping nosuid, nodev, noexec), linux.maskedPaths (directory: read-only tmpfs;
 * anything else: bind of /dev/null, checked to be 1:3); missing paths are skipped. Then read-only
 * tmpfs mounts and /dev are remounted ro, and root.readonly remounts /.
 * Paths are resolved with openat2(RESOLVE_IN_ROOT) and mounted by fd (open_tree, fsmount,
 * move_mount, mount_setattr), never through the container's /proc. */
int rootfs_finalize(const struct oci_config *config, struct skiff_error *err);

/* Without a mount namespace the container shares the host's, as the spec says: skiff then makes
 * no mount and no device node, and the rootfs is used as it is, chrooted into, cwd made if
 * missing. Create refuses, before anything is made, a config that asks for what would change the
 * host's mount namespace or files (mounts, masked/read-only paths, root.readonly, propagation,
 * devices), or would need the container's own devpts or /proc (terminal, sysctl, oomScoreAdj). */
int rootfs_check_shared_mount_ns(const struct oci_config *config, struct skiff_error *err);
/* In place of rootfs_setup/rootfs_pivot/rootfs_finalize: *host_proc gets an O_PATH fd of the
 * host's /proc, opened before the chroot (the exec fifo is reopened through it). */
int rootfs_enter_shared(const struct oci_config *config, const char *rootfs, int *host_proc,
                        struct skiff_error *err);

#endif
