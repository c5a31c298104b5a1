/* exec: a new process in a running container, in all its namespaces and its cgroup, with the
 * process settings of the container's config or of --process. */
#ifndef SKIFF_EXEC_H
#define SKIFF_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/container.h"

struct exec_options {
  const char *process_file; /* --process: a process.json replaces everything below */
  char **args;              /* the command and its arguments */
  size_t n_args;
  bool tty; /* -t */
  const char *console_socket;
  bool detach; /* -d */
  const char *pid_file;
  char **env; /* -e NAME=value, added to (or replacing in) the config's env */
  size_t n_env;
  const char *cwd;
  const char *user;       /* -u uid[:gid] */
  char **additional_gids; /* -g, numbers as strings */
  size_t n_additional_gids;
  char **caps; /* --cap CAP_X: added to the bounding, effective and permitted sets */
  size_t n_caps;
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;
  int preserve_fds;
  char **sub_cgroups;     /* --cgroup [CONTROLLERS:]PATH: sub-cgroups of the container's to run in */
  size_t n_sub_cgroups;
  bool ignore_paused;     /* --ignore-paused */
};

/* Foreground: waits for the process and stores its exit status (128+n after signal n).
 * Detached: returns once it runs, its pid written to pid_file. */
int container_exec(const struct skiff_context *ctx, const char *id, const struct exec_options *opts,
                   int *exit_status, struct skiff_error *err);

#endif
