/* The container's init between clone and exec: the init's half of sync-protocol.h. */
#ifndef SKIFF_INIT_H
#define SKIFF_INIT_H

#include "lib/spawn.h"
#include "lib/trampoline.h"

/* Never returns: execs the container process or exits after reporting an error. */
__attribute__((noreturn)) void init_main(const struct spawn_config *sc, int sync_fd);

/* What init_process_setup() leaves for the exec of the container's program. */
struct process_exec {
  int join_fd; /* in: a v1 memory cgroup's "tasks" the trampoline joins (init.c, step 6a), or -1 */
  char *exe;   /* the path found for process.args[0] */
  char **envp; /* process_build_env() */
  struct trampoline_call call;
};

/* The process settings, in their order: rlimits, oom score, env, bounding set, user, the
 * capability sets, cwd and umask, no_new_privs, the executable's path, fds, the trampoline's
 * command line; then the seccomp filter (init.c says what may come after it). Shared with
 * exec. */
struct seccomp_program;
int init_process_setup(const struct oci_process *process, int preserve_fds,
                       const struct seccomp_program *seccomp, int sync_fd, struct process_exec *px,
                       struct skiff_error *err);
void process_exec_free(struct process_exec *px);

#endif
