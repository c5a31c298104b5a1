/* skiff create [options] <container-id> */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cli/cli.h"

void cli_create_options(struct create_options *opts, struct cli_option out[CLI_CREATE_N_OPTIONS]) {
  const struct cli_option options[CLI_CREATE_N_OPTIONS] = {
      {"bundle", 'b', CLI_OPT_STRING, &opts->bundle, "DIR",
       "the bundle: the directory holding config.json (default: the current directory)"},
      {"console-socket", 0, CLI_OPT_STRING, &opts->console_socket, "PATH",
       "AF_UNIX socket that receives the master end of the container's console"},
      {"pid-file", 0, CLI_OPT_STRING, &opts->pid_file, "FILE",
       "write the pid of the container's process to FILE"},
      {"no-pivot", 0, CLI_OPT_BOOL, &opts->no_pivot, NULL,
       "enter the rootfs without pivot_root (for a rootfs on a ramdisk)"},
      {"no-new-keyring", 0, CLI_OPT_BOOL, &opts->no_new_keyring, NULL,
       "keep the caller's session keyring instead of a new one"},
      {"preserve-fds", 0, CLI_OPT_INT, &opts->preserve_fds, "N",
       "pass N more file descriptors, from 3 on, to the container (default: 0)"},
  };
  memcpy(out, options, sizeof options);
}

int cli_create_prepare(const char *cmd, struct create_options *opts) {
  static char pid_file[PATH_MAX];
  if (opts->bundle && !opts->bundle[0])
    opts->bundle = NULL;
  if (opts->console_socket && !opts->console_socket[0])
    opts->console_socket = NULL;
  if (opts->pid_file && !opts->pid_file[0])
    opts->pid_file = NULL;
  if (opts->pid_file) {
    const char *abs = cli_absolute_path(opts->pid_file, pid_file, sizeof pid_file);
    if (!abs)
      return cli_fail(cmd, "--pid-file %s: %s", opts->pid_file, strerror(errno));
    opts->pid_file = abs;
  }
  return 0;
}

int cmd_create(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "create",
      "<container-id>",
      "container id",
      1,
      1,
      "Create a container from a bundle, a directory holding config.json and the root filesystem.\n"
      "The container's process waits, as \"created\", until `skiff start` runs the program that\n"
      "config.json's process.args name."};
  struct create_options opts = {0};
  struct cli_option options[CLI_CREATE_N_OPTIONS];
  cli_create_options(&opts, options);
  char **args;
  int status;
  if (cli_parse(&usage, options, CLI_CREATE_N_OPTIONS, argc, argv, &args, &status) < 0)
    return status;
  if (cli_create_prepare(usage.name, &opts))
    return 1;
  struct skiff_error err = {0};
  if (container_create(&g->ctx, args[0], &opts, &err) < 0)
    return cli_fail_error(usage.name, &err);
  return 0;
}
