/* skiff exec [options] <container-id> <command> [args...]: run a process in a running container. */
#include "cli/cli.h"

#include <limits.h>
#include <stdlib.h>

#include "lib/exec.h"

/* runc's exit status for an exec whose process did not start (usage errors exit 1): callers tell it
 * from the process's own statuses. */
#define EXEC_FAILED 255

int cmd_exec(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "exec",
      "<container-id> <command> [command options]",
      "container id and command",
      1,
      INT_MAX,
      "Run a new process inside a running container: in all its namespaces and its cgroup, with the\n"
      "user, capabilities, rlimits, seccomp and no_new_privs of its config (or of --process). In the\n"
      "foreground, exit with the process's exit status; 255 when it could not be started.",
      true};
  struct exec_options o = {0};
  struct cli_list env = {0}, gids = {0}, caps = {0}, cgroups = {0};
  struct cli_option options[] = {
      {"process", 'p', CLI_OPT_STRING, &o.process_file, "FILE",
       "a process.json to run instead of the command"},
      {"tty", 't', CLI_OPT_BOOL, &o.tty, NULL, "allocate a pseudo-TTY"},
      {"console-socket", 0, CLI_OPT_STRING, &o.console_socket, "PATH",
       "unix socket that receives the pty master (with --tty)"},
      {"detach", 'd', CLI_OPT_BOOL, &o.detach, NULL, "return once the process runs"},
      {"pid-file", 0, CLI_OPT_STRING, &o.pid_file, "FILE", "write the process's pid to FILE"},
      {"env", 'e', CLI_OPT_LIST, &env, "NAME=VALUE", "set an environment variable (repeatable)"},
      {"cwd", 0, CLI_OPT_STRING, &o.cwd, "DIR", "working directory inside the container"},
      {"user", 'u', CLI_OPT_STRING, &o.user, "UID[:GID]", "run as this user"},
      {"additional-gids", 'g', CLI_OPT_LIST, &gids, "GID", "an additional group (repeatable)"},
      {"cap", 'c', CLI_OPT_LIST, &caps, "CAP", "add a capability (repeatable)"},
      {"no-new-privs", 0, CLI_OPT_BOOL, &o.no_new_privs, NULL, "set no_new_privs"},
      {"apparmor", 0, CLI_OPT_STRING, &o.apparmor, "PROFILE", "apparmor profile for the process"},
      {"process-label", 0, CLI_OPT_STRING, &o.process_label, "LABEL", "SELinux label for the process"},
      {"preserve-fds", 0, CLI_OPT_INT, &o.preserve_fds, "N", "pass N extra fds (3 .. 3+N-1) to the process"},
      {"cgroup", 0, CLI_OPT_LIST, &cgroups, "[CTRL,...:]PATH",
       "run in this sub-cgroup of the container's cgroup (repeatable, one per controller list)"},
      {"ignore-paused", 0, CLI_OPT_BOOL, &o.ignore_paused, NULL,
       "exec into a paused container too (the process starts frozen, and runs on resume)"},
  };
  char **args;
  int status;
  int n = cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status);
  if (n < 0)
    return status;
  if (n < 2 && !o.process_file)
    status = cli_fail(usage.name, "requires a command, or --process") ? EXEC_FAILED : 0;
  else {
    char abs[PATH_MAX];
    if (o.pid_file && !o.pid_file[0]) /* runc: --pid-file "" writes none */
      o.pid_file = NULL;
    if (o.pid_file && !(o.pid_file = cli_absolute_path(o.pid_file, abs, sizeof abs)))
      return cli_fail(usage.name, "pid file: path too long"), EXEC_FAILED;
    if (o.console_socket && !o.console_socket[0])
      o.console_socket = NULL;
    o.args = args + 1;
    o.n_args = (size_t)n - 1;
    o.env = env.v;
    o.n_env = env.n;
    o.additional_gids = gids.v;
    o.n_additional_gids = gids.n;
    o.caps = caps.v;
    o.n_caps = caps.n;
    o.sub_cgroups = cgroups.v;
    o.n_sub_cgroups = cgroups.n;
    struct skiff_error err = {0};
    int exit_status = 0;
    status = container_exec(&g->ctx, args[0], &o, &exit_status, &err) < 0
                 ? (cli_fail_error(usage.name, &err), EXEC_FAILED)
                 : exit_status;
  }
  free(env.v);
  free(gids.v);
  free(caps.v);
  free(cgroups.v);
  return status;
}
