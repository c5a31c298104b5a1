/* linux.seccomp: compiled to BPF with libseccomp in the parent before clone (so that errors are
 * found before anything is created and the init does not pay for the compilation), loaded by
 * the init with seccomp(2), and for SCMP_ACT_NOTIFY the listener fd handed by the parent to
 * the agent at linux.seccomp.listenerPath.
 *
 * As runc does: syscall names this libseccomp does not know are skipped, an architecture it
 * does not know is skipped, a rule whose action equals the default action is dropped (it
 * would change nothing), and a rule that compares the same argument twice becomes one rule
 * per comparison (they match when any of them does). SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD;
 * SCMP_ACT_ERRNO and SCMP_ACT_TRACE return EPERM unless errnoRet says otherwise.
 * SECCOMP_FILTER_FLAG_TSYNC is ignored (the init is single-threaded) and
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is kept only when the filter has a listener (the
 * kernel refuses it otherwise). In front of libseccomp's program comes skiff's stub
 * (seccomp-stub.h): the exec of the trampoline allowed, ENOSYS for system calls newer than the
 * profile.
 *
 * Names are seccomp_program_*, not seccomp_load: libseccomp exports that name itself. */
#ifndef SKIFF_SECCOMP_H
#define SKIFF_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "oci/error.h"

struct seccomp_program {
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2), without NEW_LISTENER */
  bool notify;        /* some rule is SCMP_ACT_NOTIFY: the load returns a listener fd */
  unsigned short len; /* instructions in insns */
  struct sock_filter insns[];
};

/* Validates config->linux_.seccomp and compiles it, behind skiff's stub (seccomp-stub.h: exec_fd
 * is the exec trampoline's memfd, whose execveat it allows; ENOSYS for system calls newer than
 * the profile). *out is NULL when the config has no
 * linux.seccomp. Errors name the config path: "linux.seccomp.syscalls[3].action: unknown
 * action \"SCMP_ACT_FOO\"". The result is one malloc'd block, inherited by the init across
 * clone. */
int seccomp_prepare(const struct oci_config *config, int exec_fd, struct seccomp_program **out,
                    struct skiff_error *err);

/* In the init: installs the filter. Without process.noNewPrivileges the kernel wants
 * CAP_SYS_ADMIN (in the init's user namespace), so then it must run before the capabilities
 * are dropped. *listener_fd gets the SCMP_ACT_NOTIFY listener (close-on-exec), or -1. */
int seccomp_program_load(const struct seccomp_program *prog, int *listener_fd, struct skiff_error *err);

/* In the parent, for a filter with a listener: connects to sc->listener_path (AF_UNIX,
 * SOCK_STREAM), sends the spec's container process state {"ociVersion", "fds": ["seccompFd"],
 * "pid", "metadata" (listenerMetadata, when set and not empty), "state": state_json} with
 * listener_fd as SCM_RIGHTS, and closes the connection. state_json is the container's state
 * object (as for hooks); pid is the container process's pid as skiff sees it. listener_fd
 * stays open: the caller closes it. */
int seccomp_send_listener(const struct oci_seccomp *sc, int listener_fd, const char *state_json, pid_t pid,
                          struct skiff_error *err);

void seccomp_program_free(struct seccomp_program *prog);

#endif
