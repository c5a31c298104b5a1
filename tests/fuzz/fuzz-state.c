/* libFuzzer target: <root>/<id>/state.json as every command after create reads it
 * (oci_state_parse). What parses must also serialize (state.json, `skiff state`'s output, the
 * hooks' stdin), and what skiff writes must parse back to the same state: a state file that
 * changes on a rewrite would change a container behind its owner's back. The first write may
 * differ from the input beyond formatting: bytes that are not UTF-8 become U+FFFD, written
 * "\ufffd", as Go's encoding/json (runc) writes them; from the second write on, the text is fixed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct skiff_error err = {0};
  struct oci_state *state = oci_state_parse((const char *)data, size, "state.json", &err);
  if (!state) {
    if (err.msg[0] == '\0') /* every rejection says what is wrong */
      __builtin_trap();
    return 0;
  }
  char *printed = oci_state_to_json(state, "running", false, &err);
  char *hook = oci_state_hook_json(state, "created", &err);
  char *first = oci_state_to_json(state, NULL, true, &err);
  if (!first) /* out of memory is the only reason it may fail */
    __builtin_trap();
  char *written = NULL, *rewritten = NULL;
  struct oci_state *again = oci_state_parse(first, strlen(first), "state.json (written)", &err);
  if (!again || !(written = oci_state_to_json(again, NULL, true, &err)))
    __builtin_trap();
  struct oci_state *third = oci_state_parse(written, strlen(written), "state.json (rewritten)", &err);
  if (!third || !(rewritten = oci_state_to_json(third, NULL, true, &err)) || strcmp(written, rewritten) != 0)
    __builtin_trap();
  free(rewritten);
  oci_state_free(third);
  free(written);
  oci_state_free(again);
  free(first);
  free(hook);
  free(printed);
  oci_state_free(state);
  return 0;
}
