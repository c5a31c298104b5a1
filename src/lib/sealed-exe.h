/* Running from a sealed copy of skiff's own binary, for containers that could reach it through
 * /proc/<pid>/exe (CVE-2019-5736); sealed-exe.c says which and why. */
#ifndef SKIFF_SEALED_EXE_H
#define SKIFF_SEALED_EXE_H

#include <stdbool.h>

#include "oci/config.h"
#include "oci/error.h"

/* Whether process (in a container of config) could open /proc/<pid>/exe of a non-dumpable
 * skiff: CAP_SYS_PTRACE in any of its sets, and no user namespace. */
bool sealed_exe_needed(const struct oci_config *config, const struct oci_process *process);

/* Whether skiff runs from its sealed copy now. */
bool sealed_exe_running(void);

/* Makes the sealed copy and executes it with argv: the command starts over in it. Returns (-1)
 * only when that fails. The caller leaves the signal mask as it found it first. */
int sealed_exe_restart(char *const argv[], struct skiff_error *err);

#endif
