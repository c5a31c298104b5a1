/* How the kernel runs the container process: process.ioPriority (ioprio_set), process.scheduler
 * (sched_setattr), linux.personality (personality) and linux.memoryPolicy (set_mempolicy). All
 * four are inherited across fork and execve, so the init sets them on itself before it execs.
 * They go before the user switch and the capability drop: a real-time I/O class, a real-time
 * policy or a negative nice value need CAP_SYS_ADMIN / CAP_SYS_NICE. */
#ifndef SKIFF_PROCESS_SCHED_H
#define SKIFF_PROCESS_SCHED_H

#include "oci/config.h"
#include "oci/error.h"

/* In the parent, before anything is created: refuses what cannot work, with one line naming
 * the config field:
 *   linux.intelRdt without a resctrl filesystem at /sys/fs/resctrl (the spec asks for an
 *   error), and with one (this build does not drive resctrl);
 *   process.scheduler values the kernel would clamp or only refuse as "Invalid argument": nice
 *   outside -20..19, a priority for a policy without one, SCHED_FIFO/SCHED_RR without 1..99;
 *   linux.personality.flags (the spec defines none);
 *   linux.memoryPolicy.nodes that are not a node list ("0-3,7"). */
int process_check_host_support(const struct oci_config *config, struct skiff_error *err);

/* process.ioPriority and process.scheduler of one process: the init's, or an exec'd one's (whose
 * scheduler is checked as process_check_host_support checks the config's). */
int process_apply_sched(const struct oci_process *process, struct skiff_error *err);

/* In the init: process_apply_sched for config->process, then linux.personality and
 * linux.memoryPolicy. Errors are the kernel's refusals, naming the field. */
int process_apply_scheduling(const struct oci_config *config, struct skiff_error *err);

#endif
