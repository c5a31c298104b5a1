/* skiff pause <container-id>, skiff resume <container-id>: freeze and thaw every process. */
#include "cli/cli.h"

static int freeze_command(const struct cli_usage *usage, struct cli_global *g, int argc, char **argv,
                          int (*act)(const struct skiff_context *, const char *, struct skiff_error *)) {
  char **args;
  int status;
  if (cli_parse(usage, NULL, 0, argc, argv, &args, &status) < 0)
    return status;
  struct skiff_error err = {0};
  if (act(&g->ctx, args[0], &err) < 0)
    return cli_fail_error(usage->name, &err);
  return 0;
}

int cmd_pause(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {"pause",
                                         "<container-id>",
                                         "container id",
                                         1,
                                         1,
                                         "Suspend every process of a running container (cgroup freezer)."};
  return freeze_command(&usage, g, argc, argv, container_pause);
}

int cmd_resume(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "resume", "<container-id>", "container id", 1, 1, "Resume every process of a paused container."};
  return freeze_command(&usage, g, argc, argv, container_resume);
}
