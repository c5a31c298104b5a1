/* skiff state <container-id> */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cmd_state(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "state", "<container-id>", "container id", 1, 1, "Print the state of a container as JSON."};
  char **args;
  int status;
  if (cli_parse(&usage, NULL, 0, argc, argv, &args, &status) < 0)
    return status;
  struct skiff_error err = {0};
  char *json = container_state_json(&g->ctx, args[0], &err);
  if (!json)
    return cli_fail_error(usage.name, &err);
  /* runc writes no final newline; skiff ends the line, as crun, so that a shell prompt starts on
   * its own line. JSON readers see no difference. */
  size_t len = strlen(json);
  fwrite(json, 1, len, stdout);
  if (len == 0 || json[len - 1] != '\n')
    putchar('\n');
  free(json);
  return fflush(stdout) == 0 ? 0 : cli_fail(usage.name, "write: %s", strerror(errno));
}
