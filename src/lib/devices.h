/* /dev inside the rootfs: the default nodes, linux.devices and the standard symlinks. */
#ifndef SKIFF_DEVICES_H
#define SKIFF_DEVICES_H

#include <stdbool.h>

#include "oci/config.h"
#include "oci/error.h"

/* runc sets /dev up unless the config bind-mounts something at /dev (then it is the host's). */
bool devices_need_setup(const struct oci_config *config);

/* Creates in the rootfs (root_fd, before pivot_root): /dev/null, zero, full, random, urandom, tty
 * (0666, root) and linux.devices (a config entry for one of those paths replaces the default),
 * by mknod, or in a user namespace (or when mknod is refused) as a bind mount of the host node on
 * an empty file. Then /dev/ptmx -> pts/ptmx, /dev/fd -> /proc/self/fd, stdin/stdout/stderr ->
 * /proc/self/fd/0..2 and, when the host has /proc/kcore, /dev/core -> /proc/kcore. */
int devices_setup(const struct oci_config *config, int root_fd, bool in_user_ns, struct skiff_error *err);

/* After pivot_root: fds 0-2 that are a /dev/null (1:3) from the host are reopened on the container's. */
int devices_reopen_dev_null(struct skiff_error *err);

#endif
