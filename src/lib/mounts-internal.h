/* Shared by mounts.c and mounts-cgroup.c only. */
#ifndef SKIFF_MOUNTS_INTERNAL_H
#define SKIFF_MOUNTS_INTERNAL_H

#include <stdbool.h>
#include <sys/mount.h>

#include "lib/mounts.h"

/* What a mount's options ask for. */
struct mount_options {
  unsigned long flags;   /* MS_* to set, MS_BIND|MS_REC included */
  unsigned long cleared; /* MS_* an option asked off (rw, suid, dev...) */
  struct mount_attr rec; /* rro, rnosuid...: mount_setattr(AT_RECURSIVE) after the mount */
  bool has_rec;
  bool copy_up;     /* tmpcopyup: the tmpfs starts with the contents of the directory it covers */
  const char *data; /* everything else, comma-joined; NULL when empty */
  const struct oci_strv *propagation; /* options whose propagation names apply, in order; may be NULL */
};

/* Mounts a filesystem of `type` at dest (created as a directory). proc and sysfs refuse a symlink
 * on the way; tmpfs keeps the mode of a directory it covers; sysfs falls back to an rbind of the
 * host's /sys when a user namespace may not mount it. */
int mount_filesystem(const struct mount_context *ctx, const char *dest, const char *type, const char *source,
                     const struct mount_options *o, struct skiff_error *err);

/* Bind-mounts the host path source at dest (a directory or a file, as the source is), then remounts
 * with the flags the options ask for. tree >= 0: a detached tree (idmapped) attached instead;
 * src_fd >= 0: the source the parent opened (an O_PATH fd, left open), source only names it. */
int mount_bind(const struct mount_context *ctx, const char *dest, const char *source, int tree, int src_fd,
               const struct mount_options *o, struct skiff_error *err);

/* mount(2) onto "/proc/self/fd/<fd>". */
int mount_on_fd(const char *source, int fd, const char *type, unsigned long flags, const char *data);

/* Applies propagation names and recursive attributes of o to the mount now at dest. */
int mount_finish(const struct mount_context *ctx, const char *dest, const struct mount_options *o,
                 struct skiff_error *err);

/* type "cgroup": cgroup2 on a unified host, else a tmpfs with each v1 hierarchy inside. */
int mount_cgroup(const struct mount_context *ctx, const struct oci_mount *m, const struct mount_options *o,
                 struct skiff_error *err);

/* tmpcopyup: copies the tree under from_fd (a directory) into to_fd, keeping modes and owners. */
int copy_tree(int from_fd, int to_fd, struct skiff_error *err);

#endif
