/* skiff features */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/features.h"

int cmd_features(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "features",
      "",
      "no arguments",
      0,
      0,
      "Print the features of this runtime (runtime-spec features.md) as JSON: the config.json names it\n"
      "recognizes and the optional subsystems it supports on this host."};
  char **args;
  int status;
  if (cli_parse(&usage, NULL, 0, argc, argv, &args, &status) < 0)
    return status;
  struct features f;
  struct skiff_error err = {0};
  features_collect(&f);
  char *json = oci_features_to_json(&f.doc, &err);
  if (!json)
    return cli_fail_error(usage.name, &err);
  fputs(json, stdout);
  free(json);
  return fflush(stdout) == 0 ? 0 : cli_fail(usage.name, "write: %s", strerror(errno));
}
