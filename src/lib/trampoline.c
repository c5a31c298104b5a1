/* skiff's side of the exec trampoline: trampoline.h says what it is for. */
#include "lib/trampoline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"
#include "trampoline/protocol.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int trampoline_memfd(int min_fd, struct skiff_error *err) {
  /* MFD_EXEC: where vm.memfd_noexec makes memfds non-executable by default (Linux 6.3+); older
   * kernels refuse the flag, and their memfds are executable. */
  cleanup_close int fd = memfd_create("skiff-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create("skiff-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0 && errno == EACCES)
    return skiff_fail_errno(err, errno, "exec trampoline: memfd_create (vm.memfd_noexec = 2 forbids executable memfds)");
  if (fd < 0)
    return skiff_fail_errno(err, errno, "exec trampoline: memfd_create");
  for (size_t done = 0; done < trampoline_image_size;) {
    ssize_t n = pwrite(fd, trampoline_image + done, trampoline_image_size - done, (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return skiff_fail_errno(err, n < 0 ? errno : EIO, "exec trampoline: write memfd");
    done += (size_t)n;
  }
  /* Executable by all, readable by none but who holds CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH: the
   * kernel makes a process that executes a file it cannot read non-dumpable, so the container
   * cannot ptrace the trampoline (nor, in a user namespace, reach its mm) unless it holds those. */
  if (fchmod(fd, 0111) < 0)
    return skiff_fail_errno(err, errno, "exec trampoline: chmod memfd");
  if (fcntl(fd, F_ADD_SEALS, ALL_SEALS) < 0)
    return skiff_fail_errno(err, errno, "exec trampoline: seal memfd");
  return fd_move_above(steal_fd(&fd), min_fd, err);
}

/* The descriptor reaches the trampoline (not close-on-exec), which makes it close-on-exec after
 * its write. */
static int keep_for_trampoline(int fd, char text[16], struct skiff_error *err) {
  if (fcntl(fd, F_SETFD, 0) < 0)
    return skiff_fail_errno(err, errno, "exec trampoline: fd %d", fd);
  format_string(text, 16, "%d", fd);
  return 0;
}

int trampoline_prepare(struct trampoline_call *call, const struct oci_process *process, const char *path,
                       int join_fd, struct skiff_error *err) {
  memset(call, 0, sizeof *call);
  call->join_fd = join_fd;
  if (lsm_open_exec_labels(process, call->labels, &call->n_labels, err) < 0)
    return -1;
  size_t n = 0, max = 2 + 3 * (call->n_labels + 1) + 2 + process->args.n + 1;
  char **argv = calloc(max, sizeof *argv);
  if (!argv)
    return skiff_fail_errno(err, ENOMEM, "exec trampoline");
  call->argv = argv;
  argv[n++] = TRAMPOLINE_MARKER;
  argv[n++] = call->report;
  if (join_fd >= 0) {
    if (keep_for_trampoline(join_fd, call->join_fd_text, err) < 0)
      return -1;
    argv[n++] = call->join_fd_text;
    argv[n++] = "memory cgroup: move into the container's";
    argv[n++] = "0";
  }
  for (size_t i = 0; i < call->n_labels; i++) {
    struct lsm_exec_label *l = &call->labels[i];
    if (keep_for_trampoline(l->fd, call->label_fd_text[i], err) < 0)
      return -1;
    argv[n++] = call->label_fd_text[i];
    argv[n++] = l->what;
    argv[n++] = l->data;
  }
  argv[n++] = "--";
  argv[n++] = (char *)path;
  for (size_t i = 0; i < process->args.n; i++)
    argv[n++] = process->args.v[i];
  return 0;
}

int trampoline_exec(struct trampoline_call *call, int memfd, enum trampoline_report report, int report_fd,
                    char *const envp[], struct skiff_error *err) {
  if (report == TRAMPOLINE_REPORT_STDERR || report_fd < 0) {
    format_string(call->report, sizeof call->report, "-");
  } else {
    format_string(call->report, sizeof call->report, "%c%d", (char)report, report_fd);
    if (fcntl(report_fd, F_SETFD, 0) < 0)
      return skiff_fail_errno(err, errno, "exec trampoline: keep the report fd open");
  }
  syscall(SYS_execveat, (long)memfd, "", call->argv, envp, (long)AT_EMPTY_PATH);
  return skiff_fail_errno(err, errno, "exec trampoline: execveat");
}

void trampoline_call_free(struct trampoline_call *call) {
  free(call->argv);
  lsm_exec_labels_free(call->labels);
  if (call->join_fd >= 0)
    close(call->join_fd);
  call->argv = NULL;
  call->n_labels = 0;
  call->join_fd = -1;
}
