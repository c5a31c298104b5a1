#include "lib/foreground.h"

#include <errno.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/terminal.h"
#include "lib/utils.h"

int foreground_begin(struct foreground *fg, int min_fd, struct skiff_error *err) {
  static const int synchronous[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
  sigset_t set;
  sigfillset(&set);
  for (size_t i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++)
    sigdelset(&set, synchronous[i]);
  fg->active = false;
  fg->sigfd = -1;
  if (sigprocmask(SIG_BLOCK, &set, &fg->saved_mask) < 0)
    return skiff_fail_errno(err, errno, "sigprocmask");
  fg->active = true;
  fg->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (fg->sigfd < 0)
    return skiff_fail_errno(err, errno, "signalfd");
  if ((fg->sigfd = fd_move_above(fg->sigfd, min_fd, err)) < 0)
    return -1;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return skiff_fail_errno(err, errno, "prctl PR_SET_CHILD_SUBREAPER");
  return 0;
}

void foreground_end(struct foreground *fg) {
  if (fg->sigfd >= 0)
    close(fg->sigfd);
  fg->sigfd = -1;
  if (fg->active)
    sigprocmask(SIG_SETMASK, &fg->saved_mask, NULL);
  fg->active = false;
}

/* Reaps every exited child; true once pid is among them. */
static bool reap(pid_t pid, int *exit_status) {
  int status;
  pid_t got;
  bool done = false;
  while ((got = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
    if (got != pid)
      continue;
    *exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    done = true;
  }
  return done;
}

static int handle_signal(struct foreground *fg, pid_t pid, struct terminal_relay *relay, bool *exited,
                         int *exit_status, struct skiff_error *err) {
  struct signalfd_siginfo si;
  ssize_t n = read(fg->sigfd, &si, sizeof si);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (n != (ssize_t)sizeof si)
    return skiff_fail_errno(err, errno, "read signalfd");
  if (si.ssi_signo == SIGCHLD)
    *exited = reap(pid, exit_status);
  else if (si.ssi_signo == SIGWINCH && relay)
    terminal_relay_resize(relay);
  else
    kill(pid, (int)si.ssi_signo);
  return 0;
}

int foreground_wait(struct foreground *fg, pid_t pid, struct terminal_relay *relay, int *exit_status,
                    struct skiff_error *err) {
  bool exited = reap(pid, exit_status); /* it may have exited before the loop */
  while (!exited) {
    struct pollfd fds[4] = {{.fd = fg->sigfd, .events = POLLIN}};
    int n = 1;
    if (relay)
      n += terminal_relay_poll_fds(relay, fds + 1, 3);
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR)
        continue;
      return skiff_fail_errno(err, errno, "poll");
    }
    for (int i = 1; i < n; i++)
      if (fds[i].revents)
        terminal_relay_handle(relay, &fds[i]);
    if ((fds[0].revents & POLLIN) && handle_signal(fg, pid, relay, &exited, exit_status, err) < 0)
      return -1;
  }
  if (relay)
    terminal_relay_finish(relay);
  return 0;
}
