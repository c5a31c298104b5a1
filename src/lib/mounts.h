/* The config's mounts, mounted into the rootfs by the container's init before pivot_root.
 * Destinations are resolved inside the rootfs (lib/paths.h); bind sources on the host, relative
 * to the init's cwd (the bundle directory). */
#ifndef SKIFF_MOUNTS_H
#define SKIFF_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/config.h"
#include "oci/error.h"

/* The init's cgroups while it mounts. A v1 memory cgroup may be joined only after the mounts,
 * and the cgroup namespace made after that (init.c, step 6a): until then /proc/self/cgroup shows
 * skiff's memory cgroup, and no namespace of the init's own exists to mount cgroups in. */
struct mount_cgroup_view {
  bool ns_pending;        /* a new cgroup namespace is configured but not made yet */
  const char *memory_dir; /* host directory of the memory cgroup joined later, or NULL */
};

struct mount_context {
  int root_fd;             /* O_PATH fd of the rootfs (its bind mount onto itself) */
  const char *root_path;   /* canonical host path of the rootfs */
  bool in_user_ns;         /* mknod and some remounts are refused: see the fallbacks */
  bool cgroup_ns;          /* the init has its own cgroup namespace now */
  const char *memory_cgroup_dir; /* see struct mount_cgroup_view */
  const char *mountinfo;   /* the init's /proc/self/mountinfo, read before any container mount */
  const char *mount_label; /* linux.mountLabel (SELinux context of the mounted filesystems), or NULL */
  int *mount_fds;          /* per config->mounts[i], from mounts_open_sources(): -1 none; or NULL */
};

/* Mounts config->mounts in order. Read-only tmpfs mounts and a read-only /dev are mounted rw
 * here (files are created in them afterwards) and made ro by mounts_finalize_readonly(). Errors
 * read "mounts[i] (<destination>): ...". */
int mounts_setup(const struct oci_config *config, const struct mount_context *ctx, struct skiff_error *err);

/* After pivot_root: remounts ro the tmpfs mounts and the /dev mount whose options say ro. */
int mounts_finalize_readonly(const struct oci_config *config, int root_fd, struct skiff_error *err);

/* What the parent opens for the init's mounts before clone (mounts-sources.c), while it still has
 * the host's privileges; *fds gets config->n_mounts fds, -1 where there is none, or stays NULL when
 * no mount needs one. The fds are close-on-exec and go to the init as mount_context.mount_fds:
 * - an idmapped bind mount (uidMappings/gidMappings, "idmap", "ridmap"): a detached clone of its
 *   source, idmapped with its mappings, or without any with the container's (joined_userns: the
 *   user namespace joined by path, or -1) (mounts-idmap.c). Fails naming the mount for a mount
 *   that is not a bind, mappings given only for uids or gids, idmap without mappings nor user
 *   namespace, a caller without root, a filesystem that does not support it;
 * - with mounts_sources_step(): the array, -1 for the other bind mounts, whose sources the init
 *   receives at step M.
 * Sources are relative to bundle. */
int mounts_open_sources(const struct oci_config *config, const char *bundle, int joined_userns, int **fds,
                        struct skiff_error *err);
void mounts_close_sources(int *fds, size_t n);

/* Step M of sync-protocol.h, as runc does: with a user namespace and a new mount namespace, a
 * parent with the host's root opens every (non-idmapped) bind source inside the init's mount
 * namespace, so that a source only the host's root can reach (below a 0700 directory) is bound
 * all the same, and the init receives them into fds[i] of those mounts. */
bool mounts_bind_source_wanted(const struct oci_mount *m);
bool mounts_sources_step(const struct oci_config *config);
/* Parent: forks a helper that joins the mount namespace of init and sends the fds on sync_fd. */
int mounts_send_sources(const struct oci_config *config, const char *bundle, pid_t init, int sync_fd,
                        struct skiff_error *err);
/* Init: receives them. */
int mounts_receive_sources(const struct oci_config *config, int sync_fd, int *fds, struct skiff_error *err);

/* mounts-idmap.c, for mounts_open_sources(): the idmapped trees of the mounts that ask for one,
 * into fds[i]; bundle_fd an O_PATH fd of the bundle directory. */
int mounts_idmap_prepare(const struct oci_config *config, int bundle_fd, int joined_userns, int *fds,
                         struct skiff_error *err);

/* The mount asks for an idmapping; *recursive: "ridmap" (submounts too). */
bool mount_wants_idmap(const struct oci_mount *m, bool *recursive);

/* MS_* flags of a mount's options (the last of ro/rw, suid/nosuid... wins); data options and
 * propagation are left out. */
unsigned long mount_option_flags(const struct oci_mount *m);

/* A bind mount: type "bind", or "bind"/"rbind" among the options. */
bool mount_is_bind(const struct oci_mount *m);

/* MS_REMOUNT|MS_BIND with flags on the mount fd is the root of (through /proc/self/fd). The flags
 * locked by a more privileged user namespace are kept when the kernel insists, unless `cleared`
 * asked one of them off. */
int mount_remount_bind(int fd, unsigned long flags, unsigned long cleared, struct skiff_error *err);

/* Mounts through fds alone, for use after pivot_root, where a "/proc/self/fd/N" path would be
 * resolved in the container's /proc (which the rootfs may fake). Each falls back to the path on
 * kernels without the new mount API (open_tree/fsopen: 5.2, mount_setattr: 5.12).
 *   mount_fd_move:         move_mount of a detached tree (open_tree, fsmount) onto dst
 *   mount_fd_bind:         bind src onto dst (with its submounts if recursive), read-only before
 *                          it is attached if asked
 *   mount_fd_tmpfs_ro:     an empty read-only tmpfs on dst
 *   mount_fd_set_readonly: MOUNT_ATTR_RDONLY on the mount fd is the root of, other flags kept */
int mount_fd_move(int tree, int dst, struct skiff_error *err);
int mount_fd_bind(int src, int dst, bool recursive, bool readonly, struct skiff_error *err);
int mount_fd_tmpfs_ro(int dst, struct skiff_error *err);
int mount_fd_set_readonly(int fd, struct skiff_error *err);

/* MS_SHARED, MS_SLAVE|MS_REC... for a propagation name (shared, rslave...), 0 for anything else. */
unsigned long mount_propagation_flag(const char *name);

#endif
