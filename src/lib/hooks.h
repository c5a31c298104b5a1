/* OCI hooks: each runs with the container's state JSON on stdin, its own args and env, and an
 * optional timeout after which it is killed. */
#ifndef SKIFF_HOOKS_H
#define SKIFF_HOOKS_H

#include <stddef.h>

#include "oci/config.h"
#include "oci/error.h"

/* Runs every hook of the list in order and stops at the first failure: "<stage> hook #<i>
 * (<path>): error running hook: exit status 3" / "...: killed by signal 31 (SIGSYS)" / "...: timed
 * out after 2s" (runc's "error running hook", which callers match). A timeout counts in 64 bits
 * (INT32_MAX seconds is ~68 years). stage names the list in messages
 * ("prestart", "createRuntime", ...). */
int hooks_run(const struct oci_hook_list *hooks, const char *stage, const char *state_json,
              struct skiff_error *err);

/* poststop (runtime.md): a failed hook is a warning and "the remaining hooks ... continue". Runs
 * every hook of the list, hands each failure (the same one-line messages) to on_failure, and
 * returns how many failed. */
size_t hooks_run_all(const struct oci_hook_list *hooks, const char *stage, const char *state_json,
                     void (*on_failure)(const struct skiff_error *err));

#endif
