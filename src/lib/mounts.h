/* The config's mounts, mounted into the rootfs by the container's init before pivot_root.
 * Destinations are resolved inside the rootfs (lib/paths.h); bind sources on the host, relative
 * to the init's cwd (the bundle directory). */
#ifndef SKIFF_MOUNTS_H
#define SKIFF_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/config.h"
#include "oci/error.h"

struct mount_context {
  int root_fd;           /* O_PATH fd of the rootfs (its bind mount onto itself) */
  const char *root_path; /* canonical host path of the rootfs */
  bool in_user_ns;       /* mknod and some remounts are refused: see the fallbacks */
  bool cgroup_ns;        /* the init has its own cgroup namespace */
  const char *mountinfo; /* the init's /proc/self/mountinfo, read before any container mount */
};

/* Mounts config->mounts in order. Read-only tmpfs mounts and a read-only /dev are mounted rw
 * here (files are created in them afterwards) and made ro by mounts_finalize_readonly(). Errors
 * read "mounts[i] (<destination>): ...". */
int mounts_setup(const struct oci_config *config, const struct mount_context *ctx, struct skiff_error *err);

/* After pivot_root: remounts ro the tmpfs mounts and the /dev mount whose options say ro. */
int mounts_finalize_readonly(const struct oci_config *config, int root_fd, struct skiff_error *err);

/* MS_* flags of a mount's options (the last of ro/rw, suid/nosuid... wins); data options and
 * propagation are left out. */
unsigned long mount_option_flags(const struct oci_mount *m);

/* A bind mount: type "bind", or "bind"/"rbind" among the options. */
bool mount_is_bind(const struct oci_mount *m);

/* MS_REMOUNT|MS_BIND with flags on the mount fd is the root of (through /proc/self/fd). The flags
 * locked by a more privileged user namespace are kept when the kernel insists, unless `cleared`
 * asked one of them off. */
int mount_remount_bind(int fd, unsigned long flags, unsigned long cleared, struct skiff_error *err);

/* MS_SHARED, MS_SLAVE|MS_REC... for a propagation name (shared, rslave...), 0 for anything else. */
unsigned long mount_propagation_flag(const char *name);

#endif
