/* libFuzzer target: skiff-bridge's request parser (bridge_conf_parse), which reads the plugin's
 * stdin as the container engine passes it, and CNI_ARGS on top of what it parsed
 * (bridge_conf_apply_cni_args). Input: the JSON, then, after a NUL byte, CNI_ARGS. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contrib/skiff-bridge/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, '\0', size);
  size_t json_len = nul ? (size_t)(nul - data) : size;
  struct bridge_conf conf;
  struct skiff_error err = {0};
  int rc = bridge_conf_parse((const char *)data, json_len, &conf, &err);
  if (rc < 0 && err.msg[0] == '\0') /* every rejection says what is wrong */
    __builtin_trap();
  if (rc == 0 && nul) {
    size_t args_len = size - json_len - 1;
    char *cni_args = malloc(args_len + 1);
    if (!cni_args)
      abort();
    memcpy(cni_args, nul + 1, args_len);
    cni_args[args_len] = '\0';
    bridge_conf_apply_cni_args(&conf, cni_args, &err);
    free(cni_args);
  }
  bridge_conf_free(&conf);
  return 0;
}
