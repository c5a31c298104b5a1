/* skiff spec [--bundle DIR] [--rootless] [--network [FILE]] */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "oci/cleanup.h"
#include "oci/format.h"
#include "lib/utils.h"

#ifndef SKIFF_BRIDGE_PATH
#define SKIFF_BRIDGE_PATH "/usr/local/bin/skiff-bridge"
#endif
#ifndef SKIFF_NETWORK_CONFIG
#define SKIFF_NETWORK_CONFIG "/etc/skiff/network.conflist"
#endif

/* The skiff-bridge beside this skiff (the build tree, or an install in one directory), else where
 * `make install` puts it. */
static const char *bridge_binary(char *buf, size_t size) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash && slash != self) {
      *slash = '\0';
      if (format_string(buf, size, "%s/skiff-bridge", self) < (int)size && access(buf, X_OK) == 0)
        return buf;
    }
  }
  return SKIFF_BRIDGE_PATH;
}

int cmd_spec(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "spec",
      "[FILE]",
      "network configuration file (after --network)",
      0,
      1,
      "Write a default config.json to the bundle, to edit before `skiff create`: it runs \"sh\"\n"
      "from the bundle's rootfs directory on a terminal. With --rootless, the config suits a user\n"
      "without privileges: a user namespace mapping the caller's uid and gid to root, no network\n"
      "namespace. With --network, skiff-bridge's hooks give the container's network namespace an\n"
      "eth0 on a bridge, an address, a default route and outbound NAT: the network of FILE (a CNI\n"
      "network configuration or conflist, given last), else of the annotation org.skiff.network,\n"
      "else of " SKIFF_NETWORK_CONFIG " (see skiff-bridge(8))."};
  const char *bundle = NULL;
  bool rootless = false, network = false;
  struct cli_option options[] = {
      {"bundle", 'b', CLI_OPT_STRING, &bundle, "DIR",
       "the bundle's directory (default: the current directory)"},
      {"rootless", 0, CLI_OPT_BOOL, &rootless, NULL, "write a config for a container run without root"},
      {"network", 0, CLI_OPT_BOOL, &network, NULL,
       "add the hooks of skiff-bridge: the container on the bridge network of FILE"},
  };
  char **args;
  int status;
  int n_args = cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status);
  if (n_args < 0)
    return status;
  if (n_args && !network)
    return cli_fail(usage.name, "%s: a network configuration file goes with --network", args[0]);
  if (network && rootless)
    return cli_fail(usage.name, "--network with --rootless: skiff-bridge makes links in the host's network "
                                "namespace, which needs root");
  char bridge[PATH_MAX], file[PATH_MAX];
  struct oci_spec_network net = {.hook = bridge_binary(bridge, sizeof bridge)};
  if (n_args) {
    /* the hook runs with another working directory: the path is made absolute now */
    net.config = cli_absolute_path(args[0], file, sizeof file);
    if (!net.config || access(net.config, R_OK) < 0)
      return cli_fail(usage.name, "--network: %s: %s", args[0], strerror(errno));
  }

  cleanup_close int dir = open(bundle ? bundle : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return cli_fail(usage.name, "open bundle %s: %s", bundle ? bundle : ".", strerror(errno));
  /* runc maps the effective ids (geteuid), those that own what the container creates. */
  cleanup_free char *config = oci_spec_default(rootless, geteuid(), getegid(), network ? &net : NULL);
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
