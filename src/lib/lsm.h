/* Linux security modules: the AppArmor profile or SELinux label the container process is executed
 * with (process.apparmorProfile, process.selinuxLabel), and the SELinux label of the container's
 * mounts (linux.mountLabel).
 *
 * Where they run:
 *   lsm_check_host        parent, before anything is created (create, run); exec: lsm_check_process
 *   lsm_mount_data        init, for each filesystem mounted (mounts.c)
 *   lsm_apply_exec_label  init and exec child, the last step before seccomp and execve: the label
 *                         is an exec-time transition, and the startContainer hooks the init runs
 *                         before must not get it */
#ifndef SKIFF_LSM_H
#define SKIFF_LSM_H

#include <stdbool.h>

#include "oci/config.h"
#include "oci/error.h"

/* Fails with one line naming the field when the config asks for an LSM the host does not run
 * (AppArmor not enabled, SELinux not enabled). */
int lsm_check_host(const struct oci_config *config, struct skiff_error *err);

/* The same for a process alone (exec --apparmor, --process-label, --process FILE). */
int lsm_check_process(const struct oci_process *process, struct skiff_error *err);

/* Requests the exec-time label: AppArmor "exec <profile>" to /proc/self/attr/apparmor/exec (or
 * attr/exec on kernels without LSM stacking), SELinux the label to /proc/self/attr/exec. The
 * files are opened with proc_open(): beneath a verified procfs, through no mount. Nothing to do
 * when the process asks for neither. */
int lsm_apply_exec_label(const struct oci_process *process, struct skiff_error *err);

/* Mount data with the SELinux context of linux.mountLabel added (context="<label>"), malloc'd in
 * *out; *out is NULL when there is nothing to add (no label, or a filesystem that takes none:
 * proc, sysfs, mqueue, cgroup, bind mounts). */
int lsm_mount_data(const char *type, const char *data, const char *mount_label, char **out,
                   struct skiff_error *err);

/* mqueue takes no context= option: its root directory gets the label as an xattr instead. fd is
 * an O_PATH fd of the mounted root. */
int lsm_label_mount_root(int fd, const char *type, const char *mount_label, struct skiff_error *err);

#endif
