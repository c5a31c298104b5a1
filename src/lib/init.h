/* The container's init between clone and exec: the init's half of sync-protocol.h. */
#ifndef SKIFF_INIT_H
#define SKIFF_INIT_H

#include "lib/spawn.h"

/* Never returns: execs the container process or exits after reporting an error. */
__attribute__((noreturn)) void init_main(const struct spawn_config *sc, int sync_fd);

/* The process settings, in their order: rlimits, oom score, env, bounding set, user, the
 * capability sets, cwd and umask, no_new_privs, the executable's path, fds. Shared with exec. */
struct seccomp_program;
int init_process_setup(const struct oci_process *process, int preserve_fds,
                       const struct seccomp_program *seccomp, int sync_fd, char **exe, char ***envp,
                       struct skiff_error *err);

#endif
