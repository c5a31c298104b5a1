/* skiff delete [--force] <container-id> */
#include "cli/cli.h"

int cmd_delete(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "delete",
      "<container-id>",
      "container id",
      1,
      1,
      "Delete a stopped or created container and what it holds: its cgroup, its state. With --force,\n"
      "kill a running container first (SIGKILL), succeed when there is no such container, and wait\n"
      "at most 5 s for a lock another command holds."};
  bool force = false;
  struct cli_option options[] = {
      {"force", 'f', CLI_OPT_BOOL, &force, NULL, "kill the container first if it is running"},
  };
  char **args;
  int status;
  if (cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status) < 0)
    return status;
  struct skiff_error err = {0};
  if (container_delete(&g->ctx, args[0], force, &err) < 0)
    return cli_fail_error(usage.name, &err);
  return 0;
}
