/* The instructions skiff puts in front of the BPF program libseccomp compiles from linux.seccomp:
 *
 *  - On the native architecture, the runtime's own last calls are allowed whatever the profile
 *    says: execveat(exec_fd, "", ..., AT_EMPTY_PATH), the exec of the trampoline from its memfd
 *    (trampoline.h; profiles older than execveat deny it), and fcntl(fd, F_SETFD, ...), with which
 *    the init keeps its report fd open across that exec and the trampoline closes it on the next.
 *    Neither gives a container anything: execveat of an fd is execve of /proc/self/fd/N, and
 *    F_SETFD only sets or clears close-on-exec.
 *  - With enosys (a default action SCMP_ACT_ERRNO, as runc 1.1): a system call numbered
 *    above the highest one the profile names for that architecture fails with ENOSYS instead of
 *    taking the default action. A profile older than a system call cannot name it; ENOSYS is what
 *    libc expects of a kernel older than the call, and falls back (clone3 to clone, faccessat2
 *    to faccessat, close_range to a loop, ...), where EPERM would be a hard failure. x32 calls
 *    (bit 30 on x86_64) are left to the program. */
#ifndef SKIFF_SECCOMP_STUB_H
#define SKIFF_SECCOMP_STUB_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECCOMP_STUB_MAX 200 /* instructions, for up to SECCOMP_STUB_ARCHES_MAX architectures */
#define SECCOMP_STUB_ARCHES_MAX 16

struct seccomp_stub_arch {
  uint32_t audit_arch; /* AUDIT_ARCH_*, as struct seccomp_data.arch has it */
  int max_nr;          /* the highest system call number the profile names; -1: none */
};

struct seccomp_stub_config {
  uint32_t native_arch;
  const struct seccomp_stub_arch *arches; /* every architecture of the filter */
  size_t n_arches;
  bool enosys;
  int exec_fd; /* the trampoline's memfd, or -1 */
};

/* Writes the stub to out (room for cap instructions); returns its length, 0 if it does not fit. */
size_t seccomp_stub_build(struct sock_filter *out, size_t cap, const struct seccomp_stub_config *cfg);

#endif
