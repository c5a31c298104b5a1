/* Linux namespaces: which ones the config creates, joining existing ones by path, the user
 * namespace's id maps, the time namespace's offsets and the uts names.
 *
 * Ordering constraints the caller must respect:
 *  - CLONE_NEWTIME cannot be passed to clone() (its bit is CSIGNAL's) and a time namespace
 *    with offsets must be empty when they are written: leave it out of the clone flags and
 *    call ns_enter_new_time() in the init instead.
 *  - setns() into a pid namespace only moves the caller's future children, not the caller.
 *  - A namespace owned by the parent's user namespace (e.g. the host's network namespace
 *    file) can only be joined while the caller still has capabilities there: join those
 *    before entering a new user namespace, i.e. call ns_join() in two phases with type_mask. */
#ifndef SKIFF_NAMESPACES_H
#define SKIFF_NAMESPACES_H

#include <sys/types.h>

#include "oci/config.h"
#include "oci/error.h"

/* CLONE_NEWPID ... CLONE_NEWTIME for a namespace type. */
int ns_clone_flag(enum oci_ns_type type);

/* Parent: opens each namespace path the config lists (O_RDONLY|O_CLOEXEC) and checks with
 * NS_GET_NSTYPE that it is a namespace of that type. fds[type] = fd, or -1 for types not
 * joined by path. On error closes what it opened and leaves every fds[] at -1. */
int ns_open_paths(const struct oci_config *config, int fds[OCI_NS_COUNT], struct skiff_error *err);

/* Closes every fds[t] >= 0 and sets it to -1. */
void ns_close_paths(int fds[OCI_NS_COUNT]);

/* setns() into each fds[t] >= 0 whose bit (1u << t) is in type_mask: the user namespace
 * first, the mount namespace last. Closes each fd it joined and sets it to -1. */
int ns_join(int fds[OCI_NS_COUNT], unsigned type_mask, struct skiff_error *err);

/* Parent: writes /proc/<pid>/uid_map and gid_map from linux.uidMappings/gidMappings. Root
 * writes them directly; an unprivileged caller writes a map directly only when it maps just its
 * own id (writing "deny" to setgroups first for gid_map, as the kernel requires), and otherwise
 * runs newuidmap/newgidmap (package uidmap). */
int ns_write_id_maps(pid_t pid, const struct oci_linux *linux_, struct skiff_error *err);

/* Init: unshare(CLONE_NEWTIME), writes linux.timeOffsets to /proc/self/timens_offsets, then
 * joins /proc/self/ns/time_for_children so that the init itself runs in the new namespace.
 * Needs CAP_SYS_ADMIN and a single-threaded caller. */
int ns_enter_new_time(const struct oci_linux *linux_, struct skiff_error *err);

/* Init: sethostname/setdomainname from the config. As in runc, a hostname or domainname with
 * no uts namespace in the config (new or joined) is an error; "" counts as unset. */
int ns_set_hostname(const struct oci_config *config, struct skiff_error *err);

#endif
