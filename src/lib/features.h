/* What `skiff features` reports: the names skiff recognizes (the same tables its parser and
 * rooms use) narrowed to what this host's libraries and kernel support, and the optional
 * subsystems this build implements. */
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

/* A resctrl filesystem is mounted at /sys/fs/resctrl (Intel RDT, AMD PQoS). */
bool features_host_has_resctrl(void);

/* The kernel takes MOUNT_ATTR_IDMAP in mount_setattr(2) (Linux 5.12). */
bool features_host_has_idmap_mounts(void);

/* AppArmor is enabled: /sys/kernel/security/apparmor exists. */
bool features_host_has_apparmor(void);

/* SELinux is enabled: /sys/fs/selinux/enforce exists. */
bool features_host_has_selinux(void);

#endif
