/* libFuzzer target: config.json as `skiff create` reads it (oci_config_parse), and the same bytes
 * as exec's --process file and update's --resources file, which share its parser. A rejection is
 * fine; a crash, a leak or a sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "oci/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct skiff_error err = {0};
  struct oci_config *config = oci_config_parse((const char *)data, size, "config.json", &err);
  /* every rejection says what is wrong */
  if (!config && err.msg[0] == '\0')
    __builtin_trap();
  oci_config_free(config);

  memset(&err, 0, sizeof err);
  oci_process_free(oci_process_parse((const char *)data, size, "process.json", &err));
  memset(&err, 0, sizeof err);
  oci_resources_free(oci_resources_parse((const char *)data, size, "resources.json", &err));
  return 0;
}
