/* The runtime-spec "Features structure" (features.md, features-linux.md): what `skiff features`
 * prints. This layer only formats it; src/lib/features.c decides what goes in. */
#ifndef SKIFF_OCI_FEATURES_H
#define SKIFF_OCI_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/config.h"
#include "oci/error.h"

/* The runtime-spec version skiff implements: the features' ociVersionMax. */

struct oci_names {
  const char *const *v;
  size_t n;
};

struct oci_features_linux {
  struct oci_names namespaces;
  struct oci_names capabilities;
  bool cgroup_v1, cgroup_v2, cgroup_systemd, cgroup_systemd_user, cgroup_rdma;
  bool seccomp_enabled;
  struct oci_names seccomp_actions, seccomp_operators, seccomp_archs;
  struct oci_names seccomp_known_flags, seccomp_supported_flags;
  bool apparmor_enabled;
  bool selinux_enabled;
  bool intel_rdt_enabled;
  bool idmap_mounts_enabled;
};

struct oci_features {
  const char *oci_version_min;
  const char *oci_version_max;
  struct oci_names hooks;
  struct oci_names mount_options;
  struct oci_features_linux linux_;
  const struct oci_kv *annotations; /* written sorted by key, as Go marshals a map */
  size_t n_annotations;
  struct oci_names potentially_unsafe_annotations;
};

/* The document as runc prints it: fields in the spec's order, indented by four spaces, with a
 * final newline. Every list and object is written, even when empty (an empty list is a claim:
 * "none", which null or absence would not say). Returns a malloc'd string, or NULL with err set. */
char *oci_features_to_json(const struct oci_features *f, struct skiff_error *err);

#endif
