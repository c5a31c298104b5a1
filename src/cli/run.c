/* skiff run [options] <container-id>: create and start; in the foreground, exits as the container. */
#include "cli/cli.h"

int cmd_run(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "run",
      "<container-id>",
      "container id",
      1,
      1,
      "Create a container from a bundle and start it. In the foreground, wait for it, delete it\n"
      "(unless --keep) and exit with its exit status (128+N when killed by signal N)."};
  struct create_options opts = {0};
  struct cli_option options[CLI_CREATE_N_OPTIONS + 2];
  cli_create_options(&opts, options);
  options[CLI_CREATE_N_OPTIONS] =
      (struct cli_option){"detach",     'd',  CLI_OPT_BOOL,
                          &opts.detach, NULL, "return once the container is started, leaving it running"};
  options[CLI_CREATE_N_OPTIONS + 1] = (struct cli_option){
      "keep", 0, CLI_OPT_BOOL, &opts.keep, NULL, "do not delete the container once it stopped (skiff delete does)"};
  char **args;
  int status;
  if (cli_parse(&usage, options, CLI_CREATE_N_OPTIONS + 2, argc, argv, &args, &status) < 0)
    return status;
  if (cli_create_prepare(usage.name, &opts))
    return 1;
  struct skiff_error err = {0};
  int exit_status = 0;
  if (container_run(&g->ctx, args[0], &opts, &exit_status, &err) < 0)
    return cli_fail_error(usage.name, &err);
  return exit_status;
}
