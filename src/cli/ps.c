/* skiff ps [--format table|json] <container-id> [ps options]: the container's processes, as the
 * host's ps shows them (runc runs `ps -ef` and keeps the lines of the container's pids): those of
 * its cgroup, or without one those of its namespaces; none for a stopped container. */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool has_pid(const pid_t *pids, size_t n, long pid) {
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* The header names the PID column; each later line is kept when that column is a container pid. */
static int filter_ps(FILE *in, const pid_t *pids, size_t n) {
  char *line = NULL;
  size_t cap = 0;
  int pid_col = -1;
  for (bool header = true; getline(&line, &cap, in) > 0; header = false) {
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", line);
    int col = 0;
    long pid = -1;
    for (char *save, *tok = strtok_r(copy, " \t\n", &save); tok;
         tok = strtok_r(NULL, " \t\n", &save), col++) {
      if (header && !strcmp(tok, "PID"))
        pid_col = col;
      else if (!header && col == pid_col)
        pid = strtol(tok, NULL, 10);
    }
    if (header && pid_col < 0) {
      free(line);
      return cli_fail("ps", "couldn't find PID field in ps output");
    }
    if (header || has_pid(pids, n, pid))
      fputs(line, stdout);
  }
  free(line);
  return 0;
}

static int run_ps(char **ps_args, int n_args, const pid_t *pids, size_t n) {
  char *argv[64] = {"ps"};
  int argc = 1;
  if (n_args == 0)
    argv[argc++] = "-ef";
  for (int i = 0; i < n_args && argc < 63; i++)
    argv[argc++] = ps_args[i];
  int fds[2];
  if (pipe(fds) < 0)
    return cli_fail("ps", "pipe: %s", strerror(errno));
  pid_t child = fork();
  if (child == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execvp("ps", argv);
    _exit(127);
  }
  close(fds[1]);
  FILE *in = fdopen(fds[0], "r");
  int ret = in ? filter_ps(in, pids, n) : cli_fail("ps", "fdopen: %s", strerror(errno));
  if (in)
    fclose(in);
  int status = 0;
  waitpid(child, &status, 0);
  if (ret == 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
    ret = cli_fail("ps", "ps exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128);
  return ret;
}

int cmd_ps(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {"ps",
                                         "<container-id> [ps options]",
                                         "container id [ps options]",
                                         1,
                                         64,
                                         "List the processes of a container (ps -ef by default): those of its cgroup, or without one\n"
                                         "(rootless) of its namespaces.",
                                         true};
  const char *format = "table";
  struct cli_option options[] = {
      {"format", 'f', CLI_OPT_STRING, &format, "FORMAT", "table or json (a list of pids)"},
  };
  char **args;
  int status;
  int n = cli_parse(&usage, options, 1, argc, argv, &args, &status);
  if (n < 0)
    return status;
  if (strcmp(format, "table") && strcmp(format, "json"))
    return cli_fail(usage.name, "invalid format option \"%s\": table or json", format);
  struct skiff_error err = {0};
  pid_t *pids;
  size_t n_pids;
  if (container_pids(&g->ctx, args[0], &pids, &n_pids, &err) < 0)
    return cli_fail_error(usage.name, &err);
  if (!strcmp(format, "json")) {
    if (n > 1)
      status = cli_fail(usage.name, "ps options cannot be used with --format json");
    else {
      if (!n_pids) /* runc's (Go's) encoding of no pids */
        puts("null");
      else {
        putchar('[');
        for (size_t i = 0; i < n_pids; i++)
          printf(i ? ",%d" : "%d", pids[i]);
        puts("]");
      }
    }
  } else {
    fflush(stdout);
    status = run_ps(args + 1, n - 1, pids, n_pids);
  }
  free(pids);
  return status;
}
