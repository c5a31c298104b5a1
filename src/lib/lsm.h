/* Linux security modules: the AppArmor profile or SELinux label the container process is executed
 * with (process.apparmorProfile, process.selinuxLabel), and the SELinux label of the container's
 * mounts (linux.mountLabel).
 *
 * Where they run:
 *   lsm_check_host        parent, before anything is created (create, run); exec: lsm_check_process
 *   lsm_mount_data        init, for each filesystem mounted (mounts.c)
 *   lsm_open_exec_labels  init and exec child, before the seccomp filter: the label is an
 *                         exec-time transition that must apply to the container's program, which
 *                         the exec trampoline executes (src/lib/trampoline.h). So the trampoline
 *                         writes it, through the fds opened here; the exec of the trampoline itself
 *                         and the startContainer hooks the init runs before it do not get it */
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

/* An exec-time label request for the exec trampoline: data goes to fd, what names the write in an
 * error message. */
struct lsm_exec_label {
  int fd;
  char *what, *data;
};

#define LSM_EXEC_LABELS_MAX 2

/* Opens the file of each exec-time label the process asks for: AppArmor "exec <profile>" for
 * /proc/thread-self/attr/apparmor/exec (or attr/exec on kernels without LSM stacking), SELinux
 * the label for /proc/thread-self/attr/exec. The files are opened with proc_open(): beneath a
 * verified procfs, through no mount. *n is 0 when the process asks for neither. On failure the
 * caller still frees labels. */
int lsm_open_exec_labels(const struct oci_process *process, struct lsm_exec_label labels[LSM_EXEC_LABELS_MAX],
                         size_t *n, struct skiff_error *err);
void lsm_exec_labels_free(struct lsm_exec_label labels[LSM_EXEC_LABELS_MAX]);

/* Mount data with the SELinux context of linux.mountLabel added (context="<label>"), malloc'd in
 * *out; *out is NULL when there is nothing to add (no label, or a filesystem that takes none:
 * proc, sysfs, mqueue, cgroup, bind mounts). */
int lsm_mount_data(const char *type, const char *data, const char *mount_label, char **out,
                   struct skiff_error *err);

/* mqueue takes no context= option: its root directory gets the label as an xattr instead. fd is
 * an O_PATH fd of the mounted root. */
int lsm_label_mount_root(int fd, const char *type, const char *mount_label, struct skiff_error *err);

#endif
