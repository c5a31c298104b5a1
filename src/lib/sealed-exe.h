/* Running from a sealed copy of skiff's own binary, for containers that could reach it through
 * /proc/<pid>/exe (CVE-2019-5736); sealed-exe.c says which and why. */
#ifndef SKIFF_SEALED_EXE_H
#define SKIFF_SEALED_EXE_H

#include <stdbool.h>

#include "oci/config.h"
#include "oci/error.h"

/* Whether a process of a container of config could open /proc/<pid>/exe of a non-dumpable skiff
 * process in it: no user namespace, and CAP_SYS_PTRACE in any set of the config's process, of
 * process (an exec's; may be NULL), or of an earlier exec (exec_ptrace, kept in the state), or a
 * pid namespace the container does not own. */
bool sealed_exe_needed(const struct oci_config *config, const struct oci_process *process, bool exec_ptrace);

/* CAP_SYS_PTRACE in any of process's capability sets. */
bool sealed_exe_has_ptrace(const struct oci_process *process);

/* Whether skiff runs from its sealed copy now. */
bool sealed_exe_running(void);

/* Makes the sealed copy and executes it with argv: the command starts over in it. Returns (-1)
 * only when that fails. The caller leaves the signal mask as it found it first. */
int sealed_exe_restart(char *const argv[], struct skiff_error *err);

#endif
