/* process.capabilities with libcap.
 *
 * As in runc, an absent process.capabilities (or an absent set inside it) means empty: the
 * container gets no capabilities at all. Names this kernel or libcap does not know are
 * skipped without error (runc only warns). Only exact "CAP_XXX" names are accepted. */
#ifndef SKIFF_CAPABILITIES_H
#define SKIFF_CAPABILITIES_H

#include "oci/config.h"
#include "oci/error.h"

/* Drops from the bounding set every capability not in process.capabilities.bounding. Needs
 * CAP_SETPCAP in the effective set: call before process_set_user(). */
int capabilities_apply_bounding(const struct oci_process *process, struct skiff_error *err);

/* After process_set_user(): sets the effective, permitted and inheritable sets, then the
 * ambient set (cleared first; an ambient capability that is not both permitted and
 * inheritable is skipped, as runc and crun do), and clears PR_SET_KEEPCAPS. */
int capabilities_apply(const struct oci_process *process, struct skiff_error *err);

#endif
