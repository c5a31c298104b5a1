/* skiff-bridge as an OCI hook: "hook add" (createRuntime) and "hook del" (poststop) read the
 * container's state on stdin and act as a small CNI runtime for one network configuration (a
 * conflist or a single plugin config): every plugin of it in order (skiff-bridge itself in this
 * process, others from CNI_PATH), the final result kept under the network's dataDir for DEL. */
#ifndef SKIFF_BRIDGE_HOOK_H
#define SKIFF_BRIDGE_HOOK_H

#include <stdbool.h>

#include "oci/error.h"

/* The network configuration used when neither --config nor the annotation names one. */
#ifndef SKIFF_NETWORK_CONFIG
#define SKIFF_NETWORK_CONFIG "/etc/skiff/network.conflist"
#endif
/* The annotation that names a container's network configuration file. */
#define HOOK_CONFIG_ANNOTATION "org.skiff.network"
/* The annotation holding the port mappings (CONVENTIONS.md's portMappings, a JSON array) handed to
 * the plugins that declare the capability. */
#define HOOK_PORTS_ANNOTATION "org.skiff.network.ports"
/* The interface the container gets. */
#define HOOK_IFNAME "eth0"

/* add: true for "hook add", false for "hook del"; config: --config or NULL. The state JSON is read
 * from fd 0. */
int hook_run(bool add, const char *config, struct skiff_error *err);

#endif
