/* skiff-bridge: skiff's bridge network, one binary in two roles.
 *
 *   skiff-bridge                              a CNI plugin: CNI_COMMAND and the rest in the
 *                                             environment, the configuration on stdin (cni.c)
 *   skiff-bridge hook add|del [--config FILE] an OCI hook: the container's state on stdin (hook.c)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "hook.h"
#include "lib/utils.h"
#include "oci/cleanup.h"

#define INPUT_MAX (1 << 20)

static const char usage[] =
    "Usage: skiff-bridge                               (a CNI plugin: CNI_COMMAND=ADD|DEL|CHECK|GC|STATUS|VERSION\n"
    "                                                   and the other CNI_* variables set, the config on stdin)\n"
    "       skiff-bridge hook add [--config FILE]      (an OCI createRuntime hook: the state on stdin)\n"
    "       skiff-bridge hook del [--config FILE]      (an OCI poststop hook)\n"
    "       skiff-bridge --version | --help\n"
    "\n"
    "A bridge network for containers: a veth pair into the container's network namespace, addresses\n"
    "from host-local-compatible IPAM, IPv4 masquerade and port mappings with nftables.\n"
    "CNI spec versions: 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0. Without --config, the hook's network\n"
    "configuration is the annotation " HOOK_CONFIG_ANNOTATION ", else " SKIFF_NETWORK_CONFIG ".\n"
    "See skiff-bridge(8).\n";

static int write_stdout(const char *s) {
  size_t len = strlen(s);
  while (len) {
    ssize_t n = write(1, s, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    s += n;
    len -= (size_t)n;
  }
  return 0;
}

/* SPEC.md: an error object on stdout, a non-zero exit. */
static int cni_error_exit(const char *version, const struct skiff_error *err) {
  cleanup_free char *json = cni_error_json(version, cni_error_code(err), err->msg, NULL);
  if (!json || write_stdout(json) < 0 || write_stdout("\n") < 0)
    fprintf(stderr, "skiff-bridge: %s\n", err->msg);
  return 1;
}

static int cni_main(void) {
  struct cni_request req;
  struct skiff_error err = {0};
  if (cni_request_from_env(&req, &err) < 0) {
    if (!getenv("CNI_COMMAND"))
      fputs(usage, stderr);
    return cni_error_exit("1.1.0", &err);
  }
  size_t len = 0;
  struct skiff_error read_err;
  cleanup_free char *config = fd_read_all(STDIN_FILENO, "stdin", INPUT_MAX, &len, &read_err);
  if (!config) {
    cni_fail(&err, CNI_ERR_IO, "read the network configuration from stdin: %s", strerror(read_err.code));
    return cni_error_exit("1.1.0", &err);
  }
  req.config = config;
  req.config_len = len;
  cleanup_free char *output = NULL;
  char version[CNI_VERSION_MAX];
  if (cni_run(&req, &output, version, &err) < 0)
    return cni_error_exit(version, &err);
  if (output && (write_stdout(output) < 0 || write_stdout("\n") < 0))
    return 1;
  return 0;
}

static int hook_main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[2], "add") && strcmp(argv[2], "del"))) {
    fprintf(stderr, "skiff-bridge: hook: expected \"add\" or \"del\"\n");
    return 2;
  }
  const char *config = NULL;
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--config") && i + 1 < argc)
      config = argv[++i];
    else if (!strncmp(argv[i], "--config=", 9))
      config = argv[i] + 9;
    else {
      fprintf(stderr, "skiff-bridge: hook %s: unknown argument \"%s\"\n", argv[2], argv[i]);
      return 2;
    }
  }
  struct skiff_error err = {0};
  if (hook_run(!strcmp(argv[2], "add"), config, &err) < 0) {
    fprintf(stderr, "skiff-bridge: hook %s: %s\n", argv[2], err.msg);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "hook"))
    return hook_main(argc, argv);
  if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
    printf("skiff-bridge %s\ncommit: %s\nCNI spec: 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0\n", PACKAGE_VERSION, SKIFF_COMMIT);
    return 0;
  }
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(usage, stdout);
    return 0;
  }
  if (argc > 1) {
    fprintf(stderr, "skiff-bridge: unknown argument \"%s\" (see --help)\n", argv[1]);
    return 2;
  }
  return cni_main();
}
