#include "lib/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/cleanup.h"

/* stdin is one end of a socketpair rather than a pipe: send(MSG_NOSIGNAL) cannot raise
 * SIGPIPE in skiff when a hook exits without reading, and the write never blocks (state JSON
 * is far below the socket buffer, and the end is non-blocking anyway). */
static pid_t start_hook(const struct oci_hook *hook, const char *state_json, struct skiff_error *err) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return skiff_fail_errno(err, errno, "socketpair");
  pid_t pid = fork();
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    return skiff_fail_errno(err, errno, "fork");
  }
  if (pid == 0) {
    char *default_argv[] = {hook->path, NULL};
    char *no_env[] = {NULL};
    if (dup2(sv[1], STDIN_FILENO) < 0)
      _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* its own process group: a timeout kills what the hook started too, not only the hook */
    setpgid(0, 0);
    execve(hook->path, hook->args.n ? hook->args.v : default_argv, hook->env.n ? hook->env.v : no_env);
    _exit(127);
  }
  setpgid(pid, pid); /* as the child does: whichever runs first */
  close(sv[1]);
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  send(sv[0], state_json, strlen(state_json), MSG_NOSIGNAL);
  shutdown(sv[0], SHUT_WR);
  close(sv[0]);
  return pid;
}

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Until the hook exits or the deadline passes (-1: none). Whether it exited: its pidfd, or where
 * there is none (pidfd_open denied by a container's seccomp profile older than it, for a
 * startContainer hook; kernels before 5.3) a waitpid(WNOHANG) every 10 ms. */
static bool exited_before(pid_t pid, int pidfd, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0)
      return false;
    if (pidfd >= 0) {
      struct pollfd p = {.fd = pidfd, .events = POLLIN};
      int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
      if (n > 0)
        return true;
      if (n < 0 && errno != EINTR)
        return true; /* cannot wait on it: waitpid below decides */
      continue;
    }
    siginfo_t info = {0};
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno != EINTR)
      return true;
    if (info.si_pid == pid)
      return true;
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nanosleep(&ten_ms, NULL);
  }
}

static int wait_hook(pid_t pid, const struct oci_hook *hook, int *status, struct skiff_error *err) {
  if (hook->has_timeout) {
    cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    /* in 64 bits: a timeout of INT32_MAX seconds is ~68 years, not an overflow */
    if (!exited_before(pid, pidfd, now_ms() + (int64_t)hook->timeout * 1000)) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL); /* in case setpgid failed */
      waitpid(pid, NULL, 0);
      return skiff_fail(err, ETIMEDOUT, "timed out after %ds", hook->timeout);
    }
  }
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR)
      return skiff_fail_errno(err, errno, "waitpid");
  return 0;
}

/* Failures say runc's "error running hook", which callers match. */
static int run_one(const struct oci_hook_list *hooks, size_t i, const char *stage, const char *state_json,
                   struct skiff_error *err) {
  const struct oci_hook *hook = &hooks->v[i];
  int status = 0;
  pid_t pid = start_hook(hook, state_json, err);
  /* "error running hook": runc's words, which callers look for */
  if (pid < 0 || wait_hook(pid, hook, &status, err) < 0)
    return skiff_error_prefix(err, "%s hook #%zu (%s): error running hook", stage, i, hook->path);
  if (WIFSIGNALED(status))
    return skiff_fail(err, ECHILD, "%s hook #%zu (%s): error running hook: killed by signal %d (SIG%s)", stage,
                      i, hook->path, WTERMSIG(status),
                      sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
  if (WEXITSTATUS(status) == 127 && access(hook->path, X_OK) < 0)
    return skiff_fail_errno(err, errno, "%s hook #%zu (%s): error running hook", stage, i, hook->path);
  if (WEXITSTATUS(status) != 0)
    return skiff_fail(err, ECHILD, "%s hook #%zu (%s): error running hook: exit status %d", stage, i,
                      hook->path, WEXITSTATUS(status));
  return 0;
}

int hooks_run(const struct oci_hook_list *hooks, const char *stage, const char *state_json,
              struct skiff_error *err) {
  for (size_t i = 0; i < hooks->n; i++)
    if (run_one(hooks, i, stage, state_json, err) < 0)
      return -1;
  return 0;
}

size_t hooks_run_all(const struct oci_hook_list *hooks, const char *stage, const char *state_json,
                     void (*on_failure)(const struct skiff_error *err)) {
  size_t failed = 0;
  for (size_t i = 0; i < hooks->n; i++) {
    struct skiff_error err = {0};
    if (run_one(hooks, i, stage, state_json, &err) < 0) {
      failed++;
      if (on_failure)
        on_failure(&err);
    }
  }
  return failed;
}
