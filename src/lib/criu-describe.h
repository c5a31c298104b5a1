/* What CRIU must be told of a container beyond its processes, from the config it was created with:
 * its bind mounts and masked files (external mounts: criu dumps no host file system), the namespaces
 * it joined by path (external namespaces), where its cgroups are on restore. Shared by checkpoint.c
 * and restore.c, so that the keys of the dump are those of the restore. */
#ifndef SKIFF_CRIU_DESCRIBE_H
#define SKIFF_CRIU_DESCRIBE_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/criu-rpc.h"
#include "lib/criu.h"
#include "oci/config.h"

#define CRIU_MAX_INHERIT 2
#define CRIU_MAX_CGROUP_MOUNTS 32 /* v1 hierarchies in a container's cgroup mount */

/* The arrays the request points into; criu_description_free releases them. */
struct criu_description {
  ExtMountMap *maps;
  ExtMountMap **map_ptrs;
  size_t n_maps, cap_maps;
  char **strings; /* what was formatted for maps and external, freed with the description */
  size_t n_strings;
  char **external;
  size_t n_external;
  InheritFd inherit[CRIU_MAX_INHERIT];
  InheritFd *inherit_ptrs[CRIU_MAX_INHERIT];
  int inherit_fds[CRIU_MAX_INHERIT];
  size_t n_inherit;
  CgroupRoot *roots;
  CgroupRoot **root_ptrs;
  size_t n_roots;
};

void criu_description_init(struct criu_description *d);
void criu_description_free(struct criu_description *d);

/* The flags both commands share, into o (manage_cgroups_mode checked: one error naming it). */
int criu_describe_flags(CriuOpts *o, const struct criu_options *opts, struct skiff_error *err);

/* Dump (pid: the init, whose root shows which masked paths are files) or restore (pid 0, bundle:
 * where relative bind sources are): the external mounts and namespaces, set into o. */
int criu_describe_config(struct criu_description *d, CriuOpts *o, const struct oci_config *config,
                         const char *bundle, pid_t pid, struct skiff_error *err);

/* On a v1 or hybrid host, a "cgroup" mount without a cgroup namespace is one bind mount per v1
 * hierarchy (mounts-cgroup.c) of a cgroup directory, whose hierarchy's root criu does not see in
 * the container: each is external, as runc describes them. Dump (pid: the init): the init's cgroup
 * mounts, by mount point. Restore (pid 0, self_cgroups: /proc/self/cgroup of a process placed in the
 * restored container's cgroups): each host hierarchy's directory of that cgroup, under the same
 * key. Call after criu_describe_config. */
int criu_describe_cgroup_mounts(struct criu_description *d, CriuOpts *o, const struct oci_config *config, pid_t pid,
                                const char *self_cgroups, struct skiff_error *err);

/* Restore: the container's cgroup (the stored path, cgroup.h) as criu's cgroup roots. */
int criu_describe_cgroup_roots(struct criu_description *d, CriuOpts *o, const char *stored_path,
                               struct skiff_error *err);

/* Opens the image directory (made first when create_images) into *images_fd and, when work_path is
 * set, the work directory (made when missing) into *work_fd, and points o at them; the caller
 * closes both (-1 when not opened). --image-path or --work-path named in the error. */
int criu_open_dirs(CriuOpts *o, const char *image_path, bool create_images, const char *work_path, int *images_fd,
                   int *work_fd, struct skiff_error *err);

#endif
