#include "lib/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
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

static int wait_hook(pid_t pid, const struct oci_hook *hook, int *status, struct skiff_error *err) {
  cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0 && hook->has_timeout) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int n;
    do
      n = poll(&p, 1, hook->timeout * 1000);
    while (n < 0 && errno == EINTR);
    if (n == 0) {
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

static int run_one(const struct oci_hook_list *hooks, size_t i, const char *stage, const char *state_json,
                   struct skiff_error *err) {
  const struct oci_hook *hook = &hooks->v[i];
  int status = 0;
  pid_t pid = start_hook(hook, state_json, err);
  /* "error running hook": runc's words, which callers look for */
  if (pid < 0 || wait_hook(pid, hook, &status, err) < 0)
    return skiff_error_prefix(err, "%s hook #%zu (%s): error running hook", stage, i, hook->path);
  if (WIFSIGNALED(status))
    return skiff_fail(err, ECHILD, "%s hook #%zu (%s): error running hook: killed by signal %d", stage, i,
                      hook->path, WTERMSIG(status));
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
