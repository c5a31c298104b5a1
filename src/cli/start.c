/* skiff start <container-id> */
#include "cli/cli.h"

int cmd_start(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "start", "<container-id>", "container id", 1, 1, "Run the user process of a created container."};
  char **args;
  int status;
  if (cli_parse(&usage, NULL, 0, argc, argv, &args, &status) < 0)
    return status;
  struct skiff_error err = {0};
  if (container_start(&g->ctx, args[0], &err) < 0)
    return cli_fail_error(usage.name, &err);
  return 0;
}
