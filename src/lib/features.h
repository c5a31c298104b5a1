/* What `skiff features` reports: the names skiff recognizes (the same tables its parser and
 * rooms use) narrowed to what this host's libcap, libseccomp and kernel support, and the optional
 * subsystems this build can use here: seccomp (libseccomp loads, the kernel takes filters), the
 * cgroup hierarchies mounted, the rdma controller, systemd as PID 1 with libsystemd. */
#ifndef SKIFF_LIB_FEATURES_H
#define SKIFF_LIB_FEATURES_H

#include <stdbool.h>

#include "oci/features.h"

#define FEATURES_MAX_NAMES 64

/* The document, and the storage its host-dependent lists point into. */
struct features {
  struct oci_features doc;
  const char *capabilities[FEATURES_MAX_NAMES];
  const char *seccomp_actions[FEATURES_MAX_NAMES];
  const char *seccomp_operators[FEATURES_MAX_NAMES];
  const char *seccomp_archs[FEATURES_MAX_NAMES];
  const char *seccomp_known_flags[FEATURES_MAX_NAMES];
  const char *seccomp_supported_flags[FEATURES_MAX_NAMES];
  char libseccomp_version[32];
  struct oci_kv annotations[4];
};

/* Fills f. Probes: cap_max_bits() for the capabilities, seccomp_arch_resolve_name() for the
 * architectures, seccomp(2) for the filter flags the running kernel accepts. */
void features_collect(struct features *f);

#endif
