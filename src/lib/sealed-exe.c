/* CVE-2019-5736: a process in the container that can open /proc/<pid>/exe of skiff's init (or of
 * an exec child) while it is still skiff could later reopen that file for writing and replace
 * the host's skiff binary. (The other way to it, a program that makes the kernel execute skiff's
 * binary in the container, is closed for every container by the exec trampoline: trampoline.h.)
 * The init and exec children are non-dumpable until they exec, which keeps every process out
 * except one holding CAP_SYS_PTRACE over their mm's user namespace, the host's: such a container
 * gets skiff started again from a sealed memfd copy of itself, so that what /proc/<pid>/exe leads
 * to is a copy no one can write. The copy costs a re-exec (~1.5 ms, tests/bench), so only the
 * containers that could reach skiff pay it. */
#include "lib/sealed-exe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/cleanup.h"

extern char **environ;

#define WRITE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool strv_has(const struct oci_strv *v, const char *s) {
  for (size_t i = 0; i < v->n; i++)
    if (strcmp(v->v[i], s) == 0)
      return true;
  return false;
}

bool sealed_exe_has_ptrace(const struct oci_process *process) {
  const struct oci_capabilities *c = &process->capabilities;
  const char *ptrace = "CAP_SYS_PTRACE";
  /* bounding too: a process may regain it by executing a program with file capabilities */
  return process->has_capabilities && (strv_has(&c->bounding, ptrace) || strv_has(&c->effective, ptrace) ||
                                       strv_has(&c->permitted, ptrace) || strv_has(&c->ambient, ptrace) ||
                                       strv_has(&c->inheritable, ptrace));
}

bool sealed_exe_needed(const struct oci_config *config, const struct oci_process *process, bool exec_ptrace) {
  /* With a user namespace, the container's capabilities are that namespace's. Opening
   * /proc/<pid>/exe of a non-dumpable process needs CAP_SYS_PTRACE over the user namespace of its
   * mm, and the mm of skiff's init and exec children is a copy of skiff's, made in the host's user
   * namespace (clone keeps it there; setns to the container's does not move it). */
  if (oci_config_namespace(config, OCI_NS_USER))
    return false;
  /* A pid namespace the container does not own (the host's, or joined by path) may hold processes
   * of others, whose capabilities are not on record here. */
  const struct oci_namespace *pid = oci_config_namespace(config, OCI_NS_PID);
  if (!pid || pid->path)
    return true;
  return sealed_exe_has_ptrace(&config->process) || (process && sealed_exe_has_ptrace(process)) || exec_ptrace;
}

static int copy_self(int exe, struct skiff_error *err) {
  struct stat st;
  if (fstat(exe, &st) < 0)
    return skiff_fail_errno(err, errno, "stat /proc/self/exe");
  cleanup_close int mfd = memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return skiff_fail_errno(err, errno, "memfd_create");
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = sendfile(mfd, exe, &done, (size_t)(st.st_size - done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return skiff_fail_errno(err, n < 0 ? errno : EIO, "copy /proc/self/exe");
  }
  if (fcntl(mfd, F_ADD_SEALS, WRITE_SEALS) < 0)
    return skiff_fail_errno(err, errno, "seal the copy of skiff");
  return steal_fd(&mfd);
}

bool sealed_exe_running(void) {
  cleanup_close int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals = exe < 0 ? -1 : fcntl(exe, F_GET_SEALS);
  if (seals < 0 || (seals & F_SEAL_WRITE) != F_SEAL_WRITE)
    return false;
  prctl(PR_SET_NAME, "skiff", 0, 0, 0); /* else the name would be the copy's fd number */
  return true;
}

int sealed_exe_restart(char *const argv[], struct skiff_error *err) {
  cleanup_close int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return skiff_fail_errno(err, errno, "open /proc/self/exe");
  cleanup_close int copy = copy_self(exe, err);
  if (copy < 0)
    return -1;
  syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
  return skiff_fail_errno(err, errno, "execute the sealed copy of skiff");
}
