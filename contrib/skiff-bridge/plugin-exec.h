/* Running another CNI plugin (SPEC.md section 4): found on CNI_PATH, given this process's
 * environment with CNI_COMMAND set, the request on stdin; its stdout read back, its stderr ours. A
 * delegated IPAM plugin, and in hook mode each plugin of a conflist that is not skiff-bridge. */
#ifndef SKIFF_BRIDGE_PLUGIN_EXEC_H
#define SKIFF_BRIDGE_PLUGIN_EXEC_H

#include <stddef.h>

#include "result.h"

/* The directories a plugin is looked for in when CNI_PATH is not set (podman's and containerd's). */
#define CNI_DEFAULT_PATH "/usr/local/libexec/cni:/usr/libexec/cni:/usr/local/lib/cni:/usr/lib/cni:/opt/cni/bin"

/* Runs plugin type with CNI_COMMAND=command. On success *output (may be NULL) gets its stdout,
 * NUL-terminated. A failure that printed an error object becomes that error (its code, "msg:
 * details"); any other failure is CNI_ERR_PLUGIN. */
int plugin_exec(const char *type, const char *cni_path, const char *command, const char *input, size_t len,
                char **output, struct skiff_error *err);

/* plugin_exec of ADD, its stdout parsed as a result into *out. */
int plugin_exec_add(const char *type, const char *cni_path, const char *input, size_t len,
                    struct cni_result *out, struct skiff_error *err);

#endif
