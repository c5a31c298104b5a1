/* The container process's own attributes, set by the init between pivot_root and exec:
 * sysctls, rlimits, oom score, user and groups, cwd and umask, no_new_privs, inherited fds,
 * and the executable lookup (the exec itself goes through the trampoline, trampoline.h).
 *
 * Order (the kernel's rules, not taste):
 *   process_enter_cwd             (as root, before anything drops privilege)
 *   process_apply_sysctl, process_apply_rlimits, process_apply_oom_score_adj  (need privilege)
 *   capabilities_apply_bounding   (needs CAP_SETPCAP, so before the uid change)
 *   process_set_user              (sets PR_SET_KEEPCAPS)
 *   capabilities_apply            (clears PR_SET_KEEPCAPS)
 *   process_chdir_umask, process_apply_no_new_privs, process_find_executable, process_close_fds,
 *   (seccomp, init.c), the trampoline
 * The sysctl and oom_score_adj writes go through the container's /proc. */
#ifndef SKIFF_PROCESS_H
#define SKIFF_PROCESS_H

#include "oci/config.h"
#include "oci/error.h"

/* Writes each linux.sysctl value to /proc/sys/<key>. Keys use sysctl(8)'s convention: the
 * first separator in the key ('.' or '/') is the path separator, the other one stands for a
 * literal '.' in a name (net.ipv4.conf.eth0/100.rp_filter). Each file is opened with proc_open()
 * (lib/paths.h): beneath a verified procfs, through no mount and no symlink. */
int process_apply_sysctl(const struct oci_linux *linux_, struct skiff_error *err);

/* setrlimit for each process.rlimits entry. Raising a hard limit needs CAP_SYS_RESOURCE. */
int process_apply_rlimits(const struct oci_process *process, struct skiff_error *err);

/* Writes process.oomScoreAdj, when set, to /proc/self/oom_score_adj, opened with proc_open()
 * (lowering it needs CAP_SYS_RESOURCE). */
int process_apply_oom_score_adj(const struct oci_process *process, struct skiff_error *err);

/* Sets PR_SET_KEEPCAPS (so that capabilities_apply() can still set the configured sets after
 * leaving uid 0), then setgroups(additionalGids), setresgid(gid), setresuid(uid). setgroups
 * is skipped without error only when the user namespace denies it and there are no
 * additional gids. */
int process_set_user(const struct oci_process *process, struct skiff_error *err);

/* chdir(process.cwd) while still root with every capability, before the setup above begins, as
 * runc does: a cwd only root may enter (/root, 0700) works for a process of another user, and for
 * a root without CAP_DAC_OVERRIDE. A refusal there (EACCES) is left to process_chdir_umask. */
int process_enter_cwd(const struct oci_process *process, struct skiff_error *err);

/* umask (process.user.umask, default 0022), then chdir(process.cwd) as the final user, unless
 * process_enter_cwd() got there already. */
int process_chdir_umask(const struct oci_process *process, struct skiff_error *err);

/* prctl(PR_SET_NO_NEW_PRIVS) when process.noNewPrivileges is set. */
int process_apply_no_new_privs(const struct oci_process *process, struct skiff_error *err);

/* Marks every fd >= 3 + preserve_fds close-on-exec (close_range(CLOSE_RANGE_CLOEXEC), or
 * /proc/self/fd on kernels before 5.11) and clears close-on-exec on fds 3 .. 3+preserve_fds-1
 * so that those do reach the container process. */
int process_close_fds(int preserve_fds, struct skiff_error *err);

/* Resolves process.args[0] as execvp does, with PATH taken from process.env (its last
 * PATH=; none means an empty search path, as in runc) and relative to the current root and
 * cwd. Errors use runc's wording, which podman parses:
 *   exec: "foo": executable file not found in $PATH
 *   exec: "/x": stat /x: No such file or directory
 *   exec: "/x": permission denied
 * Returns a malloc'd path, or NULL. */
char *process_find_executable(const struct oci_process *process, struct skiff_error *err);

/* The environment the container's program gets: process.env with each repeated name once (last value,
 * first position) and HOME added when missing or empty, as runc does: the home of
 * process.user.uid in the container's /etc/passwd, else "/". Reads /etc/passwd (after
 * pivot_root), so build it before a seccomp filter that might forbid open. One malloc'd block:
 * free() the array only. */
char **process_build_env(const struct oci_process *process, struct skiff_error *err);

/* Before anything is created: process.args and process.env (de-duplicated) fit in one execve,
 * for the RLIMIT_STACK the process will have; else E2BIG naming process.env and the sizes. */
int process_check_exec_size(const struct oci_process *process, struct skiff_error *err);

/* Before anything is created: every linux.sysctl key must belong to a namespace the container
 * has (ipc: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*; uts: kernel.hostname,
 * kernel.domainname; network: net.*), so that writing it cannot change the host. */
int process_validate_sysctl(const struct oci_config *config, struct skiff_error *err);

#endif
