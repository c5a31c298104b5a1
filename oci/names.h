/* Tables of the names the spec defines, with the kernel's number for each where there is one
 * (0 where the number belongs to a library, e.g. libseccomp's actions). */
#ifndef SKIFF_OCI_NAMES_H
#define SKIFF_OCI_NAMES_H

#include <stdbool.h>

#include "oci/config.h"

struct oci_name {
  const char *name;
  int value;
};

/* Each table ends with {NULL, 0}. */
extern const struct oci_name oci_namespace_names[];
extern const struct oci_name oci_rlimit_names[];
extern const struct oci_name oci_capability_names[]; /* CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40 */
extern const struct oci_name oci_ioprio_class_names[];
extern const struct oci_name oci_sched_policy_names[];
extern const struct oci_name oci_sched_flag_names[];
extern const struct oci_name oci_propagation_names[]; /* MS_* flags, the r- forms with MS_REC */
extern const struct oci_name oci_personality_names[];
extern const struct oci_name oci_seccomp_action_names[];
extern const struct oci_name oci_seccomp_arch_names[];
extern const struct oci_name oci_seccomp_op_names[];
extern const struct oci_name oci_seccomp_flag_names[]; /* SECCOMP_FILTER_FLAG_* values */
extern const struct oci_name oci_mempolicy_mode_names[];
extern const struct oci_name oci_mempolicy_flag_names[];

/* The entry named name, or NULL. */
const struct oci_name *oci_name_find(const struct oci_name *table, const char *name);

/* Number of a name, or -1 when the table does not list it. */
int oci_name_value(const struct oci_name *table, const char *name);

/* Name of a number, or NULL. */
const char *oci_name_of(const struct oci_name *table, int value);

/* Capability number of "CAP_xxx", or -1. */
int oci_cap_from_name(const char *name);

#endif
