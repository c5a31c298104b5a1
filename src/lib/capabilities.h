/* process.capabilities with libcap.
 *
 * As in runc, an absent process.capabilities (or an absent set inside it) means empty: the
 * container gets no capabilities at all. Names this kernel or libcap does not know are
 * skipped without error (runc only warns). Only exact "CAP_XXX" names are accepted. */
#ifndef SKIFF_CAPABILITIES_H
#define SKIFF_CAPABILITIES_H

#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>

#include "oci/config.h"
#include "oci/error.h"

/* Drops from the bounding set every capability not in process.capabilities.bounding. Needs
 * CAP_SETPCAP in the effective set: call before process_set_user(). */
int capabilities_apply_bounding(const struct oci_process *process, struct skiff_error *err);

/* The configured sets, ready for the one capset() of capabilities_finish(). */
struct capabilities_final {
  bool pending;
  struct __user_cap_header_struct header;
  struct __user_cap_data_struct data[2];
};

/* After process_set_user(): sets the effective, permitted and inheritable sets, then the
 * ambient set (cleared first; an ambient capability that is not both permitted and
 * inheritable is skipped, as runc and crun do), and clears PR_SET_KEEPCAPS.
 * keep (bits 1 << CAP_*): capabilities kept effective and permitted beyond the config's, for
 * what must still be done with them (CAP_SYS_ADMIN to load a seccomp filter without
 * noNewPrivileges); when there are any, *later holds the configured sets for
 * capabilities_finish(). */
int capabilities_apply(const struct oci_process *process, uint64_t keep, struct capabilities_final *later,
                       struct skiff_error *err);

/* Sets exactly the configured sets when capabilities_apply() kept more (one capset); else
 * nothing. */
int capabilities_finish(const struct capabilities_final *later, struct skiff_error *err);

#endif
