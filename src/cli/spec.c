/* skiff spec [--bundle DIR] [--rootless] */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "oci/cleanup.h"
#include "lib/utils.h"

int cmd_spec(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "spec",
      "",
      "",
      0,
      0,
      "Write a default config.json to the bundle, to edit before `skiff create`: it runs \"sh\"\n"
      "from the bundle's rootfs directory on a terminal. With --rootless, the config suits a user\n"
      "without privileges: a user namespace mapping the caller's uid and gid to root, no network\n"
      "namespace."};
  const char *bundle = NULL;
  bool rootless = false;
  struct cli_option options[] = {
      {"bundle", 'b', CLI_OPT_STRING, &bundle, "DIR",
       "the bundle's directory (default: the current directory)"},
      {"rootless", 0, CLI_OPT_BOOL, &rootless, NULL, "write a config for a container run without root"},
  };
  char **args;
  int status;
  if (cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status) < 0)
    return status;

  cleanup_close int dir = open(bundle ? bundle : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return cli_fail(usage.name, "open bundle %s: %s", bundle ? bundle : ".", strerror(errno));
  /* runc maps the effective ids (geteuid), those that own what the container creates. */
  cleanup_free char *config = oci_spec_default(rootless, geteuid(), getegid());
  if (!config)
    return cli_fail(usage.name, "%s", strerror(ENOMEM));
  /* O_EXCL: refuse an existing config.json without a window between checking and writing. */
  cleanup_close int fd = openat(dir, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0 && errno == EEXIST)
    return cli_fail(usage.name, "File config.json exists. Remove it first"); /* runc's words */
  if (fd < 0)
    return cli_fail(usage.name, "create config.json: %s", strerror(errno));
  if (write_all(fd, config, strlen(config)) < 0) {
    int saved = errno;
    unlinkat(dir, "config.json", 0);
    return cli_fail(usage.name, "write config.json: %s", strerror(saved));
  }
  return 0;
}
